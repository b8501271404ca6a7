"""The company profile: everyone signed in reads it, administrators change it (If-Match, a
timeline diff), the logo is checked by its bytes and size."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from ltc.core.concurrency import StaleVersionError
from ltc.core.timeline import timeline_for
from ltc.org import profile
from ltc.org.models import CompanyProfile

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


def _state() -> tuple[str, str, str, int]:
    p = CompanyProfile.objects.get()
    return (p.name, p.tax_id, p.logo.name, p.version)


def test_an_administrator_changes_the_profile_with_a_field_diff(world: Any) -> None:
    record = profile.company_profile_get()
    assert (record.name, record.version) == ("", 1)
    profile.company_profile_update(
        actor=world.admin,
        data={"name": " 示例科技有限公司 ", "tax_id": "91310000mA1k2b3c4d", "phone": "021-5555 0100"},
        expected_version=1,
    )
    assert _state() == ("示例科技有限公司", "91310000MA1K2B3C4D", "", 2)
    assert timeline_for(CompanyProfile.objects.get())[0].changes == [
        {"field": "name", "old": "", "new": "示例科技有限公司"},
        {"field": "phone", "old": "", "new": "021-5555 0100"},
        {"field": "tax_id", "old": "", "new": "91310000MA1K2B3C4D"},
    ]


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({"name": ""}, {"name": ["Enter the company name."]}),
        ({"email": "not-an-address"}, {"email": ["Enter a valid e-mail address."]}),
        ({"tax_id": "123"}, {"tax_id": ["Enter the 15 to 18 letters and digits of the taxpayer ID."]}),
        ({"phone": "1" * 51}, {"phone": ["Enter at most 50 characters."]}),
        ({"owner": "x"}, {"owner": ["Unknown field."]}),
        ({"logo": SimpleUploadedFile("logo.png", b"GIF89a" + b"\x00" * 20)}, {"logo": ["Upload a PNG or JPEG image."]}),
        (
            {"logo": SimpleUploadedFile("logo.png", PNG + b"\x00" * (1024 * 1024))},
            {"logo": ["The logo is larger than 1024 KB."]},
        ),
        ({"logo": SimpleUploadedFile("logo.png", b"")}, {"logo": ["The file is empty."]}),
    ],
)
def test_bad_values_are_refused_and_change_nothing(world: Any, data: dict[str, Any], errors: dict[str, Any]) -> None:
    profile.company_profile_update(actor=world.admin, data={"name": "示例科技有限公司"}, expected_version=1)
    with pytest.raises(ValidationError) as refused:
        profile.company_profile_update(actor=world.admin, data=data, expected_version=2)
    assert refused.value.message_dict == errors
    assert _state() == ("示例科技有限公司", "", "", 2)


def test_only_administrators_change_it_and_a_stale_version_changes_nothing(world: Any) -> None:
    profile.company_profile_get()
    for actor in (world.boss, world.executive, world.owner):
        with pytest.raises(PermissionDenied):
            profile.company_profile_update(actor=actor, data={"name": "x"}, expected_version=1)
    profile.company_profile_update(actor=world.admin, data={"name": "甲"}, expected_version=1)
    with pytest.raises(StaleVersionError):
        profile.company_profile_update(
            actor=world.admin, data={"logo": SimpleUploadedFile("l.png", PNG)}, expected_version=1
        )
    assert _state() == ("甲", "", "", 2)


def test_a_logo_is_stored_under_its_real_type_and_can_be_removed(world: Any) -> None:
    profile.company_profile_get()
    profile.company_profile_update(
        actor=world.admin, data={"logo": SimpleUploadedFile("公司.png", JPEG)}, expected_version=1
    )
    record = CompanyProfile.objects.get()
    assert record.logo.name.startswith("company/logo")
    assert record.logo.name.endswith(".jpg")
    assert record.logo.read() == JPEG
    profile.company_profile_update(actor=world.admin, data={"logo": None}, expected_version=2)
    assert _state()[2:] == ("", 3)


def test_the_api_reads_for_everyone_and_writes_for_administrators(world: Any, api_as: Any) -> None:
    owner, admin = api_as(world.owner), api_as(world.admin)
    read = owner.get("/company-profile")
    assert (read.status_code, read["ETag"], read.json()["name"], read.json()["logo"]) == (200, '"1"', "", "")
    assert owner.patch("/company-profile", {"name": "乙"}, **{"If-Match": '"1"'}).status_code == 403
    assert admin.patch("/company-profile", {"name": "乙"}).status_code == 428
    refused = admin.patch("/company-profile", {"email": "x"}, **{"If-Match": '"1"'})
    assert refused.json()["errors"] == [
        {"field": "email", "message": "Enter a valid e-mail address.", "code": "invalid"}
    ]
    changed = admin.patch("/company-profile", {"name": "乙", "website": "example.cn"}, **{"If-Match": '"1"'})
    assert (changed.status_code, changed["ETag"], changed.json()["website"]) == (200, '"2"', "example.cn")
    assert admin.patch("/company-profile", {"name": "丙"}, **{"If-Match": '"1"'}).status_code == 412
    upload = admin.client.post(
        "/api/v1/company-profile/logo",
        {"file": SimpleUploadedFile("logo.png", PNG)},
        headers={**admin.headers, "If-Match": '"2"'},
    )
    assert upload.status_code == 200, upload.content
    assert upload.json()["logo"].endswith(".png")
    bad = admin.client.post(
        "/api/v1/company-profile/logo",
        {"file": SimpleUploadedFile("logo.png", b"<svg/>")},
        headers={**admin.headers, "If-Match": '"3"'},
    )
    assert (bad.status_code, bad.json()["errors"]) == (
        422,
        [{"field": "file", "message": "Upload a PNG or JPEG image.", "code": "invalid"}],
    )
    assert _state()[0] == "乙"
