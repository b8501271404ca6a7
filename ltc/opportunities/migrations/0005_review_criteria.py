import django.utils.timezone
from django.db import migrations, models


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
    ]
