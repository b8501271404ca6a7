"""Simplified Chinese formats as finance writes amounts: 1,234,567.89 (Django's default has no
separator and groups by four). Everything else is Django's."""

from django.conf.locale.zh_Hans.formats import *  # noqa: F403

THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
