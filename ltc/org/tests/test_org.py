import pytest
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from ltc.org.auth import user_for_token
from ltc.org.models import ApiToken
from ltc.org.services import token_create, token_revoke, user_set_language
from ltc.org.tests.factories import UserFactory


@pytest.fixture
def request_():
    return RequestFactory().post("/login/", REMOTE_ADDR="10.0.0.1")


@pytest.mark.django_db
@pytest.mark.parametrize("login", ["zhangwei", "ZhangWei@Example.com", "zhangwei@example.com"])
def test_sign_in_by_username_or_email(login, request_):
    user = UserFactory(username="zhangwei", email="zhangwei@example.com")
    assert authenticate(request_, username=login, password="pw-for-tests-1") == user


@pytest.mark.django_db
def test_inactive_users_and_wrong_passwords_cannot_sign_in(request_):
    UserFactory(username="gone", is_active=False)
    UserFactory(username="here")
    assert authenticate(request_, username="gone", password="pw-for-tests-1") is None
    assert authenticate(request_, username="here", password="wrong") is None


@pytest.mark.django_db
def test_tokens_are_stored_hashed_and_work_until_revoked():
    user = UserFactory()
    token, raw = token_create(actor=user, user=user, name="ERP sync")
    assert raw.startswith("ltc_")
    assert len(raw) > 40
    stored = ApiToken.objects.get()
    assert raw not in (stored.digest, stored.prefix)
    assert stored.prefix == raw[:10]
    assert user_for_token(raw) == user
    token_revoke(actor=user, token=token)
    assert user_for_token(raw) is None


@pytest.mark.django_db
def test_token_of_an_inactive_user_does_not_authenticate():
    user = UserFactory()
    _token, raw = token_create(actor=user, user=user, name="x")
    user.is_active = False
    user.save()
    assert user_for_token(raw) is None


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["", "  ", "x" * 101])
def test_token_needs_a_sensible_name(name):
    user = UserFactory()
    with pytest.raises(ValidationError):
        token_create(actor=user, user=user, name=name)
    assert not ApiToken.objects.exists()


@pytest.mark.django_db
def test_nobody_but_an_admin_creates_tokens_for_someone_else():
    user, intruder = UserFactory(), UserFactory()
    with pytest.raises(ValidationError):
        token_create(actor=intruder, user=user, name="x")
    admin = UserFactory(roles=["admin"])
    token, _raw = token_create(actor=admin, user=user, name="provisioned")
    assert token.user == user


@pytest.mark.django_db
def test_language_must_be_offered():
    user = UserFactory(language="en")
    with pytest.raises(ValidationError):
        user_set_language(user=user, language="fr")
    assert user_set_language(user=user, language="zh-hans").language == "zh-hans"


def test_me_and_token_api(world, api_as):
    api = api_as(world.owner)
    me = api.get("/me").json()
    assert (me["username"], me["roles"], me["team"]) == ("owner", ["ar"], "East")
    created = api.post("/me/tokens", {"name": "报表脚本"})
    assert created.status_code == 201
    assert created.json()["token"].startswith("ltc_")
    listed = api.get("/me/tokens").json()
    assert [t["name"] for t in listed] == ["报表脚本", "tests"]
    assert "token" not in listed[0]
    revoked = api.post(f"/me/tokens/{created.json()['id']}/revoke")
    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"]


def test_someone_elses_token_is_a_404(world, api_as):
    token, _raw = token_create(actor=world.other, user=world.other, name="theirs")
    assert api_as(world.owner).post(f"/me/tokens/{token.pk}/revoke").status_code == 404
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None


def test_bad_or_revoked_tokens_get_401_problem(world, api_as):
    api = api_as(None)
    response = api.get("/accounts", Authorization="Bearer ltc_nope")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
