from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    name = "ltc.billing"
    label = "billing"
    verbose_name = _("Billing")

    def ready(self) -> None:
        # Billing follows the contract: it plans on signing and amendments, bills on accepted
        # milestones, and tells the contract's close check whether everything is settled.
        from ltc.billing.services import reactions

        reactions.register()
        from ltc.billing import (
            attachments,  # noqa: F401 - registers its records as attachable (core.attachments)
            calendar,  # noqa: F401 - registers its dates on the calendar
            inbox,  # noqa: F401 - registers the invoices due in the inbox
            lists,  # noqa: F401 - registers the invoice and payment lists' columns
            notifying,  # noqa: F401 - registers who may see an invoice
            panels,  # noqa: F401 - registers its panels on earlier stages' pages
            search,  # noqa: F401 - registers its kinds in the global search
        )
