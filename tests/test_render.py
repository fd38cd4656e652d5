"""Stage 3: Markdown, math, code and HTML reach Anki the way its clients can show them."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.render import RenderEnv, highlight_css, markdown, plain_paragraph, render_markdown, sanitize

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


# --- the plain-paragraph shortcut gives exactly what markdown-it gives ---------------------------

_TRICKY = list("ab 1.)-+=:>#*_`~|$\\[]<>&!\"'\n\t\r\x00\x1f\x85\u00a0\u2028\u3000中{}()/,;?@%^") + [
    "  ", "\n\n", "1. ", "- ", "http://x.y", "&amp;", "    ", "ab", "word "]


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.sampled_from(_TRICKY), max_size=25).map("".join))
def test_plain_paragraph_shortcut_matches_markdown_it(text: str) -> None:
    fast = plain_paragraph(text)
    if fast is not None:
        assert fast == markdown().render(text, {"cardsmith": RenderEnv()})


def test_plain_paragraph_shortcut_on_the_real_deck() -> None:
    from generator.model import load_deck

    taken = 0
    for _, note, _ in load_deck(ROOT / "data").notes():
        for text in (note.front, note.back, note.text, note.extra):
            if text and (fast := plain_paragraph(text)) is not None:
                taken += 1
                assert fast == markdown().render(text, {"cardsmith": RenderEnv()})
    assert taken > 50  # it does apply to real cards


# --- skipping the sanitizer for our own HTML gives exactly what sanitizing it all gives ----------

def _sanitized_whole(text: str) -> str:
    """The reference: markdown-it's HTML for `text`, code included, through the sanitizer."""
    return sanitize(markdown().render(text, {"cardsmith": RenderEnv(), "code": None})).strip()


_CODE_CHARS = list("ab xyz_019 \t\n\"'`#$%&()*+,-./:;<=>?@[\\]^{|}~") + [
    "\u00a0", "\u0085", "\x00", "\x0b", "\x1f", "\r", "\ue000", "\ue001", "中", "\U0001f600", "\ufffe", "&amp;",
    "&quot;", "</span>", '<span class="pg-k">', "</code>", "```", "def ", "'''", "<script>"]


@settings(max_examples=400, deadline=None)
@given(code=st.lists(st.sampled_from(_CODE_CHARS), max_size=40).map("".join),
       language=st.sampled_from(["python", "rust", "sql", "bash", "json", "cpp", "html", "nosuchlang", ""]),
       before=st.sampled_from(["", "Intro *text* &amp; \"q\"\n\n", "\ue000 marker\n\n", "- item\n\n"]))
def test_code_set_aside_from_the_sanitizer_comes_back_identical(code: str, language: str, before: str) -> None:
    text = f"{before}```{language}\n{code}\n```\nafter 'it'"
    assert render_markdown(text) == _sanitized_whole(text)


@settings(max_examples=600, deadline=None)
@given(st.lists(st.sampled_from(_TRICKY + ["\ue000", "\ufdd0", "\ud800", "'q'"]), max_size=25).map("".join))
def test_plain_paragraphs_skip_the_sanitizer_with_the_same_result(text: str) -> None:
    try:
        expected = _sanitized_whole(text)
    except BaseException as exc:  # noqa: BLE001 - the sanitizer refuses lone surrogates: so must we
        with pytest.raises(type(exc)):
            render_markdown(text)
        return
    assert render_markdown(text) == expected


def test_the_real_deck_renders_as_if_sanitized_whole() -> None:
    from generator.model import load_deck

    compared = 0
    for _, note, _ in load_deck(ROOT / "data").notes():
        for text in (note.front, note.back, note.text, note.extra):
            if text:
                compared += 1
                assert render_markdown(text) == _sanitized_whole(text)
    assert compared > 400


def test_highlighted_code_does_not_go_through_the_sanitizer(monkeypatch: pytest.MonkeyPatch) -> None:
    from generator import render

    seen: list[str] = []
    clean = render._sanitizer()
    monkeypatch.setattr(render, "_sanitizer", lambda: lambda html: seen.append(html) or clean(html))
    html = render_markdown("Some *code*:\n\n```python\nx = 'it' + \"s\"\n```")  # emphasis: markdown-it
    assert '<span class="pg-n">x</span>' in html and "'it'" in html
    assert len(seen) == 1 and "pg-n" not in seen[0] and "\ue000" in seen[0]


# --- paragraphs with inline math, computed directly, are what markdown-it makes of them ----------

_MATH_PIECES = ["$", "$", "$x$", "\\(", "\\)", "\\", "\\[", "a", "b", "x_i^2", "1", "2", " ", " ", "\n", "{", "}",
                "(", ")", "<", "&", "\"", "'", "*", "_", "|", "\u00a0", "\u3000", "中", "-", "=", "#", "\\frac{a}{b}"]


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(_MATH_PIECES), max_size=20).map("".join))
def test_math_paragraph_shortcut_matches_markdown_it(text: str) -> None:
    from generator.render import _math_paragraph

    fast = _math_paragraph(text)
    if fast is not None:
        assert fast == _sanitized_whole(text)
    assert render_markdown(text) == _sanitized_whole(text)


@pytest.mark.parametrize("text", [
    "Attention costs $O(n^2 d)$ per layer.",
    "With \\(d_c = 512\\) and $\\sqrt{d_k}$ scaling; 注意力 $x<y$.",
    "$x$ starts it\nand a second line has $y_2$ too",
])
def test_math_paragraph_shortcut_applies(text: str) -> None:
    from generator.render import _math_paragraph

    assert _math_paragraph(text) == _sanitized_whole(text)


@pytest.mark.parametrize("text", ["costs $5 and $x$", "1$x$", "a1$x$", "$x$ a1", "$ x$", "$x $", "$x$2", "\\$x$", "$$x$$",
                                  "\\[x\\]", "\\(x", "a *b* $x$", "$a\nb$"])
def test_math_paragraph_shortcut_declines_what_it_does_not_model(text: str) -> None:
    from generator.render import _math_paragraph

    assert _math_paragraph(text) is None
    assert render_markdown(text) == _sanitized_whole(text)


# --- paragraphs and ``` fences, computed directly, are what markdown-it makes of them ------------

_PARAGRAPHS = st.lists(st.sampled_from(["Some text", "math $x_i$ here", "\\(a<b\\)", "中文 “quoted”", "a*b*",
                                        "it's \"q\"", "1. item", "- item", "$$x$$", "#", "   indented", ""]),
                       min_size=1, max_size=3).map("\n".join)
_FENCES = st.builds(lambda opener, code, closer: f"{opener}\n{code}\n{closer}",
                    st.sampled_from(["```python", "```", "```rust", "```nosuchlang", "```c++", "``` python",
                                     "~~~", "````", "```py thon", " ```"]),
                    st.lists(st.sampled_from(_CODE_CHARS + ["\n", "```", "~~~", " ```", "\n\n"]), max_size=20)
                    .map("".join),
                    st.sampled_from(["```", "````", "``` ", "  ```", "~~~", ""]))


@settings(max_examples=800, deadline=None)
@given(st.lists(st.one_of(_PARAGRAPHS, _FENCES), min_size=1, max_size=4),
       st.sampled_from(["\n", "\n\n", "\n\n\n"]), st.booleans())
def test_blocks_shortcut_matches_markdown_it(blocks: list[str], separator: str, final_newline: bool) -> None:
    from generator.render import _blocks

    text = separator.join(blocks) + ("\n" if final_newline else "")
    fast = _blocks(text) if "```" in text else None
    if fast is not None:
        assert fast == _sanitized_whole(text)
    assert render_markdown(text) == _sanitized_whole(text)


@pytest.mark.parametrize("text", [
    "Explained first, $O(n)$ time:\n\n```python\ndef f(x):\n    return x < 2  # 'it'\n```\n",
    "```rust\nfn main() {}\n```\n\nThen a note.\n\nAnd \\(x\\).",
    "Before\n```\nno language <b>\n\n\n```\nafter",
])
def test_blocks_shortcut_applies(text: str) -> None:
    from generator.render import _blocks

    assert _blocks(text) == _sanitized_whole(text)


def test_quick_render_is_template_render(tmp_path: Path) -> None:
    import jinja2
    from markupsafe import Markup

    from generator.templating import environment, quick_render

    env = environment()
    for name, context in [("fields/front.html.j2", {"advice": True, "html": Markup("<p>x &amp; y</p>")}),
                          ("fields/extra.html.j2", {"fold": False, "html": Markup("<p>z</p>")}),
                          ("fields/sources.html.j2", {"sources": [{"href": "https://a.b/?q=1&r=2", "title": "T <1>",
                                                                   "arxiv": "1706.03762", "section": "§3"}]})]:
        template = env.get_template(name)
        assert quick_render(template)(**context) == template.render(**context)
    with pytest.raises(jinja2.UndefinedError):  # strict, like render
        quick_render(env.get_template("fields/front.html.j2"))(advice=False)
