"""What a build tells the author: files written, notes changed, what to do in Anki."""

from __future__ import annotations

from typing import Iterator

from generator.build import BuildResult
from generator.errors import display_path
from generator.notetypes import NOTE_TYPES


def build_report(result: BuildResult, verbosity: int) -> Iterator[str]:
    """Lines to print after a build, one per file written, then the change report."""
    for problem in result.warnings:
        yield str(problem)
    if verbosity < 0:
        return
    for path in result.written:
        yield f"wrote {display_path(path)}"
    if verbosity > 0:
        for path in result.unchanged:
            yield f"unchanged {display_path(path)}"
    changes = result.changes
    yield (f"{result.note_count} notes: {len(changes.new)} new, {len(changes.changed)} changed, "
           f"{len(changes.removed)} removed")
    if verbosity > 0:
        for note_id in changes.new:
            yield f"  new {note_id}"
        for note_id in changes.changed:
            yield f"  changed {note_id}"
    for kind in changes.notetypes_changed:
        yield f"note type '{NOTE_TYPES[kind].name}' changed (templates or CSS); Anki updates it in place"
    for note_id, old, new in changes.moved:
        yield (f"warning: note '{note_id}' moved from '{old}' to '{new}': Anki keeps existing cards "
               "in their deck; move them by hand (Browse → Change Deck) if you want")
    if changes.removed and result.deck is not None:
        ids = " OR ".join(f'"Id:{note_id}"' for note_id in changes.removed)
        yield (f"{len(changes.removed)} note(s) left the data; Anki never deletes on import. To delete "
               f"them, search in Anki's browser: \"deck:{result.deck.name}\" ({ids})")
