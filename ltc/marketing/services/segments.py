"""Segments (细分人群): the rule language of dynamic segments, compiled to one SQL query; static
lists filled from a selection or a CSV file; counts, member samples and the recipients mailings
and journeys send to.

Rules: {"match": "all" | "any", "conditions": [{"field": ..., "op": ..., "value": ...}, ...]}.
Every condition compiles to a column test or an EXISTS over an indexed relation, so a count is
one `SELECT COUNT(*)` the database answers from the target table's rows and those indexes.
"""

from __future__ import annotations

import csv
import io
import operator
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from functools import reduce
from typing import Any, NamedTuple

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ltc.core import normalize, timeline
from ltc.core.concurrency import save_if_current
from ltc.core.forms import is_id
from ltc.core.models import Activity
from ltc.customers.access import account_visible_q
from ltc.customers.choices import AccountStatus, CompanySize
from ltc.customers.models import Account, Contact
from ltc.leads.access import lead_scope
from ltc.leads.choices import LeadStatus
from ltc.leads.models import Lead
from ltc.marketing.access import can_manage_marketing, sees_marketing
from ltc.marketing.models import Campaign, CampaignMember, Consent, ConsentChannel, ConsentState, MemberStatus
from ltc.marketing.models.campaigns import MEMBER_STATUS_RANK
from ltc.marketing.models.segments import Segment, SegmentEntry, SegmentKind, SegmentTarget
from ltc.opportunities.choices import OpportunityStatus
from ltc.opportunities.models import Opportunity, Stage
from ltc.org.choices import Industry, Region
from ltc.org.models import User

MAX_CONDITIONS = 20
MAX_VALUES = 200
MAX_IMPORT_ROWS = 50_000
MAX_IDS = 10_000
ALL_TARGETS = frozenset(SegmentTarget.values)
PEOPLE = frozenset({SegmentTarget.LEADS, SegmentTarget.CONTACTS})
COMPANIES = frozenset({SegmentTarget.CONTACTS, SegmentTarget.ACCOUNTS})


class MatchMode(models.TextChoices):
    ALL = "all", gettext_lazy("All conditions")
    ANY = "any", gettext_lazy("Any condition")


class RuleField(models.TextChoices):
    INDUSTRY = "industry", gettext_lazy("Industry")
    REGION = "region", gettext_lazy("Region")
    COMPANY_SIZE = "company_size", gettext_lazy("Company size")
    SCORE = "score", gettext_lazy("Score")
    STATUS = "status", gettext_lazy("Status")
    DEAL_STATUS = "deal_status", gettext_lazy("Deals of the account")
    DEAL_STAGE = "deal_stage", gettext_lazy("Open deal in stage")
    OWNER = "owner", gettext_lazy("Owner")
    LAST_ACTIVITY = "last_activity", gettext_lazy("Last activity")
    CAMPAIGN = "campaign", gettext_lazy("Campaign response")
    EMAIL_CONSENT = "email_consent", gettext_lazy("E-mail consent granted")


class RuleOp(models.TextChoices):
    IN = "in", gettext_lazy("is one of")
    NOT_IN = "not_in", gettext_lazy("is none of")
    GTE = "gte", gettext_lazy("at least")
    LTE = "lte", gettext_lazy("at most")
    WITHIN_DAYS = "within_days", gettext_lazy("within the last days")
    NOT_WITHIN_DAYS = "not_within_days", gettext_lazy("none within the last days")
    AT_LEAST = "at_least", gettext_lazy("reached at least")
    IS = "is", gettext_lazy("is")


@dataclass(frozen=True)
class FieldSpec:
    targets: frozenset[str]
    ops: tuple[str, ...]
    kind: str  # choices | ids | int | days | campaign | bool
    choices: Callable[[str], list[str]] | None = None
    model: Any = None
    bounds: tuple[int, int] = (0, 0)


def _status_choices(target: str) -> list[str]:
    return list(LeadStatus.values if target == SegmentTarget.LEADS else AccountStatus.values)


SPECS: dict[str, FieldSpec] = {
    RuleField.INDUSTRY: FieldSpec(ALL_TARGETS, ("in", "not_in"), "choices", lambda t: list(Industry.values)),
    RuleField.REGION: FieldSpec(ALL_TARGETS, ("in", "not_in"), "choices", lambda t: list(Region.values)),
    RuleField.COMPANY_SIZE: FieldSpec(ALL_TARGETS, ("in", "not_in"), "choices", lambda t: list(CompanySize.values)),
    RuleField.SCORE: FieldSpec(frozenset({SegmentTarget.LEADS}), ("gte", "lte"), "int", bounds=(0, 100)),
    RuleField.STATUS: FieldSpec(ALL_TARGETS, ("in", "not_in"), "choices", _status_choices),
    RuleField.DEAL_STATUS: FieldSpec(COMPANIES, ("in", "not_in"), "choices", lambda t: list(OpportunityStatus.values)),
    RuleField.DEAL_STAGE: FieldSpec(COMPANIES, ("in", "not_in"), "ids", model=Stage),
    RuleField.OWNER: FieldSpec(ALL_TARGETS, ("in", "not_in"), "ids", model=User),
    RuleField.LAST_ACTIVITY: FieldSpec(ALL_TARGETS, ("within_days", "not_within_days"), "int", bounds=(1, 3650)),
    RuleField.CAMPAIGN: FieldSpec(ALL_TARGETS, ("at_least",), "campaign"),
    RuleField.EMAIL_CONSENT: FieldSpec(PEOPLE, ("is",), "bool"),
}

# The target's own column for the fields every target has (contacts read their account's).
COLUMNS: dict[str, dict[str, str]] = {
    SegmentTarget.LEADS: {"industry": "industry", "region": "region", "company_size": "company_size",
                          "status": "status", "owner": "owner_id", "score": "score"},
    SegmentTarget.CONTACTS: {"industry": "account__industry", "region": "account__region",
                             "company_size": "account__size", "status": "account__status",
                             "owner": "account__owner_id"},
    SegmentTarget.ACCOUNTS: {"industry": "industry", "region": "region", "company_size": "size",
                             "status": "status", "owner": "owner_id"},
}  # fmt: skip


ENTRY_COLUMNS: dict[str, str] = {"leads": "lead_id", "contacts": "contact_id"}


def base_queryset(target: str) -> QuerySet[Any]:
    """Every record a segment of `target` may hold: merged records are left out."""
    if target == SegmentTarget.LEADS:
        return Lead.objects.filter(merged_into__isnull=True)
    if target == SegmentTarget.CONTACTS:
        return Contact.objects.filter(merged_into__isnull=True)
    return Account.objects.filter(merged_into__isnull=True)


# --- validation ------------------------------------------------------------------------------


def segment_rules_clean(target: str, rules: Any, *, prefix: str = "rules") -> dict[str, Any]:
    """The rules, checked against `target` and normalised (values as stored, ids as ints). Raises
    ValidationError with one message per wrong part, named like "rules.conditions.0.value"."""
    errors: dict[str, list[str]] = {}
    if target not in SegmentTarget.values:
        raise ValidationError({"target": [_("Choose contacts, leads or accounts.")]})
    if rules in (None, ""):
        rules = {}
    if not isinstance(rules, dict):
        raise ValidationError({prefix: [_("Rules are an object with `match` and `conditions`.")]})
    match = rules.get("match", MatchMode.ALL) or MatchMode.ALL
    if match not in MatchMode.values:
        errors[f"{prefix}.match"] = [_("Choose all or any.")]
    conditions = rules.get("conditions", [])
    if not isinstance(conditions, list):
        raise ValidationError({f"{prefix}.conditions": [_("Conditions are a list.")]})
    if len(conditions) > MAX_CONDITIONS:
        raise ValidationError({f"{prefix}.conditions": [_("At most %(n)d conditions.") % {"n": MAX_CONDITIONS}]})
    cleaned = []
    for i, condition in enumerate(conditions):
        name = f"{prefix}.conditions.{i}"
        try:
            cleaned.append(_condition_clean(target, condition, name))
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                errors.setdefault(key, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    return {"match": match, "conditions": cleaned}


def _condition_clean(target: str, condition: Any, name: str) -> dict[str, Any]:
    if not isinstance(condition, dict):
        raise ValidationError({name: [_("A condition is an object with field, op and value.")]})
    spec = SPECS.get(str(condition.get("field")))
    if spec is None:
        raise ValidationError({f"{name}.field": [_("Unknown field.")]})
    if target not in spec.targets:
        raise ValidationError({f"{name}.field": [_("This condition does not apply to %(target)s.") % {
            "target": SegmentTarget(target).label}]})  # fmt: skip
    op = condition.get("op")
    if op not in spec.ops:
        raise ValidationError({f"{name}.op": [_("Choose one of: %(ops)s.") % {"ops": ", ".join(spec.ops)}]})
    value = condition.get("value")
    where = f"{name}.value"
    return {"field": condition["field"], "op": op, "value": _value_clean(target, spec, value, where)}


def _value_clean(target: str, spec: FieldSpec, value: Any, where: str) -> Any:
    if spec.kind == "choices":
        allowed = spec.choices(target) if spec.choices else []
        values = value if isinstance(value, list) else None
        if not values or len(values) > MAX_VALUES or any(v not in allowed for v in values):
            raise ValidationError({where: [_("Choose one or more of: %(values)s.") % {"values": ", ".join(allowed)}]})
        return sorted(set(values))
    if spec.kind == "ids":
        values = value if isinstance(value, list) else None
        if not values or len(values) > MAX_VALUES or not all(is_id(v) and not isinstance(v, bool) for v in values):
            raise ValidationError({where: [_("Give a list of ids.")]})
        ids = sorted({int(v) for v in values})
        if spec.model.objects.filter(pk__in=ids).count() != len(ids):
            raise ValidationError({where: [_("Some of these ids name nothing.")]})
        return ids
    if spec.kind == "int":
        low, high = spec.bounds
        if isinstance(value, bool) or not is_id(value) or not low <= int(value) <= high:
            raise ValidationError({where: [_("A whole number from %(low)d to %(high)d.") % {"low": low, "high": high}]})
        return int(value)
    if spec.kind == "bool":
        if not isinstance(value, bool):
            raise ValidationError({where: [_("true or false.")]})
        return value
    # campaign: {"campaign_id": id, "status": member status}
    if not isinstance(value, dict):
        raise ValidationError({where: [_("Give a campaign_id and a member status.")]})
    campaign_id: Any = value.get("campaign_id")
    status = value.get("status")
    if isinstance(campaign_id, bool) or not is_id(campaign_id) or not Campaign.objects.filter(pk=campaign_id).exists():
        raise ValidationError({f"{where}.campaign_id": [_("No such campaign.")]})
    if status not in MemberStatus.values:
        raise ValidationError({f"{where}.status": [_("Choose a member status.")]})
    return {"campaign_id": int(campaign_id), "status": status}


# --- compiling -------------------------------------------------------------------------------


def _compile_condition(target: str, condition: dict[str, Any]) -> Q:
    name, op, value = condition["field"], condition["op"], condition["value"]
    columns = COLUMNS[target]
    negate = op in ("not_in", "not_within_days") or (op == "is" and value is False)
    if name in columns and op in ("in", "not_in"):
        q = Q(**{f"{columns[name]}__in": value})
        # "none of" keeps the records with no value at all: they are none of the values.
        return ~q if negate else q
    if name == RuleField.SCORE:
        return Q(**{f"score__{op}": value})
    if name in (RuleField.DEAL_STATUS, RuleField.DEAL_STAGE):
        account = "account_id" if target == SegmentTarget.CONTACTS else "pk"
        deals = Opportunity.objects.filter(account_id=OuterRef(account))
        if name == RuleField.DEAL_STATUS:
            deals = deals.filter(status__in=value)
        else:
            deals = deals.filter(status=OpportunityStatus.OPEN, stage_id__in=value)
        return ~Q(Exists(deals)) if negate else Q(Exists(deals))
    if name == RuleField.LAST_ACTIVITY:
        models_by_target: dict[str, type[models.Model]] = {"leads": Lead, "contacts": Contact, "accounts": Account}
        model = models_by_target[target]
        done = Activity.objects.filter(
            content_type=ContentType.objects.get_for_model(model),
            object_id=OuterRef("pk"),
            done_at__gte=timezone.now() - timedelta(days=value),
        )
        return ~Q(Exists(done)) if negate else Q(Exists(done))
    if name == RuleField.CAMPAIGN:
        rank = MEMBER_STATUS_RANK[value["status"]]
        statuses = [s for s, r in MEMBER_STATUS_RANK.items() if r >= rank]
        members = CampaignMember.objects.filter(campaign_id=value["campaign_id"], status__in=statuses)
        if target == SegmentTarget.LEADS:
            members = members.filter(lead_id=OuterRef("pk"))
        elif target == SegmentTarget.CONTACTS:
            members = members.filter(contact_id=OuterRef("pk"))
        else:
            members = members.filter(contact__account_id=OuterRef("pk"))
        return Q(Exists(members))
    # email consent: the current e-mail consent of the record's address is granted. A record
    # without an address matches no consent row (address <> ''), so "granted" is one semi-join
    # and "not granted" one anti-join, never a per-row test of an OR.
    granted = Consent.objects.filter(
        channel=ConsentChannel.EMAIL, state=ConsentState.GRANTED, address=OuterRef("email_key")
    ).exclude(address="")
    return ~Q(Exists(granted)) if negate else Q(Exists(granted))


# Conditions that read another table (an EXISTS): under "any", an OR of them would be tested row
# by row (a subplan per target row, never a join, and no parallel scan), so each condition becomes
# its own query of ids (a semi- or anti-join the planner answers from indexes) and the segment is
# their UNION.
RELATED_FIELDS = frozenset(
    {RuleField.DEAL_STATUS, RuleField.DEAL_STAGE, RuleField.LAST_ACTIVITY, RuleField.CAMPAIGN, RuleField.EMAIL_CONSENT}
)


def _rules_ids(target: str, rules: dict[str, Any]) -> QuerySet[Any] | None:
    """The ids the (clean) rules select as a UNION of one query per condition, when the rules are
    "any" of several conditions one of which reads another table; None when one query is best."""
    conditions = rules.get("conditions", [])
    if rules.get("match") != MatchMode.ANY or len(conditions) < 2:
        return None
    if not any(c["field"] in RELATED_FIELDS for c in conditions):
        return None
    branches = [base_queryset(target).filter(_compile_condition(target, c)).order_by().values("pk") for c in conditions]
    return branches[0].union(*branches[1:])


def rules_queryset(target: str, rules: dict[str, Any]) -> QuerySet[Any]:
    """The records of `target` the (clean) rules select."""
    queryset = base_queryset(target)
    ids = _rules_ids(target, rules)
    if ids is not None:
        return queryset.filter(pk__in=ids)
    parts = [_compile_condition(target, c) for c in rules.get("conditions", [])]
    if not parts:
        return queryset
    combine = operator.or_ if rules.get("match") == MatchMode.ANY else operator.and_
    return queryset.filter(reduce(combine, parts))


def _rules_count(target: str, rules: dict[str, Any]) -> int:
    ids = _rules_ids(target, rules)
    # The UNION holds distinct ids of unmerged records already: count it, no second pass.
    return ids.count() if ids is not None else rules_queryset(target, rules).count()


def segment_queryset(segment: Segment) -> QuerySet[Any]:
    """The records a segment holds now: its rules' result (dynamic) or its entries (static)."""
    if segment.kind == SegmentKind.STATIC:
        column = ENTRY_COLUMNS.get(segment.target, "account_id")
        entries = SegmentEntry.objects.filter(segment_id=segment.pk).values(column)
        return base_queryset(segment.target).filter(pk__in=entries)
    return rules_queryset(segment.target, segment.rules or {})


def segment_count(segment: Segment) -> int:
    """How many records the segment holds now (one COUNT query)."""
    if segment.kind == SegmentKind.STATIC:
        return segment_queryset(segment).count()
    return _rules_count(segment.target, segment.rules or {})


def rules_count(*, target: str, rules: Any) -> int:
    """The count of unsaved rules (the editor's live count); bad rules raise ValidationError."""
    return _rules_count(target, segment_rules_clean(target, rules))


class Recipient(NamedTuple):
    lead_id: int | None
    contact_id: int | None
    email: str
    name: str
    language: str  # "" when not known


def segment_recipients(segment: Segment) -> Iterator[Recipient]:
    """The people a mailing or a journey addresses, in id order, streamed: the leads or contacts
    of the segment, or the contacts of its accounts. `email` may be empty (no address known);
    consent is checked by whoever sends (`email_allowed`). `language` is empty: leads and contacts
    carry no preferred language yet."""
    if segment.target == SegmentTarget.LEADS:
        leads = segment_queryset(segment).order_by("pk").values_list("pk", "email", "contact_name", "company_name")
        for pk, email, person, company in leads.iterator(chunk_size=2000):
            yield Recipient(pk, None, email, person or company, "")
        return
    contacts = (
        segment_queryset(segment)
        if segment.target == SegmentTarget.CONTACTS
        else Contact.objects.filter(merged_into__isnull=True, account_id__in=segment_queryset(segment).values("pk"))
    )
    for pk, email, name in contacts.order_by("pk").values_list("pk", "email", "name").iterator(chunk_size=2000):
        yield Recipient(None, pk, email, name, "")


# --- reads -----------------------------------------------------------------------------------


def segment_list(*, user: Any, include_archived: bool = False) -> QuerySet[Segment]:
    """The segments `user` may read (marketing readers: all of them), by name."""
    if not sees_marketing(user):
        return Segment.objects.none()
    queryset = Segment.objects.select_related("owner")
    return queryset if include_archived else queryset.filter(archived_at__isnull=True)


def segment_get(*, user: Any, pk: Any) -> Segment:
    """One segment `user` may read; 404 otherwise (an id that is not one included)."""
    if not is_id(pk):
        raise Http404
    segment = segment_list(user=user, include_archived=True).filter(pk=pk).first()
    if segment is None:
        raise Http404
    return segment


def segment_members(*, user: Any, segment: Segment) -> QuerySet[Any]:
    """The segment's records `user` may read themselves (a sample: callers slice it), by id."""
    queryset = segment_queryset(segment)
    if segment.target == SegmentTarget.LEADS:
        return lead_scope(queryset, user).order_by("pk")
    prefix = "account__" if segment.target == SegmentTarget.CONTACTS else ""
    queryset = queryset.filter(account_visible_q(user, prefix=prefix))
    if segment.target == SegmentTarget.CONTACTS:
        queryset = queryset.select_related("account")
    return queryset.order_by("pk")


# --- writes ----------------------------------------------------------------------------------

EDITABLE = ("name", "description", "rules")


def _ensure_manager(actor: Any) -> None:
    if not can_manage_marketing(actor):
        raise PermissionDenied(_("Only marketing and administrators change segments."))


def _name_clean(raw: Any) -> str:
    name = " ".join(str(raw or "").split())
    if not name:
        raise ValidationError({"name": [_("Give the segment a name.")]})
    if len(name) > 200:
        raise ValidationError({"name": [_("At most %(n)d characters.") % {"n": 200}]})
    return name


def segment_create(*, actor: Any, data: dict[str, Any]) -> Segment:
    """Create a segment (marketing, administrators). A static segment has no rules; a dynamic
    one's rules are validated first. Refuses a blank name or bad rules, saving nothing."""
    _ensure_manager(actor)
    target, kind = data.get("target"), data.get("kind", SegmentKind.DYNAMIC)
    errors: dict[str, list[str]] = {}
    if target not in SegmentTarget.values:
        errors["target"] = [_("Choose contacts, leads or accounts.")]
    if kind not in SegmentKind.values:
        errors["kind"] = [_("Choose dynamic or static.")]
    if errors:
        raise ValidationError(errors)
    name = _name_clean(data.get("name"))
    rules = {} if kind == SegmentKind.STATIC else segment_rules_clean(str(target), data.get("rules"))
    description = str(data.get("description") or "")[:2000]
    with transaction.atomic():
        segment = Segment.objects.create(
            name=name, description=description, target=str(target), kind=str(kind), rules=rules, owner=actor
        )
        timeline.record_created(actor=actor, subject=segment)
    return segment


def segment_update(*, actor: Any, segment: Segment, data: dict[str, Any], expected_version: int) -> Segment:
    """Change name, description or rules (a stale version is refused; who and type stay)."""
    _ensure_manager(actor)
    for fixed in ("target", "kind"):
        if fixed in data and data[fixed] != getattr(segment, fixed):
            raise ValidationError({fixed: [_("This cannot change once the segment exists; create another.")]})
    if segment.archived_at is not None:
        raise ValidationError({"__all__": [_("This segment is archived.")]})
    if "rules" in data and segment.kind == SegmentKind.STATIC and data["rules"]:
        raise ValidationError({"rules": [_("A static segment has no rules: add or remove its entries.")]})
    changes: dict[str, Any] = {}
    if "name" in data:
        changes["name"] = _name_clean(data["name"])
    if "description" in data:
        changes["description"] = str(data["description"] or "")[:2000]
    if "rules" in data and segment.kind == SegmentKind.DYNAMIC:
        changes["rules"] = segment_rules_clean(segment.target, data["rules"])
    before = timeline.snapshot(segment, list(changes))
    for name, value in changes.items():
        setattr(segment, name, value)
    with transaction.atomic():
        save_if_current(segment, expected_version=expected_version, fields=list(changes))
        timeline.record_changes(actor=actor, subject=segment, before=before)
    return segment


def segment_archive(*, actor: Any, segment: Segment, expected_version: int) -> Segment:
    """Archive a segment: kept for what names it, no longer offered. Archiving twice is refused."""
    _ensure_manager(actor)
    if segment.archived_at is not None:
        raise ValidationError({"__all__": [_("This segment is already archived.")]})
    before = timeline.snapshot(segment, ["archived_at"])
    segment.archived_at = timezone.now()
    with transaction.atomic():
        save_if_current(segment, expected_version=expected_version, fields=["archived_at"])
        timeline.record_changes(actor=actor, subject=segment, before=before)
    return segment


def segment_count_refresh(segment: Segment) -> int:
    """Count the segment now and keep the figure on it (no version change: nobody edited it)."""
    count = segment_count(segment)
    now = timezone.now()
    Segment.objects.filter(pk=segment.pk).update(member_count=count, counted_at=now)
    segment.member_count, segment.counted_at = count, now
    return count


def _static(segment: Segment) -> str:
    if segment.kind != SegmentKind.STATIC:
        raise ValidationError({"__all__": [_("Only a static segment has entries; a dynamic one has rules.")]})
    if segment.archived_at is not None:
        raise ValidationError({"__all__": [_("This segment is archived.")]})
    return str(ENTRY_COLUMNS.get(segment.target, "account_id"))


def _ids_clean(ids: Any) -> list[int]:
    if not isinstance(ids, list | tuple) or not ids:
        raise ValidationError({"ids": [_("Give one or more ids.")]})
    if len(ids) > MAX_IDS:
        raise ValidationError({"ids": [_("At most %(n)d ids at a time.") % {"n": MAX_IDS}]})
    if not all(is_id(v) and not isinstance(v, bool) for v in ids):
        raise ValidationError({"ids": [_("Ids are whole numbers.")]})
    return sorted({int(v) for v in ids})


@dataclass
class EntriesResult:
    added: int = 0
    already: int = 0
    removed: int = 0
    unknown: list[int] = field(default_factory=list)


def segment_entries_add(*, actor: Any, segment: Segment, ids: Any) -> EntriesResult:
    """Put records (ids of the segment's target) on a static segment. Ids that name no such
    record are reported, not added; ids already on it are counted, not repeated."""
    _ensure_manager(actor)
    column = _static(segment)
    wanted = _ids_clean(ids)
    existing = set(base_queryset(segment.target).filter(pk__in=wanted).values_list("pk", flat=True))
    return _add(segment, column, existing, unknown=[i for i in wanted if i not in existing])


def _add(segment: Segment, column: str, ids: Iterable[int], *, unknown: list[int]) -> EntriesResult:
    ids = set(ids)
    with transaction.atomic():
        on_it = set(
            SegmentEntry.objects.filter(segment_id=segment.pk, **{f"{column}__in": ids}).values_list(column, flat=True)
        )
        SegmentEntry.objects.bulk_create(
            [SegmentEntry(segment_id=segment.pk, **{column: pk}) for pk in sorted(ids - on_it)],
            batch_size=1000,
            ignore_conflicts=True,
        )
    return EntriesResult(added=len(ids - on_it), already=len(on_it), unknown=unknown)


def segment_entries_remove(*, actor: Any, segment: Segment, ids: Any) -> EntriesResult:
    """Take records off a static segment (ids not on it are ignored)."""
    _ensure_manager(actor)
    column = _static(segment)
    wanted = _ids_clean(ids)
    removed, _detail = SegmentEntry.objects.filter(segment_id=segment.pk, **{f"{column}__in": wanted}).delete()
    return EntriesResult(removed=removed)


@dataclass
class ImportReport:
    rows: int = 0
    matched: int = 0
    added: int = 0
    already: int = 0
    unmatched: list[tuple[int, str]] = field(default_factory=list)  # (row number, value)


def _decode(content: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationError({"file": [_("The file is neither UTF-8 nor GB18030 text.")]})


def _row_key(cells: list[str]) -> tuple[str, str] | None:
    """The first e-mail address or mainland mobile in a row, normalised."""
    for cell in cells:
        cell = cell.strip()
        if "@" in cell:
            return "email", normalize.email(cell)
        digits = normalize.mobile(cell)
        if len(digits) == 11 and digits.startswith("1"):
            return "mobile", digits
    return None


def segment_import(*, actor: Any, segment: Segment, content: bytes) -> ImportReport:
    """Fill a static segment from a CSV file of e-mail addresses or mobiles (any column; a header
    row simply matches nothing): each is matched to the segment's leads or contacts (accounts:
    through their contacts), set-based. Rows that match nothing are reported with their number."""
    _ensure_manager(actor)
    column = _static(segment)
    text = _decode(content)
    rows = list(csv.reader(io.StringIO(text)))
    if len(rows) > MAX_IMPORT_ROWS:
        raise ValidationError({"file": [_("At most %(n)d rows.") % {"n": MAX_IMPORT_ROWS}]})
    report = ImportReport(rows=len(rows))
    keyed: list[tuple[int, str, str, str]] = []
    for number, cells in enumerate(rows, start=1):
        key = _row_key(cells)
        if key is None:
            if any(c.strip() for c in cells):
                report.unmatched.append((number, ",".join(cells)[:200]))
            continue
        keyed.append((number, key[0], key[1], ",".join(cells)[:200]))
    people = Lead.objects if segment.target == SegmentTarget.LEADS else Contact.objects
    found: dict[tuple[str, str], set[int]] = {}
    for kind in ("email", "mobile"):
        values = sorted({v for _n, k, v, _raw in keyed if k == kind})
        for start in range(0, len(values), 5000):
            chunk = values[start : start + 5000]
            target_column = "account_id" if segment.target == SegmentTarget.ACCOUNTS else "pk"
            matches = people.filter(merged_into__isnull=True, **{f"{kind}_key__in": chunk}).values_list(
                f"{kind}_key", target_column
            )
            for value, pk in matches:
                found.setdefault((kind, value), set()).add(pk)
    ids: set[int] = set()
    for number, kind, value, raw in keyed:
        hit = found.get((kind, value))
        if hit:
            report.matched += 1
            ids |= hit
        else:
            report.unmatched.append((number, raw))
    report.unmatched.sort()
    result = _add(segment, column, ids, unknown=[])
    report.added, report.already = result.added, result.already
    return report
