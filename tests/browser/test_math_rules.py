"""The no-browser side of math on a phone: display math gets its box whatever blank lines the
author wrote, too-wide inline math moves to display form, the width rule and its lint warning,
and where Anki's MathJax is found. (The browser tests measure what these promise.)"""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from generator.mathfit import PHONE_COLUMN_PX, fits_phone, formula_width_px, formulas, math_fit_problems
from generator.mathjax import COPIED_CONFIG, COPIED_SCRIPT, copied_files, find_mathjax, page_scripts
from generator.render import render_markdown

WIDE = r"\mathcal{L} = -\mathbb{E}\Big[\log\sigma\Big(\beta\log\frac{\pi_\theta(y_w \mid x)}{\pi_{\text{ref}}(y_w \mid x)} - \beta\log\frac{\pi_\theta(y_l \mid x)}{\pi_{\text{ref}}(y_l \mid x)}\Big)\Big]"
BOX = '<div class="math">\\[a+b\\]</div>'


def test_display_math_after_a_text_line_gets_its_box() -> None:
    assert render_markdown("text line\n$$a+b$$\nmore") == f"<p>text line</p>\n{BOX}\n<p>more</p>"
    assert render_markdown("text line\n$$\na+b\n$$") == f"<p>text line</p>\n{BOX}"
    assert render_markdown("text line\n\n$$a+b$$\n\nmore") == f"<p>text line</p>\n{BOX}\n<p>more</p>"
    assert render_markdown("see $$a+b$$ and **this**") == f"<p>see</p>\n{BOX}\n<p>and <strong>this</strong></p>"
    assert render_markdown("\\[a+b\\]") == BOX
    assert render_markdown("- item\n  $$a+b$$") == f"<ul>\n<li>item{BOX}\n</li>\n</ul>"


def test_other_fields_render_as_before() -> None:
    assert render_markdown("inline $a+b$ stays") == "<p>inline \\(a+b\\) stays</p>"
    assert render_markdown("plain text") == "<p>plain text</p>"
    assert render_markdown("a\n\nb") == "<p>a</p>\n<p>b</p>"
    assert render_markdown("x `$$a$$` y") == "<p>x <code>$$a$$</code> y</p>"


def test_inline_math_too_wide_for_a_phone_moves_to_display_form() -> None:
    html = render_markdown(f"目标 ${WIDE}$ 其中 $a$ 很短")
    assert html.startswith("<p>目标</p>\n<div class=\"math\">\\[") and html.endswith("<p>其中 \\(a\\) 很短</p>")
    assert render_markdown("short $x_1 + x_2$ stays") == "<p>short \\(x_1 + x_2\\) stays</p>"


def test_width_rule() -> None:
    assert formula_width_px("a+b", False) < 100 < formula_width_px(WIDE, True)
    assert not fits_phone(WIDE, True) and fits_phone("x^2", False)
    assert formula_width_px(r"\frac{a}{b}", True) > formula_width_px(r"\frac{a}{b}", False)
    split = r"\begin{aligned} a &= " + "+".join("x" * 3 for _ in range(6)) + r" \\ &= b \end{aligned}"
    assert formula_width_px(split, True) < formula_width_px(split.replace(r"\\", ""), True)
    assert formulas("$a$ and $$b$$ and `$c$` and \\(d\\) \\[e\\]") == [
        ("a", False), ("b", True), ("d", False), ("e", True)]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(list("ab12{}^_\\ &+=()[]|,") + ["\\frac", "\\sum", "\\text", "\\left",
                                                                  "\\big", "\\sqrt", "\\\\"])).map("".join))
def test_width_rule_takes_any_tex(tex: str) -> None:
    assert formula_width_px(tex, True) >= -PHONE_COLUMN_PX  # never raises, never absurd
    render_markdown(f"x ${tex}$ y")


def test_lint_warns_on_math_that_will_not_fit() -> None:
    [problem] = math_fit_problems(f"before\n$${WIDE}$$\nafter $a$")
    assert "scrolls sideways on a 360 px phone" in problem and "aligned" in problem
    assert math_fit_problems("fits: $$a + b = c$$ and $x$") == []


def test_ankis_mathjax_is_found_offline() -> None:
    found = find_mathjax()
    assert found is not None, "pip install --no-deps aqt==<anki version> (bash .ci/run does it)"
    assert found.config.name == "mathjax.js" and found.script.is_file() and found.mathjax_version.startswith("3.")
    assert "noerrors" in found.config.read_text(encoding="utf-8")  # Anki's own configuration
    scripts = page_scripts(found, report_errors=True)
    assert found.config.as_uri() in scripts and found.vendor.as_uri() in scripts and "'[-]'" in scripts
    copied = copied_files(found)
    assert {COPIED_CONFIG, COPIED_SCRIPT, "MathJax_Main-Regular.woff"} <= set(copied)
    assert all("/" not in name for name in copied)
    assert Path(found.vendor, "output/chtml/fonts/woff-v2/MathJax_Zero.woff").is_file()
