"""Browser journey (headless Chromium): an administrator downloads the configuration, uploads an
edited copy, reads the preview (a changed probability, a new scoring rule) and applies it."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from ltc.core.tests.browser import sign_in
from ltc.leads.models import ScoringRule
from ltc.opportunities.models import Stage
from ltc.opportunities.tests.factories import make_pipeline

pytestmark = [pytest.mark.browser]


@pytest.mark.django_db(transaction=True)
def test_an_administrator_moves_a_configuration(world: Any, page: Any, tmp_path: Path) -> None:
    pipeline = make_pipeline()
    sign_in(page, "admin")
    page.goto(f"{page.base_url}/process/transfer/")

    with page.expect_download() as download:
        page.click("#transfer-download")
    document = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    document["pipelines"][0]["stages"][0]["probability"] = 15
    document["scoring_rules"].append(
        {"name": "行业：能源", "criterion": "industry_is", "value": "energy", "points": 15}
    )
    edited = tmp_path / "configuration.json"
    edited.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")

    page.set_input_files("#id_file", str(edited))
    page.click("#transfer-upload button[type=submit]")
    expect(page.locator("#transfer-plan")).to_contain_text("项目销售 › 确认")
    expect(page.locator("#transfer-plan")).to_contain_text("1 to create")
    expect(page.locator("#transfer-plan")).to_contain_text("1 to change")
    if os.environ.get("LTC_SCREENSHOTS"):
        page.screenshot(path=os.environ["LTC_SCREENSHOTS"], full_page=True)
    assert ScoringRule.objects.count() == 0

    page.click("#transfer-apply button")

    expect(page.locator(".alert-success, .alert")).to_contain_text("Configuration imported: 1 created, 1 updated")
    assert Stage.objects.get(pipeline=pipeline, name="确认").probability == 15
    assert ScoringRule.objects.get().name == "行业：能源"
