import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("contracts", "0001_initial"),
        ("process", "0003_bilingual_purpose_inputs_outputs"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="EvaluationStep",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "score",
                    models.PositiveSmallIntegerField(
                        validators=[
                            django.core.validators.MinValueValidator(1),
                            django.core.validators.MaxValueValidator(5),
                        ],
                        verbose_name="score",
                    ),
                ),
                ("remark", models.CharField(blank=True, max_length=500, verbose_name="remark")),
                ("at", models.DateTimeField(verbose_name="at")),
                (
                    "by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="by",
                    ),
                ),
                (
                    "evaluation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="contracts.evaluation",
                        verbose_name="evaluation",
                    ),
                ),
                (
                    "node",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="process.processnode",
                        verbose_name="step",
                    ),
                ),
            ],
            options={
                "verbose_name": "evaluated step",
                "verbose_name_plural": "evaluated steps",
                "ordering": ["evaluation", "node__level", "node__order", "id"],
                "indexes": [models.Index(fields=["node", "score"], name="evaluation_step_node")],
                "constraints": [
                    models.UniqueConstraint(fields=("evaluation", "node"), name="evaluation_step_once"),
                    models.CheckConstraint(
                        condition=models.Q(("score__gte", 1), ("score__lte", 5)), name="evaluation_step_score_range"
                    ),
                ],
            },
        ),
    ]
