import django.core.validators
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("marketing", "0004_consent_requests")]

    operations = [
        migrations.CreateModel(
            name="Journey",
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
                            ("active", "Active"),
                            ("paused", "Paused"),
                            ("archived", "Archived"),
                        ],
                        default="draft",
                        max_length=16,
                        verbose_name="status",
                    ),
                ),
                (
                    "entry",
                    models.CharField(
                        choices=[
                            ("segment", "Members of a segment"),
                            ("lead_created", "A lead is created"),
                            ("touch", "A response to the campaign"),
                        ],
                        default="segment",
                        max_length=16,
                        verbose_name="entry",
                    ),
                ),
                ("entry_lead_source", models.CharField(blank=True, max_length=16, verbose_name="lead source")),
                (
                    "entry_lead_campaign",
                    models.CharField(blank=True, max_length=100, verbose_name="lead campaign code"),
                ),
                ("entry_touch_kind", models.CharField(blank=True, max_length=16, verbose_name="response kind")),
                ("exit_on_qualified", models.BooleanField(default=True, verbose_name="exit when qualified")),
                ("exit_on_converted", models.BooleanField(default=True, verbose_name="exit when converted")),
                ("exit_on_disqualified", models.BooleanField(default=True, verbose_name="exit when disqualified")),
                ("exit_on_unsubscribed", models.BooleanField(default=True, verbose_name="exit when unsubscribed")),
                (
                    "exit_score",
                    models.PositiveSmallIntegerField(
                        blank=True,
                        null=True,
                        validators=[django.core.validators.MaxValueValidator(100)],
                        verbose_name="exit at score",
                    ),
                ),
                ("description", models.TextField(blank=True, max_length=5000, verbose_name="description")),
                (
                    "activated_at",
                    models.DateTimeField(blank=True, editable=False, null=True, verbose_name="activated at"),
                ),
                (
                    "campaign",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="journeys",
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
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="journeys",
                        to="marketing.segment",
                        verbose_name="segment",
                    ),
                ),
            ],
            options={
                "verbose_name": "journey",
                "verbose_name_plural": "journeys",
                "ordering": ["-created_at", "-pk"],
            },
        ),
        migrations.CreateModel(
            name="JourneyMember",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("position", models.PositiveSmallIntegerField(default=1, verbose_name="step")),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("active", "Active"),
                            ("waiting", "Waiting"),
                            ("finished", "Finished"),
                            ("exited", "Exited"),
                        ],
                        default="active",
                        max_length=16,
                        verbose_name="status",
                    ),
                ),
                ("next_run_at", models.DateTimeField(blank=True, null=True, verbose_name="next run")),
                (
                    "entered_at",
                    models.DateTimeField(default=django.utils.timezone.now, editable=False, verbose_name="entered at"),
                ),
                ("left_at", models.DateTimeField(blank=True, null=True, verbose_name="left at")),
                ("exit_reason", models.CharField(blank=True, max_length=32, verbose_name="exit reason")),
                ("runs", models.PositiveIntegerField(default=0, editable=False)),
                (
                    "contact",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="customers.contact",
                        verbose_name="contact",
                    ),
                ),
                (
                    "journey",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="members",
                        to="marketing.journey",
                        verbose_name="journey",
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
                        verbose_name="lead",
                    ),
                ),
            ],
            options={
                "verbose_name": "journey member",
                "verbose_name_plural": "journey members",
                "ordering": ["journey", "pk"],
            },
        ),
        migrations.CreateModel(
            name="JourneyMemberLog",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("position", models.PositiveSmallIntegerField(blank=True, null=True, verbose_name="step")),
                (
                    "action",
                    models.CharField(
                        choices=[
                            ("entered", "Entered"),
                            ("email_queued", "E-mail queued"),
                            ("email_skipped", "E-mail skipped"),
                            ("waiting", "Waiting"),
                            ("branch_yes", "Branch: yes"),
                            ("branch_no", "Branch: no"),
                            ("added_to_campaign", "Added to a campaign"),
                            ("task_created", "Task created"),
                            ("engagement", "Engagement recorded"),
                            ("handed_to_sales", "Handed to sales"),
                            ("failed", "Step failed"),
                            ("finished", "Finished"),
                            ("exited", "Exited"),
                        ],
                        max_length=32,
                        verbose_name="action",
                    ),
                ),
                ("result", models.CharField(blank=True, max_length=300, verbose_name="result")),
                ("at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="at")),
                ("key", models.CharField(editable=False, max_length=80, unique=True)),
                (
                    "member",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="logs",
                        to="marketing.journeymember",
                        verbose_name="member",
                    ),
                ),
            ],
            options={
                "verbose_name": "journey history",
                "verbose_name_plural": "journey history",
                "ordering": ["member", "at", "pk"],
            },
        ),
        migrations.CreateModel(
            name="JourneyStep",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "position",
                    models.PositiveSmallIntegerField(
                        validators=[django.core.validators.MinValueValidator(1)], verbose_name="position"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("email", "Send an e-mail"),
                            ("wait", "Wait"),
                            ("branch", "Branch"),
                            ("add_to_campaign", "Add to a campaign"),
                            ("task", "Create a task for the owner"),
                            ("score", "Record engagement"),
                            ("hand_to_sales", "Hand to sales"),
                        ],
                        max_length=16,
                        verbose_name="kind",
                    ),
                ),
                (
                    "wait_hours",
                    models.PositiveIntegerField(
                        blank=True,
                        null=True,
                        validators=[
                            django.core.validators.MinValueValidator(1),
                            django.core.validators.MaxValueValidator(8760),
                        ],
                        verbose_name="wait (hours)",
                    ),
                ),
                (
                    "branch_on",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("opened", "Opened the previous e-mail"),
                            ("clicked", "Clicked in the previous e-mail"),
                            ("score", "Score at least"),
                            ("field", "A field equals a value"),
                        ],
                        max_length=16,
                        verbose_name="branch on",
                    ),
                ),
                (
                    "branch_score",
                    models.PositiveSmallIntegerField(
                        blank=True,
                        null=True,
                        validators=[django.core.validators.MaxValueValidator(100)],
                        verbose_name="score at least",
                    ),
                ),
                (
                    "branch_field",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("industry", "Industry"),
                            ("region", "Region"),
                            ("company_size", "Company size"),
                            ("source", "Source"),
                            ("temperature", "Temperature"),
                            ("status", "Status"),
                        ],
                        max_length=16,
                        verbose_name="field",
                    ),
                ),
                ("branch_value", models.CharField(blank=True, max_length=100, verbose_name="value")),
                (
                    "yes_goto",
                    models.PositiveSmallIntegerField(blank=True, null=True, verbose_name="if yes, go to step"),
                ),
                ("no_goto", models.PositiveSmallIntegerField(blank=True, null=True, verbose_name="if no, go to step")),
                ("task_title", models.CharField(blank=True, max_length=200, verbose_name="task")),
                (
                    "task_due_days",
                    models.PositiveSmallIntegerField(
                        blank=True,
                        null=True,
                        validators=[django.core.validators.MaxValueValidator(365)],
                        verbose_name="due in (days)",
                    ),
                ),
                (
                    "journey",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="steps",
                        to="marketing.journey",
                        verbose_name="journey",
                    ),
                ),
                (
                    "target_campaign",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="marketing.campaign",
                        verbose_name="campaign to add to",
                    ),
                ),
                (
                    "template",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="marketing.emailtemplate",
                        verbose_name="e-mail template",
                    ),
                ),
            ],
            options={
                "verbose_name": "journey step",
                "verbose_name_plural": "journey steps",
                "ordering": ["journey", "position"],
            },
        ),
        migrations.AddIndex(
            model_name="journey",
            index=models.Index(fields=["status", "entry"], name="mkt_journey_status"),
        ),
        migrations.AddIndex(
            model_name="journeymember",
            index=models.Index(fields=["status", "next_run_at"], name="mkt_jmember_due"),
        ),
        migrations.AddIndex(
            model_name="journeymember",
            index=models.Index(fields=["journey", "status", "position"], name="mkt_jmember_position"),
        ),
        migrations.AddConstraint(
            model_name="journeymember",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("lead__isnull", False), ("contact__isnull", True)),
                    models.Q(("lead__isnull", True), ("contact__isnull", False)),
                    _connector="OR",
                ),
                name="mkt_jmember_lead_xor_contact",
            ),
        ),
        migrations.AddConstraint(
            model_name="journeymember",
            constraint=models.UniqueConstraint(
                condition=models.Q(("lead__isnull", False)), fields=("journey", "lead"), name="mkt_jmember_lead_once"
            ),
        ),
        migrations.AddConstraint(
            model_name="journeymember",
            constraint=models.UniqueConstraint(
                condition=models.Q(("contact__isnull", False)),
                fields=("journey", "contact"),
                name="mkt_jmember_contact_once",
            ),
        ),
        migrations.AddConstraint(
            model_name="journeystep",
            constraint=models.UniqueConstraint(fields=("journey", "position"), name="mkt_journey_step_position"),
        ),
    ]
