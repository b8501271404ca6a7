from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceConfig(AppConfig):
    """Customer service (客户服务): the installed base made from delivered and accepted contract
    lines, entitlements with SLA targets in business hours, cases from every channel, a customer
    portal, and renewals and upsell handed back to sales as deals and leads. It comes after
    contracts and billing (and marketing): it reads them and changes them only through their own
    services; they learn of it through events and record-page panels."""

    name = "ltc.service"
    label = "service"
    verbose_name = _("Service")

    def ready(self) -> None:
        from ltc.service import wiring

        wiring.register()
