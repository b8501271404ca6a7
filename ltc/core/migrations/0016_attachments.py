import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

import ltc.core.models


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0015_saved_views"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Attachment",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("object_id", models.PositiveBigIntegerField()),
                ("title", models.CharField(max_length=200, verbose_name="title")),
                (
                    "file",
                    models.FileField(max_length=300, upload_to=ltc.core.models.attachment_path, verbose_name="file"),
                ),
                ("original_name", models.CharField(max_length=255, verbose_name="file name")),
                ("media_type", models.CharField(max_length=100, verbose_name="content type")),
                ("size", models.PositiveBigIntegerField(verbose_name="size")),
                ("sha256", models.CharField(max_length=64, verbose_name="SHA-256")),
                ("uploaded_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="uploaded at")),
                ("removed_at", models.DateTimeField(blank=True, null=True, verbose_name="removed at")),
                (
                    "content_type",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to="contenttypes.contenttype"
                    ),
                ),
                (
                    "removed_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="removed by",
                    ),
                ),
                (
                    "uploaded_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="uploaded by",
                    ),
                ),
            ],
            options={
                "verbose_name": "attachment",
                "verbose_name_plural": "attachments",
                "ordering": ["-uploaded_at", "-pk"],
                "indexes": [
                    models.Index(fields=["content_type", "object_id", "uploaded_at"], name="core_attach_record_idx")
                ],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("removed_at__isnull", True), ("removed_by__isnull", True)),
                            models.Q(("removed_at__isnull", False), ("removed_by__isnull", False)),
                            _connector="OR",
                        ),
                        name="core_attachment_removed_by_when",
                    )
                ],
            },
        ),
    ]
