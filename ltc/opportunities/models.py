"""Pipelines with gated stages, and the opportunities (deals) that move through them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from ltc.core.models import VersionedModel
from ltc.core.money import Currency, money_field, quantize
from ltc.customers.models import Account, Contact
from ltc.opportunities.choices import (
    PASSING_DECISIONS,
    AssessorRole,
    Attitude,
    BidSectionKind,
    BidStatus,
    Decision,
    DecisionRole,
    ForecastCategory,
    Level,
    LossReason,
    OpportunityStatus,
    RequirableField,
    RequirementKind,
    ReviewStatus,
    ReviewType,
    StageCategory,
    SubmissionMethod,
    WinReason,
)


class Pipeline(VersionedModel):
    """A sales process, e.g. project sales or product sales: ordered stages with gates.
    Configured in the process centre (services/config.py); its timeline also keeps every change
    of its stages and checklist items."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)
    quote_accepted_stage = models.ForeignKey(
        "Stage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("stage when a quote is accepted"),
        help_text=_("A deal still before this stage moves to it when its customer accepts a quote."),
    )
    quote_from_stage = models.ForeignKey(
        "Stage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("quotes are sent from"),
        help_text=_("A quote may be sent to the customer once its deal has reached this stage (empty: any stage)."),
    )
    contract_signed_requirement = models.ForeignKey(
        "StageRequirement",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("checklist item ticked on signing"),
        help_text=_("The checklist item confirmed when the deal's contract is signed."),
    )

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("pipeline")
        verbose_name_plural = _("pipelines")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        """The stages and the checklist item named here belong to this pipeline."""
        errors = {}
        for name in ("quote_accepted_stage", "quote_from_stage"):
            stage = getattr(self, name)
            if stage is not None and stage.pipeline_id != self.pk:
                errors[name] = [gettext("Choose a stage of this pipeline.")]
        item = self.contract_signed_requirement
        if item is not None and item.stage.pipeline_id != self.pk:
            errors["contract_signed_requirement"] = [gettext("Choose a checklist item of this pipeline.")]
        if errors:
            raise ValidationError(errors)

    def open_stages(self) -> list[Stage]:
        """The open stages deals may move to (a deactivated stage is kept only for history)."""
        return [s for s in self.stages.all() if s.category == StageCategory.OPEN and s.active]

    def closing_stage(self, category: str) -> Stage | None:
        return next((s for s in self.stages.all() if s.category == category), None)


class Stage(VersionedModel):
    """A step of a pipeline: its default probability, the activities that must be done to leave
    it (requirements) and the guidance for doing them. A stage deals used is deactivated, never
    deleted: deals no longer enter it, their history still names it."""

    pipeline = models.ForeignKey(Pipeline, on_delete=models.CASCADE, related_name="stages", verbose_name=_("pipeline"))
    order = models.PositiveSmallIntegerField(_("order"))
    name = models.CharField(_("name"), max_length=100)
    category = models.CharField(_("category"), max_length=8, choices=StageCategory.choices, default=StageCategory.OPEN)
    probability = models.PositiveSmallIntegerField(
        _("probability %"), default=10, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    needs_fr = models.BooleanField(
        _("needs an FR"), default=False, help_text=_("A deal may only enter this stage once an FR is named.")
    )
    guidance = models.TextField(_("guidance"), blank=True, help_text=_("The method and tips for this stage."))
    forecast_category = models.CharField(
        _("forecast category"),
        max_length=16,
        choices=ForecastCategory.choices,
        default=ForecastCategory.PIPELINE,
        help_text=_("A deal entering this stage takes this forecast category (its owner may change it then)."),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["pipeline", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["pipeline", "order"], name="stage_unique_order")]
        verbose_name = _("stage")
        verbose_name_plural = _("stages")

    def __str__(self) -> str:
        return self.name

    def active_templates(self) -> list[StageTemplate]:
        """The templates deals see (from prefetched `templates` when they are)."""
        return [t for t in self.templates.all() if t.active]


class StageRequirement(VersionedModel):
    """One item of a stage's checklist: what must be done before a deal leaves the stage.
    An item deals already ticked (or attached a document for) is deactivated when removed, so
    their confirmations keep naming it; a deactivated item no longer gates any move."""

    stage = models.ForeignKey(Stage, on_delete=models.CASCADE, related_name="requirements", verbose_name=_("stage"))
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    label = models.CharField(_("label"), max_length=200)
    kind = models.CharField(_("kind"), max_length=8, choices=RequirementKind.choices)
    activity_kind = models.CharField(
        _("activity type"), max_length=16, blank=True, help_text=_("For activity items: the type that counts.")
    )
    field_name = models.CharField(_("field"), max_length=32, choices=RequirableField.choices, blank=True)
    review_type = models.CharField(_("review"), max_length=3, choices=ReviewType.choices, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["stage", "order", "id"]
        verbose_name = _("stage requirement")
        verbose_name_plural = _("stage requirements")

    def __str__(self) -> str:
        return self.label


class StageTemplate(models.Model):
    """A downloadable template for a stage (a solution outline, a bid checklist ...). Its files
    are its versions; the current one is the highest. A removed template is deactivated: deals
    no longer see it, its versions stay (a file a deal used is never deleted)."""

    stage = models.ForeignKey(Stage, on_delete=models.CASCADE, related_name="templates", verbose_name=_("stage"))
    title = models.CharField(_("title"), max_length=200)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["stage", "title"]
        verbose_name = _("stage template")
        verbose_name_plural = _("stage templates")

    def __str__(self) -> str:
        return self.title

    @property
    def current_version(self) -> StageTemplateVersion | None:
        """The highest version (from prefetched `versions` when they are)."""
        return max(self.versions.all(), key=lambda v: v.number, default=None)


class StageTemplateVersion(models.Model):
    """One uploaded file of a stage template; earlier versions stay downloadable for administrators."""

    template = models.ForeignKey(StageTemplate, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveSmallIntegerField(_("version"))
    file = models.FileField(_("file"), upload_to="stage_templates/")
    note = models.CharField(_("note"), max_length=200, blank=True)
    # None: a file uploaded before templates had versions (who uploaded it was not recorded).
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        ordering = ["template", "-number"]
        constraints = [models.UniqueConstraint(fields=["template", "number"], name="stage_template_version_once")]
        verbose_name = _("stage template version")
        verbose_name_plural = _("stage template versions")

    def __str__(self) -> str:
        return f"{self.template.title} v{self.number}"


class Opportunity(VersionedModel):
    """A deal (机会点): an account's need worked by the iron triangle through a pipeline's stages."""

    name = models.CharField(_("name"), max_length=200)
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="opportunities", verbose_name=_("account")
    )
    contacts = models.ManyToManyField(Contact, blank=True, related_name="opportunities", verbose_name=_("contacts"))
    amount = money_field(_("amount"), default=Decimal("0.00"))
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, default=Currency.CNY)
    expected_close_date = models.DateField(_("expected close date"), null=True, blank=True)
    pipeline = models.ForeignKey(Pipeline, on_delete=models.PROTECT, related_name="+", verbose_name=_("pipeline"))
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="+", verbose_name=_("stage"))
    stage_entered_at = models.DateTimeField(_("in stage since"), null=True, blank=True, editable=False)
    # The order of the furthest stage the deal reached (for funnel conversion); won deals reach all.
    max_stage_order = models.PositiveSmallIntegerField(default=0, editable=False)
    probability = models.PositiveSmallIntegerField(
        _("probability %"), default=10, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    forecast_category = models.CharField(
        _("forecast category"), max_length=16, choices=ForecastCategory.choices, default=ForecastCategory.PIPELINE
    )
    status = models.CharField(
        _("status"), max_length=8, choices=OpportunityStatus.choices, default=OpportunityStatus.OPEN, editable=False
    )
    source_lead = models.OneToOneField(
        "leads.Lead",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="opportunity",
        editable=False,
        verbose_name=_("source lead"),
    )
    campaign = models.CharField(_("campaign"), max_length=100, blank=True)
    competitors = models.TextField(_("competitors"), blank=True, max_length=2000)
    products_of_interest = models.TextField(_("products of interest"), blank=True, max_length=2000)
    description = models.TextField(_("description"), blank=True, max_length=5000)

    # The iron triangle (铁三角) and the sponsor.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="opportunities",
        verbose_name=_("account responsible (AR)"),
    )
    sr = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("solution responsible (SR)"),
    )
    fr = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("fulfilment responsible (FR)"),
    )
    sponsor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("sponsor"),
    )

    close_reason = models.CharField(_("close reason"), max_length=16, blank=True, editable=False)
    close_note = models.TextField(_("close note"), blank=True, editable=False)
    lost_to = models.CharField(_("lost to competitor"), max_length=200, blank=True, editable=False)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, editable=False)
    stage_before_close = models.ForeignKey(
        Stage, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")
        indexes = [
            models.Index(fields=["stage", "-amount", "-id"], name="opp_stage_amount"),
            # Covers the board's and the funnel's per-stage totals (an index-only scan).
            models.Index(
                fields=["pipeline", "status", "stage", "currency", "amount", "probability"], name="opp_stage_totals"
            ),
            models.Index(fields=["owner", "status", "-updated_at"], name="opp_owner_status"),
            # Covers the forecast: open and won deals by close date (an index-only range scan).
            models.Index(
                fields=["status", "expected_close_date", "currency", "forecast_category", "amount", "probability"],
                name="opp_forecast",
            ),
            models.Index(fields=["pipeline", "max_stage_order"], name="opp_pipeline_reached"),
            models.Index(fields=["sr"], condition=Q(sr__isnull=False), name="opp_sr_set"),
            models.Index(fields=["fr"], condition=Q(fr__isnull=False), name="opp_fr_set"),
            models.Index(fields=["sponsor"], condition=Q(sponsor__isnull=False), name="opp_sponsor_set"),
        ]

    # How the timeline reads (core.models.TimelineEvent.display_changes): what the system keeps for
    # itself is not shown; a close reason reads as a win or a loss reason.
    timeline_hidden = ("max_stage_order", "stage_entered_at", "stage_before_close")

    @staticmethod
    def timeline_choices(changes: list[dict[str, str]]) -> dict[str, Any]:
        won = any(c["field"] == "status" and OpportunityStatus.WON in (c["old"], c["new"]) for c in changes)
        return {"close_reason": (WinReason if won else LossReason).choices}

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("opportunities:opportunity_detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status == OpportunityStatus.OPEN

    @property
    def weighted_amount(self) -> Decimal:
        return quantize(self.amount * self.probability / Decimal(100))

    def close_reason_label(self) -> str:
        choices = WinReason if self.status == OpportunityStatus.WON else LossReason
        return str(dict(choices.choices).get(self.close_reason, self.close_reason))

    def member_ids(self) -> set[int]:
        return {pk for pk in (self.owner_id, self.sr_id, self.fr_id, self.sponsor_id) if pk}

    def filled(self, field: str) -> bool:
        """Whether a requirable field holds a value (contacts: at least one)."""
        if field == RequirableField.CONTACTS:
            return bool(self.pk) and self.contacts.exists()
        value: Any = getattr(self, f"{field}_id" if field in ("sr", "fr", "sponsor") else field)
        if isinstance(value, Decimal):
            return value > 0
        return bool(value.strip()) if isinstance(value, str) else value is not None


class RequirementCheck(models.Model):
    """A team member's confirmation of a "check" requirement on one deal."""

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="checks")
    requirement = models.ForeignKey(StageRequirement, on_delete=models.PROTECT, related_name="+")
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    done_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["opportunity", "requirement"], name="requirement_check_once")]


class GateResult(models.TextChoices):
    REFUSED = "refused", _("Refused at the gate")
    OVERRIDDEN = "overridden", _("Passed by override")


class GateOutcome(models.Model):
    """A forward move (an advance or a win) that met open gate items: refused, or passed by a
    manager's override with its reason. `missing` names the open checklist items; a missing FR
    is no checklist item (`fr_missing`). Counted by the process centre per step, item and person;
    never changed once written."""

    opportunity = models.ForeignKey(Opportunity, on_delete=models.PROTECT, related_name="+")
    from_stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="+")
    to_stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="+")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    outcome = models.CharField(max_length=10, choices=GateResult.choices)
    reason = models.TextField(blank=True)
    missing = models.ManyToManyField(StageRequirement, related_name="+", blank=True)
    fr_missing = models.BooleanField(default=False)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            # The process figures: a step's refusals and overrides in a window (by stage left).
            models.Index(fields=["from_stage", "outcome", "at"], name="gate_outcome_stage_at"),
        ]


class DecisionReview(models.Model):
    """A decision review (决策评审) on a deal: ATI, ATB or ATC. The AR, SR and FR each assess;
    a user whose authority covers the deal's amount decides. Nothing changes after the decision."""

    opportunity = models.ForeignKey(
        Opportunity, on_delete=models.PROTECT, related_name="reviews", verbose_name=_("opportunity")
    )
    review_type = models.CharField(_("review"), max_length=3, choices=ReviewType.choices)
    status = models.CharField(_("status"), max_length=8, choices=ReviewStatus.choices, default=ReviewStatus.OPEN)
    amount = money_field(_("amount reviewed"))
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    decider = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reviews_to_decide",
        verbose_name=_("decider"),
    )
    passed_over = models.JSONField(
        _("escalated past"), default=list, blank=True, help_text=_("Managers whose authority the amount exceeded.")
    )
    decider_task = models.ForeignKey(
        "core.Activity", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    decision = models.CharField(_("decision"), max_length=16, choices=Decision.choices, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)
    conditions = models.TextField(_("conditions"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_for = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("on behalf of"),
        help_text=_("Whose delegated authority the decider used (授权委托)."),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name = _("decision review")
        verbose_name_plural = _("decision reviews")
        indexes = [
            models.Index(fields=["opportunity", "review_type"], name="review_deal_type"),
            models.Index(fields=["decider", "status"], name="review_decider"),
        ]
        constraints = [
            # One open review of a type per deal at a time.
            models.UniqueConstraint(
                fields=["opportunity", "review_type"], condition=Q(status="open"), name="review_one_open"
            )
        ]

    def __str__(self) -> str:
        return f"{self.review_type} · {self.opportunity}"

    def get_absolute_url(self) -> str:
        return reverse("opportunities:review_detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status == ReviewStatus.OPEN

    @property
    def passed(self) -> bool:
        return self.decision in PASSING_DECISIONS

    def escalation_text(self) -> str:
        """The escalation, in the reader's language ("" when the natural decider decides)."""
        if not self.passed_over:
            return ""
        return gettext("Above the authority of %(passed)s: escalated to %(decider)s.") % {
            "passed": ", ".join(self.passed_over),
            "decider": self.decider,
        }


class ReviewAssessment(models.Model):
    """One role's assessment in a review: a score per criterion (1–5) and comments."""

    review = models.ForeignKey(DecisionReview, on_delete=models.PROTECT, related_name="assessments")
    role = models.CharField(_("role"), max_length=2, choices=AssessorRole.choices)
    assessor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    scores = models.JSONField(_("scores"), default=dict)
    comments = models.TextField(_("comments"), blank=True, max_length=5000)
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)

    class Meta:
        ordering = ["review", "role"]
        constraints = [models.UniqueConstraint(fields=["review", "role"], name="assessment_once_per_role")]

    def scored(self) -> list[tuple[str, str, int]]:
        """(code, label, score) of each criterion scored, in the criteria's order: the labels it
        was scored under, also of a criterion deactivated since (see `attach_criteria`)."""
        known: list[ReviewCriterion] | None = self.__dict__.get("_criteria")
        if known is None:
            attach_criteria([self])
            known = self.__dict__["_criteria"]
        labels = {c.code: c.label for c in known}
        codes = [c.code for c in known if c.code in self.scores]
        codes += sorted(code for code in self.scores if code not in labels)
        return [(code, labels.get(code, code), int(self.scores[code])) for code in codes]

    def criteria(self) -> list[tuple[str, int]]:
        """(criterion label, score) in the criteria's order."""
        return [(label, score) for _code, label, score in self.scored()]

    @property
    def average(self) -> Decimal:
        values = [int(v) for v in self.scores.values()]
        return (Decimal(sum(values)) / len(values)).quantize(Decimal("0.1")) if values else Decimal(0)


class ReviewCriterionQuerySet(models.QuerySet["ReviewCriterion"]):
    def active(self) -> ReviewCriterionQuerySet:
        return self.filter(active=True)

    def of(self, review_type: str, role: str) -> ReviewCriterionQuerySet:
        return self.filter(review_type=review_type, role=role).order_by("order", "id")


class ReviewCriterion(VersionedModel):
    """What one role of the iron triangle scores (1 = poor, 5 = strong) in a review of one type,
    configured in the process centre. A criterion assessments scored is deactivated, never
    deleted, so they keep its label."""

    review_type = models.CharField(_("review"), max_length=3, choices=ReviewType.choices)
    role = models.CharField(_("role"), max_length=2, choices=AssessorRole.choices)
    code = models.SlugField(
        _("code"), max_length=40, help_text=_("Letters, digits, _ and -; unique per review and role.")
    )
    label_zh = models.CharField(_("label (Chinese)"), max_length=100)
    label_en = models.CharField(_("label (English)"), max_length=100)
    help = models.TextField(_("help"), blank=True, max_length=1000, help_text=_("What the assessor weighs."))
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)

    objects = ReviewCriterionQuerySet.as_manager()

    class Meta:
        ordering = ["review_type", "role", "order", "id"]
        verbose_name = _("review criterion")
        verbose_name_plural = _("review criteria")
        constraints = [
            models.UniqueConstraint(fields=["review_type", "role", "code"], name="review_criterion_code_once")
        ]

    def __str__(self) -> str:
        return f"{self.review_type} {self.role.upper()} · {self.label}"

    @property
    def label(self) -> str:
        """The label in the reader's language, or the other one when that one is empty."""
        zh, en = self.label_zh, self.label_en
        return (zh if (get_language() or "").startswith("zh") else en) or zh or en


def attach_criteria(assessments: list[ReviewAssessment]) -> None:
    """Give each assessment the criteria (active or not) of its review's type and role, for all
    of them in one query; their reviews must be loaded (a review's `assessments` are)."""
    types = {a.review.review_type for a in assessments}
    found: dict[tuple[str, str], list[ReviewCriterion]] = {}
    for criterion in ReviewCriterion.objects.filter(review_type__in=types).order_by("order", "id"):
        found.setdefault((criterion.review_type, criterion.role), []).append(criterion)
    for assessment in assessments:
        assessment.__dict__["_criteria"] = found.get((assessment.review.review_type, assessment.role), [])


class Stakeholder(models.Model):
    """A person of the customer in the deal's decision chain (决策链): their role in the decision,
    attitude towards us, influence, how strong our relationship is, and when we last spoke."""

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="stakeholders")
    contact = models.ForeignKey(Contact, on_delete=models.PROTECT, related_name="+", verbose_name=_("contact"))
    role = models.CharField(_("role in the decision"), max_length=16, choices=DecisionRole.choices)
    attitude = models.CharField(_("attitude"), max_length=10, choices=Attitude.choices, default=Attitude.NEUTRAL)
    influence = models.CharField(_("influence"), max_length=8, choices=Level.choices, default=Level.MEDIUM)
    relationship = models.PositiveSmallIntegerField(
        _("relationship strength"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text=_("1 = none, 5 = trusted."),
    )
    last_contact_on = models.DateField(_("last contact"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True, max_length=2000)

    class Meta:
        ordering = ["opportunity", "role", "id"]
        verbose_name = _("stakeholder")
        verbose_name_plural = _("decision chain")
        constraints = [models.UniqueConstraint(fields=["opportunity", "contact"], name="stakeholder_once")]

    def __str__(self) -> str:
        return f"{self.contact} ({self.get_role_display()})"


class Bid(VersionedModel):
    """A bid (制定并提交标书) on a deal: the tender, its sections, the documents to hand in,
    the submission and the result."""

    opportunity = models.ForeignKey(Opportunity, on_delete=models.PROTECT, related_name="bids")
    tender_number = models.CharField(_("tender number"), max_length=100)
    issuer = models.CharField(_("issuer"), max_length=200)
    submission_deadline = models.DateTimeField(_("submission deadline"))
    submission_method = models.CharField(
        _("submission method"), max_length=10, choices=SubmissionMethod.choices, default=SubmissionMethod.PORTAL
    )
    status = models.CharField(
        _("status"), max_length=10, choices=BidStatus.choices, default=BidStatus.PREPARING, editable=False
    )
    quote_reference = models.CharField(_("commercial offer reference"), max_length=100, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True, editable=False)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    result_price = money_field(_("winning price"), null=True, blank=True)
    winning_competitor = models.CharField(_("winning competitor"), max_length=200, blank=True)
    result_note = models.TextField(_("result note"), blank=True, max_length=2000)
    deadline_task = models.ForeignKey(
        "core.Activity", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-submission_deadline", "-id"]
        verbose_name = _("bid")
        verbose_name_plural = _("bids")

    def __str__(self) -> str:
        return f"{self.tender_number} · {self.issuer}"

    def get_absolute_url(self) -> str:
        return reverse("opportunities:bid_detail", args=[self.pk])

    @property
    def is_preparing(self) -> bool:
        return self.status == BidStatus.PREPARING


class BidSection(models.Model):
    """A part of the bid (commercial, technical, delivery) with its owner and due date."""

    bid = models.ForeignKey(Bid, on_delete=models.CASCADE, related_name="sections")
    kind = models.CharField(_("section"), max_length=10, choices=BidSectionKind.choices)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    due_at = models.DateTimeField(_("due"))
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    task = models.ForeignKey("core.Activity", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["bid", "due_at", "id"]
        constraints = [models.UniqueConstraint(fields=["bid", "kind"], name="bid_section_once")]


class BidDocument(models.Model):
    """An item of the bid's document checklist; its files are uploaded as numbered versions."""

    bid = models.ForeignKey(Bid, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(_("document"), max_length=200)
    required = models.BooleanField(_("required"), default=True)

    class Meta:
        ordering = ["bid", "id"]

    def latest(self) -> BidDocumentVersion | None:
        versions = list(self.versions.all())
        return versions[0] if versions else None


class BidDocumentVersion(models.Model):
    """One uploaded file of a bid document; earlier versions stay."""

    document = models.ForeignKey(BidDocument, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveSmallIntegerField(_("version"))
    file = models.FileField(_("file"), upload_to="bids/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveIntegerField(_("size"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        ordering = ["document", "-number"]
        constraints = [models.UniqueConstraint(fields=["document", "number"], name="bid_document_version_once")]


class OpportunityDocument(models.Model):
    """A file attached to a deal (a solution outline, meeting minutes ...), possibly the one a
    stage's checklist asks for. Files are kept; a newer upload adds another document."""

    opportunity = models.ForeignKey(Opportunity, on_delete=models.PROTECT, related_name="documents")
    requirement = models.ForeignKey(
        StageRequirement, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to="deals/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveIntegerField(_("size"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        verbose_name = _("deal document")
        verbose_name_plural = _("deal documents")

    def __str__(self) -> str:
        return self.title
