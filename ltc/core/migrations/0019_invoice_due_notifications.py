import django.utils.timezone
from django.db import migrations, models

KINDS = [
    ("assignment", "Assigned to you"),
    ("mention", "Mentioned in a note"),
    ("mention_unseen", "Mention not delivered"),
    ("decision_routed", "Decision routed to you"),
    ("decision_made", "Your request decided"),
    ("activity_due", "Activity due"),
    ("invoice_due", "Invoice falling due"),
    ("invoice_overdue", "Invoice overdue"),
]


class Migration(migrations.Migration):
    dependencies = [("core", "0018_recycle_bin")]

    operations = [
        migrations.AlterField(
            model_name="notification",
            name="kind",
            field=models.CharField(choices=KINDS, max_length=30),
        ),
        migrations.AlterField(
            model_name="notificationpreference",
            name="kind",
            field=models.CharField(choices=KINDS, max_length=30),
        ),
        migrations.CreateModel(
            name="NoticeSent",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("key", models.CharField(max_length=150, unique=True)),
                ("sent_at", models.DateTimeField(default=django.utils.timezone.now)),
            ],
        ),
    ]
