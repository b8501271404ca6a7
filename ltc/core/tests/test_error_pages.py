"""LTC's own error pages: the layout with navigation for a signed-in user, translated, with a way
back; a minimal page for the 500 that needs no database; the API keeps problem+json."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client, RequestFactory, override_settings
from django.utils import translation

from ltc import urls
from ltc.core import errors
from ltc.org.tests.factories import UserFactory


@pytest.fixture
def chinese_client(db) -> Client:
    client = Client()
    client.force_login(UserFactory(username="zhang", language="zh-hans", roles=["ar"]))
    return client


@override_settings(DEBUG=False)
def test_404_page_is_chinese_for_a_chinese_user_with_navigation_and_a_way_back(chinese_client):
    response = chinese_client.get("/customers/no-such-page/", HTTP_REFERER="http://testserver/leads/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "页面不存在" in html
    assert 'class="nav-link-title">客户</span>' in html  # the navigation of the base layout
    assert 'href="/leads/"' in html  # back to where the user came from
    assert "返回" in html
    assert "首页</a>" in html
    assert "Not Found" not in html


@override_settings(DEBUG=False)
def test_404_page_for_an_anonymous_visitor_is_minimal_and_offers_sign_in(db):
    response = Client().get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 404
    html = response.content.decode()
    assert "页面不存在" in html
    assert "nav-link-title" not in html
    assert 'href="/login/"' in html


@override_settings(DEBUG=False)
def test_back_never_leads_to_another_site(chinese_client):
    response = chinese_client.get("/customers/no-such-page/", HTTP_REFERER="https://evil.example.com/")
    assert "evil.example.com" not in response.content.decode()


@override_settings(DEBUG=False)
def test_an_unknown_api_path_still_answers_problem_json(chinese_client):
    response = chinese_client.get("/api/v1/no-such-resource")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert json.loads(response.content)["status"] == 404


def test_403_page_is_translated_with_navigation(db):
    request = RequestFactory().get("/contracts/1/")
    request.user = UserFactory(username="li", language="zh-hans", roles=["ar"])
    with translation.override("zh-hans"):
        response = errors.permission_denied(request, PermissionDenied())
    assert response.status_code == 403
    html = response.content.decode()
    assert "无权访问" in html
    assert "nav-link-title" in html
    assert "返回" in html


def test_500_page_needs_neither_the_database_nor_the_request_context():
    """No `db` fixture: any query here would fail the test."""
    request = RequestFactory().get("/opportunities/")
    with translation.override("zh-hans"):
        response = errors.server_error(request)
    assert response.status_code == 500
    html = response.content.decode()
    assert "服务器出错了" in html
    assert 'href="/"' in html
    assert "返回" in html


def test_500_of_the_api_is_problem_json():
    response = errors.server_error(RequestFactory().get("/api/v1/leads"))
    assert response.status_code == 500
    assert response["Content-Type"] == "application/problem+json"


def test_the_handlers_are_installed():
    assert urls.handler403 == "ltc.core.errors.permission_denied"
    assert urls.handler404 == "ltc.core.errors.page_not_found"
    assert urls.handler500 == "ltc.core.errors.server_error"
