"""The preview gallery in Chromium: cards styled and illustrated offline, the switches work."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cardcheck import ARTIFACTS
from generator.mathjax import COPIED_SCRIPT
from generator.preview import DESKTOP, PHONE, preview, write_preview

pytestmark = pytest.mark.browser

FRAMES_JS = """() => [...document.querySelectorAll(".entry:not([hidden]) iframe")].map(f => {
  const d = f.contentDocument, img = d.querySelector("img");
  return {width: f.getBoundingClientRect().width, height: f.getBoundingClientRect().height,
          html: d.documentElement.className, body: d.body.className,
          background: getComputedStyle(d.body).backgroundColor, font: getComputedStyle(d.body).fontSize,
          image: img ? img.complete && img.naturalWidth > 0 : null,
          scripts: d.scripts.length, contentHeight: d.documentElement.scrollHeight,
          sandbox: f.getAttribute("sandbox")};
})"""


def test_gallery_switches_width_theme_and_filters(browser: Any, mini_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "preview"
    result = preview(mini_data)
    write_preview(result, out)
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto((out / "index.html").as_uri())
    page.wait_for_function("() => document.querySelector('iframe')")
    assert page.evaluate("() => document.querySelectorAll('div.frame').length") > 0  # made when near
    while page.evaluate("() => document.querySelectorAll('div.frame').length"):
        page.mouse.wheel(0, 2000)
        page.wait_for_timeout(50)
    page.wait_for_function("() => [...document.querySelectorAll('iframe')].every(f => "
                           "f.contentDocument.readyState === 'complete' && f.contentDocument.querySelector('#qa'))")
    frames = page.evaluate(FRAMES_JS)
    assert len(frames) == 2 * len(result.cards)
    assert all(f["width"] == PHONE.width + 2 and f["html"] == PHONE.html_class for f in frames)  # +2: border
    assert all(f["font"] == "18px" and f["background"] == "rgb(255, 255, 255)" for f in frames)
    assert all(f["height"] >= f["contentHeight"] for f in frames)  # sized to the card, no inner scroll
    assert all(f["sandbox"] == "allow-same-origin" for f in frames)  # no script can run in a card
    assert any(f["image"] for f in frames) and all(f["image"] in (True, None) for f in frames)
    assert not any(f["scripts"] for f in frames)

    page.check("input[value=night]")
    page.check(f"input[value={DESKTOP.name}]")
    frames = page.evaluate(FRAMES_JS)
    assert all(f["width"] == DESKTOP.width + 2 and f["html"] == DESKTOP.html_class for f in frames)
    assert all(f["body"].endswith(DESKTOP.night_class) and f["background"] == "rgb(30, 30, 30)" for f in frames)

    page.select_option("select[name=topic]", "Beta 二")
    shown = page.evaluate(FRAMES_JS)
    beta = [c for c in result.cards if c.topic == "Beta 二"]
    assert len(shown) == 2 * len(beta) and page.text_content("#shown") == f"{len(beta)} shown"
    page.select_option("select[name=topic]", "")
    page.select_option("select[name=tag]", "advice")
    assert len(page.evaluate(FRAMES_JS)) == 2 * len([c for c in result.cards if "advice" in c.tags])
    assert all(url.startswith(("file://", "about:")) for url in requests), "the gallery must work offline"
    page.close()


MATH_JS = """() => [...document.querySelectorAll("iframe")].map(f => {
  const d = f.contentDocument;
  return {typeset: d.body.dataset.typeset || "", containers: d.querySelectorAll("mjx-container").length,
          source: /\\\\[(\\[]/.test(d.body.textContent),
          glyph: [...d.querySelectorAll("mjx-c")].every(c => getComputedStyle(c, "::before").content !== "none"),
          errors: d.querySelectorAll("mjx-merror").length,
          fonts: [...d.fonts].filter(f => f.family.startsWith("MJX") && f.status === "loaded").length};
})"""


def test_gallery_typesets_math_with_ankis_mathjax(browser: Any, anki_mathjax: Any, mini_data: Path,
                                                  tmp_path: Path) -> None:
    out = tmp_path / "preview"
    write_preview(preview(mini_data), out)
    html = (out / "index.html").read_text(encoding="utf-8")
    assert f"<script src=\"{COPIED_SCRIPT}\">" in html and "Math typeset by Anki's own MathJax" in html
    assert (out / COPIED_SCRIPT).read_bytes() == anki_mathjax.script.read_bytes()  # the gallery carries its copy
    page = browser.new_page(viewport={"width": PHONE.width, "height": PHONE.height})
    page.goto((out / "index.html").as_uri())
    while page.evaluate("() => document.querySelectorAll('div.frame').length"):
        page.mouse.wheel(0, 2000)
        page.wait_for_timeout(50)
    page.wait_for_function("() => [...document.querySelectorAll('iframe')].every(f => f.contentDocument"
                           " && f.contentDocument.body && ['done', ''].includes(f.contentDocument.body.dataset.typeset || 'x')"
                           " && f.contentDocument.body.dataset.typeset === 'done')")
    frames = page.evaluate(MATH_JS)
    assert all(f["typeset"] == "done" for f in frames)
    with_math = [f for f in frames if f["containers"]]
    assert with_math and all(f["glyph"] and f["fonts"] and not f["errors"] for f in with_math)
    assert not any(f["source"] for f in frames), "math left as TeX source"
    # a phone: the header is short and not sticky, no frame wider than the screen
    header = page.evaluate("() => { const h = document.querySelector('header'); return "
                           "{height: h.getBoundingClientRect().height, position: getComputedStyle(h).position}; }")
    assert header["position"] == "static" and header["height"] < PHONE.height / 2
    assert page.evaluate("() => document.scrollingElement.scrollWidth") <= PHONE.width
    ARTIFACTS.mkdir(exist_ok=True)
    page.evaluate("() => window.scrollTo(0, 0)")
    page.screenshot(path=str(ARTIFACTS / "preview-phone.png"))
    page.close()
