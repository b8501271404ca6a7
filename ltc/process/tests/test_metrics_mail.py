"""The weekly summary e-mail to the process owners."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail

from ltc.core.models import OutgoingMail
from ltc.opportunities.tests.factories import make_pipeline
from ltc.process.models import ProcessNode
from ltc.process.tasks import process_summaries_send
from ltc.process.tests.maps import make_map
from ltc.process.tests.test_metrics import NOW, log  # noqa: F401 - the hand-made step log


@pytest.fixture
def nodes(db: Any) -> Any:
    return make_map(make_pipeline())


@pytest.fixture
def owners(world: Any, nodes: Any) -> Any:
    ProcessNode.objects.filter(owner__isnull=False).update(owner=None)  # only the map under test has owners
    world.owner.language, world.owner.email = "zh-hans", "owner@example.cn"
    world.owner.save(update_fields=["language", "email"])
    world.manager.language, world.manager.email = "en", "manager@example.cn"
    world.manager.save(update_fields=["language", "email"])
    ProcessNode.objects.filter(pk__in=[nodes["ML.NEW"].pk, nodes["ML.WORK"].pk]).update(owner=world.owner)
    ProcessNode.objects.filter(pk=nodes["MO.CONFIRM"].pk).update(owner=world.manager)
    return world


def test_each_owner_gets_their_steps_figures_once_a_week_in_their_language(settings, owners, nodes, log):  # noqa: F811
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.LTC_BASE_URL = "https://ltc.example.cn"
    assert process_summaries_send(now=NOW) == 2
    sent = {m.to[0]: m for m in mail.outbox}
    assert sorted(sent) == ["manager@example.cn", "owner@example.cn"]
    zh = sent["owner@example.cn"]
    assert zh.subject == "您负责的流程步骤：2026 年第 48 周"
    new = nodes["ML.NEW"]
    # Over 12 weeks all five leads entered ML.NEW and four left it (1 h, 1 d, 1 d, 14 d).
    assert (
        "T.ML.NEW 节点T.ML.NEW\n在途：1\n进入：5（本周 1）\n离开：4（本周 1）\n"
        "步骤内时长：中位数 1天0小时，P90 10天2小时\n转入下一步骤：50.0%\n超时（SLA）：1\n"
        f"https://ltc.example.cn/process/nodes/{new.pk}/records/\n"
    ) in zh.body
    assert "T.ML.WORK 节点T.ML.WORK\n在途：2\n" in zh.body
    assert "T.MO" not in zh.body
    en = sent["manager@example.cn"]
    assert en.subject == "Your process steps, week 48 of 2026"
    assert "T.MO.CONFIRM Node T.MO.CONFIRM\nIn flight: 1\nEntered: 1 (this week 1)\nLeft: 0 (this week 0)\n" in en.body
    assert "Time in step: median —, p90 —\n" in en.body

    # The same week again (a retry, a second schedule): nothing more is queued or sent.
    assert process_summaries_send(now=NOW) == 0
    assert OutgoingMail.objects.count() == 2
    assert len(mail.outbox) == 2
