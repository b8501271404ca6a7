import django.core.validators
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("marketing", "0002_segments"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="EmailTemplate",
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
                ("subject_zh", models.CharField(max_length=200, verbose_name="subject (Chinese)")),
                ("body_zh", models.TextField(max_length=20000, verbose_name="body (Chinese)")),
                ("subject_en", models.CharField(blank=True, max_length=200, verbose_name="subject (English)")),
                ("body_en", models.TextField(blank=True, max_length=20000, verbose_name="body (English)")),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        editable=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "e-mail template",
                "verbose_name_plural": "e-mail templates",
                "ordering": ["name", "pk"],
            },
        ),
        migrations.CreateModel(
            name="Mailing",
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
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("draft", "Draft"),
                            ("scheduled", "Scheduled"),
                            ("sending", "Sending"),
                            ("sent", "Sent"),
                            ("cancelled", "Cancelled"),
                        ],
                        default="draft",
                        max_length=12,
                        verbose_name="status",
                    ),
                ),
                ("scheduled_at", models.DateTimeField(blank=True, null=True, verbose_name="send at")),
                (
                    "rate_per_minute",
                    models.PositiveIntegerField(
                        default=600,
                        validators=[
                            django.core.validators.MinValueValidator(1),
                            django.core.validators.MaxValueValidator(1000000),
                        ],
                        verbose_name="messages per minute",
                    ),
                ),
                ("recipients", models.PositiveIntegerField(default=0, editable=False, verbose_name="recipients")),
                (
                    "finished_at",
                    models.DateTimeField(blank=True, editable=False, null=True, verbose_name="finished at"),
                ),
                (
                    "campaign",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="mailings",
                        to="marketing.campaign",
                        verbose_name="campaign",
                    ),
                ),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        editable=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "segment",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="mailings",
                        to="marketing.segment",
                        verbose_name="segment",
                    ),
                ),
                (
                    "template",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="mailings",
                        to="marketing.emailtemplate",
                        verbose_name="template",
                    ),
                ),
            ],
            options={
                "verbose_name": "mailing",
                "verbose_name_plural": "mailings",
                "ordering": ["-created_at", "-pk"],
            },
        ),
        migrations.CreateModel(
            name="EmailMessage",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("step_key", models.CharField(blank=True, max_length=120, verbose_name="journey step")),
                ("address", models.CharField(max_length=254, verbose_name="address")),
                ("name", models.CharField(blank=True, max_length=200, verbose_name="name")),
                ("language", models.CharField(default="zh-hans", max_length=8, verbose_name="language")),
                ("is_test", models.BooleanField(default=False, verbose_name="test send")),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("queued", "Queued"),
                            ("sent", "Sent"),
                            ("failed", "Failed"),
                            ("suppressed", "Suppressed (no consent)"),
                            ("bounced", "Bounced"),
                            ("cancelled", "Cancelled"),
                        ],
                        default="queued",
                        max_length=12,
                        verbose_name="status",
                    ),
                ),
                ("attempts", models.PositiveSmallIntegerField(default=0, verbose_name="attempts")),
                ("last_error", models.CharField(blank=True, max_length=2000, verbose_name="last error")),
                ("dedupe_key", models.CharField(editable=False, max_length=200, unique=True)),
                ("token", models.CharField(editable=False, max_length=43, unique=True)),
                ("message_id", models.CharField(blank=True, max_length=200, verbose_name="Message-ID")),
                ("subject", models.CharField(blank=True, max_length=300, verbose_name="subject")),
                ("links", models.JSONField(blank=True, default=list, editable=False)),
                ("queued_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="queued at")),
                ("next_attempt_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("claim", models.CharField(blank=True, editable=False, max_length=32)),
                ("claimed_at", models.DateTimeField(blank=True, editable=False, null=True)),
                ("sent_at", models.DateTimeField(blank=True, null=True, verbose_name="sent at")),
                ("opened_at", models.DateTimeField(blank=True, null=True, verbose_name="opened at")),
                ("clicked_at", models.DateTimeField(blank=True, null=True, verbose_name="clicked at")),
                (
                    "campaign",
                    models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="marketing.campaign",
                    ),
                ),
                (
                    "contact",
                    models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="customers.contact",
                    ),
                ),
                (
                    "lead",
                    models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="leads.lead",
                    ),
                ),
                (
                    "template",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="marketing.emailtemplate",
                    ),
                ),
                (
                    "mailing",
                    models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="messages",
                        to="marketing.mailing",
                    ),
                ),
            ],
            options={
                "verbose_name": "e-mail message",
                "verbose_name_plural": "e-mail messages",
            },
        ),
        migrations.AddIndex(
            model_name="emailmessage",
            index=models.Index(
                condition=models.Q(("status", "queued")), fields=["next_attempt_at", "id"], name="mkt_email_due"
            ),
        ),
        migrations.AddIndex(
            model_name="emailmessage",
            index=models.Index(fields=["mailing", "status"], name="mkt_email_mailing_status"),
        ),
        migrations.AddIndex(
            model_name="emailmessage",
            index=models.Index(fields=["mailing", "sent_at"], name="mkt_email_mailing_sent"),
        ),
        migrations.AddIndex(
            model_name="emailmessage",
            index=models.Index(condition=models.Q(("lead__isnull", False)), fields=["lead"], name="mkt_email_lead"),
        ),
        migrations.AddIndex(
            model_name="emailmessage",
            index=models.Index(
                condition=models.Q(("contact__isnull", False)), fields=["contact"], name="mkt_email_contact"
            ),
        ),
    ]
