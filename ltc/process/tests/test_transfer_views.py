"""/process/transfer/: download the configuration; upload a file, preview its import, apply it."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from ltc.opportunities.models import Stage
from ltc.opportunities.tests.factories import make_pipeline
from ltc.process.transfer import configuration_export
from ltc.quotes.models import PaymentTermTemplate


def upload(document: Any) -> SimpleUploadedFile:
    text = document if isinstance(document, str) else json.dumps(document, ensure_ascii=False)
    return SimpleUploadedFile("configuration.json", text.encode("utf-8"), content_type="application/json")


def without_time(document: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in document.items() if k != "exported_at"}


def test_an_administrator_sees_download_and_upload(world: Any, web_as: Any) -> None:
    response = web_as(world.admin).get("/process/transfer/")

    assert response.status_code == 200
    assert b'id="transfer-download"' in response.content
    assert b'id="transfer-upload"' in response.content
    assert b'id="transfer-plan"' not in response.content


def test_the_page_is_for_administrators_only(world: Any, web_as: Any) -> None:
    assert web_as(world.executive).get("/process/transfer/").status_code == 403
    assert web_as(world.manager).get("/process/transfer/download/").status_code == 403
    assert web_as(world.owner).post("/process/transfer/", {"file": upload({})}).status_code == 403


def test_the_download_is_the_export_as_a_file(world: Any, web_as: Any) -> None:
    make_pipeline()

    response = web_as(world.admin).get("/process/transfer/download/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="ltc-configuration-')
    assert without_time(json.loads(response.content)) == without_time(configuration_export())


def test_an_upload_previews_the_changes_and_applying_writes_them(world: Any, web_as: Any) -> None:
    pipeline = make_pipeline()
    document = configuration_export()
    document["pipelines"][0]["stages"][0]["probability"] = 15
    document["payment_term_templates"] = [
        {
            "name": "3-6-1",
            "lines": [
                {"label": "预付款", "percent": "30", "trigger": "signing"},
                {"label": "验收款", "percent": "60", "trigger": "acceptance", "days": 30},
                {"label": "质保金", "percent": "10", "trigger": "warranty"},
            ],
        }
    ]
    world.admin.language = "zh-hans"
    world.admin.save(update_fields=["language"])
    client = web_as(world.admin)

    preview = client.post("/process/transfer/", {"file": upload(document)})

    assert preview.status_code == 200
    page = preview.content.decode()
    assert 'id="transfer-plan"' in page
    assert "项目销售 › 确认" in page
    assert '<del class="text-secondary">10</del> → 15' in page
    assert "付款条件模板" in page
    assert "新建 1 项" in page
    assert "修改 1 项" in page
    assert Stage.objects.get(pipeline=pipeline, name="确认").probability == 10
    assert PaymentTermTemplate.objects.count() == 0

    applied = client.post("/process/transfer/", {"document": preview.context["document"], "apply": "1"})

    assert applied.status_code == 302
    assert applied["Location"] == "/process/transfer/"
    assert Stage.objects.get(pipeline=pipeline, name="确认").probability == 15
    template = PaymentTermTemplate.objects.get()
    assert [(line.label, line.percent, line.trigger, line.days) for line in template.lines.all()] == [
        ("预付款", Decimal("30.00"), "signing", 0),
        ("验收款", Decimal("60.00"), "acceptance", 30),
        ("质保金", Decimal("10.00"), "warranty", 0),
    ]


def test_an_invalid_file_lists_each_problem_where_it_is_and_changes_nothing(world: Any, web_as: Any) -> None:
    make_pipeline()
    document = configuration_export()
    document["pipelines"][0]["stages"][2]["name"] = "确认"
    before = configuration_export()

    response = web_as(world.admin).post("/process/transfer/", {"file": upload(document)})

    assert response.status_code == 422
    assert response.context["errors"] == [("pipelines[0].stages[2].name", "This appears twice in the file.")]
    assert b'id="transfer-apply"' not in response.content
    assert without_time(configuration_export()) == without_time(before)


def test_a_file_that_is_not_json_is_a_form_error(world: Any, web_as: Any) -> None:
    response = web_as(world.admin).post("/process/transfer/", {"file": upload("name: 项目销售")})

    assert response.status_code == 422
    assert response.context["form"].errors == {"file": ["The file is not JSON."]}


def test_the_process_centre_links_the_page_for_administrators_only(world: Any, web_as: Any) -> None:
    assert b'href="/process/transfer/"' in web_as(world.admin).get("/process/").content
    assert b'href="/process/transfer/"' not in web_as(world.manager).get("/process/").content
