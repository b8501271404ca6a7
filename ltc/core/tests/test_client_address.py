import pytest
from django.test import RequestFactory, override_settings

from ltc.core.net import client_address


def _request(remote: str, forwarded: str | None = None):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **meta)


def test_without_trusted_proxies_the_header_is_ignored():
    assert client_address(_request("203.0.113.9", "198.51.100.1")) == "203.0.113.9"


@override_settings(LTC_TRUSTED_PROXIES=["10.0.0.0/8"])
@pytest.mark.parametrize(
    ("remote", "forwarded", "client"),
    [
        ("10.0.0.2", "198.51.100.1", "198.51.100.1"),  # one trusted hop
        ("10.0.0.2", "1.2.3.4, 198.51.100.1", "198.51.100.1"),  # a claimed address before the real one is not believed
        ("10.0.0.2", "198.51.100.1, 10.0.0.7", "198.51.100.1"),  # two trusted hops
        ("203.0.113.9", "198.51.100.1", "203.0.113.9"),  # a direct caller cannot claim another address
        ("10.0.0.2", "not-an-address", "10.0.0.2"),
        ("10.0.0.2", None, "10.0.0.2"),
    ],
)
def test_behind_trusted_proxies_the_client_is_the_last_untrusted_hop(remote, forwarded, client):
    assert client_address(_request(remote, forwarded)) == client


@override_settings(LTC_TRUSTED_PROXIES=["127.0.0.1"])
def test_behind_a_proxy_a_lockout_is_per_client_not_per_proxy(world, client):
    for _ in range(5):
        client.post(
            "/login/",
            {"username": "owner", "password": "wrong"},
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR="198.51.100.1",
        )
    attacker = client.post(
        "/login/",
        {"username": "owner", "password": "pw-for-tests-1"},
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR="198.51.100.1",
    )
    assert attacker.status_code == 429
    owner = client.post(
        "/login/",
        {"username": "owner", "password": "pw-for-tests-1"},
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR="198.51.100.2",
    )
    assert owner.status_code == 302
