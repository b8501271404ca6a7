"""Lead import (CSV / XLSX): upload, map, preview, run in the background, reject, undo.

Bulk path: rows are validated without model instances, matched against existing records with a
few queries per chunk, scored and routed in memory, and written with COPY / executemany.
"""

from __future__ import annotations

import csv
import io
import uuid
import zipfile
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from itertools import islice
from operator import attrgetter
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from ltc.core import customfields, normalize, search
from ltc.core.bulk import bulk_insert, next_ids
from ltc.core.events import emit_many
from ltc.core.models import TimelineEvent, TimelineKind
from ltc.leads.access import can_import_leads, can_run_import, import_template_scope
from ltc.leads.choices import DuplicatePolicy, ImportStatus, LeadSource, LeadStatus
from ltc.leads.dedupe import Keys, LeadMatcher
from ltc.leads.events import LeadCreated
from ltc.leads.models import UTM_FIELDS, Lead, LeadImport, LeadImportTemplate, LeadImportUpdate
from ltc.leads.services import routing, scoring
from ltc.leads.services.rows import (
    CHOICE_FIELDS,
    IMPORT_FIELDS,
    ValueSuggestion,
    choice_lookups,
    clean_row,
    column_suffix,
    suggest_mapping,
    suggest_values,
    value_key,
)
from ltc.org.models import User

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_XLSX_UNCOMPRESSED = 200 * 1024 * 1024
MAX_XLSX_RATIO = 100
MAX_ROWS = 1_000_000
PREVIEW_ROWS = 20
MAX_LISTED_VALUES = 200  # distinct unknown values listed per column for the user to map
CHUNK = 10_000
LEAD_INSERT_FIELDS = (
    "id",
    "source",
    "campaign",
    *UTM_FIELDS,
    "company_name",
    "company_key",
    "credit_code",
    "contact_name",
    "contact_title",
    "mobile",
    "mobile_key",
    "email",
    "email_key",
    "region",
    "industry",
    "company_size",
    "need",
    "budget_amount",
    "budget_currency",
    "timeframe",
    "notes",
    "status",
    "disqualify_reason",
    "temperature",
    "score",
    "score_details",
    "engagement",
    "engagement_details",
    "owner_id",
    "assigned_at",
    "assignment_rule_id",
    "first_contact_due_at",
    "need_confirmed",
    "budget_confirmed",
    "decision_maker_identified",
    "timeframe_known",
    "import_batch_id",
    "created_by_id",
    "version",
    "created_at",
    "updated_at",
)
TIMELINE_FIELDS = ("content_type_id", "object_id", "kind", "actor_id", "at", "text", "changes")
ROW_VALUES = attrgetter(*LEAD_INSERT_FIELDS)
NO_CHANGES: list[Any] = []  # shared by the bulk-written events; never mutated


def _imports_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / "lead_imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


# --- reading files ---------------------------------------------------------------------------


def _decode(data: bytes) -> tuple[str, str]:
    """UTF-8 (with or without BOM), else GB18030 (a superset of GBK and GB2312)."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding), "gbk/gb18030" if encoding == "gb18030" else "utf-8"
        except UnicodeDecodeError:
            continue
    raise ValidationError({"file": [_("The file is neither UTF-8 nor GBK/GB18030 text.")]})


def _check_xlsx(data: bytes) -> None:
    """Refuse archives that are not spreadsheets, or that would expand far beyond their size."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            total = sum(i.file_size for i in infos)
            packed = sum(i.compress_size for i in infos) or 1
            names = {i.filename for i in infos}
    except zipfile.BadZipFile as exc:
        raise ValidationError({"file": [_("This is not a valid XLSX file.")]}) from exc
    if "xl/workbook.xml" not in names:
        raise ValidationError({"file": [_("This is not a valid XLSX file.")]})
    if total > MAX_XLSX_UNCOMPRESSED or total / packed > MAX_XLSX_RATIO:
        raise ValidationError({"file": [_("The spreadsheet expands to an unsafe size; it was not read.")]})


def _kind_of(name: str, data: bytes) -> str:
    suffix = Path(name).suffix.lower()
    if suffix == ".xlsx" and data[:4] == b"PK\x03\x04":
        return "xlsx"
    if suffix in {".csv", ".txt"} and b"\x00" not in data[:4096]:
        return "csv"
    raise ValidationError({"file": [_("Upload a .csv or .xlsx file.")]})


def read_rows(path: Path, kind: str, encoding: str = "") -> Iterator[list[str]]:
    """All rows of a stored file as lists of strings, header first."""
    if kind == "csv":
        text, _enc = _decode(path.read_bytes())
        yield from csv.reader(io.StringIO(text))
        return
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = workbook.worksheets[0]
        for row in sheet.iter_rows(values_only=True):
            yield [
                "" if v is None else (str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)) for v in row
            ]
    finally:
        workbook.close()


def _count_data_rows(path: Path, kind: str) -> int:
    """Rows below the header, for the progress bar (a quick pass that keeps nothing)."""
    # Counted by reading, not from the sheet's stored dimension, which files may omit or get wrong.
    return max(0, sum(1 for _row in read_rows(path, kind)) - 1)


# --- steps -----------------------------------------------------------------------------------


def lead_import_upload(
    *,
    actor: User,
    name: str,
    data: bytes,
    source: str = LeadSource.IMPORT,
    campaign: str = "",
    template_id: int | None = None,
) -> LeadImport:
    """Store an uploaded file and read its headers. Refuses wrong types, oversize files, zip bombs,
    undecodable text, files without a header row and templates the actor is not offered; nothing is
    imported at this step. The column mapping is the chosen template's, else a suggestion.
    """
    if not can_import_leads(actor):
        raise PermissionDenied(_("Your roles do not allow importing leads."))
    template = _template_or_error(actor, template_id)
    if len(data) > MAX_UPLOAD_BYTES:
        raise ValidationError({"file": [_("The file is larger than %(mb)d MB.") % {"mb": MAX_UPLOAD_BYTES // 2**20}]})
    if not data:
        raise ValidationError({"file": [_("The file is empty.")]})
    kind = _kind_of(name, data)
    encoding = ""
    if kind == "xlsx":
        _check_xlsx(data)
    else:
        _text, encoding = _decode(data)
    if source not in LeadSource.values:
        raise ValidationError({"source": [_("Choose a source.")]})
    path = _imports_dir() / f"{uuid.uuid4().hex}.{kind}"
    path.write_bytes(data)
    try:
        header = next(read_rows(path, kind), [])
    except Exception as exc:  # openpyxl raises many kinds of errors on a damaged workbook
        path.unlink(missing_ok=True)
        raise ValidationError({"file": [_("The file could not be read: %(error)s") % {"error": exc}]}) from exc
    headers = [h.strip() for h in header]
    if not any(headers):
        path.unlink(missing_ok=True)
        raise ValidationError({"file": [_("The first row must hold the column headers.")]})
    mapping = suggest_mapping(headers)
    value_mapping: dict[str, dict[str, str]] = {}
    if template is not None:
        mapping = {h: f for h, f in template.mapping.items() if h in headers} or mapping
        value_mapping = template.value_mapping
    return LeadImport.objects.create(
        created_by=actor,
        original_name=Path(name).name[:255],
        stored_path=str(path),
        file_kind=kind,
        encoding=encoding,
        headers=headers,
        mapping=mapping,
        value_mapping=value_mapping,
        template=template,
        source=source,
        campaign=campaign[:100],
    )


def _template_or_error(actor: User, template_id: int | None) -> LeadImportTemplate | None:
    if template_id is None:
        return None
    template = import_template_scope(LeadImportTemplate.objects.all(), actor).filter(pk=template_id).first()
    if template is None:
        raise ValidationError({"template_id": [_("No such import template.")]})
    return template


def _check_mapping(batch: LeadImport, mapping: dict[str, str]) -> dict[str, str]:
    clean = {h: f for h, f in mapping.items() if f}
    custom = customfields.import_fields("lead")  # a column may fill a lead's custom field too
    unknown = sorted({f for f in clean.values() if f not in IMPORT_FIELDS and f not in custom})
    errors: dict[str, list[str]] = {}
    if unknown:
        errors["mapping"] = [_("Unknown fields: %(fields)s.") % {"fields": ", ".join(unknown)}]
    if set(clean) - set(batch.headers):
        errors["mapping"] = [_("The mapping names columns the file does not have.")]
    targets = list(clean.values())
    if len(targets) != len(set(targets)):
        errors["mapping"] = [_("Each field may be mapped from one column only.")]
    if not {"company_name", "contact_name"} & set(targets):
        errors["mapping"] = [_("Map at least the company or the contact name.")]
    if errors:
        raise ValidationError(errors)
    return clean


def _check_value_mapping(
    mapping: dict[str, str], value_mapping: dict[str, dict[str, str]]
) -> dict[str, dict[str, str]]:
    """Only mapped choice columns, only real codes; a value mapped to nothing is left out."""
    mapped = set(mapping.values())
    errors: list[str] = []
    clean: dict[str, dict[str, str]] = {}
    for field_name, table in value_mapping.items():
        if field_name not in CHOICE_FIELDS or field_name not in mapped:
            errors.append(_("“%(field)s” is not a mapped choice column.") % {"field": field_name})
            continue
        codes = set(CHOICE_FIELDS[field_name].values)
        wrong = sorted({code for code in table.values() if code and code not in codes})
        if wrong:
            errors.append(_("%(field)s: unknown codes %(codes)s.") % {"field": field_name, "codes": ", ".join(wrong)})
            continue
        chosen = {str(raw).strip()[:200]: code for raw, code in table.items() if code and str(raw).strip()}
        if chosen:
            clean[field_name] = chosen
    if errors:
        raise ValidationError({"value_mapping": errors})
    return clean


def _columns(headers: list[str], mapping: dict[str, str]) -> list[tuple[str, int, str]]:
    """(field, column position, suffix) for each mapped header, worked out once per file."""
    index = {h: i for i, h in enumerate(headers)}
    return [(field, index[h], column_suffix(h, field)) for h, field in mapping.items()]


def _mapped(columns: list[tuple[str, int, str]], row: list[str]) -> dict[str, str]:
    width = len(row)
    values = {}
    for field_name, i, suffix in columns:
        cell = row[i] if i < width else ""
        values[field_name] = cell + suffix if suffix and cell.strip() and suffix not in cell else cell
    return values


@dataclass
class ImportValue:
    """One distinct value of a choice column that is neither a code nor a label."""

    value: str
    rows: int
    suggestions: list[ValueSuggestion]
    chosen: str | None = None


@dataclass
class ImportValueColumn:
    field: str
    header: str
    values: list[ImportValue] = dataclass_field(default_factory=list)


def lead_import_values(*, batch: LeadImport, mapping: dict[str, str]) -> list[ImportValueColumn]:
    """The distinct values of each mapped choice column that are not codes or labels, most rows
    first, with ranked suggestions and the mapping already chosen (this import's or its template's).
    One pass over the file; nothing is written.
    """
    mapping = _check_mapping(batch, mapping)
    known = choice_lookups()
    remembered = {f: {value_key(raw): code for raw, code in table.items()} for f, table in batch.value_mapping.items()}
    positions = {h: i for i, h in enumerate(batch.headers)}  # as _columns reads them
    columns = [(f, positions[h], h) for h, f in mapping.items() if f in CHOICE_FIELDS]
    seen: list[dict[str, list[Any]]] = [{} for _column in columns]
    rows = read_rows(Path(batch.stored_path), batch.file_kind)
    next(rows, None)
    for row in islice(rows, MAX_ROWS):
        width = len(row)
        for (field_name, position, _header), counts in zip(columns, seen, strict=True):
            text = row[position].strip() if position < width else ""
            if not text or text.lower() in known[field_name]:
                continue
            key = value_key(text)
            if key in known[field_name]:
                continue
            if key in counts:
                counts[key][1] += 1
            elif len(counts) < MAX_LISTED_VALUES:
                counts[key] = [text, 1]
    result = []
    for (field_name, _position, header), counts in zip(columns, seen, strict=True):
        if not counts:
            continue
        ordered = sorted(counts.items(), key=lambda item: -item[1][1])
        values = [
            ImportValue(
                value=text,
                rows=n,
                suggestions=suggest_values(field_name, text),
                chosen=remembered.get(field_name, {}).get(key),
            )
            for key, (text, n) in ordered
        ]
        result.append(ImportValueColumn(field_name, header, values))
    return result


@dataclass
class PreviewRow:
    number: int
    values: dict[str, Any]
    errors: list[str]
    duplicate_of: int | None


def lead_import_preview(
    *, batch: LeadImport, mapping: dict[str, str], value_mapping: dict[str, dict[str, str]] | None = None
) -> list[PreviewRow]:
    """The first rows as they would be imported, with per-row errors and duplicates."""
    mapping = _check_mapping(batch, mapping)
    lookups = choice_lookups(_check_value_mapping(mapping, value_mapping or {}))
    rows = read_rows(Path(batch.stored_path), batch.file_kind)
    next(rows, None)
    preview: list[PreviewRow] = []
    columns = _columns(batch.headers, mapping)
    for number, row in enumerate(rows, start=2):
        if len(preview) >= PREVIEW_ROWS:
            break
        values, errors = clean_row(_mapped(columns, row), lookups)
        preview.append(PreviewRow(number, values, errors, None))
    probes = [_probe(batch, p.values) for p in preview]
    matcher = LeadMatcher().load(Keys.of(p) for p in probes)
    for item, probe in zip(preview, probes, strict=True):
        item.duplicate_of = matcher.existing_lead(Keys.of(probe)) if not item.errors else None
    return preview


def lead_import_start(
    *,
    actor: User,
    batch: LeadImport,
    mapping: dict[str, str],
    duplicate_policy: str,
    value_mapping: dict[str, dict[str, str]] | None = None,
    template_name: str = "",
    template_shared: bool = False,
) -> LeadImport:
    """Queue the import for the background worker with the confirmed column and value mappings.

    With a template name, the mappings are kept as the actor's template of that name (shared with
    the actor's team when asked). Refuses anyone but the uploader (or an admin), a started import,
    unknown fields or codes; a refused start changes nothing.
    """
    if not can_run_import(actor, batch):
        raise PermissionDenied(_("Only the person who uploaded the file may start its import."))
    if batch.status != ImportStatus.UPLOADED:
        raise ValidationError({"status": [_("This import has already been started.")]})
    if duplicate_policy not in DuplicatePolicy.values:
        raise ValidationError({"duplicate_policy": [_("Choose what to do with duplicates.")]})
    mapping = _check_mapping(batch, mapping)
    values = _check_value_mapping(mapping, value_mapping or {})
    template_name = " ".join(template_name.split())
    if len(template_name) > 60:
        raise ValidationError({"template_name": [_("At most 60 characters.")]})
    with transaction.atomic():
        fields = ["mapping", "value_mapping", "duplicate_policy", "status"]
        if template_name:
            batch.template, _created = LeadImportTemplate.objects.update_or_create(
                owner=actor,
                name=template_name,
                defaults={
                    "mapping": mapping,
                    "value_mapping": values,
                    "team_id": actor.team_id if template_shared else None,
                },
            )
            fields.append("template")
        batch.mapping = mapping
        batch.value_mapping = values
        batch.duplicate_policy = duplicate_policy
        batch.status = ImportStatus.QUEUED
        batch.save(update_fields=fields)
        from ltc.leads.tasks import run_lead_import

        transaction.on_commit(lambda: run_lead_import.enqueue(batch.pk))
    return batch


def lead_import_template_delete(*, actor: User, template: LeadImportTemplate) -> None:
    """Delete a template; only its owner may. Imports that used it keep their own mappings."""
    if template.owner_id != actor.pk:
        raise PermissionDenied(_("Only the owner may delete an import template."))
    template.delete()


# Model defaults for fields an import does not set; rows are plain namespaces, not model instances,
# because building a model instance per row costs more than validating it.
ROW_DEFAULTS: dict[str, Any] = {
    name: Lead._meta.get_field(name).get_default()  # type: ignore[union-attr]
    for name in LEAD_INSERT_FIELDS
    if not name.endswith("_id") and name not in ("id", "created_at", "updated_at")
}


_ROUTING_BLANKS = {"owner_id": None, "assignment_rule": None, "assigned_at": None, "first_contact_due_at": None}


def _probe(batch: LeadImport, values: dict[str, Any]) -> Any:
    """An unsaved lead as a namespace with normalised keys, for matching, scoring and routing."""
    row = SimpleNamespace(
        **{**ROW_DEFAULTS, **_ROUTING_BLANKS, "source": batch.source, "campaign": batch.campaign, **values}
    )
    row.company_name = " ".join(row.company_name.split())
    row.company_key = normalize.company_name(row.company_name)
    row.credit_code = normalize.credit_code(row.credit_code)
    row.email = row.email_key = normalize.email(row.email)
    row.mobile_key = normalize.mobile(row.mobile)
    if len(row.mobile_key) == 11:
        row.mobile = row.mobile_key
    return row


class Superseded(Exception):
    """This run may not commit the chunk: another run of the batch committed it first, or the
    worker's lease was taken over (it was thought dead); the run stops, the holder goes on."""


def lead_import_run(batch_id: int, *, progress: Callable[[], bool] | None = None) -> LeadImport:
    """Process a queued import in chunks; progress is visible while it runs.

    Each chunk commits its leads, its rejected rows and the batch's counters together, so a run
    stopped anywhere (a worker killed) resumes after the last committed chunk: no row is imported
    twice and none is skipped. `progress` (the worker's lease) is renewed inside each chunk's
    transaction: a run whose lease was taken over commits nothing more and stops, leaving the batch
    to the new holder, who reads what was committed only once it holds the lease."""
    LeadImport.objects.filter(pk=batch_id, status=ImportStatus.QUEUED).update(
        status=ImportStatus.RUNNING, started_at=timezone.now()
    )
    batch = LeadImport.objects.get(pk=batch_id)
    if batch.status != ImportStatus.RUNNING:
        return batch
    try:
        path = Path(batch.stored_path)
        total = min(_count_data_rows(path, batch.file_kind), MAX_ROWS)
        LeadImport.objects.filter(pk=batch.pk).update(total_rows=total)
        if progress is not None and not progress():  # counting a large file takes a while
            return batch
        rules = scoring.active_rules()
        router = routing.Router.load()
        lookups = choice_lookups(batch.value_mapping)
        rejected_file = _rejected_file(batch, resume_line=batch.processed_rows + 2)
        rows = read_rows(path, batch.file_kind)
        next(rows, None)
        deque(islice(rows, batch.processed_rows), maxlen=0)  # rows of the chunks committed before
        # Streamed chunk by chunk: memory stays flat whatever the file's length.
        for start in range(batch.processed_rows, total, CHUNK):
            chunk = list(islice(rows, min(CHUNK, total - start)))
            if not chunk:
                break
            _run_chunk(batch, chunk, start, rules, router, lookups, rejected_file, progress)
        router.save_positions()
        batch.refresh_from_db()
        LeadImport.objects.filter(pk=batch.pk).update(
            status=ImportStatus.DONE,
            finished_at=timezone.now(),
            rejected_path=str(rejected_file) if batch.rejected_count else "",
        )
    except Superseded:
        return batch
    except Exception as exc:  # the batch must end in a visible state whatever went wrong
        LeadImport.objects.filter(pk=batch.pk).update(
            status=ImportStatus.FAILED, error=str(exc)[:2000], finished_at=timezone.now()
        )
        raise
    batch.refresh_from_db()
    return batch


def _rejected_file(batch: LeadImport, *, resume_line: int) -> Path:
    """The batch's file of rejected rows, holding just the rows of the committed chunks (a chunk
    rolled back by a stopped run may have written some)."""
    path = _imports_dir() / f"rejected-{batch.pk}.csv"
    kept: list[list[str]] = []
    if path.exists():
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            next(reader, None)
            kept = [row for row in reader if row and row[0].isdigit() and int(row[0]) < resume_line]
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([_("line"), *batch.headers, _("reason")])
        writer.writerows(kept)
    return path


def _run_chunk(
    batch: LeadImport,
    chunk: list[list[str]],
    done: int,
    rules: list[Any],
    router: routing.Router,
    lookups: dict[str, dict[str, str]],
    rejected_file: Path,
    progress: Callable[[], bool] | None = None,
) -> None:
    """Import the rows after the first `done` data rows, all or nothing."""
    now = timezone.now()
    first_line = done + 2
    rejected: list[list[str]] = []
    candidates: list[tuple[list[str], Any]] = []
    columns = _columns(batch.headers, batch.mapping)
    custom_fields = customfields.import_fields("lead")
    custom_columns = [(name, i) for name, i, _suffix in columns if name in custom_fields]
    custom_of: dict[int, dict[str, Any]] = {}  # id(lead) -> its custom values, for the created ones
    users: dict[str, Any] = {}
    for offset, row in enumerate(chunk):
        values, errors = clean_row(_mapped(columns, row), lookups)
        custom, custom_errors = customfields.import_row(
            custom_fields, {name: row[i] if i < len(row) else "" for name, i in custom_columns}, users
        )
        errors = [*errors, *custom_errors]
        if errors:
            rejected.append([str(first_line + offset), *row, "; ".join(errors)])
        else:
            lead = _probe(batch, values)
            custom_of[id(lead)] = custom
            candidates.append((row, lead))
    matcher = LeadMatcher().load((Keys.of(lead) for _row, lead in candidates), leads_only=True)
    creates: list[Any] = []
    updates: list[tuple[int, Any]] = []
    skipped = 0
    for _row, lead in candidates:
        keys = Keys.of(lead)
        existing = matcher.existing_lead(keys)
        if existing is not None and batch.duplicate_policy == DuplicatePolicy.SKIP:
            skipped += 1
        elif existing is not None and batch.duplicate_policy == DuplicatePolicy.UPDATE:
            updates.append((existing, lead))
        else:
            creates.append(lead)
            matcher.remember(-len(creates), keys, lead.company_name)
    with transaction.atomic():
        for lead in creates:
            lead.score, lead.score_details = scoring.compute_score(lead, rules)
        routing.apply(router, creates, now=now)
        ids = next_ids(Lead, len(creates))
        for pk, lead in zip(ids, creates, strict=True):
            lead.id, lead.import_batch_id, lead.created_at, lead.updated_at, lead.version = pk, batch.pk, now, now, 1
            lead.created_by_id = batch.created_by_id
            lead.assignment_rule_id = lead.assignment_rule.pk if lead.assignment_rule else None
        bulk_insert(Lead, LEAD_INSERT_FIELDS, map(ROW_VALUES, creates))
        if custom_columns:
            customfields.insert_values(Lead, ((pk, custom_of[id(lead)]) for pk, lead in zip(ids, creates, strict=True)))
        lead_type = ContentType.objects.get_for_model(Lead).pk
        note = _("Imported from %(file)s (import #%(batch)s).") % {"file": batch.original_name, "batch": batch.pk}
        bulk_insert(
            TimelineEvent,
            TIMELINE_FIELDS,
            ((lead_type, pk, TimelineKind.CREATED, batch.created_by_id, now, note, NO_CHANGES) for pk in ids),
        )
        # One lead.created per lead, written by one insert per chunk (as the leads are).
        emit_many(
            [
                LeadCreated(
                    subject_id=pk,
                    source=lead.source,
                    campaign=lead.campaign,
                    owner_id=lead.owner_id,
                    **{name: getattr(lead, name) for name in UTM_FIELDS},
                    via="import",
                )
                for pk, lead in zip(ids, creates, strict=True)
            ]
        )
        updated = _apply_updates(batch, updates, now) if updates else 0
        search.mark_many(Lead, [*ids, *(pk for pk, _lead in updates)])
        # Counted only if nobody committed this chunk meanwhile; otherwise all of it rolls back.
        counted = LeadImport.objects.filter(pk=batch.pk, processed_rows=done).update(
            processed_rows=F("processed_rows") + len(chunk),
            created_count=F("created_count") + len(creates),
            updated_count=F("updated_count") + updated,
            skipped_count=F("skipped_count") + skipped,
            rejected_count=F("rejected_count") + (len(chunk) - len(candidates)),
        )
        # The lease is renewed in the same transaction: only its holder commits a chunk.
        if not counted or (progress is not None and not progress()):
            raise Superseded
        if rejected:
            with rejected_file.open("a", encoding="utf-8", newline="") as handle:
                csv.writer(handle).writerows(rejected)


def _apply_updates(batch: LeadImport, updates: list[tuple[int, Any]], now: Any) -> int:
    """Fill the imported values into existing open leads, keeping their old values for undo."""
    by_id = {pk: lead for pk, lead in updates}
    fields = [f for f in set(batch.mapping.values()) if f in IMPORT_FIELDS]
    key_fields = ["company_key", "email_key", "mobile_key"]
    existing = list(Lead.objects.filter(pk__in=by_id, status__in=[LeadStatus.NEW, LeadStatus.VERIFYING]))
    records = []
    for lead in existing:
        incoming = by_id[lead.pk]
        changed = {f: getattr(incoming, f) for f in fields if getattr(incoming, f) not in ("", None)}
        if not changed:
            continue
        records.append(
            LeadImportUpdate(
                batch=batch, lead=lead, before={f: _jsonable(getattr(lead, f)) for f in [*changed, *key_fields]}
            )
        )
        for name, value in changed.items():
            setattr(lead, name, value)
        lead.normalise()
        lead.version += 1
        lead.updated_at = now
    LeadImportUpdate.objects.bulk_create(records, batch_size=1000)
    changed_leads = [r.lead for r in records]
    Lead.objects.bulk_update(changed_leads, [*fields, *key_fields, "version", "updated_at"], batch_size=1000)
    return len(changed_leads)


def _jsonable(value: Any) -> Any:
    return str(value) if value is not None and not isinstance(value, (str, int, bool)) else value


def lead_import_undo(*, actor: User, batch: LeadImport) -> dict[str, int]:
    """Undo a finished import: delete the leads it created that nobody worked on yet, restore the
    leads it updated. Leads already worked (activities, status beyond verifying) are kept and counted.
    """
    if not can_run_import(actor, batch):
        raise PermissionDenied(_("Only the person who ran the import may undo it."))
    if batch.status != ImportStatus.DONE:
        raise ValidationError({"status": [_("Only a finished import can be undone.")]})
    now = timezone.now()
    lead_type = ContentType.objects.get_for_model(Lead)
    with transaction.atomic():
        from ltc.core.models import Activity

        worked = set(
            Activity.objects.filter(content_type=lead_type, object_id__in=batch.leads.values("pk")).values_list(
                "object_id", flat=True
            )
        )
        removable = list(
            batch.leads.filter(status=LeadStatus.NEW, merged_into__isnull=True, merged_leads__isnull=True)
            .exclude(pk__in=worked)
            .values_list("pk", "company_name")
        )
        kept = batch.leads.count() - len(removable)
        ids = [pk for pk, _name in removable]
        for start in range(0, len(ids), 5000):
            part = removable[start : start + 5000]
            bulk_insert(
                TimelineEvent,
                TIMELINE_FIELDS,
                ((lead_type.pk, pk, TimelineKind.DELETED, actor.pk, now, name, []) for pk, name in part),
            )
            Lead.objects.filter(pk__in=[pk for pk, _name in part]).delete()
        restored = 0
        for record in batch.updates.select_related("lead"):
            lead = record.lead
            for name, value in record.before.items():
                setattr(lead, name, value)
            lead.version += 1
            lead.save(update_fields=[*record.before.keys(), "version"])
            restored += 1
        LeadImport.objects.filter(pk=batch.pk).update(status=ImportStatus.UNDONE, undone_at=now)
    return {"deleted": len(ids), "kept": kept, "restored": restored}
