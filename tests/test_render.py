"""Stage 3: Markdown, math, code and HTML reach Anki the way its clients can show them."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.render import RenderEnv, highlight_css, markdown, render_markdown, sanitize

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (r"\(\frac{a}{b}\)", r"\(\frac{a}{b}\)"),
        ("$x_i^2$", r"\(x_i^2\)"),
        ("$$\\sum_i x_i$$", r"\[\sum_i x_i\]"),
        ("\\[ a \\\\ b \\]", "\\[ a \\\\ b \\]"),
        ("$a<b$", r"\(a&lt;b\)"),
        ("$\\mathbb{E}_t[\\min(r, 1)]$", r"\(\mathbb{E}_t[\min(r, 1)]\)"),
    ],
)
def test_math_reaches_anki_delimiters_with_backslashes(source: str, expected: str) -> None:
    assert expected in render_markdown(source)


def test_display_math_block() -> None:
    html = render_markdown("$$\nE = mc^2\n$$")
    assert html == '<div class="math">\\[E = mc^2\\]</div>'


def test_dollar_amounts_are_not_math() -> None:
    assert render_markdown("costs $5 and $10") == "<p>costs $5 and $10</p>"


def test_html_lookalikes_are_literal() -> None:
    html = render_markdown("`List<int>` and List<int> and a<b")
    assert html == "<p><code>List&lt;int&gt;</code> and List&lt;int&gt; and a&lt;b</p>"


def test_code_is_highlighted_at_build_time() -> None:
    html = render_markdown("```python\ndef f(x):\n    return x < 2\n```")
    assert html.startswith('<pre class="code"><code class="language-python">')
    assert '<span class="pg-k">def</span>' in html
    assert "&lt;" in html and "<script" not in html


def test_unknown_language_is_escaped_plain() -> None:
    html = render_markdown("```nosuchlang\na<b\n```")
    assert 'class="language-nosuchlang">a&lt;b</code>' in html


def test_table_renders() -> None:
    html = render_markdown("| a | b |\n|---|--:|\n| 1 | 2 |")
    assert "<table>" in html and '<td style="text-align:right">2</td>' in html


@pytest.mark.parametrize(
    ("source", "forbidden"),
    [
        ("<script>alert(1)</script>", "<script"),
        ('<b onclick="evil()">x</b>', "onclick"),
        ("[x](javascript:alert(1))", 'href="javascript'),
        ('<a href="javascript:alert(1)">x</a>', "javascript:"),
        ('<span onmouseover="evil()">x</span>', "onmouseover"),
        ('<iframe src="https://x"></iframe>', "<iframe"),
        ("<style>.card{display:none}</style>", "<style"),
        ('<img src="x" onerror="evil()">', "onerror"),
    ],
)
def test_hostile_html_is_neutralised(source: str, forbidden: str) -> None:
    html = render_markdown(source)
    live = _live_markup(html)
    assert forbidden not in live, (html, live)


def _live_markup(html: str) -> str:
    """The tags and attributes a browser would act on (escaped text does nothing)."""
    from html.parser import HTMLParser

    parts: list[str] = []

    class Collector(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            parts.append(f"<{tag}" + "".join(f' {k}="{v}"' for k, v in attrs))

    Collector().feed(html)
    return " ".join(parts)


def test_allowed_raw_html_survives() -> None:
    assert render_markdown("H<sub>2</sub>O") == "<p>H<sub>2</sub>O</p>"
    assert "<details><summary>more</summary>" in render_markdown("<details><summary>more</summary>x</details>")


def test_sanitize_keeps_classes_and_strips_styles() -> None:
    assert sanitize('<span class="pg-k" style="color:red">x</span>') == '<span class="pg-k">x</span>'


def test_cloze_markers_pass_through() -> None:
    assert render_markdown("{{c1::Paris::city}} {{c2::$x$}}") == "<p>{{c1::Paris::city}} {{c2::\\(x\\)}}</p>"


def test_committed_highlight_css_is_fresh() -> None:
    committed = (ROOT / "templates" / "anki" / "highlight.css").read_text(encoding="utf-8")
    assert committed == highlight_css(), "run: python -c 'from generator.render import highlight_css; ...'"
