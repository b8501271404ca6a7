import django.core.validators
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("marketing", "0005_journeys"),
        ("leads", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations: list[migrations.operations.base.Operation] = [
        migrations.CreateModel(
            name="MarketingEvent",
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
                ("venue", models.CharField(blank=True, max_length=200, verbose_name="venue")),
                ("starts_at", models.DateTimeField(verbose_name="starts at")),
                ("ends_at", models.DateTimeField(verbose_name="ends at")),
                (
                    "capacity",
                    models.PositiveIntegerField(
                        blank=True,
                        null=True,
                        validators=[django.core.validators.MinValueValidator(1)],
                        verbose_name="capacity",
                    ),
                ),
                ("registration_open", models.BooleanField(default=True, verbose_name="registration open")),
                ("description", models.TextField(blank=True, max_length=5000, verbose_name="description")),
                ("key", models.CharField(editable=False, max_length=40, unique=True)),
                (
                    "campaign",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="events",
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
            ],
            options={
                "verbose_name": "marketing event",
                "verbose_name_plural": "marketing events",
                "ordering": ["-starts_at", "-pk"],
            },
        ),
        migrations.CreateModel(
            name="Registration",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=100, verbose_name="name")),
                ("company", models.CharField(blank=True, max_length=200, verbose_name="company")),
                ("title", models.CharField(blank=True, max_length=100, verbose_name="title")),
                ("mobile", models.CharField(blank=True, max_length=20, verbose_name="mobile")),
                ("mobile_digits", models.CharField(blank=True, editable=False, max_length=20)),
                ("email", models.EmailField(blank=True, max_length=254, verbose_name="email")),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("registered", "Registered"),
                            ("attended", "Attended"),
                            ("cancelled", "Cancelled"),
                            ("walk_in", "Walk-in"),
                        ],
                        default="registered",
                        max_length=12,
                        verbose_name="status",
                    ),
                ),
                (
                    "registered_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now, editable=False, verbose_name="registered at"
                    ),
                ),
                (
                    "checked_in_at",
                    models.DateTimeField(blank=True, editable=False, null=True, verbose_name="checked in at"),
                ),
                ("consent", models.BooleanField(default=False, verbose_name="agrees to receive event news")),
                ("submitter_ip", models.GenericIPAddressField(blank=True, editable=False, null=True)),
                (
                    "checked_in_by",
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
                    "event",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="registrations",
                        to="marketing.marketingevent",
                        verbose_name="event",
                    ),
                ),
                (
                    "lead",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="leads.lead",
                        verbose_name="lead",
                    ),
                ),
            ],
            options={
                "verbose_name": "registration",
                "verbose_name_plural": "registrations",
                "ordering": ["-registered_at", "-pk"],
            },
        ),
        migrations.AddConstraint(
            model_name="marketingevent",
            constraint=models.CheckConstraint(
                condition=models.Q(("ends_at__gte", models.F("starts_at"))), name="mkt_event_times_ordered"
            ),
        ),
        migrations.AddIndex(
            model_name="registration",
            index=models.Index(fields=["event", "mobile_digits"], name="mkt_reg_event_mobile"),
        ),
        migrations.AddIndex(
            model_name="registration",
            index=models.Index(fields=["event", "status"], name="mkt_reg_event_status"),
        ),
        migrations.AddIndex(
            model_name="registration",
            index=models.Index(
                condition=models.Q(("submitter_ip__isnull", False)),
                fields=["submitter_ip", "registered_at"],
                name="mkt_reg_submitter",
            ),
        ),
    ]
