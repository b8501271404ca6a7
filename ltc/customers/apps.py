from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "ltc.customers"
    label = "customers"
    verbose_name = _("Customers")

    def ready(self) -> None:
        from ltc.customers import (
            notifying,  # noqa: F401 - registers its visibility rules and notifications
            search,  # noqa: F401 - registers its kinds in the global search
        )
