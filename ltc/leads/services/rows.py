"""Reading and validating imported rows without the ORM's per-row cost.

The rules are the model's (same validators, same choices); labels are accepted in English or
Chinese as well as codes, and budgets may be written like "¥1,200,000" or "120万".
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.utils import translation
from django.utils.translation import gettext as _

from ltc.core.money import Currency, quantize
from ltc.customers.choices import CompanySize
from ltc.customers.validators import validate_credit_code, validate_mobile
from ltc.leads.choices import LeadSource, Timeframe
from ltc.org.choices import Industry, Region

IMPORT_FIELDS = {
    "company_name": 200,
    "credit_code": 18,
    "contact_name": 100,
    "contact_title": 100,
    "mobile": 20,
    "email": 254,
    "region": 0,
    "industry": 0,
    "company_size": 0,
    "source": 0,
    "campaign": 100,
    "need": 5000,
    "budget_amount": 0,
    "budget_currency": 0,
    "timeframe": 0,
    "notes": 5000,
}
CHOICE_FIELDS = {
    "region": Region,
    "industry": Industry,
    "company_size": CompanySize,
    "source": LeadSource,
    "timeframe": Timeframe,
    "budget_currency": Currency,
}
# Header words that suggest a field when a file is first seen (English and Chinese).
HEADER_HINTS = {
    "company_name": [
        "company",
        "company name",
        "organisation",
        "organization",
        "公司",
        "公司名称",
        "企业名称",
        "客户名称",
        "单位",
    ],
    "credit_code": ["credit code", "unified social credit code", "uscc", "统一社会信用代码", "信用代码", "税号"],
    "contact_name": ["contact", "contact name", "name", "联系人", "姓名", "联系人姓名"],
    "contact_title": ["title", "job title", "position", "职务", "职位"],
    "mobile": ["mobile", "mobile phone", "cell", "phone", "手机", "手机号", "电话", "联系电话"],
    "email": ["email", "e-mail", "mail", "邮箱", "电子邮箱", "邮件"],
    "region": ["region", "区域", "地区", "大区"],
    "industry": ["industry", "行业"],
    "company_size": ["size", "company size", "employees", "规模", "企业规模"],
    "source": ["source", "channel", "来源", "渠道"],
    "campaign": ["campaign", "活动", "市场活动"],
    "need": ["need", "pain point", "requirement", "需求", "痛点", "需求描述"],
    "budget_amount": ["budget", "预算", "预算金额"],
    "budget_currency": ["currency", "币种"],
    "timeframe": ["timeframe", "timing", "时间", "采购时间", "预计时间"],
    "notes": ["notes", "remark", "remarks", "备注"],
}
_email = EmailValidator()
# The same rules with the patterns compiled now: the class keeps them lazy, which costs an
# indirection on every call, and an import validates every row.
for _name in ("user_regex", "domain_regex", "literal_regex"):
    _lazy = getattr(EmailValidator, _name)
    setattr(_email, _name, re.compile(_lazy.pattern, _lazy.flags))
_WAN = re.compile(r"^(?P<n>[0-9.]+)\s*万$")


@cache
def _choice_lookup(field: str) -> dict[str, str]:
    """Code, English label and Chinese label (lower-cased) → code."""
    choices = CHOICE_FIELDS[field]
    table: dict[str, str] = {}
    for language in ("en", "zh-hans"):
        with translation.override(language):
            for code, label in choices.choices:
                table[str(label).strip().lower()] = code
    for code in choices.values:
        table[code.lower()] = code
    return table


def suggest_mapping(headers: list[str]) -> dict[str, str]:
    """header → field for the headers that look like a known field."""
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    for header in headers:
        key = header.strip().lower()
        for field, hints in HEADER_HINTS.items():
            if field not in taken and key in hints:
                mapping[header] = field
                taken.add(field)
                break
    return mapping


def _budget(raw: str) -> Decimal:
    text = raw.replace(",", "").replace("，", "").replace("¥", "").replace("￥", "").replace("元", "").strip()
    multiplier = Decimal(1)
    if match := _WAN.match(text):
        text, multiplier = match.group("n"), Decimal(10000)
    amount = Decimal(text) * multiplier
    if not amount.is_finite() or amount < 0 or amount >= Decimal(10) ** 16:
        raise InvalidOperation
    return quantize(amount)


def _label(field: str) -> str:
    """The field's name in the active language (only computed for rows with errors)."""
    from ltc.leads.models import Lead

    return str(getattr(Lead._meta.get_field(field), "verbose_name", field))


def clean_row(raw: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Validate one mapped row: (field values, messages). Values are model-ready strings/Decimals."""
    values: dict[str, Any] = {}
    errors: list[str] = []
    for field, value in raw.items():
        text = "" if value is None else str(value).strip()
        if not text or field not in IMPORT_FIELDS:
            continue
        limit = IMPORT_FIELDS[field]
        if field in CHOICE_FIELDS:
            code = _choice_lookup(field).get(text.lower())
            if code is None:
                errors.append(
                    _("%(field)s: “%(value)s” is not a known value.") % {"field": _label(field), "value": text}
                )
                continue
            values[field] = code
        elif field == "budget_amount":
            try:
                values[field] = _budget(text)
            except (InvalidOperation, ValueError):
                errors.append(_("budget: “%(value)s” is not an amount.") % {"value": text})
        else:
            if limit and len(text) > limit:
                errors.append(_("%(field)s: at most %(n)d characters.") % {"field": _label(field), "n": limit})
                continue
            try:
                if field == "credit_code":
                    validate_credit_code(text)
                elif field == "mobile":
                    validate_mobile(text)
                elif field == "email":
                    _email(text)
            except ValidationError as exc:
                errors.append(f"{_label(field)}: {' '.join(str(m) for m in exc.messages)}")
                continue
            values[field] = text
    if not (values.get("company_name") or values.get("contact_name")) and not any(
        e.startswith(("company_name", "contact_name")) for e in errors
    ):
        errors.append(_("Give at least a company or a contact name."))
    return values, errors
