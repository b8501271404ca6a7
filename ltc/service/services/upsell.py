"""Upsell and cross-sell from service (追加销售和交叉销售): an agent working a case flags that the
customer may buy more; it becomes a lead from customer service, routed to sales like a web lead,
linked to the case both ways (CaseUpsell), and counted in the service KPIs down to the won amount.

The lead is made through the leads app's own service (`lead_create`, source "service"), so its
rules apply: validation, scoring, the routing rules (an unmatched lead joins the pool)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ltc.catalog.models import Product
from ltc.core import timeline
from ltc.core.events import emit
from ltc.leads.choices import LeadSource
from ltc.leads.services import lead_create
from ltc.service.access import account_records_q, can_work_service, service_scope
from ltc.service.events import CaseUpsellFlagged
from ltc.service.models import Case, CaseUpsell, UpsellKind

NOTE_MAX = 4000
REPEAT_WINDOW = timedelta(minutes=1)


def _lead_data(case: Case, kind: str, note: str, product: Product | None) -> dict[str, Any]:
    account = case.account
    contact = case.contact
    origin = _("%(kind)s flagged on service case %(number)s") % {
        "kind": UpsellKind(kind).label,
        "number": case.number,
    }
    if product is not None:
        origin += " · " + _("Product: %(product)s") % {"product": product.name}
    data: dict[str, Any] = {
        "source": LeadSource.SERVICE,
        "company_name": account.name,
        "credit_code": account.credit_code or "",
        "region": account.region,
        "industry": account.industry,
        "need": note,
        "notes": origin,
    }
    if contact is not None:
        data.update(contact_name=contact.name, contact_title=contact.title, mobile=contact.mobile, email=contact.email)
    return data


def case_upsell_flag(*, actor: Any, case: Case, kind: str, note: str, product: Product | None = None) -> CaseUpsell:
    """Flag an upsell or cross-sell on a case: a routed lead from customer service (company from
    the account, the case contact's name, mobile and e-mail, the note as the need), the link, a
    timeline entry on the case and `CaseUpsellFlagged`. Service staff and administrators only
    (403); refuses an unknown kind, an empty or over-long note, an inactive product and a case
    merged into another (field errors). The same kind and note flagged again on the case within
    REPEAT_WINDOW (a double submit) returns the existing flag: no second lead."""
    if not can_work_service(actor):
        raise PermissionDenied(_("Only service staff may flag upsell opportunities."))
    note = (note or "").strip()
    errors: dict[str, list[str]] = {}
    if kind not in UpsellKind.values:
        errors["kind"] = [_("Choose upsell or cross-sell.")]
    if not note:
        errors["note"] = [_("Say what the customer needs.")]
    elif len(note) > NOTE_MAX:
        errors["note"] = [_("At most %(n)d characters.") % {"n": NOTE_MAX}]
    if product is not None and not product.active:
        errors["product"] = [_("Choose an active product.")]
    if case.merged_into_id is not None:
        errors["case"] = [_("This case was merged into another: flag the upsell there.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        # A double submit (the same flag on the same case within a minute) returns the first flag:
        # the case row is locked so two concurrent submits cannot both make a lead.
        Case.objects.select_for_update().filter(pk=case.pk).values_list("pk", flat=True).first()
        repeated = CaseUpsell.objects.filter(
            case=case, kind=kind, note=note, flagged_at__gte=timezone.now() - REPEAT_WINDOW
        ).first()
        if repeated is not None:
            return repeated
        lead = lead_create(actor=actor, data=_lead_data(case, kind, note, product), via="service")
        upsell = CaseUpsell.objects.create(
            case=case, kind=kind, note=note, product=product, lead=lead, flagged_by=actor
        )
        timeline.record_field_changes(
            actor=actor,
            subject=case,
            changes=[],
            text=_("%(kind)s flagged: lead %(lead)s sent to sales.") % {"kind": UpsellKind(kind).label, "lead": lead},
        )
        emit(
            CaseUpsellFlagged(
                subject_id=upsell.pk, case_id=case.pk, lead_id=lead.pk, upsell_kind=kind, flagged_by_id=actor.pk
            )
        )
    return upsell


def upsells_of_case(user: Any, case: Case) -> QuerySet[CaseUpsell]:
    """The flags of a case the viewer may read (through the case's account)."""
    return service_scope(CaseUpsell.objects.filter(case=case), user, account_path="case__account").select_related(
        "lead", "product", "flagged_by"
    )


def upsell_of_lead(user: Any, lead_id: int) -> CaseUpsell | None:
    """The flag a lead came from, with `case_visible`: whether the viewer may open its case."""
    visible = Case.objects.filter(pk=OuterRef("case_id")).filter(account_records_q(user))
    return (
        CaseUpsell.objects.filter(lead_id=lead_id)
        .select_related("case", "flagged_by")
        .annotate(case_visible=Exists(visible))
        .first()
    )
