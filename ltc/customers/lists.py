"""The account list's declared columns (shown, chosen, exported) and its mass reassignment."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from ltc.core import listviews
from ltc.customers import selectors, services
from ltc.org.types import AuthedRequest

C = listviews.ListColumn
ACCOUNT_LIST = listviews.register(
    listviews.ListSpec(
        key="accounts",
        url_name="customers:account_list",
        custom_fields="account",
        columns=(
            C("name", gettext_lazy("Name"), lambda a: a.name, "customers/cells/account_name.html"),
            C("credit_code", gettext_lazy("Unified social credit code"), lambda a: a.credit_code),
            C("region", gettext_lazy("Region"), lambda a: a.get_region_display()),
            C("industry", gettext_lazy("Industry"), lambda a: a.get_industry_display()),
            C("size", gettext_lazy("Size"), lambda a: a.get_size_display(), default=False),
            C(
                "status",
                gettext_lazy("Status"),
                lambda a: a.get_status_display(),
                "customers/cells/account_status.html",
            ),
            C("owner", gettext_lazy("Owner"), lambda a: str(a.owner)),
            C("team", gettext_lazy("Owner's team"), lambda a: str(a.owner.team or ""), default=False),
            C("phone", gettext_lazy("Phone"), lambda a: a.phone, default=False),
            C("address", gettext_lazy("Address"), lambda a: a.address, default=False),
            C("created", gettext_lazy("Created at"), lambda a: a.created_at, default=False),
        ),
    )
)


@login_required
@require_POST
def account_bulk(request: AuthedRequest) -> HttpResponse:
    """Reassign the ticked accounts through `account_update`, one record at a time."""
    return listviews.mass_reassign(
        request,
        spec=ACCOUNT_LIST,
        records=selectors.account_list(user=request.user).select_related("owner__team"),
        reassign=lambda account, owner, version: services.account_update(
            actor=request.user, account=account, data={"owner": owner}, expected_version=version
        ),
    )


@login_required
@require_POST
def contact_bulk(request: AuthedRequest) -> HttpResponse:
    """Delete the ticked contacts into the recycle bin through `contact_delete`, one at a time."""
    return listviews.mass_delete(
        request,
        back_to="customers:contact_list",
        records=selectors.contact_list(user=request.user).select_related("account__owner"),
        delete=lambda contact, version: services.contact_delete(
            actor=request.user, contact=contact, expected_version=version
        ),
    )
