"""The deck's note types. Their ids, fields and templates are frozen: see ANKI-IMPORT-RULES rule 2/3."""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from generator.errors import DataError, Problem

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
    problems = []
    for kind, d in NOTE_TYPES.items():
        texts = tuple((read(t.front), read(t.back)) for t in d.templates)
        for t, (front, back) in zip(d.templates, texts):
            problems += template_field_problems(d, t.front, front, question=True, templates_dir=templates_dir)
            problems += template_field_problems(d, t.back, back, question=False, templates_dir=templates_dir)
        built[kind] = BuiltNoteType(d, model_id(namespace, kind), f"{d.name} ({namespace})", css, texts)
    if problems:
        raise DataError(problems)
    return built


# Anki's special fields and field filters (rslib/src/template.rs, template_filters.rs).
SPECIAL_FIELDS = frozenset({"FrontSide", "Tags", "Type", "Deck", "Subdeck", "Card", "CardFlag", "CardID"})
_REPLACEMENT = re.compile(r"\{\{([^{}]*)\}\}")


def template_field_problems(definition: NoteTypeDef, name: str, text: str, *, question: bool,
                            templates_dir: Path | None) -> list[Problem]:
    """A card template that names a field the note type does not have makes Anki show nothing
    there, and a question that shows no field makes Anki create no card at all: both are
    located problems, never a silently empty deck."""
    from generator.templating import theme_file

    fields = [f.name for f in definition.fields]
    path = str(theme_file(f"{ANKI_TEMPLATES}/{name}", templates_dir))
    problems, shown = [], False
    for number, line in enumerate(text.splitlines(), 1):
        for match in _REPLACEMENT.finditer(line):
            replacement = match.group(1).strip()
            field = replacement.lstrip("#^/").split(":")[-1].strip()
            if field in fields:
                # a cloze note type makes cards only from a {{cloze:Field}} on the question
                shown = shown or not definition.cloze or replacement.startswith("cloze:")
            elif field not in SPECIAL_FIELDS:
                close = difflib.get_close_matches(field, fields, n=1)
                hint = f"did you mean '{close[0]}'? " if close else ""
                problems.append(Problem(path, number, f"card template names the field '{field}', which note type "
                                        f"'{definition.name}' does not have ({hint}fields: {', '.join(fields)})"))
    if question and not shown and not problems:
        what = "no {{cloze:Field}}" if definition.cloze else f"none of the fields ({', '.join(fields)})"
        problems.append(Problem(path, None, f"the question of '{definition.name}' shows {what}: "
                                "Anki would create no card from it"))
    return problems
