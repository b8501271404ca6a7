"""Quotes (CPQ): a quote on a deal has numbered versions; each version holds priced lines
(bundles with their components), payment terms and totals. One version is current; only a
draft version changes in place, every other one is read-only for ever."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ltc.catalog.choices import PriceSource, TaxRate
from ltc.catalog.models import PriceBook, Product, quantity_field, unit_price_field
from ltc.core.models import VersionedModel
from ltc.core.money import Currency, money_field
from ltc.customers.models import Account
from ltc.opportunities.models import BidSection, Opportunity
from ltc.quotes.choices import AnswerChannel, ApprovalStatus, QuoteStatus, TermTrigger

PERCENT = [MinValueValidator(0), MaxValueValidator(100)]
LOCKED = (QuoteStatus.IN_APPROVAL,)
ANSWERABLE = (QuoteStatus.SENT,)


def percent_field(verbose_name: object, **kwargs: object) -> models.DecimalField:  # type: ignore[type-arg]
    return models.DecimalField(verbose_name, max_digits=5, decimal_places=2, **kwargs)  # type: ignore[arg-type]


class Quote(VersionedModel):
    """A quote to a customer on a deal. Its list columns (status, total, validity) mirror the
    current version so lists read one table."""

    number = models.CharField(_("number"), max_length=20, unique=True, editable=False)
    opportunity = models.ForeignKey(
        Opportunity, on_delete=models.PROTECT, related_name="quotes", verbose_name=_("opportunity")
    )
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="quotes", verbose_name=_("account"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("author")
    )
    title = models.CharField(_("title"), max_length=200)
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, default=Currency.CNY)
    current = models.ForeignKey(
        "QuoteVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    status = models.CharField(_("status"), max_length=12, choices=QuoteStatus.choices, default=QuoteStatus.DRAFT)
    total = money_field(_("total"), default=Decimal(0))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    # Lower-cased "number title customer": the list's search reads one column of one table.
    search_text = models.CharField(max_length=600, editable=False, default="")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("quote")
        verbose_name_plural = _("quotes")
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="quote_newest"),
            models.Index(fields=["opportunity", "-created_at"], name="quote_deal"),
            models.Index(fields=["status", "-created_at"], name="quote_status"),
            models.Index(fields=["owner", "-created_at"], name="quote_owner"),
            # Search scans this narrow index instead of the table (substring search has no seek).
            models.Index(fields=["search_text"], name="quote_search"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def get_absolute_url(self) -> str:
        # Tasks and notifications about a quote (an approval step's) link its page by this.
        return reverse("quotes:quote_detail", args=[self.pk])

    def refresh_search_text(self) -> None:
        self.search_text = f"{self.number} {self.title} {self.account.name}".lower()[:600]


class QuoteVersionQuerySet(models.QuerySet["QuoteVersion"]):
    def expired(self, on: date) -> QuoteVersionQuerySet:
        return self.filter(status__in=[QuoteStatus.APPROVED, QuoteStatus.SENT], valid_until__lt=on)


class QuoteVersion(models.Model):
    """One numbered version of a quote: its price book, lines, terms, totals, approval and the
    customer's answer. Editable only while a draft; locked while in approval."""

    quote = models.ForeignKey(Quote, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveSmallIntegerField(_("version"))
    status = models.CharField(_("status"), max_length=12, choices=QuoteStatus.choices, default=QuoteStatus.DRAFT)
    price_book = models.ForeignKey(PriceBook, on_delete=models.PROTECT, related_name="+", verbose_name=_("price book"))
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, default=Currency.CNY)
    quote_date = models.DateField(_("quote date"), default=timezone.localdate)
    valid_until = models.DateField(_("valid until"))
    document_discount_pct = percent_field(_("document discount %"), default=Decimal(0), validators=PERCENT)
    delivery_terms = models.TextField(_("delivery terms"), blank=True, max_length=2000)
    notes = models.TextField(_("notes to the customer"), blank=True, max_length=2000)
    # totals, computed by quotes.pricing when the lines change
    base_total = money_field(_("before discounts"), default=Decimal(0))
    net_total = money_field(_("net"), default=Decimal(0))
    tax_total = money_field(_("VAT"), default=Decimal(0))
    grand_total = money_field(_("total"), default=Decimal(0))
    cost_total = money_field(_("cost"), default=Decimal(0))
    discount_pct = percent_field(_("discount %"), default=Decimal(0))
    margin_pct = models.DecimalField(_("margin %"), max_digits=7, decimal_places=2, null=True, blank=True)
    approval_reason = models.CharField(_("why approval is needed"), max_length=500, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    sent_to = models.EmailField(_("sent to"), blank=True)
    link_digest = models.CharField(max_length=64, blank=True, editable=False)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answer_channel = models.CharField(max_length=8, choices=AnswerChannel.choices, blank=True)
    answer_name = models.CharField(_("answered by"), max_length=100, blank=True)
    answer_title = models.CharField(_("position"), max_length=100, blank=True)
    answer_address = models.GenericIPAddressField(_("from address"), null=True, blank=True)
    answer_note = models.TextField(_("customer's note"), blank=True, max_length=2000)
    answer_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = QuoteVersionQuerySet.as_manager()

    class Meta:
        ordering = ["quote", "number"]
        verbose_name = _("quote version")
        verbose_name_plural = _("quote versions")
        constraints = [models.UniqueConstraint(fields=["quote", "number"], name="quote_version_once")]
        indexes = [
            models.Index(fields=["link_digest"], name="quote_link", condition=~Q(link_digest="")),
        ]

    def __str__(self) -> str:
        return f"{self.quote.number} v{self.number}"

    @property
    def is_draft(self) -> bool:
        return self.status == QuoteStatus.DRAFT

    def is_expired(self, on: date | None = None) -> bool:
        on = on or timezone.localdate()
        return self.status in (QuoteStatus.APPROVED, QuoteStatus.SENT) and self.valid_until < on

    def can_be_answered(self, on: date | None = None) -> bool:
        return self.status in ANSWERABLE and not self.is_expired(on)


class QuoteLine(models.Model):
    """A priced line. A bundle's components are lines under it (`parent`); amounts round to the
    cent at the line: base = quantity × unit price; net after the line's and the document's
    discount; VAT on the net."""

    version = models.ForeignKey(QuoteVersion, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField()
    # A draft's lines are replaced together (one DELETE, one bulk insert per edit): components
    # need no cascade, and neither key needs a database check per row at COMMIT (the product is
    # still protected by Django: a quoted product cannot be deleted).
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="components",
        verbose_name=_("bundle"),
    )
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, db_constraint=False, related_name="+", verbose_name=_("product")
    )
    code = models.CharField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=200)
    unit = models.CharField(_("unit"), max_length=20)
    quantity = quantity_field(_("quantity"))
    list_price = unit_price_field(_("list price"))
    unit_price = unit_price_field(_("unit price"))
    price_source = models.CharField(_("price"), max_length=8, choices=PriceSource.choices)
    discount_pct = percent_field(_("discount %"), default=Decimal(0), validators=PERCENT)
    base_amount = money_field(_("before discount"))
    net_amount = money_field(_("net"))
    tax_rate = models.PositiveSmallIntegerField(_("VAT rate"), choices=TaxRate.choices)
    tax_amount = money_field(_("VAT"))
    total = money_field(_("total"))
    unit_cost = unit_price_field(_("unit cost"))
    cost_amount = money_field(_("cost"))

    class Meta:
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "position"], name="quote_line_position_once"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="quote_line_quantity_positive"),
            models.CheckConstraint(
                condition=Q(discount_pct__gte=0, discount_pct__lte=100), name="quote_line_discount_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} × {self.quantity}"


class PaymentTerm(models.Model):
    """A proposed payment milestone: a share of the total, due on a trigger (plus days)."""

    version = models.ForeignKey(QuoteVersion, on_delete=models.CASCADE, related_name="terms")
    position = models.PositiveSmallIntegerField()
    label = models.CharField(_("milestone"), max_length=100)
    percent = percent_field(_("share %"), validators=PERCENT)
    trigger = models.CharField(_("due"), max_length=12, choices=TermTrigger.choices)
    days = models.PositiveSmallIntegerField(_("days after"), default=0)
    due_date = models.DateField(_("date"), null=True, blank=True)
    amount = money_field(_("amount"), default=Decimal(0))

    class Meta:
        ordering = ["version", "position"]
        constraints = [models.UniqueConstraint(fields=["version", "position"], name="payment_term_position_once")]

    def __str__(self) -> str:
        return f"{self.label} {self.percent}%"


class QuoteApproval(models.Model):
    """One level of a version's discount approval: who was asked, what they said, when."""

    version = models.ForeignKey(QuoteVersion, on_delete=models.PROTECT, related_name="approvals")
    level = models.PositiveSmallIntegerField(_("level"))
    approver = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        _("status"), max_length=10, choices=ApprovalStatus.choices, default=ApprovalStatus.PENDING
    )
    comment = models.TextField(_("comment"), blank=True, max_length=2000)
    requested_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
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
        help_text=_("Set when a delegate decided for the approver (授权委托)."),
    )
    task = models.ForeignKey("core.Activity", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["version", "level"]
        constraints = [
            models.UniqueConstraint(fields=["version", "level"], name="quote_approval_level_once"),
            models.UniqueConstraint(
                fields=["version"], condition=Q(status="pending"), name="quote_approval_one_pending"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.version} L{self.level} {self.approver}: {self.status}"


class BidQuote(models.Model):
    """The quote version a bid's commercial section offers."""

    section = models.OneToOneField(BidSection, on_delete=models.CASCADE, related_name="quote_reference")
    version = models.ForeignKey(QuoteVersion, on_delete=models.PROTECT, related_name="bid_references")
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.section} → {self.version}"


class PaymentTermTemplate(VersionedModel):
    """A named set of payment milestones (e.g. 30/60/10 on signing, acceptance and warranty) that
    fills a draft quote version's terms in one step. Changing a template changes no quote."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    active = models.BooleanField(_("active"), default=True)
    # The milestones as one line of text ("label percent% trigger +days; ..."), kept by the
    # services so a change of the milestones reads as one field diff on the timeline.
    summary = models.CharField(_("milestones"), max_length=2000, blank=True, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("payment-term template")
        verbose_name_plural = _("payment-term templates")

    def __str__(self) -> str:
        return self.name


class PaymentTermTemplateLine(models.Model):
    """One milestone of a template: a share of the total, due on a trigger plus days."""

    template = models.ForeignKey(PaymentTermTemplate, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField()
    label = models.CharField(_("milestone"), max_length=100)
    percent = percent_field(_("share %"), validators=PERCENT)
    trigger = models.CharField(_("due"), max_length=12, choices=TermTrigger.choices)
    days = models.PositiveSmallIntegerField(_("days after"), default=0)

    class Meta:
        ordering = ["template", "position"]
        constraints = [
            models.UniqueConstraint(fields=["template", "position"], name="term_template_line_position_once")
        ]

    def __str__(self) -> str:
        return f"{self.label} {self.percent}%"
