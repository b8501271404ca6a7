"""The merge form of a case's page lists only the account's 50 most recently opened other open
cases (no unbounded query); an older one is reached by typing its number, looked up within the
account."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from ltc.customers.tests.factories import AccountFactory
from ltc.service.forms_cases import MERGE_CHOICES
from ltc.service.models import Case, CaseStatus
from ltc.service.tests.test_renewals_support import case

pytestmark = pytest.mark.django_db


@pytest.fixture
def crowded(world: Any) -> dict[str, Any]:
    now = timezone.now()
    duplicate = case(world.account, subject="重复", opened_at=now)
    others = [case(world.account, subject=f"旧工单 {n}", opened_at=now - timedelta(hours=n)) for n in range(1, 56)]
    return {"duplicate": duplicate, "newest": others[0], "oldest": others[-1]}


def test_the_select_holds_the_50_most_recent(world: Any, web_as: Any, crowded: dict[str, Any]) -> None:
    client = web_as(world.service)
    page = client.get(f"/service/cases/{crowded['duplicate'].pk}/").content.decode()
    form = page[page.index('id="case-merge-form"') :]
    select = form[form.index("<select") : form.index("</select>")]
    assert select.count("<option") == MERGE_CHOICES + 1  # and the empty choice
    assert crowded["newest"].number in select
    assert crowded["oldest"].number not in select
    assert 'name="merge-number"' in form


def test_an_older_case_by_its_number(world: Any, web_as: Any, crowded: dict[str, Any]) -> None:
    duplicate, oldest = crowded["duplicate"], crowded["oldest"]
    foreign = case(AccountFactory(owner=world.owner), subject="别家")
    client = web_as(world.service)
    url = f"/service/cases/{duplicate.pk}/merge/"

    refused = client.post(url, {"merge-number": foreign.number, "merge-version": duplicate.version})
    assert refused.status_code == 422
    assert "No other open case of this account has this number." in refused.content.decode()
    nothing = client.post(url, {"merge-version": duplicate.version})
    assert nothing.status_code == 422
    assert Case.objects.get(pk=duplicate.pk).merged_into_id is None

    merged = client.post(url, {"merge-number": oldest.number.lower(), "merge-version": duplicate.version})
    assert merged.status_code == 302
    duplicate.refresh_from_db()
    assert (duplicate.merged_into_id, duplicate.status) == (oldest.pk, CaseStatus.CLOSED)
