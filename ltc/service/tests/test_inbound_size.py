"""A whole e-mail may be larger than a JSON body: the API's body limit lets message/rfc822 through
up to the request limit, and the inbound endpoint holds it to its own (LTC_INBOUND_EMAIL_MAX_MB)."""

from __future__ import annotations

from typing import Any

import pytest

from ltc.service.models import Case, InboundEmail
from ltc.service.tests.test_email import customer, inbound_on, post, raw_mail  # noqa: F401 - fixtures

pytestmark = pytest.mark.usefixtures("inbound_on")


def test_a_mail_over_the_json_limit_is_received_and_one_over_its_own_limit_refused(
    customer: Any,  # noqa: F811
    settings: Any,
) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024  # a JSON body of this size would be refused
    settings.LTC_INBOUND_EMAIL_MAX_BYTES = 512 * 1024
    large = raw_mail(body="日志：" + "设备报错 E42。" * 12000)  # ~250 KB, over the JSON limit
    assert len(large) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    answer = post(large)
    assert answer.status_code == 201, answer.content
    assert Case.objects.filter(pk=answer.json()["case_id"]).exists()

    huge = raw_mail(body="x" * (600 * 1024), message_id="<m2@kehu.cn>")
    assert post(huge).status_code == 413
    assert InboundEmail.objects.count() == 1
