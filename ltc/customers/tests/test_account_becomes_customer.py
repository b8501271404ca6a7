"""A signed contract makes its account a customer (called by the contract's signing)."""

from ltc.core.models import TimelineEvent
from ltc.customers.models import Account
from ltc.customers.services import account_become_customer


def test_a_prospect_becomes_a_customer_once_on_its_timeline(world):
    account = world.account
    assert account.status == "prospect"
    assert account_become_customer(actor=world.owner, account=account) is True
    stored = Account.objects.get(pk=account.pk)
    assert (stored.status, stored.version) == ("customer", account.version + 1)
    assert account_become_customer(actor=world.owner, account=stored) is False  # already a customer
    changes = TimelineEvent.objects.filter(object_id=account.pk, content_type__model="account", kind="changed")
    assert [(e.actor, e.changes) for e in changes] == [
        (world.owner, [{"field": "status", "old": "prospect", "new": "customer"}])
    ]


def test_a_former_customer_signing_again_is_a_customer_again(world):
    Account.objects.filter(pk=world.account.pk).update(status="former")
    assert account_become_customer(actor=world.owner, account=world.account) is True
    assert Account.objects.get(pk=world.account.pk).status == "customer"
