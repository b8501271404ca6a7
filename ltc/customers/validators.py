"""Validators for Chinese business identifiers."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from ltc.core import normalize

# GB 32100-2015: 18 characters from this alphabet; the last is a check character (mod 31).
CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
PHONE_RE = re.compile(r"^[0-9+()\-\s]{5,30}$")


def credit_code_check_char(first17: str) -> str:
    total = sum(CREDIT_CODE_ALPHABET.index(c) * w for c, w in zip(first17, CREDIT_CODE_WEIGHTS, strict=True))
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def validate_credit_code(value: str) -> None:
    """A unified social credit code (统一社会信用代码): 18 characters with a valid check character."""
    code = normalize.credit_code(value)
    if len(code) != 18:
        raise ValidationError(_("A unified social credit code has 18 characters."), code="length")
    bad = [c for c in code if c not in CREDIT_CODE_ALPHABET]
    if bad:
        raise ValidationError(
            _("A unified social credit code cannot contain “%(chars)s”.") % {"chars": "".join(dict.fromkeys(bad))},
            code="alphabet",
        )
    if credit_code_check_char(code[:17]) != code[17]:
        raise ValidationError(
            _("The check character of this unified social credit code is wrong; please check for a typo."),
            code="checksum",
        )


def validate_mobile(value: str) -> None:
    """A mainland China mobile number (11 digits starting 13–19), +86 allowed."""
    if not MOBILE_RE.match(normalize.mobile(value)):
        raise ValidationError(_("Enter a mainland mobile number of 11 digits, e.g. 138 0013 8000."), code="mobile")


def validate_phone(value: str) -> None:
    if not PHONE_RE.match(value or ""):
        raise ValidationError(_("Enter a phone number using digits, spaces, +, - and brackets."), code="phone")
