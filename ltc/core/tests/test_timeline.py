import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from ltc.core import timeline
from ltc.core.models import AppendOnlyError, TimelineEvent, TimelineKind


def test_record_changes_lists_display_values_old_and_new(world):
    account = world.account
    before = timeline.snapshot(account, ["status", "region"])
    account.status = "customer"
    event = timeline.record_changes(actor=world.owner, subject=account, before=before)
    assert event is not None
    assert event.kind == TimelineKind.CHANGED
    assert event.changes == [{"field": "status", "old": "prospect", "new": "customer"}]
    assert event.actor == world.owner
    with translation.override("en"):
        assert event.display_changes()[0] == {
            "field": "status",
            "label": "status",
            "old": "Prospect",
            "new": "Customer",
        }
    with translation.override("zh-hans"):
        assert event.display_changes()[0]["label"] == "状态"
        assert event.display_changes()[0]["new"] == "正式客户"


def test_record_changes_without_a_change_writes_nothing(world):
    before = timeline.snapshot(world.account, ["status"])
    assert timeline.record_changes(actor=world.owner, subject=world.account, before=before) is None
    assert TimelineEvent.objects.count() == 0


def test_events_are_append_only(world):
    event = timeline.note_add(actor=world.owner, subject=world.account, text="首次拜访，客户关注交付周期")
    event.text = "rewritten"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    assert TimelineEvent.objects.get().text == "首次拜访，客户关注交付周期"


@pytest.mark.parametrize("text", ["", "   ", "x" * 10_001])
def test_note_refuses_empty_or_overlong_text(world, text):
    with pytest.raises(ValidationError) as excinfo:
        timeline.note_add(actor=world.owner, subject=world.account, text=text)
    assert "text" in excinfo.value.message_dict
    assert TimelineEvent.objects.count() == 0


def test_timeline_for_returns_newest_first_in_one_query(world, django_assert_num_queries):
    for n in range(3):
        timeline.note_add(actor=world.owner, subject=world.account, text=f"note {n}")
    with django_assert_num_queries(1):
        events = timeline.timeline_for(world.account)
        names = [str(e.actor) for e in events]
    assert [e.text for e in events] == ["note 2", "note 1", "note 0"]
    assert names == ["Owner"] * 3


def test_booleans_and_datetimes_read_naturally(world):
    from ltc.leads.tests.factories import LeadFactory

    lead = LeadFactory(owner=world.owner)
    before = timeline.snapshot(lead, ["need_confirmed", "qualified_at"])
    lead.need_confirmed = True
    lead.qualified_at = lead.created_at
    event = timeline.record_changes(actor=world.owner, subject=lead, before=before)
    with translation.override("en"):
        shown = {c["field"]: c for c in event.display_changes()}
    assert (shown["need_confirmed"]["old"], shown["need_confirmed"]["new"]) == ("No", "Yes")
    assert shown["qualified_at"]["old"] == ""
    assert "+00:00" not in shown["qualified_at"]["new"]


def _deal_closed(world, status, reason):
    from datetime import date
    from decimal import Decimal

    from django.utils import timezone

    from ltc.opportunities.tests.factories import make_opportunity

    deal = make_opportunity(world)
    fields = [
        "amount",
        "expected_close_date",
        "status",
        "close_reason",
        "max_stage_order",
        "stage_entered_at",
        "stage_before_close",
    ]
    before = timeline.snapshot(deal, fields)
    deal.amount = Decimal("1740000.50")
    deal.expected_close_date = date(2027, 2, 25)
    deal.status = status
    deal.close_reason = reason
    deal.max_stage_order += 20
    deal.stage_entered_at = timezone.now()
    deal.stage_before_close = deal.stage
    return deal, timeline.record_changes(actor=world.owner, subject=deal, before=before)


def test_a_deal_timeline_reads_in_words_and_hides_what_only_the_system_keeps(world):
    from datetime import date

    from django.utils import formats

    _deal, event = _deal_closed(world, "lost", "competitor")
    assert {c["field"] for c in event.changes} >= {"max_stage_order", "stage_entered_at", "stage_before_close"}
    with translation.override("en"):
        shown = {c["field"]: c for c in event.display_changes()}
        assert shown.keys() == {"amount", "expected_close_date", "status", "close_reason"}
        assert (shown["amount"]["old"], shown["amount"]["new"]) == ("1,000,000.00", "1,740,000.50")
        assert shown["expected_close_date"]["new"] == formats.date_format(date(2027, 2, 25), "SHORT_DATE_FORMAT")
        assert (shown["close_reason"]["label"], shown["close_reason"]["new"]) == (
            "close reason",
            "Competitor locked in",
        )
        assert shown["status"]["new"] == "Lost"
    with translation.override("zh-hans"):
        shown = {c["field"]: c for c in event.display_changes()}
        assert shown["amount"]["new"] == "1,740,000.50"
        assert shown["close_reason"]["label"] == "关闭原因"
        assert shown["close_reason"]["new"] != "competitor"


def test_a_close_reason_reads_as_a_win_or_a_loss_reason(world):
    _won, won = _deal_closed(world, "won", "solution")
    _lost, lost = _deal_closed(world, "lost", "solution")
    with translation.override("en"):
        assert {c["field"]: c["new"] for c in won.display_changes()}["close_reason"] == "Best solution fit"
        assert {c["field"]: c["new"] for c in lost.display_changes()}["close_reason"] == "Solution did not fit"


def test_the_deal_page_shows_the_timeline_in_words(world, web_as):
    deal, _event = _deal_closed(world, "lost", "competitor")
    client = web_as(world.owner)
    with translation.override("en"):
        html = client.get(deal.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Competitor locked in" in html
    assert "max stage order" not in html
    assert "stage before close" not in html
    assert "1,740,000.50" in html
