from django.db import migrations, models


class Migration(migrations.Migration):
    """Marketing segment counts (#19): one partial covering index of the rule columns of unmerged
    leads, so a count reads the index and not the rows."""

    dependencies = [("leads", "0009_erasure")]

    operations = [
        migrations.AddIndex(
            model_name="lead",
            index=models.Index(
                condition=models.Q(("merged_into__isnull", True)),
                fields=["status", "region", "industry", "company_size", "score", "owner"],
                include=("id", "email_key"),
                name="lead_segment",
            ),
        ),
    ]
