"""The quote document: one template for the HTML preview, the customer's page and the PDF
(WeasyPrint, with a CJK font so Chinese prints correctly; totals in capital numerals for CNY)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.http import HttpResponse
from django.template.loader import render_to_string
from weasyprint import HTML

from ltc.core.money import cny_in_words
from ltc.org.models import CompanyProfile
from ltc.quotes.models import QuoteVersion
from ltc.quotes.selectors import line_tree


def document_context(version: QuoteVersion) -> dict[str, Any]:
    company = CompanyProfile.current()
    logo = ""
    if company.logo and Path(company.logo.path).is_file():
        logo = Path(company.logo.path).as_uri()
    return {
        "company": company,
        "logo": logo,
        "quote": version.quote,
        "version": version,
        "tree": line_tree(version),
        "terms": list(version.terms.all()),
        "in_words": cny_in_words(version.grand_total) if version.currency == "CNY" else "",
    }


def render_html(version: QuoteVersion) -> str:
    return render_to_string("quotes/document.html", document_context(version))


def render_pdf(version: QuoteVersion) -> bytes:
    return HTML(string=render_html(version)).write_pdf()  # type: ignore[no-any-return]


def pdf_response(version: QuoteVersion, *, download: bool = False) -> HttpResponse:
    response = HttpResponse(render_pdf(version), content_type="application/pdf")
    disposition = "attachment" if download else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{version.quote.number}-v{version.number}.pdf"'
    return response
