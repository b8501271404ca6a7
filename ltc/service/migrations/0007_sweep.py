# The SLA sweep area: the manager view's index (the case list "team" over 1M cases, see
# benchmarks/service_cases.py).
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("service", "0006_portal")]

    operations: list[migrations.operations.base.Operation] = [
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                condition=models.Q(("status__in", ["new", "in_progress", "waiting"])),
                fields=["team", "resolution_due", "opened_at", "id"],
                name="svc_case_team_open",
            ),
        ),
    ]
