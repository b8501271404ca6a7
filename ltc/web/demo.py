"""The demo company: an organisation, users with every role, customers with contacts."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone, translation

from ltc.core import normalize
from ltc.core.bulk import bulk_insert, next_ids
from ltc.core.search import rebuild as search_rebuild
from ltc.customers import services as customer_services
from ltc.customers.models import Account, Contact
from ltc.customers.validators import CREDIT_CODE_ALPHABET, credit_code_check_char
from ltc.leads.models import Lead
from ltc.org.choices import Industry, Region, RoleCode
from ltc.org.models import Role, Team, Territory, User
from ltc.process.steps import step_visits_rebuild
from ltc.web.demo_billing import seed_billing
from ltc.web.demo_contracts import seed_contracts
from ltc.web.demo_deals import seed_deals
from ltc.web.demo_history import backdate_history
from ltc.web.demo_marketing import seed_marketing
from ltc.web.demo_process import seed_process
from ltc.web.demo_quotes import seed_quotes
from ltc.web.demo_service import seed_service
from ltc.web.demo_workspace import seed_workspace

DEMO_PASSWORD = "ltc-demo-2026"  # noqa: S105 - published demo login


@dataclass(frozen=True)
class DemoUser:
    username: str
    display_name: str
    roles: tuple[str, ...]
    team: str | None
    language: str = "zh-hans"


TEAMS = [
    ("销售总部", None, "wang"),
    ("华东销售部", "销售总部", "li"),
    ("华北销售部", "销售总部", "zhao"),
    ("客户服务部", "销售总部", "ma"),
]
USERS = [
    DemoUser("admin", "系统管理员", (RoleCode.ADMIN,), None, "en"),
    DemoUser("wang", "王建国（总经理）", (RoleCode.EXECUTIVE,), "销售总部"),
    DemoUser("li", "李娜（华东销售经理）", (RoleCode.SALES_MANAGER, RoleCode.AR), "华东销售部"),
    DemoUser("zhao", "赵强（华北销售经理）", (RoleCode.SALES_MANAGER, RoleCode.AR), "华北销售部"),
    DemoUser("zhang", "张伟（客户经理 AR）", (RoleCode.AR,), "华东销售部"),
    DemoUser("liu", "刘洋（客户经理 AR）", (RoleCode.AR,), "华北销售部"),
    DemoUser("chen", "陈静（解决方案经理 SR）", (RoleCode.SR,), "华东销售部"),
    DemoUser("yang", "杨帆（交付经理 FR）", (RoleCode.FR, RoleCode.DELIVERY), "华东销售部"),
    DemoUser("zhou", "周敏（财务）", (RoleCode.FINANCE,), None),
    DemoUser("qian", "钱律（法务）", (RoleCode.LEGAL,), None),
    DemoUser("sun", "孙丽（市场）", (RoleCode.MARKETING,), None),
    DemoUser("emma", "Emma Clark (AR)", (RoleCode.AR,), "华东销售部", "en"),
    DemoUser("ma", "马丽（客服经理）", (RoleCode.SERVICE,), "客户服务部"),
    DemoUser("he", "何涛（客服工程师）", (RoleCode.SERVICE,), "客户服务部"),
]
TERRITORIES = [
    ("华东制造业", Region.EAST, Industry.MANUFACTURING, "华东销售部"),
    ("华东金融", Region.EAST, Industry.FINANCE, "华东销售部"),
    ("华北能源与政府", Region.NORTH, "", "华北销售部"),
]
# (name, industry, region, size, status, owner)
ACCOUNTS = [
    ("上海锦程智能制造有限公司", Industry.MANUFACTURING, Region.EAST, "large", "customer", "zhang"),
    ("苏州恒远精密机械股份有限公司", Industry.MANUFACTURING, Region.EAST, "medium", "prospect", "zhang"),
    ("杭州云帆数据科技有限公司", Industry.INTERNET, Region.EAST, "medium", "customer", "zhang"),
    ("宁波港联物流集团有限公司", Industry.TRANSPORT, Region.EAST, "enterprise", "prospect", "li"),
    ("南京新城商业银行股份有限公司", Industry.FINANCE, Region.EAST, "enterprise", "customer", "li"),
    ("无锡华芯半导体有限公司", Industry.MANUFACTURING, Region.EAST, "large", "prospect", "emma"),
    ("合肥瑞康医疗器械有限公司", Industry.HEALTHCARE, Region.EAST, "medium", "prospect", "emma"),
    ("北京华电能源科技有限公司", Industry.ENERGY, Region.NORTH, "enterprise", "customer", "liu"),
    ("天津滨海智慧城市投资有限公司", Industry.GOVERNMENT, Region.NORTH, "large", "prospect", "liu"),
    ("河北冀中钢铁集团有限公司", Industry.MANUFACTURING, Region.NORTH, "enterprise", "former", "liu"),
    ("北京未来教育科技有限公司", Industry.EDUCATION, Region.NORTH, "small", "prospect", "zhao"),
    ("山东鲁信通信技术有限公司", Industry.TELECOM, Region.NORTH, "large", "customer", "zhao"),
    ("广州南方电网数字科技有限公司", Industry.ENERGY, Region.SOUTH, "enterprise", "prospect", "li"),
    ("深圳前海优品零售有限公司", Industry.RETAIL, Region.SOUTH, "medium", "prospect", "zhang"),
    ("成都天府软件园发展有限公司", Industry.INTERNET, Region.SOUTHWEST, "medium", "prospect", "liu"),
    ("武汉光谷生物医药有限公司", Industry.HEALTHCARE, Region.CENTRAL, "large", "customer", "zhang"),
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "强",
    "磊",
    "洋",
    "艳",
    "勇",
    "军",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
    "丽",
    "平",
    "刚",
]
TITLES = [
    ("总经理", "总经办"),
    ("信息中心主任", "信息中心"),
    ("采购经理", "采购部"),
    ("财务总监", "财务部"),
    ("技术总监", "技术部"),
]


def credit_code(rng: random.Random) -> str:
    """A random but valid unified social credit code (category 91: enterprise)."""
    region = rng.choice(["310000", "320500", "330100", "110000", "120000", "440300", "510100", "420100"])
    org = "".join(rng.choice(CREDIT_CODE_ALPHABET) for _ in range(9))
    first17 = "91" + region + org
    return first17 + credit_code_check_char(first17)


def person_names(rng: random.Random) -> Iterator[str]:
    while True:
        yield rng.choice(SURNAMES) + rng.choice(GIVEN)


def ensure_organisation() -> dict[str, User]:
    """Create the demo teams, users and territories if missing; return users by username."""
    roles = {r.code: r for r in Role.objects.all()}
    teams: dict[str, Team] = {}
    for name, parent, _manager in TEAMS:
        teams[name], _ = Team.objects.get_or_create(name=name, defaults={"parent": teams.get(parent or "")})
    users: dict[str, User] = {}
    for spec in USERS:
        user = User.objects.filter(username=spec.username).first()
        if user is None:
            user = User.objects.create_user(
                username=spec.username,
                email=f"{spec.username}@demo.ltc.example",
                password=DEMO_PASSWORD,
                display_name=spec.display_name,
                language=spec.language,
                team=teams[spec.team] if spec.team else None,
                is_staff=spec.username == "admin",
                is_superuser=spec.username == "admin",
            )
            user.roles.set([roles[code] for code in spec.roles])
        users[spec.username] = user
    for name, _parent, manager in TEAMS:
        Team.objects.filter(pk=teams[name].pk).update(manager=users[manager])
    for name, region, industry, team in TERRITORIES:
        Territory.objects.get_or_create(
            name=name, defaults={"region": region, "industry": industry, "team": teams[team]}
        )
    return users


LEAD_SAMPLES = [
    # (company, contact, title, source, region, industry, size, need, budget, timeframe)
    (
        "嘉兴智造装备有限公司",
        "钱峰",
        "生产总监",
        "event",
        "east",
        "manufacturing",
        "medium",
        "产线设备联网，实时掌握稼动率",
        "1200000",
        "3m",
    ),
    (
        "温州瓯江电器股份有限公司",
        "林晓",
        "信息部经理",
        "website",
        "east",
        "manufacturing",
        "large",
        "ERP 与 MES 打通，减少手工报表",
        "800000",
        "6m",
    ),
    (
        "上海浦江保险经纪有限公司",
        "陆雯",
        "运营副总",
        "referral",
        "east",
        "finance",
        "medium",
        "客户服务工单系统替换",
        "500000",
        "3m",
    ),
    (
        "杭州西溪医疗科技有限公司",
        "何嘉",
        "CIO",
        "social",
        "east",
        "healthcare",
        "small",
        "医院设备远程运维平台",
        "",
        "12m",
    ),
    (
        "南通海工船舶有限公司",
        "顾强",
        "采购经理",
        "partner",
        "east",
        "manufacturing",
        "large",
        "焊接工艺数据采集",
        "2000000",
        "6m",
    ),
    (
        "北京中关村数智科技有限公司",
        "宋涛",
        "CTO",
        "website",
        "north",
        "internet",
        "small",
        "数据中台建设",
        "300000",
        "1m",
    ),
    (
        "天津港航物流有限公司",
        "冯丽",
        "信息中心主任",
        "event",
        "north",
        "transport",
        "enterprise",
        "集装箱堆场调度优化",
        "3500000",
        "6m",
    ),
    (
        "石家庄新能电力工程有限公司",
        "曹磊",
        "总工程师",
        "cold",
        "north",
        "energy",
        "medium",
        "变电站巡检机器人",
        "",
        "unknown",
    ),
    (
        "青岛海润食品有限公司",
        "许静",
        "质量经理",
        "campaign",
        "north",
        "retail",
        "medium",
        "质量追溯系统",
        "450000",
        "3m",
    ),
    (
        "大连北方重工机械有限公司",
        "邓超",
        "设备部部长",
        "employee",
        "northeast",
        "manufacturing",
        "large",
        "设备预测性维护",
        "1500000",
        "6m",
    ),
    (
        "广州珠江智慧水务有限公司",
        "梁敏",
        "副总经理",
        "website",
        "south",
        "government",
        "large",
        "管网漏损监测",
        "2600000",
        "12m",
    ),
    (
        "深圳南山云计算有限公司",
        "黄杰",
        "架构师",
        "social",
        "south",
        "internet",
        "small",
        "容器平台运维",
        "200000",
        "1m",
    ),
]


def seed_leads(users: dict[str, User], rng: random.Random) -> None:
    """Lead configuration and sample leads in every state, through the same services as the UI."""
    from datetime import timedelta
    from decimal import Decimal

    from ltc.leads import services as lead_services
    from ltc.leads.models import AssignmentRule, QualificationPolicy, ScoringRule

    QualificationPolicy.current()
    teams = {t.name: t for t in Team.objects.all()}
    AssignmentRule.objects.bulk_create(
        [
            AssignmentRule(
                order=10,
                name="华东大客户（规模大于500人）→ 李娜",
                region="east",
                company_size="large",
                strategy="user",
                assign_user=users["li"],
                first_contact_hours=8,
            ),
            AssignmentRule(
                order=20,
                name="华东 → 团队轮转",
                region="east",
                strategy="round_robin",
                assign_team=teams["华东销售部"],
                first_contact_hours=24,
            ),
            AssignmentRule(
                order=30,
                name="华北 → 最低负载",
                region="north",
                strategy="least_load",
                assign_team=teams["华北销售部"],
                first_contact_hours=24,
            ),
        ]
    )
    ScoringRule.objects.bulk_create(
        [
            ScoringRule(
                order=10, name="行业：制造业", kind="fit", criterion="industry_is", value="manufacturing", points=20
            ),
            ScoringRule(order=20, name="规模：大型企业", kind="fit", criterion="size_is", value="large", points=15),
            ScoringRule(
                order=21, name="规模：超大型企业", kind="fit", criterion="size_is", value="enterprise", points=20
            ),
            ScoringRule(
                order=30, name="预算 ≥ 100 万", kind="fit", criterion="budget_at_least", value="1000000", points=25
            ),
            ScoringRule(order=40, name="描述了需求", kind="fit", criterion="has_need", points=10),
            ScoringRule(order=50, name="客户转介绍", kind="fit", criterion="source_is", value="referral", points=10),
            ScoringRule(
                order=60,
                name="已有 2 次以上跟进",
                kind="engagement",
                criterion="activities_at_least",
                value="2",
                points=20,
            ),
        ]
    )
    lead_services.webform_create(actor=users["sun"], name="官网咨询表单", source="website", campaign="2026 官网")
    lead_services.webform_create(actor=users["sun"], name="工博会展台登记", source="event", campaign="2026 工博会")
    leads = []
    for company, contact, title, source, region, industry, size, need, budget, timeframe in LEAD_SAMPLES:
        mobile = f"13{rng.randint(0, 9)}{rng.randint(10000000, 99999999)}"
        lead = lead_services.lead_create(
            actor=users["sun"],
            data={
                "company_name": company,
                "contact_name": contact,
                "contact_title": title,
                "source": source,
                "region": region,
                "industry": industry,
                "company_size": size,
                "need": need,
                "mobile": mobile,
                "email": f"{mobile}@example.cn",
                "budget_amount": Decimal(budget) if budget else None,
                "timeframe": timeframe,
            },
        )
        leads.append(lead)
    now = timezone.now()
    for index, lead in enumerate(leads[:8]):
        actor = lead.owner or users["li"]
        if lead.owner is None:
            lead = lead_services.lead_assign(actor=users["li"], lead=lead, owner=users["zhang"])
            actor = users["zhang"]
        lead_services.lead_activity_log(
            actor=actor, lead=lead, kind="call", title="首次电话沟通", done=True, outcome="确认有需求，约下周拜访"
        )
        lead_services.lead_activity_log(
            actor=actor,
            lead=lead,
            kind="visit",
            title="上门拜访，了解需求背后的需求",
            done=False,
            due_at=now + timedelta(days=index - 3),
        )
        if index < 4:
            lead.refresh_from_db()
            lead = lead_services.lead_update(
                actor=actor,
                lead=lead,
                expected_version=lead.version,
                data={"need_confirmed": True, "budget_confirmed": True, "temperature": "warm"},
            )
        if index < 2:
            lead_services.lead_qualify(actor=actor, lead=lead)
    lead_services.lead_convert(actor=leads[0].owner or users["li"], lead=Lead.objects.get(pk=leads[0].pk))
    lead_services.lead_disqualify(actor=users["sun"], lead=Lead.objects.get(pk=leads[7].pk), reason="no_budget")


def seed_demo(*, rng_seed: int = 2026) -> bool:
    """Seed the demo company once; returns False when it was already there.

    The demo company works in Chinese: service messages written to timelines (notes, activity
    lines) are stored in Chinese whatever language the seeding process runs in."""
    with translation.override("zh-hans"), transaction.atomic():
        return _seed_demo(rng_seed=rng_seed)


def _seed_demo(*, rng_seed: int) -> bool:
    users = ensure_organisation()
    if Account.objects.exists():
        return False
    rng = random.Random(rng_seed)
    names = person_names(rng)
    for index, (name, industry, region, size, status, owner) in enumerate(ACCOUNTS):
        account = customer_services.account_create(
            actor=users[owner],
            data={
                "name": name,
                "credit_code": credit_code(rng),
                "industry": industry,
                "region": region,
                "size": size,
                "status": status,
                "phone": f"0{rng.randint(10, 99)}-{rng.randint(60000000, 89999999)}",
                "address": name[:2] + "市" + rng.choice(["高新区", "经开区", "中心城区"]) + f"{rng.randint(1, 999)}号",
            },
        )
        for title, department in rng.sample(TITLES, k=2 + index % 2):
            mobile = f"13{rng.randint(0, 9)}{rng.randint(10000000, 99999999)}"
            customer_services.contact_create(
                actor=users[owner],
                data={
                    "account": account,
                    "name": next(names),
                    "title": title,
                    "department": department,
                    "mobile": mobile,
                    "email": f"{mobile}@example.cn",
                },
            )
    seed_process(users)
    seed_leads(users, rng)
    seed_deals(users, rng)
    seed_quotes(users)
    seed_contracts(users)
    seed_billing(users)
    # Weeks of history, not seconds: the records' moves spread over the past weeks, then the step
    # log replayed from that history (the map's time in step and weekly flow).
    backdate_history(rng, timezone.now())
    seed_marketing(users)  # campaigns now: their touches and journeys run from today
    seed_service(users)  # the installed base from the delivered contract, cases of every state
    seed_workspace(users)  # custom fields, attachments, notices, the bin, a delegation: now, not backdated
    step_visits_rebuild()
    search_rebuild()
    return True


ACCOUNT_BULK_FIELDS = (
    "id",
    "name",
    "name_key",
    "credit_code",
    "industry",
    "region",
    "size",
    "status",
    "owner_id",
    "website",
    "phone",
    "address",
    "description",
    "version",
    "created_at",
    "updated_at",
)
CONTACT_BULK_FIELDS = (
    "account_id",
    "name",
    "title",
    "department",
    "mobile",
    "mobile_key",
    "phone",
    "email",
    "email_key",
    "notes",
    "version",
    "created_at",
    "updated_at",
)


def seed_scale(*, scale: int, batch_size: int = 20_000, rng_seed: int = 7) -> tuple[int, int]:
    """Bulk demo data: `scale` accounts with one contact each, inserted set-based (COPY on PostgreSQL).

    Timeline events are not written for bulk rows (they are synthetic load, not business history).
    """
    users = ensure_organisation()
    owner_ids = [users[u].pk for u in ("zhang", "liu", "li", "zhao", "emma")]
    rng = random.Random(rng_seed)
    names = person_names(rng)
    regions, industries = Region.values, Industry.values
    sizes = ["micro", "small", "medium", "large", "enterprise"]
    statuses = ["prospect", "prospect", "customer", "former"]
    prefixes = ["华", "中", "新", "恒", "瑞", "博", "鼎", "汇", "联", "盛", "安", "信", "达", "永", "海", "天"]
    kinds = ["科技", "实业", "电子", "制造", "信息", "能源", "物流", "医药", "数据", "材料"]
    now = timezone.now()
    accounts_done = contacts_done = 0
    for batch_start in range(0, scale, batch_size):
        count = min(batch_size, scale - batch_start)
        with transaction.atomic():
            ids = next_ids(Account, count)
            account_rows = []
            contact_rows = []
            for account_id in ids:
                stem = f"{rng.choice(prefixes)}{rng.choice(prefixes)}{rng.choice(kinds)}（{account_id}号）"
                account_rows.append(
                    (
                        account_id,
                        stem + "有限公司",
                        normalize.company_name(stem),
                        credit_code(rng),
                        rng.choice(industries),
                        rng.choice(regions),
                        rng.choice(sizes),
                        rng.choice(statuses),
                        rng.choice(owner_ids),
                        "",
                        "",
                        "",
                        "",
                        1,
                        now,
                        now,
                    )
                )
                mobile = f"1{rng.randint(3, 9)}{rng.randint(100000000, 999999999)}"
                email = f"{mobile}@example.cn"
                contact_rows.append(
                    (account_id, next(names), "", "", mobile, mobile, "", email, email, "", 1, now, now)
                )
            accounts_done += bulk_insert(Account, ACCOUNT_BULK_FIELDS, account_rows)
            contacts_done += bulk_insert(Contact, CONTACT_BULK_FIELDS, contact_rows)
    return accounts_done, contacts_done
