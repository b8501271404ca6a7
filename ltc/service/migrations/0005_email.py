# The e-mail area: inbound case e-mail kept as received.
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("service", "0004_cases"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="InboundEmail",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("message_id", models.CharField(max_length=255, unique=True)),
                ("raw", models.BinaryField(verbose_name="raw message")),
                ("from_address", models.EmailField(blank=True, max_length=254, verbose_name="from")),
                ("from_name", models.CharField(blank=True, max_length=200, verbose_name="sender name")),
                ("to_address", models.CharField(blank=True, max_length=300, verbose_name="to")),
                ("subject", models.CharField(blank=True, max_length=300, verbose_name="subject")),
                ("body", models.TextField(blank=True, verbose_name="message")),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("matched", "Threaded onto a case"),
                            ("opened", "Opened a case"),
                            ("unmatched", "Unknown sender"),
                            ("attached", "Attached by an agent"),
                            ("rejected", "Rejected"),
                        ],
                        max_length=10,
                        verbose_name="status",
                    ),
                ),
                ("reason", models.CharField(blank=True, max_length=200, verbose_name="reason")),
                ("received_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="received at")),
                ("handled_at", models.DateTimeField(blank=True, null=True)),
                (
                    "case",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="inbound_emails",
                        to="service.case",
                    ),
                ),
                (
                    "handled_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "inbound e-mail",
                "verbose_name_plural": "inbound e-mails",
                "ordering": ["-received_at", "-id"],
                "indexes": [models.Index(fields=["status", "-received_at"], name="svc_inbound_status")],
            },
        ),
    ]
