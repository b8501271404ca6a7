"""Record actions on pages: one way to run a process step from a button or a small form and tell
the user what happened.

A page's POST action calls a service; the service's refusal (a field-level ValidationError or a
stale version) becomes error messages on the record's page, its success a success message. A
permission refused stays a 403, as in the API: the page does not draw what its viewer may not do. Apps declare their steps as a table of small functions, each returning the
success message (or a response of its own, e.g. a redirect to an edit page):

    STEPS: Steps[Contract] = {"submit": _submit, "sign": _sign, ...}

    def contract_action(request, pk, action):
        contract = selectors.contract_get(user=request.user, pk=pk)
        return run_step(request, STEPS, action, contract, then=contract)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect

from ltc.core.concurrency import StaleVersionError
from ltc.core.forms import flash_errors

R = TypeVar("R")
Outcome = str | HttpResponse
Steps = Mapping[str, Callable[[Any, R], Outcome]]


def flash_refusal(request: HttpRequest, exc: ValidationError | StaleVersionError) -> None:
    """A service's refusal as error messages on the next page."""
    if isinstance(exc, ValidationError):
        flash_errors(request, exc)
    else:
        messages.error(request, str(exc))


def run_action(request: HttpRequest, do: Callable[[], Outcome], *, then: Any) -> HttpResponse:
    """Run one step; refusals and success become messages, then back to `then` (a record, a URL
    name or a URL) unless the step answered a response of its own."""
    try:
        done = do()
    except (ValidationError, StaleVersionError) as exc:
        flash_refusal(request, exc)
    else:
        if isinstance(done, HttpResponse):
            return done
        messages.success(request, done)
    return redirect(then)


def run_step(request: HttpRequest, steps: Steps[R], action: str, record: R, *, then: Any) -> HttpResponse:
    """Run the step named `action` of `steps` on `record` (an unknown step is a 404)."""
    step = steps.get(action)
    if step is None:
        raise Http404
    return run_action(request, lambda: step(request, record), then=then)
