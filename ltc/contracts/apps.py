from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContractsConfig(AppConfig):
    name = "ltc.contracts"
    label = "contracts"
    verbose_name = _("Contracts")

    def ready(self) -> None:
        from ltc.contracts import (
            attachments,  # noqa: F401 - registers its records as attachable (core.attachments)
            calendar,  # noqa: F401 - registers its dates on the calendar
            inbox,  # noqa: F401 - registers its inbox sources
            notifying,  # noqa: F401 - registers its visibility rules and notifications
            panels,  # noqa: F401 - registers its panels on earlier stages' pages
            search,  # noqa: F401 - registers its kinds in the global search
        )
