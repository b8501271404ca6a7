from django.db import migrations, models


class Migration(migrations.Migration):
    """Marketing segment counts (#19): accounts' rule columns and unmerged contacts by account
    (with the e-mail key consent reads), both covering."""

    dependencies = [("customers", "0005_erasure")]

    operations = [
        migrations.AddIndex(
            model_name="account",
            index=models.Index(
                fields=["industry", "region", "size", "status", "owner"], include=("id",), name="account_segment"
            ),
        ),
        migrations.AddIndex(
            model_name="contact",
            index=models.Index(
                condition=models.Q(("merged_into__isnull", True)),
                fields=["account"],
                include=("id", "email_key"),
                name="contact_segment",
            ),
        ),
    ]
