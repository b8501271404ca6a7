from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("core", "0011_number_format")]

    operations: list = []
