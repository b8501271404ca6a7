from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("customers", "0004_accounts_with_signed_contracts_are_customers")]

    operations = [
        migrations.AddField(
            model_name="contact",
            name="erased_at",
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name="personal data erased at"),
        ),
    ]
