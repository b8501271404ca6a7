"""/api/v1/events names its kinds as the OpenAPI's enum, generated from the event catalogue: a
reader learns every kind (payment.allocated and invoice.drafted included) from the document, and
a kind the catalogue does not hold is a field-level 422, not an empty answer."""

from __future__ import annotations

from typing import Any

from ltc.api.tests.contract import openapi
from ltc.billing import services
from ltc.billing.tests.factories import issue_drafts
from ltc.contracts.tests.factories import signed_contract, team_of
from ltc.core import events


def test_the_feed_declares_its_kinds_as_the_catalogues_enum() -> None:
    document = openapi()
    kinds = [event.kind for event in events.catalogue()]
    assert document["components"]["schemas"]["EventKind"]["enum"] == kinds
    assert {"payment.allocated", "invoice.drafted", "invoice.cancelled"} <= set(kinds)
    assert document["components"]["schemas"]["EventOut"]["properties"]["kind"]["$ref"].endswith("/EventKind")
    (parameter,) = [p for p in document["paths"]["/api/v1/events"]["get"]["parameters"] if p["name"] == "kind"]
    assert {"$ref": "#/components/schemas/EventKind"} in parameter["schema"]["anyOf"]


def test_the_feed_answers_an_allocation_by_its_kind(world: Any, api_as: Any) -> None:
    (invoice,) = issue_drafts(signed_contract(world, team_of(world)), world.finance)
    credit = services.payment_record(
        actor=world.finance,
        data={"account_id": invoice.account_id, "amount": invoice.total, "received_on": invoice.issue_date},
    )
    services.payment_allocate(
        actor=world.finance, payment=credit, items=[{"invoice_id": invoice.pk, "amount": str(invoice.total)}]
    )
    answer = api_as(world.admin).get("/events?kind=payment.allocated")
    assert answer.status_code == 200
    (event,) = answer.json()
    assert (event["kind"], event["subject_type"], event["subject_id"]) == (
        "payment.allocated",
        "billing.payment",
        credit.pk,
    )
    assert event["payload"]["invoices"][0]["open_amount"] == "0.00"


def test_a_kind_outside_the_catalogue_is_a_field_error(world: Any, api_as: Any) -> None:
    client = api_as(world.admin)
    answer = client.client.get("/api/v1/events?kind=invoice.lost", headers=client.headers)
    assert answer.status_code == 422
    assert answer["Content-Type"].startswith("application/problem+json")
    assert any("kind" in str(error) for error in answer.json()["errors"])
