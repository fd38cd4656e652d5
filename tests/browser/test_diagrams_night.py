"""The deck's diagrams in night mode and on a 360 px phone: no bright panel, text contrast kept,
labels at least 12 px."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from cardcheck import MAX_BOX_LUMINANCE, MIN_CONTRAST, RenderedDeck, SHOW_SIDE_JS
from generator.preview import PHONE

pytestmark = pytest.mark.browser

MIN_LABEL_PX = 12.0
SVG = "{http://www.w3.org/2000/svg}"

# Each colour as the night filter on the diagram turns it: a 1×1 canvas painted with the colour
# through the image's computed `filter`, read back (Chromium's own filter arithmetic).
FILTERED_JS = """({colours}) => {
  const img = document.querySelector("img.diagram");
  const filter = getComputedStyle(img).filter;
  const canvas = document.createElement("canvas"); canvas.width = canvas.height = 1;
  const ctx = canvas.getContext("2d", {willReadFrequently: true});
  const out = {};
  for (const c of colours) {
    ctx.clearRect(0, 0, 1, 1); ctx.filter = filter === "none" ? "none" : filter;
    ctx.fillStyle = c; ctx.fillRect(0, 0, 1, 1);
    out[c] = [...ctx.getImageData(0, 0, 1, 1).data.slice(0, 3)];
  }
  return {filter, out, width: img.getBoundingClientRect().width, screen: document.scrollingElement.clientWidth};
}"""


def _luminance(rgb: list[int]) -> float:
    def channel(v: float) -> float:
        v /= 255
        return v / 12.92 if v <= 0.04045 else float(((v + 0.055) / 1.055) ** 2.4)
    return 0.2126 * channel(rgb[0]) + 0.7152 * channel(rgb[1]) + 0.0722 * channel(rgb[2])


def _contrast(a: list[int], b: list[int]) -> float:
    x, y = _luminance(a), _luminance(b)
    return (max(x, y) + 0.05) / (min(x, y) + 0.05)


def _hex(colour: str) -> list[int]:
    return [int(colour[i : i + 2], 16) for i in (1, 3, 5)]


def _diagram(path: Path) -> tuple[str, list[str], list[str], float, float]:
    """(panel fill, text fills, box fills, view box width, smallest font size) of one SVG."""
    root = ET.fromstring(path.read_text(encoding="utf-8"))
    width = float(root.attrib["viewBox"].split()[2])
    rects = [r.attrib.get("fill", "") for r in root.iter(f"{SVG}rect")]
    boxes = sorted({f for f in rects if re.fullmatch(r"#[0-9a-fA-F]{6}", f)})
    texts, sizes = set(), []

    def walk(el: ET.Element, fill: str, size: float) -> None:
        fill, size = el.attrib.get("fill", fill), float(el.attrib.get("font-size", size))
        if el.tag in (f"{SVG}text", f"{SVG}tspan") and (el.text or "").strip():
            texts.add(fill)
            sizes.append(size)
        for child in el:
            walk(child, fill, size)

    walk(root, "#000000", float(root.attrib.get("font-size", 16)))
    return rects[0], sorted(texts), boxes, width, min(sizes)


def test_diagrams_follow_the_night_palette(browser: Any, real_deck: RenderedDeck,
                                           pages: tuple[Path, dict[str, str]]) -> None:
    blank, docs = pages
    sides = {}
    for side in real_deck.sides:
        for name in re.findall(r'<img src="([^"]+\.svg)"[^>]*class="diagram"', side.html):
            sides.setdefault(name, side)
    assert sides, "no diagram in the deck"
    page = browser.new_page(viewport={"width": PHONE.width, "height": PHONE.height})
    page.goto(blank.as_uri())
    problems = []
    for name, side in sides.items():
        panel, texts, boxes, view_width, smallest = _diagram(blank.parent / name)
        shown = {}
        for night in (False, True):
            page.evaluate(SHOW_SIDE_JS, docs[side.name])
            if night:
                page.evaluate(f"() => document.body.className += ' {PHONE.night_class}'")
            shown[night] = page.evaluate(FILTERED_JS, {"colours": sorted({panel, *texts, *boxes})})
        night, light = shown[True]["out"], shown[False]["out"]
        if _luminance(night[panel]) > MAX_BOX_LUMINANCE:
            problems.append(f"{name}: night panel {panel} is shown bright (luminance "
                            f"{_luminance(night[panel]):.2f} > {MAX_BOX_LUMINANCE})")
        for text in texts:
            for box in [panel, *boxes]:
                need = min(MIN_CONTRAST, _contrast(light[text], light[box]))  # as good as by day
                if box == panel:
                    need = MIN_CONTRAST
                if _contrast(night[text], night[box]) < need - 0.01:
                    problems.append(f"{name}: night contrast {_contrast(night[text], night[box]):.2f} < "
                                    f"{need:.2f} for text {text} on {box}")
        label = smallest * shown[True]["width"] / view_width
        if label < MIN_LABEL_PX:
            problems.append(f"{name}: smallest label {label:.1f} px < {MIN_LABEL_PX} at {PHONE.width} px")
        if shown[True]["width"] > shown[True]["screen"]:
            problems.append(f"{name}: wider than the screen")
    page.close()
    assert not problems, "\n".join(problems)


def test_night_check_catches_a_bright_panel() -> None:
    """The diagrams' own panel is bright: without the night filter the check above fails."""
    assert _luminance(_hex("#fcfcfd")) > MAX_BOX_LUMINANCE
    assert _contrast(_hex("#111827"), _hex("#fcfcfd")) > MIN_CONTRAST
