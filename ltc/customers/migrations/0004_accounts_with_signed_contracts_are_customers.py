"""A prospect with a signed contract is a customer (customers.services.account_become_customer
does it at each signing from now on): installations that signed contracts before that rule get
their accounts' status fixed here, each with the status change on the account's timeline (no
text: the timeline shows the change in the reader's language; the contract shows on the
account's page). Former customers stay as they are (someone marked them so). The contracts app is
later than this one: its model is read from the migration state, and where it is not there (a
fresh database, whose contracts tables come later) there is nothing to fix."""

from django.db import migrations
from django.db.models import F

BATCH = 1000


def mark_signed_customers(apps, schema_editor):
    try:
        Contract = apps.get_model("contracts", "Contract")
    except LookupError:
        return
    Account = apps.get_model("customers", "Account")
    TimelineEvent = apps.get_model("core", "TimelineEvent")
    ContentType = apps.get_model("contenttypes", "ContentType")
    signed = Contract.objects.filter(signed_on__isnull=False)
    prospects = list(
        Account.objects.filter(status="prospect", pk__in=signed.values("account_id"))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not prospects:
        return
    content_type, _created = ContentType.objects.get_or_create(app_label="customers", model="account")
    for start in range(0, len(prospects), BATCH):
        ids = prospects[start : start + BATCH]
        Account.objects.filter(pk__in=ids, status="prospect").update(status="customer", version=F("version") + 1)
        TimelineEvent.objects.bulk_create(
            TimelineEvent(
                content_type=content_type,
                object_id=pk,
                kind="changed",
                changes=[{"field": "status", "old": "prospect", "new": "customer"}],
            )
            for pk in ids
        )


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0003_credit_code_unique_and_merge"),
        ("core", "0007_integration_event"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(mark_signed_customers, migrations.RunPython.noop),
    ]
