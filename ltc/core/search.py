"""Global search: a registry of searchable kinds and one index table over all of them.

Each app registers its kinds from its AppConfig.ready (earlier apps never import later ones):

    register(SearchKind(key="contracts", model=Contract, label=_("Contracts"), document=..., visible=...))

`SearchDocument` keeps per record its normalized text plus the pinyin of its Chinese, full
(“hangzhouxinxi hang zhou xin xi”) and as initials (“hzxx”). A search is one ranked query against
the index (exact number first, then prefix, then similarity), then one statement applying every
kind's `visible(user)` (compiled, kept per user's access inputs: see "access" below) to the
candidate ids, then one query per kind with hits reading their titles: a user only ever sees
titles read from records they may open.

The index follows the records after commit: the timeline (called by every service that writes)
marks its subject dirty (`mark_dirty`), and one on-commit callback per transaction indexes them.
Bulk paths call `index_records` with their ids; `ltc search_rebuild` rebuilds everything.
"""

from __future__ import annotations

import re
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import EmptyResultSet
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.functional import Promise
from pypinyin import Style, lazy_pinyin

from ltc.core.models import SearchDocument

PER_KIND = 5
# Candidates read per kind from the index, before access: room for hits the user may not open.
CANDIDATES_PER_KIND = 40
# Matches of one tier read per kind (and per prefix index) before ranking: a term matching more
# documents of a kind than this is ranked among the first this many its index gives.
RANKED_PER_KIND = 200
# Contained matches read for all kinds in one index lookup; past this many, kind by kind.
CONTAINED_AT_ONCE = 1000
_KEY_CHARS = 200  # PostgreSQL's prefix indexes hold this many characters of a column
_HAN = re.compile(r"[\u3400-\u9fff]+")


@dataclass(frozen=True)
class SearchKind:
    """A kind of record the global search finds."""

    key: str  # "contracts"
    model: type[models.Model]
    label: str | Promise  # translated, plural
    document: Callable[[Any], Sequence[str]]  # the parts of a record's text, its title first
    visible: Callable[[Any], models.QuerySet[Any]]  # the records a user may open (the app's selector)
    url: Callable[[Any], str] = field(default=lambda obj: obj.get_absolute_url())
    subtitle: Callable[[Any], str] = field(default=lambda obj: "")
    title: Callable[[Any], str] = field(default=str)
    # The records to index (select_related for `document`), and which of them are searchable at all.
    indexable: Callable[[], models.QuerySet[Any]] | None = None
    # ("deals", "opportunity"): the records whose `opportunity` is one of the "deals" the user may
    # open — the same rule as `visible`, stated so the search reuses that kind's scope.
    scope_via: tuple[str, str] | None = None

    def index_queryset(self) -> models.QuerySet[Any]:
        return self.indexable() if self.indexable else self.model._default_manager.all()


_KINDS: dict[str, SearchKind] = {}


def register(kind: SearchKind) -> None:
    _KINDS[kind.key] = kind


def kinds() -> list[SearchKind]:
    return list(_KINDS.values())


def kind_for(model: type[models.Model]) -> SearchKind | None:
    for kind in _KINDS.values():
        if kind.model is model or model._meta.concrete_model is kind.model:
            return kind
    return None


# ---- normalizing and pinyin -------------------------------------------------------------


def normalize(text: str) -> str:
    """Lower-cased, whitespace collapsed; full-width ASCII folded (ＡＢＣ１ → abc1)."""
    folded = "".join(chr(ord(c) - 0xFEE0) if "\uff01" <= c <= "\uff5e" else " " if c < " " else c for c in text)
    return " ".join(folded.lower().split())


def pinyin_of(text: str) -> tuple[str, str]:
    """The pinyin of the Chinese runs of `text`: ("hangzhouxinxi hang zhou xin xi", "hzxx")."""
    full: list[str] = []
    initials: list[str] = []
    for run in _HAN.findall(text):
        syllables = [s for s in lazy_pinyin(run, style=Style.NORMAL, errors="ignore") if s]
        if syllables:
            full.append("".join(syllables) + " " + " ".join(syllables))
            initials.append("".join(s[0] for s in syllables))
    return " ".join(full), " ".join(initials)


def build_document(kind: SearchKind, obj: Any) -> SearchDocument:
    parts = [str(p) for p in kind.document(obj) if p]
    text = normalize(" ".join(parts))
    pinyin, initials = pinyin_of(" ".join(parts))
    return SearchDocument(
        content_type=ContentType.objects.get_for_model(kind.model),
        object_id=obj.pk,
        kind=kind.key,
        title=(parts[0] if parts else str(obj))[:300],
        text=text,
        pinyin=pinyin,
        initials=initials[:300],
        updated_at=timezone.now(),
    )


# ---- keeping the index current ----------------------------------------------------------


def index_records(model: type[models.Model], ids: Iterable[int]) -> int:
    """(Re)index the records `ids` of `model`; a record gone or no longer indexable loses its document."""
    kind = kind_for(model)
    ids = list(set(ids))
    if kind is None or not ids:
        return 0
    found = list(kind.index_queryset().filter(pk__in=ids))
    documents = [build_document(kind, obj) for obj in found]
    content_type = ContentType.objects.get_for_model(kind.model)
    gone = set(ids) - {obj.pk for obj in found}
    if gone:
        SearchDocument.objects.filter(content_type=content_type, object_id__in=gone).delete()
    if documents:
        SearchDocument.objects.bulk_create(
            documents,
            update_conflicts=True,
            unique_fields=["content_type", "object_id"],
            update_fields=["kind", "title", "text", "pinyin", "initials", "updated_at"],
        )
    return len(documents)


_pending = threading.local()


def _pending_set() -> dict[type[models.Model], set[int]]:
    if not hasattr(_pending, "records"):
        _pending.records = defaultdict(set)
    records: dict[type[models.Model], set[int]] = _pending.records
    return records


def _flush() -> None:
    records = _pending_set()
    batch = {model: set(ids) for model, ids in records.items()}
    records.clear()
    for model, ids in batch.items():
        index_records(model, ids)


def mark_dirty(record: models.Model) -> None:
    """Index `record` once its transaction commits (at once outside one); a no-op for kinds not searched."""
    if record.pk is not None:
        mark_many(type(record), [record.pk])


def mark_many(model: type[models.Model], ids: Iterable[int]) -> None:
    """Index the records `ids` of `model` in bulk once the transaction commits (an import's chunk)."""
    kind = kind_for(model)
    if kind is None:
        return
    _pending_set()[kind.model].update(ids)
    # One callback per transaction (savepoint level): a rolled-back one drops its callbacks, so look
    # for ours at this level; a callback that finds nothing pending does nothing.
    level = set(connection.savepoint_ids)
    if not any(entry[1] is _flush and entry[0] == level for entry in connection.run_on_commit):
        transaction.on_commit(_flush, robust=True)  # a failed indexing is logged, never undoes the change


def mark_label(label: str, ids: Iterable[int]) -> None:
    """As `mark_many`, for a model named by its label ("contracts.order"), as events name it."""
    for kind in _KINDS.values():
        if kind.model._meta.label_lower == label:
            mark_many(kind.model, ids)
            return


def rebuild(*, chunk: int = 2000, only: Sequence[str] = ()) -> dict[str, int]:
    """Index every record of every kind (or of the kinds `only`), `chunk` records at a time."""
    counts: dict[str, int] = {}
    for kind in kinds():
        if only and kind.key not in only:
            continue
        content_type = ContentType.objects.get_for_model(kind.model)
        ids = list(kind.index_queryset().order_by("pk").values_list("pk", flat=True))
        stale = SearchDocument.objects.filter(content_type=content_type).exclude(object_id__in=ids)
        stale.delete()
        total = 0
        for start in range(0, len(ids), chunk):
            with transaction.atomic():
                total += index_records(kind.model, ids[start : start + chunk])
        counts[kind.key] = total
    return counts


# ---- querying ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Hit:
    kind: str
    id: int
    title: str
    subtitle: str
    url: str


@dataclass(frozen=True)
class Group:
    kind: str
    label: str
    hits: list[Hit]


def _escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _after(prefix: str) -> str | None:
    """The least string above every string that starts with `prefix` (code point order; None: none)."""
    while prefix:
        last = ord(prefix[-1]) + 1
        if last <= 0x10FFFF:
            return prefix[:-1] + chr(0xE000 if 0xD800 <= last <= 0xDFFF else last)
        prefix = prefix[:-1]
    return None


def _fts_phrase(value: str) -> str:
    return '"{}"'.format(value.replace('"', '""'))


def candidates(q: str, *, per_kind: int = CANDIDATES_PER_KIND, keys: Sequence[str] = ()) -> list[tuple[str, int]]:
    """(kind, object id) of the index's best matches for `q`, ranked, at most `per_kind` per kind:
    one query. Ranks: the text is the term or starts with it as a word (a number) → prefix of the
    text, pinyin or initials → contained; then similarity (PostgreSQL) or the shorter text (SQLite).

    A common term never ranks all it matches: each kind's prefix matches (both first ranks) are read
    in index order, at most RANKED_PER_KIND per column; the contained ones of every kind at once
    while they are fewer than CONTAINED_AT_ONCE, else per kind, only for a kind its prefix matches
    leave short of `per_kind`, at most RANKED_PER_KIND (a term of two characters through the bigram
    index). So the ranking is exact unless a kind has more matches of one rank than that; then it
    ranks the first ones its index gives."""
    term = normalize(q)
    selected = [kind.key for kind in kinds() if not keys or kind.key in keys]
    if not term or not selected:
        return []
    squashed = term.replace(" ", "")
    postgres = connection.vendor == "postgresql"
    early = [
        _prefixed(key, column, value, postgres=postgres)
        for key in selected
        for column, value in (("text", term), ("pinyin", squashed), ("initials", squashed))
    ]
    not_early = (
        "NOT (d.text LIKE %s ESCAPE '\\' OR d.pinyin LIKE %s ESCAPE '\\' OR d.initials LIKE %s ESCAPE '\\')",
        [f"{_escape_like(term)}%", *[f"{_escape_like(squashed)}%"] * 2],
    )
    match = _contained(term, squashed, postgres=postgres)
    # The kinds, unless all are searched or the kind's bigrams (which are its own) find them.
    every_kind: _Sql = ("", [])
    if keys and not match.by_bigram:
        every_kind = (f"AND d.kind IN ({', '.join(['%s'] * len(selected))})", selected)
    # Only while a kind is short of `per_kind`, and only its kinds. Each such test is the LIMIT, so
    # both databases make it once, before reading any row.
    full = "SELECT kind FROM early GROUP BY kind HAVING count(*) >= %s"
    contained = _join(
        "SELECT", _COLUMNS, "FROM", match.source(selected if keys else ()), every_kind,
        (f"AND d.kind NOT IN ({full})", [per_kind]), "AND", match.condition(selected), "AND", not_early,
        (f"LIMIT CASE WHEN (SELECT count(*) FROM ({full}) f) < %s THEN %s ELSE 0 END",  # noqa: S608
         [per_kind, len(selected), CONTAINED_AT_ONCE]),
    )  # fmt: skip
    # Past CONTAINED_AT_ONCE, each kind its prefix matches leave short reads its own contained ones.
    late = [("SELECT * FROM contained WHERE (SELECT count(*) FROM contained) < %s", [CONTAINED_AT_ONCE])]
    # In the order of the kind's text index, PostgreSQL reads a common term's first matches from it
    # instead of scanning the table for them (a bigram's are the kind's own in its index; SQLite
    # reads them in the order of its FTS5 table).
    in_order = f'ORDER BY left(d.text, {_KEY_CHARS}) COLLATE "C"' if postgres else ""
    for index, key in enumerate(selected):
        short = "(SELECT count(*) FROM contained) >= %s AND (SELECT count(*) FROM early WHERE kind = %s) < %s"
        late.append(
            _join(
                "SELECT * FROM (SELECT",
                _COLUMNS,
                "FROM",
                match.source([key]),
                ("", []) if match.by_bigram else ("AND d.kind = %s", [key]),
                "AND",
                match.condition([key]),
                "AND",
                not_early,
                (
                    f"{'' if match.by_bigram else in_order} LIMIT CASE WHEN {short} THEN %s ELSE 0 END) c{index}",
                    [CONTAINED_AT_ONCE, key, per_kind, RANKED_PER_KIND],
                ),
            )  # fmt: skip
        )
    rank = (
        "CASE WHEN d.text = %s OR d.text LIKE %s ESCAPE '\\' THEN 0 "
        "WHEN d.text LIKE %s ESCAPE '\\' OR d.pinyin LIKE %s ESCAPE '\\' OR d.initials LIKE %s ESCAPE '\\' THEN 1 "
        "ELSE 2 END",
        [term, f"{_escape_like(term)} %", f"{_escape_like(term)}%", *[f"{_escape_like(squashed)}%"] * 2],
    )
    secondary = ("-similarity(d.text, %s)", [term]) if postgres else ("length(d.text)", [])
    # Only fixed SQL fragments are interpolated; every value the user typed is a parameter.
    sql, params = _join(
        "WITH early AS (", _union(early, " UNION "), "), contained AS (", contained, ")",
        "SELECT kind, object_id FROM (SELECT d.kind, d.object_id, ROW_NUMBER() OVER (PARTITION BY d.kind ORDER BY",
        rank, ",", secondary, ", d.id) AS n FROM (SELECT * FROM early UNION ALL", _union(late, " UNION ALL "),
        (") d) ranked WHERE n <= %s ORDER BY kind, n", [per_kind]),
    )  # fmt: skip
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        if postgres:
            # Wide (tens of small index reads) but reading a few thousand rows at most: compiling it
            # (JIT) or starting workers costs more than running it. Until the transaction ends.
            cursor.execute(
                "SELECT set_config('jit', 'off', true), set_config('max_parallel_workers_per_gather', '0', true)"
            )
        cursor.execute(sql, params)
        return [(kind, int(object_id)) for kind, object_id in cursor.fetchall()]


_Sql = tuple[str, list[Any]]


def _join(*parts: str | _Sql) -> _Sql:
    """SQL without placeholders and fragments with their parameters, joined in order."""
    sql: list[str] = []
    params: list[Any] = []
    for part in parts:
        if isinstance(part, str):
            sql.append(part)
        else:
            sql.append(part[0])
            params.extend(part[1])
    return " ".join(sql), params


def _union(parts: Sequence[_Sql], glue: str) -> _Sql:
    return glue.join(sql for sql, _ in parts), [param for _, params in parts for param in params]


def _prefixed(key: str, column: str, value: str, *, postgres: bool) -> _Sql:
    """The documents of kind `key` whose `column` starts with `value`, the first RANKED_PER_KIND in
    the order of the column's btree index (migration 0021; PostgreSQL's holds the first _KEY_CHARS
    characters, in byte order, "C"). The range is the prefix itself, so no LIKE misleads the
    planner's estimate, but for a value longer than that key."""
    bound = value[:_KEY_CHARS]
    index_key = f'left(d.{column}, {_KEY_CHARS}) COLLATE "C"' if postgres else f"d.{column}"
    upper = _after(bound)
    conditions = [f"{index_key} >= %s"]
    params: list[Any] = [key, bound]
    if upper is not None:
        conditions.append(f"{index_key} < %s")
        params.append(upper)
    if bound != value:
        conditions.append(f"d.{column} LIKE %s ESCAPE '\\'")
        params.append(f"{_escape_like(value)}%")
    sql = (
        f"SELECT * FROM (SELECT {_COLUMNS} FROM core_searchdocument d WHERE d.kind = %s "  # noqa: S608
        f"AND {' AND '.join(conditions)} ORDER BY {index_key} LIMIT %s) e_{column}"
    )
    return sql, [*params, RANKED_PER_KIND]


_COLUMNS = "d.id, d.kind, d.object_id, d.text, d.pinyin, d.initials"
_GRAMS = "core_search_bigrams(d.kind, d.text || ' ' || d.pinyin || ' ' || d.initials)"


@dataclass(frozen=True)
class _Contained:
    """How to find the documents containing the term (text) or its squashed form (pinyin, initials):
    through the trigram indexes, or for a value of two characters (no trigram holds it) through its
    bigram (PostgreSQL: the kind's "quotes:杭州" in migration 0021's index; SQLite: the FTS5 grams)."""

    likes: _Sql  # the plain condition
    term: str
    squashed: str
    postgres: bool

    def condition(self, kind_keys: Sequence[str]) -> _Sql:
        if not self.postgres or 2 not in (len(self.term), len(self.squashed)):
            return self.likes
        any_gram = f"{_GRAMS} && ARRAY[{', '.join(['%s'] * len(kind_keys))}]::text[]"
        if len(self.term) == 2:  # then squashed == term, and a bigram (never across a space) is exact
            return any_gram, [f"{key}:{self.term}" for key in kind_keys]
        text, pinyin = self.likes[1][0], self.likes[1][1:]
        return (
            f"(d.text LIKE %s ESCAPE '\\' OR ({any_gram} AND {_LIKE_PINYIN}))",
            [text, *[f"{key}:{self.squashed}" for key in kind_keys], *pinyin],
        )

    @property
    def by_bigram(self) -> bool:
        return self.postgres and len(self.term) == 2

    @property
    def fts(self) -> str | None:
        """SQLite: the FTS5 query finding them (None: none can, a term of one character)."""
        if self.postgres or min(len(self.term), len(self.squashed)) < 2:
            return None

        def part(columns: str, value: str) -> str:
            if len(value) >= 3:
                return " OR ".join(f"{column}:{_fts_phrase(value)}" for column in columns.split())
            return f"grams:{_fts_phrase(f',{value},')}"

        return " OR ".join(dict.fromkeys([part("text", self.term), part("pinyin initials", self.squashed)]))

    def source(self, kind_keys: Sequence[str] = ()) -> _Sql:
        """FROM … WHERE, to be continued with AND: on SQLite the FTS5 table (narrowed to `kind_keys`)."""
        fts = self.fts
        if fts is None:
            return "core_searchdocument d WHERE TRUE", []
        narrowed = " OR ".join(f"kind:{_fts_phrase(key)}" for key in kind_keys)
        return (
            "core_searchdocument_fts JOIN core_searchdocument d ON d.id = core_searchdocument_fts.rowid "
            "WHERE core_searchdocument_fts MATCH %s",
            [f"({narrowed}) AND ({fts})" if narrowed else fts],
        )


_LIKE_PINYIN = "(d.pinyin LIKE %s ESCAPE '\\' OR d.initials LIKE %s ESCAPE '\\')"


def _contained(term: str, squashed: str, *, postgres: bool) -> _Contained:
    likes = (
        f"(d.text LIKE %s ESCAPE '\\' OR {_LIKE_PINYIN})",
        [f"%{_escape_like(term)}%", *[f"%{_escape_like(squashed)}%"] * 2],
    )
    return _Contained(likes, term, squashed, postgres)


# ---- access ------------------------------------------------------------------------------
#
# A kind's scope, compiled, is a function of the user's access inputs alone: id, active, roles,
# the teams they manage, the people in view and today's date (delegations run by the day); every
# record fact is read by the SQL itself. So the compiled SQL is kept per (user's inputs, kind) and
# a search builds and compiles the scopes (tens of filters) only when those inputs change. A scope
# whose building ran a query (a snapshot of records) is never kept.

SCOPE_CACHE_SIZE = 2048
SCOPE_CACHE_SECONDS = 300.0
_Scope = tuple[str, tuple[Any, ...]] | None
_scopes: dict[tuple[Any, ...], tuple[float, _Scope]] = {}
_scopes_lock = threading.Lock()


def access_inputs(user: Any) -> tuple[Any, ...] | None:
    """What the access rules read of `user` (None: anonymous, nothing is kept)."""
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "pk", None):
        return None
    return (
        connection.alias,
        connection.settings_dict.get("NAME"),
        user.pk,
        user.is_active,
        getattr(user, "team_id", None),
        user.role_codes(),
        user.managed_team_ids(),
        tuple(user.people_in_view()),
        timezone.localdate(),
    )


def clear_scope_cache() -> None:
    with _scopes_lock:
        _scopes.clear()


def _compile(queryset: models.QuerySet[Any]) -> _Scope:
    try:
        sql, params = queryset.order_by().values(search_id=models.F("pk")).query.sql_with_params()
    except EmptyResultSet:
        return None
    return sql, tuple(params)


def _via(kind: SearchKind, target: _Scope, field_name: str) -> _Scope:
    """The ids of `kind` whose `field_name` is in the `target` scope."""
    if target is None:
        return None
    quote = connection.ops.quote_name
    table = quote(kind.model._meta.db_table)
    pk = quote(str(kind.model._meta.pk.column))
    column = quote(str(kind.model._meta.get_field(field_name).column))  # type: ignore[union-attr]
    sql, params = target
    # Only names from the models' metadata and compiled SQL are interpolated.
    return f'SELECT {table}.{pk} AS "search_id" FROM {table} WHERE {table}.{column} IN ({sql})', params  # noqa: S608


def _build(
    kind: SearchKind, user: Any, inputs: tuple[Any, ...] | None, built: dict[str, _Scope]
) -> tuple[_Scope, bool]:
    """The kind's scope, and whether building it ran a query (then it must not be kept)."""
    queries = 0

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        if kind.scope_via is not None and kind.scope_via[0] in _KINDS:
            target_key, field_name = kind.scope_via
            scope = _via(kind, _scope(_KINDS[target_key], user, inputs, built), field_name)
        else:
            scope = _compile(kind.visible(user))
    return scope, queries > 0


def _scope(kind: SearchKind, user: Any, inputs: tuple[Any, ...] | None, built: dict[str, _Scope]) -> _Scope:
    """The compiled SQL of the ids of `kind` that `user` may open (the kind's `visible`), or None
    when none: from the cache when the user's access inputs are unchanged."""
    if kind.key in built:
        return built[kind.key]
    key = (kind.key, inputs)
    now = time.monotonic()
    entry = None
    if inputs is not None:
        with _scopes_lock:
            entry = _scopes.get(key)
    if entry is not None and entry[0] > now:
        scope = entry[1]
    else:
        scope, queried = _build(kind, user, inputs, built)
        if inputs is not None and not queried:
            with _scopes_lock:
                if len(_scopes) >= SCOPE_CACHE_SIZE:
                    _scopes.clear()
                _scopes[key] = (now + SCOPE_CACHE_SECONDS, scope)
    built[kind.key] = scope
    return scope


def visible_ids(user: Any, ranked: dict[str, list[int]]) -> dict[str, set[int]]:
    """Of the candidate ids per kind, those `user` may open: one statement for all kinds (a
    UNION ALL of each kind's access scope applied to its candidates)."""
    parts: list[str] = []
    params: list[Any] = []
    keys: list[str] = []
    built: dict[str, _Scope] = {}
    inputs = access_inputs(user) if ranked else None
    for kind in kinds():
        ids = ranked.get(kind.key)
        if not ids:
            continue
        scope = _scope(kind, user, inputs, built)
        if scope is None:
            continue
        sql, scope_params = scope
        # Only fixed SQL is interpolated: the kind's compiled scope and an index; values are parameters.
        parts.append(
            f"SELECT {len(keys)} AS k, v.search_id FROM ({sql}) v "  # noqa: S608
            f"WHERE v.search_id IN ({', '.join(['%s'] * len(ids))})"
        )
        params.extend(scope_params)
        params.extend(ids)
        keys.append(kind.key)
    found: dict[str, set[int]] = defaultdict(set)
    if not parts:
        return found
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        for index, object_id in cursor.fetchall():
            found[keys[index]].add(int(object_id))
    return found


def search(*, user: Any, q: str, per_kind: int = PER_KIND, keys: Sequence[str] = ()) -> list[Group]:
    """The records matching `q` that `user` may open, grouped by kind in registry order, at most
    `per_kind` each: one query on the index, one that applies every kind's access scope to its
    candidates, then one per kind with hits the user may open, reading their titles."""
    ranked: dict[str, list[int]] = defaultdict(list)
    for kind_key, object_id in candidates(q, keys=keys):
        ranked[kind_key].append(object_id)
    allowed = visible_ids(user, ranked)
    groups = []
    for kind in kinds():
        shown = [pk for pk in ranked.get(kind.key, ()) if pk in allowed.get(kind.key, ())][:per_kind]
        if not shown:
            continue
        # The ids are the user's (checked above); the records are read for their titles alone.
        records = {obj.pk: obj for obj in kind.index_queryset().filter(pk__in=shown)}
        hits = [
            Hit(kind=kind.key, id=pk, title=kind.title(obj), subtitle=kind.subtitle(obj), url=kind.url(obj))
            for pk in shown
            if (obj := records.get(pk)) is not None
        ]
        if hits:
            groups.append(Group(kind=kind.key, label=str(kind.label), hits=hits))
    return groups
