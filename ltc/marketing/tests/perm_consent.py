"""Permission cases of marketing's consent area (see permission_cases.py). Build cases with the
helpers of ltc.web.tests.test_permissions (Case, record_rule, signed_in, ...), imported inside
this module: that module imports this one while it is being loaded, after defining them.

Consent is read by marketing's readers (marketing, administrators, executives, sales managers)
and recorded by marketing and administrators; data-subject requests are marketing's and the
administrators' alone (anyone else 403). The unsubscribe link is public: opened by its token."""

from __future__ import annotations

from typing import Any

from ltc.web.tests.test_permissions import Case, signed_in

PRIVACY = {"marketing", "admin"}
READS = {"marketing", "admin", "executive", "manager", "boss"}


def _request(w: Any, kind: str = "export") -> int:
    from ltc.marketing.models import DataSubjectRequest

    return DataSubjectRequest.objects.create(kind=kind, lead=w.lead, asked_via="邮件", created_by=w.admin).pk


CASES: list[Any] = [
    Case("GET marketing:privacy_list", lambda w: "/marketing/privacy/", signed_in(200, api=False, who=PRIVACY)),
    Case(
        "GET marketing:privacy_create",
        lambda w: f"/marketing/privacy/new/?lead={w.lead.pk}",
        signed_in(200, api=False, who=PRIVACY),
    ),
    Case(
        "POST marketing:privacy_create",
        lambda w: "/marketing/privacy/new/",
        signed_in(302, api=False, who=PRIVACY),
        body=lambda w, path: {"lead": w.lead.pk, "kind": "export", "asked_via": "电话"},
    ),
    Case(
        "GET marketing:privacy_detail",
        lambda w: f"/marketing/privacy/{_request(w)}/",
        signed_in(200, api=False, who=PRIVACY),
    ),
    Case(
        "GET marketing:privacy_export",
        lambda w: f"/marketing/privacy/{_request(w)}/export/",
        signed_in(200, api=False, who=PRIVACY),
    ),
    Case(
        "POST marketing:privacy_erase",
        lambda w: f"/marketing/privacy/{_request(w, 'erase')}/erase/",
        signed_in(302, api=False, who=PRIVACY),
        body={"confirm": "yes"},
    ),
    Case(
        "POST marketing:consent_record",
        lambda w: "/marketing/consent/record/",
        signed_in(302, api=False, who=PRIVACY),
        body=lambda w, path: {
            "lead": w.lead.pk,
            "address": w.lead.email,
            "channel": "email",
            "state": "granted",
            "basis": "consent",
            "source": "来电",
        },
    ),
    Case(
        "GET /api/v1/marketing/consent",
        lambda w: "/api/v1/marketing/consent?address=a@x.cn",
        signed_in(200, who=READS),
    ),
    Case(
        "GET /api/v1/marketing/consent/history",
        lambda w: "/api/v1/marketing/consent/history?address=a@x.cn",
        signed_in(200, who=READS),
    ),
    Case(
        "POST /api/v1/marketing/consent",
        lambda w: "/api/v1/marketing/consent",
        signed_in(201, who=PRIVACY),
        body={"address": "a@x.cn", "state": "granted", "basis": "consent", "source": "展会登记"},
    ),
    Case(
        "GET /api/v1/marketing/data-requests", lambda w: "/api/v1/marketing/data-requests", signed_in(200, who=PRIVACY)
    ),
    Case(
        "POST /api/v1/marketing/data-requests",
        lambda w: "/api/v1/marketing/data-requests",
        signed_in(201, who=PRIVACY),
        body=lambda w, path: {"kind": "export", "lead_id": w.lead.pk, "asked_via": "邮件"},
    ),
    Case(
        "GET /api/v1/marketing/data-requests/{request_id}",
        lambda w: f"/api/v1/marketing/data-requests/{_request(w)}",
        signed_in(200, who=PRIVACY),
    ),
    Case(
        "GET /api/v1/marketing/data-requests/{request_id}/export",
        lambda w: f"/api/v1/marketing/data-requests/{_request(w)}/export",
        signed_in(200, who=PRIVACY),
    ),
    Case(
        "POST /api/v1/marketing/data-requests/{request_id}/given",
        lambda w: f"/api/v1/marketing/data-requests/{_request(w)}/given",
        signed_in(200, who=PRIVACY),
    ),
    Case(
        "POST /api/v1/marketing/data-requests/{request_id}/erase",
        lambda w: f"/api/v1/marketing/data-requests/{_request(w, 'erase')}/erase",
        signed_in(200, who=PRIVACY),
        body={"confirm": True},
    ),
]
EXEMPT: set[str] = {
    # The unsubscribe link of a marketing e-mail: opened by its secret token, no sign-in; shows
    # only the masked address and the choice (marketing/tests/test_consent_public.py).
    "GET marketing:unsubscribe",
    "POST marketing:unsubscribe",  # RFC 8058 one-click and the preference form (same tests)
}
PUBLIC_ROUTES: dict[str, str] = {
    "marketing/unsubscribe/<str:token>/": (
        "a marketing e-mail's unsubscribe link and preference page, by its token "
        "(marketing/tests/test_consent_public.py: the page's allow-list)"
    ),
}
