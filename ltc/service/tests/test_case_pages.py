"""The case pages: the queues (list), a case's page with its forms, and the phone case an agent
opens. Each POST goes through the case services; bad input is a field error, never a 500."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from ltc.customers.tests.factories import AccountFactory, ContactFactory
from ltc.org.tests.factories import UserFactory
from ltc.service.models import Asset, Case, CaseMessage, CaseStatus, MessageKind, SlaState
from ltc.service.tests.factories import make_case, make_entitlement

pytestmark = pytest.mark.django_db

LIST = "/service/cases/"


def _url(case: Case, action: str = "") -> str:
    return f"/service/cases/{case.pk}/{action + '/' if action else ''}"


@pytest.fixture
def timed(world: Any) -> Any:
    """world.account with an entitlement: its cases run SLA clocks."""
    return make_entitlement(world.account)


def _rows(response: Any) -> str:
    return response.content.decode()


# --- the list ----------------------------------------------------------------------------------


def test_agent_list_shows_their_queue_by_default_and_the_other_views(world, web_as, timed):
    mine = make_case(world.account, actor=world.service, subject="我的工单", owner=world.service)
    unassigned = make_case(world.account, actor=world.service, subject="无人处理")
    client = web_as(world.service)

    page = _rows(client.get(LIST))
    assert mine.number in page
    assert unassigned.number not in page
    assert 'id="case-new"' in page
    for view in ("mine", "team", "unassigned", "all"):
        assert f'data-view="{view}"' in page

    page = _rows(client.get(LIST, {"view": "unassigned"}))
    assert unassigned.number in page
    assert mine.number not in page
    page = _rows(client.get(LIST, {"view": "all"}))
    assert mine.number in page
    assert unassigned.number in page
    assert 'data-sla="running"' in page


def test_sales_manager_reads_all_cases_of_their_accounts_and_may_not_open_one(world, web_as):
    case = make_case(world.account, actor=world.service)
    foreign = make_case(AccountFactory(owner=world.other), actor=world.service, subject="别的客户")
    response = web_as(world.manager).get(LIST)
    assert response.status_code == 200
    page = _rows(response)
    assert case.number in page
    assert foreign.number not in page
    assert 'id="case-new"' not in page
    assert 'data-view="mine"' not in page
    assert 'data-view="all"' in page
    assert web_as(world.owner).get(LIST).status_code == 403  # an AR reads cases on the account page
    assert web_as(world.other).get(LIST).status_code == 403
    assert web_as(None).get(LIST).status_code == 302


def test_list_filters_by_status_priority_sla_account_and_search(world, web_as, timed):
    p1 = make_case(world.account, actor=world.service, subject="停机 line 3", priority="p1")
    waiting = make_case(world.account, actor=world.service, subject="等待回复", status=CaseStatus.WAITING)
    done = make_case(world.account, actor=world.service, subject="已解决", status=CaseStatus.RESOLVED)
    Case.objects.filter(pk=done.pk).update(resolution_sla=SlaState.MET)
    other_account = AccountFactory(owner=world.owner)
    elsewhere = make_case(other_account, actor=world.service, subject="另一个客户")
    client = web_as(world.service)

    def numbers(**query: Any) -> set[str]:
        page = _rows(client.get(LIST, {"view": "all", **query}))
        return {c.number for c in (p1, waiting, done, elsewhere) if c.number in page}

    assert numbers(status="waiting") == {waiting.number}
    assert numbers(status="open") == {p1.number, waiting.number, elsewhere.number}
    assert numbers(priority="p1") == {p1.number}
    assert numbers(sla="met") == {done.number}
    assert numbers(account=str(other_account.pk)) == {elsewhere.number}
    assert numbers(q="line 3") == {p1.number}
    # nonsense filters are ignored, never an error page
    assert client.get(LIST, {"status": "bogus", "account": "x²", "offset": "-4", "view": "??"}).status_code == 200


def test_list_htmx_answers_the_results_only(world, web_as):
    case = make_case(world.account, actor=world.service)
    response = web_as(world.service).get(LIST, {"view": "all"}, HTTP_HX_REQUEST="true")
    page = _rows(response)
    assert case.number in page
    assert 'id="results"' in page
    assert "case-filters" not in page


def test_list_of_30_cases_keeps_its_query_budget(world, web_as, timed, django_assert_max_num_queries):
    accounts = [AccountFactory(owner=world.owner) for _ in range(3)]
    for i in range(30):
        make_case(accounts[i % 3], actor=world.service, subject=f"工单 {i}", owner=world.service)
    client = web_as(world.service)
    client.get(LIST)  # warm the session and caches
    with django_assert_max_num_queries(12):
        response = client.get(LIST, {"view": "all", "limit": "30"})
    assert response.content.decode().count('data-testid="case-row"') == 30


# --- a case's page -----------------------------------------------------------------------------


def test_case_page_draws_the_thread_apart_from_internal_notes(world, web_as, timed):
    from ltc.service.services.cases import case_reply

    case = make_case(world.account, actor=world.service, description="打印机卡纸")
    case_reply(actor=world.service, case=case, body="请重启设备")
    case_reply(actor=world.service, case=case, body="客户是大客户，优先处理", internal=True)
    page = _rows(web_as(world.service).get(_url(case)))
    thread = page[page.index('id="case-thread"') : page.index('id="case-notes"')]
    notes = page[page.index('id="case-notes"') : page.index('id="timeline"')]
    assert "打印机卡纸" in thread
    assert "请重启设备" in thread
    assert "客户是大客户" not in thread
    assert "客户是大客户" in notes
    for form in ("case-reply-form", "case-note-form", "case-status-form", "case-assign-form", "case-edit-form"):
        assert f'id="{form}"' in page
    assert f'href="{world.account.get_absolute_url()}"' in page
    assert 'id="case-reopen-form"' not in page


def test_sales_reader_reads_and_notes_only(world, web_as):
    case = make_case(world.account, actor=world.service)
    client = web_as(world.owner)
    page = _rows(client.get(_url(case)))
    assert 'id="case-note-form"' in page
    for form in ("case-reply-form", "case-status-form", "case-assign-form", "case-edit-form", "case-merge-form"):
        assert f'id="{form}"' not in page
    assert client.post(_url(case, "reply"), {"reply-body": "你好"}).status_code == 403
    assert (
        client.post(_url(case, "status"), {"status-status": "waiting", "status-version": case.version}).status_code
        == 403
    )
    assert not CaseMessage.objects.filter(case=case, kind=MessageKind.REPLY).exists()

    response = client.post(_url(case, "note"), {"note-body": "客户下季度有扩容计划"})
    assert response.status_code == 302
    note = CaseMessage.objects.get(case=case, kind=MessageKind.NOTE)
    assert (note.body, note.author) == ("客户下季度有扩容计划", world.owner)


def test_outsider_gets_404_on_the_page_and_every_action(world, web_as):
    case = make_case(world.account, actor=world.service)
    client = web_as(world.other)
    assert client.get(_url(case)).status_code == 404
    for action in ("reply", "note", "status", "assign", "edit", "reopen", "merge"):
        assert client.post(_url(case, action), {}).status_code == 404, action
    assert web_as(world.service).get("/service/cases/999999999/").status_code == 404


def test_reply_is_the_first_response_and_an_empty_one_a_field_error(world, web_as, timed):
    case = make_case(world.account, actor=world.service)
    client = web_as(world.service)
    response = client.post(_url(case, "reply"), {"reply-body": "  "})
    assert response.status_code == 422
    assert 'aria-invalid="true"' in _rows(response)
    assert not CaseMessage.objects.filter(case=case, kind=MessageKind.REPLY).exists()

    assert client.post(_url(case, "reply"), {"reply-body": "已安排工程师上门"}).status_code == 302
    case.refresh_from_db()
    assert case.first_response_at is not None
    assert case.response_sla == SlaState.MET
    assert case.status == CaseStatus.IN_PROGRESS
    assert CaseMessage.objects.get(case=case, kind=MessageKind.REPLY).body == "已安排工程师上门"


def test_status_waiting_pauses_resume_and_resolve_needs_a_resolution(world, web_as, timed):
    case = make_case(world.account, actor=world.service)
    client = web_as(world.service)

    def post(status: str, resolution: str = "") -> Any:
        version = Case.objects.get(pk=case.pk).version
        return client.post(
            _url(case, "status"),
            {"status-status": status, "status-version": version, "status-resolution": resolution},
        )

    assert post("waiting").status_code == 302
    case.refresh_from_db()
    assert (case.status, case.paused_at is not None) == (CaseStatus.WAITING, True)
    page = _rows(client.get(_url(case)))
    assert 'id="case-paused"' in page
    assert "data-sla-paused" in page

    assert post("in_progress").status_code == 302
    case.refresh_from_db()
    assert (case.status, case.paused_at) == (CaseStatus.IN_PROGRESS, None)

    response = post("resolved")
    assert response.status_code == 422
    assert "Say how the case was resolved." in _rows(response)
    assert Case.objects.get(pk=case.pk).status == CaseStatus.IN_PROGRESS

    assert post("closed_or_anything").status_code == 422  # not a choice from here
    assert post("resolved", "更换了定影器").status_code == 302
    case.refresh_from_db()
    assert (case.status, case.resolution) == (CaseStatus.RESOLVED, "更换了定影器")
    page = _rows(client.get(_url(case)))
    assert 'id="case-reopen-form"' in page
    assert 'id="case-reply-form"' not in page


def test_a_stale_version_changes_nothing(world, web_as):
    case = make_case(world.account, actor=world.service)
    response = web_as(world.service).post(
        _url(case, "status"), {"status-status": "waiting", "status-version": case.version - 1}
    )
    assert response.status_code == 409
    assert "changed by someone else" in _rows(response)
    assert Case.objects.get(pk=case.pk).status == CaseStatus.NEW


def test_assign_to_a_service_member_only(world, web_as):
    case = make_case(world.account, actor=world.service)
    colleague = UserFactory(username="agent2", roles=["service"])
    client = web_as(world.service)
    response = client.post(_url(case, "assign"), {"assign-owner": world.owner.pk, "assign-version": case.version})
    assert response.status_code == 422
    assert Case.objects.get(pk=case.pk).owner_id is None
    response = client.post(_url(case, "assign"), {"assign-owner": "abc", "assign-version": case.version})
    assert response.status_code == 422
    response = client.post(_url(case, "assign"), {"assign-owner": colleague.pk, "assign-version": case.version})
    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).owner == colleague


def test_edit_priority_retimes_and_an_asset_of_another_account_is_refused(world, web_as, timed):
    case = make_case(world.account, actor=world.service, priority="p3")
    due_before = case.resolution_due
    own = Asset.objects.create(account=world.account, code="A-1", name="激光打印机")
    foreign = Asset.objects.create(account=AccountFactory(owner=world.owner), code="B-1", name="别人的")
    client = web_as(world.service)
    data = {"edit-priority": "p1", "edit-category": "incident", "edit-version": case.version}
    response = client.post(_url(case, "edit"), {**data, "edit-asset": foreign.pk})
    assert response.status_code == 422
    assert Case.objects.get(pk=case.pk).priority == "p3"
    assert client.post(_url(case, "edit"), {**data, "edit-asset": own.pk}).status_code == 302
    case.refresh_from_db()
    assert (case.priority, case.category, case.asset) == ("p1", "incident", own)
    assert case.resolution_due < due_before


def test_reopen_within_the_window(world, web_as):
    case = make_case(world.account, actor=world.service, status=CaseStatus.RESOLVED)
    client = web_as(world.service)
    assert client.post(_url(case, "reopen"), {"reopen-version": case.version}).status_code == 302
    case.refresh_from_db()
    assert (case.status, case.reopened) == (CaseStatus.IN_PROGRESS, 1)

    old = make_case(world.account, actor=world.service, status=CaseStatus.RESOLVED)
    Case.objects.filter(pk=old.pk).update(resolved_at=timezone.now() - timezone.timedelta(days=30))
    assert 'id="case-reopen-form"' not in _rows(client.get(_url(old)))
    response = client.post(_url(old, "reopen"), {"reopen-version": old.version})
    assert response.status_code == 422
    assert Case.objects.get(pk=old.pk).status == CaseStatus.RESOLVED


def test_merge_into_an_open_case_of_the_same_account(world, web_as):
    duplicate = make_case(world.account, actor=world.service, subject="重复", description="同一问题")
    original = make_case(world.account, actor=world.service, subject="原始")
    foreign = make_case(AccountFactory(owner=world.owner), actor=world.service)
    client = web_as(world.service)
    page = _rows(client.get(_url(duplicate)))
    assert 'id="case-merge-form"' in page
    assert original.number in page
    assert foreign.number not in page

    response = client.post(_url(duplicate, "merge"), {"merge-into": foreign.pk, "merge-version": duplicate.version})
    assert response.status_code == 422
    response = client.post(
        _url(duplicate, "merge"), {"merge-into": original.pk, "merge-version": duplicate.version - 1}
    )
    assert response.status_code == 409
    assert Case.objects.get(pk=duplicate.pk).merged_into_id is None

    response = client.post(_url(duplicate, "merge"), {"merge-into": original.pk, "merge-version": duplicate.version})
    assert response.status_code == 302
    duplicate.refresh_from_db()
    assert (duplicate.merged_into, duplicate.status) == (original, CaseStatus.CLOSED)
    assert CaseMessage.objects.filter(case=original, body="同一问题").exists()
    page = _rows(client.get(_url(duplicate)))
    assert 'id="case-merged"' in page
    assert 'id="case-status-form"' not in page


# --- a new case --------------------------------------------------------------------------------


def test_new_case_form_preselects_the_account_and_offers_its_contacts_and_assets(world, web_as):
    contact = ContactFactory(account=world.account, name="王工")
    elsewhere = ContactFactory(account=AccountFactory(owner=world.owner), name="李工")
    Asset.objects.create(account=world.account, code="A-9", name="数控机床")
    response = web_as(world.service).get("/service/cases/new/", {"account": world.account.pk})
    page = _rows(response)
    assert response.status_code == 200
    assert f'<option value="{world.account.pk}" selected>' in page
    assert f'value="{contact.pk}"' in page
    assert "数控机床" in page
    assert f'value="{elsewhere.pk}"' not in page
    assert '<option value="phone" selected>' in page
    assert web_as(world.manager).get("/service/cases/new/").status_code == 403
    assert web_as(world.service).get("/service/cases/new/", {"account": "1x"}).status_code == 200


def test_agent_opens_a_phone_case(world, web_as, timed):
    contact = ContactFactory(account=world.account)
    data = {
        "account": world.account.pk,
        "contact": contact.pk,
        "subject": "主轴异响",
        "description": "客户来电：主轴有异响",
        "category": "incident",
        "priority": "p2",
        "channel": "phone",
    }
    response = web_as(world.service).post("/service/cases/new/", data)
    case = Case.objects.get(subject="主轴异响")
    assert response.status_code == 302
    assert response["Location"] == _url(case)
    assert (case.account, case.contact, case.channel, case.priority, case.created_by) == (
        world.account,
        contact,
        "phone",
        "p2",
        world.service,
    )
    assert case.messages.get().body == "客户来电：主轴有异响"


def test_new_case_bad_input_is_a_field_error(world, web_as):
    foreign_contact = ContactFactory(account=AccountFactory(owner=world.owner))
    client = web_as(world.service)
    base = {
        "account": world.account.pk,
        "subject": "问题",
        "category": "question",
        "priority": "p3",
        "channel": "phone",
    }
    for bad in ({"account": "abc"}, {"subject": ""}, {"contact": foreign_contact.pk}, {"priority": "p9"}):
        response = client.post("/service/cases/new/", {**base, **bad})
        assert response.status_code == 422, bad
        assert 'aria-invalid="true"' in _rows(response) or "invalid-feedback" in _rows(response)
    assert not Case.objects.exists()
