import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("marketing", "0001_campaigns_consent")]

    operations = [
        migrations.CreateModel(
            name="Segment",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("version", models.PositiveIntegerField(default=1, editable=False, verbose_name="version")),
                (
                    "created_at",
                    models.DateTimeField(default=django.utils.timezone.now, editable=False, verbose_name="created at"),
                ),
                (
                    "updated_at",
                    models.DateTimeField(default=django.utils.timezone.now, editable=False, verbose_name="updated at"),
                ),
                ("name", models.CharField(max_length=200, verbose_name="name")),
                ("description", models.TextField(blank=True, max_length=2000, verbose_name="description")),
                (
                    "target",
                    models.CharField(
                        choices=[("contacts", "Contacts"), ("leads", "Leads"), ("accounts", "Accounts")],
                        max_length=10,
                        verbose_name="who",
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[("dynamic", "Dynamic (rules)"), ("static", "Static list")],
                        default="dynamic",
                        max_length=10,
                        verbose_name="type",
                    ),
                ),
                ("rules", models.JSONField(blank=True, default=dict, verbose_name="rules")),
                (
                    "member_count",
                    models.PositiveIntegerField(blank=True, editable=False, null=True, verbose_name="members"),
                ),
                ("counted_at", models.DateTimeField(blank=True, editable=False, null=True, verbose_name="counted at")),
                (
                    "archived_at",
                    models.DateTimeField(blank=True, editable=False, null=True, verbose_name="archived at"),
                ),
                (
                    "owner",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="segments",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="owner",
                    ),
                ),
            ],
            options={
                "verbose_name": "segment",
                "verbose_name_plural": "segments",
                "ordering": ["name", "id"],
                "indexes": [models.Index(fields=["archived_at", "name"], name="mkt_segment_active_name")],
            },
        ),
        migrations.CreateModel(
            name="SegmentEntry",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("added_at", models.DateTimeField(auto_now_add=True, verbose_name="added at")),
                (
                    "account",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="customers.account",
                    ),
                ),
                (
                    "contact",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="customers.contact",
                    ),
                ),
                (
                    "lead",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="leads.lead",
                    ),
                ),
                (
                    "segment",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="entries", to="marketing.segment"
                    ),
                ),
            ],
            options={
                "verbose_name": "segment entry",
                "verbose_name_plural": "segment entries",
                "indexes": [
                    models.Index(
                        condition=models.Q(("lead__isnull", False)), fields=["lead"], name="mkt_segentry_lead"
                    ),
                    models.Index(
                        condition=models.Q(("contact__isnull", False)), fields=["contact"], name="mkt_segentry_contact"
                    ),
                    models.Index(
                        condition=models.Q(("account__isnull", False)), fields=["account"], name="mkt_segentry_account"
                    ),
                ],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("lead__isnull", False), ("contact__isnull", True), ("account__isnull", True)),
                            models.Q(("lead__isnull", True), ("contact__isnull", False), ("account__isnull", True)),
                            models.Q(("lead__isnull", True), ("contact__isnull", True), ("account__isnull", False)),
                            _connector="OR",
                        ),
                        name="mkt_segentry_one_record",
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("lead__isnull", False)),
                        fields=("segment", "lead"),
                        name="mkt_segentry_lead_once",
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("contact__isnull", False)),
                        fields=("segment", "contact"),
                        name="mkt_segentry_contact_once",
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("account__isnull", False)),
                        fields=("segment", "account"),
                        name="mkt_segentry_account_once",
                    ),
                ],
            },
        ),
    ]
