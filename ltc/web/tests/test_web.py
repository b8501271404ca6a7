import re

import pytest

from ltc.core import search
from ltc.org.auth import user_for_token
from ltc.org.models import User


def test_sign_in_page_and_login_by_email(world, client):
    assert client.get("/").status_code == 302
    page = client.get("/login/")
    assert page.status_code == 200
    response = client.post("/login/", {"username": "owner@example.com", "password": "pw-for-tests-1"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_repeated_failed_sign_ins_are_locked_out(world, client):
    for _ in range(5):
        client.post("/login/", {"username": "owner", "password": "wrong"}, REMOTE_ADDR="10.1.1.1")
    locked = client.post("/login/", {"username": "owner", "password": "pw-for-tests-1"}, REMOTE_ADDR="10.1.1.1")
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session


def test_language_switch_is_kept_on_the_profile(world, web_as):
    client = web_as(world.owner)
    response = client.post("/language/", {"language": "zh-hans", "next": "/customers/accounts/"})
    assert response.status_code == 302
    assert response["Location"] == "/customers/accounts/"
    assert User.objects.get(pk=world.owner.pk).language == "zh-hans"
    page = client.get("/customers/accounts/").content.decode()
    assert "<title>客户 · LTC</title>" in page
    assert "信用代码" in page
    assert "新建客户" in page


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example"])
def test_language_switch_never_redirects_off_site(world, web_as, next_url):
    response = web_as(world.owner).post("/language/", {"language": "en", "next": next_url})
    assert response["Location"] == "/"


def test_unknown_language_changes_nothing(world, web_as):
    web_as(world.owner).post("/language/", {"language": "xx"})
    assert User.objects.get(pk=world.owner.pk).language == "en"


def test_global_search_finds_only_visible_records(world, web_as):
    search.rebuild()  # the factories write past the services that keep the index current
    page = web_as(world.owner).get("/search/?q=锦程").content.decode()
    assert world.account.name in page
    hidden = web_as(world.other).get("/search/?q=锦程").content.decode()
    assert world.account.name not in hidden


def test_profile_creates_a_token_once_and_revokes_it(world, web_as):
    client = web_as(world.owner)
    page = client.post("/profile/", {"name": "Excel 插件"}).content.decode()
    raw = re.search(r'<code id="new-token"[^>]*>(ltc_[^<]+)</code>', page).group(1)
    token = world.owner.api_tokens.get()
    assert user_for_token(raw) == world.owner
    assert token.digest not in page
    assert raw not in client.get("/profile/").content.decode()
    client.post(f"/profile/tokens/{token.pk}/revoke/")
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_home_lists_recent_activity_with_links_in_a_fixed_number_of_queries(
    world, web_as, django_assert_max_num_queries
):
    from ltc.customers import services
    from ltc.customers.tests.factories import AccountFactory

    for n in range(6):
        account = AccountFactory(owner=world.owner, name=f"首页客户{n}")
        services.account_note_add(actor=world.owner, account=account, text="跟进")
    client = web_as(world.owner)
    with django_assert_max_num_queries(10):
        page = client.get("/").content.decode()
    assert 'href="/customers/accounts/' in page
    assert "首页客户5" in page


@pytest.mark.parametrize("spelling", ["OWNER", " owner ", "Owner", "owner@example.com", "OWNER@example.com"])
def test_a_locked_account_stays_locked_whatever_spelling_is_typed(world, client, spelling):
    for _ in range(5):
        client.post("/login/", {"username": "owner", "password": "wrong"}, REMOTE_ADDR="10.1.1.1")
    locked = client.post("/login/", {"username": spelling, "password": "pw-for-tests-1"}, REMOTE_ADDR="10.1.1.1")
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session


def test_failures_spread_over_spellings_count_for_one_account(world, client):
    spellings = ["Owner", "oWner", " owner", "owner@example.com", "OWNER"]
    for spelling in spellings:
        client.post("/login/", {"username": spelling, "password": "wrong"}, REMOTE_ADDR="10.1.1.1")
    locked = client.post("/login/", {"username": "owner", "password": "pw-for-tests-1"}, REMOTE_ADDR="10.1.1.1")
    assert locked.status_code == 429


def test_a_lockout_is_per_address(world, client):
    for _ in range(5):
        client.post("/login/", {"username": "owner", "password": "wrong"}, REMOTE_ADDR="10.1.1.1")
    elsewhere = client.post("/login/", {"username": "owner", "password": "pw-for-tests-1"}, REMOTE_ADDR="10.2.2.2")
    assert elsewhere.status_code == 302
