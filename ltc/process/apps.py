from typing import Any

from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class ProcessConfig(AppConfig):
    """The process centre (流程架构): LTC's L1–L6 process map as data, the configuration of what
    implements each step, and the measurement of every step. It comes after every stage of the
    value stream: it reads them and configures them through their own services."""

    name = "ltc.process"
    label = "process"
    verbose_name = _("Process centre")

    def ready(self) -> None:
        from ltc.core.stewardship import register_configuration_grant
        from ltc.process import panels, reactions  # noqa: F401 - panels register on import
        from ltc.process.stewardship import process_owner_grant

        reactions.register()
        register_configuration_grant(process_owner_grant)
        post_migrate.connect(load_shipped_map, sender=self, dispatch_uid="process.load_shipped_map")


def load_shipped_map(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    """After every migrate (a new installation, an upgrade, a test database, a flushed one): add
    the shipped nodes that are missing (ltc.process.services.process_map_load)."""
    if using != "default" or "process_processnode" not in connections[using].introspection.table_names():
        return
    from ltc.process.services import process_map_load

    process_map_load(actor=None)
