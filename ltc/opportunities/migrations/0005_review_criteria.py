import django.utils.timezone
from django.db import migrations, models

# What each role of the iron triangle scored before criteria were configurable: the criteria of
# every review type of a new installation (literal, so later changes of the code leave it alone).
CRITERIA = {
    "ar": [
        ("relationship", "Customer relationship", "客户关系"),
        ("decision_chain", "Decision chain coverage", "决策链覆盖"),
    ],
    "sr": [
        ("requirements_fit", "Requirements fit", "需求匹配度"),
        ("solution", "Solution strength", "方案竞争力"),
        ("competition", "Competitive position", "竞争态势"),
    ],
    "fr": [
        ("deliverability", "Deliverability", "可交付性"),
        ("delivery_risk", "Delivery risk (5 = low)", "交付风险（5 = 低）"),
        ("cost", "Delivery cost (5 = within plan)", "交付成本（5 = 在计划内）"),
    ],
}


def seed(apps, schema_editor):
    ReviewCriterion = apps.get_model("opportunities", "ReviewCriterion")
    ReviewCriterion.objects.bulk_create(
        ReviewCriterion(
            review_type=review_type,
            role=role,
            code=code,
            label_en=label_en,
            label_zh=label_zh,
            order=(index + 1) * 10,
        )
        for review_type in ("ATI", "ATB", "ATC")
        for role, rows in CRITERIA.items()
        for index, (code, label_en, label_zh) in enumerate(rows)
    )


class Migration(migrations.Migration):
    dependencies = [("opportunities", "0004_pipeline_configuration")]

    operations = [
        migrations.CreateModel(
            name="ReviewCriterion",
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
                (
                    "review_type",
                    models.CharField(
                        choices=[
                            ("ATI", "ATI — project initiation (立项)"),
                            ("ATB", "ATB — bid (投标)"),
                            ("ATC", "ATC — contract signing (签约)"),
                        ],
                        max_length=3,
                        verbose_name="review",
                    ),
                ),
                (
                    "role",
                    models.CharField(
                        choices=[
                            ("ar", "AR: customer and relationship"),
                            ("sr", "SR: solution and competition"),
                            ("fr", "FR: delivery"),
                        ],
                        max_length=2,
                        verbose_name="role",
                    ),
                ),
                (
                    "code",
                    models.SlugField(
                        help_text="Letters, digits, _ and -; unique per review and role.",
                        max_length=40,
                        verbose_name="code",
                    ),
                ),
                ("label_zh", models.CharField(max_length=100, verbose_name="label (Chinese)")),
                ("label_en", models.CharField(max_length=100, verbose_name="label (English)")),
                (
                    "help",
                    models.TextField(
                        blank=True, help_text="What the assessor weighs.", max_length=1000, verbose_name="help"
                    ),
                ),
                ("order", models.PositiveSmallIntegerField(default=0, verbose_name="order")),
                ("active", models.BooleanField(default=True, verbose_name="active")),
            ],
            options={
                "verbose_name": "review criterion",
                "verbose_name_plural": "review criteria",
                "ordering": ["review_type", "role", "order", "id"],
                "constraints": [
                    models.UniqueConstraint(fields=("review_type", "role", "code"), name="review_criterion_code_once")
                ],
            },
        ),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
