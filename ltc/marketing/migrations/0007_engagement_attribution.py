import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("marketing", "0006_events")]

    operations = [
        migrations.CreateModel(
            name="AttributionCredit",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "model",
                    models.CharField(
                        choices=[("first", "First touch"), ("last", "Last touch"), ("linear", "Linear (multi-touch)")],
                        max_length=8,
                        verbose_name="attribution model",
                    ),
                ),
                (
                    "outcome",
                    models.CharField(
                        choices=[
                            ("lead", "Lead created"),
                            ("mql", "MQL"),
                            ("sql", "SQL"),
                            ("deal", "Deal created"),
                            ("won", "Deal won"),
                            ("cash", "Cash collected"),
                        ],
                        max_length=8,
                        verbose_name="outcome",
                    ),
                ),
                ("subject_id", models.BigIntegerField(verbose_name="lead or deal")),
                ("day", models.DateField(verbose_name="day")),
                ("credit", models.DecimalField(decimal_places=8, max_digits=12, verbose_name="credit")),
                (
                    "amount",
                    models.DecimalField(decimal_places=6, default=0, max_digits=22, verbose_name="credited amount"),
                ),
                (
                    "campaign",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="marketing.campaign",
                        verbose_name="campaign",
                    ),
                ),
            ],
            options={
                "verbose_name": "attribution credit",
                "verbose_name_plural": "attribution credits",
                "indexes": [
                    models.Index(fields=["outcome", "subject_id"], name="mkt_credit_subject"),
                    models.Index(fields=["day"], name="mkt_credit_day"),
                    models.Index(fields=["campaign"], name="mkt_credit_campaign"),
                ],
            },
        ),
        migrations.CreateModel(
            name="AttributionDay",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "model",
                    models.CharField(
                        choices=[("first", "First touch"), ("last", "Last touch"), ("linear", "Linear (multi-touch)")],
                        max_length=8,
                        verbose_name="attribution model",
                    ),
                ),
                (
                    "outcome",
                    models.CharField(
                        choices=[
                            ("lead", "Lead created"),
                            ("mql", "MQL"),
                            ("sql", "SQL"),
                            ("deal", "Deal created"),
                            ("won", "Deal won"),
                            ("cash", "Cash collected"),
                        ],
                        max_length=8,
                        verbose_name="outcome",
                    ),
                ),
                ("day", models.DateField(verbose_name="day")),
                ("credit", models.DecimalField(decimal_places=8, max_digits=20, verbose_name="credit")),
                (
                    "amount",
                    models.DecimalField(decimal_places=6, default=0, max_digits=24, verbose_name="credited amount"),
                ),
                (
                    "campaign",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="marketing.campaign",
                        verbose_name="campaign",
                    ),
                ),
            ],
            options={
                "verbose_name": "attribution day",
                "verbose_name_plural": "attribution days",
                "indexes": [models.Index(fields=["campaign"], name="mkt_attrday_campaign")],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("model", "day", "campaign", "outcome"), name="mkt_attribution_day_unique"
                    )
                ],
            },
        ),
    ]
