from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LeadsConfig(AppConfig):
    name = "ltc.leads"
    label = "leads"
    verbose_name = _("Leads")

    def ready(self) -> None:
        from ltc.leads import (
            notifying,  # noqa: F401 - registers its visibility rules and notifications
            panels,  # noqa: F401 - registers its panels on earlier stages' pages
            search,  # noqa: F401 - registers its kinds in the global search
        )
