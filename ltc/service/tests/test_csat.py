"""The satisfaction survey: mailed when a case is resolved, a public page showing only the case's
number and subject, answered once, kept on the case and its timeline, throttled per address."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.test import Client

from ltc.core.models import OutgoingMail, TimelineEvent
from ltc.customers.tests.factories import ContactFactory
from ltc.service.models import Case, CaseStatus
from ltc.service.services import cases as svc
from ltc.service.services.csat import survey_case
from ltc.service.tests.factories import make_calendar


@pytest.fixture
def resolved(world: Any, settings: Any) -> Case:
    settings.LTC_BASE_URL = "https://ltc.example"
    cache.clear()
    make_calendar()
    contact = ContactFactory(account=world.account, name="李娜", email="li@kehu.cn", email_key="li@kehu.cn")
    case = svc.case_create(actor=world.service, account=world.account, subject="无法登录", contact=contact)
    svc.case_reply(actor=world.service, case=case, body="内部备注：账号被锁", internal=True)
    case.refresh_from_db()
    case = svc.case_set_status(actor=world.service, case=case, status=CaseStatus.IN_PROGRESS, version=case.version)
    case = svc.case_set_status(
        actor=world.service, case=case, status=CaseStatus.RESOLVED, version=case.version, resolution="已解锁"
    )
    case.refresh_from_db()
    return case


def survey_path(case: Case) -> str:
    return f"/service/survey/{case.pk}-{case.csat_token}/"


def test_resolving_mails_the_private_survey_link_once(resolved: Case, world: Any) -> None:
    assert len(resolved.csat_token) >= 32
    survey = OutgoingMail.objects.get(subject__startswith=f"[{resolved.number}]")
    assert survey.to == ["li@kehu.cn"]
    assert f"https://ltc.example{survey_path(resolved)}" in survey.body
    first_link = survey_path(resolved)
    # reopened and resolved again: a new survey; the old link no longer works
    case = svc.case_reopen(actor=world.service, case=resolved, version=resolved.version)
    case = svc.case_set_status(actor=world.service, case=case, status=CaseStatus.RESOLVED, version=case.version)
    case.refresh_from_db()
    assert OutgoingMail.objects.count() == 2
    assert OutgoingMail.objects.filter(body__contains=survey_path(case)).count() == 1
    assert Client().get(first_link).status_code == 404


def test_the_public_page_shows_only_number_and_subject(resolved: Case, world: Any) -> None:
    page = Client().get(survey_path(resolved))
    assert page.status_code == 200
    html = page.content.decode()
    assert resolved.number in html
    assert "无法登录" in html
    for secret in (world.account.name, "内部备注", "账号被锁", "已解锁", world.service.username, "李娜", "li@kehu.cn"):
        assert secret not in html
    assert page["Cache-Control"].startswith("max-age=0") or "no-cache" in page["Cache-Control"]


def test_answered_once_and_kept_on_the_case_and_timeline(resolved: Case) -> None:
    client = Client()
    response = client.post(survey_path(resolved), {"score": "4", "comment": "响应很快"})
    assert response.status_code == 200
    assert "响应很快" not in response.content.decode()
    resolved.refresh_from_db()
    assert (resolved.csat_score, resolved.csat_comment) == (4, "响应很快")
    assert resolved.csat_at is not None
    case_type = ContentType.objects.get_for_model(Case)
    event = TimelineEvent.objects.filter(content_type=case_type, object_id=resolved.pk).order_by("-id").first()
    assert event is not None
    assert {c["field"] for c in event.changes} == {"csat_score", "csat_comment"}
    again = client.post(survey_path(resolved), {"score": "1", "comment": "改主意了"})
    assert again.status_code == 200
    resolved.refresh_from_db()
    assert (resolved.csat_score, resolved.csat_comment) == (4, "响应很快")
    assert client.get(survey_path(resolved)).status_code == 200  # a polite "already answered" page


@pytest.mark.parametrize("score", ["0", "6", "x", ""])
def test_a_bad_score_is_a_field_error_and_changes_nothing(resolved: Case, score: str) -> None:
    response = Client().post(survey_path(resolved), {"score": score})
    assert response.status_code == 422
    resolved.refresh_from_db()
    assert resolved.csat_at is None
    assert resolved.csat_score is None


def test_unknown_tokens_are_404_and_guessing_is_throttled(resolved: Case) -> None:
    client = Client()
    wrong = f"{resolved.pk}-{'0' * 32}"
    assert survey_case(wrong) is None
    assert survey_case("abc") is None
    assert survey_case(f"x-{resolved.csat_token}") is None
    # a digit of another script and an id beyond any column read as no id (ltc.core.forms.is_id)
    assert survey_case(f"²-{resolved.csat_token}") is None
    assert survey_case(f"{'9' * 19}-{resolved.csat_token}") is None
    assert survey_case(survey_path(resolved).split("/")[3]) == resolved
    statuses = [client.get(f"/service/survey/{wrong}/").status_code for _ in range(6)]
    assert statuses == [404] * 5 + [429]
    # the right link from the same address is throttled on POST too
    assert client.post(survey_path(resolved), {"score": "5"}).status_code == 429
    resolved.refresh_from_db()
    assert resolved.csat_at is None


def test_no_survey_without_an_address(world: Any) -> None:
    make_calendar()
    case = svc.case_create(actor=world.service, account=world.account, subject="没有联系人")
    case = svc.case_set_status(actor=world.service, case=case, status=CaseStatus.IN_PROGRESS, version=case.version)
    case = svc.case_set_status(actor=world.service, case=case, status=CaseStatus.RESOLVED, version=case.version)
    case.refresh_from_db()
    assert case.csat_token
    assert not OutgoingMail.objects.exists()
