"""Configuration timelines read in the reader's language: values a record keeps as codes (a
scoring rule's industry, an authority line's role, a process node's owner role as its writer
read it) show as labels, never as the codes the timeline stores."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any

import pytest
from django.utils import translation

from ltc.core.timeline import timeline_for
from ltc.leads.models import SCORING_VALUE_CHOICES
from ltc.leads.services import rules
from ltc.org import services as org_services
from ltc.org.choices import RoleCode
from ltc.org.models import Role, User
from ltc.process import services as process_services
from ltc.process.models import ProcessNode

pytestmark = pytest.mark.django_db


def _timeline(client: Any, path: str) -> str:
    page = client.get(path)
    assert page.status_code == 200
    return page.content.decode().split('id="timeline"', 1)[1]


def _speaks(user: User, language: str) -> User:
    User.objects.filter(pk=user.pk).update(language=language)
    user.refresh_from_db()
    return user


def test_a_scoring_rules_value_reads_as_its_label_in_english_and_chinese(world: Any, web_as: Any) -> None:
    rule = rules.scoring_rule_create(
        actor=world.admin, data={"name": "行业", "criterion": "industry_is", "value": "manufacturing", "points": 30}
    )
    rules.scoring_rule_update(actor=world.admin, rule=rule, data={"value": "finance"}, expected_version=1)

    english = _timeline(web_as(_speaks(world.admin, "en")), f"/process/scoring/{rule.pk}/")
    assert 'value: <del class="text-secondary">Manufacturing</del> → Financial services' in english
    assert "manufacturing</del>" not in english

    chinese = _timeline(web_as(_speaks(world.admin, "zh-hans")), f"/process/scoring/{rule.pk}/")
    assert '<del class="text-secondary">制造业</del> → 金融服务' in chinese
    assert "finance" not in chinese


def test_the_scoring_value_lists_share_no_code() -> None:
    """ScoringRule.timeline_choices reads a value from all lists at once: a code in two lists
    would read as the wrong label."""
    codes = Counter(code for choices in SCORING_VALUE_CHOICES for code in choices.values)
    assert [code for code, seen in codes.items() if seen > 1] == []


def test_an_assignment_rules_criteria_read_as_labels(world: Any, web_as: Any) -> None:
    rule = rules.assignment_rule_create(
        actor=world.admin, data={"name": "华东", "order": 10, "region": "east", "assign_user": world.manager}
    )
    rules.assignment_rule_update(
        actor=world.admin,
        rule=rule,
        data={"region": "north", "strategy": "round_robin", "assign_team": world.east, "assign_user": None},
        expected_version=1,
    )
    english = _timeline(web_as(_speaks(world.admin, "en")), f"/process/routing/{rule.pk}/")
    assert '<del class="text-secondary">East China</del> → North China' in english
    assert '<del class="text-secondary">To one user</del> → Round-robin in a team' in english
    assert "round_robin" not in english


def test_an_authority_lines_role_reads_as_its_label_on_the_line_and_the_matrix(world: Any, web_as: Any) -> None:
    line = org_services.authority_create(
        actor=world.admin,
        data={"subject": "review_atb", "role": Role.objects.get(code="sales_manager"), "max_amount": Decimal(5000000)},
    )
    sr, _created = Role.objects.get_or_create(code="sr")
    org_services.authority_update(actor=world.admin, line=line, data={"role": sr}, expected_version=1)

    client = web_as(_speaks(world.admin, "en"))
    english = _timeline(client, f"/process/authority/{line.pk}/")
    assert '<del class="text-secondary">Sales manager</del> → Solution responsible (SR)' in english
    assert "sales_manager" not in english
    matrix = client.get("/process/authority/").content.decode()
    assert "Solution responsible (SR)" in matrix
    assert "sales_manager</del>" not in matrix

    chinese = _timeline(web_as(_speaks(world.admin, "zh-hans")), f"/process/authority/{line.pk}/")
    assert '<del class="text-secondary">销售经理</del> → 解决方案经理（SR）' in chinese


def test_a_nodes_owner_role_reads_in_the_readers_language_whatever_the_writers(world: Any, web_as: Any) -> None:
    node = ProcessNode.objects.select_related("owner_role").get(code="MO.4")
    assert node.owner_role is not None
    with translation.override("en"):
        old_en, new_en = str(node.owner_role), str(RoleCode.EXECUTIVE.label)
    with translation.override("zh-hans"):  # the timeline keeps the role as its writer read it
        old_zh, new_zh = str(node.owner_role), str(RoleCode.EXECUTIVE.label)
        process_services.node_update(
            actor=world.admin, node=node, data={"owner_role": Role.objects.get(code="executive")}, expected_version=1
        )
    event = timeline_for(node)[0]
    assert event.changes == [{"field": "owner_role", "old": old_zh, "new": new_zh}]

    english = _timeline(web_as(_speaks(world.owner, "en")), f"/process/nodes/{node.pk}/")
    assert f'owner role: <del class="text-secondary">{old_en}</del> → {new_en}' in english
    assert old_zh not in english
    assert new_zh not in english
