"""Nurture journeys (培育旅程): who enters (a segment or an event), the ordered steps each member
walks through (e-mail, wait, branch, campaign, task, score, hand to sales), when they leave (exit
criteria), and where each member stands with the history of what was done to them."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ltc.core.models import VersionedModel


class JourneyStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("journey", "Draft")
    ACTIVE = "active", pgettext_lazy("journey", "Active")
    PAUSED = "paused", pgettext_lazy("journey", "Paused")
    ARCHIVED = "archived", pgettext_lazy("journey", "Archived")


class JourneyEntry(models.TextChoices):
    """How people enter a journey."""

    SEGMENT = "segment", _("Members of a segment")
    LEAD_CREATED = "lead_created", _("A lead is created")
    TOUCH = "touch", _("A response to the campaign")


class StepKind(models.TextChoices):
    EMAIL = "email", _("Send an e-mail")
    WAIT = "wait", _("Wait")
    BRANCH = "branch", _("Branch")
    ADD_TO_CAMPAIGN = "add_to_campaign", _("Add to a campaign")
    TASK = "task", _("Create a task for the owner")
    SCORE = "score", _("Record engagement")
    HAND_TO_SALES = "hand_to_sales", _("Hand to sales")


class BranchOn(models.TextChoices):
    OPENED = "opened", _("Opened the previous e-mail")
    CLICKED = "clicked", _("Clicked in the previous e-mail")
    SCORE = "score", _("Score at least")
    FIELD = "field", _("A field equals a value")


class BranchField(models.TextChoices):
    """The lead fields a branch may compare (an allow-list: nothing else is read)."""

    INDUSTRY = "industry", _("Industry")
    REGION = "region", _("Region")
    COMPANY_SIZE = "company_size", _("Company size")
    SOURCE = "source", _("Source")
    TEMPERATURE = "temperature", _("Temperature")
    STATUS = "status", _("Status")


class MemberState(models.TextChoices):
    ACTIVE = "active", pgettext_lazy("journey", "Active")
    WAITING = "waiting", pgettext_lazy("journey", "Waiting")
    FINISHED = "finished", pgettext_lazy("journey", "Finished")
    EXITED = "exited", pgettext_lazy("journey", "Exited")


RUNNING_STATES = (MemberState.ACTIVE, MemberState.WAITING)


class LogAction(models.TextChoices):
    ENTERED = "entered", _("Entered")
    EMAIL_QUEUED = "email_queued", _("E-mail queued")
    EMAIL_SKIPPED = "email_skipped", _("E-mail skipped")
    WAITING = "waiting", pgettext_lazy("journey", "Waiting")
    BRANCH_YES = "branch_yes", _("Branch: yes")
    BRANCH_NO = "branch_no", _("Branch: no")
    ADDED_TO_CAMPAIGN = "added_to_campaign", _("Added to a campaign")
    TASK_CREATED = "task_created", _("Task created")
    ENGAGEMENT = "engagement", _("Engagement recorded")
    HANDED_TO_SALES = "handed_to_sales", _("Handed to sales")
    FAILED = "failed", _("Step failed")
    FINISHED = "finished", pgettext_lazy("journey", "Finished")
    EXITED = "exited", pgettext_lazy("journey", "Exited")


class Journey(VersionedModel):
    """A nurture journey of a campaign. Steps are edited while it is a draft or paused (each edit
    bumps `version`); an active journey enrols and advances members; an archived one is kept with
    its members' history."""

    name = models.CharField(_("name"), max_length=200)
    campaign = models.ForeignKey(
        "marketing.Campaign", on_delete=models.PROTECT, related_name="journeys", verbose_name=_("campaign")
    )
    status = models.CharField(_("status"), max_length=16, choices=JourneyStatus.choices, default=JourneyStatus.DRAFT)
    entry = models.CharField(_("entry"), max_length=16, choices=JourneyEntry.choices, default=JourneyEntry.SEGMENT)
    segment = models.ForeignKey(
        "marketing.Segment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="journeys",
        verbose_name=_("segment"),
    )
    entry_lead_source = models.CharField(_("lead source"), max_length=16, blank=True)
    entry_lead_campaign = models.CharField(_("lead campaign code"), max_length=100, blank=True)
    entry_touch_kind = models.CharField(_("response kind"), max_length=16, blank=True)
    exit_on_qualified = models.BooleanField(_("exit when qualified"), default=True)
    exit_on_converted = models.BooleanField(_("exit when converted"), default=True)
    exit_on_disqualified = models.BooleanField(_("exit when disqualified"), default=True)
    exit_on_unsubscribed = models.BooleanField(_("exit when unsubscribed"), default=True)
    exit_score = models.PositiveSmallIntegerField(
        _("exit at score"), null=True, blank=True, validators=[MaxValueValidator(100)]
    )
    description = models.TextField(_("description"), blank=True, max_length=5000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    activated_at = models.DateTimeField(_("activated at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("journey")
        verbose_name_plural = _("journeys")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "entry"], name="mkt_journey_status")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("marketing:journey_detail", args=[self.pk])

    def editable(self) -> bool:
        return self.status in (JourneyStatus.DRAFT, JourneyStatus.PAUSED)


class JourneyStep(models.Model):
    """One step of a journey at `position` (1, 2, ...). A branch goes to `yes_goto` or `no_goto`
    (positions; blank: the next step); every other step goes on to the next one."""

    journey = models.ForeignKey(Journey, on_delete=models.CASCADE, related_name="steps", verbose_name=_("journey"))
    position = models.PositiveSmallIntegerField(_("position"), validators=[MinValueValidator(1)])
    kind = models.CharField(_("kind"), max_length=16, choices=StepKind.choices)
    template = models.ForeignKey(
        "marketing.EmailTemplate",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("e-mail template"),
    )
    wait_hours = models.PositiveIntegerField(
        _("wait (hours)"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(24 * 365)]
    )
    branch_on = models.CharField(_("branch on"), max_length=16, choices=BranchOn.choices, blank=True)
    branch_score = models.PositiveSmallIntegerField(
        _("score at least"), null=True, blank=True, validators=[MaxValueValidator(100)]
    )
    branch_field = models.CharField(_("field"), max_length=16, choices=BranchField.choices, blank=True)
    branch_value = models.CharField(_("value"), max_length=100, blank=True)
    yes_goto = models.PositiveSmallIntegerField(_("if yes, go to step"), null=True, blank=True)
    no_goto = models.PositiveSmallIntegerField(_("if no, go to step"), null=True, blank=True)
    target_campaign = models.ForeignKey(
        "marketing.Campaign",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("campaign to add to"),
    )
    task_title = models.CharField(_("task"), max_length=200, blank=True)
    task_due_days = models.PositiveSmallIntegerField(
        _("due in (days)"), null=True, blank=True, validators=[MaxValueValidator(365)]
    )

    class Meta:
        verbose_name = _("journey step")
        verbose_name_plural = _("journey steps")
        ordering = ["journey", "position"]
        constraints = [
            models.UniqueConstraint(fields=["journey", "position"], name="mkt_journey_step_position"),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.get_kind_display()}"


class JourneyMember(models.Model):
    """A lead or a contact (exactly one) on a journey: at step `position`, `status`, due at
    `next_run_at`. `runs` counts the steps executed: with the position it makes each execution's
    key, so a run restarted after a crash never does a step twice."""

    journey = models.ForeignKey(Journey, on_delete=models.CASCADE, related_name="members", verbose_name=_("journey"))
    lead = models.ForeignKey(
        "leads.Lead", null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("lead")
    )
    contact = models.ForeignKey(
        "customers.Contact",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("contact"),
    )
    position = models.PositiveSmallIntegerField(_("step"), default=1)
    status = models.CharField(_("status"), max_length=16, choices=MemberState.choices, default=MemberState.ACTIVE)
    next_run_at = models.DateTimeField(_("next run"), null=True, blank=True)
    entered_at = models.DateTimeField(_("entered at"), default=timezone.now, editable=False)
    left_at = models.DateTimeField(_("left at"), null=True, blank=True)
    exit_reason = models.CharField(_("exit reason"), max_length=32, blank=True)
    runs = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("journey member")
        verbose_name_plural = _("journey members")
        ordering = ["journey", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(lead__isnull=False) & Q(contact__isnull=True))
                | (Q(lead__isnull=True) & Q(contact__isnull=False)),
                name="mkt_jmember_lead_xor_contact",
            ),
            models.UniqueConstraint(
                fields=["journey", "lead"], condition=Q(lead__isnull=False), name="mkt_jmember_lead_once"
            ),
            models.UniqueConstraint(
                fields=["journey", "contact"], condition=Q(contact__isnull=False), name="mkt_jmember_contact_once"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "next_run_at"], name="mkt_jmember_due"),
            models.Index(fields=["journey", "status", "position"], name="mkt_jmember_position"),
        ]

    def __str__(self) -> str:
        return f"{self.journey_id}:{self.lead_id or self.contact_id}@{self.position}"


class JourneyMemberLog(models.Model):
    """What a journey did to a member: the step, the action, its result and when. `key` (member,
    step, attempt) is unique: the same execution is recorded — and done — once."""

    member = models.ForeignKey(JourneyMember, on_delete=models.CASCADE, related_name="logs", verbose_name=_("member"))
    position = models.PositiveSmallIntegerField(_("step"), null=True, blank=True)
    action = models.CharField(_("action"), max_length=32, choices=LogAction.choices)
    result = models.CharField(_("result"), max_length=300, blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now)
    key = models.CharField(max_length=80, unique=True, editable=False)

    class Meta:
        verbose_name = _("journey history")
        verbose_name_plural = _("journey history")
        ordering = ["member", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.member_id}:{self.action}"
