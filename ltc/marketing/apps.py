from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MarketingConfig(AppConfig):
    """Marketing (营销): campaigns, segments, e-mail with consent, nurture journeys, events and the
    attribution of leads, deals and collected cash to campaigns. It comes after leads, customers,
    opportunities, contracts and billing: it reads them and changes them only through their own
    services; they learn of it through events and record-page panels."""

    name = "ltc.marketing"
    label = "marketing"
    verbose_name = _("Marketing")

    def ready(self) -> None:
        from ltc.marketing import wiring

        wiring.register()
