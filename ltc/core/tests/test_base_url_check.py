"""`manage.py check --deploy` warns while LTC_BASE_URL is left at the development default."""

from __future__ import annotations

import pytest
from django.core import checks
from django.core.checks.registry import registry
from django.test import override_settings

from ltc.core.checks import check_base_url
from ltc.core.links import absolute_url


@pytest.mark.parametrize("base", ["http://localhost:8000", "http://127.0.0.1:8000", "", "ltc.example.com"])
def test_the_deploy_check_warns_when_the_base_url_is_unset_or_local(base: str) -> None:
    with override_settings(LTC_BASE_URL=base):
        found = check_base_url()
    assert [(m.id, m.level) for m in found] == [("ltc.W001", checks.WARNING)]
    assert "LTC_BASE_URL" in str(found[0].hint)


def test_the_deploy_check_is_quiet_when_the_base_url_is_set() -> None:
    with override_settings(LTC_BASE_URL="https://ltc.example.com"):
        assert check_base_url() == []


def test_the_check_is_registered_for_deployments_only() -> None:
    assert check_base_url in registry.get_checks(include_deployment_checks=True)
    assert check_base_url not in registry.get_checks(include_deployment_checks=False)


@override_settings(LTC_BASE_URL="https://ltc.example.com/")
def test_absolute_links_are_built_on_the_base_url() -> None:
    assert absolute_url("/q/abc/") == "https://ltc.example.com/q/abc/"
    assert absolute_url("leads/forms/k/") == "https://ltc.example.com/leads/forms/k/"
