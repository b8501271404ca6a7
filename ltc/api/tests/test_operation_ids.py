"""Operation ids are published (clients are generated from them): they do not change when an app's
API module becomes a package of route modules."""

from ninja import Router

from ltc.api.tests.contract import openapi
from ltc.core.routers import PackageRouter


def _operation_ids(tag):
    return {
        f"{method.upper()} {path}": operation["operationId"]
        for path, methods in openapi()["paths"].items()
        for method, operation in methods.items()
        if tag in operation.get("tags", [])
    }


def test_the_split_api_packages_keep_the_ids_they_published_as_one_module():
    # One route of each route module: a module registering on a router of its own would publish
    # `ltc_opportunities_api_bids_bid_result` and the like.
    opportunities = _operation_ids("opportunities")
    assert {
        key: opportunities[key]
        for key in (
            "GET /api/v1/pipelines/{pipeline_id}/board",
            "PATCH /api/v1/opportunities/{opportunity_id}",
            "POST /api/v1/decision-reviews/{review_id}/decide",
            "DELETE /api/v1/opportunities/{opportunity_id}/decision-chain/{stakeholder_id}",
            "GET /api/v1/forecast",
            "POST /api/v1/bids/{bid_id}/result",
            "GET /api/v1/opportunities/{opportunity_id}/documents/{document_id}/file",
        )
    } == {
        "GET /api/v1/pipelines/{pipeline_id}/board": "ltc_opportunities_api_pipeline_board",
        "PATCH /api/v1/opportunities/{opportunity_id}": "ltc_opportunities_api_opportunity_update",
        "POST /api/v1/decision-reviews/{review_id}/decide": "ltc_opportunities_api_review_decide",
        "DELETE /api/v1/opportunities/{opportunity_id}/decision-chain/{stakeholder_id}": (
            "ltc_opportunities_api_decision_chain_remove"
        ),
        "GET /api/v1/forecast": "ltc_opportunities_api_forecast",
        "POST /api/v1/bids/{bid_id}/result": "ltc_opportunities_api_bid_result",
        "GET /api/v1/opportunities/{opportunity_id}/documents/{document_id}/file": (
            "ltc_opportunities_api_opportunity_document_file"
        ),
    }
    contracts = _operation_ids("contracts")
    assert {
        key: contracts[key]
        for key in (
            "GET /api/v1/contracts/{contract_id}/compare",
            "POST /api/v1/contracts/{contract_id}/approve",
            "POST /api/v1/contracts/{contract_id}/sign",
            "PATCH /api/v1/risks/{risk_id}",
            "GET /api/v1/evaluations",
            "POST /api/v1/change-requests/{change_id}/decide",
            "POST /api/v1/deliveries",
            "GET /api/v1/milestones/{milestone_id}/acceptance-document",
        )
    } == {
        "GET /api/v1/contracts/{contract_id}/compare": "ltc_contracts_api_contract_compare",
        "POST /api/v1/contracts/{contract_id}/approve": "ltc_contracts_api_contract_approve",
        "POST /api/v1/contracts/{contract_id}/sign": "ltc_contracts_api_contract_sign",
        "PATCH /api/v1/risks/{risk_id}": "ltc_contracts_api_risk_update",
        "GET /api/v1/evaluations": "ltc_contracts_api_evaluation_list",
        "POST /api/v1/change-requests/{change_id}/decide": "ltc_contracts_api_change_decide",
        "POST /api/v1/deliveries": "ltc_contracts_api_delivery_create",
        "GET /api/v1/milestones/{milestone_id}/acceptance-document": "ltc_contracts_api_milestone_document",
    }
    # 43 + the 12 of pipeline configuration (api/config.py) + 5 of review criteria (api/criteria.py)
    # + 2 of stage templates
    assert len(opportunities) == 62
    assert all(value.startswith("ltc_opportunities_api_") for value in opportunities.values())
    assert len(contracts) == 41
    assert all(value.startswith("ltc_contracts_api_") for value in contracts.values())


def thing_list(request):
    return []


def thing_get(request, pk: int):
    return {}


def _operation_id(router, path):
    (operation,) = router.path_operations[path].operations
    return operation.operation_id


def test_a_package_router_names_operations_after_the_package_not_the_view_module():
    thing_list.__module__ = "ltc.example.api.things"  # as if defined in a route module of the package
    router = PackageRouter(package="ltc.example.api", tags=["example"])
    router.get("/things")(thing_list)
    router.get("/things/{pk}", operation_id="thing_fetch")(thing_get)
    assert router.tags == ["example"]
    assert _operation_id(router, "/things") == "ltc_example_api_thing_list"
    assert _operation_id(router, "/things/{pk}") == "thing_fetch"  # an explicit id wins
    # A plain router leaves the id to ninja, which would derive it from the view's module.
    plain = Router()
    plain.get("/things")(thing_list)
    assert _operation_id(plain, "/things") is None
