# The standard SLA policy is marked by a flag (one at most), not found by its name.
from typing import Any

from django.db import migrations, models


def mark_standard(apps: Any, schema_editor: Any) -> None:
    policy_model = apps.get_model("service", "SlaPolicy")
    standard = policy_model.objects.filter(name="标准服务", active=True).order_by("id").first()
    if standard is not None:
        policy_model.objects.filter(pk=standard.pk).update(is_default=True)


class Migration(migrations.Migration):
    dependencies = [("service", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="slapolicy",
            name="is_default",
            field=models.BooleanField(default=False, verbose_name="standard policy"),
        ),
        migrations.AddConstraint(
            model_name="slapolicy",
            constraint=models.UniqueConstraint(
                condition=models.Q(("is_default", True)), fields=("is_default",), name="svc_one_default_policy"
            ),
        ),
        migrations.RunPython(mark_standard, migrations.RunPython.noop),
    ]
