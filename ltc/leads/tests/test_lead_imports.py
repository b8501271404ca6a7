import csv
import io
import zipfile

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from openpyxl import Workbook

from ltc.core.models import TimelineEvent
from ltc.leads import services
from ltc.leads.models import Lead, LeadImport, LeadImportTemplate
from ltc.leads.services.imports import MAX_UPLOAD_BYTES

HEADER = "公司名称,联系人,手机,邮箱,区域,行业,预算,需求\n"
GOOD = [
    "嘉兴智造装备有限公司,钱峰,13800138001,qf@jx.cn,华东,制造业,120万,产线联网\n",
    '天津港航物流有限公司,冯丽,13800138002,fl@tj.cn,North China,transport,"￥3,500,000",堆场调度\n',
    "青岛海润食品有限公司,许静,,xj@qd.cn,华北,零售与消费,,质量追溯\n",
]
BAD = [
    ",,,,,,,\n",  # no company, no contact
    "坏数据有限公司,张三,12345,zs@x.cn,华东,制造业,,\n",  # bad mobile
    "火星公司,李四,,ls@x.cn,火星,制造业,,\n",  # unknown region
    "负预算公司,王五,,ww@x.cn,华东,制造业,-5,\n",  # negative budget
]
MAPPING = {
    "公司名称": "company_name",
    "联系人": "contact_name",
    "手机": "mobile",
    "邮箱": "email",
    "区域": "region",
    "行业": "industry",
    "预算": "budget_amount",
    "需求": "need",
}


def _upload(actor, text, encoding="gbk", name="leads.csv"):
    return services.lead_import_upload(actor=actor, name=name, data=text.encode(encoding))


def _run(actor, batch, policy="skip", mapping=MAPPING):
    services.lead_import_start(actor=actor, batch=batch, mapping=mapping, duplicate_policy=policy)
    return LeadImport.objects.get(pk=batch.pk)


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    """Run the enqueued import (tasks run inline in tests) when the transaction commits."""
    return django_capture_on_commit_callbacks


def test_a_gbk_csv_with_bad_rows_imports_the_good_ones_and_explains_the_rest(world, run_on_commit):
    batch = _upload(world.marketing, HEADER + "".join(GOOD + BAD))
    assert batch.encoding == "gbk/gb18030"
    assert batch.mapping == MAPPING  # suggested from the Chinese headers
    with run_on_commit(execute=True):
        _run(world.marketing, batch)
    batch.refresh_from_db()
    assert (batch.status, batch.total_rows, batch.created_count, batch.rejected_count) == ("done", 7, 3, 4)
    leads = {lead.company_name: lead for lead in Lead.objects.filter(import_batch=batch)}
    assert leads["嘉兴智造装备有限公司"].budget_amount == 1200000
    assert leads["天津港航物流有限公司"].region == "north"
    assert leads["天津港航物流有限公司"].budget_amount == 3500000
    assert leads["青岛海润食品有限公司"].industry == "retail"
    assert all(lead.source == "import" for lead in leads.values())
    assert TimelineEvent.objects.filter(object_id__in=[x.pk for x in leads.values()], kind="created").count() == 3
    with open(batch.rejected_path, encoding="utf-8-sig") as handle:
        rejected = list(csv.reader(handle))
    assert rejected[0][0] == "line"
    assert [row[0] for row in rejected[1:]] == ["5", "6", "7", "8"]
    assert "company or a contact name" in rejected[1][-1]
    assert "mobile" in rejected[2][-1]
    assert "火星" in rejected[3][-1]
    assert "budget" in rejected[4][-1]


def test_the_mapping_is_remembered_in_the_template_the_user_saves(world, run_on_commit):
    custom = {"公司名称": "company_name", "联系人": "contact_name", "邮箱": "email", "需求": "notes"}
    with run_on_commit(execute=True):
        services.lead_import_start(
            actor=world.marketing,
            batch=_upload(world.marketing, HEADER + GOOD[0]),
            mapping=custom,
            duplicate_policy="skip",
            template_name="需求作备注",
        )
    template = LeadImportTemplate.objects.get()
    assert _upload(world.marketing, HEADER + GOOD[1]).mapping == MAPPING  # not applied unasked
    again = services.lead_import_upload(
        actor=world.marketing, name="leads.csv", data=(HEADER + GOOD[1]).encode("gbk"), template_id=template.pk
    )
    assert again.mapping == custom


@pytest.mark.parametrize(
    ("policy", "created", "updated", "skipped"), [("skip", 0, 0, 1), ("update", 0, 1, 0), ("create", 1, 0, 0)]
)
def test_duplicate_policies(world, run_on_commit, policy, created, updated, skipped):
    existing = services.lead_create(
        actor=world.marketing, data={"source": "website", "company_name": "旧名称", "email": "qf@jx.cn"}
    )
    with run_on_commit(execute=True):
        batch = _run(world.marketing, _upload(world.marketing, HEADER + GOOD[0]), policy=policy)
    batch.refresh_from_db()
    assert (batch.created_count, batch.updated_count, batch.skipped_count) == (created, updated, skipped)
    existing.refresh_from_db()
    assert existing.company_name == ("嘉兴智造装备有限公司" if policy == "update" else "旧名称")


def test_rows_duplicating_each_other_in_one_file_are_caught(world, run_on_commit):
    with run_on_commit(execute=True):
        batch = _run(world.marketing, _upload(world.marketing, HEADER + GOOD[0] + GOOD[0]))
    batch.refresh_from_db()
    assert (batch.created_count, batch.skipped_count) == (1, 1)


def test_undo_removes_created_leads_and_restores_updated_ones(world, run_on_commit):
    existing = services.lead_create(
        actor=world.marketing, data={"source": "website", "company_name": "旧名称", "email": "fl@tj.cn"}
    )
    with run_on_commit(execute=True):
        batch = _run(world.marketing, _upload(world.marketing, HEADER + GOOD[0] + GOOD[1]), policy="update")
    batch.refresh_from_db()
    created = list(Lead.objects.filter(import_batch=batch).values_list("pk", flat=True))
    assert len(created) == 1
    result = services.lead_import_undo(actor=world.marketing, batch=batch)
    assert result == {"deleted": 1, "kept": 0, "restored": 1}
    assert not Lead.objects.filter(pk__in=created).exists()
    existing.refresh_from_db()
    assert existing.company_name == "旧名称"
    assert TimelineEvent.objects.filter(object_id=created[0], kind="deleted").exists()
    with pytest.raises(ValidationError):
        services.lead_import_undo(actor=world.marketing, batch=LeadImport.objects.get(pk=batch.pk))


def test_an_xlsx_file_imports_too(world, run_on_commit):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Company", "Contact", "Mobile", "Email"])
    sheet.append(["Acme Robotics Co., Ltd.", "Li Lei", 13800138009, "lilei@acme.cn"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    batch = services.lead_import_upload(actor=world.marketing, name="leads.xlsx", data=buffer.getvalue())
    assert batch.mapping == {"Company": "company_name", "Contact": "contact_name", "Mobile": "mobile", "Email": "email"}
    with run_on_commit(execute=True):
        _run(world.marketing, batch, mapping=batch.mapping)
    lead = Lead.objects.get(import_batch=batch)
    assert (lead.mobile, lead.company_key) == ("13800138009", "acmerobotics")


def _zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", "0" * (50 * 1024 * 1024))
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("big.csv", b"a" * (MAX_UPLOAD_BYTES + 1), "larger than"),
        ("leads.pdf", b"%PDF-1.4", "Upload a .csv or .xlsx file"),
        ("fake.xlsx", b"not a zip at all", "Upload a .csv or .xlsx file"),
        ("bomb.xlsx", None, "unsafe size"),
        ("empty.csv", b"", "empty"),
        ("latin.csv", bytes([0xFF, 0xFE, 0xFA, 0x80, 0x81]) * 10, "neither UTF-8 nor GBK"),
    ],
)
def test_bad_files_are_refused_and_nothing_is_stored(world, name, data, message):
    with pytest.raises(ValidationError) as excinfo:
        services.lead_import_upload(actor=world.marketing, name=name, data=_zip_bomb() if data is None else data)
    assert message in " ".join(excinfo.value.messages)
    assert not LeadImport.objects.exists()


def test_a_mapping_must_name_a_company_or_contact_and_known_fields(world):
    batch = _upload(world.marketing, HEADER + GOOD[0])
    for mapping in ({"邮箱": "email"}, {"公司名称": "company_name", "邮箱": "password"}, {"不存在": "company_name"}):
        with pytest.raises(ValidationError):
            services.lead_import_preview(batch=batch, mapping=mapping)


def test_preview_shows_row_errors_and_duplicates(world):
    services.lead_create(actor=world.marketing, data={"source": "website", "company_name": "x", "email": "qf@jx.cn"})
    batch = _upload(world.marketing, HEADER + GOOD[0] + BAD[1])
    rows = services.lead_import_preview(batch=batch, mapping=MAPPING)
    assert rows[0].duplicate_of is not None
    assert rows[0].errors == []
    assert rows[1].errors
    assert "mobile" in rows[1].errors[0]
    assert not Lead.objects.filter(import_batch=batch).exists()


def test_only_lead_roles_import_and_only_the_uploader_starts(world):
    with pytest.raises(PermissionDenied):
        _upload(world.finance, HEADER + GOOD[0])
    batch = _upload(world.marketing, HEADER + GOOD[0])
    with pytest.raises(PermissionDenied):
        services.lead_import_start(actor=world.owner, batch=batch, mapping=MAPPING, duplicate_policy="skip")


def test_rows_with_control_characters_are_rejected_with_the_field_named(world, run_on_commit):
    rows = (
        HEADER
        + GOOD[0]
        + "控制\x01字符有限公司,赵六,,zl@x.cn,华东,制造业,,\n"
        + "正常有限公司,孙\x1f七,,sq@x.cn,华东,制造业,,\n"
    )
    batch = _upload(world.marketing, rows, encoding="utf-8")
    with run_on_commit(execute=True):
        _run(world.marketing, batch)
    batch.refresh_from_db()
    assert (batch.status, batch.created_count, batch.rejected_count) == ("done", 1, 2)
    assert list(Lead.objects.filter(import_batch=batch).values_list("company_name", flat=True)) == [
        "嘉兴智造装备有限公司"
    ]
    with open(batch.rejected_path, encoding="utf-8-sig") as handle:
        reasons = [row[-1] for row in csv.reader(handle)][1:]
    assert reasons == [
        "company: Remove the control characters (such as NUL) from this text.",
        "contact name: Remove the control characters (such as NUL) from this text.",
    ]
