from django.db import transaction

from ltc.core.bulk import bulk_insert, next_ids
from ltc.customers.models import Account
from ltc.web.demo import ACCOUNT_BULK_FIELDS, seed_scale


def test_bulk_insert_with_reserved_ids_round_trips_values(world):
    with transaction.atomic():
        ids = next_ids(Account, 3)
        at = world.account.created_at
        rows = [
            (i, f"批量{i}", f"批量{i}", "", "", "east", "", "prospect", world.owner.pk, "", "", "", "", 1, at, at)
            for i in ids
        ]
        written = bulk_insert(Account, ACCOUNT_BULK_FIELDS, rows)
    assert written == 3
    assert list(Account.objects.filter(pk__in=ids).order_by("id").values_list("name", "owner_id", "region")) == [
        (f"批量{i}", world.owner.pk, "east") for i in ids
    ]
    assert ids[0] > world.account.pk
    assert next_ids(Account, 1)[0] > ids[-1]


def test_seed_scale_creates_accounts_with_one_contact_each(db):
    assert seed_scale(scale=25, batch_size=10) == (25, 25)
    assert Account.objects.count() == 25
    assert all(a.contacts.count() == 1 for a in Account.objects.prefetch_related("contacts"))
