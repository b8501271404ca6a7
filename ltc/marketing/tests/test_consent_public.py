"""The public preference page of a marketing e-mail shows an allow-list: the masked address and
the choice — nothing else about the person, the campaign, the e-mail or anyone else."""

from __future__ import annotations

import re
from typing import Any

import pytest

from ltc.customers.tests.factories import ContactFactory
from ltc.marketing.services.consent import consent_record, masked
from ltc.marketing.tests.consent_support import sent_email

pytestmark = pytest.mark.django_db


def test_the_preference_page_shows_only_the_masked_address_and_the_choice(world: Any, client: Any) -> None:
    contact = ContactFactory(account=world.account, name="钱多多", email="qianduoduo@jc-data.cn", mobile="13700003333")
    consent_record(address="qianduoduo@jc-data.cn", state="granted", basis="contract", source="年度框架合同")
    consent_record(address="someone.else@jc-data.cn", state="granted", basis="consent", source="另一个人")
    message = sent_email(owner=world.marketing, address="qianduoduo@jc-data.cn", contact=contact, subject="秘密主题")

    page = client.get(f"/marketing/unsubscribe/{message.token}/")

    html = page.content.decode()
    assert page.status_code == 200
    assert "qi***@j***.cn" in html
    assert 'value="withdraw" checked' in html
    for secret in (
        "qianduoduo",
        "jc-data",
        "钱多多",
        "13700003333",
        world.account.name,
        "内部代号-蓝鲸",
        message.campaign.code,
        "秘密主题",
        "收件人真名",
        "年度框架合同",
        "someone.else",
        "另一个人",
    ):
        assert secret not in html.replace("/marketing/unsubscribe/", ""), secret
    # Every link and form on it leads back to this token only.
    assert set(re.findall(r'action="([^"]+)"', html)) == {f"/marketing/unsubscribe/{message.token}/"}
    assert re.findall(r'href="(/[^"]*)"', html) == [
        h for h in re.findall(r'href="(/[^"]*)"', html) if h.startswith("/static/")
    ]


def test_an_unknown_token_is_a_plain_404(client: Any) -> None:
    page = client.get("/marketing/unsubscribe/unknown-token/")
    assert page.status_code == 404


@pytest.mark.parametrize(
    ("address", "shown"),
    [("zhangsan@example.com", "zh***@e***.com"), ("a@b.cn", "a***@b***.cn"), ("13900001111", "13***")],
)
def test_masked(address: str, shown: str) -> None:
    assert masked(address) == shown
