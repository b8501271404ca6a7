from typing import Any

from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class OpportunitiesConfig(AppConfig):
    name = "ltc.opportunities"
    label = "opportunities"
    verbose_name = _("Opportunities")

    def ready(self) -> None:
        from ltc.core import customfields
        from ltc.opportunities import (
            attachments,  # noqa: F401 - registers its records as attachable (core.attachments)
            calendar,  # noqa: F401 - registers its dates on the calendar
            inbox,  # noqa: F401 - registers its inbox sources
            notifying,  # noqa: F401 - registers its visibility rules and notifications
            panels,  # noqa: F401 - registers its panels on earlier stages' pages
            search,  # noqa: F401 - registers its kinds in the global search
        )
        from ltc.opportunities.models import Opportunity

        customfields.register("deal", Opportunity)

        post_migrate.connect(seed_review_criteria, sender=self, dispatch_uid="opportunities.seed_review_criteria")


def seed_review_criteria(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    """After every migrate: an installation without review criteria gets the shipped ones."""
    if using != "default" or "opportunities_reviewcriterion" not in connections[using].introspection.table_names():
        return
    from ltc.opportunities.services.criteria import criteria_seed

    criteria_seed()
