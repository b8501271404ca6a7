from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("core", "0014_calendar_feed")]

    operations: list = []
