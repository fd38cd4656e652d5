"""Helpers for the browser tests: the deck as Anki renders it, and what Chromium measures of it."""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from anki_helpers import import_apkg, new_collection
from generator.build import build
from generator.mathjax import AnkiMathJax, page_scripts
from generator.model import load_deck
from generator.preview import CLIENTS, Client, card_document

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts"  # CI output (gitignored), never part of the repo
CHROMIUM = Path("/usr/bin/chromium")  # Debian's package; .ci/run installs it
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]

MIN_CONTRAST = 4.5  # WCAG AA, normal text
MIN_CODE_CONTRAST = 3.0  # syntax-highlighted tokens in pre.code
MIN_PHONE_FONT_PX = 16.0
MAX_NIGHT_LUMINANCE = 0.05  # relative luminance of the night page (#1e1e1e is 0.013)


@dataclass(frozen=True)
class Side:
    """One side of one card, exactly as the Anki backend rendered it."""

    note_id: str
    ordinal: int
    side: str  # "front" | "back"
    html: str
    css: str

    @property
    def name(self) -> str:
        """For failure messages and file names."""
        return f"{self.note_id}.card{self.ordinal}.{self.side}"


@dataclass
class RenderedDeck:
    """The built deck imported into a fresh collection: every side, media, authored math."""

    sides: list[Side]
    media_dir: Path
    card_count: int
    math_in_data: dict[str, int]  # note id → math spans the author wrote
    math_in_anki: dict[str, int]  # note id → \( \) / \[ \] spans in the note's stored fields
    media_files: list[str] = field(default_factory=list)


def render_deck(source: Path, workdir: Path) -> RenderedDeck:
    """Build a copy of `source`, import it with the official backend, render every card."""
    data = workdir / "data"
    shutil.copytree(source, data)
    result = build(data, workdir / "out")
    apkg = next(p for p in result.written if p.suffix == ".apkg")
    col = new_collection(workdir / "anki")
    try:
        import_apkg(col, apkg)
        sides = []
        math_in_anki = {}
        for card_id in col.find_cards("", order="c.nid, c.ord"):
            card = col.get_card(card_id)
            out = card.render_output()
            note = card.note()
            sides.append(Side(note["Id"], card.ord + 1, "front", out.question_text, out.css))
            sides.append(Side(note["Id"], card.ord + 1, "back", out.answer_text, out.css))
            fields = " ".join(value for name, value in note.items() if name not in ("Sources", "Id"))
            math_in_anki[note["Id"]] = len(re.findall(r"\\\(|\\\[", _outside_code(fields)))
        media_dir = Path(col.media.dir())
        card_count = col.card_count()
    finally:
        col.close()
    deck = load_deck(data)
    math_in_data = {note.id: sum(len(authored_math(text)) for text in
                                 (note.front, note.back, note.text, note.extra) if text)
                    for _, note, _ in deck.notes()}
    return RenderedDeck(sides, media_dir, card_count, math_in_data, math_in_anki,
                        sorted(p.name for p in media_dir.iterdir()))


def card_pages(deck: RenderedDeck, folder: Path, mathjax: AnkiMathJax | None) -> dict[str, str]:
    """Each side's document as the phone's webview holds it (the measuring script switches the
    classes for the other client and theme); the collection's media and an empty page to load
    them into (with Anki's MathJax) go in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in deck.media_files:
        shutil.copyfile(deck.media_dir / name, folder / name)
    write_blank(folder, mathjax)
    return {side.name: card_document(side.html, CLIENTS[0], side.ordinal, night=False, css=side.css)
            for side in deck.sides}


BLANK = "blank.html"


def write_blank(folder: Path, mathjax: AnkiMathJax | None) -> Path:
    """The page every side is shown in: a card's skeleton, with Anki's MathJax loaded as Anki's
    reviewer loads it (its configuration, then MathJax from the unpacked wheel), except that
    TeX errors are typeset as errors rather than hidden (noerrors, noundefined off)."""
    scripts = page_scripts(mathjax, report_errors=True) if mathjax else ""
    page = folder / BLANK
    page.write_text('<!DOCTYPE html>\n<html><head><meta charset="utf-8">\n'
                    '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
                    f'<style id="card-css"></style>\n{scripts}</head>'
                    '<body><div id="qa"></div></body></html>\n', encoding="utf-8")
    return page


# Puts one side's document into the page (its classes, its CSS, its body: the page keeps its
# file:// URL, so media beside it load, and MathJax stays loaded), then typesets it as Anki's
# reviewer does: MathJax.typesetClear(); MathJax.typesetPromise([qa]).
SHOW_SIDE_JS = r"""
async (doc) => {
  const parsed = new DOMParser().parseFromString(doc, "text/html");
  document.documentElement.className = parsed.documentElement.className;
  document.getElementById("card-css").textContent = [...parsed.querySelectorAll("style")].map(s => s.textContent).join("\n");
  document.body.className = parsed.body.className;
  document.body.innerHTML = parsed.body.innerHTML;
  window.scrollTo(0, 0);
  if (window.MathJax && MathJax.startup) {
    await MathJax.startup.promise;
    MathJax.typesetClear();
    await MathJax.typesetPromise([document.getElementById("qa") || document.body]);
    await document.fonts.ready;
  }
}
"""

# One evaluate per card side: SHOW_SIDE_JS, then both themes are measured.
# Returns {"light": metrics, "night": metrics}.
MEASURE_JS = r"""
async ({doc, cfg}) => {
  await (""" + SHOW_SIDE_JS.strip() + r""")(doc);
  await Promise.all([...document.images].map(i => i.complete ? null :
    new Promise(done => { i.addEventListener("load", done); i.addEventListener("error", done); })));
  const parse = (c) => {
    const m = c.match(/rgba?\(([^)]+)\)/);
    if (!m) throw new Error("unparsed colour " + c);
    const p = m[1].split(/[\s,\/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const over = (top, under) => [0, 1, 2].map(i => top[i] * top[3] + under[i] * (1 - top[3])).concat([1]);
  const lum = (c) => {
    const f = (v) => { v /= 255; return v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
  };
  const ratio = (a, b) => { const x = lum(a), y = lum(b); return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05); };
  const hex = (c) => "#" + c.slice(0, 3).map(v => Math.round(v).toString(16).padStart(2, "0")).join("");
  const describe = (el) => {
    const classes = typeof el.className === "string" ? el.className.trim().split(/\s+/).filter(Boolean) : [];
    return [el.tagName.toLowerCase(), ...classes].join(".");
  };

  const measure = () => {
    const backgrounds = new Map();
    const background = (el) => {  // the colour behind el: its own over its ancestors', down to the canvas
      if (!el) return [255, 255, 255, 1];
      if (!backgrounds.has(el)) {
        const c = parse(getComputedStyle(el).backgroundColor);
        backgrounds.set(el, c[3] >= 1 ? c : over(c, background(el.parentElement)));
      }
      return backgrounds.get(el);
    };
    const m = {texts: 0, minContrast: 99, minCodeContrast: 99, minFont: 999, low: [], lightBoxes: []};
    const se = document.scrollingElement;
    m.scrollWidth = se.scrollWidth; m.clientWidth = se.clientWidth;
    m.standardsMode = document.compatMode === "CSS1Compat";  // as in the clients' own pages
    m.pageLuminance = lum(background(document.body));
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const text = node.nodeValue.trim();
      if (!text) continue;
      const el = node.parentElement;
      if (el.closest("mjx-container")) continue;  // MathJax's hidden MathML copy, sized by MathJax
      const cs = getComputedStyle(el);
      if (cs.visibility !== "visible" || !el.getClientRects().length) continue;
      const bg = background(el);
      const fg = over(parse(cs.color), bg);
      const code = !!el.closest("pre.code");
      const contrast = ratio(fg, bg);
      const font = parseFloat(cs.fontSize);
      m.texts++;
      if (code) m.minCodeContrast = Math.min(m.minCodeContrast, contrast);
      else m.minContrast = Math.min(m.minContrast, contrast);
      m.minFont = Math.min(m.minFont, font);
      if (contrast < (code ? cfg.minCodeContrast : cfg.minContrast) || font < cfg.minFont)
        m.low.push({el: describe(el), text: text.slice(0, 40), contrast, code, font, fg: hex(fg), bg: hex(bg)});
    }
    if (cfg.night) {
      for (const el of document.body.querySelectorAll("*")) {
        const c = parse(getComputedStyle(el).backgroundColor);
        if (c[3] > 0 && lum(over(c, background(el.parentElement))) > cfg.maxBoxLuminance)
          m.lightBoxes.push(describe(el) + " " + hex(c));
      }
    }
    m.images = [...document.images].map(i => ({src: i.getAttribute("src"), ok: i.complete && i.naturalWidth > 0}));
    m.math = measureMath(se.clientWidth);
    return m;
  };

  // Each typeset formula: its TeX, display or inline, its TeX error (noerrors is off), its width
  // unbroken, and where it sits: in a box that scrolls, or past the screen's edge.
  const scrollBox = (el) => {
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      const ox = getComputedStyle(a).overflowX;
      if (ox === "auto" || ox === "scroll" || ox === "hidden") return a;
    }
    return null;
  };
  const measureMath = (screen) => {
    const out = {formulas: [], boxes: [], source: []};
    const doc = window.MathJax && MathJax.startup && MathJax.startup.document;
    for (const item of doc ? doc.math : []) {
      const root = item.typesetRoot;
      if (!root || !root.isConnected) continue;
      const error = root.querySelector("mjx-merror");
      const rects = [...root.getClientRects()];
      const pieces = [...root.querySelectorAll("mjx-math")].map(e => {  // with all it holds
        const range = document.createRange(); range.selectNodeContents(e);
        const r = range.getBoundingClientRect(), own = e.getBoundingClientRect();
        return {width: Math.max(r.width, own.width), right: Math.max(r.right, own.right)};
      });
      const width = pieces.reduce((sum, r) => sum + r.width, 0);
      const right = Math.max(0, ...pieces.map(r => r.right));
      const box = scrollBox(root);
      const boxRight = box ? box.getBoundingClientRect().right : 0;
      out.formulas.push({tex: item.math, display: item.display, width: Math.round(width * 10) / 10,
        lines: rects.length, error: error ? (error.getAttribute("data-mjx-error") || error.textContent) : null,
        inMathBox: !!root.closest(".math"), scrolls: !!box,
        pastEdge: box ? boxRight > screen + 0.5 : right > screen + 0.5});
    }
    for (const box of document.querySelectorAll(".math")) {
      if (box.scrollWidth <= box.clientWidth + 1) continue;
      const cs = getComputedStyle(box);
      out.boxes.push({tex: box.textContent.slice(0, 60), cue: cs.backgroundImage.includes("gradient")
        && cs.backgroundAttachment.includes("local"), scrollWidth: box.scrollWidth, clientWidth: box.clientWidth});
    }
    // math MathJax did not find (unbalanced delimiters, a brace left open): its source stays text
    const walker = document.createTreeWalker(document.getElementById("qa") || document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (node.parentElement.closest("code, pre, mjx-container")) continue;
      const at = node.nodeValue.search(/\\[(\[]/);
      if (doc && at >= 0) out.source.push(node.nodeValue.slice(at, at + 50));
    }
    return out;
  };

  for (const d of document.querySelectorAll("details")) d.open = true;  // folded extras count too
  const out = {};
  for (const night of [false, true]) {
    document.documentElement.className = cfg.htmlClass;
    document.body.className = cfg.bodyClass + (night ? " " + cfg.nightClass : "");
    cfg.night = night;
    out[night ? "night" : "light"] = measure();
  }
  return out;
}
"""
MAX_BOX_LUMINANCE = 0.2  # no light panel (table head, code block…) on a night page


def measure_args(doc: str, client: Client, ordinal: int) -> dict[str, Any]:
    """The argument MEASURE_JS takes for one side, client and card number."""
    return {"doc": doc, "cfg": {
        "htmlClass": client.html_class, "bodyClass": client.body_class(ordinal, night=False),
        "nightClass": client.night_class, "minContrast": MIN_CONTRAST,
        "minCodeContrast": MIN_CODE_CONTRAST, "maxBoxLuminance": MAX_BOX_LUMINANCE,
        "minFont": MIN_PHONE_FONT_PX if client.name == "phone" else 0}}


@dataclass(frozen=True)
class Failure:
    """One check that failed, located."""

    kind: str  # scroll, night, contrast, font, image, page, tex, math
    side: str
    config: str
    problem: str

    def __str__(self) -> str:
        return f"{self.side} [{self.config}]: {self.problem}"


def check_metrics(side: Side, client: Client, theme: str, m: dict[str, Any]) -> list[Failure]:
    """Every rule of the issue applied to one side in one client and theme."""
    config = f"{client.name} {client.width}px {theme}"
    failures = []

    def fail(kind: str, problem: str) -> None:
        failures.append(Failure(kind, side.name, config, problem))

    if not m["standardsMode"]:
        fail("page", "document rendered in quirks mode")
    if not m["texts"]:
        fail("page", "no visible text")
    if m["scrollWidth"] > m["clientWidth"]:
        fail("scroll", f"page scrolls sideways ({m['scrollWidth']} > {m['clientWidth']} px)")
    if theme == "night":
        if m["pageLuminance"] > MAX_NIGHT_LUMINANCE:
            fail("night", f"night background is not dark (luminance {m['pageLuminance']:.3f})")
        for box in m["lightBoxes"]:
            fail("night", f"light box in night mode: {box}")
    for t in m["low"]:
        need = MIN_CODE_CONTRAST if t["code"] else MIN_CONTRAST
        if t["contrast"] < need:
            fail("contrast", f"contrast {t['contrast']:.2f} < {need} for {t['el']} {t['text']!r} "
                 f"({t['fg']} on {t['bg']})")
        if client.name == "phone" and t["font"] < MIN_PHONE_FONT_PX:
            fail("font", f"font {t['font']}px < {MIN_PHONE_FONT_PX} for {t['el']} {t['text']!r}")
    for image in m["images"]:
        if not image["ok"]:
            fail("image", f"image did not load: {image['src']}")
    math = m.get("math", {"formulas": [], "boxes": [], "source": []})
    for f in math["formulas"]:
        if f["error"] and client.name == CLIENTS[0].name and theme == "light":  # once per side
            fail("tex", f"TeX error in {f['tex']!r}: {f['error']}")
        if f["pastEdge"]:
            fail("math", f"formula runs past the screen edge ({f['width']} px wide, "
                 f"{'display' if f['display'] else 'inline'}): {f['tex'][:60]!r}")
        if f["display"] and not f["inMathBox"]:
            fail("math", f"display formula outside its scrolling math box: {f['tex'][:60]!r}")
    for box in math["boxes"]:
        if not box["cue"]:
            fail("math", f"math box scrolls ({box['scrollWidth']} > {box['clientWidth']} px) with no "
                 f"cue that there is more: {box['tex']!r}")
    for text in math["source"]:
        if client.name == CLIENTS[0].name and theme == "light":
            fail("tex", f"math left untypeset (MathJax found no formula here): {text!r}")
    return failures


class _TextOutsideCode(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.depth = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in ("code", "pre"):
            self.depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("code", "pre") and self.depth:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if not self.depth:
            self.parts.append(data)


def _outside_code(html: str) -> str:
    parser = _TextOutsideCode()
    parser.feed(html)
    parser.close()
    return "".join(parser.parts)


_CODE_MD = re.compile(r"^ {0,3}(`{3,}|~{3,})[^\n]*\n.*?^ {0,3}\1[ \t]*$|(`+)(?!`).+?(?<!`)\2(?!`)", re.M | re.S)
_MATH_MD = re.compile(r"\$\$(.+?)\$\$|\\\((.+?)\\\)|\\\[(.+?)\\\]|(?<![\\$])\$(?!\s)([^$\n]+?)(?<![\s\\])\$", re.S)


def authored_math(markdown: str) -> list[str]:
    """The math spans an author wrote ($…$, $$…$$, \\(…\\), \\[…\\]), code excluded."""
    text = _CODE_MD.sub("", markdown)
    return [next(g for g in match.groups() if g is not None) for match in _MATH_MD.finditer(text)]


def math_problems(html: str) -> list[str]:
    """Math that MathJax in Anki would not typeset: unbalanced \\( \\) / \\[ \\], or stray $."""
    text = _outside_code(html)
    problems = []
    open_delim = None
    for match in re.finditer(r"\\[()\[\]]", text):
        token = match.group()
        if token in ("\\(", "\\["):
            if open_delim:
                problems.append(f"{token} inside {open_delim}…")
            open_delim = token
        else:
            expected = "\\)" if open_delim == "\\(" else "\\]" if open_delim == "\\[" else None
            if token != expected:
                problems.append(f"{token} without its opener")
            open_delim = None
    if open_delim:
        problems.append(f"{open_delim} never closed")
    outside_math = re.sub(r"\\\(.*?\\\)|\\\[.*?\\\]", "", text, flags=re.S)
    if "$" in outside_math:
        at = outside_math.index("$")
        problems.append(f"stray $ (not typeset by Anki): …{outside_math[max(0, at - 20):at + 20]}…")
    return problems
