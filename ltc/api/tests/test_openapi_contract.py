"""The OpenAPI document is a contract integrators can build from."""

from ltc.api.tests.contract import openapi, schema_name_clashes


def test_no_two_schemas_share_a_component_name():
    # Ninja registers every schema under its class name; a second class of the same name silently
    # replaces the first, and the document then shows one endpoint with another endpoint's body.
    assert schema_name_clashes() == {}


def _operation(method, path):
    return openapi()["paths"][f"/api/v1{path}"][method]


def _body(method, path):
    ref = _operation(method, path)["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    return openapi()["components"]["schemas"][ref.rsplit("/", 1)[-1]]


def test_each_action_documents_its_own_body():
    assert set(_body("post", "/contracts/{contract_id}/review/checks")["properties"]) == {"item", "result", "comment"}
    assert set(_body("post", "/opportunities/{opportunity_id}/checklist/{requirement_id}")["properties"]) == {"done"}
    assert set(_body("post", "/accounts/{account_id}/notes")["properties"]) == {"text"}
    assert _body("post", "/decision-reviews/{review_id}/decide")["required"] == ["decision"]
    assert _body("post", "/change-requests/{change_id}/decide")["required"] == ["approve"]


def test_choices_are_enums_naming_the_codes_the_server_accepts():
    check = _body("post", "/contracts/{contract_id}/review/checks")["properties"]["result"]
    assert check["enum"] == ["ok", "concern"]
    status = next(p for p in _operation("get", "/leads")["parameters"] if p["name"] == "status")
    assert status["schema"]["enum"] == ["new", "verifying", "qualified", "converted", "disqualified", ""]


def test_refusals_and_headers_are_declared():
    problem = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    update = _operation("patch", "/contracts/{contract_id}")
    assert {status for status in update["responses"] if status.startswith("4")} == {
        "400",
        "401",
        "403",
        "404",
        "412",
        "413",
        "422",
        "428",
    }
    assert all(update["responses"][s]["content"] == problem for s in ("401", "404", "412", "422", "428"))
    if_match = next(p for p in update["parameters"] if p["name"] == "If-Match")
    assert (if_match["in"], if_match["required"]) == ("header", True)
    payment = _operation("post", "/payments")
    key = next(p for p in payment["parameters"] if p["name"] == "Idempotency-Key")
    assert (key["in"], key["required"]) == ("header", False)
    assert "If-Match" not in {p["name"] for p in payment["parameters"]}
    assert set(openapi()["components"]["schemas"]["Problem"]["required"]) == {"type", "title", "status"}
    public = _operation("get", "/public/quotes/{token}")
    assert "401" not in public["responses"]
