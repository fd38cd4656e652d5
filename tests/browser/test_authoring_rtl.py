"""Issue 14 §5 in a browser: fields in right-to-left scripts read right to left with the deck's CSS."""

from __future__ import annotations

from typing import Any

import pytest

from generator.templating import default_templates_dir

pytestmark = pytest.mark.browser
RTL = "مرحبا بالعالم"


def test_rtl_fields_read_right_to_left(browser: Any) -> None:
    """An Arabic or Hebrew paragraph or list item starts at the right edge, an English one at
    the left, and code stays left to right."""
    css = (default_templates_dir() / "anki" / "style.css").read_text(encoding="utf-8")
    html = (f"<html><head><style>{css}</style></head><body class='card'><div class='cs-a' style='width:320px'>"
            f"<p><span id='ar'>{RTL}</span></p><p><span id='en'>Hello world</span></p>"
            "<ul><li><span id='he'>שלום עולם</span></li></ul>"
            "<pre class='code'><code><span id='code'>x = 1</span></code></pre></div></body></html>")
    page = browser.new_page()
    try:
        page.set_content(html)
        gaps = {key: page.evaluate(
            f"(() => {{ const e = document.getElementById('{key}'), r = e.getBoundingClientRect(),"
            " p = e.closest('p, li, pre').getBoundingClientRect(); return [r.left - p.left, p.right - r.right]; })()")
            for key in ("ar", "en", "he", "code")}
    finally:
        page.close()
    for key in ("ar", "he"):
        assert gaps[key][1] < 20 < gaps[key][0], (key, gaps)  # flush right
    for key in ("en", "code"):
        assert gaps[key][0] < 20 < gaps[key][1], (key, gaps)  # flush left
