"""Gapless document numbers: Q2026-000042, one series per document kind and year."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from ltc.core.models import NumberSequence


def next_number(series: str, year: int) -> int:
    """Take the next number of `series` in `year`. Must run inside the transaction that stores
    the document: the row stays locked until it commits (concurrent callers wait), and a
    rollback returns the number, so the series has no gaps."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("next_number must run inside the transaction that stores the document")
    try:
        with transaction.atomic():
            NumberSequence.objects.get_or_create(series=series, year=year)
    except IntegrityError:  # created concurrently: the row exists now
        pass
    sequence = NumberSequence.objects.select_for_update().get(series=series, year=year)
    sequence.last_value += 1
    sequence.save(update_fields=["last_value"])
    return sequence.last_value


def formatted(prefix: str, year: int, value: int) -> str:
    return f"{prefix}{year}-{value:06d}"
