"""Global search access (core.search, #18): the search applies each kind's access scope through
compiled SQL kept per user's access inputs (and quotes and orders through their deal's and
contract's scope). These tests hold it to the kinds' `visible` selectors for every role, show that
a record out of sight never appears, and that a change of the user's access inputs is seen at once."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ltc.billing.tests.factories import settle
from ltc.contracts.tests import factories as contract_factories
from ltc.core import search
from ltc.core.models import SearchDocument
from ltc.customers.tests.factories import AccountFactory
from ltc.opportunities.tests.factories import make_opportunity
from ltc.org.models import Role, Team, User
from ltc.quotes import selectors as quote_selectors
from ltc.quotes.models import Quote

pytestmark = pytest.mark.django_db

ALL_KINDS = {"accounts", "contacts", "leads", "deals", "quotes", "contracts", "orders", "invoices", "payments"}
DEAL_SIDE = {"deals", "quotes", "contracts", "orders"}
BILLING = {"invoices", "payments"}


@pytest.fixture
def scene(world: Any) -> Any:
    """锦程: a contract of the owner (east team; SR and FR in the iron triangle), executed, billed and
    paid; 北方: an account and a deal of `other` (north team). The index rebuilt, the cache empty."""
    team = contract_factories.contract_team(world)
    contract = contract_factories.executing_contract(world, team)
    settle(contract, world.finance)
    north = AccountFactory(owner=world.other, name="北方锦程重工有限公司")
    make_opportunity(world, account=north, owner=world.other, name="北方锦程扩建项目")
    search.rebuild()
    search.clear_scope_cache()
    world.sr, world.fr, world.legal = team.sr, team.fr, team.legal
    world.contract = contract
    return world


def fresh(user: User) -> User:
    """The user as the next request loads them (no access facts cached on the object)."""
    return User.objects.get(pk=user.pk)


def kinds_found(user: User, q: str = "锦程") -> set[str]:
    return {group.kind for group in search.search(user=fresh(user), q=q)}


def titles(user: User, q: str = "锦程") -> set[str]:
    return {hit.title for group in search.search(user=fresh(user), q=q) for hit in group.hits}


def everyone(world: Any) -> list[User]:
    return [
        world.boss,
        world.manager,
        world.owner,
        world.teammate,
        world.other,
        world.executive,
        world.finance,
        world.admin,
        world.marketing,
        world.sr,
        world.fr,
        world.legal,
    ]


def test_the_search_scope_is_each_kinds_visible_selector_for_every_role(scene):
    """For every user and kind: the ids the search lets through are exactly those of the kind's
    `visible` selector — built the first time, from the cache the second."""
    indexed: dict[str, list[int]] = {}
    for kind in search.kinds():
        content_type = ContentType.objects.get_for_model(kind.model)
        indexed[kind.key] = list(
            SearchDocument.objects.filter(content_type=content_type).values_list("object_id", flat=True)
        )
    assert all(indexed[key] for key in ALL_KINDS - {"contacts"})  # every kind is there to check
    for user in everyone(scene):
        expected = {
            kind.key: set(kind.visible(fresh(user)).filter(pk__in=indexed[kind.key]).values_list("pk", flat=True))
            for kind in search.kinds()
        }
        for _round in ("built", "cached"):
            got = search.visible_ids(fresh(user), indexed)
            assert {key: set(got.get(key, ())) for key in expected} == expected, (user.username, _round)


def test_who_finds_what(scene):
    contract_side = {"accounts", *DEAL_SIDE}
    assert kinds_found(scene.owner) >= {"accounts", *DEAL_SIDE, *BILLING}
    assert kinds_found(scene.manager) >= {"accounts", *DEAL_SIDE, *BILLING}  # the manager above the owner
    assert kinds_found(scene.boss) >= {"accounts", *DEAL_SIDE, *BILLING}  # and the manager above that
    # Iron triangle (SR, FR): the deal, its quote, the contract and its order; not the billing.
    assert kinds_found(scene.sr) == contract_side
    assert kinds_found(scene.fr) == contract_side
    # Finance: the billing, the billed customer, the contracted deal; not a deal without contract.
    assert kinds_found(scene.finance) & BILLING == BILLING
    assert "北方锦程扩建项目" not in titles(scene.finance)
    # The owner's teammate works nothing of it: nothing but what is theirs (nothing).
    assert kinds_found(scene.teammate) == set()
    # Another team's AR finds their own deal, none of the east team's records.
    assert titles(scene.other) == {"北方锦程重工有限公司", "北方锦程扩建项目"}
    assert not any("北方" in title for title in titles(scene.owner) | titles(scene.sr) | titles(scene.teammate))


def test_a_manager_who_stops_managing_the_team_loses_its_records_at_once(scene):
    manager = scene.manager
    assert "deals" in kinds_found(manager)  # the scope is now cached for the manager's inputs
    Team.objects.filter(pk=scene.east.pk).update(manager=None)
    assert kinds_found(manager) == set()


def test_a_role_taken_away_is_seen_at_once(scene):
    executive = scene.executive
    assert kinds_found(executive) >= {"accounts", *DEAL_SIDE, *BILLING}
    executive.roles.remove(Role.objects.get(code="executive"))
    assert kinds_found(executive) == set()
    executive.roles.add(Role.objects.get(code="finance"))
    assert kinds_found(executive) & BILLING == BILLING
    assert "北方锦程扩建项目" not in titles(executive)  # finance reads no deal without a contract


def test_a_record_given_to_someone_else_leaves_the_search_at_once(scene):
    """Records are never part of the kept scope: ownership is read by the SQL on every search."""
    deal = type(scene.contract.opportunity).objects.get(name="北方锦程扩建项目")
    assert "北方锦程扩建项目" not in titles(scene.teammate, "北方")  # the teammate's scope is now kept
    type(deal).objects.filter(pk=deal.pk).update(owner=scene.teammate)
    assert "北方锦程扩建项目" in titles(scene.teammate, "北方")
    type(deal).objects.filter(pk=deal.pk).update(owner=scene.other)
    assert "北方锦程扩建项目" not in titles(scene.teammate, "北方")


def test_a_scope_whose_building_reads_records_is_never_kept(scene):
    """The quotes list scope reads the deal ids (a snapshot of records): it is built every time."""
    kind = search.SearchKind(
        key="quotes-by-list",
        model=Quote,
        label="quotes",
        document=lambda quote: (quote.number,),
        visible=lambda user: quote_selectors.quote_list(user=user),
    )
    owner = fresh(scene.owner)
    inputs = search.access_inputs(owner)  # the user's access facts, read once as a search does
    scope = search._scope(kind, owner, inputs, {})
    assert scope is not None
    assert not any(key[0] == kind.key for key in search._scopes)
    quotes = search._scope(search._KINDS["quotes"], owner, inputs, {})
    assert any(key[0] == "quotes" for key in search._scopes)
    assert quotes is not None


def test_a_repeated_search_builds_no_scope_and_runs_three_queries_plus_titles(scene):
    owner = fresh(scene.owner)
    search.search(user=owner, q="锦程")
    with CaptureQueriesContext(connection) as queries:
        groups = search.search(user=owner, q="锦程")
    # The index (on PostgreSQL after setting its planner options), the access of every kind in one
    # statement, then the titles of each kind shown.
    statements = [q for q in queries.captured_queries if "set_config" not in q["sql"]]
    assert len(statements) == 2 + len(groups)
    access = [q for q in queries.captured_queries if "core_searchdocument" not in q["sql"] and "UNION ALL" in q["sql"]]
    assert len(access) == 1


def test_anonymous_and_inactive_find_nothing(scene):
    from django.contrib.auth.models import AnonymousUser

    assert search.search(user=AnonymousUser(), q="锦程") == []
    User.objects.filter(pk=scene.owner.pk).update(is_active=False)
    assert kinds_found(scene.owner) == set()
