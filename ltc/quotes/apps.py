from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QuotesConfig(AppConfig):
    name = "ltc.quotes"
    label = "quotes"
    verbose_name = _("Quotes")

    def ready(self) -> None:
        from ltc.quotes import (
            attachments,  # noqa: F401 - registers its records as attachable (core.attachments)
            inbox,  # noqa: F401 - registers its inbox sources
            notifying,  # noqa: F401 - registers its visibility rules and notifications
            panels,  # noqa: F401 - registers its panels on earlier stages' pages
            search,  # noqa: F401 - registers its kinds in the global search
        )
