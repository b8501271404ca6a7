"""Quote forms. The line editor posts rows (line-N-*) and term rows (term-N-*); `editor_data`
turns them into the service's input and remembers which row each input came from."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ltc.catalog.models import PriceBook
from ltc.core.forms import StyledFormMixin
from ltc.quotes.choices import QuoteStatus, TermTrigger


class QuoteCreateForm(StyledFormMixin, forms.Form):
    title = forms.CharField(label=_("Subject"), max_length=200, required=False, help_text=_("Blank: the deal's name."))
    price_book = forms.ModelChoiceField(
        label=_("Price book"),
        queryset=PriceBook.objects.none(),
        required=False,
        empty_label=_("Proposed for the customer"),
    )

    def __init__(self, *args: Any, currency: str = "CNY", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["price_book"].queryset = PriceBook.objects.filter(active=True, currency=currency)  # type: ignore[attr-defined]


class QuoteHeaderForm(StyledFormMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    title = forms.CharField(label=_("Subject"), max_length=200)
    price_book = forms.ModelChoiceField(label=_("Price book"), queryset=PriceBook.objects.none())
    valid_until = forms.DateField(
        label=_("Valid until"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    document_discount_pct = forms.DecimalField(
        label=_("Document discount %"), min_value=0, max_value=100, decimal_places=2
    )
    delivery_terms = forms.CharField(
        label=_("Delivery terms"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    notes = forms.CharField(label=_("Notes to the customer"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, currency: str = "CNY", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["price_book"].queryset = PriceBook.objects.filter(active=True, currency=currency)  # type: ignore[attr-defined]


class QuoteFilterForm(StyledFormMixin, forms.Form):
    q = forms.CharField(required=False, widget=forms.TextInput(attrs={"placeholder": _("Number, title or customer")}))
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("Any status")), *QuoteStatus.choices])
    view = forms.ChoiceField(
        label=_("View"),
        required=False,
        choices=[("", _("All I can see")), ("mine", _("Mine")), ("awaiting", _("Waiting for my approval"))],
    )
    sort = forms.ChoiceField(
        label=_("Sort"),
        required=False,
        choices=[
            ("-created", _("Newest")),
            ("-total", _("Largest")),
            ("valid", _("Expiring first")),
            ("number", _("Number")),
        ],
    )


class SendForm(StyledFormMixin, forms.Form):
    to = forms.EmailField(label=_("Customer's email"))
    message = forms.CharField(label=_("Message"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class AnswerForm(StyledFormMixin, forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=100)
    title = forms.CharField(label=_("Position"), max_length=100, required=False)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


TERM_TRIGGERS = TermTrigger.choices


def editor_data(post: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, int]]:
    """Rows of the editor → (lines, terms, service key → row number). A row marked remove is
    left out (with its components, if it is a bundle); blank term rows are ignored."""
    rows: dict[int, dict[str, str]] = {}
    for key, value in post.items():
        if key.startswith("line-") and key.count("-") == 2:
            _prefix, index, name = key.split("-")
            if index.isascii() and index.isdigit():
                rows.setdefault(int(index), {})[name] = value
    lines: list[dict[str, Any]] = []
    places: dict[str, int] = {}
    top_of_row: dict[int, dict[str, Any]] = {}
    for index in sorted(rows):
        row = rows[index]
        if row.get("remove"):
            continue
        item = {
            "product_id": row.get("product", ""),
            "quantity": row.get("quantity", ""),
            "discount_pct": row.get("discount", "0") or "0",
        }
        parent = row.get("parent", "")
        if parent.isascii() and parent.isdigit() and int(parent) in top_of_row:
            bundle = top_of_row[int(parent)]
            bundle.setdefault("components", []).append(item)
            places[f"{bundle['_place']}.components.{len(bundle['components']) - 1}"] = index
        elif parent.isascii() and parent.isdigit():
            continue  # the bundle was removed: its components go with it
        else:
            item["_place"] = f"lines.{len(lines)}"
            places[item["_place"]] = index
            top_of_row[index] = item
            lines.append(item)
    for item in lines:
        item.pop("_place", None)
    terms = []
    term_rows: dict[int, dict[str, str]] = {}
    for key, value in post.items():
        if key.startswith("term-") and key.count("-") == 2:
            _prefix, index, name = key.split("-")
            if index.isascii() and index.isdigit():
                term_rows.setdefault(int(index), {})[name] = value
    for index in sorted(term_rows):
        row = term_rows[index]
        if not (row.get("label", "").strip() or row.get("percent", "").strip()):
            continue
        terms.append(
            {
                "label": row.get("label", ""),
                "percent": row.get("percent", ""),
                "trigger": row.get("trigger", ""),
                "days": row.get("days", "0") or "0",
                "due_date": row.get("due_date") or None,
            }
        )
    return lines, terms, places
