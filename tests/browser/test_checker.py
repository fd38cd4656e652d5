"""The browser checks themselves: they catch what they claim to, and the card CSS survives
content wider than any phone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cardcheck import BLANK, MEASURE_JS, ROOT, Side, check_metrics, math_problems, measure_args, write_blank
from generator.mathjax import find_mathjax
from generator.preview import CLIENTS, PHONE, card_document

pytestmark = pytest.mark.browser

CARD_CSS = "\n".join((ROOT / "templates" / "anki" / name).read_text(encoding="utf-8")
                     for name in ("style.css", "highlight.css"))


def _measure(browser: Any, folder: Path, html: str, css: str) -> dict[str, dict[str, Any]]:
    write_blank(folder, find_mathjax())  # the anki_mathjax fixture fails the session without it
    found = {}
    for client in CLIENTS:
        page = browser.new_page(viewport={"width": client.width, "height": client.height})
        page.goto((folder / BLANK).as_uri())
        page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise")
        doc = card_document(html, PHONE, 1, night=False, css=css)
        found[client.name] = page.evaluate(MEASURE_JS, measure_args(doc, client, 1))
        page.close()
    return found


@pytest.fixture(autouse=True)
def _needs_mathjax(anki_mathjax: Any) -> None:
    """Every probe is typeset by Anki's MathJax."""


def _problems(html: str, css: str, browser: Any, folder: Path) -> list[str]:
    side = Side("probe", 1, "back", html, css)
    measured = _measure(browser, folder, html, css)
    return [f.problem for client in CLIENTS for theme, m in measured[client.name].items()
            for f in check_metrics(side, client, theme, m)]


def test_checks_catch_bad_cards(browser: Any, tmp_path: Path) -> None:
    css = ".card { font-size: 13px; color: #999; background: #fff; margin: 0 }"
    html = '<p>faint small text</p><div style="width: 900px">wide</div><img src="missing.png">'
    problems = " | ".join(_problems(html, css, browser, tmp_path))
    for expected in ("page scrolls sideways", "contrast", "font 13px", "image did not load: missing.png",
                     "night background is not dark"):
        assert expected in problems


def test_night_panels_must_be_dark(browser: Any, tmp_path: Path) -> None:
    css = ".card { background: #fff; color: #000 } .card.nightMode { background: #111; color: #eee }"
    problems = _problems('<table><tr><th style="background: #eee; color: #000">head</th></tr></table>',
                         css, browser, tmp_path)
    assert any(p.startswith("light box in night mode: th") for p in problems)


def test_card_css_contains_content_wider_than_a_phone(browser: Any, tmp_path: Path) -> None:
    (tmp_path / "wide.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" width="2400" height="300">'
                                       '<rect width="2400" height="300" fill="#69c"/></svg>', encoding="utf-8")
    cells = "".join(f"<td>column_{i}_value</td>" for i in range(24))
    html = ('<div class="cs-q"><p>看 <code>a_very_long_identifier_without_any_break_' + "x" * 80 + '</code></p></div>'
            '<hr id="answer"><div class="cs-a">'
            '<pre class="code"><code class="language-python"><span class="pg-k">def</span> '
            + "f" * 300 + '(): <span class="pg-c1"># comment</span></code></pre>'
            f"<table><thead><tr>{cells}</tr></thead><tbody><tr>{cells}</tr></tbody></table>"
            '<p>https://example.org/' + "segment/" * 40 + '</p><div class="math">\\[' + "x+" * 200 + 'y\\]</div>'
            '<img src="wide.svg" alt="wide"><details><summary>more</summary><p><sub>2</sub> folded</p></details>'
            '</div><div class="cs-sources"><ul><li><a href="https://arxiv.org/abs/1">Paper</a></li></ul></div>')
    assert _problems(html, CARD_CSS, browser, tmp_path) == []


def test_checks_catch_bad_math(browser: Any, tmp_path: Path) -> None:
    css = CARD_CSS.replace(".math {", ".math-off {").replace("max-width: none", "max-width: 100%")
    html = ('<div class="cs-a"><p>bad \\(\\frac{a}{b} \\undefinedmacro x\\) and \\(x^{2\\) then '
            '\\(' + "+".join(f"a_{i}" for i in range(40)) + '\\)</p><p>text \\[' + "y+" * 60 + 'z\\]</p>'
            '<div class="math" style="overflow-x: auto">\\[' + "w+" * 60 + 'v\\]</div></div>')
    problems = " | ".join(_problems(html, css, browser, tmp_path))
    for expected in ("TeX error in '\\\\frac{a}{b} \\\\undefinedmacro x': Undefined control sequence \\undefinedmacro",
                     "math left untypeset", "formula runs past the screen edge", "page scrolls sideways",
                     "display formula outside its scrolling math box", "with no cue that there is more"):
        assert expected in problems, expected


def test_math_checks() -> None:
    assert math_problems(r"<p>\(x\) and \[y\]</p><pre><code>echo $HOME</code></pre>") == []
    assert math_problems(r"<p>\(x</p>") == [r"\( never closed"]
    assert math_problems(r"<p>\(x\] </p>")[0].startswith(r"\] without")
    assert "stray $" in math_problems("<p>$x^2$</p>")[0]
