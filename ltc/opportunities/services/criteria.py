"""Configuring what each role of the iron triangle scores in a decision review (评审要素), per
review type (ATI, ATB, ATC) and role (AR, SR, FR). Administrators only (`config.can_configure`).

Every change is on the criterion's timeline with a field diff. A criterion an assessment scored
is deactivated, never deleted, so the assessment keeps showing the label it was scored under.
Each review type and role keeps at least one active criterion. An assessment is checked against
the criteria active when it is submitted: a review already open scores the current criteria,
and an assessment given before a change keeps its scores and labels.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Max
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ltc.core import timeline
from ltc.core.concurrency import StaleVersionError, save_if_current
from ltc.opportunities.choices import ReviewType
from ltc.opportunities.models import ReviewAssessment, ReviewCriterion
from ltc.opportunities.services.config import ORDER_MAX, ORDER_STEP, require_configure
from ltc.org.models import User

# What each role of the iron triangle scored before criteria were configurable: the criteria of
# every review type of a new installation — (code, English, Chinese) per role.
SHIPPED: dict[str, list[tuple[str, str, str]]] = {
    "ar": [
        ("relationship", "Customer relationship", "客户关系"),
        ("decision_chain", "Decision chain coverage", "决策链覆盖"),
    ],
    "sr": [
        ("requirements_fit", "Requirements fit", "需求匹配度"),
        ("solution", "Solution strength", "方案竞争力"),
        ("competition", "Competitive position", "竞争态势"),
    ],
    "fr": [
        ("deliverability", "Deliverability", "可交付性"),
        ("delivery_risk", "Delivery risk (5 = low)", "交付风险（5 = 低）"),
        ("cost", "Delivery cost (5 = within plan)", "交付成本（5 = 在计划内）"),
    ],
}

CREATE_FIELDS = ("review_type", "role", "code", "label_zh", "label_en", "help", "order", "active")
UPDATE_FIELDS = ("label_zh", "label_en", "help", "order", "active")


class CriterionRemoval(models.TextChoices):
    """What removing a criterion did."""

    DELETED = "deleted", gettext_lazy("Deleted")
    DEACTIVATED = "deactivated", gettext_lazy("Deactivated (kept for the assessments that scored it)")


def criteria_seed() -> int:
    """Give an installation without any criterion the shipped ones (after every migrate: a new
    installation, an upgrade, a flushed test database). An installation that has criteria keeps
    them: removing leaves at least one per review type and role, so the table is never emptied by
    hand. Returns how many were added."""
    if ReviewCriterion.objects.exists():
        return 0
    made = ReviewCriterion.objects.bulk_create(
        ReviewCriterion(
            review_type=review_type,
            role=role,
            code=code,
            label_en=label_en,
            label_zh=label_zh,
            order=(index + 1) * ORDER_STEP,
        )
        for review_type in ReviewType.values
        for role, rows in SHIPPED.items()
        for index, (code, label_en, label_zh) in enumerate(rows)
    )
    return len(made)


def _unknown_fields(data: dict[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise ValidationError({name: [_("This field cannot be set.")] for name in unknown})


def _clean(criterion: ReviewCriterion) -> None:
    for name in ("code", "label_zh", "label_en", "help"):
        setattr(criterion, name, (getattr(criterion, name) or "").strip())
    criterion.full_clean(validate_constraints=False)


def _others_active(criterion: ReviewCriterion) -> bool:
    return (
        ReviewCriterion.objects.active()
        .filter(review_type=criterion.review_type, role=criterion.role)
        .exclude(pk=criterion.pk)
        .exists()
    )


def _keep_one(criterion: ReviewCriterion) -> None:
    if not _others_active(criterion):
        raise ValidationError(
            {"active": [_("Each review and role keeps at least one active criterion: add another one first.")]}
        )


def criterion_scored(criterion: ReviewCriterion) -> bool:
    """Whether an assessment of this review type and role scored the criterion's code."""
    return ReviewAssessment.objects.filter(
        review__review_type=criterion.review_type, role=criterion.role, scores__has_key=criterion.code
    ).exists()


def active_criteria(review_type: str, role: str) -> list[ReviewCriterion]:
    """The criteria an assessment of this review type and role scores now, in order."""
    return list(ReviewCriterion.objects.active().of(review_type, role))


def criterion_add(*, actor: User, data: dict[str, Any]) -> ReviewCriterion:
    """A new criterion of a review type and role, after its last one unless `order` is given.
    Refuses a code the review type and role already have (also an inactive one: its
    assessments name it) and a blank label."""
    require_configure(actor)
    _unknown_fields(data, CREATE_FIELDS)
    criterion = ReviewCriterion(**data)
    if "order" not in data or data["order"] is None:
        last = ReviewCriterion.objects.filter(review_type=criterion.review_type, role=criterion.role).aggregate(
            last=Max("order")
        )["last"]
        criterion.order = min((last or 0) + ORDER_STEP, ORDER_MAX)
    _clean(criterion)
    taken = ValidationError({"code": [_("This review and role already have a criterion with this code.")]})
    if ReviewCriterion.objects.filter(
        review_type=criterion.review_type, role=criterion.role, code=criterion.code
    ).exists():
        raise taken
    try:
        with transaction.atomic():
            criterion.save()
            timeline.record_created(actor=actor, subject=criterion)
    except IntegrityError as exc:
        # Another request added the same code between the check and the insert: the unique
        # constraint refused it, and the answer is the same field error.
        raise taken from exc
    return criterion


def criterion_update(
    *, actor: User, criterion: ReviewCriterion, data: dict[str, Any], expected_version: int
) -> ReviewCriterion:
    """Change the labels, help, order or whether it is used, if `expected_version` is still
    current (else StaleVersionError). Its review type, role and code stay: assessments name it by
    them. The labels of a criterion an assessment scored stay too: the assessment shows them, so
    a new label is a new criterion. Deactivating refuses to leave its review type and role
    without an active criterion."""
    require_configure(actor)
    _unknown_fields(data, UPDATE_FIELDS)
    if criterion.version != expected_version:
        raise StaleVersionError(criterion.version)
    relabelled = [
        name
        for name in ("label_zh", "label_en")
        if name in data and (data[name] or "").strip() != getattr(criterion, name)
    ]
    if relabelled and criterion_scored(criterion):
        message = _("This criterion has been scored: add a new criterion and remove this one.")
        raise ValidationError({name: [message] for name in relabelled})
    before = timeline.snapshot(criterion, data.keys())
    was_active = criterion.active
    for name, value in data.items():
        setattr(criterion, name, value)
    _clean(criterion)
    if was_active and not criterion.active:
        _keep_one(criterion)
    with transaction.atomic():
        save_if_current(criterion, expected_version=expected_version, fields=list(data.keys()))
        timeline.record_changes(actor=actor, subject=criterion, before=before)
    return criterion


def criterion_remove(*, actor: User, criterion: ReviewCriterion, expected_version: int) -> CriterionRemoval:
    """Stop scoring a criterion: deactivated when an assessment scored it (it keeps its label
    there), deleted otherwise. Refuses to leave the review type and role without an active
    criterion, and a criterion already removed."""
    require_configure(actor)
    if criterion.version != expected_version:
        raise StaleVersionError(criterion.version)
    if not criterion.active:
        raise ValidationError({"active": [_("This criterion was already removed.")]})
    _keep_one(criterion)
    with transaction.atomic():
        if criterion_scored(criterion):
            before = timeline.snapshot(criterion, ["active"])
            criterion.active = False
            save_if_current(criterion, expected_version=expected_version, fields=["active"])
            timeline.record_changes(actor=actor, subject=criterion, before=before)
            return CriterionRemoval.DEACTIVATED
        timeline.record_deleted(actor=actor, subject=criterion)
        deleted, _kinds = ReviewCriterion.objects.filter(pk=criterion.pk, version=expected_version).delete()
        if not deleted:
            current = ReviewCriterion.objects.filter(pk=criterion.pk).values_list("version", flat=True).first()
            raise StaleVersionError(current or 0)
    return CriterionRemoval.DELETED
