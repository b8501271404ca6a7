"""The @ picker behind note text areas: active users matching what follows the "@".

Answers an allow-list — id, username and display name — so a picker never shows more of a
person than the directory does; inactive users are never offered (a mention would not reach them).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from ltc.core.search import pinyin_of
from ltc.org.models import User
from ltc.org.selectors import user_directory

LIMIT = 10
TERM_MAX = 50
# Matching pinyin reads the names of users with Chinese names in Python: bounded, so a large
# company costs one bounded query, not a table scan per keystroke.
PINYIN_SCAN = 2000


@lru_cache(maxsize=PINYIN_SCAN * 2)
def name_pinyin(name: str) -> tuple[str, str]:
    """(pinyin without spaces, initials) of a display name, computed once per name: the picker
    asks on every keystroke, and names rarely change (a renamed user is a new key)."""
    full, initials = pinyin_of(name)
    return full.replace(" ", ""), initials


def mention_candidates(term: str) -> list[User]:
    """Up to LIMIT active users whose username or name contains `term`, or (for Latin letters)
    whose Chinese name's pinyin or initials start with it; ordered by name."""
    term = term.strip()[:TERM_MAX]
    fields = ("id", "username", "display_name", "first_name", "last_name")
    found = list(user_directory(q=term).select_related(None).prefetch_related(None).only(*fields)[:LIMIT])
    if len(found) < LIMIT and term.isascii() and term.isalpha():
        seen = {user.pk for user in found}
        wanted = term.lower()
        others = (
            User.objects.filter(is_active=True, display_name__regex=r"[^\x00-\x7f]")
            .exclude(pk__in=seen)
            .only(*fields)
            .order_by("display_name", "username", "pk")[:PINYIN_SCAN]
        )
        for user in others:
            full, initials = name_pinyin(user.display_name)
            if full.startswith(wanted) or initials.startswith(wanted):
                found.append(user)
                if len(found) == LIMIT:
                    break
    return found


def _shown(user: User) -> dict[str, Any]:
    return {"id": user.pk, "username": user.username, "name": str(user)}


@login_required
@require_GET
def mention_users(request: HttpRequest) -> JsonResponse:
    """GET ?q=: the people a note may mention, as {"items": [{"id", "username", "name"}]}."""
    return JsonResponse({"items": [_shown(user) for user in mention_candidates(request.GET.get("q", ""))]})
