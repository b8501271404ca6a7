"""The invoice (and credit note) document: the HTML shown on the page and the PDF (WeasyPrint,
the quote document's style and the project's CJK font; CNY totals in capital numerals)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse

from ltc.billing.models import Invoice, InvoiceLine
from ltc.core.money import cny_in_words
from ltc.core.pdf import html_to_pdf
from ltc.org.models import CompanyProfile


def vat_summary(lines: list[InvoiceLine]) -> list[dict[str, Any]]:
    """Net and VAT per rate, highest rate first."""
    by_rate: dict[int, list[Decimal]] = {}
    for line in lines:
        sums = by_rate.setdefault(line.tax_rate, [Decimal(0), Decimal(0)])
        sums[0] += line.net_amount
        sums[1] += line.tax_amount
    return [{"rate": rate, "net": net, "tax": tax} for rate, (net, tax) in sorted(by_rate.items(), reverse=True)]


def acceptance_url(invoice: Invoice) -> str | None:
    """The acceptance document of the milestone that triggered the invoice, if any."""
    line = invoice.billing_line
    milestone = line.milestone if line is not None else None
    if milestone is None or not milestone.acceptance_document:
        return None
    return reverse("contracts:milestone_document", args=[milestone.pk])


def document_context(invoice: Invoice) -> dict[str, Any]:
    lines = list(invoice.lines.all())
    return {
        "company": CompanyProfile.current(),
        "invoice": invoice,
        "lines": lines,
        "vat": vat_summary(lines),
        "in_words": cny_in_words(invoice.total) if invoice.currency == "CNY" else "",
    }


def render_pdf(invoice: Invoice) -> bytes:
    return html_to_pdf(render_to_string("billing/invoice_document.html", document_context(invoice)))


def pdf_response(invoice: Invoice) -> HttpResponse:
    response = HttpResponse(render_pdf(invoice), content_type="application/pdf")
    name = invoice.number or f"draft-{invoice.pk}"
    response["Content-Disposition"] = f'inline; filename="{name}.pdf"'
    return response
