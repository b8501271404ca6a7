from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "ltc.org"
    label = "org"
    verbose_name = _("Organisation")

    def ready(self) -> None:
        from ltc.core import idempotency
        from ltc.org.auth import user_for_token

        idempotency.token_user = user_for_token
