import json
from pathlib import Path

from django.db import migrations, models

MAP_FILE = Path(__file__).resolve().parent.parent / "data" / "ltc_map.json"
TEXTS = ("purpose", "inputs", "outputs")


def shipped_chinese(apps, schema_editor):
    """Give the shipped nodes of an existing installation the Chinese texts of the map, each only
    where the node still has the shipped English (a text the company rewrote is left to it)."""
    node_model = apps.get_model("process", "ProcessNode")
    shipped = {n["code"]: n for n in json.loads(MAP_FILE.read_text(encoding="utf-8"))["nodes"]}
    for node in node_model.objects.filter(shipped=True, code__in=shipped):
        entry = shipped[node.code]
        changed = [
            f"{text}_zh"
            for text in TEXTS
            if not getattr(node, f"{text}_zh")
            and entry.get(f"{text}_zh")
            and getattr(node, f"{text}_en") == entry.get(f"{text}_en")
        ]
        for name in changed:
            setattr(node, name, shipped[node.code][name])
        if changed:
            node.save(update_fields=changed)


class Migration(migrations.Migration):
    dependencies = [
        ("process", "0002_step_visit_next_node"),
    ]

    operations = [
        migrations.RenameField(model_name="processnode", old_name="purpose", new_name="purpose_en"),
        migrations.RenameField(model_name="processnode", old_name="inputs", new_name="inputs_en"),
        migrations.RenameField(model_name="processnode", old_name="outputs", new_name="outputs_en"),
        migrations.AlterField(
            model_name="processnode",
            name="purpose_en",
            field=models.TextField(blank=True, verbose_name="purpose (English)"),
        ),
        migrations.AlterField(
            model_name="processnode",
            name="inputs_en",
            field=models.TextField(blank=True, verbose_name="inputs (English)"),
        ),
        migrations.AlterField(
            model_name="processnode",
            name="outputs_en",
            field=models.TextField(blank=True, verbose_name="outputs (English)"),
        ),
        migrations.AddField(
            model_name="processnode",
            name="purpose_zh",
            field=models.TextField(blank=True, verbose_name="purpose (Chinese)"),
        ),
        migrations.AddField(
            model_name="processnode",
            name="inputs_zh",
            field=models.TextField(blank=True, verbose_name="inputs (Chinese)"),
        ),
        migrations.AddField(
            model_name="processnode",
            name="outputs_zh",
            field=models.TextField(blank=True, verbose_name="outputs (Chinese)"),
        ),
        migrations.RunPython(shipped_chinese, migrations.RunPython.noop),
    ]
