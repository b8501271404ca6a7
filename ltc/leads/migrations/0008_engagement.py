from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("leads", "0007_utm")]

    operations: list[migrations.operations.base.Operation] = [
        migrations.AddField(
            model_name="lead",
            name="engagement",
            field=models.PositiveSmallIntegerField(default=0, editable=False, verbose_name="engagement"),
        ),
        migrations.AddField(
            model_name="lead",
            name="engagement_details",
            field=models.JSONField(blank=True, default=list, editable=False, verbose_name="engagement details"),
        ),
    ]
