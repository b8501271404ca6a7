"""Global search index query (core.search.candidates, #18): answered per kind and by tiers, so a
common term no longer ranks every document it matches. These tests hold it to what it finds and how
it ranks: exact or word prefix, then prefix of text, pinyin or initials, then contained; terms of two
characters found anywhere (by their bigram); a kind full of prefix matches never hides another
kind's contained ones; and the SQLite bigrams follow an update and a delete."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from django.contrib.contenttypes.models import ContentType

from ltc.core import search
from ltc.core.models import SearchDocument

pytestmark = pytest.mark.django_db


def document(kind: str, object_id: int, text: str) -> SearchDocument:
    """An index entry as `build_document` writes it, for a record that need not exist."""
    pinyin, initials = search.pinyin_of(text)
    model = search._KINDS[kind].model
    return SearchDocument.objects.create(
        content_type=ContentType.objects.get_for_model(model),
        object_id=object_id,
        kind=kind,
        title=text[:300],
        text=search.normalize(text),
        pinyin=pinyin,
        initials=initials,
    )


def found(q: str, *, per_kind: int = search.CANDIDATES_PER_KIND, keys: Sequence[str] = ()) -> list[tuple[str, int]]:
    return search.candidates(q, per_kind=per_kind, keys=keys)


def test_two_character_terms_are_found_anywhere_in_the_text():
    document("contacts", 1, "欧阳娜娜")
    document("accounts", 2, "上海杭州贸易有限公司")
    document("accounts", 3, "宁波数据有限公司")

    assert found("娜娜") == [("contacts", 1)]
    assert found("杭州") == [("accounts", 2)]
    assert found("hz") == [("accounts", 2)]  # initials "shzmyyxgs" contain it
    assert found("欧") == [("contacts", 1)]  # one character: no index, still found


def test_exact_number_then_prefix_then_contained():
    document("contracts", 1, "C2026-0000125 扩建合同")
    document("contracts", 2, "补充协议 C2026-000012")
    document("contracts", 3, "C2026-000012 杭州信息技术有限公司")

    assert found("C2026-000012") == [("contracts", 3), ("contracts", 1), ("contracts", 2)]


def test_pinyin_and_initials_find_a_chinese_name_before_a_contained_one():
    document("accounts", 1, "上海杭州信息技术有限公司")  # "hangzhouxinxi" contained in its pinyin
    document("accounts", 2, "杭州信息技术有限公司")

    assert found("hangzhou") == [("accounts", 2), ("accounts", 1)]
    assert found("hang zhou xin") == [("accounts", 2), ("accounts", 1)]
    assert found("hzxx") == [("accounts", 2), ("accounts", 1)]


def test_a_kind_full_of_prefix_matches_leaves_the_contained_ones_of_another(monkeypatch):
    for i in range(1, 61):
        document("accounts", i, f"杭州信息{i:02d}有限公司")
    for i in range(1, 4):
        document("payments", i, f"PAY2026-00000{i} 杭州信息{i:02d}有限公司")
    # Past CONTAINED_AT_ONCE the contained matches are read kind by kind.
    for at_once in (search.CONTAINED_AT_ONCE, 2):
        monkeypatch.setattr(search, "CONTAINED_AT_ONCE", at_once)

        hits = found("杭州信息", per_kind=40)

        assert [object_id for kind, object_id in hits if kind == "accounts"] == list(range(1, 41))
        assert [object_id for kind, object_id in hits if kind == "payments"] == [1, 2, 3]
        assert [object_id for kind, object_id in found("杭州", per_kind=40) if kind == "payments"] == [1, 2, 3]


def test_a_common_term_ranks_at_most_a_page_of_each_kind_yet_fills_it(monkeypatch):
    monkeypatch.setattr(search, "RANKED_PER_KIND", 10)
    for i in range(1, 31):
        document("leads", i, f"星河物流{i:02d}")

    assert [object_id for _, object_id in found("星河", per_kind=5)] == [1, 2, 3, 4, 5]


def test_the_kinds_asked_for_and_odd_input():
    document("accounts", 1, "杭州信息技术有限公司")
    document("payments", 1, "PAY2026-000001 杭州信息技术有限公司")

    assert found("杭州", keys=["payments"]) == [("payments", 1)]
    assert found("杭州", keys=["nothing"]) == []
    for q in ['"', "%", "_", "a\\", "' OR 1=1 --", "q\x00", "NEAR(", "kind:x", "\U0010ffff", "\ud7ff"]:
        assert found(q) == []


def test_a_short_term_follows_an_update_and_a_delete():
    entry = document("contacts", 1, "欧阳娜娜")
    SearchDocument.objects.filter(pk=entry.pk).update(text="欧阳明", pinyin="ouyangming ou yang ming")

    assert found("娜娜") == []
    assert found("阳明") == [("contacts", 1)]
    SearchDocument.objects.filter(pk=entry.pk).delete()
    assert found("阳明") == []
