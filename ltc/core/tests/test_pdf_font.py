"""Chinese PDFs print with the project's own font (installed by `make setup`), not whatever CJK
font the server happens to have: with every system font hidden from fontconfig, a quote's PDF
still embeds the font and its text extracts as Chinese."""

from __future__ import annotations

import io
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from pypdf import PdfReader

from ltc.catalog.tests.factories import Catalog
from ltc.core.pdf import FONT_FACES, FONTS_DIR, font_face_css
from ltc.quotes.documents import render_html
from ltc.quotes.models import Quote
from ltc.quotes.tests.factories import make_quote

NO_SYSTEM_FONTS = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">
<fontconfig><cachedir>{cache}</cachedir></fontconfig>
"""
RENDER = "import sys; from ltc.core.pdf import html_to_pdf; sys.stdout.buffer.write(html_to_pdf(sys.stdin.read()))"


def _fonts_of(pdf: bytes) -> set[str]:
    names = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            names.add(str(font.get_object()["/BaseFont"]))
    return names


def test_the_font_is_installed_by_set_up():
    for name, _weight in FONT_FACES:
        assert (FONTS_DIR / name).stat().st_size > 1_000_000, f"{name}: run `make setup`"
    assert font_face_css().count("@font-face") == len(FONT_FACES)


def test_a_chinese_quote_pdf_prints_with_the_project_font_when_the_system_has_none(world: Any, tmp_path: Path) -> None:
    catalog = Catalog()
    quote = make_quote(world, catalog)
    from ltc.quotes import services

    services.quote_version_update(
        actor=world.owner, quote=quote, expected_version=quote.version, data={"lines": [catalog.bundle_line()]}
    )
    html = render_html(Quote.objects.get(pk=quote.pk).current, for_pdf=True)
    config = tmp_path / "fonts.conf"
    config.write_text(NO_SYSTEM_FONTS.format(cache=tmp_path / "cache"))
    listed = subprocess.run(  # noqa: S603 - fc-list with our own config
        ["fc-list"],  # noqa: S607
        env={"FONTCONFIG_FILE": str(config), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert listed.stdout.strip() == ""  # fontconfig really sees no font of the system

    started = time.perf_counter()
    pdf = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-c", RENDER],
        input=html.encode(),
        env={"FONTCONFIG_FILE": str(config), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        capture_output=True,
        check=True,
    ).stdout
    seconds = time.perf_counter() - started

    assert {name.split("+", 1)[-1] for name in _fonts_of(pdf)} <= {"LTC-Sans-SC", "LTC-Sans-SC-Bold"}
    assert "LTC-Sans-SC" in {name.split("+", 1)[-1] for name in _fonts_of(pdf)}
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    squeezed = text.replace(" ", "").replace("\n", "")
    assert "智能工厂MES套件" in squeezed
    assert "锦程智能制造有限公司" in squeezed
    assert "壹拾万壹仟柒佰元整" in squeezed
    assert seconds < 20  # a fresh interpreter: imports, font loading and layout
