"""Reading and validating imported rows without the ORM's per-row cost.

The rules are the model's (same validators, same choices); labels are accepted in English or
Chinese as well as codes, and budgets may be written like "¥1,200,000" or "120万".
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.utils import translation
from django.utils.translation import gettext as _

from ltc.core.money import Currency, quantize
from ltc.core.text import CONTROL_CHARACTERS
from ltc.core.text import message as control_characters_message
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
    "utm_source": 100,
    "utm_medium": 100,
    "utm_campaign": 100,
    "utm_content": 100,
    "utm_term": 100,
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
    "campaign": ["campaign", "活动", "市场活动", "营销活动"],
    "utm_source": ["utm_source", "utm source"],
    "utm_medium": ["utm_medium", "utm medium"],
    "utm_campaign": ["utm_campaign", "utm campaign"],
    "utm_content": ["utm_content", "utm content"],
    "utm_term": ["utm_term", "utm term"],
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
# A bracketed part of a header ("预算(元)", "Budget [CNY]", "【行业】") and the separators that
# do not change what a header means.
_BRACKETED = re.compile(r"[(\[{【〔<《][^)\]}】〕>》]*[)\]}】〕>》]?")
_SEPARATORS = re.compile(r"[\s_\-./:：*]+")
_BRACKET_CHARS = re.compile(r"[()\[\]{}【】〔〕<>《》]")
_TEN_THOUSAND = re.compile(r"[(\[【]\s*万")
# Words in a file that mean a choice but are neither its code nor its label (checked first).
VALUE_SYNONYMS: dict[str, dict[str, str]] = {
    "industry": {
        "制造": "manufacturing",
        "工业": "manufacturing",
        "银行": "finance",
        "保险": "finance",
        "证券": "finance",
        "金融": "finance",
        "电力": "energy",
        "能源": "energy",
        "石油": "energy",
        "医疗": "healthcare",
        "医院": "healthcare",
        "医药": "healthcare",
        "通信": "telecom",
        "运营商": "telecom",
        "政府": "government",
        "政务": "government",
        "学校": "education",
        "教育": "education",
        "零售": "retail",
        "快消": "retail",
        "物流": "transport",
        "交通": "transport",
        "互联网": "internet",
        "软件": "internet",
        "it": "internet",
        "bank": "finance",
        "banking": "finance",
        "health": "healthcare",
        "software": "internet",
    },
    "source": {
        "展会": "event",
        "会展": "event",
        "展览": "event",
        "会议": "event",
        "官网": "website",
        "网站": "website",
        "转介绍": "referral",
        "介绍": "referral",
        "推荐": "referral",
        "代理": "partner",
        "渠道": "partner",
        "伙伴": "partner",
        "微信": "social",
        "公众号": "social",
        "电销": "cold",
        "陌拜": "cold",
        "客服": "service",
        "trade show": "event",
        "expo": "event",
        "web": "website",
    },
}


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


def header_key(header: str) -> str:
    """A header as compared with the hints: full-width folded, lower-cased, without spaces,
    separators or a bracketed unit ("预算（万元）" and "Budget (CNY)" both read as the budget).
    """
    text = unicodedata.normalize("NFKC", header).lower()
    bare = _SEPARATORS.sub("", _BRACKETED.sub("", text))
    return bare or _SEPARATORS.sub("", _BRACKET_CHARS.sub("", text))


@cache
def _hint_keys() -> dict[str, str]:
    return {header_key(hint): field for field, hints in HEADER_HINTS.items() for hint in hints}


def suggest_mapping(headers: list[str]) -> dict[str, str]:
    """header → field for the headers that look like a known field."""
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    hints = _hint_keys()
    for header in headers:
        field = hints.get(header_key(header))
        if field and field not in taken:
            mapping[header] = field
            taken.add(field)
    return mapping


def column_suffix(header: str, field: str) -> str:
    """What a cell of this column needs appended to read as meant: "万" for a budget in 万元."""
    if field == "budget_amount" and _TEN_THOUSAND.search(unicodedata.normalize("NFKC", header)):
        return "万"
    return ""


def value_key(value: str) -> str:
    """How a cell's value is compared with codes, labels and remembered mappings."""
    return unicodedata.normalize("NFKC", value).strip().lower()


@dataclass(frozen=True)
class ValueSuggestion:
    code: str
    label: str


@cache
def _labels(field: str) -> list[tuple[str, list[str]]]:
    """(code, [code, English label, Chinese label]) per choice, lower-cased."""
    choices = CHOICE_FIELDS[field]
    labels: dict[str, list[str]] = {code: [code.lower()] for code in choices.values}
    for language in ("en", "zh-hans"):
        with translation.override(language):
            for code, label in choices.choices:
                labels[code].append(value_key(str(label)))
    return list(labels.items())


_VALUE_SEPARATORS = re.compile(r"[\s/,，、;；&()（）\-–—_.·+与和及]+")


def _squash(text: str) -> str:
    return _VALUE_SEPARATORS.sub("", text)


def suggest_values(field: str, value: str, *, limit: int = 3) -> list[ValueSuggestion]:
    """Choices a value in a file probably means, best first: a synonym, a label or code it equals
    or starts or ends (separators ignored), then one it is part of or that is part of it, then one
    a word of it names; nothing when nothing is close.
    """
    key = value_key(value)
    squashed = _squash(key)
    if not squashed:
        return []
    synonyms = VALUE_SYNONYMS.get(field, {})
    ranked: dict[str, int] = {}

    def rank(code: str, points: int) -> None:
        ranked[code] = max(ranked.get(code, 0), points)

    if code := synonyms.get(key) or synonyms.get(squashed):
        rank(code, 100)
    words = [w for w in _VALUE_SEPARATORS.split(key) if len(w) > 1]
    for code, labels in _labels(field):
        for label in map(_squash, labels):
            if label == squashed:
                rank(code, 90)
            elif label.startswith(squashed) or squashed.startswith(label):
                rank(code, 80)
            elif squashed in label or (len(label) > 1 and label in squashed):
                rank(code, 60)
            elif len(words) > 1 and any(label.startswith(w) for w in words):
                rank(code, 40)
    if len(words) > 1:
        for word in words:
            if code := synonyms.get(word):
                rank(code, 70)
    choices = CHOICE_FIELDS[field]
    order = {code: position for position, code in enumerate(choices.values)}
    best = sorted(ranked, key=lambda code: (-ranked[code], order[code]))[:limit]
    return [ValueSuggestion(code, str(choices(code).label)) for code in best]


def choice_lookups(value_mapping: dict[str, dict[str, str]] | None = None) -> dict[str, dict[str, str]]:
    """Per choice field: every accepted value (codes, labels, the user's value mapping) → code.

    Built once per import, so reading a cell is one dict lookup.
    """
    lookups = {field: dict(_choice_lookup(field)) for field in CHOICE_FIELDS}
    for field, table in (value_mapping or {}).items():
        if field in lookups:
            lookups[field].update({value_key(raw): code for raw, code in table.items() if code})
    return lookups


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


def clean_row(
    raw: dict[str, Any], lookups: dict[str, dict[str, str]] | None = None
) -> tuple[dict[str, Any], list[str]]:
    """Validate one mapped row: (field values, messages). Values are model-ready strings/Decimals.

    `lookups` (from `choice_lookups`) adds the user's value mapping to the accepted choices.
    """
    lookups = lookups or _DEFAULT_LOOKUPS
    values: dict[str, Any] = {}
    errors: list[str] = []
    for field, value in raw.items():
        text = "" if value is None else str(value).strip()
        if not text or field not in IMPORT_FIELDS:
            continue
        limit = IMPORT_FIELDS[field]
        if CONTROL_CHARACTERS.search(text):
            errors.append(f"{_label(field)}: {control_characters_message()}")
            continue
        if field in CHOICE_FIELDS:
            code = lookups[field].get(text.lower()) or lookups[field].get(value_key(text))
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


class _DefaultLookups(dict[str, dict[str, str]]):
    """Codes and labels only, built on first use (labels need the translations loaded)."""

    def __missing__(self, field: str) -> dict[str, str]:
        self[field] = _choice_lookup(field)
        return self[field]


_DEFAULT_LOOKUPS = _DefaultLookups()
