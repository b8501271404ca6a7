"""The demo's case routing: P1 cases and incidents go round-robin to the service members of 马丽's
team 客户服务部; every other case goes to 何涛."""

from __future__ import annotations

from ltc.core.routing import ROUND_ROBIN, USER
from ltc.org.models import Team, User
from ltc.service.models import CaseRoutingRule
from ltc.service.services.routing import routing_rule_create


def seed_routing(users: dict[str, User]) -> None:
    if CaseRoutingRule.objects.exists():
        return
    desk = Team.objects.filter(name="客户服务部").first()
    admin = users["admin"]
    if desk is not None:
        for order, name, criteria in (
            (10, "P1 紧急工单 → 客户服务部轮流", {"priority": "p1"}),
            (20, "故障 → 客户服务部轮流", {"category": "incident"}),
        ):
            routing_rule_create(
                actor=admin,
                data={"order": order, "name": name, "strategy": ROUND_ROBIN, "assign_team": desk, **criteria},
            )
    routing_rule_create(
        actor=admin, data={"order": 100, "name": "其他工单 → 何涛", "strategy": USER, "assign_user": users["he"]}
    )
