from ltc.customers.models import Account
from ltc.customers.tests.factories import AccountFactory


def test_any_lookup_matches_like_in(world):
    others = AccountFactory.create_batch(3, owner=world.owner)
    wanted = [world.account.pk, others[1].pk]
    assert set(Account.objects.filter(pk__any=wanted)) == set(Account.objects.filter(pk__in=wanted))
    assert list(Account.objects.filter(pk__any=[])) == []
    assert Account.objects.filter(pk__any=wanted).update(phone="021-1") == 2
