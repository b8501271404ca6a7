"""The process map (L1 流程大类 … L6 步骤), what implements each of its steps, and the step log from
which each step is measured."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import translation
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from ltc.core.models import VersionedModel
from ltc.org.choices import RoleCode

LEVELS = range(1, 7)


class ProcessLevel(models.IntegerChoices):
    L1 = 1, _("L1 process category")
    L2 = 2, _("L2 process group")
    L3 = 3, _("L3 process")
    L4 = 4, _("L4 activity")
    L5 = 5, _("L5 task")
    L6 = 6, _("L6 step")


class ProcessNode(VersionedModel):
    """One node of the process architecture. L1–L3 are shipped as data (ltc/process/data/); a
    company extends them down to L6. Shipped nodes may be renamed and given owners, never removed."""

    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name=_("parent")
    )
    level = models.PositiveSmallIntegerField(
        _("level"), choices=ProcessLevel.choices, validators=[MinValueValidator(1), MaxValueValidator(6)]
    )
    code = models.CharField(_("code"), max_length=40, unique=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    description_zh = models.TextField(_("description (Chinese)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    purpose_zh = models.TextField(_("purpose (Chinese)"), blank=True)
    purpose_en = models.TextField(_("purpose (English)"), blank=True)
    inputs_zh = models.TextField(_("inputs (Chinese)"), blank=True)
    inputs_en = models.TextField(_("inputs (English)"), blank=True)
    outputs_zh = models.TextField(_("outputs (Chinese)"), blank=True)
    outputs_en = models.TextField(_("outputs (English)"), blank=True)
    owner_role = models.ForeignKey(
        "org.Role", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("owner role")
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("process owner"),
    )
    services = models.TextField(
        _("services"), blank=True, help_text=_("The services that perform this step, one per line.")
    )
    shipped = models.BooleanField(_("shipped"), default=False, editable=False)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["level", "order", "code"]
        verbose_name = _("process node")
        verbose_name_plural = _("process nodes")

    @staticmethod
    def timeline_choices(changes: list[dict[str, str]]) -> dict[str, Any]:
        """The timeline keeps the owner role as the role read in its writer's language: read in
        the reader's (a role's code reads so too)."""
        labels: dict[str, Any] = {}
        for code, label in RoleCode.choices:
            labels[code] = label
            for language, _name in settings.LANGUAGES:
                with translation.override(language):
                    labels[str(label)] = label
        return {"owner_role": labels}

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def name(self) -> str:
        return self.name_zh if (get_language() or "").startswith("zh") else self.name_en

    def _in_language(self, field: str) -> str:
        """The reader's language of a bilingual text, or the other language when that one is empty."""
        zh: str = getattr(self, f"{field}_zh")
        en: str = getattr(self, f"{field}_en")
        return (zh if (get_language() or "").startswith("zh") else en) or zh or en

    @property
    def description(self) -> str:
        return self._in_language("description")

    @property
    def purpose(self) -> str:
        return self._in_language("purpose")

    @property
    def inputs(self) -> str:
        return self._in_language("inputs")

    @property
    def outputs(self) -> str:
        return self._in_language("outputs")


class BindingKind(models.TextChoices):
    """What a binding ties to a node. The first five say where a record stands (a record in that
    state or stage is in the node's step); the others name what implements the step."""

    LEAD_STATUS = "lead_status", _("Lead status")
    STAGE = "stage", _("Pipeline stage")
    QUOTE_STATUS = "quote_status", _("Quote status")
    CONTRACT_STATUS = "contract_status", _("Contract status")
    INVOICE_STATUS = "invoice_status", _("Invoice status")
    REQUIREMENT = "requirement", _("Gate item")
    REVIEW = "review", _("Decision review")
    AUTHORITY = "authority", _("Authority subject")
    ROUTING = "routing", _("Routing rule")


POSITION_KINDS = (
    BindingKind.LEAD_STATUS,
    BindingKind.STAGE,
    BindingKind.QUOTE_STATUS,
    BindingKind.CONTRACT_STATUS,
    BindingKind.INVOICE_STATUS,
)


class ProcessBinding(models.Model):
    """Ties a node to what implements it: a status or a pipeline stage (a record there stands in
    this step), a gate item, a review type, an authority subject, a routing rule. `key` is the
    status or subject code, or the id of the stage, gate item or rule."""

    node = models.ForeignKey(ProcessNode, on_delete=models.CASCADE, related_name="bindings", verbose_name=_("node"))
    kind = models.CharField(_("kind"), max_length=16, choices=BindingKind.choices)
    key = models.CharField(pgettext_lazy("process binding", "key"), max_length=40)

    class Meta:
        ordering = ["node", "kind", "key"]
        constraints = [models.UniqueConstraint(fields=["kind", "key"], name="process_binding_unique_key")]
        verbose_name = _("process binding")
        verbose_name_plural = _("process bindings")

    def __str__(self) -> str:
        return f"{self.node.code}: {self.kind} {self.key}"


class StepVisit(models.Model):
    """A record's stay in one step of the map: entered when it reached a state bound to the node,
    left when it moved on. Written by the process centre's reactions to the stages' events; the
    step figures (in flight, flow, time in step, conversion) are read from here. `next_node` is the
    step the record entered when it left this one (None: still here, or it left for no step), so
    conversion is counted from the exits alone, without looking up each exit's successor."""

    node = models.ForeignKey(ProcessNode, on_delete=models.PROTECT, related_name="+", db_constraint=False)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+", db_constraint=False)
    object_id = models.PositiveBigIntegerField()
    entered_at = models.DateTimeField()
    left_at = models.DateTimeField(null=True, blank=True)
    seconds = models.PositiveBigIntegerField(null=True, blank=True)  # left_at - entered_at, for percentiles
    next_node = models.ForeignKey(
        ProcessNode,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )

    class Meta:
        ordering = ["entered_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id"], condition=Q(left_at__isnull=True), name="step_visit_one_open"
            )
        ]
        indexes = [
            models.Index(fields=["node", "entered_at"], name="step_visit_entered"),
            # The figures read only these indexes (index-only scans of the window's rows): the exits
            # carry their time in step and next step; the open visits have an index of their own.
            models.Index(fields=["node", "left_at"], include=["seconds", "next_node"], name="step_visit_left"),
            models.Index(fields=["node", "entered_at"], condition=Q(left_at__isnull=True), name="step_visit_open"),
            models.Index(fields=["content_type", "object_id", "entered_at"], name="step_visit_record"),
        ]
        verbose_name = _("step visit")
        verbose_name_plural = _("step visits")


class EvaluationStep(models.Model):
    """A contract evaluation naming a step of the map that went well or badly (1 poor … 5 very
    good), with a remark: what the step figures read as "evaluated". One per evaluation and step;
    rated again, the score and remark are replaced (the contract's timeline keeps each change)."""

    evaluation = models.ForeignKey(
        "contracts.Evaluation", on_delete=models.PROTECT, related_name="+", verbose_name=_("evaluation")
    )
    node = models.ForeignKey(ProcessNode, on_delete=models.PROTECT, related_name="+", verbose_name=_("step"))
    score = models.PositiveSmallIntegerField(_("score"), validators=[MinValueValidator(1), MaxValueValidator(5)])
    remark = models.CharField(_("remark"), max_length=500, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by"))
    at = models.DateTimeField(_("at"))

    class Meta:
        ordering = ["evaluation", "node__level", "node__order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "node"], name="evaluation_step_once"),
            models.CheckConstraint(condition=Q(score__gte=1, score__lte=5), name="evaluation_step_score_range"),
        ]
        indexes = [models.Index(fields=["node", "score"], name="evaluation_step_node")]
        verbose_name = _("evaluated step")
        verbose_name_plural = _("evaluated steps")

    def __str__(self) -> str:
        return f"{self.node.code} {self.score}/5"
