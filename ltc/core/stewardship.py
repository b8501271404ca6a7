"""Who may change a piece of configuration: administrators, and whoever a later app says is its
steward (the process centre: the owner of the process step the configuration implements).

Earlier apps may not import the process centre (imports flow upstream), so they ask
`may_configure(user, area, key)` here and the process centre plugs its answer in with
`register_configuration_grant` when it starts (ltc.process.apps). Deny by default: with no grant
registered only administrators configure.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import models

from ltc.core.access import has_any_role

ADMIN = "admin"  # ltc.org.choices.RoleCode.ADMIN (core does not import org)


class ConfigArea(models.TextChoices):
    """What a check is about, and what its key names. A key of None asks about the area as a
    whole (a new pipeline, a new routing rule, the rules' order)."""

    AUTHORITY = "authority"  # key: the authority subject (review_atb, quote_discount ...)
    PIPELINE = "pipeline"  # key: the pipeline id; None: a new pipeline
    STAGE = "stage"  # key: the stage id (the stage, its gate items and templates)
    REQUIREMENT = "requirement"  # key: the gate item id
    ROUTING = "routing"  # key: the routing rule id; None: every rule, a new one, their order
    QUALIFICATION = "qualification"  # key: None (the qualification policy)
    SCORING = "scoring"  # key: None (the scoring rules)


ConfigurationGrant = Callable[[Any, ConfigArea, str | None], bool]

_grants: list[ConfigurationGrant] = []


def register_configuration_grant(grant: ConfigurationGrant) -> None:
    """Add a grant: grant(user, area, key) says True when the user may change that
    configuration. Registering the same function twice keeps one."""
    if grant not in _grants:
        _grants.append(grant)


def unregister_configuration_grant(grant: ConfigurationGrant) -> None:
    if grant in _grants:
        _grants.remove(grant)


def is_administrator(user: Any) -> bool:
    return has_any_role(user, (ADMIN,))


def may_configure(user: Any, area: ConfigArea | str, key: Any = None) -> bool:
    """An active administrator, or a signed-in active user a registered grant admits for
    `area` and `key` (an id or a code; compared as text)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.has_role(ADMIN):
        return True
    area = ConfigArea(area)
    text = None if key is None else str(key)
    return any(grant(user, area, text) for grant in _grants)
