"""Demo pipelines following the article (线索确认 → 立项 → 标前引导 → 投标 → 谈判 → 签约) and
demo deals worked through them by the iron triangles of the demo company."""

from __future__ import annotations

import random
import re
from datetime import timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from ltc.core.models import ActivityKind
from ltc.customers.models import Account
from ltc.opportunities import services
from ltc.opportunities.choices import (
    CRITERIA,
    Decision,
    ForecastCategory,
    LossReason,
    RequirableField,
    RequirementKind,
    ReviewType,
    StageCategory,
    WinReason,
)
from ltc.opportunities.models import DecisionReview, Opportunity, Pipeline, Stage, StageRequirement
from ltc.org.choices import AuthoritySubject, RoleCode
from ltc.org.models import Authority, Role, User

CHECK, ACTIVITY, FIELD, REVIEW, DOCUMENT = (
    RequirementKind.CHECK,
    RequirementKind.ACTIVITY,
    RequirementKind.FIELD,
    RequirementKind.REVIEW,
    RequirementKind.DOCUMENT,
)
# (name, probability, needs FR, guidance, [(kind, label, activity kind or field)])
PROJECT_STAGES = [
    (
        "线索确认",
        10,
        False,
        "确认客户的痛点和需求是否真实存在，识别关键联系人；与 SR 一起判断是否值得投入。",
        [(CHECK, "客户痛点与需求已确认", ""), (FIELD, "关键联系人已录入", RequirableField.CONTACTS)],
    ),
    (
        "立项 (ATI)",
        20,
        False,
        "组建铁三角（AR/SR/FR），评估客户关系、需求匹配与可交付性，提交立项决策（ATI）。",
        [
            (ACTIVITY, "与客户召开立项沟通会", ActivityKind.MEETING),
            (FIELD, "SR 已指定", RequirableField.SR),
            (FIELD, "预估金额已填写", RequirableField.AMOUNT),
            (REVIEW, "立项决策（ATI）通过", ReviewType.ATI),
        ],
    ),
    (
        "需求引导 / 标前引导",
        40,
        False,
        "通过技术交流、样板点参观引导客户需求，把我方优势写进客户的需求与评标标准。",
        [
            (ACTIVITY, "技术交流或现场拜访", ActivityKind.VISIT),
            (CHECK, "解决方案已与客户确认", ""),
            (DOCUMENT, "解决方案建议书已上传", ""),
            (FIELD, "竞争对手已识别", RequirableField.COMPETITORS),
        ],
    ),
    (
        "投标 (ATB)",
        60,
        False,
        "组织标书的商务、技术、交付章节，投标决策（ATB）通过后按时递交。",
        [
            (FIELD, "FR 已指定", RequirableField.FR),
            (REVIEW, "投标决策（ATB）通过", ReviewType.ATB),
            (CHECK, "标书已按时递交", ""),
        ],
    ),
    (
        "谈判",
        80,
        False,
        "在授权范围内谈判价格与付款条件；超出授权的折扣逐级审批。",
        [(CHECK, "商务条款已谈妥", ""), (FIELD, "预计签约日期已填写", RequirableField.EXPECTED_CLOSE_DATE)],
    ),
    (
        "签约 (ATC)",
        90,
        True,
        "签约决策（ATC）通过后签署合同，交接给交付团队（FR）。",
        [(REVIEW, "签约决策（ATC）通过", ReviewType.ATC), (CHECK, "合同已签署", "")],
    ),
]
PRODUCT_STAGES = [
    ("需求确认", 20, False, "确认型号、数量和交付时间。", [(CHECK, "需求清单已确认", "")]),
    ("报价", 50, False, "按价格手册报价，必要时申请折扣。", [(CHECK, "报价已发送", "")]),
    ("谈判", 75, False, "确认价格与付款方式。", [(CHECK, "客户口头确认", "")]),
]


# The forecast category a deal takes on entering the stage (the other open stages: pipeline).
STAGE_FORECAST = {
    "投标 (ATB)": ForecastCategory.BEST_CASE,
    "报价": ForecastCategory.BEST_CASE,
    "谈判": ForecastCategory.COMMIT,
    "签约 (ATC)": ForecastCategory.COMMIT,
}


def short_name(company: str) -> str:
    """A company's name without its legal form (杭州云帆数据科技有限公司 → 杭州云帆数据科技), as deals are named."""
    return re.sub(r"(股份)?有限(责任)?公司$", "", company) or company


def _pipeline(name: str, order: int, description: str, stages: list[tuple]) -> Pipeline:  # type: ignore[type-arg]
    pipeline, created = Pipeline.objects.get_or_create(name=name, defaults={"order": order, "description": description})
    if not created:
        return pipeline
    for index, (stage_name, probability, needs_fr, guidance, requirements) in enumerate(stages, start=1):
        stage = Stage.objects.create(
            pipeline=pipeline,
            order=index * 10,
            name=stage_name,
            probability=probability,
            needs_fr=needs_fr,
            guidance=guidance,
            forecast_category=STAGE_FORECAST.get(stage_name, ForecastCategory.PIPELINE),
        )
        for position, (kind, label, extra) in enumerate(requirements):
            StageRequirement.objects.create(
                stage=stage,
                order=position,
                kind=kind,
                label=label,
                activity_kind=extra if kind == ACTIVITY else "",
                field_name=extra if kind == FIELD else "",
                review_type=extra if kind == REVIEW else "",
            )
    Stage.objects.create(
        pipeline=pipeline,
        order=900,
        name="赢单",
        category=StageCategory.WON,
        probability=100,
        forecast_category=ForecastCategory.CLOSED,
    )
    Stage.objects.create(
        pipeline=pipeline,
        order=910,
        name="输单",
        category=StageCategory.LOST,
        probability=0,
        forecast_category=ForecastCategory.OMITTED,
    )
    return pipeline


# (subject, role, up to CNY; None = no limit): managers decide smaller deals, executives any.
AUTHORITY = [
    (AuthoritySubject.REVIEW_ATI, RoleCode.SALES_MANAGER, Decimal("5000000")),
    (AuthoritySubject.REVIEW_ATB, RoleCode.SALES_MANAGER, Decimal("3000000")),
    (AuthoritySubject.REVIEW_ATC, RoleCode.SALES_MANAGER, Decimal("2000000")),
    (AuthoritySubject.REVIEW_ATI, RoleCode.EXECUTIVE, None),
    (AuthoritySubject.REVIEW_ATB, RoleCode.EXECUTIVE, None),
    (AuthoritySubject.REVIEW_ATC, RoleCode.EXECUTIVE, None),
]


def seed_authority() -> None:
    for subject, role, limit in AUTHORITY:
        Authority.objects.get_or_create(
            subject=subject, role=Role.objects.get(code=role), defaults={"max_amount": limit}
        )


def seed_pipelines() -> tuple[Pipeline, Pipeline]:
    """The two pipelines. In the project pipeline quotes go out only after the ATI (from the
    stage after 立项), and signing the contract ticks "合同已签署" of the 签约 stage."""
    project = _pipeline("项目销售", 1, "大项目：经过立项、投标、签约三个决策评审点。", PROJECT_STAGES)
    product = _pipeline("产品销售", 2, "标准产品的快速销售流程。", PRODUCT_STAGES)
    if project.quote_from_stage_id is None:
        ati = project.stages.get(name="立项 (ATI)")
        project.quote_from_stage = next(s for s in project.open_stages() if s.order > ati.order)
        project.contract_signed_requirement = StageRequirement.objects.filter(
            stage__pipeline=project, label="合同已签署"
        ).first()
        project.save(update_fields=["quote_from_stage", "contract_signed_requirement"])
    return project, product


def work_through(deal: Opportunity, until: int, users: dict[str, User]) -> None:
    """Do the checklists of the stages before `until` and move the deal there, as its AR would."""
    for stage in deal.pipeline.open_stages():
        if stage.order < deal.stage.order:
            continue
        if stage.order >= until:
            break
        do_checklist(deal, stage, users)
        following = services.next_stage(deal)
        if following is None or following.order > until:
            break
        services.opportunity_advance(
            actor=deal.owner, opportunity=deal, expected_version=deal.version, to_stage=following
        )


def do_checklist(deal: Opportunity, stage: Stage, users: dict[str, User]) -> None:
    """Do what a stage's checklist asks of the deal (reviews passed, documents, ticks, activities,
    fields), as its AR and iron triangle would."""
    ar = deal.owner
    order: dict[str, int] = {FIELD: 0, ACTIVITY: 1, CHECK: 2, DOCUMENT: 2, REVIEW: 3}
    for item in sorted(services.checklist(deal, stage), key=lambda i: order[i.requirement.kind]):
        requirement = item.requirement
        if item.done:
            continue
        if requirement.kind == REVIEW:
            _pass_review(deal, requirement.review_type)
        elif requirement.kind == DOCUMENT:
            upload = SimpleUploadedFile(f"{requirement.label}.pdf", b"%PDF-1.4\n% demo\n")
            services.opportunity_document_add(actor=ar, opportunity=deal, upload=upload, requirement=requirement)
        elif requirement.kind == CHECK:
            services.opportunity_check(actor=ar, opportunity=deal, requirement=requirement, done=True)
        elif requirement.kind == ACTIVITY:
            services.opportunity_activity_log(
                actor=ar, opportunity=deal, kind=requirement.activity_kind, title=requirement.label, done=True
            )
        else:
            values: dict[str, object] = {
                RequirableField.SR: users["chen"],
                RequirableField.FR: users["yang"],
                RequirableField.COMPETITORS: "竞争对手甲；竞争对手乙",
                RequirableField.EXPECTED_CLOSE_DATE: (timezone.now() + timedelta(days=45)).date(),
            }
            if requirement.field_name in values:
                services.opportunity_update(
                    actor=ar,
                    opportunity=deal,
                    data={requirement.field_name: values[requirement.field_name]},
                    expected_version=deal.version,
                )


def ready_for(deal: Opportunity, target: Stage, users: dict[str, User]) -> None:
    """Work the deal up to the stage before `target` and do that stage's checklist too, so a
    later stage's move to `target` (a quote accepted) passes the gate."""
    before = [s for s in deal.pipeline.open_stages() if s.order < target.order]
    if not before or deal.stage.order >= target.order:
        return
    work_through(deal, before[-1].order, users)
    do_checklist(deal, deal.stage, users)


def _pass_review(deal: Opportunity, review_type: str, *, decide: bool = True) -> DecisionReview:
    """Open a review, let each named member of the iron triangle assess, and let the decider say Go."""
    review = services.review_open(actor=deal.owner, opportunity=deal, review_type=review_type)
    for role, member in (("ar", deal.owner), ("sr", deal.sr), ("fr", deal.fr)):
        if member is not None:
            scores = {code: 4 for code, _label in CRITERIA[role]}
            services.review_assess(actor=member, review=review, role=role, scores=scores, comments="评估通过。")
    if decide and review.decider is not None:
        services.review_decide(actor=review.decider, review=review, decision=Decision.GO, note="同意。")
    return review


def seed_deals(users: dict[str, User], rng: random.Random) -> None:
    """Demo deals at every stage of the project pipeline, plus won and lost ones."""
    if Opportunity.objects.exists():
        return
    seed_authority()
    project, product = seed_pipelines()
    stages = project.open_stages()
    accounts = list(Account.objects.select_related("owner").prefetch_related("contacts").order_by("id"))
    for index, account in enumerate(accounts):
        owner = account.owner
        if not owner.has_role("ar"):
            continue
        pipeline = project if index % 4 else product
        deal = services.opportunity_create(
            actor=owner,
            data={
                "name": f"{short_name(account.name)} · {rng.choice(['智能工厂', '数据中心', '云平台', '安全升级', '运维外包'])}项目",
                "account": account,
                "pipeline": pipeline,
                "amount": Decimal(rng.randint(20, 800) * 10000),
                "expected_close_date": (timezone.now() + timedelta(days=rng.randint(20, 200))).date(),
                "sponsor": users["li"] if owner.team_id == users["li"].team_id else users["zhao"],
                "contacts": list(account.contacts.all()[:2]),
            },
        )
        chain = [
            ("decision_maker", "supporter", "high"),
            ("technical", "opponent", "high"),
            ("coach", "supporter", "low"),
        ]
        for contact, (role, attitude, influence) in zip(account.contacts.all(), chain[: 1 + index % 3], strict=False):
            services.stakeholder_set(
                actor=owner,
                opportunity=deal,
                contact=contact,
                data={
                    "role": role,
                    "attitude": attitude if index % 2 else "neutral",
                    "influence": influence,
                    "relationship": 2 + index % 3,
                    "last_contact_on": timezone.localdate() - timedelta(days=rng.randint(1, 60)),
                },
            )
        if pipeline == project:
            target = stages[index % len(stages)].order
            work_through(deal, target, users)
        if index % 9 == 5:
            work_through(deal, 10_000, users)
            services.opportunity_win(
                actor=owner, opportunity=deal, expected_version=deal.version, reason=WinReason.SOLUTION
            )
        elif index == 6:
            # Too large for the AR's manager: the ATI review goes up to the general manager.
            services.opportunity_update(
                actor=owner, opportunity=deal, data={"amount": Decimal("6800000")}, expected_version=deal.version
            )
            _pass_review(deal, ReviewType.ATI, decide=False)
        elif index % 9 == 7:
            services.opportunity_lose(
                actor=owner,
                opportunity=deal,
                expected_version=deal.version,
                reason=LossReason.COMPETITOR,
                competitor="竞争对手甲",
            )
    _seed_bids(users)


def _seed_bids(users: dict[str, User]) -> None:
    """A bid in preparation on each open deal at the bid stage: sections, a document checklist."""
    now = timezone.now()
    for index, deal in enumerate(Opportunity.objects.filter(status="open", stage__name__startswith="投标")):
        bid = services.bid_create(
            actor=deal.owner,
            opportunity=deal,
            data={
                "tender_number": f"ZB-2026-{118 + index:03d}",
                "issuer": f"{deal.account.name[:6]}采购中心",
                "submission_deadline": now + timedelta(days=10 + index),
                "submission_method": "portal",
            },
        )
        for kind, owner, days in (
            ("commercial", deal.owner, 6),
            ("technical", users["chen"], 7),
            ("delivery", users["yang"], 8),
        ):
            services.bid_section_set(
                actor=deal.owner, bid=bid, kind=kind, owner=owner, due_at=now + timedelta(days=days)
            )
        for title in ("投标函", "营业执照副本", "技术方案", "报价一览表"):
            services.bid_document_add(actor=deal.owner, bid=bid, title=title)
