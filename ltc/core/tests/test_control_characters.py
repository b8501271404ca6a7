"""Control characters are refused at the edge with a field error; nothing is stored."""

import pytest

from ltc.customers.models import Account
from ltc.leads.models import Lead


@pytest.mark.parametrize("bad", ["锦程\x00制造", "锦程\x01制造", "\x7f"])
def test_api_create_with_a_control_character_is_a_field_error(world, api_as, bad):
    response = api_as(world.owner).post("/accounts", {"name": bad, "region": "east"})
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"] == [
        {
            "field": "name",
            "message": "Remove the control characters (such as NUL) from this text.",
            "code": "control_characters",
        }
    ]
    assert not Account.objects.filter(name__contains="制造", region="east").exclude(pk=world.account.pk).exists()


def test_api_lead_with_a_nul_is_refused(world, api_as):
    before = Lead.objects.count()
    response = api_as(world.owner).post("/leads", {"company": "a\x00b", "contact_name": "王芳"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "company"
    assert Lead.objects.count() == before


def test_a_nested_field_is_named_by_its_path(world, api_as):
    response = api_as(world.owner).post("/accounts", {"name": "ok", "region": "east", "tags": ["x", "a\x00"]})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "tags.1"


def test_api_search_with_a_nul_is_a_field_error(world, api_as):
    response = api_as(world.owner).get("/leads?q=a%00b")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "q"


def test_tabs_and_line_breaks_stay_allowed(world, api_as):
    response = api_as(world.owner).post("/accounts", {"name": "宁波\t港联物流集团有限公司", "region": "east"})
    assert response.status_code == 201


def test_anonymous_gets_401_before_any_validation(world, api_as):
    assert api_as(None).post("/accounts", {"name": "a\x00"}).status_code == 401


def test_a_page_search_with_a_nul_is_a_bad_request(world, web_as):
    assert web_as(world.owner).get("/customers/accounts/?q=a%00b").status_code == 400


def test_a_form_with_a_control_character_shows_a_field_error(world, web_as):
    response = web_as(world.owner).post("/customers/accounts/new/", {"name": "锦程\x01", "region": "east"})
    assert response.status_code == 422  # the form again, with its errors
    assert "Remove the control characters" in response.content.decode()
    assert not Account.objects.filter(name__startswith="锦程\x01").exists()


def test_a_huge_page_offset_does_not_fail(world, web_as):
    assert web_as(world.owner).get("/customers/accounts/?offset=99999999999999999999").status_code == 200
