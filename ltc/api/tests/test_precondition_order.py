"""Every operation answers its preconditions in one order: authentication (401), record access
(404), If-Match (428 missing / 412 stale), then validation (422), then business rules."""

from typing import Any

import pytest

from ltc.contracts.tests.factories import accepted_quote, contract_team
from ltc.opportunities.tests.factories import make_opportunity

STALE = {"If-Match": '"999"'}


def _record(world: Any, api_as: Any, kind: str) -> tuple[str, dict[str, Any]]:
    """(the record's path, a body that breaks the schema) for one kind of record."""
    if kind == "account":
        return f"/accounts/{world.account.pk}", {"status": "bogus", "name": 5}
    if kind == "lead":
        return f"/leads/{world.lead.pk}", {"temperature": "bogus"}
    if kind == "opportunity":
        return f"/opportunities/{make_opportunity(world).pk}", {"forecast_category": "bogus"}
    team = contract_team(world)
    created = api_as(world.owner).post("/contracts", {"quote_id": accepted_quote(world, team).pk})
    return f"/contracts/{created.json()['id']}", {"warranty_months": "many"}


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["account", "lead", "opportunity", "contract"])
def test_an_update_answers_auth_then_access_then_if_match_then_validation(world, api_as, kind):
    path, bad = _record(world, api_as, kind)
    owner = api_as(world.owner)
    read = owner.get(path)
    etag, before = read["ETag"], read.json()

    assert api_as(None).patch(path, bad).status_code == 401
    assert api_as(world.other).patch(path, bad).status_code == 404
    assert owner.patch(path, bad).status_code == 428
    assert owner.patch(path, bad, **STALE).status_code == 412
    invalid = owner.patch(path, bad, **{"If-Match": etag})
    assert invalid.status_code == 422
    assert {e["field"] for e in invalid.json()["errors"]} == set(bad)
    assert owner.get(path).json() == before


@pytest.mark.django_db
def test_validation_comes_before_business_rules(world, api_as):
    team = contract_team(world)
    owner = api_as(world.owner)
    created = owner.post("/contracts", {"quote_id": accepted_quote(world, team).pk})
    path = f"/contracts/{created.json()['id']}"
    submitted = owner.post(f"{path}/submit-review", **{"If-Match": created["ETag"]})
    assert submitted.status_code == 200

    # In review the draft is frozen (a business rule), but a malformed body is named first.
    malformed = owner.patch(path, {"warranty_months": "many"}, **{"If-Match": submitted["ETag"]})
    frozen = owner.patch(path, {"warranty_months": 12}, **{"If-Match": submitted["ETag"]})

    assert malformed.status_code == 422
    assert malformed.json()["errors"] == [
        {
            "field": "warranty_months",
            "message": "Input should be a valid integer, unable to parse string as an integer",
            "code": "int_parsing",
        }
    ]
    assert frozen.status_code == 422
    assert frozen.json()["errors"][0]["field"] == "status"


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/accounts/{account}/notes", "/leads/{lead}/notes"])
def test_an_action_without_if_match_answers_access_before_validation(world, api_as, path):
    path = path.format(account=world.account.pk, lead=world.lead.pk)

    assert api_as(None).post(path, {"text": 5}).status_code == 401
    assert api_as(world.other).post(path, {"text": 5}).status_code == 404
    invalid = api_as(world.owner).post(path, {"text": 5})
    assert invalid.status_code == 422
    assert [e["field"] for e in invalid.json()["errors"]] == ["text"]
