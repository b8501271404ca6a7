import pytest

from ltc.core.concurrency import StaleVersionError, save_if_current
from ltc.customers.models import Account


def test_save_if_current_bumps_the_version(world):
    account = world.account
    account.phone = "021-12345678"
    save_if_current(account, expected_version=1, fields=["phone"])
    stored = Account.objects.get(pk=account.pk)
    assert (stored.version, stored.phone, account.version) == (2, "021-12345678", 2)


def test_a_stale_writer_changes_nothing(world):
    first = Account.objects.get(pk=world.account.pk)
    second = Account.objects.get(pk=world.account.pk)
    first.phone = "021-11111111"
    save_if_current(first, expected_version=1, fields=["phone"])
    second.phone = "021-22222222"
    with pytest.raises(StaleVersionError) as excinfo:
        save_if_current(second, expected_version=1, fields=["phone"])
    assert excinfo.value.current_version == 2
    assert Account.objects.get(pk=world.account.pk).phone == "021-11111111"
