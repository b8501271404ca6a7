"""Payment-term templates: named sets of milestones configured in the process centre by
administrators, and applying one to a quote's draft version.

A template's milestones add up to 100% and fall due on signing, delivery, acceptance or after the
warranty (a fixed date belongs to one quote, not to a template). Every change is on the template's
timeline with a field diff (its milestones read as one field). Applying a template replaces the
draft version's milestones and computes their amounts from the version's total as editing the
terms does; a version that is not a draft is refused, and no template change ever touches a quote.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from ltc.core import timeline
from ltc.core.concurrency import save_if_current
from ltc.org.choices import RoleCode
from ltc.org.models import User
from ltc.quotes import pricing
from ltc.quotes.choices import TermTrigger
from ltc.quotes.models import PaymentTerm, PaymentTermTemplate, PaymentTermTemplateLine, Quote, QuoteVersion
from ltc.quotes.services.editing import (
    MAX_TERMS,
    _decimal,
    current_of,
    mirror_current,
    require_draft,
    require_write,
)

HUNDRED = Decimal(100)
TEMPLATE_FIELDS = ("name", "active", "lines")
TEMPLATE_TRIGGERS = [code for code in TermTrigger.values if code != TermTrigger.DATE]


def can_manage_templates(user: Any) -> bool:
    return bool(user.is_authenticated and user.is_active and user.has_role(RoleCode.ADMIN))


def require_manage_templates(actor: User) -> None:
    if not can_manage_templates(actor):
        raise PermissionDenied(_("Only administrators configure payment-term templates."))


def template_lines_of(template: PaymentTermTemplate) -> list[dict[str, Any]]:
    """The template's milestones as the terms input of a quote version."""
    return [
        {"label": line.label, "percent": line.percent, "trigger": line.trigger, "days": line.days}
        for line in template.lines.all()
    ]


def _summary(lines: list[dict[str, Any]]) -> str:
    return "; ".join(f"{line['label']} {line['percent']}% {line['trigger']} +{line['days']}" for line in lines)


def _whole_days(value: Any) -> int | None:
    """0 to 3650 as a JSON number or the text a form posts (ASCII digits only: "²" is a digit to
    str.isdigit() but not to int()); None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 4:
        value = int(value)
    return value if isinstance(value, int) and 0 <= value <= 3650 else None


def _read_lines(raw: Any, errors: dict[str, list[str]]) -> list[dict[str, Any]]:
    """Milestones as the API and the form send them; the same rules as a quote's terms, without
    a fixed date."""
    if not isinstance(raw, list) or not raw:
        errors["lines"] = [_("Give at least one payment milestone.")]
        return []
    if len(raw) > MAX_TERMS:
        errors["lines"] = [_("At most %(n)d payment milestones.") % {"n": MAX_TERMS}]
        return []
    lines = []
    total = Decimal(0)
    for index, item in enumerate(raw):
        place = f"lines.{index}"
        item = item if isinstance(item, dict) else {}
        label = str(item.get("label") or "").strip()
        percent = _decimal(item.get("percent"))
        trigger = item.get("trigger")
        days = item.get("days", 0) or 0
        if not label or len(label) > 100:
            errors[f"{place}.label"] = [_("Name the milestone (at most 100 characters).")]
        if percent is None or not 0 < percent <= HUNDRED or percent.as_tuple().exponent < -2:  # type: ignore[operator]
            errors[f"{place}.percent"] = [_("Enter a share above 0 and at most 100%.")]
            percent = None
        if trigger not in TEMPLATE_TRIGGERS:
            errors[f"{place}.trigger"] = [_("Choose when the milestone falls due.")]
        days = _whole_days(days)
        if days is None:
            errors[f"{place}.days"] = [_("Enter 0 to 3650 days.")]
            days = 0
        total += percent or Decimal(0)
        lines.append({"label": label, "percent": percent, "trigger": trigger, "days": int(days)})
    if not any(key.startswith("lines.") for key in errors) and total != HUNDRED:
        errors["lines"] = [_("The payment milestones add up to %(total)s%%, not 100%%.") % {"total": total}]
    return lines


def _read(data: dict[str, Any], template: PaymentTermTemplate, errors: dict[str, list[str]]) -> list[dict[str, Any]]:
    for name in sorted(set(data) - set(TEMPLATE_FIELDS)):
        errors[name] = [_("Unknown field.")]
    if "name" in data:
        name = str(data["name"] or "").strip()
        if not name or len(name) > 100:
            errors["name"] = [_("Enter 1 to %(n)d characters.") % {"n": 100}]
        elif PaymentTermTemplate.objects.filter(name=name).exclude(pk=template.pk).exists():
            errors["name"] = [_("Another template has this name.")]
        template.name = name
    if "active" in data:
        if not isinstance(data["active"], bool):
            errors["active"] = [_("Enter true or false.")]
        else:
            template.active = data["active"]
    return _read_lines(data["lines"], errors) if "lines" in data else []


def _store_lines(template: PaymentTermTemplate, lines: list[dict[str, Any]]) -> None:
    template.lines.all().delete()
    PaymentTermTemplateLine.objects.bulk_create(
        PaymentTermTemplateLine(template=template, position=index + 1, **line) for index, line in enumerate(lines)
    )


def _name_taken() -> ValidationError:
    return ValidationError({"name": [_("Another template has this name.")]})


def term_template_create(*, actor: User, data: dict[str, Any]) -> PaymentTermTemplate:
    """A new template (administrators) with a name and milestones adding up to 100%."""
    require_manage_templates(actor)
    template = PaymentTermTemplate()
    errors: dict[str, list[str]] = {}
    data = {"active": True, **data}
    for required in ("name", "lines"):
        if required not in data:
            errors[required] = [_("This field is required.")]
    lines = _read(data, template, errors)
    if errors:
        raise ValidationError(errors)
    template.summary = _summary(lines)
    try:
        with transaction.atomic():
            template.save()
            _store_lines(template, lines)
            timeline.record_created(actor=actor, subject=template)
    except IntegrityError as exc:  # the same name saved concurrently
        raise _name_taken() from exc
    return template


def term_template_update(
    *, actor: User, template: PaymentTermTemplate, data: dict[str, Any], expected_version: int
) -> PaymentTermTemplate:
    """Change a template's name, milestones or whether it is offered (administrators; a stale
    `expected_version` is refused). Quotes already filled from it keep their terms."""
    require_manage_templates(actor)
    before = timeline.snapshot(template, ("name", "active", "summary"))
    errors: dict[str, list[str]] = {}
    lines = _read(data, template, errors)
    if errors:
        raise ValidationError(errors)
    if "lines" in data:
        template.summary = _summary(lines)
    try:
        with transaction.atomic():
            save_if_current(template, expected_version=expected_version, fields=["name", "active", "summary"])
            if "lines" in data:
                _store_lines(template, lines)
            timeline.record_changes(actor=actor, subject=template, before=before)
    except IntegrityError as exc:
        raise _name_taken() from exc
    return template


def term_template_deactivate(
    *, actor: User, template: PaymentTermTemplate, expected_version: int
) -> PaymentTermTemplate:
    """Stop offering a template (it is kept, with its history; it can be activated again)."""
    return term_template_update(
        actor=actor, template=template, data={"active": False}, expected_version=expected_version
    )


def quote_apply_term_template(
    *, actor: User, quote: Quote, template: PaymentTermTemplate, expected_version: int
) -> QuoteVersion:
    """Replace the current draft version's payment milestones with the template's, their amounts
    split from the version's total. Refused for a version that is not a draft, an inactive
    template, a writer outside the deal's team, or a stale `expected_version` (the quote's)."""
    require_write(actor, quote.opportunity)
    version = current_of(quote)
    require_draft(version)
    if not template.active:
        raise ValidationError({"template_id": [_("This template is no longer offered.")]})
    lines = template_lines_of(template)
    before = _summary(
        [{"label": t.label, "percent": t.percent, "trigger": t.trigger, "days": t.days} for t in version.terms.all()]
    )
    amounts = pricing.split_by_percent(version.grand_total, [line["percent"] for line in lines])
    with transaction.atomic():
        save_if_current(quote, expected_version=expected_version, fields=mirror_current(quote, version))
        version.terms.all().delete()
        PaymentTerm.objects.bulk_create(
            PaymentTerm(version=version, position=index + 1, amount=amount, **line)
            for index, (line, amount) in enumerate(zip(lines, amounts, strict=True))
        )
        timeline.note_add(
            actor=actor,
            subject=quote,
            text=_("Version %(n)d: payment terms from the template %(template)s (before: %(before)s).")
            % {"n": version.number, "template": template.name, "before": before or "—"},
        )
    return version
