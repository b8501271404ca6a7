"""Catalog pages: products (with bundle components, rules, prices and, for administrators,
contracted prices) and price books (with entries and volume tiers). Everyone signed in reads them;
catalog administrators change them here, through the catalog services, and see each record's
timeline. A form a viewer may not use is not drawn."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from ltc.catalog import selectors, services
from ltc.catalog.choices import ProductType
from ltc.catalog.forms import (
    ComponentEditForm,
    ComponentForm,
    ContractPriceEditForm,
    ContractPriceForm,
    EntryEditForm,
    EntryForm,
    PriceBookForm,
    ProductForm,
    RuleForm,
    TierForm,
)
from ltc.catalog.models import PriceBook, Product
from ltc.core.api import paginate
from ltc.core.concurrency import StaleVersionError
from ltc.core.forms import ListParams, StyledFormMixin, add_service_errors, is_htmx, posted_number
from ltc.core.timeline import timeline_for
from ltc.org.types import AuthedRequest


class ProductFilterForm(StyledFormMixin, forms.Form):
    q = forms.CharField(required=False, widget=forms.TextInput(attrs={"placeholder": gettext_lazy("Code or name")}))
    product_type = forms.ChoiceField(required=False, choices=[("", gettext_lazy("Any type")), *ProductType.choices])
    bundle = forms.ChoiceField(
        required=False,
        choices=[("", gettext_lazy("Products and bundles")), ("1", gettext_lazy("Bundles only"))],
    )
    sort = forms.ChoiceField(
        required=False,
        choices=[("code", gettext_lazy("Code")), ("name", gettext_lazy("Name")), ("family", gettext_lazy("Family"))],
    )


@login_required
def product_list(request: AuthedRequest) -> HttpResponse:
    form = ProductFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    filters = selectors.ProductFilters(
        q=data.get("q", ""),
        product_type=data.get("product_type", ""),
        bundle=True if data.get("bundle") == "1" else None,
        sort=data.get("sort") or "code",
    )
    params = ListParams(request.GET)
    page = params.page(paginate(selectors.product_list(filters=filters), limit=params.limit, offset=params.offset))
    template = "catalog/product_list.html#results" if is_htmx(request) else "catalog/product_list.html"
    return render(request, template, {"filter_form": form, "page": page, "books": selectors.price_book_list()})


# --- products: components, rules, contracted prices -------------------------------------------


def _product_page(
    request: AuthedRequest,
    product: Product,
    status: int = 200,
    failed: tuple[str, int, Any] | None = None,
    **forms_: Any,
) -> HttpResponse:
    """The product page; for administrators with the add forms and, on each part, its edit form
    (`failed`: the kind and id of a part whose posted edit form is shown again with its errors)."""
    components, rules = list(product.components.all()), list(product.rules.all())
    context: dict[str, Any] = {
        "product": product,
        "components": components,
        "rules": rules,
        "can_edit": services.can_change_catalog(request.user),
    }
    if context["can_edit"]:
        kind, failed_pk, failed_form = failed or ("", 0, None)
        context["form"] = forms_.get("form") or ProductForm(instance=product)
        if product.is_bundle:
            context["component_form"] = forms_.get("component_form") or ComponentForm(bundle=product)
            context["rule_form"] = forms_.get("rule_form") or RuleForm(bundle=product)
            for part in components:
                part.edit_form = failed_form if (kind, part.pk) == ("part", failed_pk) else ComponentEditForm.of(part)  # type: ignore[attr-defined]
            for rule in rules:
                rule.edit_form = failed_form if (kind, rule.pk) == ("rule", failed_pk) else RuleForm.of(rule, product)  # type: ignore[attr-defined]
        context["contract_form"] = forms_.get("contract_form") or ContractPriceForm()
        prices = list(selectors.contract_price_list(product_id=product.pk))
        for price in prices:
            price.edit_form = failed_form if (kind, price.pk) == ("cp", failed_pk) else ContractPriceEditForm.of(price)  # type: ignore[attr-defined]
        context["contract_prices"] = prices
    context["events"] = timeline_for(product)
    return render(request, "catalog/product_detail.html", context, status=status)


@login_required
def product_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    """The product; an administrator's POST changes its own fields from the version read."""
    product = selectors.product_get(pk=pk)
    if request.method != "POST":
        return _product_page(request, product)
    services.require_catalog_admin(request.user)
    form = ProductForm(request.POST, instance=product)
    if form.is_valid():
        try:
            services.product_update(
                actor=request.user,
                product=product,
                data=form.changed_data_dict(),
                expected_version=_posted_version(request),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except StaleVersionError as exc:
            form.add_error(None, str(exc))
        else:
            return _saved(request, _product_url(product), _("Product saved."))
    return _product_page(request, selectors.product_get(pk=pk), status=422, form=form)


def _edited(
    request: AuthedRequest,
    form: Any,
    change: Callable[[], object],
    where: str,
    text: str,
    names: dict[str, str] | None = None,
) -> HttpResponse | None:
    """Run a part's change from a valid edit form: back to the owner's page with `text` when done;
    None when the form or the service refused it (the service's message on the form's fields, a
    stale version on top), so the caller shows the page again with the form."""
    if not form.is_valid():
        return None
    try:
        change()
    except ValidationError as exc:
        add_service_errors(form, _on_form(exc, names or {}))
    except StaleVersionError as exc:
        form.add_error(None, str(exc))
    else:
        return _saved(request, where, text)
    return None


def _posted_version(request: AuthedRequest) -> int:
    """The version of the bundle or price book the page was read at (0, which is never current,
    when the form posted none)."""
    return posted_number(request.POST, "version")


def _saved(request: AuthedRequest, where: Any, text: str) -> HttpResponse:
    messages.success(request, text)
    return redirect(where)


def _removed(request: AuthedRequest, remove: Callable[[int], object], where: str, text: str) -> HttpResponse:
    """Run a part's removal with the version the page was read at, back to the owner's page: with
    `text` when done, with the service's message when it refused (a stale page, a part in use)."""
    try:
        remove(_posted_version(request))
    except (ValidationError, StaleVersionError) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        return redirect(where)
    return _saved(request, where, text)


@login_required
@require_POST
def component_add(request: AuthedRequest, pk: int) -> HttpResponse:
    services.require_catalog_admin(request.user)
    bundle = selectors.product_get(pk=pk)
    form = ComponentForm(request.POST, bundle=bundle)
    if form.is_valid():
        data = {k: form.cleaned_data[k] for k in ("required", "min_quantity", "max_quantity", "default_quantity")}
        data["order"] = len(bundle.components.all())
        try:
            services.bundle_component_add(
                actor=request.user,
                bundle=bundle,
                component=form.cleaned_data["component"],
                data=data,
                expected_version=_posted_version(request),
            )
        except ValidationError as exc:
            add_service_errors(form, _on_form(exc, {"component_id": "component"}))
        except StaleVersionError as exc:
            form.add_error(None, str(exc))
        else:
            return _saved(request, _product_url(bundle), _("Component added."))
    return _product_page(request, selectors.product_get(pk=pk), status=422, component_form=form)


@login_required
@require_POST
def component_remove(request: AuthedRequest, pk: int, component_pk: int) -> HttpResponse:
    services.require_catalog_admin(request.user)
    part = selectors.bundle_component_get(bundle_id=pk, component_id=component_pk)
    return _removed(
        request,
        lambda version: services.bundle_component_remove(actor=request.user, part=part, expected_version=version),
        _product_url(part.bundle),
        _("Component removed."),
    )


@login_required
@require_POST
def component_update(request: AuthedRequest, pk: int, component_pk: int) -> HttpResponse:
    """Change a component as it is (whether required, its quantities), from the bundle's version read."""
    services.require_catalog_admin(request.user)
    part = selectors.bundle_component_get(bundle_id=pk, component_id=component_pk)
    form = ComponentEditForm.of(part, request.POST)

    def change() -> object:
        data = {k: form.cleaned_data[k] for k in ("required", "min_quantity", "max_quantity", "default_quantity")}
        return services.bundle_component_update(
            actor=request.user, part=part, data=data, expected_version=_posted_version(request)
        )

    done = _edited(request, form, change, _product_url(part.bundle), _("Component saved."))
    return done or _product_page(request, selectors.product_get(pk=pk), status=422, failed=("part", part.pk, form))


@login_required
@require_POST
def rule_add(request: AuthedRequest, pk: int) -> HttpResponse:
    services.require_catalog_admin(request.user)
    bundle = selectors.product_get(pk=pk)
    form = RuleForm(request.POST, bundle=bundle)
    if form.is_valid():
        try:
            services.configuration_rule_add(
                actor=request.user,
                bundle=bundle,
                product=form.cleaned_data["product"],
                kind=form.cleaned_data["kind"],
                other=form.cleaned_data["other"],
                expected_version=_posted_version(request),
            )
        except ValidationError as exc:
            add_service_errors(form, _on_form(exc, {"product_id": "product", "other_id": "other"}))
        except StaleVersionError as exc:
            form.add_error(None, str(exc))
        else:
            return _saved(request, _product_url(bundle), _("Rule added."))
    return _product_page(request, selectors.product_get(pk=pk), status=422, rule_form=form)


@login_required
@require_POST
def rule_remove(request: AuthedRequest, pk: int, rule_pk: int) -> HttpResponse:
    services.require_catalog_admin(request.user)
    rule = selectors.configuration_rule_get(bundle_id=pk, pk=rule_pk)
    return _removed(
        request,
        lambda version: services.configuration_rule_remove(actor=request.user, rule=rule, expected_version=version),
        _product_url(rule.bundle),
        _("Rule removed."),
    )


@login_required
@require_POST
def rule_update(request: AuthedRequest, pk: int, rule_pk: int) -> HttpResponse:
    """Change a rule's products or kind, from the bundle's version read."""
    services.require_catalog_admin(request.user)
    rule = selectors.configuration_rule_get(bundle_id=pk, pk=rule_pk)
    bundle = selectors.product_get(pk=pk)
    form = RuleForm.of(rule, bundle, request.POST)

    def change() -> object:
        data = {name: form.cleaned_data[name] for name in ("product", "kind", "other")}
        return services.configuration_rule_update(
            actor=request.user, rule=rule, data=data, expected_version=_posted_version(request)
        )

    names = {"product_id": "product", "other_id": "other"}
    done = _edited(request, form, change, _product_url(bundle), _("Rule saved."), names)
    return done or _product_page(request, selectors.product_get(pk=pk), status=422, failed=("rule", rule.pk, form))


@login_required
@require_POST
def contract_price_add(request: AuthedRequest, pk: int) -> HttpResponse:
    services.require_catalog_admin(request.user)
    product = selectors.product_get(pk=pk)
    form = ContractPriceForm(request.POST)
    if form.is_valid():
        data = dict(form.cleaned_data)
        account = data.pop("account")
        try:
            services.contract_price_add(actor=request.user, account=account, product=product, data=data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return _saved(request, _product_url(product), _("Contracted price added."))
    return _product_page(request, selectors.product_get(pk=pk), status=422, contract_form=form)


@login_required
@require_POST
def contract_price_end(request: AuthedRequest, pk: int) -> HttpResponse:
    services.require_catalog_admin(request.user)
    price = selectors.contract_price_get(pk=pk)
    try:
        services.contract_price_end(
            actor=request.user, price=price, expected_version=posted_number(request.POST, "version")
        )
    except (ValidationError, StaleVersionError) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        return redirect(_product_url(price.product))
    return _saved(request, _product_url(price.product), _("Contracted price ended."))


@login_required
@require_POST
def contract_price_update(request: AuthedRequest, pk: int) -> HttpResponse:
    """Change a contracted price from its version read: once in force, its end date and reference."""
    services.require_catalog_admin(request.user)
    price = selectors.contract_price_get(pk=pk)
    form = ContractPriceEditForm.of(price, request.POST)

    def change() -> object:
        return services.contract_price_update(
            actor=request.user, price=price, data=form.changed_data_dict(), expected_version=_posted_version(request)
        )

    where = _product_url(price.product)
    done = _edited(request, form, change, where, _("Contracted price saved."))
    page = selectors.product_get(pk=price.product_id)
    return done or _product_page(request, page, status=422, failed=("cp", price.pk, form))


def _product_url(product: Product) -> str:
    return reverse("catalog:product_detail", args=[product.pk])


def _on_form(exc: ValidationError, names: dict[str, str]) -> ValidationError:
    """A service's errors keyed as the API names fields (component_id) moved to the form's fields."""
    if not hasattr(exc, "error_dict"):
        return exc
    return ValidationError({names.get(key, key): value for key, value in exc.message_dict.items()})


# --- price books: list, create, edit, entries, tiers ------------------------------------------


@login_required
def price_book_list(request: AuthedRequest) -> HttpResponse:
    can_edit = services.can_change_catalog(request.user)
    form = None
    if can_edit:
        form = PriceBookForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                book = services.price_book_create(actor=request.user, data=form.changed_data_dict())
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                return _saved(request, _book_url(book), _("Price book created."))
    elif request.method == "POST":
        services.require_catalog_admin(request.user)
    books = selectors.price_book_list(active_only=False).order_by("-active", "currency", "name")
    status = 422 if request.method == "POST" else 200
    return render(request, "catalog/price_book_list.html", {"books": books, "form": form}, status=status)


def _book_page(
    request: AuthedRequest,
    book: PriceBook,
    status: int = 200,
    failed: tuple[str, int, Any] | None = None,
    **forms_: Any,
) -> HttpResponse:
    """The price book page; for administrators with the add forms and each entry's and volume
    price's edit form (`failed`: the kind and id of the part whose posted form is shown again)."""
    can_edit = services.can_change_catalog(request.user)
    entries = list(book.entries.all())
    context: dict[str, Any] = {"book": book, "entries": entries, "can_edit": can_edit}
    if can_edit:
        kind, failed_pk, failed_form = failed or ("", 0, None)
        context["form"] = forms_.get("form") or PriceBookForm(instance=book)
        context["entry_form"] = forms_.get("entry_form") or EntryForm()
        failed_entry, failed_tier_form = forms_.get("tier_entry"), forms_.get("tier_form")
        for entry in entries:
            entry.tier_form = failed_tier_form if entry.pk == failed_entry else TierForm(prefix=f"tier{entry.pk}")  # type: ignore[attr-defined]
            entry.edit_form = failed_form if (kind, entry.pk) == ("entry", failed_pk) else EntryEditForm.of(entry)  # type: ignore[attr-defined]
            for tier in entry.tiers.all():
                tier.edit_form = failed_form if (kind, tier.pk) == ("tier", failed_pk) else TierForm.of(tier)  # type: ignore[attr-defined]
    context["events"] = timeline_for(book)
    return render(request, "catalog/price_book_detail.html", context, status=status)


@login_required
def price_book_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    book = selectors.price_book_get(pk=pk)
    if request.method != "POST":
        return _book_page(request, book)
    services.require_catalog_admin(request.user)
    form = PriceBookForm(request.POST, instance=book)
    if form.is_valid():
        try:
            services.price_book_update(
                actor=request.user,
                book=book,
                data=form.changed_data_dict(),
                expected_version=form.cleaned_data.get("version") or 0,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except StaleVersionError as exc:
            form.add_error(None, str(exc))
        else:
            return _saved(request, _book_url(book), _("Price book saved."))
    return _book_page(request, selectors.price_book_get(pk=pk), status=422, form=form)


@login_required
@require_POST
def price_book_deactivate(request: AuthedRequest, pk: int) -> HttpResponse:
    services.require_catalog_admin(request.user)
    book = selectors.price_book_get(pk=pk)
    try:
        services.price_book_deactivate(
            actor=request.user, book=book, expected_version=posted_number(request.POST, "version")
        )
    except (ValidationError, StaleVersionError) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        return redirect(_book_url(book))
    return _saved(request, _book_url(book), _("Price book deactivated."))


@login_required
@require_POST
def entry_set(request: AuthedRequest, pk: int) -> HttpResponse:
    services.require_catalog_admin(request.user)
    book = selectors.price_book_get(pk=pk)
    form = EntryForm(request.POST)
    if form.is_valid():
        try:
            services.price_book_entry_set(
                actor=request.user,
                book=book,
                product=form.cleaned_data["product"],
                unit_price=form.cleaned_data["unit_price"],
                unit_cost=form.cleaned_data["unit_cost"],
                expected_version=posted_number(request.POST, "version"),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except StaleVersionError as exc:
            form.add_error(None, str(exc))
        else:
            return _saved(request, _book_url(book), _("Price saved."))
    return _book_page(request, selectors.price_book_get(pk=pk), status=422, entry_form=form)


@login_required
@require_POST
def entry_update(request: AuthedRequest, pk: int, product_pk: int) -> HttpResponse:
    """Change a product's list price or unit cost in the book, from the book's version read."""
    services.require_catalog_admin(request.user)
    entry = selectors.price_book_entry_get(price_book_id=pk, product_id=product_pk)
    form = EntryEditForm.of(entry, request.POST)

    def change() -> object:
        return services.price_book_entry_set(
            actor=request.user,
            book=entry.price_book,
            product=entry.product,
            unit_price=form.cleaned_data["unit_price"],
            unit_cost=form.cleaned_data["unit_cost"],
            expected_version=_posted_version(request),
        )

    done = _edited(request, form, change, _book_url(entry.price_book), _("Price saved."))
    return done or _book_page(request, selectors.price_book_get(pk=pk), status=422, failed=("entry", entry.pk, form))


@login_required
@require_POST
def entry_remove(request: AuthedRequest, pk: int, product_pk: int) -> HttpResponse:
    services.require_catalog_admin(request.user)
    entry = selectors.price_book_entry_get(price_book_id=pk, product_id=product_pk)
    return _removed(
        request,
        lambda version: services.price_book_entry_remove(actor=request.user, entry=entry, expected_version=version),
        _book_url(entry.price_book),
        _("Price removed."),
    )


@login_required
@require_POST
def tier_add(request: AuthedRequest, pk: int, product_pk: int) -> HttpResponse:
    services.require_catalog_admin(request.user)
    entry = selectors.price_book_entry_get(price_book_id=pk, product_id=product_pk)
    form = TierForm(request.POST, prefix=f"tier{entry.pk}")
    if form.is_valid():
        try:
            services.price_tier_add(
                actor=request.user,
                entry=entry,
                min_quantity=form.cleaned_data["min_quantity"],
                unit_price=form.cleaned_data["unit_price"],
                expected_version=posted_number(request.POST, "version"),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except StaleVersionError as exc:
            form.add_error(None, str(exc))
        else:
            return _saved(request, _book_url(entry.price_book), _("Volume price added."))
    book = selectors.price_book_get(pk=pk)
    return _book_page(request, book, status=422, tier_entry=entry.pk, tier_form=form)


@login_required
@require_POST
def tier_update(request: AuthedRequest, pk: int, tier_pk: int) -> HttpResponse:
    """Change a volume price, under the ladder's checks, from the book's version read."""
    services.require_catalog_admin(request.user)
    tier = selectors.price_tier_get(price_book_id=pk, pk=tier_pk)
    form = TierForm.of(tier, request.POST)

    def change() -> object:
        data = {name: form.cleaned_data[name] for name in ("min_quantity", "unit_price")}
        return services.price_tier_update(
            actor=request.user, tier=tier, data=data, expected_version=_posted_version(request)
        )

    done = _edited(request, form, change, _book_url(tier.entry.price_book), _("Volume price saved."))
    return done or _book_page(request, selectors.price_book_get(pk=pk), status=422, failed=("tier", tier.pk, form))


@login_required
@require_POST
def tier_remove(request: AuthedRequest, pk: int, tier_pk: int) -> HttpResponse:
    services.require_catalog_admin(request.user)
    tier = selectors.price_tier_get(price_book_id=pk, pk=tier_pk)
    return _removed(
        request,
        lambda version: services.price_tier_remove(actor=request.user, tier=tier, expected_version=version),
        _book_url(tier.entry.price_book),
        _("Volume price removed."),
    )


def _book_url(book: PriceBook) -> str:
    return reverse("catalog:price_book_detail", args=[book.pk])
