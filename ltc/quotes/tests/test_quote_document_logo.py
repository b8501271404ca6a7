"""The company logo on the quote document, read through the storage: it prints and shows with a
storage that has no local path (S3 in production; Django's in-memory storage without paths here)."""

from __future__ import annotations

import base64
import io
import os
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import InMemoryStorage
from django.test import override_settings
from PIL import Image
from pypdf import PdfReader

from ltc.org.models import CompanyProfile
from ltc.quotes import documents
from ltc.quotes.models import Quote
from ltc.quotes.tests.factories import make_quote


class PathlessStorage(InMemoryStorage):
    """Like S3Storage: files are read through the storage only, there is no local path."""

    def path(self, name: str) -> str:
        raise NotImplementedError("This backend doesn't support absolute paths.")

    def _relative_path(self, name: str) -> str:  # the in-memory tree is keyed by the path it would have
        return os.path.relpath(super().path(name), self.location)


IN_MEMORY = {
    "default": {"BACKEND": f"{__name__}.PathlessStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def page_images(pdf: bytes) -> list[str]:
    """The names of the images the first page draws."""
    resources = PdfReader(io.BytesIO(pdf)).pages[0]["/Resources"]
    objects = resources.get("/XObject", {})
    return [name for name, ref in objects.items() if ref.get_object()["/Subtype"] == "/Image"]


@override_settings(STORAGES=IN_MEMORY)
def test_a_quote_pdf_prints_the_logo_from_a_storage_without_paths(world: Any, web_as: Any) -> None:
    logo = png()
    company = CompanyProfile.objects.create(name="示例科技")
    company.logo.save("logo.png", ContentFile(logo), save=True)
    with pytest.raises(NotImplementedError):
        company.logo.path  # noqa: B018 - the storage really keeps no file on disk
    quote = make_quote(world)
    version = Quote.objects.get(pk=quote.pk).current
    assert version is not None

    html = documents.render_html(version, for_pdf=True)
    pdf = web_as(world.owner).get(f"/quotes/{quote.pk}/document/?format=pdf")
    preview = web_as(world.owner).get(f"/quotes/{quote.pk}/document/").content.decode()

    inlined = f'<img src="data:image/png;base64,{base64.b64encode(logo).decode()}"'
    assert inlined in html
    assert inlined in preview  # the browser reads it without a media URL
    assert pdf.status_code == 200
    assert len(page_images(pdf.content)) == 1


@override_settings(STORAGES=IN_MEMORY)
def test_without_a_logo_or_with_its_file_gone_the_document_has_none(world: Any) -> None:
    quote = make_quote(world)
    version = Quote.objects.get(pk=quote.pk).current
    assert version is not None
    company = CompanyProfile.objects.create(name="示例科技")
    assert documents.document_context(version)["logo"] == ""

    company.logo.save("logo.png", ContentFile(png()), save=True)
    company.logo.storage.delete(company.logo.name)

    assert documents.document_context(version)["logo"] == ""
    assert page_images(documents.render_pdf(version)) == []
