from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LeadsConfig(AppConfig):
    name = "ltc.leads"
    label = "leads"
    verbose_name = _("Leads")

    def ready(self) -> None:
        from ltc.core import customfields
        from ltc.leads import (
            attachments,  # noqa: F401 - registers its records as attachable (core.attachments)
            notifying,  # noqa: F401 - registers its visibility rules and notifications
            panels,  # noqa: F401 - registers its panels on earlier stages' pages
            recycling,  # noqa: F401 - registers leads in the recycle bin
            search,  # noqa: F401 - registers its kinds in the global search
        )
        from ltc.leads.models import Lead

        customfields.register("lead", Lead)
