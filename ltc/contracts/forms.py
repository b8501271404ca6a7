"""Contract forms: the draft, the steps of the process (signature, hand-over, close), the
delivery plan, orders and deliveries, risks, and the change request's proposal."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ltc.contracts.choices import (
    ChangeOrigin,
    ContractStatus,
    DeliveryKind,
    Level,
    RiskKind,
    Verdict,
)
from ltc.core.forms import StyledFormMixin
from ltc.org.models import User
from ltc.quotes.choices import TermTrigger


def _date(label: Any, required: bool = True) -> forms.DateField:
    return forms.DateField(
        label=label, required=required, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )


def _text(label: Any, rows: int = 2, required: bool = False, max_length: int = 2000) -> forms.CharField:
    return forms.CharField(
        label=label, required=required, max_length=max_length, widget=forms.Textarea(attrs={"rows": rows})
    )


class ContractFilterForm(StyledFormMixin, forms.Form):
    q = forms.CharField(required=False, widget=forms.TextInput(attrs={"placeholder": _("Number, subject or customer")}))
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *ContractStatus.choices]
    )
    view = forms.ChoiceField(
        label=_("View"), required=False, choices=[("", _("All I can see")), ("mine", _("Mine (AR or FR)"))]
    )
    sort = forms.ChoiceField(
        label=_("Sort"),
        required=False,
        choices=[
            ("-created", _("Newest")),
            ("created", _("Oldest")),
            ("-total", _("Largest")),
            ("number", _("Number")),
        ],
    )


class ContractDraftForm(StyledFormMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    title = forms.CharField(label=_("Subject"), max_length=200)
    sr = forms.ModelChoiceField(label=_("SR"), queryset=User.objects.none(), required=False)
    fr = forms.ModelChoiceField(label=_("FR"), queryset=User.objects.none(), required=False)
    sponsor = forms.ModelChoiceField(label=_("Sponsor"), queryset=User.objects.none(), required=False)
    start_date = _date(_("Start date"))
    end_date = _date(_("End date"))
    warranty_months = forms.IntegerField(label=_("Warranty (months)"), min_value=0, max_value=120)
    delivery_terms = _text(_("Delivery terms"))
    penalty_clause = _text(_("Penalties"))
    ip_clause = _text(_("Intellectual property"))
    other_terms = _text(_("Other terms"), rows=3, max_length=4000)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        people = User.objects.filter(is_active=True).order_by("display_name", "username")
        for name in ("sr", "fr", "sponsor"):
            self.fields[name].queryset = people  # type: ignore[attr-defined]


class MilestoneForm(StyledFormMixin, forms.Form):
    name = forms.CharField(label=_("Milestone"), max_length=100)
    planned_date = _date(_("Planned date"))
    deliverables = _text(_("Deliverables"))
    acceptance_criteria = _text(_("Acceptance criteria"))
    term = forms.TypedChoiceField(label=_("Triggers payment"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, terms: list[Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["term"].choices = [("", "—"), *((t.position, f"{t.label} {t.percent:g}%") for t in terms or [])]  # type: ignore[attr-defined]


class SignForm(StyledFormMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    signed_on = _date(_("Signed on"))
    customer_signatory = forms.CharField(label=_("Customer's signatory"), max_length=100)
    our_signatory = forms.CharField(label=_("Our signatory"), max_length=100)
    signed_copy = forms.FileField(label=_("Signed copy (PDF or image)"), required=False)


class HandoverForm(StyledFormMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    meeting_on = _date(_("Hand-over meeting"))
    ar_present = forms.BooleanField(label=_("AR present"), required=False)
    sr_present = forms.BooleanField(label=_("SR present"), required=False)
    scope_confirmed = forms.BooleanField(label=_("Scope confirmed"), required=False)
    deliverables_confirmed = forms.BooleanField(label=_("Deliverables confirmed"), required=False)
    minutes = _text(_("Minutes"), rows=3, max_length=5000)
    open_questions = _text(_("Open questions (one per line: each becomes a task)"), rows=3, max_length=5000)


class CloseForm(StyledFormMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    satisfaction = forms.TypedChoiceField(
        label=_("Customer satisfaction"),
        coerce=int,
        choices=[("", "—"), *((i, f"{i} / 5") for i in range(5, 0, -1))],
        required=False,
    )
    lessons = _text(_("Lessons learned"), rows=3, max_length=5000)


class OrderForm(StyledFormMixin, forms.Form):
    title = forms.CharField(label=_("Batch"), max_length=200, required=False)
    milestone = forms.TypedChoiceField(label=_("For milestone"), required=False, coerce=int, empty_value=None)
    planned_date = _date(_("Planned date"), required=False)

    def __init__(self, *args: Any, milestones: list[Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["milestone"].choices = [("", "—"), *((m.pk, m.name) for m in milestones or [])]  # type: ignore[attr-defined]


class DeliveryForm(StyledFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=DeliveryKind.choices)
    delivered_on = _date(_("Delivered on"))
    cost = forms.DecimalField(label=_("Actual cost"), required=False, min_value=0, decimal_places=2, max_digits=16)
    note = _text(_("Note"))


class AcceptanceForm(StyledFormMixin, forms.Form):
    accepted_on = _date(_("Accepted on"))
    accepted_by_name = forms.CharField(label=_("Accepted by (customer)"), max_length=100)
    acceptance_document = forms.FileField(label=_("Acceptance document (PDF or image)"), required=False)
    note = _text(_("Note"))


class RiskForm(StyledFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=RiskKind.choices)
    title = forms.CharField(label=_("Risk or dispute"), max_length=200)
    probability = forms.ChoiceField(label=_("Probability"), choices=Level.choices, initial=Level.MEDIUM)
    impact = forms.ChoiceField(label=_("Impact"), choices=Level.choices, initial=Level.MEDIUM)
    mitigation = _text(_("Mitigation"))


class ChangeForm(StyledFormMixin, forms.Form):
    origin = forms.ChoiceField(label=_("Requested by"), choices=ChangeOrigin.choices)
    title = forms.CharField(label=_("Change"), max_length=200)
    reason = _text(_("Why"), rows=3, required=True, max_length=4000)
    end_date = _date(_("End date"), required=False)
    delivery_terms = _text(_("Delivery terms"))


class AssessForm(StyledFormMixin, forms.Form):
    verdict = forms.ChoiceField(label=_("Verdict"), choices=Verdict.choices)
    comment = _text(_("Comment"))
    cost_impact = forms.DecimalField(label=_("Cost impact"), required=False, decimal_places=2, max_digits=16)
    schedule_days = forms.IntegerField(label=_("Schedule impact (days)"), required=False)


TERM_TRIGGERS = TermTrigger.choices


def _term_row(term: Any, positions: dict[int, int]) -> dict[str, str]:
    return {
        "label": term.label,
        "percent": f"{term.percent.normalize():f}",
        "trigger": term.trigger,
        "days": str(term.days),
        "due_date": term.due_date.isoformat() if term.due_date else "",
        "milestone": str(positions.get(term.milestone_id, "")),
    }


def proposal_from_post(post: Any, lines: list[Any], milestones: list[Any], terms: list[Any]) -> dict[str, Any]:
    """The change form's rows as a proposal: only what differs from the current version."""
    proposal: dict[str, Any] = {}
    changed_lines = []
    for line in lines:
        prefix = f"line-{line.key}-"
        if post.get(prefix + "remove"):
            changed_lines.append({"key": line.key, "remove": True})
            continue
        item: dict[str, Any] = {"key": line.key}
        for name, current in (
            ("quantity", line.quantity),
            ("unit_price", line.unit_price),
            ("discount_pct", line.discount_pct),
        ):
            raw = (post.get(prefix + name) or "").strip()
            if raw and raw != f"{current}" and raw != f"{current.normalize():f}":
                item[name] = raw
        if len(item) > 1:
            changed_lines.append(item)
    if (post.get("new-product") or "").strip():
        changed_lines.append(
            {
                "product_id": post.get("new-product"),
                "quantity": post.get("new-quantity") or "1",
                "unit_price": post.get("new-unit_price") or "",
            }
        )
    if changed_lines:
        proposal["lines"] = changed_lines
    moved = []
    for milestone in milestones:
        raw = (post.get(f"milestone-{milestone.pk}-planned_date") or "").strip()
        if raw and raw != milestone.planned_date.isoformat():
            moved.append({"id": milestone.pk, "planned_date": raw})
    if (post.get("new-milestone-name") or "").strip():
        moved.append({"name": post.get("new-milestone-name"), "planned_date": post.get("new-milestone-date") or ""})
    if moved:
        proposal["milestones"] = moved
    positions = {m.pk: m.position for m in milestones}
    current = [_term_row(term, positions) for term in terms]
    posted = [
        {name: str(post.get(f"term-{term.position}-{name}", row[name])).strip() for name in row}
        for term, row in zip(terms, current, strict=True)
    ]
    if posted != current:
        proposal["terms"] = posted
    return proposal
