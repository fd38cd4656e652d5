"""Stage 4, stamp: per-note modification times kept in data/cardsmith.lock.

Anki updates a note on re-import only when the package's note mod is newer than its own
(ANKI-IMPORT-RULES rule 4). So a note's mod is the time its content last changed, never a
build time: unchanged notes keep their old mod and a re-import leaves them (and a learner's
edits to them) alone, while an edited note gets a newer mod and is updated in place.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from generator.errors import DataError, Problem

if TYPE_CHECKING:
    from generator.cards import RenderedNote
    from generator.notetypes import BuiltNoteType

LOCK_NAME = "cardsmith.lock"
LOCK_VERSION = 1


@dataclass(frozen=True)
class Stamp:
    """What the lock remembers of one note or note type."""

    hash: str
    mod: int
    deck: str = ""  # notes: the deck its cards were first created in
    schema: tuple[str, ...] = ()  # note types: field/template ids in order


@dataclass
class Lock:
    """Content hashes and modification times, by note id and note-type kind."""

    notes: dict[str, Stamp] = field(default_factory=dict)
    notetypes: dict[str, Stamp] = field(default_factory=dict)

    def dumps(self) -> str:
        """Stable, diff-friendly JSON: exactly json.dumps(…, ensure_ascii=False, indent=1) of
        {version, notetypes, notes}, with the (many) notes written by hand, because json's
        indenting encoder is pure Python and takes a noticeable time on a big deck."""
        head = {
            "version": LOCK_VERSION,
            "notetypes": {k: {"hash": s.hash, "mod": s.mod, "schema": list(s.schema)}
                          for k, s in sorted(self.notetypes.items())},
        }
        text = json.dumps(head, ensure_ascii=False, indent=1)
        if not self.notes:
            return text[:-2] + ',\n "notes": {}\n}\n'
        # A quoted JSON string: what JSONEncoder(ensure_ascii=False).encode(str) itself calls.
        q = json.encoder.encode_basestring
        notes = ",\n".join(
            f'  {q(k)}: {{\n   "hash": {q(s.hash)},\n   "mod": {int(s.mod)},\n   "deck": {q(s.deck)}\n  }}'
            for k, s in sorted(self.notes.items(), key=lambda item: item[0]))
        return text[:-2] + ',\n "notes": {\n' + notes + "\n }\n}\n"


@dataclass
class Changes:
    """What a build changes relative to the previous lock."""

    new: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    moved: list[tuple[str, str, str]] = field(default_factory=list)  # id, old deck, new deck
    notetypes_changed: list[str] = field(default_factory=list)
    schema_changed: list[tuple[str, str]] = field(default_factory=list)  # kind, explanation

    @property
    def any(self) -> bool:
        """True when the lock must be rewritten."""
        return bool(self.new or self.changed or self.removed or self.notetypes_changed
                    or self.schema_changed)


def build_time() -> int:
    """Now, or SOURCE_DATE_EPOCH when set (for the mods of new or changed notes only)."""
    value = os.environ.get("SOURCE_DATE_EPOCH")
    if value:
        try:
            return int(value)
        except ValueError:
            raise DataError([Problem("SOURCE_DATE_EPOCH", None, f"{value!r} is not an integer "
                                     "(expected seconds since 1970)")]) from None
    return int(time.time())


def read_lock(path: Path) -> Lock:
    """The previous lock, or an empty one for a first build."""
    if not path.exists():
        return Lock()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("version") != LOCK_VERSION:
            raise ValueError(f"version {data.get('version')!r} (expected {LOCK_VERSION})")
        return Lock(
            notes={k: Stamp(v["hash"], int(v["mod"]), v.get("deck", "")) for k, v in data["notes"].items()},
            notetypes={k: Stamp(v["hash"], int(v["mod"]), schema=tuple(v.get("schema", ())))
                       for k, v in data["notetypes"].items()},
        )
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise DataError([Problem(str(path), None, f"lock file is damaged ({exc}); restore it from "
                                 "git (deleting it makes every note look new)")]) from None


def _next_mod(previous: Stamp | None, now: int) -> int:
    """A new mod is strictly newer than the old one: Anki's IF_NEWER needs '>'."""
    return now if previous is None else max(now, previous.mod + 1)


def stamp(previous: Lock, notes: list[RenderedNote], notetypes: dict[str, BuiltNoteType],
          now: int) -> tuple[Lock, Changes]:
    """The new lock for this build and what changed since the previous one."""
    lock, changes = Lock(), Changes()
    for note in notes:
        old = previous.notes.get(note.id)
        digest = note.content_hash()
        if old is not None and old.hash == digest:
            lock.notes[note.id] = old if old.deck else Stamp(digest, old.mod, note.deck)
        else:
            (changes.new if old is None else changes.changed).append(note.id)
            lock.notes[note.id] = Stamp(digest, _next_mod(old, now), old.deck if old else note.deck)
        if old is not None and old.deck and old.deck != note.deck:
            changes.moved.append((note.id, old.deck, note.deck))
    changes.removed = sorted(set(previous.notes) - set(lock.notes))
    for kind, built in notetypes.items():
        old = previous.notetypes.get(kind)
        digest, schema = built.fingerprint(), tuple(built.schema())
        if old is not None and old.hash == digest:
            lock.notetypes[kind] = old
            continue
        if old is not None:
            changes.notetypes_changed.append(kind)
            if old.schema and old.schema != schema:
                changes.schema_changed.append((kind, _describe_schema_change(old.schema, schema)))
        lock.notetypes[kind] = Stamp(digest, _next_mod(old, now), schema=schema)
    return lock, changes


def _describe_schema_change(old: tuple[str, ...], new: tuple[str, ...]) -> str:
    added = [x for x in new if x not in old]
    removed = [x for x in old if x not in new]
    parts = []
    if added:
        parts.append("added " + ", ".join(added))
    if removed:
        parts.append("removed " + ", ".join(removed))
    if not parts:
        parts.append("reordered fields or templates")
    return "; ".join(parts)
