"""Leads in the global search (core.search)."""

from django.utils.translation import gettext_lazy as _

from ltc.core.search import SearchKind, register
from ltc.leads import selectors
from ltc.leads.models import Lead

register(
    SearchKind(
        key="leads",
        model=Lead,
        label=_("Leads"),
        document=lambda lead: (str(lead), lead.contact_name, lead.email, lead.mobile, lead.credit_code),
        visible=lambda user: selectors.lead_list(user=user),
        indexable=lambda: Lead.objects.filter(merged_into__isnull=True),
        subtitle=lambda lead: lead.contact_name if lead.company_name else "",
    )
)
