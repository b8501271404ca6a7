"""The lead list's declared columns: shown, chosen and exported alike."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from ltc.core import listviews

C = listviews.ListColumn
LEAD_LIST = listviews.register(
    listviews.ListSpec(
        key="leads",
        url_name="leads:lead_list",
        custom_fields="lead",
        columns=(
            C("company", gettext_lazy("Company"), lambda x: x.company_name, "leads/cells/company.html"),
            C("contact", gettext_lazy("Contact name"), lambda x: x.contact_name, "leads/cells/contact.html"),
            C("mobile", gettext_lazy("Mobile"), lambda x: x.mobile, default=False),
            C("email", gettext_lazy("Email"), lambda x: x.email, default=False),
            C("source", gettext_lazy("Source"), lambda x: x.get_source_display()),
            C("status", gettext_lazy("Status"), lambda x: x.get_status_display(), "leads/cells/status.html"),
            C("temperature", gettext_lazy("Temperature"), lambda x: x.get_temperature_display(), default=False),
            C("score", gettext_lazy("Score"), lambda x: x.score, default=False),
            C("owner", gettext_lazy("Owner"), lambda x: str(x.owner) if x.owner else "", "leads/cells/owner.html"),
            C("region", gettext_lazy("Region"), lambda x: x.get_region_display(), default=False),
            C("industry", gettext_lazy("Industry"), lambda x: x.get_industry_display(), default=False),
            C("budget", gettext_lazy("Budget"), lambda x: x.budget_amount, default=False),
            C("created", gettext_lazy("Created at"), lambda x: x.created_at),
        ),
    )
)
