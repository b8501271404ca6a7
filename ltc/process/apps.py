from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProcessConfig(AppConfig):
    """The process centre (流程架构): LTC's L1–L6 process map as data, the configuration of what
    implements each step, and the measurement of every step. It comes after every stage of the
    value stream: it reads them and configures them through their own services."""

    name = "ltc.process"
    label = "process"
    verbose_name = _("Process centre")
