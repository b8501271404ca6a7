"""Campaigns (营销活动): create and edit them, book their costs, add and remove members, and read
their figures. Managed by marketing and administrators (ltc.marketing.access); read by them and
by executives and sales managers."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Max, Q, QuerySet, Sum
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ltc.core import timeline
from ltc.core.concurrency import save_if_current
from ltc.core.forms import is_id
from ltc.core.models import TIMELINE_ENTRIES
from ltc.core.money import money_text
from ltc.customers import selectors as customer_selectors
from ltc.customers.access import account_visible_q
from ltc.customers.models import Contact
from ltc.leads import selectors as lead_selectors
from ltc.leads.access import lead_scope
from ltc.leads.models import Lead
from ltc.marketing.access import can_manage_marketing, marketing_scope
from ltc.marketing.models import (
    Campaign,
    CampaignCost,
    CampaignMember,
    MemberSource,
    MemberStatus,
    Touch,
    TouchKind,
)
from ltc.marketing.models.campaigns import MEMBER_STATUS_RANK
from ltc.marketing.services.touches import Person, TouchIn, members_advance, touches_record
from ltc.org.models import User

CAMPAIGN_FIELDS = (
    "name",
    "code",
    "kind",
    "parent",
    "owner",
    "status",
    "starts_on",
    "ends_on",
    "currency",
    "budget",
    "expected_responses",
    "expected_revenue",
    "utm_source",
    "utm_medium",
    "description",
)
MAX_MEMBERS_AT_ONCE = 5000

# Timeline changes that name no field of a campaign: their labels (read in the reader's language).
TIMELINE_ENTRIES.setdefault("campaign_cost", gettext_lazy("cost line"))
TIMELINE_ENTRIES.setdefault("campaign_members", gettext_lazy("members"))


def _require_manager(actor: Any) -> None:
    if not can_manage_marketing(actor):
        raise PermissionDenied(_("Only marketing and administrators manage campaigns."))


def _unknown(data: dict[str, Any]) -> None:
    unknown = sorted(set(data) - set(CAMPAIGN_FIELDS))
    if unknown:
        raise ValidationError({name: [_("This field cannot be set.")] for name in unknown})


def _check_parent(campaign: Campaign) -> None:
    """A parent that is the campaign itself or one of its sub-campaigns would make a cycle."""
    parent_id = campaign.parent_id
    seen: set[int] = set()
    while parent_id is not None:
        if campaign.pk is not None and parent_id == campaign.pk:
            raise ValidationError({"parent": [_("A campaign cannot be under itself or one of its sub-campaigns.")]})
        if parent_id in seen:  # an older cycle: stop rather than loop
            break
        seen.add(parent_id)
        parent_id = Campaign.objects.filter(pk=parent_id).values_list("parent_id", flat=True).first()


def _validate(campaign: Campaign) -> None:
    errors: dict[str, list[str]] = {}
    try:
        campaign.full_clean(exclude=["created_by"])
    except ValidationError as exc:
        errors = exc.message_dict
    if campaign.starts_on and campaign.ends_on and campaign.ends_on < campaign.starts_on:
        errors["ends_on"] = [_("The end date cannot be before the start date.")]
    if "ends_on" in errors:  # the same rule as the table's constraint: said once, on the field
        errors.pop("__all__", None)
    if errors:
        raise ValidationError(errors)
    _check_parent(campaign)


def campaign_create(*, actor: User, data: dict[str, Any]) -> Campaign:
    """Create a campaign (owner defaults to the actor). Refuses non-managers (403), unknown fields,
    a code already used, end before start, a negative budget and a parent cycle (422)."""
    _require_manager(actor)
    _unknown(data)
    campaign = Campaign(**{"owner": actor, **data}, created_by=actor)
    _validate(campaign)
    with transaction.atomic():
        campaign.save()
        timeline.record_created(actor=actor, subject=campaign)
    return campaign


def campaign_update(*, actor: User, campaign: Campaign, data: dict[str, Any], expected_version: int) -> Campaign:
    """Change a campaign's fields if nobody changed it since `expected_version` (StaleVersionError
    otherwise); the same checks as creating. Each changed field lands on the timeline. Refuses a
    new currency once a cost line is booked: the lines' amounts are in the campaign's currency."""
    _require_manager(actor)
    _unknown(data)
    if (
        "currency" in data
        and data["currency"] != campaign.currency
        and CampaignCost.objects.filter(campaign=campaign).exists()
    ):
        raise ValidationError(
            {"currency": [_("The currency cannot change once costs are booked in it; book costs in a new campaign.")]}
        )
    names = [f"{name}_id" if name in ("parent", "owner") else name for name in data]
    before = timeline.snapshot(campaign, data.keys())
    for name, value in data.items():
        setattr(campaign, name, value)
    _validate(campaign)
    with transaction.atomic():
        save_if_current(campaign, expected_version=expected_version, fields=names)
        timeline.record_changes(actor=actor, subject=campaign, before=before)
    return campaign


def cost_add(*, actor: User, campaign: Campaign, spent_on: date, description: str, amount: Decimal) -> CampaignCost:
    """Book a cost line in the campaign's currency. A correction is a negative line: cost lines are
    never edited or deleted (finance reads them for ROI). Refuses a zero amount."""
    _require_manager(actor)
    cost = CampaignCost(
        campaign=campaign, spent_on=spent_on, description=(description or "").strip(), amount=amount, created_by=actor
    )
    errors: dict[str, list[str]] = {}
    try:
        cost.full_clean(exclude=["campaign", "created_by"])
    except ValidationError as exc:
        errors = exc.message_dict
    if amount is not None and Decimal(amount) == 0:
        errors.setdefault("amount", []).append(_("A cost line needs an amount other than zero."))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        cost.save()
        timeline.record_field_changes(
            actor=actor,
            subject=campaign,
            changes=[
                {
                    "field": "campaign_cost",
                    "old": "",
                    "new": f"{cost.description}: {money_text(cost.amount)} {campaign.currency}",
                }
            ],
            text=_("Cost booked"),
        )
    return cost


def members_add(
    *,
    actor: User,
    campaign: Campaign,
    lead_ids: Iterable[Any] = (),
    contact_ids: Iterable[Any] = (),
    source: str = MemberSource.MANUAL,
) -> int:
    """Make leads and contacts the actor may read members (TARGETED; members already further stay
    as they are). Ids that are not numbers or name records the actor may not read are refused
    (422, field `lead_ids` / `contact_ids`) and nothing is added. Returns how many were added."""
    _require_manager(actor)
    leads = list(lead_ids)
    contacts = list(contact_ids)
    if len(leads) + len(contacts) > MAX_MEMBERS_AT_ONCE:
        raise ValidationError({"lead_ids": [_("Add at most %(n)d members at a time.") % {"n": MAX_MEMBERS_AT_ONCE}]})
    errors: dict[str, list[str]] = {}
    for name, ids, visible in (
        ("lead_ids", leads, lead_selectors.lead_list(user=actor)),
        ("contact_ids", contacts, customer_selectors.contact_list(user=actor)),
    ):
        if not all(is_id(value) for value in ids):
            errors[name] = [_("Give record ids (whole numbers).")]
            continue
        wanted = {int(value) for value in ids}
        if wanted:
            found = set(visible.filter(pk__in=wanted).values_list("pk", flat=True))
            if found != wanted:
                errors[name] = [_("No such record: %(ids)s.") % {"ids": ", ".join(map(str, sorted(wanted - found)))}]
    if errors:
        raise ValidationError(errors)
    if not leads and not contacts:
        raise ValidationError({"lead_ids": [_("Choose at least one lead or contact.")]})
    before = CampaignMember.objects.filter(campaign=campaign).count()
    people = [Person(lead_id=int(pk)) for pk in leads] + [Person(contact_id=int(pk)) for pk in contacts]
    with transaction.atomic():
        members_advance(campaign.pk, people, MemberStatus.TARGETED, source=source)
        added = CampaignMember.objects.filter(campaign=campaign).count() - before
        if added:
            timeline.record_field_changes(
                actor=actor,
                subject=campaign,
                changes=[{"field": "campaign_members", "old": str(before), "new": str(before + added)}],
                text=_("%(n)d members added") % {"n": added},
            )
    return added


def member_remove(*, actor: User, member: CampaignMember) -> None:
    """Take a member out of its campaign, only while TARGETED: a member who was reached (sent,
    opened, responded ...) is part of the campaign's history and stays."""
    _require_manager(actor)
    if member.status != MemberStatus.TARGETED:
        raise ValidationError({"status": [_("Only a targeted member can be removed; this one was already reached.")]})
    campaign = member.campaign
    with transaction.atomic():
        CampaignMember.objects.filter(pk=member.pk).delete()
        timeline.record_field_changes(
            actor=actor,
            subject=campaign,
            changes=[{"field": "campaign_members", "old": _member_label(member), "new": ""}],
            text=_("Member removed"),
        )


def _member_label(member: CampaignMember) -> str:
    person = member.lead if member.lead_id else member.contact
    return str(person)


# --- reads -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CampaignFilters:
    q: str = ""
    status: str = ""
    kind: str = ""
    owner: str = ""  # "me" or a user id


def campaign_list(*, user: Any, filters: CampaignFilters = CampaignFilters()) -> QuerySet[Campaign]:
    """The campaigns the user may read (none unless `sees_marketing`), filtered, newest first."""
    campaigns = marketing_scope(Campaign.objects.select_related("owner", "parent"), user)
    if filters.q.strip():
        term = filters.q.strip()
        campaigns = campaigns.filter(Q(name__icontains=term) | Q(code__icontains=term))
    if filters.status:
        campaigns = campaigns.filter(status=filters.status)
    if filters.kind:
        campaigns = campaigns.filter(kind=filters.kind)
    if filters.owner == "me":
        campaigns = campaigns.filter(owner=user)
    elif is_id(filters.owner):
        campaigns = campaigns.filter(owner_id=int(filters.owner))
    return campaigns


def campaign_get(*, user: Any, pk: Any) -> Campaign:
    """One campaign the user may read; 404 for anyone else or an id that is not one."""
    if not is_id(pk):
        raise Http404
    campaign = campaign_list(user=user).filter(pk=int(pk)).first()
    if campaign is None:
        raise Http404
    return campaign


def _members(*, campaign: Campaign, status: str = "") -> QuerySet[CampaignMember]:
    members = CampaignMember.objects.filter(campaign=campaign).select_related("lead", "contact", "contact__account")
    if status:
        members = members.filter(status=status)
    return members.order_by("-status_at", "-pk")


def _members_in_sight(members: QuerySet[CampaignMember], user: Any) -> QuerySet[CampaignMember]:
    """Marketing and administrators read every member; any other reader only the leads and
    contacts they may read themselves (a sales manager: their own teams')."""
    if can_manage_marketing(user):
        return members
    leads = lead_scope(Lead.objects.all(), user).values("pk")
    contacts = Contact.objects.filter(account_visible_q(user, prefix="account__")).values("pk")
    return members.filter(Q(lead_id__in=leads) | Q(contact_id__in=contacts))


def member_list(*, user: Any, campaign: Campaign, status: str = "") -> QuerySet[CampaignMember]:
    """The campaign's members the user may read by name (see `_members_in_sight`), latest first."""
    return _members_in_sight(_members(campaign=campaign, status=status), user)


def members_not_shown(*, user: Any, campaign: Campaign, status: str = "") -> int:
    """How many of the campaign's members the user may not read by name (counted, not listed)."""
    if can_manage_marketing(user):
        return 0
    members = _members(campaign=campaign, status=status).order_by()
    return members.count() - _members_in_sight(members, user).count()


def member_get(*, campaign: Campaign, pk: Any) -> CampaignMember:
    if not is_id(pk):
        raise Http404
    member = _members(campaign=campaign).filter(pk=int(pk)).first()
    if member is None:
        raise Http404
    return member


def cost_list(*, campaign: Campaign) -> QuerySet[CampaignCost]:
    return CampaignCost.objects.filter(campaign=campaign).select_related("created_by")


def _tree_ids(campaign: Campaign) -> list[int]:
    """The campaign and all its sub-campaigns (one query per level)."""
    ids = [campaign.pk]
    level = [campaign.pk]
    while level:
        level = [
            pk for pk in Campaign.objects.filter(parent_id__in=level).values_list("pk", flat=True) if pk not in ids
        ]
        ids.extend(level)
    return ids


@dataclass
class CampaignStats:
    members_by_status: dict[str, int]
    members_total: int
    touches_by_kind: dict[str, int]
    touches_total: int
    cost_total: Decimal
    budget: Decimal | None
    budget_left: Decimal | None
    other_currency_costs: bool
    children: list[dict[str, Any]] = field(default_factory=list)


def campaign_stats(*, campaign: Campaign) -> CampaignStats:
    """The campaign's figures with its sub-campaigns rolled up: members by status, touches by kind,
    costs against the budget (costs of a sub-campaign in another currency are not added: flagged).
    A fixed number of queries whatever the size of the tree's level count."""
    ids = _tree_ids(campaign)
    by_status = dict(
        CampaignMember.objects.filter(campaign_id__in=ids)
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    by_kind = dict(
        Touch.objects.filter(campaign_id__in=ids).values_list("kind").annotate(n=Count("pk")).values_list("kind", "n")
    )
    costs = dict(
        CampaignCost.objects.filter(campaign_id__in=ids)
        .values_list("campaign__currency")
        .annotate(total=Sum("amount"))
        .values_list("campaign__currency", "total")
    )
    children = list(
        Campaign.objects.filter(parent=campaign)
        .annotate(
            cost_total=Sum("costs__amount", distinct=False),
        )
        .order_by("starts_on", "pk")
    )
    member_counts = dict(
        CampaignMember.objects.filter(campaign__parent=campaign)
        .values_list("campaign_id")
        .annotate(n=Count("pk"))
        .values_list("campaign_id", "n")
    )
    cost_total = costs.get(campaign.currency) or Decimal("0.00")
    budget = campaign.budget
    return CampaignStats(
        members_by_status={status: by_status.get(status, 0) for status in MemberStatus.values},
        members_total=sum(by_status.values()),
        touches_by_kind=by_kind,
        touches_total=sum(by_kind.values()),
        cost_total=cost_total,
        budget=budget,
        budget_left=None if budget is None else budget - cost_total,
        other_currency_costs=any(cur != campaign.currency for cur in costs),
        children=[
            {
                "campaign": child,
                "cost_total": child.cost_total or Decimal("0.00"),
                "members": member_counts.get(child.pk, 0),
            }
            for child in children
        ],
    )


def campaigns_of(*, people: Q) -> list[dict[str, Any]]:
    """The campaigns of the members `people` selects (say Q(lead_id=3), or the contacts of an
    account), each once, with the furthest member status and the people's last touch: two queries."""
    members = list(CampaignMember.objects.filter(people).select_related("campaign").order_by("-status_at")[:100])
    if not members:
        return []
    last = dict(
        Touch.objects.filter(people, campaign_id__in={m.campaign_id for m in members})
        .values_list("campaign_id")
        .annotate(at=Max("occurred_at"))
        .values_list("campaign_id", "at")
    )
    grouped: dict[int, dict[str, Any]] = {}
    for m in members:
        row = grouped.get(m.campaign_id)
        if row is None or MEMBER_STATUS_RANK[m.status] > MEMBER_STATUS_RANK[row["status"]]:
            grouped[m.campaign_id] = {
                "campaign": m.campaign,
                "status": m.status,
                "status_label": m.get_status_display(),
                "last_touch": last.get(m.campaign_id),
            }
    return sorted(grouped.values(), key=lambda row: row["campaign"].starts_on or date.min, reverse=True)


# --- leads that name a campaign (LeadCreated) ------------------------------------------------


def _touch_kind(via: str) -> str:
    return {"web_form": TouchKind.FORM, "import": TouchKind.IMPORT}.get(via, TouchKind.MANUAL)


def leads_created(events: list[Any]) -> None:
    """New leads whose utm_campaign is a campaign's code (or, failing that, whose free-text campaign
    is a campaign's code or name) become its responses: one touch each, keyed
    "lead:<id>:created" (recorded once), the lead a member. Set-based: one query to find the
    campaigns whatever the number of leads (an import's chunk comes at once). A lead registered
    at a marketing event (via "event") is left to the event, which records the registration."""
    events = [e for e in events if getattr(e, "via", "") != "event"]
    codes = {e.utm_campaign.strip() for e in events if getattr(e, "utm_campaign", "").strip()}
    texts = {e.campaign.strip() for e in events if e.campaign.strip()}
    if not codes and not texts:
        return
    found = list(
        Campaign.objects.filter(Q(code__in=codes | texts) | Q(name__in=texts)).values_list("pk", "code", "name")
    )
    by_code = {code: pk for pk, code, _name in found}
    by_name = {name: pk for pk, _code, name in found}
    touches = []
    for e in events:
        utm = getattr(e, "utm_campaign", "").strip()
        text = e.campaign.strip()
        campaign_id = by_code.get(utm) if utm else None
        if campaign_id is None and text:
            campaign_id = by_code.get(text) or by_name.get(text)
        if campaign_id is not None:
            touches.append(
                TouchIn(
                    campaign_id=campaign_id,
                    kind=_touch_kind(getattr(e, "via", "")),
                    key=f"lead:{e.subject_id}:created",
                    lead_id=e.subject_id,
                )
            )
    touches_record(touches)


def lead_created(event: Any) -> None:
    leads_created([event])


def register_reactions() -> None:
    from ltc.core.events import IN_TRANSACTION, react
    from ltc.leads.events import LeadCreated

    react(LeadCreated, lead_created, runs=IN_TRANSACTION, many=leads_created)
