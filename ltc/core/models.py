"""Shared base models: versioned business records, the append-only timeline, idempotency records."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from ltc.core.money import DECIMAL_PLACES, MAX_DIGITS
from ltc.core.templatetags import numbers


class VersionedModel(models.Model):
    """A business record with optimistic concurrency: every update bumps `version`.

    Writers pass the version they read; a stale version is refused (core.concurrency).
    """

    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now, editable=False)

    class Meta:
        abstract = True


def _readable(field: Any, value: str, choices: dict[str, Any] | None = None) -> str:
    """A stored timeline value as a person reads it: choice labels, yes/no, local dates and
    date-times, amounts grouped as the money filter shows them. `choices` are the labels the
    record declares for a field without choices of its own (see TimelineEvent.display_changes)."""
    if not value:
        return value
    choices = choices or dict(getattr(field, "flatchoices", None) or [])
    if value in choices:
        return str(choices[value])
    if isinstance(field, models.BooleanField):
        return str(_("Yes") if value == "True" else _("No"))
    try:
        if isinstance(field, models.DateTimeField):
            moment = datetime.fromisoformat(value)
            return formats.date_format(
                timezone.localtime(moment) if timezone.is_aware(moment) else moment, "SHORT_DATETIME_FORMAT"
            )
        if isinstance(field, models.DateField):
            return formats.date_format(date.fromisoformat(value), "SHORT_DATE_FORMAT")
        if isinstance(field, models.DecimalField):
            number = Decimal(value)
            is_money = field.max_digits == MAX_DIGITS and field.decimal_places == DECIMAL_PLACES
            return numbers.money(number) if is_money else numbers.quantity(number)
    except (ValueError, ArithmeticError):
        return value
    return value


def _field_at(model: Any, path: str) -> Any:
    """The field a timeline change names: "amount", or "current.valid_until" across a relation."""
    *relations, name = path.split(".")
    try:
        for relation in relations:
            model = model._meta.get_field(relation).related_model
        return model._meta.get_field(name) if model is not None else None
    except (FieldDoesNotExist, AttributeError):
        return None


class TimelineKind(models.TextChoices):
    CREATED = "created", _("Created")
    CHANGED = "changed", _("Changed")
    NOTE = "note", _("Note")
    ACTIVITY = "activity", _("Activity")
    DECISION = "decision", _("Decision")
    DELETED = "deleted", _("Deleted")
    RESTORED = "restored", _("Restored")


# Changes kept on a record's timeline that name no field of the record (say, a file attached to
# it): their labels, read in the reader's language like a field's verbose name.
TIMELINE_ENTRIES: dict[str, Any] = {"attachment": _("attachment")}


class AppendOnlyError(Exception):
    """Raised when code tries to change or delete a timeline event."""


class TimelineEvent(models.Model):
    """One entry in a business record's history. Written once, never changed or deleted.

    `changes` is a list of {"field", "old", "new"}; `display_changes()` labels them in the
    reader's language.
    """

    # An append-only log, like `object_id` (a generic reference) its keys carry no database
    # constraint: bulk paths write one event per row, and on PostgreSQL every constrained key costs
    # a deferred check per row at commit. PROTECT still guards deletes made through Django.
    # content_type is indexed by the (content_type, object_id, at) index.
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, db_index=False, db_constraint=False)
    object_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("content_type", "object_id")
    kind = models.CharField(_("kind"), max_length=16, choices=TimelineKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    text = models.TextField(_("text"), blank=True)
    changes = models.JSONField(_("changes"), default=list, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id", "-at"])]
        verbose_name = _("timeline event")
        verbose_name_plural = _("timeline events")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnlyError("timeline events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("timeline events are append-only")

    def display_changes(self) -> list[dict[str, str]]:
        """The changes with field labels and choice labels in the active language.

        A model may say how its changes read: `timeline_hidden`, the names of fields the system
        keeps for itself (not shown), and `timeline_choices(changes)`, the labels of fields whose
        codes have no choices of their own (they may depend on the other changes of the event)."""
        model = ContentType.objects.get_for_id(self.content_type_id).model_class()
        declared = getattr(model, "timeline_choices", None)
        extra: dict[str, Any] = dict(declared(self.changes)) if declared else {}
        shown = []
        for change in self.changes:
            if change.get("custom"):  # a custom field (ltc.core.customfields) carries its own labels
                from ltc.core.customfields import change_display

                shown.append(change_display(change))
                continue
            field = _field_at(model, change["field"])
            owner = getattr(field, "model", None)
            if field is not None and field.name in getattr(owner, "timeline_hidden", ()):
                continue
            label = str(getattr(field, "verbose_name", None) or TIMELINE_ENTRIES.get(change["field"], change["field"]))
            choices = dict(extra.get(change["field"], ()))
            shown.append(
                {
                    "field": change["field"],
                    "label": label,
                    "old": _readable(field, change["old"], choices),
                    "new": _readable(field, change["new"], choices),
                }
            )
        return shown


class IdempotencyRecord(models.Model):
    """The first answer to a POST carrying an Idempotency-Key, replayed on retries."""

    key = models.CharField(max_length=255)
    principal = models.CharField(max_length=64, help_text="user id the key belongs to")
    request_fingerprint = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True)
    content_type = models.CharField(max_length=100, blank=True)
    body = models.BinaryField(blank=True, default=b"")
    headers = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["principal", "key"], name="idempotency_unique_key")]


class ActivityKind(models.TextChoices):
    CALL = "call", _("Call")
    VISIT = "visit", _("Visit")
    MEETING = "meeting", _("Meeting")
    EMAIL = "email", _("Email")
    TASK = "task", _("Task")


class ActivityQuerySet(models.QuerySet["Activity"]):
    def open(self) -> ActivityQuerySet:
        return self.filter(done_at__isnull=True)


class Activity(models.Model):
    """A follow-up on any business record: a call, visit, meeting, email or task.

    Planned when `due_at` is set and `done_at` is empty; done when `done_at` is set.
    """

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("content_type", "object_id")
    kind = models.CharField(_("type"), max_length=16, choices=ActivityKind.choices)
    title = models.CharField(_("title"), max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="activities", verbose_name=_("owner")
    )
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    remind_at = models.DateTimeField(_("remind at"), null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True, editable=False)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    outcome = models.TextField(_("outcome"), blank=True, max_length=5000)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    objects = ActivityQuerySet.as_manager()

    class Meta:
        ordering = ["done_at", "due_at", "-id"]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        indexes = [
            models.Index(fields=["content_type", "object_id"], name="activity_subject"),
            models.Index(fields=["owner", "done_at", "due_at"], name="activity_owner_due"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.title}"

    @property
    def is_done(self) -> bool:
        return self.done_at is not None

    def is_overdue(self, now: Any = None) -> bool:
        return self.done_at is None and self.due_at is not None and self.due_at < (now or timezone.now())


class CalendarFeed(models.Model):
    """A user's private calendar feed (ICS). Only the SHA-256 digest of its secret is stored; the
    address is shown once. Revoked feeds are kept (an auditor may ask who had one, and when)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feeds", verbose_name=_("user")
    )
    prefix = models.CharField(_("prefix"), max_length=12)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.prefix}…"


class NumberSequence(models.Model):
    """The last number issued in a series (quotes, contracts, invoices), per year.

    Numbers are taken under a row lock in the caller's transaction, so they are gapless:
    a rolled-back transaction gives its number back (core.numbering)."""

    series = models.CharField(max_length=32)
    year = models.PositiveSmallIntegerField()
    last_value = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["series", "year"], name="sequence_unique_series_year")]

    def __str__(self) -> str:
        return f"{self.series}-{self.year}: {self.last_value}"


class YearDigits(models.IntegerChoices):
    """How much of the year a document number shows."""

    FOUR = 4, "2026"
    TWO = 2, "26"
    NONE = 0, _("No year")


class NumberFormat(VersionedModel):
    """How the numbers of one series read (core.numbering): prefix, year part, separator, width.
    A series without a row reads as it always has (Q2026-000042); a change applies to numbers
    taken afterwards."""

    series = models.CharField(_("series"), max_length=32, unique=True)
    prefix = models.CharField(_("prefix"), max_length=6)
    year_digits = models.PositiveSmallIntegerField(_("year"), choices=YearDigits.choices, default=YearDigits.FOUR)
    separator = models.CharField(_("separator"), max_length=1, blank=True, default="-")
    width = models.PositiveSmallIntegerField(_("digits"), default=6)

    class Meta:
        ordering = ["series"]
        verbose_name = _("number format")
        verbose_name_plural = _("number formats")

    def __str__(self) -> str:
        return self.series


class IntegrationEvent(models.Model):
    """An event for integrations (an ERP, a data team): written in the transaction of the change
    it reports, read in id order from /api/v1/events (an outbox: nothing is lost or invented)."""

    kind = models.CharField(_("event"), max_length=60)
    schema_version = models.PositiveSmallIntegerField(
        default=1, help_text="The version of the event's payload schema (see the event catalogue)."
    )
    subject_type = models.CharField(max_length=60)
    subject_id = models.PositiveBigIntegerField()
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["id"]
        verbose_name = _("integration event")
        verbose_name_plural = _("integration events")

    def __str__(self) -> str:
        return f"{self.kind} {self.subject_type}#{self.subject_id}"


class ReactionDelivery(models.Model):
    """An after-commit reaction still to run (or run) for one event: written with the event, run by
    the worker, kept with its attempts and last error when it fails (see `ltc.core.events`)."""

    event = models.ForeignKey(IntegrationEvent, on_delete=models.CASCADE, related_name="deliveries")
    reaction = models.CharField(max_length=200, help_text="module.function of the reaction")
    created_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["event", "reaction"], name="reaction_delivery_once")]
        indexes = [
            models.Index(fields=["id"], name="reaction_delivery_pending", condition=models.Q(done_at__isnull=True)),
        ]

    def __str__(self) -> str:
        return f"{self.reaction} ← {self.event_id}"


class JobLease(models.Model):
    """Who runs a background job now: held while the job runs and renewed as it makes progress.
    A lease left behind by a worker that died is taken back and its job queued again; the job
    resumes from what it committed (see `ltc.core.jobs`)."""

    key = models.CharField(max_length=100, unique=True)
    task_path = models.CharField(max_length=200)
    args = models.JSONField(default=list, blank=True)
    holder = models.CharField(max_length=200, help_text="host:pid:nonce of the worker")
    started_at = models.DateTimeField(default=timezone.now)
    heartbeat_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.key} ({self.holder})"


class OutgoingMail(models.Model):
    """An e-mail to send, written in the transaction of the fact it reports (an outbox): the sender
    delivers each once and keeps failures for a retry. The Message-ID is fixed when the mail is
    queued, so the rare resend after a worker died mid-send is recognisable as the same mail. The
    body is dropped once sent: it may hold a private link (a customer's quote)."""

    to = models.JSONField(default=list)
    subject = models.CharField(max_length=300)
    body = models.TextField()
    message_id = models.CharField(max_length=200, unique=True)
    # Extra headers of the mail (core.mail.EXTRA_HEADERS only: Reply-To, threading).
    headers = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True, help_text="when a sender took it")
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["id"], name="outgoing_mail_unsent", condition=models.Q(sent_at__isnull=True)),
        ]

    def __str__(self) -> str:
        return f"{self.subject} → {', '.join(self.to)}"


class NotificationKind(models.TextChoices):
    """What a notification tells; its text is rendered in the reader's language from kind + params."""

    ASSIGNMENT = "assignment", _("Assigned to you")
    MENTION = "mention", _("Mentioned in a note")
    MENTION_UNSEEN = "mention_unseen", _("Mention not delivered")
    DECISION_ROUTED = "decision_routed", _("Decision routed to you")
    DECISION_MADE = "decision_made", _("Your request decided")
    ACTIVITY_DUE = "activity_due", _("Activity due")
    INVOICE_DUE = "invoice_due", _("Invoice falling due")
    INVOICE_OVERDUE = "invoice_overdue", _("Invoice overdue")
    SERVICE_LEVEL = "service_level", _("Service level due or breached")


class NotificationChannel(models.TextChoices):
    IN_APP = "in_app", _("In the app")
    EMAIL = "email", _("E-mail")
    WEBHOOK = "webhook", _("Group robot")


class Notification(models.Model):
    """Something a user should know about a record. Kept language-neutral (kind + params) and
    rendered in the reader's language when shown; read once read_at is set."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=30, choices=NotificationKind.choices)
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, null=True, blank=True)
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    subject = GenericForeignKey("content_type", "object_id")
    subject_label = models.CharField(max_length=300, blank=True, help_text="the record's name when notified")
    params = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_recent"),
            models.Index(fields=["recipient"], name="notification_unread", condition=models.Q(read_at__isnull=True)),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient_id}"


class NotificationPreference(models.Model):
    """A user's channels for one kind of notification; without a row the defaults apply."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=30, choices=NotificationKind.choices)
    in_app = models.BooleanField(default=True)
    email = models.BooleanField(default=False)
    webhook = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="notification_preference_once")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}"


class NoticeSent(models.Model):
    """A notice a daily job sent once: its key names the record and the step (e.g. the week an
    invoice is overdue), so a job run again, or by two workers at once, sends it no more."""

    key = models.CharField(max_length=150, unique=True)
    sent_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.key


class RobotType(models.TextChoices):
    WECOM = "wecom", _("WeCom group robot")
    DINGTALK = "dingtalk", _("DingTalk group robot")
    FEISHU = "feishu", _("Feishu group robot")


class NotificationWebhook(models.Model):
    """A user's group robot (企业微信 / 钉钉 / 飞书) that receives their notifications."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    url = models.URLField(max_length=500, blank=True)
    robot = models.CharField(max_length=20, choices=RobotType.choices, default=RobotType.WECOM)

    def __str__(self) -> str:
        return f"{self.robot} {self.url}"


class OutgoingWebhook(models.Model):
    """A robot message to post, written in the transaction that notified (an outbox like
    OutgoingMail): the worker posts it, keeping a failure for a retry."""

    url = models.URLField(max_length=500)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["id"], name="outgoing_webhook_unsent", condition=models.Q(sent_at__isnull=True)),
        ]

    def __str__(self) -> str:
        return self.url


class SavedView(models.Model):
    """A named set of filters (and the columns shown) a user keeps for one list; at most one of a
    user's views per list is the default, applied when the list is opened without parameters."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views")
    list_key = models.CharField(_("list"), max_length=40)
    name = models.CharField(_("name"), max_length=60)
    query = models.CharField(_("filters"), max_length=1000, blank=True)
    columns = models.JSONField(_("columns"), default=list, blank=True)
    is_default = models.BooleanField(_("default view"), default=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["list_key", "name"]
        constraints = [
            models.UniqueConstraint(fields=["user", "list_key", "name"], name="core_saved_view_unique_name"),
            models.UniqueConstraint(
                fields=["user", "list_key"], condition=models.Q(is_default=True), name="core_saved_view_one_default"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ListPreference(models.Model):
    """The columns a user chose for one list (order fixed by the list's declaration)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="list_preferences")
    list_key = models.CharField(_("list"), max_length=40)
    columns = models.JSONField(_("columns"), default=list)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "list_key"], name="core_list_preference_unique")]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.list_key}"


class SearchDocument(models.Model):
    """One searchable record in the global search index (core.search): its normalized text and the
    pinyin of its Chinese (full syllables and initials). Derived data, rebuilt by `ltc search_rebuild`;
    the title shown to a user is read again from the record through the kind's access scope."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    kind = models.CharField(max_length=32)
    title = models.CharField(max_length=300)
    text = models.TextField()
    pinyin = models.TextField(blank=True)
    initials = models.CharField(max_length=300, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["content_type", "object_id"], name="search_document_once"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.object_id}"


# --- attachments (#18) ---


class AttachmentRecordType(models.TextChoices):
    """The records files may be attached to (each stage registers its model in ltc.core.attachments)."""

    ACCOUNT = "account", _("Account")
    CONTACT = "contact", _("Contact")
    LEAD = "lead", _("Lead")
    OPPORTUNITY = "opportunity", _("Deal")
    QUOTE = "quote", _("Quote")
    CONTRACT = "contract", _("Contract")
    INVOICE = "invoice", _("Invoice")
    PAYMENT = "payment", _("Payment")


def attachment_path(instance: Attachment, filename: str) -> str:
    """Where the bytes are stored: a random name under the month, never the uploader's file name."""
    suffix = PurePath(filename).suffix.lower()[:10]
    return f"attachments/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


class AttachmentQuerySet(models.QuerySet["Attachment"]):
    def current(self) -> AttachmentQuerySet:
        """Attachments not removed."""
        return self.filter(removed_at__isnull=True)

    def of(self, record: models.Model) -> AttachmentQuerySet:
        return self.filter(content_type=ContentType.objects.get_for_model(record), object_id=record.pk)


class Attachment(models.Model):
    """A file attached to a business record (account, contact, lead, deal, quote, contract,
    invoice, payment). Its type was recognised by its content when it was uploaded; the bytes live
    in the default storage (local disk or S3-compatible object storage) and are served only through
    access-checked views. A removed attachment keeps its row and its bytes (removed_at/removed_by):
    nothing an auditor needs is deleted."""

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    record = GenericForeignKey("content_type", "object_id")
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=300)
    original_name = models.CharField(_("file name"), max_length=255)
    media_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    removed_at = models.DateTimeField(_("removed at"), null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("removed by"),
    )

    objects = AttachmentQuerySet.as_manager()

    class Meta:
        ordering = ["-uploaded_at", "-pk"]
        indexes = [models.Index(fields=["content_type", "object_id", "uploaded_at"], name="core_attach_record_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(removed_at__isnull=True, removed_by__isnull=True)
                | models.Q(removed_at__isnull=False, removed_by__isnull=False),
                name="core_attachment_removed_by_when",
            )
        ]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.title

    @property
    def is_image(self) -> bool:
        return self.media_type.startswith("image/")

    @property
    def previewable(self) -> bool:
        """Images and PDFs are shown inline; every other type is only downloaded."""
        return self.is_image or self.media_type == "application/pdf"


# --- custom fields (#18) ---


class CustomRecordType(models.TextChoices):
    """The records an administrator may give custom fields (ltc.core.customfields registers their models)."""

    ACCOUNT = "account", _("Account")
    CONTACT = "contact", _("Contact")
    LEAD = "lead", _("Lead")
    DEAL = "deal", _("Deal")


class CustomFieldType(models.TextChoices):
    TEXT = "text", _("Text")
    NUMBER = "number", _("Numeric")
    MONEY = "money", _("Amount")
    DATE = "date", _("Date")
    CHOICE = "choice", _("Choice")
    USER = "user", _("User")
    CHECKBOX = "checkbox", _("Checkbox")


class CustomField(VersionedModel):
    """A field an administrator adds to one record type (ltc.core.customfields). Its code and type
    never change; once it holds values it is deactivated, never deleted. `choices` lists
    {"code", "label_zh", "label_en"} for a choice field."""

    record_type = models.CharField(_("record type"), max_length=16, choices=CustomRecordType.choices)
    code = models.SlugField(_("code"), max_length=40)
    label_zh = models.CharField(_("label (Chinese)"), max_length=100)
    label_en = models.CharField(_("label (English)"), max_length=100)
    field_type = models.CharField(_("type"), max_length=16, choices=CustomFieldType.choices)
    choices = models.JSONField(_("choices"), default=list, blank=True)
    required = models.BooleanField(_("required"), default=False)
    order = models.PositiveIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["record_type", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["record_type", "code"], name="core_custom_field_unique_code"),
        ]
        verbose_name = _("custom field")
        verbose_name_plural = _("custom fields")

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The label in the active language (the other one when it is empty)."""
        from django.utils.translation import get_language

        chinese = (get_language() or "").startswith("zh")
        return (self.label_zh if chinese else self.label_en) or self.label_en or self.label_zh

    def choice_labels(self) -> dict[str, str]:
        """{code: label} of a choice field's options, in the active language."""
        from django.utils.translation import get_language

        chinese = (get_language() or "").startswith("zh")
        return {
            c["code"]: (c.get("label_zh") if chinese else c.get("label_en")) or c.get("label_en") or c["code"]
            for c in self.choices or []
        }


class CustomValue(models.Model):
    """One record's value of one custom field, in the column its type uses: text (text and choice
    codes), number (number and money), date, flag (checkbox) or user."""

    field = models.ForeignKey(CustomField, on_delete=models.PROTECT, related_name="values")
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    text = models.CharField(max_length=1000, blank=True)
    number = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    date = models.DateField(null=True, blank=True)
    flag = models.BooleanField(null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["field", "content_type", "object_id"], name="core_custom_value_once"),
        ]
        indexes = [
            models.Index(fields=["content_type", "object_id"], name="core_cv_record"),
            models.Index(fields=["field", "text"], name="core_cv_text"),
            models.Index(fields=["field", "number"], name="core_cv_number"),
            models.Index(fields=["field", "date"], name="core_cv_date"),
            models.Index(fields=["field", "flag"], name="core_cv_flag"),
        ]

    def __str__(self) -> str:
        return f"{self.field_id}:{self.object_id}"


# --- recycle bin (#18) ---


class RecycledRecordQuerySet(models.QuerySet["RecycledRecord"]):
    def in_bin(self) -> RecycledRecordQuerySet:
        """Deleted records that may still be restored (neither restored nor purged)."""
        return self.filter(restored_at__isnull=True, purged_at__isnull=True)


class RecycledRecord(models.Model):
    """A record without financial meaning that was deleted into the recycle bin (core.recycle):
    its rows and those it owned (activities, ...) as serialised by Django, restorable with the same
    primary keys until it is purged. Kept after restore or purge as the trace of the deletion."""

    kind = models.CharField(_("kind"), max_length=32)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    label = models.CharField(_("record"), max_length=300)
    snapshot = models.JSONField(default=list, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("deleted by")
    )
    deleted_at = models.DateTimeField(_("deleted at"), default=timezone.now)
    restored_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("restored by"),
    )
    restored_at = models.DateTimeField(_("restored at"), null=True, blank=True)
    purged_at = models.DateTimeField(_("purged at"), null=True, blank=True)

    objects = RecycledRecordQuerySet.as_manager()

    class Meta:
        ordering = ["-deleted_at", "-id"]
        verbose_name = _("deleted record")
        verbose_name_plural = _("deleted records")
        indexes = [
            models.Index(fields=["deleted_by", "-deleted_at", "-id"], name="recycled_by_deleter"),
            models.Index(
                fields=["deleted_at"],
                condition=models.Q(restored_at__isnull=True, purged_at__isnull=True),
                name="recycled_in_bin",
            ),
            models.Index(fields=["content_type", "object_id"], name="recycled_subject"),
        ]

    def __str__(self) -> str:
        return self.label
