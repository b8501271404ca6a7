"""Contracts (MCE, 管理合同执行) and their execution.

A contract is made from an accepted quote version and has numbered versions: the original and
one amendment per approved change request. A version's lines, payment terms and header are
read-only once frozen (at review, or when an amendment is made); the delivery plan's
milestones, the orders and the deliveries live on the contract and follow its current version.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ltc.catalog.choices import TaxRate
from ltc.catalog.models import Product, quantity_field, unit_price_field
from ltc.contracts.choices import (
    ChangeOrigin,
    ChangeRole,
    ChangeStatus,
    CheckResult,
    ContractStatus,
    DeliveryKind,
    Level,
    LineFulfilment,
    MilestoneStatus,
    OrderStatus,
    ReviewArea,
    ReviewDecision,
    RiskKind,
    RiskStatus,
    Verdict,
    VersionKind,
)
from ltc.core.models import VersionedModel
from ltc.core.money import Currency, money_field
from ltc.customers.models import Account
from ltc.opportunities.models import Opportunity
from ltc.quotes.choices import TermTrigger
from ltc.quotes.models import Quote, QuoteLine, QuoteVersion, percent_field

User = settings.AUTH_USER_MODEL
SCORE = [MinValueValidator(1), MaxValueValidator(5)]


def _person(verbose_name: Any, **kwargs: Any) -> Any:
    """A user named on a record (never deleted while named: PROTECT)."""
    return models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=verbose_name, **kwargs)


class Contract(VersionedModel):
    """A contract with a customer on a won deal: its iron triangle, its state in the process and
    the signature. Its list columns (total) mirror the current version."""

    number = models.CharField(_("number"), max_length=20, unique=True, editable=False)
    opportunity = models.ForeignKey(
        Opportunity, on_delete=models.PROTECT, related_name="contracts", verbose_name=_("opportunity")
    )
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="contracts", verbose_name=_("account"))
    quote = models.ForeignKey(Quote, on_delete=models.PROTECT, related_name="contracts", verbose_name=_("quote"))
    quote_version = models.ForeignKey(
        QuoteVersion, on_delete=models.PROTECT, related_name="+", verbose_name=_("accepted quote version")
    )
    title = models.CharField(_("subject"), max_length=200)
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, default=Currency.CNY)
    owner = _person(_("AR"))
    sr = _person(_("SR"), null=True, blank=True)
    fr = _person(_("FR"), null=True, blank=True)
    sponsor = _person(_("sponsor"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=ContractStatus.choices, default=ContractStatus.DRAFT)
    current = models.ForeignKey(
        "ContractVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    total = money_field(_("total"), default=Decimal(0))
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    customer_signatory = models.CharField(_("customer's signatory"), max_length=100, blank=True)
    our_signatory = models.CharField(_("our signatory"), max_length=100, blank=True)
    signed_copy = models.FileField(_("signed copy"), upload_to="contracts/%Y/%m/", blank=True)
    signed_recorded_by = _person(_("signature recorded by"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    terminated_at = models.DateTimeField(_("terminated at"), null=True, blank=True)
    termination_reason = models.TextField(_("reason for termination"), blank=True, max_length=2000)
    created_by = _person(_("created by"))
    # Lower-cased "number subject customer": the list's search reads one column.
    search_text = models.CharField(max_length=600, editable=False, default="")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="contract_newest"),
            models.Index(fields=["status", "-created_at"], name="contract_status"),
            models.Index(fields=["owner", "-created_at"], name="contract_owner"),
            models.Index(fields=["fr", "-created_at"], name="contract_fr"),
            models.Index(fields=["search_text"], name="contract_search"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("contracts:contract_detail", args=[self.pk])

    def refresh_search_text(self) -> None:
        self.search_text = f"{self.number} {self.title} {self.account.name}".lower()[:600]

    def member_ids(self) -> set[int]:
        return {pk for pk in (self.owner_id, self.sr_id, self.fr_id, self.sponsor_id) if pk}

    @property
    def is_open(self) -> bool:
        return self.status not in (ContractStatus.CLOSED, ContractStatus.TERMINATED)


class ContractVersion(models.Model):
    """One version of the contract's terms: the original, or an amendment made by an approved
    change request. A version is a draft until it is frozen; a frozen version never changes."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveSmallIntegerField(_("version"))
    kind = models.CharField(_("kind"), max_length=10, choices=VersionKind.choices, default=VersionKind.ORIGINAL)
    change_request = models.ForeignKey(
        "ChangeRequest", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    document_discount_pct = percent_field(_("document discount %"), default=Decimal(0))
    delivery_terms = models.TextField(_("delivery terms"), blank=True, max_length=2000)
    penalty_clause = models.TextField(_("penalties"), blank=True, max_length=2000)
    ip_clause = models.TextField(_("intellectual property"), blank=True, max_length=2000)
    warranty_months = models.PositiveSmallIntegerField(_("warranty (months)"), default=12)
    other_terms = models.TextField(_("other terms"), blank=True, max_length=4000)
    net_total = money_field(_("net"), default=Decimal(0))
    tax_total = money_field(_("VAT"), default=Decimal(0))
    grand_total = money_field(_("total"), default=Decimal(0))
    cost_total = money_field(_("cost"), default=Decimal(0))
    margin_pct = models.DecimalField(_("margin %"), max_digits=7, decimal_places=2, null=True, blank=True)
    # The delivery plan as this version states it (milestones live on the contract).
    milestone_plan = models.JSONField(default=list, blank=True, editable=False)
    summary = models.CharField(_("what changed"), max_length=500, blank=True)
    created_by = _person(_("created by"))
    created_at = models.DateTimeField(default=timezone.now)
    frozen_at = models.DateTimeField(_("frozen at"), null=True, blank=True)

    class Meta:
        ordering = ["contract", "number"]
        verbose_name = _("contract version")
        verbose_name_plural = _("contract versions")
        constraints = [models.UniqueConstraint(fields=["contract", "number"], name="contract_version_once")]

    def __str__(self) -> str:
        return f"{self.contract.number} v{self.number}"

    @property
    def is_frozen(self) -> bool:
        return self.frozen_at is not None


# What a contract line shares with the quote line it came from (copied as they are).
PRICED_FIELDS = (
    "product_id",
    "code",
    "name",
    "unit",
    "quantity",
    "unit_price",
    "discount_pct",
    "base_amount",
    "net_amount",
    "tax_rate",
    "tax_amount",
    "total",
    "unit_cost",
    "cost_amount",
)


class ContractLine(models.Model):
    """A line of a contract version. `key` names the line across versions (an amendment keeps
    the key of a line it changes); `source` is the accepted quote line it came from."""

    version = models.ForeignKey(ContractVersion, on_delete=models.PROTECT, related_name="lines")
    key = models.PositiveIntegerField(_("line"))
    parent_key = models.PositiveIntegerField(null=True, blank=True)
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, db_constraint=False, related_name="+", verbose_name=_("product")
    )
    source = models.ForeignKey(
        QuoteLine, null=True, blank=True, on_delete=models.PROTECT, db_constraint=False, related_name="+"
    )
    code = models.CharField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=200)
    unit = models.CharField(_("unit"), max_length=20)
    quantity = quantity_field(_("quantity"))
    unit_price = unit_price_field(_("unit price"))
    discount_pct = percent_field(_("discount %"), default=Decimal(0))
    base_amount = money_field(_("before discount"))
    net_amount = money_field(_("net"))
    tax_rate = models.PositiveSmallIntegerField(_("VAT rate"), choices=TaxRate.choices)
    tax_amount = money_field(_("VAT"))
    total = money_field(_("total"))
    unit_cost = unit_price_field(_("unit cost"))
    cost_amount = money_field(_("cost"))

    class Meta:
        ordering = ["version", "key"]
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="contract_line_key_once"),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="contract_line_quantity_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.code} × {self.quantity}"


class Milestone(models.Model):
    """A milestone of the delivery plan: what is delivered by when, how the customer accepts it,
    and the payment term it triggers. Accepted (验收) with the customer's acceptance document."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="milestones")
    position = models.PositiveSmallIntegerField(_("order"))
    name = models.CharField(_("milestone"), max_length=100)
    planned_date = models.DateField(_("planned date"))
    deliverables = models.TextField(_("deliverables"), blank=True, max_length=2000)
    acceptance_criteria = models.TextField(_("acceptance criteria"), blank=True, max_length=2000)
    status = models.CharField(
        _("status"), max_length=10, choices=MilestoneStatus.choices, default=MilestoneStatus.PLANNED
    )
    delivered_on = models.DateField(_("delivered on"), null=True, blank=True)
    accepted_on = models.DateField(_("accepted on"), null=True, blank=True)
    accepted_by_name = models.CharField(_("accepted by (customer)"), max_length=100, blank=True)
    acceptance_document = models.FileField(_("acceptance document"), upload_to="acceptance/%Y/%m/", blank=True)
    acceptance_note = models.TextField(_("acceptance note"), blank=True, max_length=2000)
    acceptance_recorded_by = _person(_("recorded by"), null=True, blank=True)
    refusals = models.PositiveSmallIntegerField(_("acceptance refused"), default=0)
    delay_flagged_on = models.DateField(_("delay flagged on"), null=True, blank=True)
    removed = models.BooleanField(_("removed by an amendment"), default=False)

    class Meta:
        ordering = ["contract", "position"]
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        constraints = [models.UniqueConstraint(fields=["contract", "position"], name="milestone_position_once")]
        indexes = [
            models.Index(fields=["planned_date"], name="milestone_due", condition=Q(status="planned")),
        ]

    def __str__(self) -> str:
        return f"{self.contract.number} · {self.name}"

    def is_late(self, today: object = None) -> bool:
        today = today or timezone.localdate()
        return self.status == MilestoneStatus.PLANNED and not self.removed and self.planned_date < today  # type: ignore[operator]

    def plan(self) -> dict[str, str]:
        """What a version records of this milestone."""
        return {
            "position": str(self.position),
            "name": self.name,
            "planned_date": self.planned_date.isoformat(),
            "deliverables": self.deliverables,
            "acceptance_criteria": self.acceptance_criteria,
        }


class ContractTerm(models.Model):
    """A payment milestone of a version: a share of the total due on a trigger (signing, a
    delivery milestone's acceptance, a date ...) — the billing schedule is made from these."""

    version = models.ForeignKey(ContractVersion, on_delete=models.PROTECT, related_name="terms")
    position = models.PositiveSmallIntegerField()
    label = models.CharField(_("payment milestone"), max_length=100)
    percent = percent_field(_("share %"))
    trigger = models.CharField(_("due"), max_length=12, choices=TermTrigger.choices)
    days = models.PositiveSmallIntegerField(_("days after"), default=0)
    due_date = models.DateField(_("date"), null=True, blank=True)
    milestone = models.ForeignKey(
        Milestone, null=True, blank=True, on_delete=models.PROTECT, related_name="terms", verbose_name=_("milestone")
    )
    amount = money_field(_("amount"), default=Decimal(0))

    class Meta:
        ordering = ["version", "position"]
        constraints = [models.UniqueConstraint(fields=["version", "position"], name="contract_term_position_once")]

    def __str__(self) -> str:
        return f"{self.label} {self.percent}%"


class ContractReview(models.Model):
    """The contract review (合同评审) of a version: finance, legal and delivery work through a
    checklist; a user whose authority covers the amount decides. Serves as the deal's ATC when
    the deal did not pass one."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="reviews")
    version = models.ForeignKey(ContractVersion, on_delete=models.PROTECT, related_name="+")
    serves_as_atc = models.BooleanField(_("serves as the ATC"), default=False)
    opened_by = _person(_("opened by"))
    opened_at = models.DateTimeField(default=timezone.now)
    decider = _person(_("decider"))
    passed_over = models.JSONField(default=list, blank=True)
    decider_task = models.ForeignKey(
        "core.Activity", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    decision = models.CharField(_("decision"), max_length=8, choices=ReviewDecision.choices, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True, max_length=2000)
    decided_by = _person(_("decided by"), null=True, blank=True)
    decided_for = _person(_("on behalf of"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        ordering = ["contract", "-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["contract"], condition=Q(decision=""), name="contract_review_one_open")
        ]

    def __str__(self) -> str:
        return f"{self.contract.number} review {self.opened_at:%Y-%m-%d}"

    @property
    def is_open(self) -> bool:
        return not self.decision


class ReviewCheck(models.Model):
    """One checklist item of a contract review, checked by its area's reviewer."""

    review = models.ForeignKey(ContractReview, on_delete=models.PROTECT, related_name="checks")
    area = models.CharField(_("area"), max_length=10, choices=ReviewArea.choices)
    item = models.CharField(_("item"), max_length=20)
    result = models.CharField(_("result"), max_length=8, choices=CheckResult.choices, blank=True, default="")
    comment = models.TextField(_("comment"), blank=True, max_length=2000)
    checked_by = _person(_("checked by"), null=True, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["review", "id"]
        constraints = [models.UniqueConstraint(fields=["review", "item"], name="review_check_once")]

    def __str__(self) -> str:
        return f"{self.area}/{self.item}: {self.result or '-'}"


class Handover(models.Model):
    """Accept and confirm (合同接受和确认): the FR confirms scope and deliverables after the
    hand-over meeting with the AR and SR; open questions became tasks."""

    contract = models.OneToOneField(Contract, on_delete=models.PROTECT, related_name="handover")
    scope_confirmed = models.BooleanField(_("scope confirmed"), default=False)
    deliverables_confirmed = models.BooleanField(_("deliverables confirmed"), default=False)
    meeting_on = models.DateField(_("hand-over meeting"))
    ar_present = models.BooleanField(_("AR present"), default=False)
    sr_present = models.BooleanField(_("SR present"), default=False)
    minutes = models.TextField(_("minutes"), blank=True, max_length=5000)
    open_questions = models.TextField(_("open questions"), blank=True, max_length=5000)
    accepted_by = _person(_("accepted by"))
    accepted_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.contract.number} hand-over"


class ContractRisk(models.Model):
    """An entry of the contract's risks and disputes register."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="risks")
    kind = models.CharField(_("kind"), max_length=8, choices=RiskKind.choices, default=RiskKind.RISK)
    title = models.CharField(_("risk"), max_length=200)
    owner = _person(_("owner"))
    probability = models.CharField(_("probability"), max_length=6, choices=Level.choices, default=Level.MEDIUM)
    impact = models.CharField(_("impact"), max_length=6, choices=Level.choices, default=Level.MEDIUM)
    mitigation = models.TextField(_("mitigation"), blank=True, max_length=2000)
    status = models.CharField(_("status"), max_length=6, choices=RiskStatus.choices, default=RiskStatus.OPEN)
    created_by = _person(_("created by"))
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["contract", "status", "-created_at"]
        verbose_name = _("risk or dispute")
        verbose_name_plural = _("risks and disputes")

    def __str__(self) -> str:
        return self.title


class ChangeRequest(models.Model):
    """A request to change a signed contract (合同变更): what changes (a proposal of lines,
    prices, dates, payment terms) and why; assessed by the AR, SR and FR and decided within
    authority. Approved, it makes the next contract version; rejected, it is kept with its reason."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="changes")
    number = models.PositiveSmallIntegerField(_("number"))
    origin = models.CharField(_("requested by"), max_length=8, choices=ChangeOrigin.choices)
    title = models.CharField(_("change"), max_length=200)
    reason = models.TextField(_("why"), max_length=4000)
    proposal = models.JSONField(_("proposed changes"), default=dict)
    status = models.CharField(_("status"), max_length=10, choices=ChangeStatus.choices, default=ChangeStatus.ASSESSING)
    base_version = models.ForeignKey(ContractVersion, on_delete=models.PROTECT, related_name="+")
    total_before = money_field(_("total before"))
    total_after = money_field(_("total after"))
    decider = _person(_("decider"))
    passed_over = models.JSONField(default=list, blank=True)
    decider_task = models.ForeignKey(
        "core.Activity", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    decision_note = models.TextField(_("decision note"), blank=True, max_length=2000)
    decided_by = _person(_("decided by"), null=True, blank=True)
    decided_for = _person(_("on behalf of"), null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    result_version = models.ForeignKey(
        ContractVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = _person(_("created by"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["contract", "-number"]
        verbose_name = _("change request")
        verbose_name_plural = _("change requests")
        constraints = [
            models.UniqueConstraint(fields=["contract", "number"], name="change_number_once"),
            models.UniqueConstraint(fields=["contract"], condition=Q(status="assessing"), name="change_one_assessing"),
        ]

    def __str__(self) -> str:
        return f"{self.contract.number} CR{self.number} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("contracts:change_detail", args=[self.pk])

    @property
    def delta(self) -> Decimal:
        return Decimal(self.total_after - self.total_before)


class ChangeAssessment(models.Model):
    """One role's assessment of a change request."""

    change = models.ForeignKey(ChangeRequest, on_delete=models.PROTECT, related_name="assessments")
    role = models.CharField(_("role"), max_length=2, choices=ChangeRole.choices)
    assessor = _person(_("assessor"))
    verdict = models.CharField(_("verdict"), max_length=8, choices=Verdict.choices)
    comment = models.TextField(_("comment"), blank=True, max_length=4000)
    cost_impact = money_field(_("cost impact"), null=True, blank=True)
    schedule_days = models.IntegerField(_("schedule impact (days)"), null=True, blank=True)
    submitted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["change", "role"]
        constraints = [models.UniqueConstraint(fields=["change", "role"], name="change_assessment_once")]


class Order(VersionedModel):
    """An order generated from a contract: all of it, or one delivery batch (a milestone's).
    Its lines trace to contract lines by key; an ERP may record its own reference."""

    number = models.CharField(_("number"), max_length=20, unique=True, editable=False)
    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="orders")
    milestone = models.ForeignKey(
        Milestone, null=True, blank=True, on_delete=models.PROTECT, related_name="orders", verbose_name=_("milestone")
    )
    title = models.CharField(_("batch"), max_length=200)
    status = models.CharField(_("status"), max_length=10, choices=OrderStatus.choices, default=OrderStatus.OPEN)
    planned_date = models.DateField(_("planned date"), null=True, blank=True)
    erp_reference = models.CharField(_("ERP reference"), max_length=60, blank=True)
    created_by = _person(_("created by"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        indexes = [models.Index(fields=["contract", "status"], name="order_contract")]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("contracts:order_detail", args=[self.pk])


class OrderLine(models.Model):
    """A line of an order: how much of a contract line it orders and how much is delivered."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="lines")
    line_key = models.PositiveIntegerField(_("contract line"))
    contract_line = models.ForeignKey(ContractLine, on_delete=models.PROTECT, db_constraint=False, related_name="+")
    code = models.CharField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=200)
    unit = models.CharField(_("unit"), max_length=20)
    quantity = quantity_field(_("quantity"))
    delivered_quantity = quantity_field(_("delivered"), default=Decimal(0))
    status = models.CharField(
        _("fulfilment"), max_length=10, choices=LineFulfilment.choices, default=LineFulfilment.PENDING
    )

    class Meta:
        ordering = ["order", "line_key"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=0), name="order_line_quantity_not_negative"),
            models.CheckConstraint(
                condition=Q(delivered_quantity__lte=models.F("quantity")), name="order_line_not_over_delivered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.delivered_quantity}/{self.quantity}"

    @property
    def open_quantity(self) -> Decimal:
        return Decimal(self.quantity - self.delivered_quantity)


class Delivery(models.Model):
    """Goods shipped or services performed against order lines (交付); never edited."""

    number = models.CharField(_("number"), max_length=20, unique=True, editable=False)
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="deliveries")
    kind = models.CharField(_("kind"), max_length=8, choices=DeliveryKind.choices)
    delivered_on = models.DateField(_("delivered on"))
    cost = money_field(_("actual cost"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True, max_length=2000)
    recorded_by = _person(_("recorded by"))
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-delivered_on", "-id"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")

    def __str__(self) -> str:
        return self.number


class DeliveryLine(models.Model):
    delivery = models.ForeignKey(Delivery, on_delete=models.PROTECT, related_name="lines")
    order_line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="deliveries")
    quantity = quantity_field(_("quantity"))

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0), name="delivery_line_quantity_positive")]


class Evaluation(models.Model):
    """The closing evaluation (关闭和评价合同): signing quality and fulfilment quality, computed
    from the contract's data where possible, plus the customer's satisfaction and lessons."""

    contract = models.OneToOneField(Contract, on_delete=models.PROTECT, related_name="evaluation")
    planned_margin_pct = models.DecimalField(_("planned margin %"), max_digits=7, decimal_places=2, null=True)
    actual_margin_pct = models.DecimalField(_("actual margin %"), max_digits=7, decimal_places=2, null=True)
    upfront_pct = percent_field(_("paid before acceptance %"), default=Decimal(0))
    signing_score = models.DecimalField(_("signing quality"), max_digits=3, decimal_places=1)
    on_time_pct = percent_field(_("milestones on time %"), default=Decimal(0))
    average_delay_days = models.DecimalField(_("average delay (days)"), max_digits=7, decimal_places=1)
    cost_variance_pct = models.DecimalField(_("cost against plan %"), max_digits=7, decimal_places=2, null=True)
    acceptance_refusals = models.PositiveSmallIntegerField(_("acceptances refused"), default=0)
    satisfaction = models.PositiveSmallIntegerField(_("customer satisfaction"), validators=SCORE)
    fulfilment_score = models.DecimalField(_("fulfilment quality"), max_digits=3, decimal_places=1)
    lessons = models.TextField(_("lessons learned"), blank=True, max_length=5000)
    evaluated_by = _person(_("evaluated by"))
    evaluated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-evaluated_at"]
        verbose_name = _("contract evaluation")
        verbose_name_plural = _("contract evaluations")

    def __str__(self) -> str:
        return f"{self.contract.number} {self.signing_score}/{self.fulfilment_score}"
