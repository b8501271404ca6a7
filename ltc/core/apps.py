from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "ltc.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from ltc.core import (  # noqa: F401 - registers the deploy checks and field__any
            calendar,  # noqa: F401 - registers the activities on the calendar
            checks,
            lookups,
            recycle,  # noqa: F401 - registers activities in the recycle bin
        )
