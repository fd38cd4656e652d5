"""The preview gallery in Chromium: cards styled and illustrated offline, shown without script,
the switches work across pages."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from cardcheck import ARTIFACTS
from generator.mathjax import COPIED_SCRIPT
from generator.preview import DESKTOP, INDEX, PHONE, page_name, preview, write_preview

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


FITTED_JS = """() => [...document.querySelectorAll(".entry:not([hidden]) iframe")].every(f => {
  const d = f.contentDocument;
  return d && d.readyState === "complete" && d.getElementById("qa") && f.style.height
    && f.getBoundingClientRect().height >= d.documentElement.scrollHeight;
})"""


def _scroll_through(page: Any) -> None:
    """Bring every frame near the screen once (the page measures and typesets only those)."""
    page.wait_for_load_state("load")
    y = 0
    while y < page.evaluate("() => document.scrollingElement.scrollHeight"):
        page.evaluate("y => window.scrollTo(0, y)", y)
        page.wait_for_timeout(50)
        y += 1000
    page.evaluate("() => window.scrollTo(0, 0)")


def test_gallery_switches_width_theme_and_filters(browser: Any, mini_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "preview"
    result = preview(mini_data, page_cards=7)  # index.html: Alpha (6 cards); page-2.html: Beta 二 (4)
    write_preview(result, out)
    alpha = [c for c in result.cards if c.topic == "Alpha"]
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto((out / INDEX).as_uri())
    _scroll_through(page)
    page.wait_for_function(FITTED_JS)
    frames = page.evaluate(FRAMES_JS)
    assert len(frames) == 2 * len(alpha) and page.text_content("#shown") == f"{len(result.cards)} shown, 6 on this page"
    assert all(f["width"] == PHONE.width + 2 and f["html"] == PHONE.html_class for f in frames)  # +2: border
    assert all(f["font"] == "18px" and f["background"] == "rgb(255, 255, 255)" for f in frames)
    assert all(f["height"] >= f["contentHeight"] for f in frames)  # sized to the card, no inner scroll
    assert all(f["sandbox"] == "allow-same-origin" for f in frames)  # no script can run in a card
    assert all(f["image"] in (True, None) for f in frames)
    assert not any(f["scripts"] for f in frames)

    page.check("input[value=night]")
    page.check(f"input[value={DESKTOP.name}]")
    frames = page.evaluate(FRAMES_JS)
    assert all(f["width"] == DESKTOP.width + 2 and f["html"] == DESKTOP.html_class for f in frames)
    assert all(f["body"].endswith(DESKTOP.night_class) and f["background"] == "rgb(30, 30, 30)" for f in frames)

    # no Beta card on this page: the filter opens the page that has them, with the same switches
    page.select_option("select[name=topic]", "Beta 二")
    page.wait_for_url(f"**/{page_name(2)}#*")
    page.wait_for_load_state("load")
    _scroll_through(page)
    page.wait_for_function(FITTED_JS)
    shown = page.evaluate(FRAMES_JS)
    beta = [c for c in result.cards if c.topic == "Beta 二"]
    assert len(shown) == 2 * len(beta) and page.text_content("#shown") == f"{len(beta)} shown, 4 on this page"
    assert all(f["width"] == DESKTOP.width + 2 and f["body"].endswith(DESKTOP.night_class) for f in shown)
    assert any(f["image"] for f in shown) and all(f["image"] in (True, None) for f in shown)
    assert page.is_hidden("nav.pages a[data-page='1']") and page.is_visible("nav.pages a[data-page='2']")
    page.select_option("select[name=topic]", "")
    assert page.is_visible("nav.pages a[data-page='1']")
    page.select_option("select[name=tag]", "advice")  # only on the first page
    page.wait_for_url(f"**/{INDEX}#*")
    page.wait_for_load_state("load")
    advice = [c for c in result.cards if "advice" in c.tags]
    assert advice and len(page.evaluate(FRAMES_JS)) == 2 * len(advice)
    assert page.text_content("#shown") == f"{len(advice)} shown, {len(advice)} on this page"
    assert page.is_checked(f"input[value={DESKTOP.name}]") and page.is_checked("input[value=night]")
    assert all(url.startswith(("file://", "about:")) for url in requests), "the gallery must work offline"
    page.set_viewport_size({"width": PHONE.width, "height": PHONE.height})  # with the page links: still short
    header = page.evaluate("() => { const h = document.querySelector('header'); return "
                           "{height: h.getBoundingClientRect().height, position: getComputedStyle(h).position}; }")
    assert page.is_visible("nav.pages") and header["position"] == "static" and header["height"] < PHONE.height / 2
    assert page.evaluate("() => document.scrollingElement.scrollWidth") <= PHONE.width
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
    page.goto((out / INDEX).as_uri())
    _scroll_through(page)
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


class _Text(HTMLParser):
    """The text of a card side's HTML, as its document's textContent has it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _squeezed(text: str) -> str:
    return "".join(text.split())


def test_gallery_shows_the_cards_without_script(browser: Any, mini_data: Path, tmp_path: Path) -> None:
    """A screenshot taken right after load, with JavaScript off: every frame already holds its card."""
    out = tmp_path / "preview"
    result = preview(mini_data)
    write_preview(result, out)
    context = browser.new_context(viewport={"width": PHONE.width, "height": PHONE.height},
                                  java_script_enabled=False)
    page = context.new_page()
    page.goto((out / INDEX).as_uri(), wait_until="load")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "preview-phone-no-script.png"), full_page=True)
    assert page.text_content("#shown") == f"{len(result.cards)} shown"  # the page's script did not run
    frames = page.locator("main iframe")
    assert frames.count() == 2 * len(result.cards)
    for i, card in enumerate(result.cards):
        for side, html in enumerate((card.question, card.answer)):
            frame = frames.nth(2 * i + side)
            assert frame.get_attribute("style") is None  # not resized by script
            qa = frame.content_frame.locator("#qa")
            parser = _Text()
            parser.feed(html)
            expected = _squeezed("".join(parser.text))
            assert expected and _squeezed(qa.text_content() or "") == expected, f"{card.key} side {side}"
            box = qa.bounding_box()
            assert box is not None and box["height"] > 0 and box["width"] > 0, f"{card.key} side {side}"
    context.close()
