"""Writes to the catalog from the API (the back office edits it through the admin site)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ltc.catalog.models import Product
from ltc.core import timeline
from ltc.core.access import has_any_role
from ltc.core.concurrency import save_if_current
from ltc.org.choices import RoleCode
from ltc.org.models import User

PRODUCT_FIELDS = (
    "code",
    "name",
    "name_en",
    "product_type",
    "unit",
    "family",
    "description",
    "cost",
    "tax_rate",
    "is_bundle",
    "active",
)


def require_catalog_admin(actor: User) -> None:
    if not has_any_role(actor, (RoleCode.ADMIN,)):
        raise PermissionDenied(_("Only administrators change the catalog."))


def _check(product: Product, exclude: list[str] | None = None) -> None:
    product.code = (product.code or "").strip().upper()
    product.full_clean(exclude=exclude)


def product_create(*, actor: User, data: dict[str, Any]) -> Product:
    """Add a product; the code is upper-cased and unique. Refuses bad fields, changing nothing."""
    require_catalog_admin(actor)
    unknown = set(data) - set(PRODUCT_FIELDS)
    if unknown:
        raise ValidationError({name: [_("Unknown field.")] for name in sorted(unknown)})
    product = Product(**data)
    _check(product)
    with transaction.atomic():
        product.save()
        timeline.record_created(actor=actor, subject=product)
    return product


def product_update(*, actor: User, product: Product, data: dict[str, Any], expected_version: int) -> Product:
    """Change a product's fields if the version is current. Bundle ↔ single product changes are
    refused while the product has components."""
    require_catalog_admin(actor)
    unknown = set(data) - set(PRODUCT_FIELDS)
    if unknown:
        raise ValidationError({name: [_("Unknown field.")] for name in sorted(unknown)})
    before = timeline.snapshot(product, data.keys())
    for name, value in data.items():
        setattr(product, name, value)
    _check(product)
    if "is_bundle" in data and not product.is_bundle and product.components.exists():
        raise ValidationError({"is_bundle": [_("Remove the bundle's components first.")]})
    with transaction.atomic():
        save_if_current(product, expected_version=expected_version, fields=list(data))
        timeline.record_changes(actor=actor, subject=product, before=before)
    return product
