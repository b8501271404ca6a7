"""Leads (线索) and the configuration of how they are verified, scored, routed and imported."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ltc.core import normalize
from ltc.core.models import VersionedModel
from ltc.core.money import Currency, money_field
from ltc.customers.choices import CompanySize
from ltc.customers.models import Account, Contact
from ltc.customers.validators import validate_credit_code, validate_mobile
from ltc.leads.choices import (
    OPEN_STATUSES,
    AssignStrategy,
    CheckItem,
    DisqualifyReason,
    DuplicatePolicy,
    ImportStatus,
    LeadSource,
    LeadStatus,
    ScoreCriterion,
    ScoreKind,
    Temperature,
    Timeframe,
)
from ltc.org.choices import Industry, Region
from ltc.org.models import Team, User


class LeadQuerySet(models.QuerySet["Lead"]):
    def open(self) -> LeadQuerySet:
        return self.filter(status__in=OPEN_STATUSES)

    def unassigned(self) -> LeadQuerySet:
        return self.filter(owner__isnull=True)

    def contact_overdue(self, *, now: Any = None) -> LeadQuerySet:
        """Open leads whose first-contact deadline passed without a logged contact."""
        return self.open().filter(first_contact_due_at__lt=now or timezone.now(), first_contacted_at__isnull=True)


# The UTM parameters a lead keeps from the link that brought it (web form, API, import).
UTM_FIELDS = ("utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term")


class Lead(VersionedModel):
    """A possible need of a customer, not yet validated (线索)."""

    source = models.CharField(_("source"), max_length=16, choices=LeadSource.choices)
    campaign = models.CharField(_("campaign"), max_length=100, blank=True)
    # Where the lead came from, as the link that brought it said (marketing resolves utm_campaign).
    utm_source = models.CharField("utm_source", max_length=100, blank=True)
    utm_medium = models.CharField("utm_medium", max_length=100, blank=True)
    utm_campaign = models.CharField("utm_campaign", max_length=100, blank=True)
    utm_content = models.CharField("utm_content", max_length=100, blank=True)
    utm_term = models.CharField("utm_term", max_length=100, blank=True)
    company_name = models.CharField(_("company"), max_length=200, blank=True)
    company_key = models.CharField(max_length=200, editable=False, blank=True)
    credit_code = models.CharField(
        _("unified social credit code"), max_length=18, blank=True, validators=[validate_credit_code]
    )
    contact_name = models.CharField(_("contact name"), max_length=100, blank=True)
    contact_title = models.CharField(_("contact title"), max_length=100, blank=True)
    mobile = models.CharField(_("mobile"), max_length=20, blank=True, validators=[validate_mobile])
    mobile_key = models.CharField(max_length=20, editable=False, blank=True)
    email = models.EmailField(_("email"), blank=True)
    email_key = models.CharField(max_length=254, editable=False, blank=True)
    region = models.CharField(_("region"), max_length=16, choices=Region.choices, blank=True)
    industry = models.CharField(_("industry"), max_length=32, choices=Industry.choices, blank=True)
    company_size = models.CharField(_("company size"), max_length=16, choices=CompanySize.choices, blank=True)
    need = models.TextField(_("pain point / need"), blank=True, max_length=5000)
    budget_amount = money_field(_("budget"), null=True, blank=True, validators=[MinValueValidator(0)])
    budget_currency = models.CharField(
        _("budget currency"), max_length=3, choices=Currency.choices, default=Currency.CNY
    )
    timeframe = models.CharField(_("timeframe"), max_length=8, choices=Timeframe.choices, default=Timeframe.UNKNOWN)
    notes = models.TextField(_("notes"), blank=True, max_length=5000)

    status = models.CharField(_("status"), max_length=16, choices=LeadStatus.choices, default=LeadStatus.NEW)
    disqualify_reason = models.CharField(
        _("disqualification reason"), max_length=16, choices=DisqualifyReason.choices, blank=True
    )
    temperature = models.CharField(
        _("temperature"), max_length=8, choices=Temperature.choices, default=Temperature.COLD
    )
    score = models.PositiveSmallIntegerField(_("score"), default=0, validators=[MaxValueValidator(100)])
    score_details = models.JSONField(_("score details"), default=list, blank=True, editable=False)
    # How engaged the lead is with marketing (opens, clicks, forms, events), decayed over time; set
    # by marketing through leads_engagement_set. Shown beside the fit score, never part of it.
    engagement = models.PositiveSmallIntegerField(_("engagement"), default=0, editable=False)
    engagement_details = models.JSONField(_("engagement details"), default=list, blank=True, editable=False)

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="leads",
        verbose_name=_("owner"),
        db_index=False,  # covered by the composite (owner, ...) indexes; each index slows imports
    )
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True, editable=False)
    assignment_rule = models.ForeignKey(
        "leads.AssignmentRule",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
        db_index=False,
        # Provenance, not ownership: Django applies SET_NULL when a rule is deleted. Without a
        # database constraint bulk imports and routing skip a deferred per-row check (#3).
        db_constraint=False,
    )
    first_contact_due_at = models.DateTimeField(_("first contact due"), null=True, blank=True, editable=False)
    first_contacted_at = models.DateTimeField(_("first contacted"), null=True, blank=True, editable=False)

    need_confirmed = models.BooleanField(_("need confirmed"), default=False)
    budget_confirmed = models.BooleanField(_("budget confirmed"), default=False)
    decision_maker_identified = models.BooleanField(_("decision maker identified"), default=False)
    timeframe_known = models.BooleanField(_("timeframe known"), default=False)

    qualified_at = models.DateTimeField(_("qualified at"), null=True, blank=True, editable=False)
    converted_at = models.DateTimeField(_("converted at"), null=True, blank=True, editable=False)
    erased_at = models.DateTimeField(_("personal data erased at"), null=True, blank=True, editable=False)
    account = models.ForeignKey(
        Account,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="leads",
        editable=False,
        verbose_name=_("account"),
        db_index=False,  # partial index below: most leads have none, and imports skip it
    )
    contact = models.ForeignKey(
        Contact,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="leads",
        editable=False,
        verbose_name=_("contact"),
        db_index=False,
    )
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_leads",
        editable=False,
        db_index=False,  # partial index below
    )
    import_batch = models.ForeignKey(
        "leads.LeadImport",
        null=True,
        blank=True,
        on_delete=models.PROTECT,  # import batches are never deleted (undo marks them undone)
        related_name="leads",
        editable=False,
        db_constraint=False,  # provenance, as assignment_rule: no per-row check on 100k-row imports
    )
    web_form = models.ForeignKey(
        "leads.WebForm",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="leads",
        editable=False,
        db_index=False,
    )
    submitter_ip = models.GenericIPAddressField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        verbose_name=_("created by"),
        db_index=False,  # the composite index below serves "created by me"
        # Provenance: the creator keeps read access. No database constraint, as import_batch: a
        # 100k-row import would otherwise pay a per-row check for one and the same user.
        db_constraint=False,
    )

    objects = LeadQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        indexes = [
            models.Index(fields=["owner", "status", "-created_at", "-id"], name="lead_owner_status"),
            models.Index(fields=["status", "-created_at", "-id"], name="lead_status_created"),
            models.Index(fields=["-created_at", "-id"], name="lead_created"),
            models.Index(fields=["-score", "-id"], name="lead_score"),
            models.Index(fields=["created_by", "-created_at", "-id"], name="lead_created_by"),
            models.Index(fields=["owner", "-score", "-id"], name="lead_owner_score"),
            # The unassigned pool, newest first: small, and immune to how owners correlate with age.
            models.Index(fields=["-created_at", "-id"], condition=Q(owner__isnull=True), name="lead_pool_created"),
            models.Index(fields=["email_key"], name="lead_email_key"),
            models.Index(fields=["mobile_key"], name="lead_mobile_key"),
            models.Index(fields=["company_key"], name="lead_company_key"),
            # Partial indexes for columns most leads leave empty: rows without a value cost no index
            # write (imports, routing updates). Queries name the same condition to use them.
            models.Index(fields=["credit_code"], condition=Q(credit_code__gt=""), name="lead_credit_code_set"),
            models.Index(
                fields=["submitter_ip", "created_at"],
                condition=Q(submitter_ip__isnull=False),
                name="lead_submitter_set",
            ),
            models.Index(fields=["account"], condition=Q(account__isnull=False), name="lead_account_set"),
            models.Index(fields=["merged_into"], condition=Q(merged_into__isnull=False), name="lead_merged_set"),
            # Marketing segment counts (#19): the rule columns of unmerged leads, narrow enough that a
            # count reads this index only (an eighth of the table's pages), never the rows.
            models.Index(
                fields=["status", "region", "industry", "company_size", "score", "owner"],
                include=["id", "email_key"],
                condition=Q(merged_into__isnull=True),
                name="lead_segment",
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(score__lte=100), name="lead_score_at_most_100"),
        ]

    def __str__(self) -> str:
        return self.company_name or self.contact_name or f"#{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("leads:lead_detail", args=[self.pk])

    def normalise(self) -> None:
        self.company_name = " ".join(self.company_name.split())
        self.company_key = normalize.company_name(self.company_name)
        self.credit_code = normalize.credit_code(self.credit_code)
        self.email = normalize.email(self.email)
        self.email_key = self.email
        self.mobile_key = normalize.mobile(self.mobile)
        if len(self.mobile_key) == 11:
            self.mobile = self.mobile_key

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def checklist(self) -> dict[str, bool]:
        """Which verification items are done."""
        return {
            CheckItem.CONTACT_REACHED: self.first_contacted_at is not None,
            CheckItem.NEED_CONFIRMED: self.need_confirmed,
            CheckItem.BUDGET_CONFIRMED: self.budget_confirmed,
            CheckItem.DECISION_MAKER: self.decision_maker_identified,
            CheckItem.TIMEFRAME_KNOWN: self.timeframe_known,
        }

    def is_contact_overdue(self, now: Any = None) -> bool:
        return (
            self.is_open
            and self.first_contacted_at is None
            and self.first_contact_due_at is not None
            and self.first_contact_due_at < (now or timezone.now())
        )


class QualificationPolicy(models.Model):
    """Which checklist items `qualify` requires (one row; edited in the back office)."""

    required_items = models.JSONField(
        _("required items"),
        default=list,
        help_text=_("Checklist items a lead needs before it may be qualified."),
    )
    updated_at = models.DateTimeField(auto_now=True)
    # Bumped by each change: the API's ETag / If-Match and the page's hidden field.
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        verbose_name = _("qualification policy")
        verbose_name_plural = _("qualification policy")

    def __str__(self) -> str:
        return str(_("Qualification policy"))

    @classmethod
    def current(cls) -> QualificationPolicy:
        policy = cls.objects.order_by("pk").first()
        if policy is None:
            policy = cls.objects.create(
                required_items=[CheckItem.CONTACT_REACHED, CheckItem.NEED_CONFIRMED, CheckItem.BUDGET_CONFIRMED]
            )
        return policy


class AssignmentRule(VersionedModel):
    """One routing rule; rules are tried in `order` and the first that matches assigns the lead.

    An empty criterion matches anything. Changed in the process centre through
    ltc.leads.services.rules (version checked, on its timeline).
    """

    order = models.PositiveIntegerField(_("order"), default=100)
    name = models.CharField(_("name"), max_length=100)
    active = models.BooleanField(_("active"), default=True)
    region = models.CharField(_("region"), max_length=16, choices=Region.choices, blank=True)
    industry = models.CharField(_("industry"), max_length=32, choices=Industry.choices, blank=True)
    source = models.CharField(_("source"), max_length=16, choices=LeadSource.choices, blank=True)
    company_size = models.CharField(_("company size"), max_length=16, choices=CompanySize.choices, blank=True)
    min_score = models.PositiveSmallIntegerField(_("minimum score"), null=True, blank=True)
    max_score = models.PositiveSmallIntegerField(_("maximum score"), null=True, blank=True)
    strategy = models.CharField(
        _("strategy"), max_length=16, choices=AssignStrategy.choices, default=AssignStrategy.USER
    )
    assign_user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("user")
    )
    assign_team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("team")
    )
    first_contact_hours = models.PositiveIntegerField(_("first contact within (hours)"), default=24)
    last_assigned = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("assignment rule")
        verbose_name_plural = _("assignment rules")

    def __str__(self) -> str:
        return self.name

    def matches(self, lead: Any) -> bool:
        for field in ("region", "industry", "source", "company_size"):
            wanted = getattr(self, field)
            if wanted and getattr(lead, field) != wanted:
                return False
        if self.min_score is not None and lead.score < self.min_score:
            return False
        return not (self.max_score is not None and lead.score > self.max_score)


# The criteria whose value is a code from one of these lists (ltc.leads.services.rules.VALUE_CHOICES).
SCORING_VALUE_CHOICES = (Industry, Region, CompanySize, LeadSource)


class ScoringRule(VersionedModel):
    """Points a lead earns when it meets a criterion; the sum, clipped to 0–100, is its score."""

    order = models.PositiveIntegerField(_("order"), default=100)
    name = models.CharField(_("name"), max_length=100)
    active = models.BooleanField(_("active"), default=True)
    kind = models.CharField(_("kind"), max_length=16, choices=ScoreKind.choices, default=ScoreKind.FIT)
    criterion = models.CharField(_("criterion"), max_length=32, choices=ScoreCriterion.choices)
    value = models.CharField(_("value"), max_length=100, blank=True)
    points = models.SmallIntegerField(_("points"), validators=[MinValueValidator(-100), MaxValueValidator(100)])

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("scoring rule")
        verbose_name_plural = _("scoring rules")

    @staticmethod
    def timeline_choices(changes: list[dict[str, str]]) -> dict[str, Any]:
        """A value chosen from a list (an industry, a region, a size, a source) is kept as its code.
        An event that changes only the value does not name the criterion, so the codes are read
        from all four lists, whose codes are distinct (a test keeps them so)."""
        return {"value": [choice for codes in SCORING_VALUE_CHOICES for choice in codes.choices]}

    def __str__(self) -> str:
        return self.name


class LeadImportTemplate(models.Model):
    """A named column and value mapping a user chose to keep for files of one kind.

    Owned by its user; with a team it is offered to that team's members too. Nothing is applied
    unless the user picks the template.
    """

    name = models.CharField(_("name"), max_length=60)
    owner = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+", verbose_name=_("owner"))
    team = models.ForeignKey(
        Team,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("shared with team"),
    )
    mapping = models.JSONField(_("column mapping"), default=dict, blank=True)
    value_mapping = models.JSONField(_("value mapping"), default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("lead import template")
        verbose_name_plural = _("lead import templates")
        constraints = [models.UniqueConstraint(fields=["owner", "name"], name="lead_import_template_unique_name")]

    def __str__(self) -> str:
        return self.name

    @property
    def shared(self) -> bool:
        return self.team_id is not None


class LeadImport(models.Model):
    """One uploaded CSV/XLSX file and what importing it did; undoable as a whole."""

    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by"))
    created_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    original_name = models.CharField(_("file"), max_length=255)
    stored_path = models.CharField(max_length=500)
    file_kind = models.CharField(max_length=8)
    encoding = models.CharField(_("encoding"), max_length=20, blank=True)
    headers = models.JSONField(default=list)
    mapping = models.JSONField(default=dict, blank=True)
    value_mapping = models.JSONField(default=dict, blank=True)  # field → {value in the file: code}
    template = models.ForeignKey(
        LeadImportTemplate,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("template"),
    )
    duplicate_policy = models.CharField(
        _("duplicates"), max_length=8, choices=DuplicatePolicy.choices, default=DuplicatePolicy.SKIP
    )
    source = models.CharField(_("source"), max_length=16, choices=LeadSource.choices, default=LeadSource.IMPORT)
    campaign = models.CharField(_("campaign"), max_length=100, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=ImportStatus.choices, default=ImportStatus.UPLOADED)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("processed"), default=0)
    created_count = models.PositiveIntegerField(_("created"), default=0)
    updated_count = models.PositiveIntegerField(_("updated"), default=0)
    skipped_count = models.PositiveIntegerField(_("skipped"), default=0)
    rejected_count = models.PositiveIntegerField(_("rejected"), default=0)
    rejected_path = models.CharField(max_length=500, blank=True)
    error = models.TextField(blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    undone_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("lead import")
        verbose_name_plural = _("lead imports")

    def __str__(self) -> str:
        return f"#{self.pk} {self.original_name}"

    def get_absolute_url(self) -> str:
        return reverse("leads:import_detail", args=[self.pk])

    @property
    def progress_percent(self) -> int:
        return int(self.processed_rows * 100 / self.total_rows) if self.total_rows else 0


class LeadImportUpdate(models.Model):
    """A lead an import updated, with its values before, so the import can be undone."""

    batch = models.ForeignKey(LeadImport, on_delete=models.CASCADE, related_name="updates")
    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="+")
    before = models.JSONField()


class WebForm(models.Model):
    """A public web-to-lead form for a channel or campaign, addressed by its secret key."""

    name = models.CharField(_("name"), max_length=100)
    key = models.CharField(_("key"), max_length=40, unique=True, editable=False)
    source = models.CharField(_("source"), max_length=16, choices=LeadSource.choices, default=LeadSource.WEBSITE)
    campaign = models.CharField(_("campaign"), max_length=100, blank=True)
    active = models.BooleanField(_("active"), default=True)
    thank_you = models.CharField(
        _("thank-you message"),
        max_length=300,
        blank=True,
        help_text=_("Shown after a submission; a default text is used when empty."),
    )
    consent_text = models.CharField(
        _("consent text"),
        max_length=500,
        blank=True,
        help_text=_("Shown beside the marketing consent checkbox; no checkbox when empty."),
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("web form")
        verbose_name_plural = _("web forms")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("leads:webform_public", args=[self.key])


class SavedView(models.Model):
    """A named set of lead list filters a user keeps."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="saved_lead_views")
    name = models.CharField(_("name"), max_length=60)
    query = models.CharField(max_length=1000)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="saved_view_unique_name")]

    def __str__(self) -> str:
        return self.name
