# The case lists' indexes: the agent view ("mine") in order, the "all" view newest first.
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("service", "0003_assets")]

    operations = [
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                condition=models.Q(("status__in", ["new", "in_progress", "waiting"])),
                fields=["owner", "resolution_due", "opened_at", "id"],
                name="svc_case_owner_open",
            ),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(fields=["-opened_at", "-id"], name="svc_case_opened"),
        ),
    ]
