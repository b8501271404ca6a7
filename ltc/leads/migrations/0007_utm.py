from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("leads", "0006_qualification_policy_version")]

    operations: list[migrations.operations.base.Operation] = [
        migrations.AddField(
            model_name="lead",
            name=name,
            field=models.CharField(blank=True, max_length=100, verbose_name=name),
        )
        for name in ("utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term")
    ]
