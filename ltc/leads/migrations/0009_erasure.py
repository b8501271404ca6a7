from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("leads", "0008_engagement")]

    operations = [
        migrations.AddField(
            model_name="lead",
            name="erased_at",
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name="personal data erased at"),
        ),
        migrations.AddField(
            model_name="webform",
            name="consent_text",
            field=models.CharField(
                blank=True,
                help_text="Shown beside the marketing consent checkbox; no checkbox when empty.",
                max_length=500,
                verbose_name="consent text",
            ),
        ),
    ]
