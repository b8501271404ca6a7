import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from ltc.core.access import can_change, get_visible_or_404, scope
from ltc.customers.models import Account
from ltc.customers.tests.factories import AccountFactory

VISIBLE = {"owner", "manager", "boss", "executive", "admin"}
HIDDEN = {"teammate", "other", "finance"}


@pytest.mark.parametrize("actor", sorted(VISIBLE | HIDDEN))
def test_account_visibility_follows_owner_team_tree_and_global_roles(world, actor):
    user = world.actor(actor)
    visible = scope(Account.objects.all(), user).filter(pk=world.account.pk).exists()
    assert visible is (actor in VISIBLE)


def test_anonymous_and_inactive_users_see_nothing(world):
    assert not scope(Account.objects.all(), AnonymousUser()).exists()
    world.executive.is_active = False
    assert not scope(Account.objects.all(), world.executive).exists()


def test_a_hidden_record_is_a_404_not_a_403(world):
    with pytest.raises(Http404):
        get_visible_or_404(Account.objects.all(), world.other, world.account.pk)
    with pytest.raises(Http404):
        get_visible_or_404(Account.objects.all(), world.owner, "not-a-number")


def test_manager_sees_the_subtree_but_not_the_sibling_team(world):
    north_account = AccountFactory(owner=world.other)
    assert set(scope(Account.objects.all(), world.manager)) == {world.account}
    assert set(scope(Account.objects.all(), world.boss)) == {world.account, north_account}


@pytest.mark.parametrize(
    ("actor", "allowed"),
    [("owner", True), ("manager", True), ("boss", True), ("admin", True), ("teammate", False), ("executive", False)],
)
def test_write_scope(world, actor, allowed):
    user = world.actor(actor)
    assert can_change(user, world.owner.pk, world.owner.team_id) is allowed
