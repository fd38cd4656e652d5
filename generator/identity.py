"""Identity changes Anki cannot apply on re-import, found before anything is written.

Anki matches a note by its GUID (from the deck namespace and the note id), a note type by its
id (from the namespace too) and a deck by its name, compared without regard to case. Changes
that break one of these matches look like ordinary edits in the data but do something else in
a learner's collection; each gets one located line saying what Anki would do and the way out:

- a note's kind changes under the same id: Anki skips the note as conflicting. Refused.
- the namespace changes: the whole deck and its note types arrive a second time. Refused
  unless --allow-identity-change (publishing a separate deck on purpose).
- an id takes over another note's question (or gives its own to another id): the learner's history follows the id
  to the other content. Refused unless --allow-identity-change.
- two topic titles that Anki takes for the same deck name. Refused (no lock needed).
- a cloze number now hides what another number hid (renumbered deletions): the card's
  history follows the number. Refused unless --allow-identity-change.
- a cloze number disappears from a note: Anki keeps its card, blank. Reported (generator.report)
  with a search for those cards: nothing is lost and the rest of the note updates.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING

from generator.errors import Problem

if TYPE_CHECKING:
    from generator.cards import RenderedNote
    from generator.lock import Changes
    from generator.model import Deck

ALLOW_FLAG = "--allow-identity-change"


def deck_name_key(name: str) -> str:
    """A deck-name component as Anki compares it (measured with its backend: tests/test_identity):
    NFC, surrounding spaces trimmed ('Beta ' is 'Beta'), full Unicode case folding ('Straße' is
    'STRASSE', 'K' is the Kelvin sign); inner spaces count ('A  B' is not 'A B')."""
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", name).strip().casefold())


def topic_case_problems(deck: Deck) -> list[Problem]:
    """Topics whose titles differ but which Anki would take for the same deck."""
    problems = []
    seen: dict[str, tuple[str, Path]] = {}
    for topic in deck.topics:
        key = deck_name_key(topic.title)
        first = seen.setdefault(key, (topic.title, topic.path))
        if first[1] != topic.path and first[0] != topic.title:  # equal titles: model's own error
            problems.append(Problem(
                str(topic.path), _key_line(topic.path, "topic"),
                f"topic {topic.title!r} and topic {first[0]!r} ({first[1].name}) differ only in letter "
                "case or surrounding spaces; Anki takes them for one deck name and imports one of the "
                "two decks renamed (with '_' added): rename one topic"))
    return problems


def identity_problems(changes: Changes, notes: list[RenderedNote], deck: Deck, *,
                      allow: bool = False) -> list[Problem]:
    """Errors for the identity changes in `changes` that Anki cannot apply; those a flag can
    accept are left out when `allow`."""
    where = {note.id: note for note in notes}
    problems = []
    if changes.namespace and not allow:
        old, new = changes.namespace
        path = deck.data_dir / "deck.yaml"
        problems.append(Problem(
            str(path), _key_line(path, "namespace"),
            f"namespace changed from '{old}' to '{new}' since the last build; note GUIDs and note-type "
            "ids come from it, so Anki would import the whole deck again beside the old one, without "
            f"its reviews: put back 'namespace: {old}', or pass {ALLOW_FLAG} for a separate deck"))
    for note_id, old_kind, new_kind in changes.kinds:
        note = where[note_id]
        problems.append(Problem(
            str(note.path), note.line,
            f"kind changed from {old_kind} to {new_kind} under the same id; Anki skips such a note as "
            "conflicting (learners keep the old cards and never get the new ones): give it a new id "
            "(the old one then shows up in the search for removed notes)", note_id))
    if not allow:
        kinds = {note_id for note_id, _, _ in changes.kinds}
        for note_id, other in changes.swapped:
            if note_id in kinds:
                continue
            note = where[note_id]
            problems.append(Problem(
                str(note.path), note.line,
                f"now asks what note '{other}' asked in the last build; Anki ties reviews to the id, so "
                f"this note's history would follow it to another question: keep each question under "
                f"its id, or pass {ALLOW_FLAG}", note_id))
        for note_id, number, before in changes.clozes_moved:
            note = where[note_id]
            problems.append(Problem(
                str(note.path), note.line,
                f"cloze c{number} now hides what c{before} hid in the last build; Anki keeps reviews per "
                f"cloze number, so card {number}'s history would follow it to another deletion: keep each "
                f"deletion's number (gaps are fine), or pass {ALLOW_FLAG}", note_id))
    return problems


def _key_line(path: Path, key: str) -> int | None:
    """The line of a top-level `key:` in a YAML file (None when not found or unreadable)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    pattern = re.compile(rf"^(['\"]?){key}\1\s*:")
    return next((i for i, line in enumerate(lines, 1) if pattern.match(line)), None)
