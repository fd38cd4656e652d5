"""The pipeline: load → validate → render → lint → stamp → package → write. Nothing is written
until everything has been read, rendered and verified."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from markupsafe import Markup

from generator.cards import RenderedNote, render_notes
from generator.errors import DataError, Problem, SchemaChangeError, UsageError
from generator.lint import lint
from generator.lock import LOCK_NAME, Changes, Lock, build_time, read_lock, stamp
from generator.model import Deck, load_deck
from generator.notetypes import BuiltNoteType, load_note_types
from generator.output import write_outputs
from generator.package import DeckInfo, package_bytes
from generator.render import render_markdown
from generator.templating import default_templates_dir, render


@dataclass
class BuildResult:
    """What a build did, for the CLI to print."""

    written: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)
    changes: Changes = field(default_factory=Changes)
    warnings: list[Problem] = field(default_factory=list)
    deck: Deck | None = None
    note_count: int = 0


@dataclass
class Prepared:
    """Everything a build computes before it writes anything."""

    deck: Deck
    notes: list[RenderedNote]
    media: dict[str, bytes]
    warnings: list[Problem]
    exercises: dict[str, str]
    notetypes: dict[str, BuiltNoteType]
    lock: Lock
    changes: Changes
    lock_exists: bool


def prepare(data_dir: Path, templates_dir: Path) -> Prepared:
    """Load, validate, render, lint, verify exercises and stamp: all reading, no writing."""
    deck = load_deck(data_dir)
    notes, media = render_notes(deck, templates_dir)
    warnings = lint(deck, notes)
    exercises = _exercises(data_dir, templates_dir)
    notetypes = load_note_types(deck.namespace, templates_dir)
    lock_path = data_dir / LOCK_NAME
    lock, changes = stamp(read_lock(lock_path), notes, notetypes, build_time())
    return Prepared(deck, notes, media, warnings, exercises, notetypes, lock, changes, lock_path.exists())


def build(data_dir: Path, out_dir: Path, templates_dir: Path | None = None, *,
          allow_schema_change: bool = False) -> BuildResult:
    """Build the deck and the exercises from data_dir into out_dir."""
    templates_dir = templates_dir or default_templates_dir()
    check_paths(data_dir, out_dir, templates_dir)
    p = prepare(data_dir, templates_dir)
    if p.changes.schema_changed and not allow_schema_change:
        raise SchemaChangeError(_schema_message(p.changes))
    apkg = package_bytes(_deck_info(p.deck, templates_dir), p.notes, p.notetypes, p.lock, p.media)
    outputs = {out_dir / f"{p.deck.namespace}.apkg": apkg}
    outputs.update({out_dir / rel: text.encode() for rel, text in p.exercises.items()})
    if p.changes.any or not p.lock_exists:
        outputs[data_dir / LOCK_NAME] = p.lock.dumps().encode()  # last: a crash before it is harmless
    written, unchanged = write_outputs(outputs, out_dir)
    return BuildResult(written, unchanged, p.changes, p.warnings, p.deck, len(p.notes))


def check(data_dir: Path, templates_dir: Path | None = None) -> list[Problem]:
    """Validate, lint and compare with the lock without writing; returns warnings, raises on errors."""
    templates_dir = templates_dir or default_templates_dir()
    if not data_dir.is_dir():
        raise UsageError(f"data folder '{data_dir}' not found (run in the project folder or pass --data)")
    p = prepare(data_dir, templates_dir)
    stale = _stale(p)
    if stale:
        raise DataError([Problem(str(data_dir / LOCK_NAME), None, stale)])
    return p.warnings


def _stale(p: Prepared) -> str:
    """Why the committed lock does not match the data ('' when it does)."""
    if not p.lock_exists:
        return "no lock file yet (run `cardsmith build` and commit data/cardsmith.lock)"
    if not p.changes.any:
        return ""
    c = p.changes
    parts = [f"{len(c.new)} new", f"{len(c.changed)} changed", f"{len(c.removed)} removed notes"]
    if c.notetypes_changed:
        parts.append("note types changed: " + ", ".join(c.notetypes_changed))
    return ("lock is stale (" + ", ".join(parts) + "); run `cardsmith build` and commit "
            "data/cardsmith.lock, or re-imports will not update the changed notes")


def check_paths(data_dir: Path, out_dir: Path, templates_dir: Path) -> None:
    """Refuse output folders that would overwrite the sources."""
    if not data_dir.is_dir():
        raise UsageError(f"data folder '{data_dir}' not found (run in the project folder or pass --data)")
    out = out_dir.resolve()
    for source, label in ((data_dir.resolve(), "data"), (templates_dir.resolve(), "templates")):
        if out == source or out.is_relative_to(source):
            raise UsageError(f"--out '{out_dir}' is inside the {label} folder '{source}'; choose another")


def _exercises(data_dir: Path, templates_dir: Path) -> dict[str, str]:
    if not any((data_dir / "exercises").glob("*.yaml")):
        return {}
    from generator.exercises import build_exercises  # only when there are exercises

    return build_exercises(data_dir, templates_dir)


def _deck_info(deck: Deck, templates_dir: Path) -> DeckInfo:
    html = render_markdown(deck.description) if deck.description else ""
    description = render("fields/deck_description.html.j2", templates_dir, html=Markup(html),
                         notes=sum(len(t.notes) for t in deck.topics), topics=len(deck.topics))
    return DeckInfo(deck.name, description.strip())


def _schema_message(changes: Changes) -> str:
    what = "; ".join(f"note type '{kind}': {detail}" for kind, detail in changes.schema_changed)
    return (f"schema change ({what}). Anki cannot update existing notes of a changed note type: "
            "every user would have to re-import with \"Merge note types\" on (which forces a full "
            "sync), or get a duplicate 'Name+' note type with their notes frozen. Renaming a field "
            "or template is fine (ids are stable); adding, removing or reordering is not. If you "
            "really mean it, pass --allow-schema-change and say so in the release notes.")
