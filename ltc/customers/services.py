"""Every write to accounts and contacts: validated, access-checked, versioned, on the timeline."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ltc.core import timeline
from ltc.core.access import can_change, has_any_role
from ltc.core.concurrency import StaleVersionError, save_if_current
from ltc.core.models import Activity, TimelineEvent, TimelineKind, VersionedModel
from ltc.core.recycle import record_recycle
from ltc.customers.access import CUSTOMER_WRITE_ROLES, can_merge_account, may_write_customers
from ltc.customers.choices import AccountStatus
from ltc.customers.models import Account, Contact
from ltc.org.models import User

__all__ = ["CUSTOMER_WRITE_ROLES", "CreditCodeTaken"]

R = TypeVar("R", Account, Contact)
ACCOUNT_FIELDS = (
    "name",
    "credit_code",
    "industry",
    "region",
    "size",
    "status",
    "parent",
    "owner",
    "website",
    "phone",
    "address",
    "description",
)
CONTACT_FIELDS = ("account", "name", "title", "department", "mobile", "phone", "email", "notes")


class CreditCodeTaken(ValidationError):
    """The credit code is held by another active account (`existing`). A field error on
    credit_code whose message does not name that account: callers decide what the user may see."""

    def __init__(self, existing: Account) -> None:
        self.existing = existing
        super().__init__(
            {
                "credit_code": [
                    ValidationError(
                        _("This unified social credit code is already registered to another account."),
                        code="credit_code_taken",
                    )
                ]
            }
        )


def _require_writer(actor: User) -> None:
    if not may_write_customers(actor):
        raise PermissionDenied(_("Your roles do not allow changing customer records."))


def _require_change(actor: User, account: Account) -> None:
    owner_team_id = account.owner.team_id if account.owner_id else None
    if not can_change(actor, account.owner_id, owner_team_id):
        raise PermissionDenied(_("Only the owner, the owner's managers or an administrator may change this account."))


def _check_owner(actor: User, owner: User | None) -> None:
    if owner is None:
        raise ValidationError({"owner": [_("Choose an owner.")]})
    if not owner.is_active:
        raise ValidationError({"owner": [_("The owner must be an active user.")]})
    if owner.pk != actor.pk and not can_change(actor, owner.pk, owner.team_id):
        raise ValidationError({"owner": [_("You may only give accounts to yourself or to people in your teams.")]})


def _check_parent(account: Account) -> None:
    parent = account.parent
    seen = {account.pk} if account.pk else set()
    while parent is not None:
        if parent.pk in seen:
            raise ValidationError({"parent": [_("An account cannot be its own parent, directly or indirectly.")]})
        seen.add(parent.pk)
        parent = parent.parent


def _check_credit_code_free(account: Account) -> None:
    if not account.credit_code:
        return
    existing = Account.objects.active().filter(credit_code=account.credit_code).exclude(pk=account.pk).first()
    if existing is not None:
        raise CreditCodeTaken(existing)


def _save_guarding_credit_code(account: Account, save: Callable[[], None]) -> None:
    """Save; when a concurrent writer took the same credit code first, answer as if it had been seen."""
    try:
        with transaction.atomic():
            save()
    except IntegrityError:
        _check_credit_code_free(account)
        raise


def _unknown_fields(data: dict[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise ValidationError({name: [_("This field cannot be set.")] for name in unknown})


def account_create(*, actor: User, data: dict[str, Any]) -> Account:
    """Create an account owned by `data["owner"]` (default: the actor).

    Refuses users without a customer-writing role (403), invalid fields and a parent cycle (422),
    and a credit code another active account holds (CreditCodeTaken; the API answers 409).
    A possible duplicate by name is allowed: callers show `account_duplicates` as a warning.
    """
    _require_writer(actor)
    _unknown_fields(data, ACCOUNT_FIELDS)
    data = {**data}
    data.setdefault("owner", actor)
    account = Account(**data)
    account.normalise()
    _check_owner(actor, account.owner)
    _check_credit_code_free(account)
    account.full_clean()
    _check_parent(account)

    def save() -> None:
        account.save()
        timeline.record_created(actor=actor, subject=account)

    _save_guarding_credit_code(account, save)
    return account


def account_update(*, actor: User, account: Account, data: dict[str, Any], expected_version: int) -> Account:
    """Change the given fields if `expected_version` is still current (else StaleVersionError).

    Refuses actors outside the write scope (403), invalid values (422), another active account's
    credit code (CreditCodeTaken); records old → new values.
    """
    _require_writer(actor)
    _require_change(actor, account)
    _unknown_fields(data, ACCOUNT_FIELDS)
    before = timeline.snapshot(account, data.keys())
    old_owner_id = account.owner_id
    for name, value in data.items():
        setattr(account, name, value)
    account.normalise()
    if account.owner_id != old_owner_id:
        _check_owner(actor, account.owner)
    _check_credit_code_free(account)
    account.full_clean()
    _check_parent(account)

    def save() -> None:
        save_if_current(account, expected_version=expected_version, fields=[*data.keys(), "name_key"])
        timeline.record_changes(actor=actor, subject=account, before=before)

    _save_guarding_credit_code(account, save)
    return account


def account_note_add(*, actor: User, account: Account, text: str) -> TimelineEvent:
    """Anyone who can see the account may add a note to its timeline."""
    return timeline.note_add(actor=actor, subject=account, text=text)


def _require_current(record: Any, expected_version: int) -> None:
    if record.version != expected_version:
        raise StaleVersionError(record.version)


def account_delete(*, actor: User, account: Account, expected_version: int) -> None:
    """Delete an account entered by mistake into the recycle bin (restorable for 30 days). Refused
    while anything refers to it (contacts, subsidiaries, and later deals and documents): such an
    account is set to "former" instead. The timeline keeps a final entry with its last values.
    """
    _require_writer(actor)
    _require_change(actor, account)
    with transaction.atomic():
        locked = Account.objects.select_for_update().get(pk=account.pk)
        _require_current(locked, expected_version)
        record_recycle(
            actor=actor,
            record=locked,
            protected_message=_(
                "This account is still referred to by %(kinds)s; mark it as a former customer instead."
            ),
        )


def contact_create(*, actor: User, data: dict[str, Any]) -> Contact:
    """Create a contact at an account the actor may change."""
    _require_writer(actor)
    _unknown_fields(data, CONTACT_FIELDS)
    contact = Contact(**data)
    if contact.account_id is None:
        raise ValidationError({"account": [_("Choose the account this person works at.")]})
    _require_change(actor, contact.account)
    contact.normalise()
    contact.full_clean()
    with transaction.atomic():
        contact.save()
        timeline.record_created(actor=actor, subject=contact)
    return contact


def contact_update(*, actor: User, contact: Contact, data: dict[str, Any], expected_version: int) -> Contact:
    """Change a contact if `expected_version` is current; moving it needs rights on both accounts."""
    _require_writer(actor)
    _require_change(actor, contact.account)
    _unknown_fields(data, CONTACT_FIELDS)
    before = timeline.snapshot(contact, data.keys())
    for name, value in data.items():
        setattr(contact, name, value)
    _require_change(actor, contact.account)
    contact.normalise()
    contact.full_clean()
    with transaction.atomic():
        save_if_current(contact, expected_version=expected_version, fields=[*data.keys(), "email_key", "mobile_key"])
        timeline.record_changes(actor=actor, subject=contact, before=before)
    return contact


def contact_delete(*, actor: User, contact: Contact, expected_version: int) -> None:
    """Delete a contact (and its activities) into the recycle bin, restorable for 30 days; the
    account's write scope applies and the timeline keeps a final entry. Refused while anything
    refers to it."""
    _require_writer(actor)
    _require_change(actor, contact.account)
    with transaction.atomic():
        locked = Contact.objects.select_for_update().get(pk=contact.pk)
        _require_current(locked, expected_version)
        record_recycle(
            actor=actor,
            record=locked,
            protected_message=_("This contact is still referred to by %(kinds)s; it cannot be deleted."),
        )


def contact_note_add(*, actor: User, contact: Contact, text: str) -> TimelineEvent:
    return timeline.note_add(actor=actor, subject=contact, text=text)


# --- merging duplicates ----------------------------------------------------------------------

ACCOUNT_FILL_FIELDS = ("credit_code", "industry", "region", "size", "website", "phone", "address", "description")
CONTACT_FILL_FIELDS = ("title", "department", "mobile", "phone", "email", "notes")
EVENT_BATCH = 1000


def _reverse_relations(model: type[models.Model]) -> list[Any]:
    """Every foreign key of any installed app pointing at `model`, hidden ones (related_name="+")
    and the link tables of many-to-many fields included."""
    return [
        f
        for f in model._meta.get_fields(include_hidden=True)
        if f.auto_created and not f.concrete and (f.one_to_many or f.one_to_one)
    ]


def _unique_sets(model: type[models.Model], field_name: str) -> list[tuple[list[str], Q]]:
    """The unique rules of `model` that include `field_name`: (other fields, condition)."""
    rules: list[tuple[list[str], Q]] = []
    if getattr(model._meta.get_field(field_name), "unique", False):
        rules.append(([], Q()))
    for together in model._meta.unique_together:
        if field_name in together:
            rules.append(([f for f in together if f != field_name], Q()))
    for constraint in model._meta.constraints:
        fields = list(getattr(constraint, "fields", ()) or ())
        if isinstance(constraint, models.UniqueConstraint) and field_name in fields:
            rules.append(([f for f in fields if f != field_name], constraint.condition or Q()))
    return rules


def _clashing_ids(model: type[models.Model], field_name: str, source: models.Model, target: models.Model) -> set[Any]:
    """Rows pointing at `source` that could not point at `target` without breaking a unique rule."""
    clashes: set[Any] = set()
    for others, condition in _unique_sets(model, field_name):
        at_target = model._base_manager.filter(condition, **{field_name: target})
        if not others:
            if at_target.exists():
                clashes |= set(
                    model._base_manager.filter(condition, **{field_name: source}).values_list("pk", flat=True)
                )
            continue
        taken = set(at_target.values_list(*others))
        if not taken:
            continue
        for row in model._base_manager.filter(condition, **{field_name: source}).values_list("pk", *others):
            if tuple(row[1:]) in taken:
                clashes.add(row[0])
    return clashes


def _move_references(*, actor: User, source: R, target: R, now: Any) -> list[str]:
    """Point every reference to `source` at `target`, set-based. Versioned records get a new version
    and a timeline line; a pure link that already exists for the target is dropped; any other row
    whose move would break a unique rule stays on the source (kept for audit) and is reported."""
    left_behind: list[str] = []
    for relation in _reverse_relations(type(source)):
        model, field = relation.related_model, relation.field
        clashes = _clashing_ids(model, field.name, source, target)
        rows = model._base_manager.filter(**{field.name: source})
        if clashes:
            if model._meta.auto_created:
                model._base_manager.filter(pk__in=clashes).delete()  # a duplicate many-to-many link
            else:
                left_behind.append(f"{model._meta.verbose_name_plural}: {len(clashes)}")
            rows = rows.exclude(pk__in=clashes)
        if not issubclass(model, VersionedModel):
            rows.update(**{field.name: target})
            continue
        ids = list(rows.values_list("pk", flat=True))
        if not ids:
            continue
        model._base_manager.filter(pk__in=ids).update(**{field.name: target}, version=F("version") + 1, updated_at=now)
        content_type = ContentType.objects.get_for_model(model)
        change = [{"field": field.name, "old": str(source), "new": str(target)}]
        text = _("Moved from merged record #%(old)s to #%(new)s.") % {"old": source.pk, "new": target.pk}
        TimelineEvent.objects.bulk_create(
            (
                TimelineEvent(
                    content_type=content_type,
                    object_id=pk,
                    kind=TimelineKind.CHANGED,
                    actor=actor,
                    at=now,
                    text=text,
                    changes=change,
                )
                for pk in ids
            ),
            batch_size=EVENT_BATCH,
        )
    return left_behind


def _copy_history(*, source: R, target: R) -> None:
    """The source's timeline, copied onto the target (the source keeps its own); activities move."""
    content_type = ContentType.objects.get_for_model(type(source))
    label = _("From merged #%(pk)s:") % {"pk": source.pk}
    events = TimelineEvent.objects.filter(content_type=content_type, object_id=source.pk).order_by("at", "id")
    TimelineEvent.objects.bulk_create(
        (
            TimelineEvent(
                content_type=content_type,
                object_id=target.pk,
                kind=event.kind,
                actor_id=event.actor_id,
                at=event.at,
                text=f"{label} {event.text}".strip(),
                changes=event.changes,
            )
            for event in events.iterator(chunk_size=EVENT_BATCH)
        ),
        batch_size=EVENT_BATCH,
    )
    Activity.objects.filter(content_type=content_type, object_id=source.pk).update(object_id=target.pk)


def _set_fields(*, actor: User, record: R, values: dict[str, Any], now: Any) -> None:
    """Write `values` onto a locked record, bump its version and record old → new."""
    before = timeline.snapshot(record, values.keys())
    for name, value in values.items():
        setattr(record, name, value)
    record.version += 1
    record.updated_at = now
    record.save(update_fields=[*values.keys(), "version", "updated_at"])
    timeline.record_changes(actor=actor, subject=record, before=before)


def _merge(
    *,
    actor: User,
    model: type[R],
    target: R,
    source: R,
    expected_version: int | None,
    fill_fields: tuple[str, ...],
    key_fields: tuple[str, ...],
    what: str,
    check: Callable[[R, R], None],
) -> R:
    if target.pk == source.pk:
        raise ValidationError({"source_id": [_("Choose a different record to merge.")]})
    now = timezone.now()
    with transaction.atomic():
        locked = {
            r.pk: r
            for r in model._base_manager.select_for_update().filter(pk__in=[target.pk, source.pk]).order_by("pk")
        }
        target, source = locked[target.pk], locked[source.pk]
        if expected_version is not None and target.version != expected_version:
            raise StaleVersionError(target.version)
        if target.merged_into_id or source.merged_into_id:
            raise ValidationError({"source_id": [_("A record that was already merged cannot be merged again.")]})
        check(target, source)
        fills = {
            name: getattr(source, name) for name in fill_fields if not getattr(target, name) and getattr(source, name)
        }
        _copy_history(source=source, target=target)
        _set_fields(actor=actor, record=source, values={"merged_into": target}, now=now)
        left_behind = _move_references(actor=actor, source=source, target=target, now=now)
        if fills:
            _set_fields(actor=actor, record=target, values=fills, now=now)
            target.normalise()
            model._base_manager.filter(pk=target.pk).update(**{k: getattr(target, k) for k in key_fields})
        else:
            model._base_manager.filter(pk=target.pk).update(version=F("version") + 1, updated_at=now)
            target.version += 1
        into = _("Merged %(what)s “%(name)s” (#%(pk)s) into this one.") % {
            "what": what,
            "name": source,
            "pk": source.pk,
        }
        if left_behind:
            into += " " + _("Kept on the merged record because the target already has them: %(rows)s.") % {
                "rows": "; ".join(left_behind)
            }
        timeline.note_add(actor=actor, subject=target, text=into)
        timeline.note_add(
            actor=actor,
            subject=source,
            text=_("Merged into %(what)s “%(name)s” (#%(pk)s).") % {"what": what, "name": target, "pk": target.pk},
        )
    return target


def _check_accounts(target: Account, source: Account) -> None:
    parent = target.parent
    seen = {target.pk}
    while parent is not None and parent.pk not in seen:
        if parent.pk == source.pk:
            raise ValidationError({"source_id": [_("An account cannot be merged into one of its own subsidiaries.")]})
        seen.add(parent.pk)
        parent = parent.parent


def account_merge(*, actor: User, target: Account, source: Account, expected_version: int | None = None) -> Account:
    """Merge the duplicate `source` into `target`.

    Every reference to the source from any app (deals, quotes, contracts, invoices, leads,
    contacts, subsidiaries, …) moves to the target, with a new version and a timeline line on
    each moved record; the source's timeline is copied onto the target and its activities move;
    the target's empty fields are filled from the source (the credit code too: a merged account
    no longer holds it); a "merged" note goes on both. The source is kept, pointing at the target.
    Refuses (403) users other than admins and managers above both owners, (422) merging a record
    with itself, an already merged one, or an account into its own subsidiary, and (412) a stale
    `expected_version` of the target.
    """
    _require_writer(actor)
    for account in (target, source):
        if not can_merge_account(actor, account):
            raise PermissionDenied(_("Only an administrator or a manager above the owner may merge accounts."))
    return _merge(
        actor=actor,
        model=Account,
        target=target,
        source=source,
        expected_version=expected_version,
        fill_fields=ACCOUNT_FILL_FIELDS,
        key_fields=("name_key", "credit_code"),
        what=_("account"),
        check=_check_accounts,
    )


def contact_merge(*, actor: User, target: Contact, source: Contact, expected_version: int | None = None) -> Contact:
    """Merge the duplicate contact `source` into `target` (it may work at another account).

    References (leads, deals and their decision chains) move to the target — a link the target
    already has is dropped — the timeline is copied, empty fields are filled, both get a note; the
    source is kept, pointing at the target. Refuses (403) users other than admins and managers
    above both accounts' owners, (422) merging a contact with itself or an already merged one.
    """
    _require_writer(actor)
    for contact in (target, source):
        if not can_merge_account(actor, contact.account):
            raise PermissionDenied(_("Only an administrator or a manager above the owner may merge contacts."))
    return _merge(
        actor=actor,
        model=Contact,
        target=target,
        source=source,
        expected_version=expected_version,
        fill_fields=CONTACT_FILL_FIELDS,
        key_fields=("email", "email_key", "mobile", "mobile_key"),
        what=_("contact"),
        check=lambda target, source: None,
    )


def account_become_customer(*, actor: User | None, account: Account) -> bool:
    """A contract with the account was signed: a prospect (or a former customer) becomes a
    customer, on the account's timeline as the status change alone, which the timeline shows in
    the reader's language (no text: a text is fixed in one language; the contract shows on the
    account's page). The signing stage has authorised the act, so no write
    role is asked of `actor` (None: the system). Idempotent: a customer stays as it is and
    nothing is recorded. Returns whether the status changed."""
    with transaction.atomic():
        account = Account.objects.select_for_update().get(pk=account.pk)
        if account.status == AccountStatus.CUSTOMER:
            return False
        before = timeline.snapshot(account, ["status"])
        account.status = AccountStatus.CUSTOMER
        save_if_current(account, expected_version=account.version, fields=["status"])
        timeline.record_changes(actor=actor, subject=account, before=before)
    return True


# --- erasure at the person's request (PIPL art. 47) -----------------------------------------

ERASED_NAME = "已删除用户 #{pk}"
ERASED_CONTACT_FIELDS = ("title", "department", "mobile", "mobile_key", "phone", "email", "email_key", "notes")


def contact_anonymise(*, actor: User, contact: Contact) -> Contact:
    """Replace the contact's personal fields: name → "已删除用户 #id", title, department, mobile,
    phone, e-mail and notes blanked, `erased_at` set. The account, the contracts, invoices and
    payments that name the contact stay, with their amounts; the old and new values of those
    fields are blanked in the contact's timeline too, and the timeline records which fields were
    erased (never their values). Refuses anyone but marketing and administrators, and a
    contact erased already."""
    if not has_any_role(actor, ("marketing", "admin")):
        raise PermissionDenied(_("Only marketing and administrators may erase personal data."))
    with transaction.atomic():
        locked = Contact.objects.select_for_update().get(pk=contact.pk)
        if locked.erased_at is not None:
            raise ValidationError({"__all__": [_("This person's data was erased already.")]})
        erased = [name for name in ("name", *ERASED_CONTACT_FIELDS) if getattr(locked, name) and "_key" not in name]
        for name in ERASED_CONTACT_FIELDS:
            setattr(locked, name, "")
        locked.name = ERASED_NAME.format(pk=locked.pk)
        locked.erased_at = timezone.now()
        locked.version += 1
        locked.updated_at = locked.erased_at
        locked.save(update_fields=["name", *ERASED_CONTACT_FIELDS, "erased_at", "version", "updated_at"])
        timeline.scrub_values(locked, ("name", *ERASED_CONTACT_FIELDS))
        timeline.record_field_changes(
            actor=actor,
            subject=locked,
            changes=[],
            text=_("Personal data erased at the person's request: %(fields)s.")
            % {
                "fields": ", ".join(
                    str(getattr(Contact._meta.get_field(name), "verbose_name", name)) for name in erased
                )
            },
        )
    for name in ("name", *ERASED_CONTACT_FIELDS, "erased_at", "version", "updated_at"):
        setattr(contact, name, getattr(locked, name))
    return contact
