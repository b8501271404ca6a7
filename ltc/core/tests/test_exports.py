"""The one export helper: spreadsheet formulas in data are neutralised, numbers stay numbers,
and stored control characters never make an export fail."""

import csv
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from ltc.core.exports import export_response

DANGEROUS = ["=cmd|' /C calc'!A0", '=HYPERLINK("http://evil.example","x")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"]
COLUMNS = [("Name", lambda row: row[0]), ("Amount", lambda row: row[1])]


def _csv(rows):
    response = export_response(rows, COLUMNS, fmt="csv", basename="t")
    text = b"".join(response.streaming_content).decode("utf-8").lstrip("\ufeff")
    return list(csv.reader(io.StringIO(text, newline="")))


def _xlsx(rows):
    response = export_response(rows, COLUMNS, fmt="xlsx", basename="t")
    return load_workbook(io.BytesIO(response.content)).active


@pytest.mark.parametrize("value", DANGEROUS)
def test_csv_neutralises_formula_starts(value):
    rows = _csv([(value, Decimal("-12.50"))])
    assert rows[1] == ["'" + value, "-12.50"]  # a real negative number is written as it is


@pytest.mark.parametrize("value", DANGEROUS)
def test_xlsx_writes_formula_starts_as_text(value):
    sheet = _xlsx([(value, Decimal("-12.50"))])
    name, amount = sheet["A2"], sheet["B2"]
    assert name.data_type == "s"
    assert name.value.lstrip("'") in (value, value.replace("\r", "\n"))
    assert amount.data_type == "n"
    assert amount.value == -12.5


def test_control_characters_stored_earlier_do_not_break_the_export():
    sheet = _xlsx([("锦程\x01制造\x00", Decimal("1.00"))])
    assert sheet["A2"].value == "锦程制造"
    assert _csv([("锦程\x01制造", Decimal("1.00"))])[1] == ["锦程制造", "1.00"]
