"""The Attachments panel's actions (upload, remove: htmx, answering the panel again) and the one way
files leave the system: download and preview, streamed from the storage after the record's access
is checked — a viewer who may not see the record gets a 404, never a public media URL."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ltc.core import attachments, panels
from ltc.core.models import Attachment
from ltc.org.types import AuthedRequest

# A preview is the file alone: nothing loaded beside it, no script, no framing. An
# image is also sandboxed; a PDF is not (Chromium refuses to draw a PDF in a sandboxed document).
IMAGE_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'none'; sandbox"
PDF_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'none'"


def _panel(request: AuthedRequest, record: Model, errors: list[str]) -> HttpResponse:
    panel = next(p for p in panels.panels_of(record) if p.key == "attachments")
    context: dict[str, Any] = {
        "panel": panel,
        "record": record,
        "errors": errors,
        **(panel.selector(request.user, record) or {}),
    }
    return HttpResponse(render_to_string(panel.template, context, request=request))


def _answer(request: AuthedRequest, record: Model, errors: list[str], done: str) -> HttpResponse:
    """htmx gets the panel again, with the errors (answered 200: htmx swaps no error answer); a
    plain form post goes back to the record."""
    if request.headers.get("HX-Request"):
        return _panel(request, record, errors)
    for error in errors:
        messages.error(request, error)
    if not errors:
        messages.success(request, done)
    return redirect(record.get_absolute_url())  # type: ignore[attr-defined]


def _messages(exc: ValidationError) -> list[str]:
    return [str(m) for m in exc.messages]


@login_required
@require_POST
def attachment_add(request: AuthedRequest, record_type: str, record_id: int) -> HttpResponse:
    try:
        record = attachments.record_get(user=request.user, kind=record_type, pk=record_id)
    except ValidationError as exc:
        raise Http404 from exc
    attachments.require_attach(request.user, record)
    try:
        attachments.attachment_add(
            actor=request.user,
            record=record,
            upload=request.FILES.get("file"),
            title=request.POST.get("title", ""),
        )
    except ValidationError as exc:
        return _answer(request, record, _messages(exc), "")
    return _answer(request, record, [], _("File attached."))


@login_required
@require_POST
def attachment_remove(request: AuthedRequest, pk: int) -> HttpResponse:
    attachment, record = attachments.attachment_get(user=request.user, pk=pk)
    try:
        attachments.attachment_remove(actor=request.user, attachment=attachment, record=record)
    except ValidationError as exc:
        return _answer(request, record, _messages(exc), "")
    return _answer(request, record, [], _("Attachment removed."))


def stream(attachment: Attachment, *, inline: bool) -> FileResponse:
    """The stored bytes, read from whichever storage holds them: a download, or (images and PDFs
    only) an inline preview that the browser may not reinterpret nor run."""
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404 from exc
    inline = inline and attachment.previewable
    response = FileResponse(
        handle,
        as_attachment=not inline,
        filename=attachment.original_name,
        content_type=attachment.media_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    if inline:
        response["Content-Security-Policy"] = IMAGE_CSP if attachment.is_image else PDF_CSP
    return response


@login_required
@require_GET
def attachment_download(request: AuthedRequest, pk: int) -> FileResponse:
    attachment, _record = attachments.attachment_get(user=request.user, pk=pk)
    return stream(attachment, inline=False)


@login_required
@require_GET
def attachment_preview(request: AuthedRequest, pk: int) -> FileResponse:
    """Images and PDFs open in the browser; any other type is not previewed (404)."""
    attachment, _record = attachments.attachment_get(user=request.user, pk=pk)
    if not attachment.previewable:
        raise Http404
    return stream(attachment, inline=True)
