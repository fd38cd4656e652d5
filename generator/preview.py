"""`cardsmith preview`: every card, front and back, in one self-contained HTML gallery.

The cards are rendered by the official Anki backend (PyPI `anki`) from the very .apkg a build
would write, so the author sees the HTML and CSS Anki shows. Each card side sits in its own
iframe whose <html>/<body> carry the classes the review clients set (ANKI-IMPORT-RULES §Exp 7).
Nothing here writes outside the preview folder: the lock is stamped in memory only.
"""

from __future__ import annotations

import importlib.util
import itertools
import re
import tempfile
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Iterator, Sequence

from markupsafe import Markup

from generator.build import check_paths, prepare
from generator.cards import RenderedNote
from generator.errors import Problem, display_path
from generator.mathjax import INSTALL_HINT, copied_files, find_mathjax, page_scripts
from generator.notetypes import BuiltNoteType
from generator.output import MANIFEST, write_outputs
from generator.package import DeckInfo, package_bytes
from generator.render import content_hash
from generator.report import Line
from generator.templating import environment, override_dir

INDEX = "index.html"
# Cards per gallery page. Every card side is an iframe written into the page (it shows without
# script), and a browser builds every iframe of a page as it loads, lazy or not (a file:// or
# srcdoc frame is never lazy): ~800 frames on one page took 35 s to load in headless Chromium.
PAGE_CARDS = 25


@dataclass(frozen=True)
class Client:
    """A review client: the classes its webview puts on <html> and on the card's <body>."""

    name: str
    label: str
    width: int
    height: int
    html_class: str
    night_class: str

    def body_class(self, ordinal: int, night: bool) -> str:
        """`card cardN` plus the night classes, as the client writes them."""
        return f"card card{ordinal}" + (f" {self.night_class}" if night else "")


# AnkiDroid: assets/card_template.html and CardAppearance.kt; desktop: aqt/theme.py (§Exp 7).
PHONE = Client("phone", "AnkiDroid phone", 360, 740, "mobile android linux js", "night_mode nightMode")
DESKTOP = Client("desktop", "Anki desktop", 1024, 768, "", "nightMode night_mode")
CLIENTS = (PHONE, DESKTOP)


@dataclass(frozen=True)
class CardView:
    """One card as Anki renders it, with what the gallery filters on."""

    note_id: str
    ordinal: int  # 1-based, as in the `cardN` body class
    template: str
    topic: str
    tags: tuple[str, ...]
    question: str
    answer: str
    css: str

    @property
    def key(self) -> str:
        """Unique and stable: note id and card number."""
        return f"{self.note_id}-{self.ordinal}"


@dataclass
class PreviewResult:
    """What a preview produced: the files of the gallery folder, relative to it."""

    files: dict[str, bytes]
    cards: list[CardView]
    renderer: str
    data_dir: Path
    templates_dir: Path | None
    warnings: list[Problem] = field(default_factory=list)


def preview(data_dir: Path, templates_dir: Path | None = None, *,
            use_anki: bool | None = None, page_cards: int = PAGE_CARDS) -> PreviewResult:
    """Render every card of the deck in data_dir into the gallery's files (nothing is written):
    index.html and page-N.html, at most page_cards cards each."""
    templates_dir = override_dir(data_dir, templates_dir)
    p = prepare(data_dir, templates_dir)  # the build's own pipeline; the lock is stamped in memory only
    deck, notes, media, notetypes, warnings = p.deck, p.notes, p.media, p.notetypes, list(p.warnings)
    if use_anki is None:
        use_anki = anki_available()
    if use_anki:
        apkg = package_bytes(DeckInfo(deck.name, ""), notes, notetypes, p.lock, media)  # no card shows the description
        cards, renderer = anki_cards(apkg, notes), f"Anki {_anki_version()} (the official backend)"
    else:
        cards, renderer = builtin_cards(notes, notetypes), "cardsmith's built-in renderer"
    topics = {n.id: n.deck.removeprefix(f"{deck.name}::") for n in notes}
    cards = [replace(c, topic=topics[c.note_id]) for c in cards]
    files = dict(media)
    # the note-type CSS once, beside index.html, rather than inlined into every side's document
    css_names = {css: f"card-{content_hash(css.encode())}.css" for css in dict.fromkeys(c.css for c in cards)}
    files.update({name: css.encode() for css, name in css_names.items()})
    docs = {c.key: tuple(card_document(side, PHONE, c.ordinal, night=False, css_href=css_names[c.css],
                                       templates_dir=templates_dir) for side in (c.question, c.answer))
            for c in cards}
    mathjax = find_mathjax()  # Anki's own MathJax (the aqt wheel), copied beside the gallery
    if mathjax is not None:
        files.update(copied_files(mathjax))
    else:
        warnings.append(Problem(str(data_dir), None, f"preview shows math as TeX source: Anki's MathJax "
                                f"is not installed ({INSTALL_HINT})", None, "warning"))
    pages = paginate(cards, page_cards)
    nav = [{"name": page_name(n), "topics": list(dict.fromkeys(c.topic for c in page)), "count": len(page)}
           for n, page in enumerate(pages, 1)]
    index = [[n, c.topic, list(c.tags)] for n, page in enumerate(pages, 1) for c in page]  # for the filters
    template = environment(templates_dir).get_template("preview/index.html.j2")
    for n, page in enumerate(pages, 1):
        files[page_name(n)] = template.render(
            mathjax=Markup(page_scripts(mathjax, copied=True)) if mathjax else None,
            mathjax_version=f"MathJax {mathjax.mathjax_version} from aqt {mathjax.aqt_version}" if mathjax else "",
            deck=deck.name, renderer=renderer, anki=use_anki, clients=[asdict(c) for c in CLIENTS],
            cards=page, docs=docs, topics=list(dict.fromkeys(topics.values())),
            tags=sorted({t for c in cards for t in c.tags}), total=len(cards), pages=nav, page=n,
            index=index).encode()
    return PreviewResult(files, cards, renderer, data_dir, templates_dir, warnings)


def page_name(number: int) -> str:
    """The file of the gallery's page `number` (1-based): the first is index.html."""
    return INDEX if number == 1 else f"page-{number}.html"


def paginate(cards: Sequence[CardView], size: int) -> list[list[CardView]]:
    """Cards in deck order, at most `size` a page; a topic starts a new page unless it fits
    whole on the last one, and a topic larger than a page is split."""
    pages: list[list[CardView]] = []
    for _, group in itertools.groupby(cards, key=lambda c: c.topic):
        run = list(group)
        for start in range(0, len(run), size):
            chunk = run[start:start + size]
            if pages and start == 0 and len(pages[-1]) + len(run) <= size:
                pages[-1].extend(chunk)
            else:
                pages.append(chunk)
    return pages or [[]]


def card_document(body: str, client: Client, ordinal: int, *, night: bool, css: str | None = None,
                  css_href: str | None = None, templates_dir: Path | None = None) -> str:
    """One card side as the client's webview holds it: its classes, the note-type CSS, the HTML."""
    return environment(templates_dir).get_template("preview/card.html.j2").render(
        html_class=client.html_class, body_class=client.body_class(ordinal, night),
        css=Markup(css or ""), css_href=css_href, body=Markup(body))


def anki_available() -> bool:
    """True when the official `anki` package can be imported."""
    return importlib.util.find_spec("anki") is not None


def _anki_version() -> str:
    from anki.buildinfo import version

    return str(version)


def anki_cards(apkg: bytes, notes: Sequence[RenderedNote]) -> list[CardView]:
    """Import the package into a throwaway collection and render every card with Anki itself."""
    import anki.collection  # noqa: F401  (anki.cards cannot be imported first)
    from anki import import_export_pb2 as pb
    from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest

    order = {note.id: i for i, note in enumerate(notes)}
    by_id = {note.id: note for note in notes}
    with tempfile.TemporaryDirectory(prefix="cardsmith-preview-") as tmp:
        package = Path(tmp) / "deck.apkg"
        package.write_bytes(apkg)
        col = Collection(str(Path(tmp) / "collection.anki2"))
        try:
            if_newer = pb.IMPORT_ANKI_PACKAGE_UPDATE_CONDITION_IF_NEWER
            col.import_anki_package(ImportAnkiPackageRequest(
                package_path=str(package),
                options=ImportAnkiPackageOptions(update_notes=if_newer, update_notetypes=if_newer)))
            cards = []
            for card_id in col.find_cards(""):
                card = col.get_card(card_id)
                out = card.render_output()
                note_id = card.note()["Id"]
                cards.append(CardView(note_id, card.ord + 1, str(card.template()["name"]), "",
                                      by_id[note_id].tags, out.question_text, out.answer_text, out.css))
        finally:
            col.close()
    return sorted(cards, key=lambda c: (order[c.note_id], c.ordinal))


def builtin_cards(notes: Sequence[RenderedNote], notetypes: dict[str, BuiltNoteType]) -> list[CardView]:
    """Render the card templates without Anki: field, section and cloze substitution only."""
    cards = []
    for note in notes:
        built = notetypes[note.kind]
        values = {f.name: value for f, value in zip(built.definition.fields, note.fields)}
        values["Tags"] = " ".join(sorted(note.tags, key=str.casefold))  # Anki's special field, as Anki sorts it
        for i, (template, (front, back)) in enumerate(zip(built.definition.templates, built.templates)):
            ordinals = _cloze_ordinals(values) if built.definition.cloze else [i + 1]
            for ordinal in ordinals:
                question = _fill(front, values, ordinal, answer=False)
                answer = _fill(back, values, ordinal, answer=True)
                if re.sub(r"<[^>]+>|\s", "", question):  # Anki makes no card for an empty front
                    cards.append(CardView(note.id, ordinal, template.name, "", note.tags,
                                          question, answer, built.css))
    return cards


_SECTION = re.compile(r"\{\{([#^])([^}]+)\}\}(.*?)\{\{/\2\}\}", re.S)
_FIELD = re.compile(r"\{\{(?:(cloze):)?([^#^/}][^}]*)\}\}")
_CLOZE = re.compile(r"\{\{c(\d+)::(.*?)(?:::(.*?))?\}\}", re.S)


def _cloze_ordinals(values: dict[str, str]) -> list[int]:
    return sorted({int(n) for value in values.values() for n, _, _ in _CLOZE.findall(value)})


def _fill(template: str, values: dict[str, str], ordinal: int, *, answer: bool) -> str:
    def section(match: re.Match[str]) -> str:
        present = bool(values.get(match.group(2).strip(), "").strip())
        return match.group(3) if present == (match.group(1) == "#") else ""

    def field_value(match: re.Match[str]) -> str:
        value = values.get(match.group(2).strip(), "")
        return _cloze(value, ordinal, answer) if match.group(1) else value

    return _FIELD.sub(field_value, _SECTION.sub(section, template))


def _cloze(text: str, ordinal: int, answer: bool) -> str:
    """Anki's cloze markup: the active deletion hidden (front) or shown (back), the others plain."""
    def one(match: re.Match[str]) -> str:
        n, content, hint = int(match.group(1)), match.group(2), match.group(3)
        if n != ordinal:
            return f'<span class="cloze-inactive" data-ordinal="{n}">{content}</span>'
        if answer:
            return f'<span class="cloze" data-ordinal="{n}">{content}</span>'
        shown = f"[{hint}]" if hint else "[...]"
        return f'<span class="cloze" data-cloze="{_attribute(content)}" data-ordinal="{n}">{shown}</span>'

    return _CLOZE.sub(one, text)


_NAMED = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}


def _attribute(text: str) -> str:
    """Anki's attribute encoding: ASCII letters, digits and characters above U+00FF stay as they are."""
    return "".join(_NAMED.get(ch) or (ch if (ch.isascii() and ch.isalnum()) or ord(ch) > 0xFF
                                      else f"&#x{ord(ch):X};") for ch in text)


def write_preview(result: PreviewResult, out_dir: Path) -> tuple[list[Path], list[Path]]:
    """Write the gallery atomically; delete only files an earlier preview wrote. (written, removed)"""
    check_paths(result.data_dir, out_dir, result.templates_dir)
    manifest = out_dir / MANIFEST
    previous = set(manifest.read_text(encoding="utf-8").split()) if manifest.is_file() else set()
    outputs = {out_dir / name: data for name, data in result.files.items()}
    outputs[manifest] = "".join(f"{name}\n" for name in sorted(result.files)).encode()
    written, _ = write_outputs(outputs, out_dir)
    removed = []
    for name in sorted(previous - set(result.files)):
        path = out_dir / name
        if "/" not in name and path.is_file():
            path.unlink()
            removed.append(path)
    return [p for p in written if p != manifest], removed


def preview_summary(result: PreviewResult, out_dir: Path) -> str:
    """The preview in one line: how many cards, rendered by what, and where to open it."""
    notes = len({c.note_id for c in result.cards})
    pages = sum(1 for name in result.files if name == INDEX or re.fullmatch(r"page-\d+\.html", name))
    return (f"{len(result.cards)} cards of {notes} notes rendered by {result.renderer} → "
            f"{display_path(out_dir / INDEX)}" + (f" ({pages} pages)" if pages > 1 else ""))


def preview_report(result: PreviewResult, out_dir: Path, written: Sequence[Path],
                   verbosity: int) -> Iterator[Line]:
    """Lines to print after a preview: warnings, then where the gallery is."""
    yield from (Line(str(problem), True) for problem in result.warnings)
    if verbosity < 0:
        return
    if verbosity > 0:
        yield from (Line(f"wrote {display_path(path)}") for path in written)
    yield Line(f"preview: {preview_summary(result, out_dir)}")
