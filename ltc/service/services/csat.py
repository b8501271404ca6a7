"""The satisfaction survey (满意度调查, CSAT) of a resolved case: a private link mailed to the
customer; a public page that shows only the case's number and subject; one answer (1–5 and a
comment), kept on the case and its timeline for the service KPIs.

The cases give a resolved case a new random `csat_token` (and take it back on a reopen). The link's
token is "<case id>-<csat_token>": the case is found by its key and the secret compared in constant
time, so the unindexed token column is never scanned; a reopened case's old link stops working. Guessing is throttled per address
like the public web forms (RATE_LIMIT attempts per RATE_WINDOW)."""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ltc.core.forms import is_id
from ltc.core.timeline import record_changes, snapshot
from ltc.leads.services.webforms import RATE_LIMIT, RATE_WINDOW, RateLimited
from ltc.service.models import Case

COMMENT_MAX = 2000

__all__ = [
    "RateLimited",
    "SurveyAnswered",
    "survey_answer",
    "survey_case",
    "survey_open",
    "survey_throttle",
    "survey_token",
]


class SurveyAnswered(Exception):  # noqa: N818 - a business refusal, not a programming error
    """The survey of this case was answered already."""


@dataclass(frozen=True)
class PublicSurvey:
    """What the public page may show: the allow-list."""

    number: str
    subject: str
    answered: bool


def survey_open(case: Case) -> str:
    """The survey link's token of a resolved case (a case without a `csat_token` gets one)."""
    if not case.csat_token:
        case.csat_token = secrets.token_urlsafe(24)
        Case.objects.filter(pk=case.pk, csat_token="").update(csat_token=case.csat_token)
    return survey_token(case)


def survey_token(case: Case) -> str:
    return f"{case.pk}-{case.csat_token}"


def survey_case(token: str) -> Case | None:
    """The case of a survey link's token, or None (unknown, malformed, taken back, or a guess)."""
    key, _dash, secret = (token or "").partition("-")
    if not is_id(key) or not 16 <= len(secret) <= 64:
        return None
    case = Case.objects.filter(pk=int(key)).exclude(csat_token="").first()
    if case is None or not hmac.compare_digest(case.csat_token.encode(), secret.encode()):
        return None
    return case


def survey_public(case: Case) -> PublicSurvey:
    return PublicSurvey(number=case.number, subject=case.subject, answered=case.csat_at is not None)


def survey_throttle(ip: str | None) -> None:
    """Count one attempt from `ip`; raises RateLimited past RATE_LIMIT within RATE_WINDOW."""
    key = f"service-survey:{ip or 'unknown'}"
    seconds = int(RATE_WINDOW.total_seconds())
    if cache.add(key, 1, seconds):
        return
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, seconds)
        return
    if count > RATE_LIMIT:
        raise RateLimited


def survey_answer(*, case: Case, score: int, comment: str = "") -> Case:
    """Keep the customer's answer once: score 1–5 (field error otherwise), comment up to
    COMMENT_MAX characters; a second answer raises SurveyAnswered and changes nothing."""
    comment = (comment or "").strip()
    errors: dict[str, list[str]] = {}
    if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 5:
        errors["score"] = [_("Choose a score from 1 to 5.")]
    if len(comment) > COMMENT_MAX:
        errors["comment"] = [_("A comment may have at most %(n)d characters.") % {"n": COMMENT_MAX}]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        if locked.csat_at is not None:
            raise SurveyAnswered
        before = snapshot(locked, ["csat_score", "csat_comment"])
        locked.csat_score = score
        locked.csat_comment = comment
        locked.csat_at = locked.updated_at = timezone.now()
        locked.version += 1
        locked.save(update_fields=["csat_score", "csat_comment", "csat_at", "version", "updated_at"])
        record_changes(
            actor=None, subject=locked, before=before, text=_("The customer answered the satisfaction survey.")
        )
    return locked
