"""Permission cases of marketing's email area (see permission_cases.py). Build cases with the
helpers of ltc.web.tests.test_permissions (Case, record_rule, signed_in, ...), imported inside
this module: that module imports this one while it is being loaded, after defining them."""

from __future__ import annotations

import re
from typing import Any

from ltc.web.tests.test_permissions import Case, record_rule, signed_in

READS = {"manager", "boss", "executive", "admin", "marketing"}
MANAGES = {"admin", "marketing"}

TEMPLATE_BODY = {"name": "白皮书", "subject_zh": "{{ name }}，您好", "body_zh": "正文 [下载](https://example.com/a)"}


def template(w: Any) -> int:
    from ltc.marketing.models.email import EmailTemplate

    return EmailTemplate.objects.create(name="模板", subject_zh="主题", body_zh="正文 {{ first_name }}").pk


def _campaign(w: Any) -> Any:
    from ltc.marketing.models import Campaign

    if not hasattr(w, "email_campaign"):
        w.email_campaign = Campaign.objects.create(name="邮件", code="perm-email", kind="email", owner=w.marketing)
    return w.email_campaign


def _segment(w: Any) -> Any:
    from ltc.marketing.models.segments import Segment

    if not hasattr(w, "email_segment"):
        w.email_segment = Segment.objects.create(name="空名单", target="leads", kind="static", owner=w.marketing)
    return w.email_segment


def mailing(w: Any) -> int:
    from ltc.marketing.models.email import EmailTemplate, Mailing

    return Mailing.objects.create(
        name="十月",
        template=EmailTemplate.objects.get(pk=template(w)),
        campaign=_campaign(w),
        segment=_segment(w),
        created_by=w.marketing,
    ).pk


def mailing_body(w: Any, path: str) -> dict[str, Any]:
    return {"name": "十一月", "template_id": template(w), "campaign_id": _campaign(w).pk, "segment_id": _segment(w).pk}


def mailing_form(w: Any, path: str) -> dict[str, Any]:
    return {
        "name": "十一月",
        "template": template(w),
        "campaign": _campaign(w).pk,
        "segment": _segment(w).pk,
        "rate_per_minute": 600,
    }


def _version(model_name: str) -> Any:
    def headers(w: Any, path: str) -> dict[str, str]:
        from ltc.marketing.models import email

        pk = re.findall(r"/(\d+)(?:/|$)", path)[0]
        return {"If-Match": f'"{getattr(email, model_name).objects.get(pk=pk).version}"'}

    return headers


def _posted_version(w: Any, path: str) -> dict[str, Any]:
    from ltc.marketing.models.email import Mailing

    return {"version": Mailing.objects.get(pk=re.findall(r"/(\d+)/", path)[0]).version}


CASES: list[Any] = [
    # API: templates
    Case(
        "GET /api/v1/marketing/email-templates",
        lambda w: "/api/v1/marketing/email-templates",
        signed_in(200, who=READS),
    ),
    Case(
        "POST /api/v1/marketing/email-templates",
        lambda w: "/api/v1/marketing/email-templates",
        signed_in(201, who=MANAGES),
        body=TEMPLATE_BODY,
    ),
    Case(
        "GET /api/v1/marketing/email-templates/{template_id}",
        lambda w: f"/api/v1/marketing/email-templates/{template(w)}",
        record_rule(200, who=READS, sees=READS),
    ),
    Case(
        "PATCH /api/v1/marketing/email-templates/{template_id}",
        lambda w: f"/api/v1/marketing/email-templates/{template(w)}",
        record_rule(200, who=MANAGES, sees=READS),
        body={"name": "新名称"},
        headers=_version("EmailTemplate"),
    ),
    Case(
        "DELETE /api/v1/marketing/email-templates/{template_id}",
        lambda w: f"/api/v1/marketing/email-templates/{template(w)}",
        record_rule(204, who=MANAGES, sees=READS),
    ),
    Case(
        "POST /api/v1/marketing/email-templates/{template_id}/preview",
        lambda w: f"/api/v1/marketing/email-templates/{template(w)}/preview",
        record_rule(200, who=READS, sees=READS),
        body={"language": "zh-hans"},
    ),
    Case(
        "POST /api/v1/marketing/email-templates/{template_id}/test-send",
        lambda w: f"/api/v1/marketing/email-templates/{template(w)}/test-send",
        record_rule(202, who=MANAGES, sees=READS),
        body={"language": "en"},
    ),
    # API: mailings
    Case("GET /api/v1/marketing/mailings", lambda w: "/api/v1/marketing/mailings", signed_in(200, who=READS)),
    Case(
        "POST /api/v1/marketing/mailings",
        lambda w: "/api/v1/marketing/mailings",
        signed_in(201, who=MANAGES),
        body=mailing_body,
    ),
    Case(
        "GET /api/v1/marketing/mailings/{mailing_id}",
        lambda w: f"/api/v1/marketing/mailings/{mailing(w)}",
        record_rule(200, who=READS, sees=READS),
    ),
    Case(
        "POST /api/v1/marketing/mailings/{mailing_id}/schedule",
        lambda w: f"/api/v1/marketing/mailings/{mailing(w)}/schedule",
        record_rule(200, who=MANAGES, sees=READS),
        body={},
        headers=_version("Mailing"),
    ),
    Case(
        "POST /api/v1/marketing/mailings/{mailing_id}/cancel",
        lambda w: f"/api/v1/marketing/mailings/{mailing(w)}/cancel",
        record_rule(200, who=MANAGES, sees=READS),
        body={},
        headers=_version("Mailing"),
    ),
    Case(
        "GET /api/v1/marketing/mailings/{mailing_id}/messages",
        lambda w: f"/api/v1/marketing/mailings/{mailing(w)}/messages",
        record_rule(200, who=READS, sees=READS),
    ),
    # Pages
    Case("GET marketing:email_home", lambda w: "/marketing/email/", signed_in(200, api=False, who=READS)),
    Case(
        "GET marketing:email_template_create",
        lambda w: "/marketing/email/templates/new/",
        signed_in(200, api=False, who=MANAGES),
    ),
    Case(
        "POST marketing:email_template_create",
        lambda w: "/marketing/email/templates/new/",
        signed_in(302, api=False, who=MANAGES),
        body=TEMPLATE_BODY,
    ),
    Case(
        "POST marketing:email_template_preview",
        lambda w: "/marketing/email/templates/preview/",
        signed_in(200, api=False, who=MANAGES),
        body=TEMPLATE_BODY,
    ),
    Case(
        "GET marketing:email_template_edit",
        lambda w: f"/marketing/email/templates/{template(w)}/",
        record_rule(200, who=MANAGES, sees=READS, api=False),
    ),
    Case(
        "POST marketing:email_template_edit",
        lambda w: f"/marketing/email/templates/{template(w)}/",
        record_rule(302, who=MANAGES, sees=READS, api=False),
        body={**TEMPLATE_BODY, "version": 1},
    ),
    Case(
        "POST marketing:email_template_test_send",
        lambda w: f"/marketing/email/templates/{template(w)}/test-send/",
        record_rule(302, who=MANAGES, sees=READS, api=False),
        body={"language": "zh-hans"},
    ),
    Case(
        "GET marketing:email_mailing_create",
        lambda w: "/marketing/email/mailings/new/",
        signed_in(200, api=False, who=MANAGES),
    ),
    Case(
        "POST marketing:email_mailing_create",
        lambda w: "/marketing/email/mailings/new/",
        signed_in(302, api=False, who=MANAGES),
        body=mailing_form,
    ),
    Case(
        "GET marketing:email_mailing_detail",
        lambda w: f"/marketing/email/mailings/{mailing(w)}/",
        record_rule(200, who=READS, sees=READS, api=False),
    ),
    Case(
        "POST marketing:email_mailing_schedule",
        lambda w: f"/marketing/email/mailings/{mailing(w)}/schedule/",
        record_rule(302, who=MANAGES, sees=READS, api=False),
        body=_posted_version,
    ),
    Case(
        "POST marketing:email_mailing_cancel",
        lambda w: f"/marketing/email/mailings/{mailing(w)}/cancel/",
        record_rule(302, who=MANAGES, sees=READS, api=False),
        body=_posted_version,
    ),
]
EXEMPT: set[str] = {
    # A recipient's mail program loads the pixel and follows the links: no sign-in. Tested in
    # marketing/tests/test_email_sending.py (same GIF for any token; redirect only to stored links).
    "GET marketing:email_open",
    "GET marketing:email_click",
}
PUBLIC_ROUTES: dict[str, str] = {
    "marketing/e/o/<str:token>.gif": (
        "the open pixel of a marketing e-mail, by its random token: always the same GIF "
        "(marketing/tests/test_email_sending.py::test_the_public_routes_reveal_nothing_about_a_token)"
    ),
    "marketing/e/c/<str:token>/<int:index>/": (
        "the click redirect of a marketing e-mail: only to the link stored for that message "
        "(marketing/tests/test_email_sending.py::test_the_pixel_and_the_redirect_record_touches_once_and_go_only_to_stored_links)"
    ),
}
