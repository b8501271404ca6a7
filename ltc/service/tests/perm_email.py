"""Permission cases of service's email area (see permission_cases.py). Build cases with the helpers
of ltc.web.tests.test_permissions (Case, record_rule, signed_in, ...), imported inside this module:
that module imports this one while it is being loaded, after defining them.

Mails waiting for an agent are for the service staff only (service, admin: the list 403 for anyone
else, one mail 404). The inbound endpoint has no user (the mail server's shared secret) and the
survey page no sign-in (its private link): both public, tested for what they must not do or show."""

from __future__ import annotations

from typing import Any

from ltc.web.tests.test_permissions import Case, record_rule, signed_in

WORKERS = {"service", "admin"}


def _inbound(w: Any) -> int:
    from ltc.service.models import InboundEmail, InboundStatus

    return int(
        InboundEmail.objects.create(
            message_id=f"<perm-{InboundEmail.objects.count()}@unknown.cn>",
            raw=b"From: new@unknown.cn\r\n\r\nhi",
            from_address="new@unknown.cn",
            subject="求助",
            body="设备坏了",
            status=InboundStatus.UNMATCHED,
        ).pk
    )


CASES: list[Any] = [
    Case("GET /api/v1/service/inbound-emails", lambda w: "/api/v1/service/inbound-emails", signed_in(200, who=WORKERS)),
    Case(
        "GET /api/v1/service/inbound-emails/{inbound_id}",
        lambda w: f"/api/v1/service/inbound-emails/{_inbound(w)}",
        record_rule(200, who=WORKERS, sees=WORKERS),
    ),
    Case(
        "POST /api/v1/service/inbound-emails/{inbound_id}/attach",
        lambda w: f"/api/v1/service/inbound-emails/{_inbound(w)}/attach",
        record_rule(201, who=WORKERS, sees=WORKERS),
        body=lambda w, path: {"account_id": w.account.pk},
    ),
    Case("GET service:inbound_list", lambda w: "/service/inbound/", signed_in(200, who=WORKERS, api=False)),
    Case(
        "GET service:inbound_detail",
        lambda w: f"/service/inbound/{_inbound(w)}/",
        record_rule(200, who=WORKERS, sees=WORKERS, api=False),
    ),
    Case(
        "POST service:inbound_detail",
        lambda w: f"/service/inbound/{_inbound(w)}/",
        record_rule(302, who=WORKERS, sees=WORKERS, api=False),
        body=lambda w, path: {"account": w.account.pk},
    ),
]
EXEMPT: set[str] = {
    # the mail server's forwarder: no user, the shared secret (service/tests/test_email.py)
    "POST /api/v1/service/inbound-email",
    # the satisfaction survey behind its private link (service/tests/test_csat.py)
    "GET service:survey",
    "POST service:survey",
}
PUBLIC_ROUTES: dict[str, str] = {
    "api/v1/service/inbound-email": "the mail server hands over a raw mail, with the shared secret (refused "
    "without it) (service/tests/test_email.py::test_a_missing_or_wrong_secret_is_refused)",
    "service/survey/<str:token>/": "a resolved case's satisfaction survey, by its private link: only the case's "
    "number and subject (service/tests/test_csat.py::test_the_public_page_shows_only_number_and_subject)",
}
