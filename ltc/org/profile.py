"""The company profile (one row) printed on quotes, contracts and invoices: everyone signed in
reads it, administrators change it through `company_profile_update`, each change on the
profile's timeline with a field diff and guarded by its version."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from ltc.core import timeline
from ltc.core.concurrency import StaleVersionError, save_if_current
from ltc.org.choices import RoleCode
from ltc.org.models import CompanyProfile, User

TEXT_FIELDS = (
    "name",
    "name_en",
    "address",
    "phone",
    "email",
    "website",
    "tax_id",
    "bank_name",
    "bank_account",
    "quote_terms",
)
PROFILE_FIELDS = (*TEXT_FIELDS, "logo")
MAX_LOGO_BYTES = 1024 * 1024
# What a logo's first bytes must be: the document renderer reads PNG and JPEG.
LOGO_SIGNATURES = {b"\x89PNG\r\n\x1a\n": ".png", b"\xff\xd8\xff": ".jpg"}
TAX_ID = re.compile(r"^[0-9A-Z]{15,18}$")


def can_manage_profile(user: Any) -> bool:
    return bool(user.is_authenticated and user.is_active and user.has_role(RoleCode.ADMIN))


def company_profile_get() -> CompanyProfile:
    """The profile row, made empty the first time it is asked for (so it has a version to change)."""
    profile = CompanyProfile.objects.order_by("pk").first()
    if profile is None:
        with transaction.atomic():
            profile = CompanyProfile.objects.select_for_update().order_by("pk").first() or (
                CompanyProfile.objects.create(name="")
            )
    return profile


def _logo_suffix(upload: Any, errors: dict[str, list[str]]) -> str:
    if not isinstance(upload, UploadedFile):
        errors["logo"] = [_("Upload a PNG or JPEG image.")]
        return ""
    if not upload.size:
        errors["logo"] = [_("The file is empty.")]
        return ""
    if upload.size > MAX_LOGO_BYTES:
        errors["logo"] = [_("The logo is larger than %(kb)d KB.") % {"kb": MAX_LOGO_BYTES // 1024}]
        return ""
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    suffix = next((s for signature, s in LOGO_SIGNATURES.items() if head.startswith(signature)), "")
    if not suffix:
        errors["logo"] = [_("Upload a PNG or JPEG image.")]
    return suffix


def _read(data: dict[str, Any], profile: CompanyProfile, errors: dict[str, list[str]]) -> None:
    for name in sorted(set(data) - set(PROFILE_FIELDS)):
        errors[name] = [_("Unknown field.")]
    for name in TEXT_FIELDS:
        if name not in data:
            continue
        value = "" if data[name] is None else str(data[name]).strip()
        limit = getattr(CompanyProfile._meta.get_field(name), "max_length", None)
        if limit is not None and len(value) > limit:
            errors[name] = [_("Enter at most %(n)d characters.") % {"n": limit}]
        setattr(profile, name, value)
    if "name" in data and not profile.name:
        errors["name"] = [_("Enter the company name.")]
    if profile.email and "email" in data:
        try:
            validate_email(profile.email)
        except ValidationError:
            errors["email"] = [_("Enter a valid e-mail address.")]
    if "tax_id" in data and profile.tax_id:
        profile.tax_id = profile.tax_id.upper()
        if not TAX_ID.match(profile.tax_id):
            errors["tax_id"] = [_("Enter the 15 to 18 letters and digits of the taxpayer ID.")]


def company_profile_update(*, actor: User, data: dict[str, Any], expected_version: int) -> CompanyProfile:
    """Change the profile's fields (administrators; a stale `expected_version` is refused). `logo`
    is a PNG or JPEG upload of at most 1 MB (its bytes are checked, not its name), or None to
    remove it. Any bad field refuses the whole change."""
    if not can_manage_profile(actor):
        raise PermissionDenied(_("Only administrators change the company profile."))
    profile = company_profile_get()
    before = timeline.snapshot(profile, PROFILE_FIELDS)
    errors: dict[str, list[str]] = {}
    _read(data, profile, errors)
    suffix = ""
    if data.get("logo") is not None:
        suffix = _logo_suffix(data["logo"], errors)
    if errors:
        raise ValidationError(errors)
    if profile.version != expected_version:  # before a logo file is written for nothing
        raise StaleVersionError(profile.version)
    fields = [name for name in TEXT_FIELDS if name in data]
    with transaction.atomic():
        if "logo" in data:
            fields.append("logo")
            if data["logo"] is None:
                profile.logo = ""
            else:
                # the storage picks a free name; the file is written before the row points to it
                profile.logo.save(f"logo{suffix}", data["logo"], save=False)
        save_if_current(profile, expected_version=expected_version, fields=fields)
        timeline.record_changes(actor=actor, subject=profile, before=before)
    return profile


def logo_name(profile: CompanyProfile) -> str:
    return Path(profile.logo.name).name if profile.logo else ""
