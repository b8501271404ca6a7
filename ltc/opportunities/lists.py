"""The deal list's declared columns (shown, chosen, exported) and its mass reassignment."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from ltc.core import listviews
from ltc.opportunities import selectors, services
from ltc.opportunities.models import Opportunity
from ltc.org.types import AuthedRequest

C = listviews.ListColumn
DEAL_LIST = listviews.register(
    listviews.ListSpec(
        key="deals",
        url_name="opportunities:opportunity_list",
        custom_fields="deal",
        columns=(
            C("name", gettext_lazy("Opportunity"), lambda o: o.name, "opportunities/cells/name.html"),
            C("account", gettext_lazy("Account"), lambda o: o.account.name),
            C("pipeline", gettext_lazy("Pipeline"), lambda o: o.pipeline.name, default=False),
            C("stage", gettext_lazy("Stage"), lambda o: o.stage.name, "opportunities/cells/stage.html"),
            C("status", gettext_lazy("Status"), lambda o: o.get_status_display(), default=False),
            C("probability", gettext_lazy("Probability (%)"), lambda o: o.probability, default=False),
            C(
                "amount",
                gettext_lazy("Amount"),
                lambda o: o.amount,
                "opportunities/cells/amount.html",
                export_with="currency",
            ),
            C("currency", gettext_lazy("Currency"), lambda o: o.currency, default=False),
            C(
                "forecast",
                gettext_lazy("Forecast category"),
                lambda o: o.get_forecast_category_display(),
                default=False,
            ),
            C("close", gettext_lazy("Close"), lambda o: o.expected_close_date),
            C("triangle", gettext_lazy("Iron triangle"), lambda o: _triangle(o), "opportunities/cells/triangle.html"),
            C("owner", gettext_lazy("AR"), lambda o: str(o.owner), default=False),
            C("sr", gettext_lazy("SR"), lambda o: str(o.sr or ""), default=False),
            C("fr", gettext_lazy("FR"), lambda o: str(o.fr or ""), default=False),
            C("updated", gettext_lazy("Updated at"), lambda o: o.updated_at, default=False),
        ),
    )
)


def _triangle(o: Opportunity) -> str:
    parts = [f"AR {o.owner}"] + [f"{role} {user}" for role, user in (("SR", o.sr), ("FR", o.fr)) if user]
    return " · ".join(parts)


@login_required
@require_POST
def opportunity_bulk(request: AuthedRequest) -> HttpResponse:
    """Reassign the ticked deals (their AR) through `opportunity_update`, one record at a time."""
    return listviews.mass_reassign(
        request,
        spec=DEAL_LIST,
        records=selectors.opportunity_list(user=request.user),
        reassign=lambda deal, owner, version: services.opportunity_update(
            actor=request.user, opportunity=deal, data={"owner": owner}, expected_version=version
        ),
    )
