"""PDF documents (quotes, invoices, the demo's scans): HTML laid out by WeasyPrint with the
project's own CJK font, so Chinese prints the same on every server.

The font (Noto Sans SC, SIL OFL) comes with set-up: `make setup` runs scripts/vendor.sh, which
copies it from the pinned npm package into ltc/fonts/. Documents name the family FONT_FAMILY
first; the system's CJK fonts stay in their font-family lists only as a fallback."""

from __future__ import annotations

import gc
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

logger = logging.getLogger(__name__)

FONTS_DIR = Path(__file__).resolve().parent.parent / "fonts"
FONT_FAMILY = "LTC Sans SC"
FONT_FACES = (("NotoSansSC-Regular.ttf", 400), ("NotoSansSC-Bold.ttf", 700))

_local = threading.local()


def font_face_css(fonts_dir: Path = FONTS_DIR) -> str:
    """@font-face rules for the installed font files (none, with a warning, before set-up)."""
    rules = []
    for name, weight in FONT_FACES:
        path = fonts_dir / name
        if path.is_file():
            rules.append(
                f'@font-face {{ font-family: "{FONT_FAMILY}"; src: url("{path.as_uri()}"); font-weight: {weight}; }}'
            )
        else:
            logger.warning("PDF font %s is missing: run `make setup`; Chinese may print as empty boxes", path)
    return "\n".join(rules)


def _thread_fonts() -> tuple[FontConfiguration, CSS]:
    """One font configuration per thread: loading the fonts is paid once, not per document
    (WeasyPrint keeps each @font-face it loaded); threads never share one."""
    fonts = getattr(_local, "fonts", None)
    if fonts is None:
        config = FontConfiguration()
        fonts = _local.fonts = (config, CSS(string=font_face_css(), font_config=config))
    return fonts


@contextmanager
def _few_collections() -> Iterator[None]:
    """Layout allocates hundreds of thousands of short-lived objects: with the default
    thresholds the garbage collector runs ~300 times per long quote (~15% of the time)."""
    thresholds = gc.get_threshold()
    gc.set_threshold(max(thresholds[0], 50_000), 50, 50)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)


def html_to_pdf(html: str) -> bytes:
    """The PDF of an HTML document, with the project's font available as FONT_FAMILY."""
    config, fonts = _thread_fonts()
    with _few_collections():
        return HTML(string=html).write_pdf(stylesheets=[fonts], font_config=config)  # type: ignore[no-any-return]
