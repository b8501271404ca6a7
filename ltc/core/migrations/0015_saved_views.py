import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("core", "0014_calendar_feed")]

    operations = [
        migrations.CreateModel(
            name="ListPreference",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("list_key", models.CharField(max_length=40, verbose_name="list")),
                ("columns", models.JSONField(default=list, verbose_name="columns")),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="list_preferences",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("user", "list_key"), name="core_list_preference_unique")
                ],
            },
        ),
        migrations.CreateModel(
            name="SavedView",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("list_key", models.CharField(max_length=40, verbose_name="list")),
                ("name", models.CharField(max_length=60, verbose_name="name")),
                ("query", models.CharField(blank=True, max_length=1000, verbose_name="filters")),
                ("columns", models.JSONField(blank=True, default=list, verbose_name="columns")),
                ("is_default", models.BooleanField(default=False, verbose_name="default view")),
                (
                    "created_at",
                    models.DateTimeField(default=django.utils.timezone.now, editable=False, verbose_name="created at"),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="saved_views",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["list_key", "name"],
                "constraints": [
                    models.UniqueConstraint(fields=("user", "list_key", "name"), name="core_saved_view_unique_name"),
                    models.UniqueConstraint(
                        condition=models.Q(("is_default", True)),
                        fields=("user", "list_key"),
                        name="core_saved_view_one_default",
                    ),
                ],
            },
        ),
    ]
