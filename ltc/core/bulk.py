"""Set-based inserts for bulk paths (seeding, imports): COPY on PostgreSQL, executemany elsewhere.

No model instances, no per-row ORM work: rows are tuples in `fields` order. Values that are not
plain str/int/None are prepared once per value by the field (datetimes, decimals, JSON).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.db import connection, models

_PLAIN = (str, int, bool, type(None))


def _prepare(model: type[models.Model], fields: Sequence[str]) -> list[Any]:
    return [model._meta.get_field(name) for name in fields]


def _converter(field: Any) -> Any:
    """How one column's values become database values; None when they pass through as they are."""
    if isinstance(field, (models.CharField, models.TextField, models.IntegerField, models.BooleanField)) and not (
        isinstance(field, models.ForeignKey)
    ):
        return None
    if isinstance(field, models.DecimalField):
        # Both drivers take Decimal as it is (Django registers it with sqlite3); the column's
        # scale rounds it, as the field's own preparation would.
        return None
    if isinstance(field, models.JSONField) and field.encoder is None:
        return _json_converter()
    cache: dict[Any, Any] = {}

    def convert(value: Any) -> Any:
        if isinstance(value, _PLAIN):
            return value
        try:
            return cache[value]
        except KeyError:
            prepared = cache[value] = field.get_db_prep_save(value, connection)
            return prepared
        except TypeError:  # unhashable
            return field.get_db_prep_save(value, connection)

    return convert


def _json_converter() -> Any:
    """JSON text per value; a value object seen again (bulk rows often share one explanation
    or an empty list) is encoded once. Entries keep their value alive, so ids are not reused."""
    seen: dict[int, tuple[Any, str]] = {}

    def convert(value: Any) -> Any:
        hit = seen.get(id(value))
        if hit is not None and hit[0] is value:
            return hit[1]
        text = json.dumps(value, ensure_ascii=False)
        if len(seen) < 4096:
            seen[id(value)] = (value, text)
        return text

    return convert


def _prepper(model_fields: list[Any]) -> Any:
    """A row preparer converting each column once per distinct value (datetimes, decimals, JSON)."""
    converting = [(i, c) for i, c in enumerate(_converter(field) for field in model_fields) if c is not None]
    if not converting:
        return tuple

    def prep(row: Sequence[Any]) -> tuple[Any, ...]:
        values = list(row)
        for index, convert in converting:
            if values[index] is not None:
                values[index] = convert(values[index])
        return tuple(values)

    return prep


def bulk_insert(model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Insert rows into `model`'s table in one statement stream; returns how many were written.

    Callers run this inside their transaction; ids are assigned by the database.
    """
    model_fields = _prepare(model, fields)
    prep = _prepper(model_fields)
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in model_fields)
    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(prep(row))
                    count += 1
        else:
            placeholders = ", ".join(["%s"] * len(model_fields))

            def prepared() -> Iterator[tuple[Any, ...]]:
                nonlocal count
                for row in rows:
                    count += 1
                    yield prep(row)

            # A generator: the rows are never all held in memory at once.
            sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608
            cursor.executemany(sql, prepared())  # type: ignore[arg-type]  # Django passes iterators through
    return count


def next_ids(model: type[models.Model], count: int) -> list[int]:
    """Reserve `count` primary keys for rows inserted with explicit ids.

    PostgreSQL draws them from the table's sequence (safe under concurrency). SQLite takes the
    next free ids; its writers are serialised (BEGIN IMMEDIATE), so call this inside the same
    transaction as the insert.
    """
    if count <= 0:
        return []
    table = model._meta.db_table
    pk_column = model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One round trip; the sequence is looked up once (MATERIALIZED: an inlined lookup would
            # run for every row).
            cursor.execute(
                "WITH s AS MATERIALIZED (SELECT pg_get_serial_sequence(%s, %s)::regclass AS seq) "
                "SELECT array_agg(nextval(s.seq)) FROM s, generate_series(1, %s)",
                [table, pk_column, count],
            )
            return list(cursor.fetchone()[0])
        quote = connection.ops.quote_name
        sql = f"SELECT COALESCE(MAX({quote(pk_column)}), 0) FROM {quote(table)}"  # noqa: S608 - quoted identifiers
        cursor.execute(sql)
        start = cursor.fetchone()[0] + 1
        return list(range(start, start + count))
