"""A django-ninja router for an app whose API is a package of route modules (one per sub-resource)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ninja import Router


class PackageRouter(Router):
    """One router shared by the route modules of an API package (`ltc.<app>.api.<part>`).

    Operation ids are part of the published OpenAPI document (clients are generated from them).
    ninja's default id is `<view module>_<view name>` with dots as underscores, so moving a view from
    `ltc.<app>.api` into `ltc.<app>.api.<part>` would rename its operation. Here the default is
    taken from the package instead: `<package>_<view name>`, whichever file the view lives in. An
    explicit `operation_id=` still wins.

    The route modules register on the router as they are imported; the package's `__init__` imports
    them in a fixed order, which is the order of the paths in the document and of the URL patterns.
    """

    def __init__(self, *, package: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.operation_id_prefix = package.replace(".", "_")

    def add_api_operation(self, path: str, methods: list[str], view_func: Callable[..., Any], **kwargs: Any) -> None:
        if kwargs.get("operation_id") is None:
            kwargs["operation_id"] = f"{self.operation_id_prefix}_{view_func.__name__}"
        super().add_api_operation(path, methods, view_func, **kwargs)
