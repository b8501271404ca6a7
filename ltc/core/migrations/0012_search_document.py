"""The global search index (core.search). PostgreSQL: GIN trigram indexes (pg_trgm) on the text, the
pinyin and the initials make a substring search a seek. SQLite: an FTS5 table with the trigram
tokenizer (SQLite 3.34+) mirrors the three columns, kept in step by triggers."""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

PG_CREATE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS search_text_trgm ON core_searchdocument USING gin (text gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS search_pinyin_trgm ON core_searchdocument USING gin (pinyin gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS search_initials_trgm ON core_searchdocument USING gin (initials gin_trgm_ops)",
]
PG_DROP = [
    "DROP INDEX IF EXISTS search_text_trgm",
    "DROP INDEX IF EXISTS search_pinyin_trgm",
    "DROP INDEX IF EXISTS search_initials_trgm",
]

SQLITE_CREATE = [
    "CREATE VIRTUAL TABLE core_searchdocument_fts USING fts5(text, pinyin, initials, "
    "content='core_searchdocument', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER core_searchdocument_ai AFTER INSERT ON core_searchdocument BEGIN "
    "INSERT INTO core_searchdocument_fts(rowid, text, pinyin, initials) "
    "VALUES (new.id, new.text, new.pinyin, new.initials); END",
    "CREATE TRIGGER core_searchdocument_ad AFTER DELETE ON core_searchdocument BEGIN "
    "INSERT INTO core_searchdocument_fts(core_searchdocument_fts, rowid, text, pinyin, initials) "
    "VALUES ('delete', old.id, old.text, old.pinyin, old.initials); END",
    "CREATE TRIGGER core_searchdocument_au AFTER UPDATE ON core_searchdocument BEGIN "
    "INSERT INTO core_searchdocument_fts(core_searchdocument_fts, rowid, text, pinyin, initials) "
    "VALUES ('delete', old.id, old.text, old.pinyin, old.initials); "
    "INSERT INTO core_searchdocument_fts(rowid, text, pinyin, initials) "
    "VALUES (new.id, new.text, new.pinyin, new.initials); END",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS core_searchdocument_au",
    "DROP TRIGGER IF EXISTS core_searchdocument_ad",
    "DROP TRIGGER IF EXISTS core_searchdocument_ai",
    "DROP TABLE IF EXISTS core_searchdocument_fts",
]


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for sql in PG_CREATE if vendor == "postgresql" else SQLITE_CREATE if vendor == "sqlite" else []:
        schema_editor.execute(sql)


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for sql in PG_DROP if vendor == "postgresql" else SQLITE_DROP if vendor == "sqlite" else []:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("core", "0011_number_format")]

    operations = [
        migrations.CreateModel(
            name="SearchDocument",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("object_id", models.PositiveBigIntegerField()),
                ("kind", models.CharField(max_length=32)),
                ("title", models.CharField(max_length=300)),
                ("text", models.TextField()),
                ("pinyin", models.TextField(blank=True)),
                ("initials", models.CharField(blank=True, max_length=300)),
                ("updated_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "content_type",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="contenttypes.contenttype"
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("content_type", "object_id"), name="search_document_once")
                ],
            },
        ),
        migrations.RunPython(create, drop),
    ]
