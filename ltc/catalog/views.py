"""Catalog pages: products (with bundle components, rules and prices) and price books. Read-only
here; the back office edits the catalog in the admin site."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from ltc.catalog import selectors
from ltc.catalog.choices import ProductType
from ltc.core.api import paginate
from ltc.core.forms import ListParams, StyledFormMixin, is_htmx
from ltc.org.types import AuthedRequest


class ProductFilterForm(StyledFormMixin, forms.Form):
    q = forms.CharField(required=False, widget=forms.TextInput(attrs={"placeholder": _("Code or name")}))
    product_type = forms.ChoiceField(required=False, choices=[("", _("Any type")), *ProductType.choices])
    bundle = forms.ChoiceField(required=False, choices=[("", _("Products and bundles")), ("1", _("Bundles only"))])
    sort = forms.ChoiceField(
        required=False, choices=[("code", _("Code")), ("name", _("Name")), ("family", _("Family"))]
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


@login_required
def product_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    return render(request, "catalog/product_detail.html", {"product": selectors.product_get(pk=pk)})


@login_required
def price_book_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    return render(request, "catalog/price_book_detail.html", {"book": selectors.price_book_get(pk=pk)})
