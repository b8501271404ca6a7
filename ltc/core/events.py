"""Events for integrations (an outbox): `emit` inside the transaction that makes the change, so
an event exists exactly when its change was committed. Readers page through them by id.

A later stage of the value stream reacts to an earlier one's event without the earlier stage
importing it (DESIGN.md §2: imports flow upstream only): it registers a reaction with `react`
from its AppConfig.ready, and `emit` calls it in the same transaction — billing plans the
schedule when a contract is signed and bills an accepted milestone this way. A reaction that
fails rolls the change back with it.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from ltc.core.models import IntegrationEvent

Reaction = Callable[[models.Model, dict[str, Any]], None]
_REACTIONS: defaultdict[str, list[Reaction]] = defaultdict(list)


def react(kind: str, reaction: Reaction) -> None:
    """Call `reaction(subject, payload)` whenever `kind` is emitted (registered once per process)."""
    if reaction not in _REACTIONS[kind]:
        _REACTIONS[kind].append(reaction)


def emit(kind: str, subject: models.Model, payload: dict[str, Any]) -> IntegrationEvent:
    """Record `kind` (e.g. "order.created") about `subject`; payload values may be Decimals and dates."""
    clean = DjangoJSONEncoder().encode(payload)
    event = IntegrationEvent.objects.create(
        kind=kind,
        subject_type=subject._meta.label_lower,
        subject_id=subject.pk,
        payload=json.loads(clean),
    )
    for reaction in _REACTIONS.get(kind, ()):
        reaction(subject, payload)
    return event
