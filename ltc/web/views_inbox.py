"""The inbox page (待办): everything waiting for the user's decision, grouped by kind, oldest
first, each decided in place (htmx) through the owning stage's own service."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from ltc.core import inbox
from ltc.core.forms import is_htmx, posted_number
from ltc.org.types import AuthedRequest

SUMMARY_ITEMS = 5


@login_required
def inbox_page(request: AuthedRequest) -> HttpResponse:
    groups = inbox.waiting(request.user)
    return render(
        request,
        "web/inbox/page.html",
        {"groups": groups, "total": sum(len(items) for _s, items in groups), "now": timezone.now()},
    )


@login_required
def inbox_badge(request: AuthedRequest) -> HttpResponse:
    """The count on the nav entry, loaded after the page so no page pays for it."""
    return render(request, "web/inbox/badge.html", {"total": inbox.count(request.user)})


@login_required
def inbox_summary(request: AuthedRequest) -> HttpResponse:
    """The home page's card: how many items of each kind, and the oldest few."""
    groups = [(s, items) for s, items in inbox.waiting(request.user) if items]
    oldest = sorted(((s, i) for s, items in groups for i in items), key=lambda pair: pair[1].since)[:SUMMARY_ITEMS]
    return render(
        request,
        "web/inbox/summary.html",
        {"groups": groups, "oldest": oldest, "total": sum(len(items) for _s, items in groups)},
    )


@login_required
@require_POST
def inbox_decide(request: AuthedRequest, key: str) -> HttpResponse:
    """Decide one item. Answers (htmx) the item replaced by its outcome, or by its form with the
    field errors; a stale item answers that it was already decided. Nothing is preselected."""
    source = inbox.source(key)
    if source is None or source.decide is None:
        raise Http404
    item_id = posted_number(request.POST, "item")
    decision = request.POST.get("decision", "")
    note = request.POST.get("note", "")
    extra = {f.name: request.POST.get(f.name, "") for f in source.fields}
    context: dict[str, Any] = {
        "source": source,
        "item_id": item_id,
        "posted": {"note": note, **extra},
        "now": timezone.now(),
    }
    try:
        outcome = inbox.decide(actor=request.user, key=key, item_id=item_id, decision=decision, note=note, extra=extra)
    except inbox.AlreadyDecided as exc:
        context["outcome"], context["stale"] = str(exc), True
    except ValidationError as exc:
        context["errors"] = exc.message_dict if hasattr(exc, "error_dict") else {"decision": exc.messages}
        context["item"] = next((i for i in source.waiting(request.user) if i.item_id == item_id), None)
        if context["item"] is None:
            raise Http404 from exc
        context["chosen"] = decision
        if not is_htmx(request):
            for errors in context["errors"].values():
                for error in errors:
                    messages.error(request, error)
            return redirect("web:inbox")
        # htmx swaps only successful answers: the form with its errors comes back as a 200.
        return render(request, "web/inbox/item.html", context)
    else:
        context["outcome"] = outcome
    if not is_htmx(request):
        (messages.warning if context.get("stale") else messages.success)(request, context["outcome"])
        return redirect("web:inbox")
    return render(request, "web/inbox/outcome.html", context)
