"""On PostgreSQL, a trigram index makes the contract list's substring search a seek instead of a
scan (pg_trgm comes from quotes 0002). SQLite keeps scanning the narrow search-column index."""

from django.db import migrations


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS contract_search_trgm ON contracts_contract USING gin (search_text gin_trgm_ops)"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS contract_search_trgm")


class Migration(migrations.Migration):
    dependencies = [("contracts", "0001_initial"), ("quotes", "0002_search_trigram_index")]

    operations = [migrations.RunPython(create, drop)]
