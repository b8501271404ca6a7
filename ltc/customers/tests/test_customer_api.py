import pytest

from ltc.customers.models import Account
from ltc.customers.tests.factories import VALID_CREDIT_CODE, AccountFactory, ContactFactory


def test_list_is_paginated_without_counting_and_in_a_stable_order(world, api_as):
    for n in range(5):
        AccountFactory(owner=world.owner, name=f"B客户{n}")
    api = api_as(world.owner)
    first = api.get("/accounts?limit=4&sort=name").json()
    assert (first["limit"], first["offset"], first["next_offset"]) == (4, 0, 4)
    second = api.get("/accounts?limit=4&offset=4&sort=name").json()
    assert second["next_offset"] is None
    names = [a["name"] for a in first["items"] + second["items"]]
    assert names == sorted(names)
    assert len(names) == 6


def test_list_filters_and_search(world, api_as):
    AccountFactory(owner=world.owner, name="北方能源有限公司", region="north", industry="energy")
    api = api_as(world.owner)
    assert [a["name"] for a in api.get("/accounts?region=north").json()["items"]] == ["北方能源有限公司"]
    assert [a["name"] for a in api.get("/accounts?q=能源").json()["items"]] == ["北方能源有限公司"]
    assert api.get("/accounts?industry=finance").json()["items"] == []


def test_list_query_budget_does_not_grow_with_rows(world, api_as, django_assert_max_num_queries):
    for _ in range(30):
        AccountFactory(owner=world.owner)
    api = api_as(world.owner)
    # 31 accounts: a second page follows, so the total is counted; one more reads the page's custom fields
    with django_assert_max_num_queries(7):
        response = api.get("/accounts?limit=30")
    assert len(response.json()["items"]) == 30


def test_create_returns_201_etag_location_and_possible_duplicates(world, api_as):
    response = api_as(world.owner).post(
        "/accounts", {"name": "锦程智能制造股份有限公司", "credit_code": VALID_CREDIT_CODE, "region": "east"}
    )
    assert response.status_code == 201
    body = response.json()
    assert response["ETag"] == '"1"'
    assert response["Location"] == f"/api/v1/accounts/{body['id']}"
    assert body["owner"]["id"] == world.owner.pk
    assert body["possible_duplicates"] == [
        {"id": world.account.pk, "name": world.account.name, "reason": "same name", "visible": True}
    ]


def test_bad_input_is_a_problem_document_with_field_errors(world, api_as):
    response = api_as(world.owner).post("/accounts", {"name": "", "credit_code": "123", "region": "north"})
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 422
    assert {e["field"] for e in problem["errors"]} == {"name", "credit_code"}
    # A code outside the published enum is refused by the schema, before the business rules.
    unknown = api_as(world.owner).post("/accounts", {"name": "", "region": "mars"})
    assert [(e["field"], e["code"]) for e in unknown.json()["errors"]] == [("region", "literal_error")]
    assert Account.objects.count() == 1


def test_wrong_types_are_field_errors_too(world, api_as):
    response = api_as(world.owner).post("/accounts", {"name": ["not", "a", "string"], "owner_id": "abc"})
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"name", "owner_id"}


def test_unknown_references_are_field_errors(world, api_as):
    hidden = AccountFactory(owner=world.other)
    response = api_as(world.owner).post("/accounts", {"name": "子公司", "parent_id": hidden.pk, "owner_id": 999999})
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"owner_id"}
    response = api_as(world.owner).post("/accounts", {"name": "子公司", "parent_id": hidden.pk})
    assert [e["field"] for e in response.json()["errors"]] == ["parent_id"]


def test_update_needs_if_match_and_refuses_a_stale_version(world, api_as):
    api = api_as(world.owner)
    url = f"/accounts/{world.account.pk}"
    assert api.patch(url, {"status": "customer"}).status_code == 428
    ok = api.patch(url, {"status": "customer"}, **{"If-Match": '"1"'})
    assert ok.status_code == 200
    assert ok["ETag"] == '"2"'
    assert ok.json()["status"] == "customer"
    stale = api.patch(url, {"status": "former"}, **{"If-Match": '"1"'})
    assert stale.status_code == 412
    assert stale["ETag"] == '"2"'
    assert Account.objects.get(pk=world.account.pk).status == "customer"


def test_get_returns_the_etag(world, api_as):
    response = api_as(world.owner).get(f"/accounts/{world.account.pk}")
    assert response.status_code == 200
    assert response["ETag"] == '"1"'


def test_timeline_and_notes(world, api_as):
    api = api_as(world.owner)
    api.patch(f"/accounts/{world.account.pk}", {"size": "large"}, **{"If-Match": '"1"'})
    note = api.post(f"/accounts/{world.account.pk}/notes", {"text": "客户关注交付周期"})
    assert note.status_code == 201
    events = api.get(f"/accounts/{world.account.pk}/timeline").json()
    assert [e["kind"] for e in events] == ["note", "changed"]
    assert events[1]["changes"][0]["new"] == "500–4,999 employees"
    assert api.post(f"/accounts/{world.account.pk}/notes", {"text": ""}).status_code == 422


def test_contacts_crud_and_search(world, api_as):
    api = api_as(world.owner)
    created = api.post(
        "/contacts", {"account_id": world.account.pk, "name": "王芳", "mobile": "13800138000", "email": "wf@example.cn"}
    )
    assert created.status_code == 201
    contact_id = created.json()["id"]
    assert api.get("/contacts?q=13800138000").json()["items"][0]["id"] == contact_id
    assert api.get(f"/contacts?account={world.account.pk}").json()["items"][0]["account_name"] == world.account.name
    updated = api.patch(f"/contacts/{contact_id}", {"title": "CIO"}, **{"If-Match": '"1"'})
    assert updated.json()["title"] == "CIO"
    dup = api.post("/contacts", {"account_id": world.account.pk, "name": "王芳2", "email": "WF@example.cn"})
    assert dup.json()["possible_duplicates"][0]["id"] == contact_id


def test_contact_list_query_budget(world, api_as, django_assert_max_num_queries):
    for _ in range(20):
        ContactFactory(account=world.account)
    api = api_as(world.owner)
    with django_assert_max_num_queries(6):  # one of them reads the page's custom fields
        response = api.get("/contacts")
    assert len(response.json()["items"]) == 20


@pytest.mark.parametrize("path", ["/openapi.json", "/docs"])
def test_openapi_and_docs_are_served(client, path):
    response = client.get(f"/api/v1{path}")
    assert response.status_code == 200


def test_openapi_lists_the_account_operations(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {"/api/v1/accounts", "/api/v1/accounts/{account_id}", "/api/v1/contacts"} <= set(paths)


def test_delete_needs_if_match_and_answers_204(world, api_as):
    api = api_as(world.owner)
    url = f"/accounts/{world.account.pk}"
    assert api.request("DELETE", url).status_code == 428
    assert api.request("DELETE", url, **{"If-Match": '"1"'}).status_code == 204
    assert api.get(url).status_code == 404


def test_delete_of_an_account_in_use_is_a_422_problem(world, api_as):
    ContactFactory(account=world.account)
    response = api_as(world.owner).request("DELETE", f"/accounts/{world.account.pk}", **{"If-Match": '"1"'})
    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "protected"


def test_json_keeps_chinese_readable(world, api_as):
    body = api_as(world.owner).get(f"/accounts/{world.account.pk}").content.decode()
    assert world.account.name in body


# --- one account per credit code: 409 --------------------------------------------------------


def test_a_taken_credit_code_answers_409_with_the_existing_account_to_who_may_see_it(world, api_as):
    existing = AccountFactory(owner=world.teammate, name="福州闽江科技有限公司", credit_code=VALID_CREDIT_CODE)
    response = api_as(world.manager).post("/accounts", {"name": "闽江科技", "credit_code": VALID_CREDIT_CODE})
    assert response.status_code == 409
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 409
    assert problem["errors"] == [
        {
            "field": "credit_code",
            "message": "This unified social credit code is already registered to another account.",
            "code": "credit_code_taken",
        }
    ]
    assert problem["existing"] == {
        "id": existing.pk,
        "name": "福州闽江科技有限公司",
        "url": f"/api/v1/accounts/{existing.pk}",
    }
    assert Account.objects.count() == 2


def test_a_taken_credit_code_names_nothing_to_who_may_not_see_the_account(world, api_as):
    AccountFactory(owner=world.other, name="福州闽江科技有限公司", credit_code=VALID_CREDIT_CODE)
    response = api_as(world.owner).post("/accounts", {"name": "闽江科技", "credit_code": VALID_CREDIT_CODE})
    assert response.status_code == 409
    problem = response.json()
    assert problem["existing"] is None
    assert "闽江" not in response.content.decode()
    assert "/api/v1/accounts/" not in response.content.decode()
    assert Account.objects.count() == 2


def test_patching_the_code_to_another_accounts_answers_409_and_changes_nothing(world, api_as):
    AccountFactory(owner=world.owner, name="福州闽江科技有限公司", credit_code=VALID_CREDIT_CODE)
    response = api_as(world.owner).patch(
        f"/accounts/{world.account.pk}", {"credit_code": VALID_CREDIT_CODE}, **{"If-Match": '"1"'}
    )
    assert response.status_code == 409
    assert response.json()["existing"]["name"] == "福州闽江科技有限公司"
    assert Account.objects.get(pk=world.account.pk).version == 1
