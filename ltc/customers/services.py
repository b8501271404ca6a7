"""Every write to accounts and contacts: validated, access-checked, versioned, on the timeline."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from ltc.core import timeline
from ltc.core.access import can_change, has_any_role
from ltc.core.concurrency import StaleVersionError, save_if_current
from ltc.core.models import TimelineEvent
from ltc.customers.models import Account, Contact
from ltc.org.choices import RoleCode
from ltc.org.models import User

CUSTOMER_WRITE_ROLES = (
    RoleCode.AR,
    RoleCode.SR,
    RoleCode.FR,
    RoleCode.SALES_MANAGER,
    RoleCode.MARKETING,
    RoleCode.SERVICE,
    RoleCode.ADMIN,
)
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


def _require_writer(actor: User) -> None:
    if not has_any_role(actor, CUSTOMER_WRITE_ROLES):
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


def _unknown_fields(data: dict[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise ValidationError({name: [_("This field cannot be set.")] for name in unknown})


def account_create(*, actor: User, data: dict[str, Any]) -> Account:
    """Create an account owned by `data["owner"]` (default: the actor).

    Refuses users without a customer-writing role (403), invalid fields and a parent cycle (422).
    A possible duplicate is allowed: callers show `account_duplicates` as a warning.
    """
    _require_writer(actor)
    _unknown_fields(data, ACCOUNT_FIELDS)
    data = {**data}
    data.setdefault("owner", actor)
    account = Account(**data)
    account.normalise()
    _check_owner(actor, account.owner)
    account.full_clean()
    _check_parent(account)
    with transaction.atomic():
        account.save()
        timeline.record_created(actor=actor, subject=account)
    return account


def account_update(*, actor: User, account: Account, data: dict[str, Any], expected_version: int) -> Account:
    """Change the given fields if `expected_version` is still current (else StaleVersionError).

    Refuses actors outside the write scope (403), invalid values (422); records old → new values.
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
    account.full_clean()
    _check_parent(account)
    with transaction.atomic():
        save_if_current(account, expected_version=expected_version, fields=[*data.keys(), "name_key"])
        timeline.record_changes(actor=actor, subject=account, before=before)
    return account


def account_note_add(*, actor: User, account: Account, text: str) -> TimelineEvent:
    """Anyone who can see the account may add a note to its timeline."""
    return timeline.note_add(actor=actor, subject=account, text=text)


def _require_current(record: Any, expected_version: int) -> None:
    if record.version != expected_version:
        raise StaleVersionError(record.version)


def account_delete(*, actor: User, account: Account, expected_version: int) -> None:
    """Delete an account entered by mistake. Refused while anything refers to it (contacts,
    subsidiaries, and later deals and documents): such an account is set to "former" instead.
    The timeline keeps a final entry with the account's last values.
    """
    _require_writer(actor)
    _require_change(actor, account)
    with transaction.atomic():
        locked = Account.objects.select_for_update().get(pk=account.pk)
        _require_current(locked, expected_version)
        timeline.record_deleted(actor=actor, subject=locked)
        try:
            with transaction.atomic():
                locked.delete()
        except ProtectedError as exc:
            kinds = sorted({str(obj._meta.verbose_name_plural) for obj in exc.protected_objects})
            message = _("This account is still referred to by %(kinds)s; mark it as a former customer instead.")
            raise ValidationError(
                {"__all__": [ValidationError(message % {"kinds": ", ".join(kinds)}, code="protected")]}
            ) from exc


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
    """Delete a contact; the account's write scope applies and the timeline keeps a final entry."""
    _require_writer(actor)
    _require_change(actor, contact.account)
    with transaction.atomic():
        locked = Contact.objects.select_for_update().get(pk=contact.pk)
        _require_current(locked, expected_version)
        timeline.record_deleted(actor=actor, subject=locked)
        locked.delete()


def contact_note_add(*, actor: User, contact: Contact, text: str) -> TimelineEvent:
    return timeline.note_add(actor=actor, subject=contact, text=text)
