"""The demo company's process map: owners for the shipped L2/L3 steps, the demo pipelines' stages
bound to the steps of 管理机会点, and the activities (L4) of 制定并提交标书 with the gate items
that implement them. Written through the process services, so each change is on the nodes'
timelines. Runs before the demo records are seeded, so the step log follows them from the start."""

from __future__ import annotations

from ltc.opportunities.models import Pipeline, StageRequirement
from ltc.org.models import User
from ltc.process import services
from ltc.process.models import BindingKind, ProcessBinding, ProcessNode
from ltc.web.demo_deals import seed_pipelines

# node code -> the demo user who owns the step
OWNERS = {
    "LTC": "wang",
    "ML": "sun",
    "ML.1": "sun",
    "ML.2": "sun",
    "ML.3": "li",
    "MO": "li",
    "MO.1": "li",
    "MO.2": "zhang",
    "MO.3": "chen",
    "MO.4": "chen",
    "MO.5": "li",
    "MCE": "yang",
    "MCE.1": "yang",
    "MCE.2": "yang",
    "MCE.3": "zhou",
    "MCE.4": "yang",
    "MCE.5": "qian",
    "MCE.6": "yang",
    "MAE": "wang",
}
# (pipeline, stage) -> the step a deal in that stage stands in
STAGES = {
    ("项目销售", "线索确认"): "MO.1",
    ("项目销售", "立项 (ATI)"): "MO.1",
    ("项目销售", "需求引导 / 标前引导"): "MO.3",
    ("项目销售", "投标 (ATB)"): "MO.4",
    ("项目销售", "谈判"): "MO.5",
    ("项目销售", "签约 (ATC)"): "MO.5",
    ("产品销售", "需求确认"): "MO.1",
    ("产品销售", "报价"): "MO.5",
    ("产品销售", "谈判"): "MO.5",
}
# The activities of 制定并提交标书: code, 中文, English, purpose (Chinese), the project pipeline's gate item
BID_ACTIVITIES = [
    ("MO.4.1", "组建投标团队", "Form the bid team", "销售牵头，协调产品部、交付部门和投标办，明确各章节负责人。", ""),
    (
        "MO.4.2",
        "投标决策（ATB）",
        "Bid decision (ATB)",
        "评估把握度、盈利和风险，决定是否投标。",
        "投标决策（ATB）通过",
    ),
    (
        "MO.4.3",
        "编制商务标与技术标",
        "Write the commercial and technical parts",
        "落实报价，产品部提供技术标，交付部门提供实施方案。",
        "",
    ),
    ("MO.4.4", "标书质量检查与递交", "Check and submit the bid", "核对价格等细节，按时保质递交。", "标书已按时递交"),
]


def seed_process(users: dict[str, User]) -> None:
    """Fill the demo company's map once (a node already owned is left as it is)."""
    admin = users["admin"]
    nodes = {node.code: node for node in ProcessNode.objects.all()}
    for code, username in OWNERS.items():
        node = nodes.get(code)
        if node is not None and node.owner_id is None:
            services.node_update(actor=admin, node=node, data={"owner": users[username]}, expected_version=node.version)
    seed_pipelines()
    taken = set(ProcessBinding.objects.values_list("kind", "key"))
    for pipeline in Pipeline.objects.filter(name__in={p for p, _s in STAGES}).prefetch_related("stages"):
        for stage in pipeline.stages.all():
            step = STAGES.get((pipeline.name, stage.name))
            if step in nodes and (BindingKind.STAGE, str(stage.pk)) not in taken:
                services.binding_add(actor=admin, node=nodes[step], kind=BindingKind.STAGE, key=str(stage.pk))
    bid = nodes.get("MO.4")
    if bid is None:
        return
    for order, (code, name_zh, name_en, purpose, item_label) in enumerate(BID_ACTIVITIES, start=1):
        if code in nodes:
            continue
        activity = services.node_create(
            actor=admin,
            parent=bid,
            data={"code": code, "order": order, "name_zh": name_zh, "name_en": name_en, "purpose_zh": purpose},
        )
        item = StageRequirement.objects.filter(stage__pipeline__name="项目销售", label=item_label).first()
        if item is not None and (BindingKind.REQUIREMENT, str(item.pk)) not in taken:
            services.binding_add(actor=admin, node=activity, kind=BindingKind.REQUIREMENT, key=str(item.pk))
