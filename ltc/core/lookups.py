"""`field__any=[...]`: membership in a list, for bulk paths.

On PostgreSQL it is `= ANY(%s)` with one array parameter, which plans in constant time however
long the list; elsewhere it is the usual IN list. Registered for integer fields (primary keys)
and foreign keys.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Lookup


@models.IntegerField.register_lookup
class AnyOf(Lookup):  # type: ignore[type-arg]
    lookup_name = "any"
    prepare_rhs = False

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        values = list(self.rhs)
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s)", [*lhs_params, values]
        if not values:
            return "1 = 0", list(lhs_params)
        return f"{lhs} IN ({', '.join(['%s'] * len(values))})", [*lhs_params, *values]


models.ForeignKey.register_lookup(AnyOf)
