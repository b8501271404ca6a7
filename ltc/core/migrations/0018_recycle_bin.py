import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0017_custom_fields"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="timelineevent",
            name="kind",
            field=models.CharField(
                choices=[
                    ("created", "Created"),
                    ("changed", "Changed"),
                    ("note", "Note"),
                    ("activity", "Activity"),
                    ("decision", "Decision"),
                    ("deleted", "Deleted"),
                    ("restored", "Restored"),
                ],
                max_length=16,
                verbose_name="kind",
            ),
        ),
        migrations.CreateModel(
            name="RecycledRecord",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("kind", models.CharField(max_length=32, verbose_name="kind")),
                ("object_id", models.PositiveBigIntegerField()),
                ("label", models.CharField(max_length=300, verbose_name="record")),
                ("snapshot", models.JSONField(blank=True, default=list)),
                ("deleted_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="deleted at")),
                ("restored_at", models.DateTimeField(blank=True, null=True, verbose_name="restored at")),
                ("purged_at", models.DateTimeField(blank=True, null=True, verbose_name="purged at")),
                (
                    "content_type",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to="contenttypes.contenttype"
                    ),
                ),
                (
                    "deleted_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="deleted by",
                    ),
                ),
                (
                    "restored_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="restored by",
                    ),
                ),
            ],
            options={
                "verbose_name": "deleted record",
                "verbose_name_plural": "deleted records",
                "ordering": ["-deleted_at", "-id"],
                "indexes": [
                    models.Index(fields=["deleted_by", "-deleted_at", "-id"], name="recycled_by_deleter"),
                    models.Index(
                        condition=models.Q(("purged_at__isnull", True), ("restored_at__isnull", True)),
                        fields=["deleted_at"],
                        name="recycled_in_bin",
                    ),
                    models.Index(fields=["content_type", "object_id"], name="recycled_subject"),
                ],
            },
        ),
    ]
