from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContractsConfig(AppConfig):
    name = "ltc.contracts"
    label = "contracts"
    verbose_name = _("Contracts")

    def ready(self) -> None:
        from ltc.contracts import panels  # noqa: F401 - registers its panels on earlier stages' pages
