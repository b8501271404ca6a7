"""Issuing under concurrency (PostgreSQL: SQLite serialises its writers): drafts issued at the
same moment take distinct, gapless numbers; one draft issued twice at once is issued once."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from ltc.billing import services
from ltc.billing.models import Invoice
from ltc.contracts.tests.factories import signed_contract, team_of
from ltc.core.concurrency import StaleVersionError

pytestmark = pytest.mark.django_db(transaction=True)


def _race(calls: list) -> list[BaseException]:
    barrier = threading.Barrier(len(calls))
    errors: list[BaseException] = []

    def run(call) -> None:
        try:
            barrier.wait()
            call()
        except BaseException as exc:  # noqa: BLE001 - collected and checked by the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_concurrent_issue_takes_distinct_gapless_numbers(world):
    if connection.vendor != "postgresql":
        pytest.skip("the race needs concurrent writers (PostgreSQL)")
    contract = signed_contract(world, team_of(world))
    first = Invoice.objects.get(contract=contract)
    drafts = [first] + [
        Invoice.objects.create(
            account=first.account, contract=contract, total=Decimal("100.00"), net_total=Decimal("100.00")
        )
        for _ in range(5)
    ]
    errors = _race(
        [lambda d=d: services.invoice_issue(actor=world.finance, invoice=d, expected_version=d.version) for d in drafts]
    )
    assert errors == []
    year = timezone.localdate().year
    numbers = sorted(Invoice.objects.exclude(number="").values_list("number", flat=True))
    assert numbers == [f"INV{year}-{n:06d}" for n in range(1, 7)]


def test_one_draft_issued_twice_at_once_is_issued_once(world):
    if connection.vendor != "postgresql":
        pytest.skip("the race needs concurrent writers (PostgreSQL)")
    draft = Invoice.objects.get(contract=signed_contract(world, team_of(world)))
    errors = _race(
        [lambda: services.invoice_issue(actor=world.finance, invoice=draft, expected_version=draft.version)] * 2
    )
    assert len(errors) == 1
    assert isinstance(errors[0], StaleVersionError)
    assert Invoice.objects.exclude(number="").count() == 1
    assert Invoice.objects.get(pk=draft.pk).number.endswith("000001")
