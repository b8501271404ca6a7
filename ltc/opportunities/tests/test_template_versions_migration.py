"""The migration that gives stage templates versions keeps every file: each template's file becomes
its version 1; closing stages take their fixed forecast category."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("opportunities", "0006_gate_outcomes")]
AFTER = [("opportunities", "0007_stage_forecast_and_template_versions")]


@pytest.mark.django_db(transaction=True)
def test_each_template_file_becomes_its_version_1():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    Pipeline = old.get_model("opportunities", "Pipeline")
    Stage = old.get_model("opportunities", "Stage")
    StageTemplate = old.get_model("opportunities", "StageTemplate")
    pipeline = Pipeline.objects.create(name="项目销售")
    confirm = Stage.objects.create(pipeline=pipeline, order=10, name="确认", probability=10)
    won = Stage.objects.create(pipeline=pipeline, order=90, name="赢单", category="won", probability=100)
    lost = Stage.objects.create(pipeline=pipeline, order=91, name="输单", category="lost", probability=0)
    template = StageTemplate.objects.create(stage=confirm, title="立项模板", file="stage_templates/立项模板.docx")

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    Stage = new.get_model("opportunities", "Stage")
    Version = new.get_model("opportunities", "StageTemplateVersion")
    assert list(Version.objects.values_list("template_id", "number", "file", "uploaded_by")) == [
        (template.pk, 1, "stage_templates/立项模板.docx", None)
    ]
    assert new.get_model("opportunities", "StageTemplate").objects.get(pk=template.pk).active
    assert dict(Stage.objects.values_list("pk", "forecast_category")) == {
        confirm.pk: "pipeline",
        won.pk: "closed",
        lost.pk: "omitted",
    }

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_the_migration_reverses_with_each_template_back_on_its_current_file():
    """Back to 0006: each template's file is its current version again, and a deactivated
    template (0006 offers every template to deals) is gone with its versions."""
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    pipeline = old.get_model("opportunities", "Pipeline").objects.create(name="项目销售")
    confirm = old.get_model("opportunities", "Stage").objects.create(
        pipeline=pipeline, order=10, name="确认", probability=10
    )
    StageTemplate = old.get_model("opportunities", "StageTemplate")
    kept = StageTemplate.objects.create(stage=confirm, title="立项模板", file="stage_templates/立项模板.docx")
    dropped = StageTemplate.objects.create(stage=confirm, title="旧清单", file="stage_templates/旧清单.xlsx")

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    new.get_model("opportunities", "StageTemplateVersion").objects.create(
        template_id=kept.pk, number=2, file="stage_templates/立项模板_v2.docx"
    )
    new.get_model("opportunities", "StageTemplate").objects.filter(pk=dropped.pk).update(active=False)

    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    templates = old.get_model("opportunities", "StageTemplate").objects.values_list("pk", "title", "file")
    assert list(templates) == [(kept.pk, "立项模板", "stage_templates/立项模板_v2.docx")]

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    new = MigrationExecutor(connection).loader.project_state(AFTER).apps
    versions = new.get_model("opportunities", "StageTemplateVersion").objects.values_list(
        "template_id", "number", "file"
    )
    assert list(versions) == [(kept.pk, 1, "stage_templates/立项模板_v2.docx")]
