"""The shared timeline on record pages: the newest 10 entries, "show N more", filter chips by kind."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ltc.core import timeline
from ltc.opportunities.tests.factories import make_opportunity, make_pipeline


def _entries(page: str) -> list[str]:
    return re.findall(r'<li class="timeline-event">(.*?)</li>', page, re.S)


@pytest.fixture
def deal(world):
    deal = make_opportunity(world, make_pipeline())
    for n in range(14):
        timeline.note_add(actor=world.owner, subject=deal, text=f"备注{n}")
    for n in range(9):
        before = timeline.snapshot(deal, ["name"])
        deal.name = f"项目{n}"
        deal.save(update_fields=["name"])
        timeline.record_changes(actor=world.owner, subject=deal, before=before)
    return deal


def test_a_record_page_shows_the_newest_ten_and_offers_the_next(world, web_as, deal):
    client = web_as(world.owner)
    page = client.get(f"/opportunities/{deal.pk}/").content.decode()
    entries = _entries(page)
    assert len(entries) == 10
    assert "项目8" in entries[0]  # the newest first
    assert "Show 10 more" in page
    assert 'href="?timeline_shown=20#timeline"' in page

    page = client.get(f"/opportunities/{deal.pk}/?timeline_shown=20").content.decode()
    assert len(_entries(page)) == 20
    assert "Show 3 more" in page  # 23 entries in all

    page = client.get(f"/opportunities/{deal.pk}/?timeline_shown=30").content.decode()
    assert len(_entries(page)) == 23
    assert 'id="timeline-more"' not in page


def test_the_chips_filter_by_kind_on_the_server(world, web_as, deal):
    client = web_as(world.owner)
    page = client.get(f"/opportunities/{deal.pk}/").content.decode()
    assert re.search(r'data-timeline-filter="note"[^>]*>Notes <span class="ms-1">14</span>', page)
    assert re.search(r'data-timeline-filter="change"[^>]*>Changes <span class="ms-1">9</span>', page)
    assert 'data-timeline-filter="decision"' not in page  # no decision yet: no chip

    page = client.get(f"/opportunities/{deal.pk}/?timeline=note").content.decode()
    entries = _entries(page)
    assert len(entries) == 10
    assert all("备注" in entry for entry in entries)
    assert "备注13" in entries[0]
    assert "Show 4 more" in page
    assert 'href="?timeline=note&amp;timeline_shown=20#timeline"' in page
    assert re.search(r'data-timeline-filter="note"\s+aria-current="true"', page)

    page = client.get(f"/opportunities/{deal.pk}/?timeline=change").content.decode()
    assert [("项目" in entry) for entry in _entries(page)] == [True] * 9


def test_bad_timeline_parameters_read_as_the_default(world, web_as, deal):
    client = web_as(world.owner)
    for query in ("timeline=bogus", "timeline_shown=²", "timeline_shown=-5", "timeline_shown=99999999999999999999"):
        answer = client.get(f"/opportunities/{deal.pk}/?{query}")
        assert answer.status_code == 200, query
        assert len(_entries(answer.content.decode())) in (10, 23), query


def test_filtering_and_folding_cost_no_query(world, web_as, deal):
    client = web_as(world.owner)
    client.get(f"/opportunities/{deal.pk}/")
    counts = []
    for query in ("", "?timeline=note", "?timeline=change&timeline_shown=20"):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/opportunities/{deal.pk}/{query}").status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1] == counts[2]


def test_the_account_page_folds_its_timeline_too(world, web_as):
    for n in range(12):
        timeline.note_add(actor=world.owner, subject=world.account, text=f"客户备注{n}")
    page = web_as(world.owner).get(f"/customers/accounts/{world.account.pk}/?timeline=note").content.decode()
    assert len(_entries(page)) == 10
    assert "Show 2 more" in page
