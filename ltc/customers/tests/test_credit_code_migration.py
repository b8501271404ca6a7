"""The migration that makes the credit code unique keeps existing duplicates: the oldest account
keeps the code, the others lose it with a note on their timeline; nothing is deleted."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("customers", "0002_initial")]
AFTER = [("customers", "0003_credit_code_unique_and_merge")]


@pytest.mark.django_db(transaction=True)
def test_duplicate_codes_are_released_with_a_note_before_the_constraint():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    User = old.get_model("org", "User")
    Account = old.get_model("customers", "Account")
    owner = User.objects.create(username="migrator")
    code = "91330200MA2AB1234X"
    first = Account.objects.create(
        name="宁波港联物流集团有限公司", name_key="宁波港联物流集团", credit_code=code, owner=owner
    )
    second = Account.objects.create(name="宁波港联物流", name_key="宁波港联物流", credit_code=code, owner=owner)
    other = Account.objects.create(name="锦程智能制造有限公司", name_key="锦程智能制造", credit_code="", owner=owner)

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    Account = new.get_model("customers", "Account")
    TimelineEvent = new.get_model("core", "TimelineEvent")
    assert Account.objects.get(pk=first.pk).credit_code == code
    assert Account.objects.get(pk=second.pk).credit_code == ""
    assert Account.objects.count() == 3
    (note,) = TimelineEvent.objects.filter(object_id=second.pk, kind="note")
    assert code in note.text
    assert f"#{first.pk}" in note.text
    assert not TimelineEvent.objects.filter(object_id__in=[first.pk, other.pk], kind="note").exists()

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
