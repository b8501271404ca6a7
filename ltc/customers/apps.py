from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "ltc.customers"
    label = "customers"
    verbose_name = _("Customers")

    def ready(self) -> None:
        from ltc.core import customfields
        from ltc.customers import (
            attachments,  # noqa: F401 - registers its records as attachable (core.attachments)
            notifying,  # noqa: F401 - registers its visibility rules and notifications
            recycling,  # noqa: F401 - registers accounts and contacts in the recycle bin
            search,  # noqa: F401 - registers its kinds in the global search
        )
        from ltc.customers.models import Account, Contact

        customfields.register("account", Account)
        customfields.register("contact", Contact)
