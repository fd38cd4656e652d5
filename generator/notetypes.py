"""The deck's note types. Their ids, fields and templates are frozen: see ANKI-IMPORT-RULES rule 2/3."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported on first use (packaging), not by every command
    import genanki

ANKI_TEMPLATES = "anki"


@dataclass(frozen=True)
class FieldDef:
    """A field with a stable id: Anki matches by id, so renaming one later is harmless."""

    name: str
    id: int


@dataclass(frozen=True)
class TemplateDef:
    """A card template: its files under templates/anki/ go to Anki verbatim, never through Jinja."""

    name: str
    id: int
    front: str
    back: str


@dataclass(frozen=True)
class NoteTypeDef:
    """One note type. Adding, removing or reordering fields/templates is a schema change."""

    kind: str
    name: str
    salt: int  # mixed with the deck namespace into model_id; never change
    fields: tuple[FieldDef, ...]
    templates: tuple[TemplateDef, ...]
    cloze: bool = False


# Every id below is frozen forever. New fields cost every user a "Merge note types" + full sync.
_QA_FIELDS = (
    FieldDef("Front", 6_912_331_470_112_705_001),
    FieldDef("Back", 6_912_331_470_112_705_002),
    FieldDef("Extra", 6_912_331_470_112_705_003),
    FieldDef("Sources", 6_912_331_470_112_705_004),
    FieldDef("Id", 6_912_331_470_112_705_005),
)
NOTE_TYPES: dict[str, NoteTypeDef] = {
    "basic": NoteTypeDef(
        "basic", "cardsmith Q&A", 1, _QA_FIELDS,
        (TemplateDef("Card 1", 6_912_331_470_112_706_001, "qa_front.html", "qa_back.html"),),
    ),
    "reverse": NoteTypeDef(
        "reverse", "cardsmith Q&A + reverse", 2, _QA_FIELDS,
        (
            TemplateDef("Card 1", 6_912_331_470_112_707_001, "qa_front.html", "qa_back.html"),
            TemplateDef("Card 2", 6_912_331_470_112_707_002, "reverse_front.html", "reverse_back.html"),
        ),
    ),
    "cloze": NoteTypeDef(
        "cloze", "cardsmith Cloze", 3,
        (
            FieldDef("Text", 6_912_331_470_112_708_001),
            FieldDef("Extra", 6_912_331_470_112_708_002),
            FieldDef("Sources", 6_912_331_470_112_708_003),
            FieldDef("Id", 6_912_331_470_112_708_004),
        ),
        (TemplateDef("Cloze", 6_912_331_470_112_709_001, "cloze_front.html", "cloze_back.html"),),
        cloze=True,
    ),
}
CSS_FILES = ("style.css", "highlight.css")


def model_id(namespace: str, kind: str) -> int:
    """A fixed model id per deck and kind (sha256, never Python's per-run hash())."""
    digest = hashlib.sha256(f"cardsmith:{namespace}:{NOTE_TYPES[kind].salt}".encode()).digest()
    return (1 << 30) + int.from_bytes(digest[:4], "big") % (1 << 30)


@dataclass(frozen=True)
class BuiltNoteType:
    """A note type resolved against the templates folder: what is handed to genanki."""

    definition: NoteTypeDef
    model_id: int
    name: str
    css: str
    templates: tuple[tuple[str, str], ...]  # (front, back) text per template

    def fingerprint(self) -> str:
        """Hash of everything that, when changed, needs a new note-type mod time."""
        payload = json.dumps([self.name, [(f.name, f.id) for f in self.definition.fields],
                              [(t.name, t.id) for t in self.definition.templates],
                              self.templates, self.css], ensure_ascii=False)
        return hashlib.sha256(payload.encode()).hexdigest()

    def schema(self) -> list[str]:
        """What Anki compares for equal_schema: field and template ids, in order."""
        return [f"field:{f.id}" for f in self.definition.fields] + [
            f"template:{t.id}" for t in self.definition.templates]

    def genanki_model(self) -> genanki.Model:
        """The genanki model, with stable field/template ids passed through to Anki."""
        import genanki

        d = self.definition
        return genanki.Model(
            self.model_id,
            self.name,
            fields=[{"name": f.name, "id": f.id} for f in d.fields],
            templates=[{"name": t.name, "id": t.id, "qfmt": q, "afmt": a}
                       for t, (q, a) in zip(d.templates, self.templates)],
            css=self.css,
            model_type=genanki.Model.CLOZE if d.cloze else genanki.Model.FRONT_BACK,
            sort_field_index=0,
        )


def load_note_types(namespace: str, templates_dir: Path | None = None) -> dict[str, BuiltNoteType]:
    """Read the theme's card templates and CSS verbatim (templates_dir: the override folder)
    and bind them to the frozen definitions. UsageError when a theme file is missing."""
    from generator.templating import theme_text

    def read(name: str) -> str:
        return theme_text(f"{ANKI_TEMPLATES}/{name}", templates_dir)

    css = "\n".join(read(name) for name in CSS_FILES)
    built = {}
    for kind, d in NOTE_TYPES.items():
        texts = tuple((read(t.front), read(t.back)) for t in d.templates)
        built[kind] = BuiltNoteType(d, model_id(namespace, kind), f"{d.name} ({namespace})", css, texts)
    return built
