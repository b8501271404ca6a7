"""The global search index (core.search) answers per kind and by tiers, so a common term no longer
ranks every document it matches:

- btree indexes on (kind, text), (kind, pinyin), (kind, initials) read the exact and prefix matches
  of one kind in order, a page at a time (PostgreSQL: the first 200 characters in byte order, "C");
- a term of one or two characters (杭州, 张伟, jc), which no trigram answers, is found through its
  bigram: PostgreSQL indexes the bigrams of text, pinyin and initials (GIN over an array), SQLite
  lists them in a column (",杭州,州信,…,") of the FTS5 trigram table;
- SQLite's FTS5 table also holds the kind, so a contained term is looked up within one kind. It is
  now contentless (it never gives back its columns), kept in step by the same triggers as before.
"""

from django.db import migrations

PG_CREATE = [
    # A document's bigrams, each under its kind ("quotes:杭州"), so one kind's are a posting list of
    # their own; none holds a space (a term never does), so none spans two columns. Costly per row
    # (~80 µs, some 3,000 operators): the planner is told more, so it reads the index instead.
    "CREATE OR REPLACE FUNCTION core_search_bigrams(kind text, value text) RETURNS text[] "
    "LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE COST 10000 AS $$ "
    "SELECT coalesce(array_agg(kind || ':' || gram), '{}') FROM ("
    "SELECT substr(value, i, 2) AS gram FROM generate_series(1, length(value) - 1) AS i"
    ") grams WHERE position(' ' in gram) = 0 $$",
    "CREATE INDEX IF NOT EXISTS search_bigrams ON core_searchdocument "
    "USING gin (core_search_bigrams(kind, text || ' ' || pinyin || ' ' || initials))",
    'CREATE INDEX IF NOT EXISTS search_kind_text ON core_searchdocument (kind, (left(text, 200) COLLATE "C"))',
    'CREATE INDEX IF NOT EXISTS search_kind_pinyin ON core_searchdocument (kind, (left(pinyin, 200) COLLATE "C"))',
    'CREATE INDEX IF NOT EXISTS search_kind_initials ON core_searchdocument (kind, (left(initials, 200) COLLATE "C"))',
    "ANALYZE core_searchdocument",
]
PG_DROP = [
    "DROP INDEX IF EXISTS search_kind_initials",
    "DROP INDEX IF EXISTS search_kind_pinyin",
    "DROP INDEX IF EXISTS search_kind_text",
    "DROP INDEX IF EXISTS search_bigrams",
    "DROP FUNCTION IF EXISTS core_search_bigrams(text, text)",
]

# A trigger may not use WITH, so the bigrams are cut along a table of positions: a two-character
# term is found within the first 1,000 characters of the text, the pinyin and the initials.
POSITIONS = 1000
SQLITE_GRAMS = (
    "(SELECT ',' || group_concat(DISTINCT gram) || ',' FROM ("
    "SELECT substr(c.value, p.n, 2) AS gram FROM "
    "(SELECT {row}.text AS value UNION ALL SELECT {row}.pinyin UNION ALL SELECT {row}.initials) c "
    "JOIN core_searchposition p ON p.n < length(c.value)"
    ") WHERE instr(gram, ' ') = 0)"
)
SQLITE_VALUES = "{row}.id, {row}.kind, {row}.text, {row}.pinyin, {row}.initials, " + SQLITE_GRAMS
SQLITE_COLUMNS = "rowid, kind, text, pinyin, initials, grams"
SQLITE_OLD_FTS = [
    "DROP TRIGGER IF EXISTS core_searchdocument_au",
    "DROP TRIGGER IF EXISTS core_searchdocument_ad",
    "DROP TRIGGER IF EXISTS core_searchdocument_ai",
    "DROP TABLE IF EXISTS core_searchdocument_fts",
]
SQLITE_CREATE = [
    *SQLITE_OLD_FTS,
    "CREATE TABLE core_searchposition (n INTEGER PRIMARY KEY)",
    "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < "  # noqa: S608
    f"{POSITIONS}) INSERT INTO core_searchposition (n) SELECT n FROM s",
    "CREATE VIRTUAL TABLE core_searchdocument_fts USING fts5(kind, text, pinyin, initials, grams, "
    "content='', tokenize='trigram')",
    f"INSERT INTO core_searchdocument_fts({SQLITE_COLUMNS}) "  # noqa: S608
    f"SELECT {SQLITE_VALUES.format(row='d')} FROM core_searchdocument d",
    "CREATE TRIGGER core_searchdocument_ai AFTER INSERT ON core_searchdocument BEGIN "  # noqa: S608
    f"INSERT INTO core_searchdocument_fts({SQLITE_COLUMNS}) VALUES ({SQLITE_VALUES.format(row='new')}); END",
    "CREATE TRIGGER core_searchdocument_ad AFTER DELETE ON core_searchdocument BEGIN "  # noqa: S608
    f"INSERT INTO core_searchdocument_fts(core_searchdocument_fts, {SQLITE_COLUMNS}) "
    f"VALUES ('delete', {SQLITE_VALUES.format(row='old')}); END",
    "CREATE TRIGGER core_searchdocument_au AFTER UPDATE ON core_searchdocument BEGIN "  # noqa: S608
    f"INSERT INTO core_searchdocument_fts(core_searchdocument_fts, {SQLITE_COLUMNS}) "
    f"VALUES ('delete', {SQLITE_VALUES.format(row='old')}); "
    f"INSERT INTO core_searchdocument_fts({SQLITE_COLUMNS}) VALUES ({SQLITE_VALUES.format(row='new')}); END",
    "CREATE INDEX search_kind_text ON core_searchdocument (kind, text)",
    "CREATE INDEX search_kind_pinyin ON core_searchdocument (kind, pinyin)",
    "CREATE INDEX search_kind_initials ON core_searchdocument (kind, initials)",
    "ANALYZE core_searchdocument",
]
# Back to 0012's external-content FTS5 table over text, pinyin and initials.
SQLITE_DROP = [
    "DROP INDEX IF EXISTS search_kind_initials",
    "DROP INDEX IF EXISTS search_kind_pinyin",
    "DROP INDEX IF EXISTS search_kind_text",
    *SQLITE_OLD_FTS,
    "DROP TABLE IF EXISTS core_searchposition",
    "CREATE VIRTUAL TABLE core_searchdocument_fts USING fts5(text, pinyin, initials, "
    "content='core_searchdocument', content_rowid='id', tokenize='trigram')",
    "INSERT INTO core_searchdocument_fts(core_searchdocument_fts) VALUES ('rebuild')",
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


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for sql in PG_CREATE if vendor == "postgresql" else SQLITE_CREATE if vendor == "sqlite" else []:
        schema_editor.execute(sql)


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for sql in PG_DROP if vendor == "postgresql" else SQLITE_DROP if vendor == "sqlite" else []:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("core", "0020_outgoing_mail_headers_service_level")]

    operations = [migrations.RunPython(create, drop)]
