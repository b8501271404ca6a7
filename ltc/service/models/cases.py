"""Cases (服务请求/工单): created by agents, the portal, the API and e-mail; routed by rules; timed
against the entitlement's SLA in business minutes; their customer replies kept apart from internal
notes; merged, surveyed (CSAT), and a source of upsell leads."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ltc.core.models import VersionedModel
from ltc.service.models.sla import Priority


class CaseCategory(models.TextChoices):
    QUESTION = "question", _("Question")
    INCIDENT = "incident", _("Incident / fault")
    REQUEST = "request", _("Service request")
    COMPLAINT = "complaint", _("Complaint")


class CaseChannel(models.TextChoices):
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("E-mail")
    PORTAL = "portal", _("Customer portal")
    API = "api", _("API")
    WEB = "web", _("Entered by staff")


class CaseStatus(models.TextChoices):
    NEW = "new", _("New")
    IN_PROGRESS = "in_progress", _("In progress")
    WAITING = "waiting", _("Waiting on customer")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


OPEN_CASE_STATUSES = (CaseStatus.NEW, CaseStatus.IN_PROGRESS, CaseStatus.WAITING)


class SlaState(models.TextChoices):
    """Where one SLA clock (first response, resolution) stands. `met`/`missed` once it stopped."""

    NONE = "none", _("No SLA")
    RUNNING = "running", _("Running")
    WARNING = "warning", _("Due soon")
    BREACHED = "breached", _("Breached")
    MET = "met", _("Met")
    MISSED = "missed", _("Missed")


class Case(VersionedModel):
    number = models.CharField(_("number"), max_length=20, unique=True, editable=False)
    # account, owner and team: no index of their own, the composite indexes below lead with them
    # (every index is written again when the SLA sweep updates a case).
    account = models.ForeignKey(
        "customers.Account", on_delete=models.PROTECT, related_name="cases", verbose_name=_("account"), db_index=False
    )
    contact = models.ForeignKey(
        "customers.Contact",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
        verbose_name=_("contact"),
    )
    asset = models.ForeignKey(
        "service.Asset", null=True, blank=True, on_delete=models.PROTECT, related_name="cases", verbose_name=_("asset")
    )
    entitlement = models.ForeignKey(
        "service.Entitlement",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
        verbose_name=_("entitlement"),
    )
    subject = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("description"), blank=True, max_length=20000)
    category = models.CharField(
        _("category"), max_length=10, choices=CaseCategory.choices, default=CaseCategory.QUESTION
    )
    priority = models.CharField(_("priority"), max_length=2, choices=Priority.choices, default=Priority.P3)
    channel = models.CharField(_("channel"), max_length=8, choices=CaseChannel.choices, default=CaseChannel.WEB)
    status = models.CharField(_("status"), max_length=12, choices=CaseStatus.choices, default=CaseStatus.NEW)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
        verbose_name=_("owner"),
        db_index=False,
    )
    team = models.ForeignKey(
        "org.Team",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
        verbose_name=_("team"),
        db_index=False,
    )
    routing_rule = models.ForeignKey(
        "service.CaseRoutingRule", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    # SLA: due times in wall-clock time, computed from business minutes; moved later by pauses.
    first_response_due = models.DateTimeField(_("first response due"), null=True, blank=True, editable=False)
    first_response_at = models.DateTimeField(_("first responded at"), null=True, blank=True, editable=False)
    resolution_due = models.DateTimeField(_("resolution due"), null=True, blank=True, editable=False)
    # When the SLA sweep warns (the policy's "warn at" share of each target elapsed).
    response_warn_at = models.DateTimeField(null=True, blank=True, editable=False)
    resolution_warn_at = models.DateTimeField(null=True, blank=True, editable=False)
    response_sla = models.CharField(
        _("first response SLA"), max_length=8, choices=SlaState.choices, default=SlaState.NONE, editable=False
    )
    resolution_sla = models.CharField(
        _("resolution SLA"), max_length=8, choices=SlaState.choices, default=SlaState.NONE, editable=False
    )
    paused_at = models.DateTimeField(_("waiting since"), null=True, blank=True, editable=False)
    paused_minutes = models.PositiveIntegerField(_("business minutes waited"), default=0, editable=False)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True, editable=False)
    resolution = models.TextField(_("resolution"), blank=True, max_length=10000)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, editable=False)
    reopened = models.PositiveSmallIntegerField(_("times reopened"), default=0, editable=False)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True, editable=False)
    escalated_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        verbose_name=_("escalated to"),
        db_index=False,  # never searched by; an index would make every escalation a full row rewrite
    )
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_cases",
        editable=False,
        verbose_name=_("merged into"),
    )
    # The key in the subject of every mail about the case ("[CS-2026-0001]") and of its reply address.
    thread_key = models.CharField(max_length=40, unique=True, editable=False)
    csat_token = models.CharField(max_length=64, blank=True, editable=False)
    csat_score = models.PositiveSmallIntegerField(
        _("satisfaction (1–5)"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    csat_comment = models.TextField(_("satisfaction comment"), blank=True, max_length=2000)
    csat_at = models.DateTimeField(_("surveyed at"), null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    search_text = models.CharField(max_length=600, editable=False, default="")

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [
            # Agent view (mine, open, by due time), manager view (team, open), account panel, the SLA sweep.
            models.Index(fields=["owner", "status", "resolution_due"], name="svc_case_owner"),
            models.Index(fields=["team", "status", "resolution_due"], name="svc_case_team"),
            # The manager view's first page in order (a team has tens of thousands of open cases: no sort).
            models.Index(
                fields=["team", "resolution_due", "opened_at", "id"],
                condition=Q(status__in=["new", "in_progress", "waiting"]),
                name="svc_case_team_open",
            ),
            # The agent view's first page in order ("mine": open cases of one owner, by due time).
            models.Index(
                fields=["owner", "resolution_due", "opened_at", "id"],
                condition=Q(status__in=["new", "in_progress", "waiting"]),
                name="svc_case_owner_open",
            ),
            # The "all" view, newest first.
            models.Index(fields=["-opened_at", "-id"], name="svc_case_opened"),
            models.Index(fields=["account", "status"], name="svc_case_account"),
            models.Index(fields=["status", "-opened_at"], name="svc_case_status_opened"),
            # The SLA sweep: running clocks (not waiting on the customer) by their next warning.
            # No index reads the SLA states (nor the escalation the sweep writes): PostgreSQL can
            # then update a swept case in place on its page (a HOT update, the table keeps room
            # for it: fillfactor, migration 0009) instead of writing every index again.
            models.Index(
                fields=["response_warn_at"],
                condition=Q(status__in=["new", "in_progress"], first_response_at__isnull=True),
                name="svc_case_sweep_response",
            ),
            models.Index(
                fields=["resolution_warn_at"],
                condition=Q(status__in=["new", "in_progress"]),
                name="svc_case_sweep_resolution",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.subject}"

    def get_absolute_url(self) -> str:
        return reverse("service:case_detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_CASE_STATUSES


class MessageKind(models.TextChoices):
    CUSTOMER = "customer", _("From the customer")
    REPLY = "reply", _("Reply to the customer")
    NOTE = "note", _("Internal note")


class CaseMessage(models.Model):
    """One message of a case. Customer messages and replies are what the customer sees (portal,
    e-mail); internal notes never leave the company. `message_id` (RFC 5322) threads e-mail and
    makes an inbound mail delivered twice one message."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="messages")
    kind = models.CharField(_("kind"), max_length=8, choices=MessageKind.choices)
    channel = models.CharField(_("channel"), max_length=8, choices=CaseChannel.choices, default=CaseChannel.WEB)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("author"),
    )
    contact = models.ForeignKey(
        "customers.Contact",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("contact"),
    )
    from_address = models.EmailField(_("from"), blank=True)
    body = models.TextField(_("message"), max_length=50000)
    message_id = models.CharField(max_length=255, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("case message")
        verbose_name_plural = _("case messages")
        constraints = [
            models.UniqueConstraint(fields=["message_id"], condition=~Q(message_id=""), name="svc_message_id_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind}"


class SlaEventKind(models.TextChoices):
    RESPONSE_WARNING = "response_warning", _("First response due soon")
    RESPONSE_BREACH = "response_breach", _("First response breached")
    RESOLUTION_WARNING = "resolution_warning", _("Resolution due soon")
    RESOLUTION_BREACH = "resolution_breach", _("Resolution breached")


class CaseSlaEvent(models.Model):
    """A warning or a breach found by the SLA sweep, once per case, kind and due time (a due time
    moved by a pause or a priority change may warn again); `notified` whom it was sent to."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="sla_events")
    kind = models.CharField(_("kind"), max_length=20, choices=SlaEventKind.choices)
    due_at = models.DateTimeField(_("due at"))
    found_at = models.DateTimeField(_("found at"), default=timezone.now)
    notified = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("notified"),
    )

    class Meta:
        ordering = ["found_at", "id"]
        verbose_name = _("SLA event")
        verbose_name_plural = _("SLA events")
        constraints = [models.UniqueConstraint(fields=["case", "kind", "due_at"], name="svc_sla_event_once")]


class CaseRoutingRule(VersionedModel):
    """One case routing rule, tried in `order`; an empty criterion matches anything. Assigns a user,
    or a team's service members by round-robin or lowest load (the lead routing strategies)."""

    order = models.PositiveIntegerField(_("order"), default=100)
    name = models.CharField(_("name"), max_length=100)
    active = models.BooleanField(_("active"), default=True)
    category = models.CharField(_("category"), max_length=10, choices=CaseCategory.choices, blank=True)
    priority = models.CharField(_("priority"), max_length=2, choices=Priority.choices, blank=True)
    channel = models.CharField(_("channel"), max_length=8, choices=CaseChannel.choices, blank=True)
    region = models.CharField(_("region"), max_length=16, blank=True)
    product = models.ForeignKey(
        "catalog.Product", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("product")
    )
    strategy = models.CharField(_("strategy"), max_length=16, default="user")
    assign_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("user"),
    )
    assign_team = models.ForeignKey(
        "org.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("team")
    )
    last_assigned = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("case routing rule")
        verbose_name_plural = _("case routing rules")

    def __str__(self) -> str:
        return self.name


class UpsellKind(models.TextChoices):
    UPSELL = "upsell", _("Upsell (more of what they have)")
    CROSS_SELL = "cross_sell", _("Cross-sell (something else)")


class CaseUpsell(models.Model):
    """An agent's flag on a case that the customer may buy more; it became `lead`, routed to sales."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="upsells")
    kind = models.CharField(_("kind"), max_length=10, choices=UpsellKind.choices)
    note = models.TextField(_("what the customer needs"), max_length=4000)
    product = models.ForeignKey(
        "catalog.Product", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("product")
    )
    lead = models.OneToOneField("leads.Lead", on_delete=models.PROTECT, related_name="service_upsell")
    flagged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    flagged_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-flagged_at", "-id"]
        verbose_name = _("upsell flag")
        verbose_name_plural = _("upsell flags")
