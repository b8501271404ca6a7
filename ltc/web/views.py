"""Home, sign-in, global search, language and profile (API tokens)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ltc.core import search as core_search
from ltc.core.activities import follow_ups
from ltc.core.models import TimelineEvent
from ltc.customers import selectors as customer_selectors
from ltc.customers.access import may_write_customers
from ltc.org import selectors as org_selectors
from ltc.org import services as org_services
from ltc.org.choices import Language
from ltc.org.types import AuthedRequest
from ltc.web.forms import LoginForm, TokenCreateForm
from ltc.web.views_notifications import preferences_context

SEARCH_RESULTS_PER_KIND = 8
SEARCH_LIVE_PER_KIND = 4
SEARCH_MAX_LENGTH = 100


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


@login_required
def home(request: AuthedRequest) -> HttpResponse:
    user = request.user
    my_accounts = customer_selectors.account_list(
        user=user, filters=customer_selectors.AccountFilters(owner=user.pk, sort="-updated")
    )[:8]
    recent = (
        TimelineEvent.objects.filter(actor=user)
        .select_related("content_type")
        .prefetch_related("subject")
        .order_by("-at", "-id")[:10]
    )
    today, overdue = follow_ups(user=user)
    context = {
        "my_accounts": my_accounts,
        "recent_events": recent,
        "today": today,
        "overdue": overdue,
        "can_create_account": may_write_customers(user),
    }
    return render(request, "web/home.html", context)


@login_required
def search(request: AuthedRequest) -> HttpResponse:
    """Global search over every kind of record the user may see (core.search), grouped by kind.
    `partial=1` answers the top bar's live results (htmx)."""
    q = request.GET.get("q", "").strip()[:SEARCH_MAX_LENGTH]
    partial = request.GET.get("partial") == "1"
    per_kind = SEARCH_LIVE_PER_KIND if partial else SEARCH_RESULTS_PER_KIND
    groups = core_search.search(user=request.user, q=q, per_kind=per_kind) if q else []
    template = "web/_search_live.html" if partial else "web/search.html"
    return render(request, template, {"q": q, "groups": groups})


@require_POST
def set_language(request: AuthedRequest) -> HttpResponse:
    """Switch the UI language; for a signed-in user the choice is kept on the profile."""
    language = request.POST.get("language", "")
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = "/"
    if language not in Language.values:
        return redirect(next_url)
    if request.user.is_authenticated:
        org_services.user_set_language(user=request.user, language=language)
    translation.activate(language)
    response = HttpResponseRedirect(next_url)
    response.set_cookie("django_language", language, samesite="Lax", max_age=365 * 24 * 3600)
    return response


@login_required
def profile(request: AuthedRequest) -> HttpResponse:
    new_token = None
    form = TokenCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            _token, new_token = org_services.token_create(
                actor=request.user, user=request.user, name=form.cleaned_data["name"]
            )
            form = TokenCreateForm()
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
    tokens = org_selectors.token_list(user=request.user)
    return render(
        request,
        "web/profile.html",
        {"form": form, "tokens": tokens, "new_token": new_token, **preferences_context(request.user)},
    )


@login_required
@require_POST
def display_preferences(request: AuthedRequest) -> HttpResponse:
    """Save how the profile's owner sees amounts on screen (a tick box: absent means off)."""
    org_services.user_set_display(actor=request.user, amounts_in_wan=request.POST.get("amounts_in_wan") == "on")
    messages.success(request, _("Display preferences saved."))
    return redirect("web:profile")


@login_required
@require_POST
def token_revoke(request: AuthedRequest, token_id: int) -> HttpResponse:
    token = org_selectors.token_get(user=request.user, pk=token_id)
    org_services.token_revoke(actor=request.user, token=token)
    messages.success(request, _("Token “%(name)s” revoked.") % {"name": token.name})
    return redirect("web:profile")
