import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def forward(apps, schema_editor):
    """Closing stages take their fixed forecast category; each template's file becomes its version 1."""
    Stage = apps.get_model("opportunities", "Stage")
    Stage.objects.filter(category="won").update(forecast_category="closed")
    Stage.objects.filter(category="lost").update(forecast_category="omitted")
    StageTemplate = apps.get_model("opportunities", "StageTemplate")
    StageTemplateVersion = apps.get_model("opportunities", "StageTemplateVersion")
    StageTemplateVersion.objects.bulk_create(
        StageTemplateVersion(template_id=t.pk, number=1, file=t.file.name)
        for t in StageTemplate.objects.exclude(file="")
    )


def backward(apps, schema_editor):
    """Each template's file is its current (highest) version again; a deactivated template is
    deleted with its versions, since before this migration every template is offered to deals."""
    StageTemplate = apps.get_model("opportunities", "StageTemplate")
    StageTemplateVersion = apps.get_model("opportunities", "StageTemplateVersion")
    removed = StageTemplate.objects.filter(active=False)
    StageTemplateVersion.objects.filter(template__in=removed).delete()
    removed.delete()
    current: dict[int, str] = {}
    for template_id, name in StageTemplateVersion.objects.order_by("template_id", "-number").values_list(
        "template_id", "file"
    ):
        current.setdefault(template_id, name)
    for template_id, name in current.items():
        StageTemplate.objects.filter(pk=template_id).update(file=name)
    if schema_editor.connection.vendor == "postgresql":
        # The deletes leave deferred foreign-key checks pending, and PostgreSQL refuses to alter
        # a table with pending trigger events: check them now, before the schema steps.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        schema_editor.execute("SET CONSTRAINTS ALL DEFERRED")


class Migration(migrations.Migration):
    dependencies = [
        ("opportunities", "0006_gate_outcomes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="stage",
            name="forecast_category",
            field=models.CharField(
                choices=[
                    ("pipeline", "Pipeline"),
                    ("best_case", "Best case"),
                    ("commit", "Commit"),
                    ("closed", "Closed"),
                    ("omitted", "Omitted"),
                ],
                default="pipeline",
                help_text="A deal entering this stage takes this forecast category (its owner may change it then).",
                max_length=16,
                verbose_name="forecast category",
            ),
        ),
        migrations.AddField(
            model_name="stagetemplate",
            name="active",
            field=models.BooleanField(default=True, verbose_name="active"),
        ),
        migrations.CreateModel(
            name="StageTemplateVersion",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("number", models.PositiveSmallIntegerField(verbose_name="version")),
                ("file", models.FileField(upload_to="stage_templates/", verbose_name="file")),
                ("note", models.CharField(blank=True, max_length=200, verbose_name="note")),
                ("uploaded_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="uploaded at")),
                (
                    "template",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="versions",
                        to="opportunities.stagetemplate",
                    ),
                ),
                (
                    "uploaded_by",
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
                "verbose_name": "stage template version",
                "verbose_name_plural": "stage template versions",
                "ordering": ["template", "-number"],
                "constraints": [
                    models.UniqueConstraint(fields=("template", "number"), name="stage_template_version_once")
                ],
            },
        ),
        # Blank by default while the data moves, so that re-adding the column when the migration
        # is reversed fills existing rows ("") before `backward` copies each file back.
        migrations.AlterField(
            model_name="stagetemplate",
            name="file",
            field=models.FileField(blank=True, default="", upload_to="stage_templates/", verbose_name="file"),
        ),
        migrations.RunPython(forward, backward),
        migrations.RemoveField(model_name="stagetemplate", name="file"),
    ]
