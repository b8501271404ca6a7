"""The quote document: one template for the HTML preview, the customer's page and the PDF
(WeasyPrint, with a CJK font so Chinese prints correctly; totals in capital numerals for CNY)."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import formats
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration

from ltc.core.money import cny_in_words
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


_local = threading.local()


def _font_config() -> FontConfiguration:
    """One font configuration per thread: loading the system's fonts (a large CJK font among
    them) is paid once, not per document; threads never share one."""
    config = getattr(_local, "font_config", None)
    if config is None:
        config = _local.font_config = FontConfiguration()
    return config


@contextmanager
def _few_collections() -> Iterator[None]:
    """Layout allocates hundreds of thousands of short-lived objects: with the default
    thresholds the garbage collector runs ~300 times per long quote (~15% of the time)."""
    thresholds = gc.get_threshold()
    gc.set_threshold(max(thresholds[0], 50_000), 50, 50)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)


def render_pdf(version: QuoteVersion) -> bytes:
    html = render_html(version, for_pdf=True)
    with _few_collections():
        return HTML(string=html).write_pdf(font_config=_font_config())  # type: ignore[no-any-return]


def pdf_response(version: QuoteVersion, *, download: bool = False) -> HttpResponse:
    response = HttpResponse(render_pdf(version), content_type="application/pdf")
    disposition = "attachment" if download else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{version.quote.number}-v{version.number}.pdf"'
    return response
