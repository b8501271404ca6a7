"""Accounts and contacts in the global search (core.search)."""

from django.utils.translation import gettext_lazy as _

from ltc.core.search import SearchKind, register
from ltc.customers import selectors
from ltc.customers.models import Account, Contact

register(
    SearchKind(
        key="accounts",
        model=Account,
        label=_("Accounts"),
        document=lambda a: (a.name, a.credit_code),
        visible=lambda user: selectors.account_list(user=user),
        indexable=lambda: Account.objects.active(),
        subtitle=lambda a: a.credit_code,
    )
)
register(
    SearchKind(
        key="contacts",
        model=Contact,
        label=_("Contacts"),
        document=lambda c: (c.name, c.title, c.email, c.mobile, c.phone, c.account.name),
        visible=lambda user: selectors.contact_list(user=user),
        indexable=lambda: Contact.objects.active().select_related("account"),
        subtitle=lambda c: c.account.name,
    )
)
