"""The quote document: one template for the HTML preview, the customer's page and the PDF
(WeasyPrint, with the project's CJK font so Chinese prints correctly; totals in capital numerals for CNY)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import formats

from ltc.core.money import cny_in_words
from ltc.core.pdf import html_to_pdf
from ltc.org.models import CompanyProfile
from ltc.quotes.models import QuoteVersion
from ltc.quotes.selectors import line_tree


def document_context(version: QuoteVersion, *, for_pdf: bool = False) -> dict[str, Any]:
    """What the document shows; the logo is a file for WeasyPrint and a URL for a browser."""
    company = CompanyProfile.current()
    logo = ""
    if company.logo and Path(company.logo.path).is_file():
        logo = Path(company.logo.path).as_uri() if for_pdf else company.logo.url
    tree = line_tree(version)
    by_rate: dict[int, list[Decimal]] = {}
    for line, parts in tree:
        for item in (line, *parts):
            sums = by_rate.setdefault(item.tax_rate, [Decimal(0), Decimal(0)])
            sums[0] += item.net_amount
            sums[1] += item.tax_amount
    vat = [
        (rate, formats.number_format(net, 2, force_grouping=True), tax)
        for rate, (net, tax) in sorted(by_rate.items(), reverse=True)
    ]
    return {
        "company": company,
        "vat_by_rate": vat,
        "logo": logo,
        "quote": version.quote,
        "version": version,
        "tree": tree,
        "terms": list(version.terms.all()),
        "in_words": cny_in_words(version.grand_total) if version.currency == "CNY" else "",
    }


def render_html(version: QuoteVersion, *, for_pdf: bool = False) -> str:
    return render_to_string("quotes/document.html", document_context(version, for_pdf=for_pdf))


def render_pdf(version: QuoteVersion) -> bytes:
    return html_to_pdf(render_html(version, for_pdf=True))


def pdf_response(version: QuoteVersion, *, download: bool = False) -> HttpResponse:
    response = HttpResponse(render_pdf(version), content_type="application/pdf")
    disposition = "attachment" if download else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{version.quote.number}-v{version.number}.pdf"'
    return response
