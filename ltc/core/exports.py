"""CSV and XLSX export of list views, streamed so a large export never sits in memory twice."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django_stubs_ext import StrOrPromise
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

Column = tuple[StrOrPromise, Callable[[Any], Any]]  # (header, value getter)
XLSX_MAX_ROWS = 1_048_575  # Excel's sheet limit less the header row
# A cell starting with one of these is read as a formula by spreadsheet programs (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_rows(header: list[str], rows: Iterator[list[Any]]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    # The BOM makes Excel open UTF-8 Chinese text correctly.
    yield "\ufeff" + writer.writerow(header)
    for row in rows:
        yield writer.writerow(row)


def _cell(value: Any) -> Any:
    """A value as a spreadsheet cell: numbers (Decimal included) and dates stay what they are (a
    CSV writes a date in ISO form), text loses the
    control characters a spreadsheet cannot hold (data stored before the edge refused them)."""
    if value is None:
        return ""
    if hasattr(value, "tzinfo") and value.tzinfo is not None:
        return timezone.localtime(value).replace(tzinfo=None)
    if isinstance(value, (bool, int, float, Decimal, date)):  # a date (or naive datetime) stays a date cell
        return value
    text = value if isinstance(value, str) else str(value)
    return ILLEGAL_CHARACTERS_RE.sub("", text)


def _is_formula(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def _csv_cell(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula gets a leading apostrophe (OWASP)."""
    return "'" + value if _is_formula(value) else value


def _xlsx_row(sheet: Any, row: list[Any]) -> list[Any]:
    """Text that would become a formula cell is written as a text cell instead."""
    cells: list[Any] = []
    for value in row:
        if _is_formula(value):
            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"
            cells.append(cell)
        else:
            cells.append(value)
    return cells


def export_response(
    objects: Iterable[Any], columns: Sequence[Column], *, fmt: str, basename: str
) -> HttpResponse | StreamingHttpResponse:
    header = [str(h) for h, _ in columns]
    rows = ([_cell(get(obj)) for _, get in columns] for obj in objects)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if fmt == "xlsx":
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(basename[:31])
        sheet.append(header)
        for count, row in enumerate(rows):
            if count >= XLSX_MAX_ROWS:
                break
            sheet.append(_xlsx_row(sheet, row))
        buffer = io.BytesIO()
        workbook.save(buffer)
        response = HttpResponse(
            buffer.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="{basename}-{stamp}.xlsx"'
        return response
    csv_rows = ([_csv_cell(value) for value in row] for row in rows)
    streaming = StreamingHttpResponse(_csv_rows(header, csv_rows), content_type="text/csv; charset=utf-8")
    streaming["Content-Disposition"] = f'attachment; filename="{basename}-{stamp}.csv"'
    return streaming
