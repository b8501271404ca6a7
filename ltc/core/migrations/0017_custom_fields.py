import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0016_attachments"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="CustomField",
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
                    "record_type",
                    models.CharField(
                        choices=[("account", "Account"), ("contact", "Contact"), ("lead", "Lead"), ("deal", "Deal")],
                        max_length=16,
                        verbose_name="record type",
                    ),
                ),
                ("code", models.SlugField(max_length=40, verbose_name="code")),
                ("label_zh", models.CharField(max_length=100, verbose_name="label (Chinese)")),
                ("label_en", models.CharField(max_length=100, verbose_name="label (English)")),
                (
                    "field_type",
                    models.CharField(
                        choices=[
                            ("text", "Text"),
                            ("number", "Numeric"),
                            ("money", "Amount"),
                            ("date", "Date"),
                            ("choice", "Choice"),
                            ("user", "User"),
                            ("checkbox", "Checkbox"),
                        ],
                        max_length=16,
                        verbose_name="type",
                    ),
                ),
                ("choices", models.JSONField(blank=True, default=list, verbose_name="choices")),
                ("required", models.BooleanField(default=False, verbose_name="required")),
                ("order", models.PositiveIntegerField(default=0, verbose_name="order")),
                ("active", models.BooleanField(default=True, verbose_name="active")),
            ],
            options={
                "verbose_name": "custom field",
                "verbose_name_plural": "custom fields",
                "ordering": ["record_type", "order", "id"],
                "constraints": [
                    models.UniqueConstraint(fields=("record_type", "code"), name="core_custom_field_unique_code")
                ],
            },
        ),
        migrations.CreateModel(
            name="CustomValue",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("object_id", models.PositiveBigIntegerField()),
                ("text", models.CharField(blank=True, max_length=1000)),
                ("number", models.DecimalField(blank=True, decimal_places=4, max_digits=18, null=True)),
                ("date", models.DateField(blank=True, null=True)),
                ("flag", models.BooleanField(blank=True, null=True)),
                (
                    "content_type",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to="contenttypes.contenttype"
                    ),
                ),
                (
                    "field",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="values", to="core.customfield"
                    ),
                ),
                (
                    "user",
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
                "indexes": [
                    models.Index(fields=["content_type", "object_id"], name="core_cv_record"),
                    models.Index(fields=["field", "text"], name="core_cv_text"),
                    models.Index(fields=["field", "number"], name="core_cv_number"),
                    models.Index(fields=["field", "date"], name="core_cv_date"),
                    models.Index(fields=["field", "flag"], name="core_cv_flag"),
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("field", "content_type", "object_id"), name="core_custom_value_once"
                    )
                ],
            },
        ),
    ]
