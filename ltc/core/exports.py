"""CSV and XLSX export of list views, streamed so a large export never sits in memory twice."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django_stubs_ext import StrOrPromise
from openpyxl import Workbook

Column = tuple[StrOrPromise, Callable[[Any], Any]]  # (header, value getter)
XLSX_MAX_ROWS = 1_048_575  # Excel's sheet limit less the header row


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
    if value is None:
        return ""
    if hasattr(value, "tzinfo") and value.tzinfo is not None:
        return timezone.localtime(value).replace(tzinfo=None)
    return value if isinstance(value, (int, float, str)) else str(value)


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
            sheet.append(row)
        buffer = io.BytesIO()
        workbook.save(buffer)
        response = HttpResponse(
            buffer.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="{basename}-{stamp}.xlsx"'
        return response
    streaming = StreamingHttpResponse(_csv_rows(header, rows), content_type="text/csv; charset=utf-8")
    streaming["Content-Disposition"] = f'attachment; filename="{basename}-{stamp}.csv"'
    return streaming
