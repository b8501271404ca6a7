"""GET /users: the directory behind owner, SR/FR and approver pickers."""

import pytest

from ltc.org.tests.factories import UserFactory


def _names(page):
    return [user["username"] for user in page["items"]]


@pytest.mark.django_db
def test_any_signed_in_user_reads_the_directory_without_contact_details(world, api_as):
    response = api_as(world.other).get("/users?q=owner")

    assert response.status_code == 200
    assert response.json() == {
        "items": [
            {
                "id": world.owner.pk,
                "username": "owner",
                "name": str(world.owner),
                "roles": ["ar"],
                "team": {"id": world.east.pk, "name": "East"},
                "active": True,
            }
        ],
        "limit": 50,
        "offset": 0,
        "next_offset": None,
        "total": 1,
    }
    assert "email" not in response.content.decode()
    assert api_as(None).get("/users").status_code == 401


@pytest.mark.django_db
def test_the_directory_filters_by_role_and_activity_and_pages(world, api_as, django_assert_max_num_queries):
    UserFactory(username="retired", roles=["ar"], is_active=False)
    api = api_as(world.marketing)

    assert _names(api.get("/users?role=sales_manager").json()) == ["boss", "manager"]
    assert _names(api.get("/users?role=ar&active=false").json()) == ["retired"]
    assert api.get("/users?role=nobody").status_code == 422
    first = api.get("/users?limit=2").json()
    second = api.get(f"/users?limit=2&offset={first['next_offset']}").json()
    assert first["next_offset"] == 2
    assert first["total"] == second["total"] == 10
    assert not set(_names(first)) & set(_names(second))
    with django_assert_max_num_queries(6):
        api.get("/users?limit=200")


@pytest.mark.django_db
def test_an_offset_beyond_any_table_is_an_empty_page(world, api_as):
    page = api_as(world.owner).get(f"/users?offset={10**30}&limit=-5")

    assert page.status_code == 200
    assert page.json() == {"items": [], "limit": 1, "offset": 10**12, "next_offset": None, "total": 10}
