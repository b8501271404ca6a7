"""`ltc process_rebuild` while people work (PostgreSQL: SQLite serialises its writers): the
rebuild locks one chunk of records at a time, so a live move of a record in the chunk being
rewritten waits for it and then lands on top of the rebuilt log."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection

from ltc.leads import services as lead_services
from ltc.leads.models import Lead
from ltc.opportunities.tests.factories import make_pipeline
from ltc.process import steps
from ltc.process.models import StepVisit
from ltc.process.tests.maps import make_map

pytestmark = pytest.mark.django_db(transaction=True)
HOLD = 1.0  # seconds the rebuild holds the leads' chunk


def test_a_live_move_waits_for_its_chunk_and_lands_on_the_rebuilt_log(world, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("the race needs concurrent writers (PostgreSQL)")
    make_map(make_pipeline())
    lead = lead_services.lead_create(
        actor=world.owner, data={"company_name": "澄明科技有限公司", "source": "website"}, owner=world.owner
    )
    holding = threading.Event()
    replay = steps._replay

    def slow_replay(tracked: Any, *args: Any) -> Iterator[Any]:
        if tracked.model is Lead:  # inside the chunk's transaction, its leads locked
            holding.set()
            time.sleep(HOLD)
        yield from replay(tracked, *args)

    monkeypatch.setattr(steps, "_replay", slow_replay)
    errors: list[BaseException] = []
    waited: list[float] = []

    def rebuild() -> None:
        try:
            steps.step_visits_rebuild()
        except BaseException as exc:  # noqa: BLE001 - checked by the test
            errors.append(exc)
        finally:
            connection.close()

    def move() -> None:
        try:
            assert holding.wait(30)
            started = time.monotonic()
            lead_services.lead_disqualify(actor=world.owner, lead=Lead.objects.get(pk=lead.pk), reason="no_need")
            waited.append(time.monotonic() - started)
        except BaseException as exc:  # noqa: BLE001 - checked by the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=rebuild), threading.Thread(target=move)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert waited[0] > HOLD / 2  # the move waited for the chunk
    visits = StepVisit.objects.filter(content_type=ContentType.objects.get_for_model(Lead), object_id=lead.pk)
    # One visit, rebuilt, then closed by the move: not two, not one left open.
    assert [(code, left is None) for code, left in visits.values_list("node__code", "left_at")] == [("T.ML.NEW", False)]
