"""Normalised forms of identifiers, shared by every duplicate matcher (customers, leads)."""

from __future__ import annotations

import re
import unicodedata

_LEGAL_SUFFIXES = (
    "股份有限公司",
    "有限责任公司",
    "有限公司",
    "集团公司",
    "集团",
    "公司",
    "corporation",
    "company",
    "limited",
    "co.,ltd.",
    "co.,ltd",
    "co.ltd",
    "co ltd",
    "corp",
    "inc",
    "ltd",
    "llc",
    "gmbh",
)
_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)


def company_name(name: str) -> str:
    """Lower-case, full-width folded, punctuation and legal-form suffixes removed.

    "华为技术有限公司" and "华为技术 (有限公司)" both give "华为技术".
    """
    text = unicodedata.normalize("NFKC", name or "").lower().strip()
    text = text.replace("（", "(").replace("）", ")")
    changed = True
    while changed:
        changed = False
        compact = _PUNCT.sub(" ", text).strip()
        if not compact.endswith(_LEGAL_SUFFIXES):  # one C call for the common no-suffix case
            break
        for suffix in _LEGAL_SUFFIXES:
            if compact.endswith(suffix):
                # A name that is nothing but a legal form keeps it.
                if len(compact) > len(suffix):
                    text = compact[: -len(suffix)]
                    changed = True
                break
    return _PUNCT.sub("", text)


def email(value: str) -> str:
    return unicodedata.normalize("NFKC", value or "").strip().lower()


def mobile(value: str) -> str:
    """Digits only, without the +86 / 0086 country prefix."""
    digits = re.sub(r"\D", "", unicodedata.normalize("NFKC", value or ""))
    if digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits


def credit_code(value: str) -> str:
    return unicodedata.normalize("NFKC", value or "").strip().upper().replace(" ", "")
