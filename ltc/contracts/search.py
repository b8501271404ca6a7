"""Contracts and orders in the global search (core.search): found by number, subject, ERP reference."""

from django.utils.translation import gettext_lazy as _

from ltc.contracts import selectors
from ltc.contracts.models import Contract, Order
from ltc.core.search import SearchKind, register

register(
    SearchKind(
        key="contracts",
        model=Contract,
        label=_("Contracts"),
        document=lambda contract: (contract.number, contract.title, contract.account.name),
        visible=lambda user: selectors.contract_list(user=user),
        indexable=lambda: Contract.objects.select_related("account"),
        subtitle=lambda contract: contract.account.name,
    )
)
register(
    SearchKind(
        key="orders",
        model=Order,
        label=_("Orders"),
        document=lambda order: (order.number, order.erp_reference, order.contract.number, order.contract.title),
        visible=lambda user: selectors.order_list(user=user),
        indexable=lambda: Order.objects.select_related("contract"),
        subtitle=lambda order: order.contract.number,
        scope_via=("contracts", "contract"),  # order_list: the orders of the contracts the user reads
    )
)
