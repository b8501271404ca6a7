from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("org", "0008_delegation")]

    operations: list = [
        migrations.AddField(
            model_name="user",
            name="amounts_in_wan",
            field=models.BooleanField(
                default=False,
                db_default=False,
                help_text="On screen only: printed documents, exports and the API keep exact amounts.",
                verbose_name="show large amounts in 万 / 亿",
            ),
        ),
    ]
