"""On PostgreSQL, a trigram index makes the quote list's substring search a seek instead of a scan
(pg_trgm is a trusted extension from PostgreSQL 13 on: the database's owner may create it).
SQLite keeps scanning the narrow search-column index."""

from django.db import migrations


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS quote_search_trgm ON quotes_quote USING gin (search_text gin_trgm_ops)"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS quote_search_trgm")


class Migration(migrations.Migration):
    dependencies = [("quotes", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
