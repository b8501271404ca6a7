from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("leads", "0005_versioned_routing_scoring_rules")]

    operations = [
        migrations.AddField(
            model_name="qualificationpolicy",
            name="version",
            field=models.PositiveIntegerField(default=1, editable=False, verbose_name="version"),
        ),
    ]
