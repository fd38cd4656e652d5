"""What a build tells the author: files written, notes changed, what to do in Anki."""

from __future__ import annotations

from typing import Iterator, NamedTuple

from generator.build import BuildResult
from generator.errors import display_path
from generator.notetypes import NOTE_TYPES


class Line(NamedTuple):
    """One line of the report; warnings go to stderr."""

    text: str
    warning: bool = False


def build_report(result: BuildResult, verbosity: int) -> Iterator[Line]:
    """Lines to print after a build: warnings, one line per file written, then the changes."""
    for problem in result.warnings:
        yield Line(str(problem), True)
    changes = result.changes
    for (old, new), moved in _moves(changes.moved).items():
        more = ", …" if len(moved) > 5 else ""
        yield Line(f"warning: {len(moved)} note(s) moved from deck '{old}' to '{new}' "
                   f"({', '.join(moved[:5])}{more}): Anki matches decks by name and never moves "
                   f"existing cards, so learners keep them in '{old}' (Browse → Change Deck)", True)
    lost = {note_id for note_id, _ in changes.clozes_removed}
    where = {note.id: f"{display_path(topic.path)}:{line}: " for topic, note, line in result.deck.notes()
             if note.id in lost} if result.deck is not None and lost else {}
    for note_id, numbers in changes.clozes_removed:
        one = len(numbers) == 1
        search = " OR ".join(f"card:{n}" for n in numbers)
        yield Line(f"{where.get(note_id, '')}warning: note '{note_id}' lost cloze {', '.join(f'c{n}' for n in numbers)}: Anki keeps "
                   f"{'that card' if one else 'those cards'}, reviews and all, now showing \"No cloze … found "
                   f"on card\"; learners delete {'it' if one else 'them'} (Tools → Empty Cards, or search "
                   f"Anki's browser: \"Id:{note_id}\" {search if one else f'({search})'})", True)
    if changes.namespace is not None:
        old, new = changes.namespace
        yield Line(f"warning: namespace changed from '{old}' to '{new}': Anki sees a new deck (every note "
                   "and note type is new); learners who import it keep the old copy beside it, with its "
                   f"reviews (to delete it, search Anki's browser: \"note:cardsmith*({old})\")", True)
    if verbosity < 0:
        return
    for path in result.written:
        yield Line(f"wrote {display_path(path)}")
    if verbosity > 0:
        for path in result.unchanged:
            yield Line(f"unchanged {display_path(path)}")
    yield Line(f"{result.note_count} notes: {len(changes.new)} new, {len(changes.changed)} changed, "
               f"{len(changes.removed)} removed")
    if verbosity > 0:
        yield from (Line(f"  new {note_id}") for note_id in changes.new)
        yield from (Line(f"  changed {note_id}") for note_id in changes.changed)
    for kind in changes.notetypes_changed:
        yield Line(f"note type '{NOTE_TYPES[kind].name}' changed; Anki updates it in place on re-import")
    for new_id, old_id in changes.replaced:
        yield Line(f"note '{new_id}' takes over the question of removed note '{old_id}': Anki adds it as a "
                   f"new note, learned from scratch, and keeps '{old_id}' with its reviews until deleted")
    if changes.removed and result.deck is not None:
        ids = " OR ".join(f'"Id:{note_id}"' for note_id in changes.removed)
        yield Line(f"{len(changes.removed)} note(s) left the data; Anki never deletes notes on import. "
                   f"To delete them, search in Anki's browser: \"deck:{result.deck.name}\" ({ids})")


def _moves(moved: list[tuple[str, str, str]]) -> dict[tuple[str, str], list[str]]:
    groups: dict[tuple[str, str], list[str]] = {}
    for note_id, old, new in moved:
        groups.setdefault((old, new), []).append(note_id)
    return groups
