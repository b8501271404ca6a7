"""Events for integrations (an outbox): `emit` inside the transaction that makes the change, so
an event exists exactly when its change was committed. Readers page through them by id."""

from __future__ import annotations

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from ltc.core.models import IntegrationEvent


def emit(kind: str, subject: models.Model, payload: dict[str, Any]) -> IntegrationEvent:
    """Record `kind` (e.g. "order.created") about `subject`; payload values may be Decimals and dates."""
    clean = DjangoJSONEncoder().encode(payload)
    return IntegrationEvent.objects.create(
        kind=kind,
        subject_type=subject._meta.label_lower,
        subject_id=subject.pk,
        payload=json.loads(clean),
    )
