"""Attachments on every record (ltc.core.attachments): the services' rights and checks, the
access-checked download and preview, the panel, and the API against its published document."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation

from ltc.api.tests.contract import find_operation, response_problems
from ltc.contracts.tests.factories import contract_team, make_contract
from ltc.core import attachments
from ltc.core.attachments import attachment_add, attachment_remove
from ltc.core.models import Attachment, Notification, TimelineEvent
from ltc.org.services import token_create

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def office(folder: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr(f"{folder}document.xml", "<document/>")
    return buffer.getvalue()


def stored_files(media: Path) -> list[Path]:
    return [p for p in media.rglob("*") if p.is_file()]


# --- services -----------------------------------------------------------------------------------


def test_owner_attaches_a_pdf_to_an_account(world: Any, media: Path) -> None:
    attachment = attachment_add(actor=world.owner, record=world.account, upload=upload("报价单.pdf", PDF), title="")

    attachment.refresh_from_db()
    assert attachment.record == world.account
    assert (attachment.title, attachment.original_name, attachment.media_type) == (
        "报价单.pdf",
        "报价单.pdf",
        "application/pdf",
    )
    assert (attachment.size, attachment.sha256) == (len(PDF), hashlib.sha256(PDF).hexdigest())
    assert attachment.uploaded_by == world.owner
    assert attachment.file.name.startswith("attachments/")
    assert "报价单" not in attachment.file.name  # stored under a random name
    assert attachment.file.read() == PDF
    entry = TimelineEvent.objects.get(object_id=world.account.pk, kind="changed")
    assert entry.changes == [{"field": "attachment", "old": "", "new": "报价单.pdf"}]
    with translation.override("zh-hans"):  # read in the reader's language, whoever attached it
        assert [(c["label"], c["new"]) for c in entry.display_changes()] == [("附件", "报价单.pdf")]
    with translation.override("en"):
        assert [(c["label"], c["new"]) for c in entry.display_changes()] == [("attachment", "报价单.pdf")]


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("photo.png", PNG),
        ("photo.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 16),
        ("anim.gif", b"GIF89a" + b"\x00" * 16),
        ("pic.webp", b"RIFF\x10\x00\x00\x00WEBPVP8 " + b"\x00" * 8),
        ("proposal.docx", office("word/")),
        ("prices.xlsx", office("xl/")),
        ("deck.pptx", office("ppt/")),
        ("notes.txt", "会议纪要\n".encode()),
        ("list.csv", "公司,金额\n甲,100\n".encode("gbk")),
    ],
)
def test_allowed_types_are_recognised_by_their_content(world: Any, name: str, content: bytes) -> None:
    attachment = attachment_add(actor=world.owner, record=world.account, upload=upload(name, content))
    assert attachment.original_name == name


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("tool.exe", b"MZ\x90\x00", "Attach a PDF, an image (PNG, JPEG, GIF, WebP), a Word, Excel or PowerPoint"),
        ("photo.png", PDF, "The file's content is not a PNG."),
        ("contract.pdf", b"<html><script>alert(1)</script>", "The file's content is not a PDF."),
        ("proposal.docx", office("xl/"), "The file's content is not a DOCX."),
        ("proposal.docx", b"PK\x03\x04 not a zip at all", "The file's content is not a DOCX."),
        ("notes.txt", b"\x00\x01\x02binary", "The file's content is not a TXT."),
        ("empty.pdf", b"", "The file is empty."),
    ],
)
def test_a_refused_file_changes_nothing(world: Any, media: Path, name: str, content: bytes, message: str) -> None:
    with pytest.raises(ValidationError) as refused:
        attachment_add(actor=world.owner, record=world.account, upload=upload(name, content))

    assert refused.value.message_dict["file"][0].startswith(message)
    assert not Attachment.objects.exists()
    assert not TimelineEvent.objects.filter(object_id=world.account.pk, kind="note").exists()
    assert stored_files(media) == []


def test_a_file_over_the_size_limit_is_refused(world: Any, settings: Any, media: Path) -> None:
    settings.LTC_ATTACHMENT_MAX_BYTES = 2 * 1024 * 1024
    big = PDF + b"0" * (2 * 1024 * 1024)

    with pytest.raises(ValidationError) as refused:
        attachment_add(actor=world.owner, record=world.account, upload=upload("big.pdf", big))

    assert refused.value.message_dict == {"file": ["The file is larger than 2 MB."]}
    assert not Attachment.objects.exists()
    assert stored_files(media) == []


def test_no_file_and_an_overlong_title_are_field_errors(world: Any, media: Path) -> None:
    with pytest.raises(ValidationError) as no_file:
        attachment_add(actor=world.owner, record=world.account, upload=None)
    with pytest.raises(ValidationError) as long_title:
        attachment_add(actor=world.owner, record=world.account, upload=upload("a.pdf", PDF), title="x" * 201)

    assert no_file.value.message_dict == {"file": ["Choose a file to attach."]}
    assert long_title.value.message_dict == {"title": ["A title may have at most 200 characters."]}
    assert not Attachment.objects.exists()
    assert stored_files(media) == []


@pytest.mark.parametrize("who", ["teammate", "other", "executive", "finance"])
def test_only_those_who_change_the_record_attach(world: Any, media: Path, who: str) -> None:
    with pytest.raises(PermissionDenied):
        attachment_add(actor=getattr(world, who), record=world.account, upload=upload("a.pdf", PDF))

    assert not Attachment.objects.exists()
    assert stored_files(media) == []


@pytest.mark.parametrize("who", ["owner", "manager", "boss", "admin"])
def test_the_record_changers_attach(world: Any, who: str) -> None:
    attachment_add(actor=getattr(world, who), record=world.account, upload=upload("a.pdf", PDF))
    assert Attachment.objects.count() == 1


def test_an_at_name_in_a_title_notifies_nobody(world: Any) -> None:
    title = f"@{world.manager.username} @{world.other.username} 合同.pdf"

    attachment = attachment_add(actor=world.owner, record=world.account, upload=upload("a.pdf", PDF), title=title)
    attachment_remove(actor=world.owner, attachment=attachment, record=world.account)

    assert list(
        TimelineEvent.objects.filter(object_id=world.account.pk, kind="changed")
        .order_by("pk")
        .values_list("changes", flat=True)
    ) == [[{"field": "attachment", "old": "", "new": title}], [{"field": "attachment", "old": title, "new": ""}]]
    assert not Notification.objects.exists()  # neither the manager (who sees the account) nor the owner


def test_removing_keeps_the_row_and_the_bytes(world: Any) -> None:
    attachment = attachment_add(actor=world.owner, record=world.account, upload=upload("a.pdf", PDF))

    attachment_remove(actor=world.manager, attachment=attachment, record=world.account)

    attachment.refresh_from_db()
    assert attachment.removed_by == world.manager
    assert attachment.removed_at is not None
    assert attachment.file.storage.exists(attachment.file.name)
    assert attachments.attachment_list(world.account) == []
    removed = [{"field": "attachment", "old": "a.pdf", "new": ""}]
    entries = TimelineEvent.objects.filter(object_id=world.account.pk, kind="changed").values_list("changes", flat=True)
    assert [changes for changes in entries if changes == removed] == [removed]
    with pytest.raises(ValidationError):
        attachment_remove(actor=world.manager, attachment=attachment, record=world.account)


def test_who_may_not_attach_may_not_remove(world: Any) -> None:
    attachment = attachment_add(actor=world.owner, record=world.account, upload=upload("a.pdf", PDF))

    with pytest.raises(PermissionDenied):
        attachment_remove(actor=world.executive, attachment=attachment, record=world.account)

    attachment.refresh_from_db()
    assert attachment.removed_at is None


def test_a_contracts_attachment_is_never_removed(world: Any) -> None:
    contract = make_contract(world, contract_team(world))
    attachment = attachment_add(actor=world.owner, record=contract, upload=upload("signed.pdf", PDF))

    with pytest.raises(PermissionDenied):
        attachment_remove(actor=world.admin, attachment=attachment, record=contract)

    attachment.refresh_from_db()
    assert attachment.removed_at is None
    assert {e.kind for e in attachments.registered() if e.permanent} == {"contract", "invoice", "payment"}


def test_every_record_of_the_issue_takes_attachments() -> None:
    assert {e.kind for e in attachments.registered()} == {
        "account",
        "contact",
        "lead",
        "opportunity",
        "quote",
        "contract",
        "invoice",
        "payment",
    }


# --- views --------------------------------------------------------------------------------------


def test_download_and_preview_are_for_those_who_see_the_record(world: Any, web_as: Any) -> None:
    attachment = attachment_add(actor=world.owner, record=world.account, upload=upload("报价单.pdf", PDF))

    download = web_as(world.executive).get(f"/attachments/{attachment.pk}/download/")
    preview = web_as(world.owner).get(f"/attachments/{attachment.pk}/preview/")

    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert preview.status_code == 200
    assert preview["Content-Type"] == "application/pdf"
    assert preview["Content-Disposition"].startswith("inline;")
    assert preview["X-Content-Type-Options"] == "nosniff"
    assert preview["Content-Security-Policy"].startswith("default-src 'none'")
    for who in ("other", "teammate"):
        client = web_as(getattr(world, who))
        assert client.get(f"/attachments/{attachment.pk}/download/").status_code == 404
        assert client.get(f"/attachments/{attachment.pk}/preview/").status_code == 404
    assert web_as(None).get(f"/attachments/{attachment.pk}/download/").status_code == 302


def test_an_image_preview_is_sandboxed_and_other_types_are_not_previewed(world: Any, web_as: Any) -> None:
    image = attachment_add(actor=world.owner, record=world.account, upload=upload("photo.png", PNG))
    sheet = attachment_add(actor=world.owner, record=world.account, upload=upload("list.csv", b"a,b\n"))
    client = web_as(world.owner)

    shown = client.get(f"/attachments/{image.pk}/preview/")

    assert shown["Content-Type"] == "image/png"
    assert "sandbox" in shown["Content-Security-Policy"]
    assert client.get(f"/attachments/{sheet.pk}/preview/").status_code == 404
    assert client.get(f"/attachments/{sheet.pk}/download/")["Content-Disposition"].startswith("attachment;")


def test_a_removed_attachment_is_not_served(world: Any, web_as: Any) -> None:
    attachment = attachment_add(actor=world.owner, record=world.account, upload=upload("a.pdf", PDF))
    attachment_remove(actor=world.owner, attachment=attachment, record=world.account)

    assert web_as(world.owner).get(f"/attachments/{attachment.pk}/download/").status_code == 404


def test_the_panel_offers_upload_and_remove_only_to_those_who_may(world: Any, web_as: Any) -> None:
    attachment_add(actor=world.owner, record=world.account, upload=upload("a.pdf", PDF))
    url = world.account.get_absolute_url()

    mine = web_as(world.owner).get(url).content.decode()
    read_only = web_as(world.executive).get(url).content.decode()

    assert 'id="attachment-form"' in mine
    assert "/remove/" in mine
    assert "a.pdf" in read_only
    assert 'id="attachment-form"' not in read_only
    assert "/remove/" not in read_only


def test_upload_through_the_panel_answers_the_panel(world: Any, web_as: Any) -> None:
    client = web_as(world.owner)
    url = f"/attachments/account/{world.account.pk}/"

    added = client.post(url, {"file": upload("纪要.txt", "会议纪要".encode()), "title": "纪要"}, HTTP_HX_REQUEST="true")
    refused = client.post(url, {"file": upload("x.png", PDF)}, HTTP_HX_REQUEST="true")

    assert added.status_code == 200
    assert "纪要" in added.content.decode()
    assert "The file&#x27;s content is not a PNG." in refused.content.decode()
    assert Attachment.objects.count() == 1


def test_upload_to_a_record_one_may_not_see_or_change(world: Any, web_as: Any) -> None:
    url = f"/attachments/account/{world.account.pk}/"

    assert web_as(world.other).post(url, {"file": upload("a.pdf", PDF)}).status_code == 404
    assert web_as(world.executive).post(url, {"file": upload("a.pdf", PDF)}).status_code == 403
    assert web_as(world.owner).post("/attachments/rocket/1/", {"file": upload("a.pdf", PDF)}).status_code == 404
    assert not Attachment.objects.exists()


# --- API ----------------------------------------------------------------------------------------


def call(user: Any, method: str, path: str, **kwargs: Any) -> Any:
    """One API exchange as `user`; the answer must keep to the published document."""
    client = Client()
    _token, raw = token_create(actor=user, user=user, name="tests")
    response = getattr(client, method)(f"/api/v1{path}", headers={"Authorization": f"Bearer {raw}"}, **kwargs)
    found = find_operation(method.upper(), f"/api/v1{path.split('?')[0]}")
    assert found is not None
    assert response_problems(found[1], response) == []
    return response


def test_the_api_attaches_lists_reads_downloads_and_removes(world: Any) -> None:
    query = f"?record_type=account&record_id={world.account.pk}"

    created = call(world.owner, "post", f"/attachments{query}", data={"file": upload("a.pdf", PDF), "title": "合同"})
    assert created.status_code == 201
    body = created.json()
    assert (body["record_type"], body["record_id"], body["title"], body["media_type"]) == (
        "account",
        world.account.pk,
        "合同",
        "application/pdf",
    )
    listed = call(world.executive, "get", f"/attachments{query}")
    assert [a["id"] for a in listed.json()] == [body["id"]]
    assert (
        call(world.executive, "get", f"/attachments/{body['id']}").json()["sha256"] == hashlib.sha256(PDF).hexdigest()
    )
    file = call(world.executive, "get", f"/attachments/{body['id']}/file")
    assert b"".join(file.streaming_content) == PDF
    assert call(world.executive, "delete", f"/attachments/{body['id']}").status_code == 403
    assert call(world.owner, "delete", f"/attachments/{body['id']}").status_code == 204
    assert call(world.owner, "get", f"/attachments{query}").json() == []


def test_the_api_refuses_with_problem_documents(world: Any) -> None:
    query = f"?record_type=account&record_id={world.account.pk}"
    attachment = attachment_add(actor=world.owner, record=world.account, upload=upload("a.pdf", PDF))

    hidden = call(world.other, "get", f"/attachments{query}")
    not_shown = call(world.other, "get", f"/attachments/{attachment.pk}/file")
    bad_type = call(world.owner, "post", f"/attachments{query}", data={"file": upload("a.png", PDF)})
    not_allowed = call(world.executive, "post", f"/attachments{query}", data={"file": upload("a.pdf", PDF)})

    assert (hidden.status_code, not_shown.status_code) == (404, 404)
    assert bad_type.status_code == 422
    assert bad_type.json()["errors"] == [
        {"field": "file", "message": "The file's content is not a PNG.", "code": "invalid"}
    ]
    assert not_allowed.status_code == 403
    assert Attachment.objects.count() == 1
