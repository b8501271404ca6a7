"""Browser journey (headless Chromium): the account's owner uploads a PDF in the Attachments panel
(htmx, no page reload), sees it listed with a preview link, and a file that is not what its name
says is refused in the panel."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from ltc.core.models import Attachment
from ltc.core.tests.browser import sign_in

pytestmark = [pytest.mark.browser]

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.mark.django_db(transaction=True)
def test_owner_uploads_a_pdf_on_the_account_page(world: Any, page: Any, tmp_path: Path, settings: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    quote = tmp_path / "报价单.pdf"
    quote.write_bytes(PDF)
    fake = tmp_path / "photo.png"
    fake.write_bytes(b"this is not an image")

    sign_in(page, "owner")
    page.goto(f"{page.base_url}/customers/accounts/{world.account.pk}/")
    linked = page.locator('[data-tab-link][href="#tab-linked"]')  # the page's tab of linked records, if tabbed
    if linked.count():
        linked.click()
    panel = page.locator("#attachments")
    expect(panel).to_contain_text("No attachments yet.")

    panel.locator("input[name=file]").set_input_files(str(quote))
    panel.locator("input[name=title]").fill("报价单 V1")
    panel.get_by_role("button", name="Attach").click()

    expect(page.locator("#attachments [data-attachment]")).to_have_count(1)
    expect(page.locator("#attachments")).to_contain_text("报价单 V1")
    attachment = Attachment.objects.get()
    expect(page.locator("#attachments a", has_text="报价单 V1")).to_have_attribute(
        "href", f"/attachments/{attachment.pk}/preview/"
    )

    page.locator("#attachments input[name=file]").set_input_files(str(fake))
    page.locator("#attachments").get_by_role("button", name="Attach").click()
    expect(page.locator("#attachments [data-attachment-error]")).to_have_text("The file's content is not a PNG.")
    expect(page.locator("#attachments [data-attachment]")).to_have_count(1)
    assert Attachment.objects.count() == 1
