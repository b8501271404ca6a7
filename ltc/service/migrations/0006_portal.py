# Placeholder of one area's schema changes (filled by that area, or left empty).
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("service", "0005_email")]

    operations: list[migrations.operations.base.Operation] = []
