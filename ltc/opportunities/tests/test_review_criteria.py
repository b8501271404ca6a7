"""Review criteria (评审要素) per review type and role: configured by administrators, scored by the
iron triangle, and kept under their labels by the assessments that scored them."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from ltc.core.concurrency import StaleVersionError
from ltc.core.models import TimelineEvent
from ltc.opportunities import services
from ltc.opportunities.choices import CRITERIA
from ltc.opportunities.models import DecisionReview, ReviewAssessment, ReviewCriterion, attach_criteria
from ltc.opportunities.services import criteria
from ltc.opportunities.tests.factories import grant, make_opportunity, make_pipeline, require_review
from ltc.org.tests.factories import UserFactory

AR = {"relationship": 4, "decision_chain": 3}
SR = {"requirements_fit": 5, "solution": 4, "competition": 3}


def _rows() -> list[tuple[str, str, str, str, str, bool, int]]:
    return list(
        ReviewCriterion.objects.order_by("pk").values_list(
            "review_type", "role", "code", "label_zh", "label_en", "active", "version"
        )
    )


def _criterion(review_type: str, role: str, code: str) -> ReviewCriterion:
    return ReviewCriterion.objects.get(review_type=review_type, role=role, code=code)


@pytest.fixture
def setup(world):
    pipeline = make_pipeline()
    require_review(pipeline, "确认", "ATB")
    grant("review_atb", role="sales_manager", up_to="5000000")
    sr = UserFactory(username="sr", team=world.east, roles=["sr"])
    return pipeline, sr


def test_a_new_installation_has_the_former_criteria_for_each_review_type(db):
    for review_type in ("ATI", "ATB", "ATC"):
        for role, rows in CRITERIA.items():
            found = [(c.code, c.label_en) for c in criteria.active_criteria(review_type, role)]
            assert found == [(code, str(label)) for code, label in rows]
    assert _criterion("ATB", "ar", "relationship").label_zh == "客户关系"
    with translation.override("zh-hans"):
        assert _criterion("ATC", "fr", "delivery_risk").label == "交付风险（5 = 低）"
    with translation.override("en"):
        assert _criterion("ATC", "fr", "delivery_risk").label == "Delivery risk (5 = low)"


def test_an_administrator_adds_changes_and_removes_a_criterion_on_the_timeline(world):
    added = criteria.criterion_add(
        actor=world.admin,
        data={"review_type": "ATB", "role": "sr", "code": "bid_price", "label_zh": " 报价竞争力 ", "label_en": "Price"},
    )
    assert (added.label_zh, added.order, added.active) == ("报价竞争力", 40, True)  # after competition (30)
    assert [c.code for c in criteria.active_criteria("ATI", "sr")] == ["requirements_fit", "solution", "competition"]

    changed = criteria.criterion_update(
        actor=world.admin, criterion=added, data={"label_en": "Price position", "order": 5}, expected_version=1
    )
    assert (changed.version, changed.label_en) == (2, "Price position")
    assert criteria.active_criteria("ATB", "sr")[0].code == "bid_price"
    event = TimelineEvent.objects.filter(object_id=added.pk, kind="changed").get()
    assert event.changes == [
        {"field": "label_en", "old": "Price", "new": "Price position"},
        {"field": "order", "old": "40", "new": "5"},
    ]

    outcome = criteria.criterion_remove(actor=world.admin, criterion=changed, expected_version=2)
    assert outcome == criteria.CriterionRemoval.DELETED  # nothing scored it
    assert not ReviewCriterion.objects.filter(pk=added.pk).exists()
    assert TimelineEvent.objects.filter(object_id=added.pk, kind="deleted").count() == 1


def test_refusals_change_nothing(world):
    before = _rows()
    relationship = _criterion("ATI", "ar", "relationship")
    with pytest.raises(PermissionDenied):
        criteria.criterion_add(
            actor=world.manager,
            data={"review_type": "ATI", "role": "ar", "code": "x", "label_zh": "甲", "label_en": "A"},
        )
    with pytest.raises(PermissionDenied):
        criteria.criterion_update(
            actor=world.owner, criterion=relationship, data={"label_zh": "关系"}, expected_version=1
        )
    with pytest.raises(ValidationError) as taken:
        criteria.criterion_add(
            actor=world.admin,
            data={"review_type": "ATI", "role": "ar", "code": "relationship", "label_zh": "甲", "label_en": "A"},
        )
    assert "code" in taken.value.message_dict
    with pytest.raises(ValidationError) as bad:
        criteria.criterion_add(
            actor=world.admin,
            data={"review_type": "ATX", "role": "ar", "code": "有 空格", "label_zh": "", "label_en": "A"},
        )
    assert {"review_type", "code", "label_zh"} <= set(bad.value.message_dict)
    with pytest.raises(ValidationError) as fixed:
        criteria.criterion_update(actor=world.admin, criterion=relationship, data={"code": "x"}, expected_version=1)
    assert "code" in fixed.value.message_dict
    with pytest.raises(StaleVersionError):
        criteria.criterion_update(
            actor=world.admin, criterion=relationship, data={"label_zh": "关系"}, expected_version=7
        )
    with pytest.raises(StaleVersionError):
        criteria.criterion_remove(actor=world.admin, criterion=relationship, expected_version=7)
    # AR of ATI keeps one active criterion at least.
    criteria.criterion_remove(actor=world.admin, criterion=relationship, expected_version=1)
    before = _rows()
    last = _criterion("ATI", "ar", "decision_chain")
    with pytest.raises(ValidationError) as kept:
        criteria.criterion_remove(actor=world.admin, criterion=last, expected_version=1)
    assert "at least one active criterion" in str(kept.value)
    with pytest.raises(ValidationError):
        criteria.criterion_update(actor=world.admin, criterion=last, data={"active": False}, expected_version=1)
    assert _rows() == before


def test_an_assessment_is_scored_with_a_new_atb_criterion(world, setup):
    pipeline, sr = setup
    criteria.criterion_add(
        actor=world.admin,
        data={"review_type": "ATB", "role": "sr", "code": "bid_price", "label_zh": "报价竞争力", "label_en": "Price"},
    )
    deal = make_opportunity(world, pipeline, sr=sr)
    review = services.review_open(actor=world.owner, opportunity=deal, review_type="ATB")
    with pytest.raises(ValidationError) as missing:
        services.review_assess(actor=sr, review=review, role="sr", scores=SR)
    assert "bid_price" in str(missing.value)
    with pytest.raises(ValidationError) as unknown:
        services.review_assess(actor=sr, review=review, role="sr", scores={**SR, "bid_price": 4, "luck": 5})
    assert "luck" in str(unknown.value)
    assert not ReviewAssessment.objects.exists()
    assessment = services.review_assess(actor=sr, review=review, role="sr", scores={**SR, "bid_price": 2})
    assert assessment.scores == {**SR, "bid_price": 2}
    with translation.override("zh-hans"):
        assert assessment.criteria() == [("需求匹配度", 5), ("方案竞争力", 4), ("竞争态势", 3), ("报价竞争力", 2)]
    # The ATI criteria did not change: an ATI review of the same role scores without it.
    assert "bid_price" not in [c.code for c in criteria.active_criteria("ATI", "sr")]


def test_an_assessment_keeps_the_label_of_a_criterion_deactivated_since(world, setup):
    pipeline, sr = setup
    deal = make_opportunity(world, pipeline, sr=sr)
    review = services.review_open(actor=world.owner, opportunity=deal, review_type="ATB")
    services.review_assess(actor=world.owner, review=review, role="ar", scores=AR)
    chain = _criterion("ATB", "ar", "decision_chain")
    outcome = criteria.criterion_remove(actor=world.admin, criterion=chain, expected_version=1)
    assert outcome == criteria.CriterionRemoval.DEACTIVATED  # an assessment scored it
    chain.refresh_from_db()
    assert (chain.active, chain.version) == (False, 2)
    with translation.override("en"):
        assessment = ReviewAssessment.objects.select_related("review").get()
        assert assessment.criteria() == [("Customer relationship", 4), ("Decision chain coverage", 3)]
    # The next assessment of the open review scores the criteria active now.
    with pytest.raises(ValidationError):
        services.review_assess(actor=world.owner, review=review, role="ar", scores=AR)
    services.review_assess(actor=world.owner, review=review, role="ar", scores={"relationship": 5})
    assert ReviewAssessment.objects.get().scores == {"relationship": 5}


def test_the_labels_of_a_scored_criterion_cannot_change(world, setup, api_as):
    """An assessment shows the labels its criteria were scored under: once one scored a
    criterion, its labels stay (a new label is a new criterion); its help and order may change."""
    pipeline, sr = setup
    deal = make_opportunity(world, pipeline, sr=sr)
    review = services.review_open(actor=world.owner, opportunity=deal, review_type="ATB")
    services.review_assess(actor=world.owner, review=review, role="ar", scores=AR)
    chain = _criterion("ATB", "ar", "decision_chain")
    before = _rows()
    with pytest.raises(ValidationError) as refused:
        criteria.criterion_update(
            actor=world.admin, criterion=chain, data={"label_zh": "决策链", "label_en": "Chain"}, expected_version=1
        )
    assert set(refused.value.message_dict) == {"label_zh", "label_en"}
    assert refused.value.message_dict["label_en"] == [
        "This criterion has been scored: add a new criterion and remove this one."
    ]
    answer = api_as(world.admin).patch(
        f"/config/review-criteria/{chain.pk}", {"label_en": "Chain"}, **{"If-Match": '"1"'}
    )
    assert answer.status_code == 422
    assert [e["field"] for e in answer.json()["errors"]] == ["label_en"]
    assert _rows() == before
    with translation.override("en"):
        assert ReviewAssessment.objects.get().criteria() == [
            ("Customer relationship", 4),
            ("Decision chain coverage", 3),
        ]
    # The same labels, the help and the order may still be saved; a criterion nothing scored keeps its labels open.
    fresh = ReviewCriterion.objects.get(pk=chain.pk)
    saved = criteria.criterion_update(
        actor=world.admin,
        criterion=fresh,
        data={"label_en": fresh.label_en, "help": "谁拍板", "order": 5},
        expected_version=1,
    )
    assert (saved.version, saved.help, saved.order) == (2, "谁拍板", 5)
    unused = _criterion("ATI", "ar", "decision_chain")
    relabelled = criteria.criterion_update(
        actor=world.admin, criterion=unused, data={"label_en": "Chain"}, expected_version=1
    )
    assert relabelled.label_en == "Chain"


def test_the_review_api_shows_the_scored_labels_with_one_criteria_query(
    world, setup, api_as, django_assert_num_queries
):
    pipeline, sr = setup
    deal = make_opportunity(world, pipeline, sr=sr)
    review = services.review_open(actor=world.owner, opportunity=deal, review_type="ATB")
    services.review_assess(actor=world.owner, review=review, role="ar", scores=AR)
    services.review_assess(actor=sr, review=review, role="sr", scores=SR)
    criteria.criterion_update(
        actor=world.admin,
        criterion=_criterion("ATB", "ar", "relationship"),
        data={"active": False},
        expected_version=1,
    )
    api = api_as(world.owner)
    body = api.get(f"/decision-reviews/{review.pk}").json()
    assert [c["label"] for a in body["assessments"] for c in a["criteria"]] == [
        "Customer relationship",
        "Decision chain coverage",
        "Requirements fit",
        "Solution strength",
        "Competitive position",
    ]
    reviews = list(DecisionReview.objects.prefetch_related("assessments"))
    with django_assert_num_queries(1):
        attach_criteria([a for r in reviews for a in r.assessments.all()])
        labels = [a.criteria() for r in reviews for a in r.assessments.all()]
    assert len(labels) == 2


def _delete(api, path: str, **headers: str):
    return api.request("DELETE", path, **headers)


def test_the_criteria_api_lists_creates_patches_and_deletes(world, api_as):
    admin = api_as(world.admin)
    listed = admin.get("/config/review-criteria?review_type=ATB&role=sr")
    assert listed.status_code == 200
    assert [c["code"] for c in listed.json()] == ["requirements_fit", "solution", "competition"]
    assert len(api_as(world.owner).get("/config/review-criteria").json()) == 24  # 8 criteria × 3 reviews

    body = {"review_type": "ATB", "role": "fr", "code": "resources", "label_zh": "资源保障", "label_en": "Resources"}
    assert api_as(world.manager).post("/config/review-criteria", body).status_code == 403
    created = admin.post("/config/review-criteria", body)
    assert created.status_code == 201, created.json()
    assert (created["ETag"], created.json()["order"], created.json()["label"]) == ('"1"', 40, "Resources")
    pk = created.json()["id"]
    assert admin.post("/config/review-criteria", body).status_code == 422  # the code is taken

    url = f"/config/review-criteria/{pk}"
    assert admin.patch(url, {"label_en": "Staffing"}).status_code == 428
    assert admin.patch(url, {"label_en": "Staffing"}, **{"If-Match": '"3"'}).status_code == 412
    bad = admin.patch(url, {"label_zh": ""}, **{"If-Match": '"1"'})
    assert bad.status_code == 422
    assert [e["field"] for e in bad.json()["errors"]] == ["label_zh"]
    patched = admin.patch(url, {"label_en": "Staffing"}, **{"If-Match": '"1"'})
    assert (patched.status_code, patched["ETag"], patched.json()["label_en"]) == (200, '"2"', "Staffing")

    assert _delete(api_as(world.owner), url, **{"If-Match": '"2"'}).status_code == 403
    removed = _delete(admin, url, **{"If-Match": '"2"'})
    assert removed.json() == {"id": pk, "outcome": "deleted"}
    assert admin.get(url).status_code == 404


def test_a_code_added_twice_at_once_is_a_field_error(world, monkeypatch):
    """Two administrators adding the same code together: both pass the check, the unique
    constraint refuses the second insert, and the answer is the field error, not a 500."""
    before = _rows()
    monkeypatch.setattr(criteria.ReviewCriterion.objects, "filter", _NoneFound(criteria.ReviewCriterion.objects.filter))
    with pytest.raises(ValidationError) as taken:
        criteria.criterion_add(
            actor=world.admin,
            data={"review_type": "ATI", "role": "ar", "code": "relationship", "label_zh": "甲", "label_en": "A"},
        )
    assert "code" in taken.value.message_dict
    assert _rows() == before


class _NoneFound:
    """`filter(...)` whose `exists()` answers False, as it would have before the other insert landed."""

    def __init__(self, filter_: object) -> None:
        self.filter = filter_

    def __call__(self, *args: object, **kwargs: object) -> object:
        queryset = self.filter(*args, **kwargs)  # type: ignore[operator]
        queryset.exists = lambda: False
        return queryset
