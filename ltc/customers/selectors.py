"""Every read of accounts and contacts, with access applied."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from ltc.core import normalize
from ltc.core.access import get_visible_or_404
from ltc.customers.access import account_visible_q
from ltc.customers.models import Account, Contact
from ltc.org.models import User

ACCOUNT_SORTS = {
    "name": ("name", "id"),
    "-name": ("-name", "-id"),
    "created": ("created_at", "id"),
    "-created": ("-created_at", "-id"),
    "-updated": ("-updated_at", "-id"),
}
CONTACT_SORTS = {
    "name": ("name", "id"),
    "-name": ("-name", "-id"),
    "account": ("account__name", "name", "id"),
    "-updated": ("-updated_at", "-id"),
}
CONTACT_PREFIX = "account__"
SEARCH_MAX_LENGTH = 100


class MergedRecord(Http404):
    """The record was merged into another: `target` is that one when the user may see it, else None."""

    def __init__(self, target: Account | Contact | None) -> None:
        super().__init__()
        self.target = target


def _contact_visible_q(user: User) -> Q:
    return account_visible_q(user, prefix=CONTACT_PREFIX)


@dataclass(frozen=True)
class AccountFilters:
    q: str = ""
    region: str = ""
    industry: str = ""
    status: str = ""
    size: str = ""
    owner: int | None = None
    sort: str = "name"


@dataclass(frozen=True)
class ContactFilters:
    q: str = ""
    account: int | None = None
    sort: str = "name"


def _search_term(q: str) -> str:
    return q.strip()[:SEARCH_MAX_LENGTH]


def account_list(*, user: User, filters: AccountFilters = AccountFilters()) -> QuerySet[Account]:
    qs = Account.objects.active().select_related("owner").filter(account_visible_q(user))
    if term := _search_term(filters.q):
        qs = qs.filter(Q(name__icontains=term) | Q(credit_code=normalize.credit_code(term)))
    for field in ("region", "industry", "status", "size"):
        if value := getattr(filters, field):
            qs = qs.filter(**{field: value})
    if filters.owner:
        qs = qs.filter(owner_id=filters.owner)
    return qs.order_by(*ACCOUNT_SORTS.get(filters.sort, ACCOUNT_SORTS["name"]))


def account_get(*, user: User, pk: Any) -> Account:
    """The account if `user` may see it (else 404); a merged account raises MergedRecord."""
    account = get_visible_or_404(
        Account.objects.select_related("owner", "owner__team", "parent"), user, pk, visible=account_visible_q(user)
    )
    if account.merged_into_id is not None:
        target = Account.objects.filter(account_visible_q(user), pk=account.merged_into_id).first()
        raise MergedRecord(target)
    return account


def account_choices(*, user: User) -> QuerySet[Account]:
    """Accounts the user may pick (as a parent or a contact's employer)."""
    return Account.objects.active().filter(account_visible_q(user)).only("id", "name").order_by("name", "id")


def account_by_credit_code(code: str, *, exclude_pk: int | None = None) -> Account | None:
    """The active account holding this credit code, whoever may see it (callers decide what to show)."""
    code = normalize.credit_code(code)
    if not code:
        return None
    found = Account.objects.active().filter(credit_code=code)
    if exclude_pk is not None:
        found = found.exclude(pk=exclude_pk)
    return found.first()


def account_visible_to(*, user: User, account: Account) -> bool:
    return Account.objects.filter(account_visible_q(user), pk=account.pk).exists()


@dataclass(frozen=True)
class Duplicate:
    pk: int
    name: str
    reason: str
    visible: bool


def account_duplicates(
    *, user: User, name: str, credit_code: str = "", exclude_pk: int | None = None, limit: int = 10
) -> list[Duplicate]:
    """Other accounts with the same normalised name or credit code, marked visible or not to `user`.

    An account the user may not see, found by its credit code alone, is not named: the code
    must not tell who the company is (deny by default)."""
    key = normalize.company_name(name)
    code = normalize.credit_code(credit_code)
    match = Q(name_key=key) if key else Q(pk__in=[])
    if code:
        match |= Q(credit_code=code)
    candidates = Account.objects.active().filter(match)
    if exclude_pk is not None:
        candidates = candidates.exclude(pk=exclude_pk)
    rows = list(candidates.values("pk", "name", "name_key", "credit_code")[:limit])
    visible = set(
        Account.objects.filter(account_visible_q(user), pk__in=[r["pk"] for r in rows]).values_list("pk", flat=True)
    )
    return [
        Duplicate(
            pk=r["pk"],
            name=r["name"] if r["pk"] in visible or (key and r["name_key"] == key) else "",
            reason=_("same credit code") if code and r["credit_code"] == code else _("same name"),
            visible=r["pk"] in visible,
        )
        for r in rows
    ]


def contact_list(*, user: User, filters: ContactFilters = ContactFilters()) -> QuerySet[Contact]:
    qs = Contact.objects.active().select_related("account").filter(_contact_visible_q(user))
    if term := _search_term(filters.q):
        digits = normalize.mobile(term)
        match = Q(name__icontains=term) | Q(email_key=normalize.email(term))
        if len(digits) >= 7:
            match |= Q(mobile_key=digits)
        qs = qs.filter(match)
    if filters.account:
        qs = qs.filter(account_id=filters.account)
    return qs.order_by(*CONTACT_SORTS.get(filters.sort, CONTACT_SORTS["name"]))


def contact_get(*, user: User, pk: Any) -> Contact:
    """The contact if `user` may see its account (else 404); a merged contact raises MergedRecord."""
    contact = get_visible_or_404(
        Contact.objects.select_related("account", "account__owner", "account__owner__team"),
        user,
        pk,
        visible=_contact_visible_q(user),
    )
    if contact.merged_into_id is not None:
        target = Contact.objects.filter(_contact_visible_q(user), pk=contact.merged_into_id).first()
        raise MergedRecord(target)
    return contact


def contact_duplicates(
    *, user: User, email: str = "", mobile: str = "", exclude_pk: int | None = None, limit: int = 10
) -> list[Duplicate]:
    """Other contacts with the same email or mobile; one the user may not see is not named."""
    email_key, mobile_key = normalize.email(email), normalize.mobile(mobile)
    match = Q(pk__in=[])
    if email_key:
        match |= Q(email_key=email_key)
    if mobile_key:
        match |= Q(mobile_key=mobile_key)
    candidates = Contact.objects.active().filter(match)
    if exclude_pk is not None:
        candidates = candidates.exclude(pk=exclude_pk)
    rows = list(candidates.values("pk", "name", "email_key", "mobile_key")[:limit])
    visible = set(
        Contact.objects.filter(_contact_visible_q(user), pk__in=[r["pk"] for r in rows]).values_list("pk", flat=True)
    )
    return [
        Duplicate(
            pk=r["pk"],
            name=r["name"] if r["pk"] in visible else "",
            reason=_("same email") if email_key and r["email_key"] == email_key else _("same mobile"),
            visible=r["pk"] in visible,
        )
        for r in rows
    ]
