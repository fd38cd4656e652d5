"""Every card of the real deck, as the Anki backend renders it, in headless Chromium: in the
classes AnkiDroid (360×740) and desktop Anki (1024×768) set, light and night."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cardcheck import (ARTIFACTS, MIN_CODE_CONTRAST, MIN_CONTRAST, MIN_PHONE_FONT_PX, Failure,
                       RenderedDeck, SHOW_SIDE_JS, check_metrics, math_problems)
from generator.mathfit import PHONE_COLUMN_PX, fits_phone, formula_width_px
from generator.preview import CLIENTS, PHONE

pytestmark = pytest.mark.browser

Measurements = dict[tuple[str, str], dict[str, Any]]


def _failures(real_deck: RenderedDeck, measurements: Measurements, kind: str) -> list[Failure]:
    found = []
    for side in real_deck.sides:
        for client in CLIENTS:
            for theme, metrics in measurements[side.name, client.name].items():
                found += [f for f in check_metrics(side, client, theme, metrics) if f.kind == kind]
    return found


def _report(failures: list[Failure]) -> str:
    lines = [str(f) for f in failures[:40]]
    more = f"\n… and {len(failures) - 40} more" if len(failures) > 40 else ""
    return f"{len(failures)} failure(s):\n" + "\n".join(lines) + more


def test_every_card_is_checked(real_deck: RenderedDeck, measurements: Measurements) -> None:
    assert real_deck.card_count > 0
    assert len(real_deck.sides) == 2 * real_deck.card_count
    assert len(measurements) == len(real_deck.sides) * len(CLIENTS)


def test_page_never_scrolls_sideways(real_deck: RenderedDeck, measurements: Measurements) -> None:
    failures = _failures(real_deck, measurements, "scroll")
    assert not failures, _report(failures)


def test_night_background_is_dark(real_deck: RenderedDeck, measurements: Measurements) -> None:
    failures = _failures(real_deck, measurements, "night")
    assert not failures, _report(failures)


def test_text_contrast(real_deck: RenderedDeck, measurements: Measurements) -> None:
    failures = _failures(real_deck, measurements, "contrast")
    assert not failures, _report(failures)


def test_phone_text_is_at_least_16px(real_deck: RenderedDeck, measurements: Measurements) -> None:
    failures = _failures(real_deck, measurements, "font")
    assert not failures, _report(failures)


def test_every_image_loads(real_deck: RenderedDeck, measurements: Measurements) -> None:
    failures = _failures(real_deck, measurements, "image")
    assert not failures, _report(failures)


def test_every_side_is_a_standards_page_with_text(real_deck: RenderedDeck,
                                                  measurements: Measurements) -> None:
    failures = _failures(real_deck, measurements, "page")
    assert not failures, _report(failures)


def test_every_formula_typesets_in_ankis_mathjax(real_deck: RenderedDeck, measurements: Measurements) -> None:
    """Anki's own MathJax with noerrors off: a TeX error names the side (note) and the formula."""
    formulas = sum(len(measurements[side.name, PHONE.name]["light"]["math"]["formulas"])
                   for side in real_deck.sides)
    assert formulas >= sum(real_deck.math_in_anki.values()), "fewer formulas typeset than the deck holds"
    failures = _failures(real_deck, measurements, "tex")
    assert not failures, _report(failures)


def test_math_fits_the_phone(real_deck: RenderedDeck, measurements: Measurements) -> None:
    """No formula past the screen edge outside a scrolling box; display math always in its box;
    a box that scrolls shows a cue that there is more."""
    failures = _failures(real_deck, measurements, "math")
    assert not failures, _report(failures)


def test_width_rule_agrees_with_the_browser(real_deck: RenderedDeck, measurements: Measurements) -> None:
    """generator.mathfit's estimate against the width Anki's MathJax gives each formula at 360 px
    (artifacts/math-widths.json): the fit/no-fit verdict must agree on nearly every formula."""
    measured: dict[tuple[str, bool], float] = {}
    for side in real_deck.sides:
        for f in measurements[side.name, PHONE.name]["light"]["math"]["formulas"]:
            measured[f["tex"], f["display"]] = f["width"]
    rows = [{"tex": tex, "display": display, "measured_px": width,
             "estimated_px": round(formula_width_px(tex, display), 1),
             "fits_measured": width <= PHONE_COLUMN_PX, "fits_estimated": fits_phone(tex, display)}
            for (tex, display), width in sorted(measured.items(), key=lambda item: -item[1])]
    agree = sum(r["fits_measured"] == r["fits_estimated"] for r in rows)
    ratios = sorted(r["estimated_px"] / r["measured_px"] for r in rows if r["measured_px"] > 0)
    summary = {"formulas": len(rows), "column_px": PHONE_COLUMN_PX, "verdicts_agree": agree,
               "missed_too_wide": sum(not r["fits_measured"] and r["fits_estimated"] for r in rows),
               "ratio_estimated_to_measured": {"min": round(ratios[0], 2), "median": round(ratios[len(ratios) // 2], 2),
                                               "max": round(ratios[-1], 2)},
               "formulas_by_width": rows}
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "math-widths.json").write_text(json.dumps(summary, indent=1, ensure_ascii=False) + "\n",
                                                encoding="utf-8")
    assert rows
    assert summary["missed_too_wide"] == 0, [r["tex"] for r in rows if not r["fits_measured"] and r["fits_estimated"]]
    assert agree >= 0.95 * len(rows), f"{agree}/{len(rows)} verdicts agree"


def test_math_arrives_in_mathjax_delimiters(real_deck: RenderedDeck) -> None:
    problems = [f"{side.name}: {p}" for side in real_deck.sides for p in math_problems(side.html)]
    assert not problems, "\n".join(problems)
    lost = {note: (authored, real_deck.math_in_anki.get(note, 0))
            for note, authored in real_deck.math_in_data.items()
            if authored != real_deck.math_in_anki.get(note, 0)}
    assert not lost, f"note: (math spans authored, delimited spans in Anki) {lost}"


def test_summary_and_screenshots(browser: Any, real_deck: RenderedDeck, measurements: Measurements,
                                 pages: tuple[Path, dict[str, str]]) -> None:
    """The measured minima (CI output), and phone screenshots of a code, a table and a diagram card."""
    every = [(client, m) for (_, client), themes in measurements.items() for m in themes.values()]
    summary = {
        "cards": real_deck.card_count,
        "sides": len(real_deck.sides),
        "side_renders": 2 * len(measurements),  # each (side, client) measured light and night
        "text_nodes_checked": sum(m["texts"] for _, m in every),
        "images_checked": sum(len(m["images"]) for _, m in every),
        "min_text_contrast": round(min(m["minContrast"] for _, m in every), 2),
        "min_code_contrast": round(min(m["minCodeContrast"] for _, m in every), 2),
        **{f"min_{kind}_contrast_{theme}": round(min(t[theme][key] for t in measurements.values()), 2)
           for kind, key in (("text", "minContrast"), ("code", "minCodeContrast"))
           for theme in ("light", "night")},
        "min_phone_font_px": min(m["minFont"] for client, m in every if client == PHONE.name),
        "max_night_luminance": round(max(t["night"]["pageLuminance"] for t in measurements.values()), 4),
    }
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "browser-summary.json").write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")
    assert summary["min_text_contrast"] >= MIN_CONTRAST
    assert summary["min_code_contrast"] >= MIN_CODE_CONTRAST
    assert summary["min_phone_font_px"] >= MIN_PHONE_FONT_PX
    shots = ARTIFACTS / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    for old in shots.glob("phone-*.png"):  # ours from an earlier run
        old.unlink()
    wanted = {"code": 'class="code"', "table": "<table", "diagram": 'class="diagram"'}
    widest = sorted(((max((f["width"] for f in measurements[s.name, PHONE.name]["light"]["math"]["formulas"]),
                          default=0), s.name) for s in real_deck.sides if s.side == "back"), reverse=True)
    by_note = {name.split(".")[0]: name for _, name in reversed(widest)}  # each note's widest side
    wanted.update({f"math{i + 1}": by_note[note] for i, note in
                   enumerate(list(dict.fromkeys(name.split(".")[0] for _, name in widest))[:4])})
    blank, docs = pages
    page = browser.new_page(viewport={"width": PHONE.width, "height": PHONE.height}, device_scale_factor=2)
    page.goto(blank.as_uri())
    page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise")
    for kind, marker in wanted.items():
        side = next((s for s in real_deck.sides if s.side == "back" and (marker in s.html or marker == s.name)),
                    None)
        if side is None:
            continue
        for theme in ("light", "night"):
            page.evaluate(SHOW_JS, {"doc": docs[side.name], "night": theme == "night",
                                    "nightClass": PHONE.night_class})
            page.screenshot(path=str(shots / f"phone-{theme}-{kind}-{side.note_id}.png"), full_page=True)
    page.close()
    assert list(shots.glob("phone-*.png")), "no code, table or diagram card to photograph"


SHOW_JS = """async ({doc, night, nightClass}) => {
  await (""" + SHOW_SIDE_JS.strip() + """)(doc);
  document.querySelectorAll("details").forEach(d => d.open = true);
  if (night) document.body.className += " " + nightClass;
  await Promise.all([...document.images].map(i => i.decode().catch(() => null)));
}"""
