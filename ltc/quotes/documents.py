"""The quote document: one template for the HTML preview, the customer's page and the PDF
(WeasyPrint, with the project's CJK font so Chinese prints correctly; totals in capital numerals for CNY)."""

from __future__ import annotations

import base64
from decimal import Decimal
from typing import Any

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import formats

from ltc.core.money import cny_in_words
from ltc.core.pdf import html_to_pdf
from ltc.org.models import CompanyProfile
from ltc.quotes.models import QuoteVersion
from ltc.quotes.selectors import line_tree

# The logo types the company profile accepts (ltc.org.profile), by their first bytes.
LOGO_TYPES = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}


def logo_data_uri(company: CompanyProfile) -> str:
    """The company's logo as a data: URI, read through the storage; empty without a readable PNG or
    JPEG. Inlined because the files are private on any storage (S3 objects have no public URL and
    no path, local media is not served): WeasyPrint and a browser, signed in or not, read it alike."""
    if not company.logo:
        return ""
    storage, name = company.logo.storage, company.logo.name
    try:
        if not storage.exists(name):
            return ""
        with storage.open(name, "rb") as file:
            data = file.read()
    except OSError:
        return ""
    media_type = next((kind for magic, kind in LOGO_TYPES.items() if data.startswith(magic)), "")
    return f"data:{media_type};base64,{base64.b64encode(data).decode('ascii')}" if media_type else ""


def document_context(version: QuoteVersion, *, for_pdf: bool = False) -> dict[str, Any]:
    """What the document shows; the PDF and the browser get the same document (`for_pdf` is kept
    for callers that say which one they render)."""
    company = CompanyProfile.current()
    logo = logo_data_uri(company)
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
