"""Stage 4, stamp: per-note modification times kept in data/cardsmith.lock.

Anki updates a note on re-import only when the package's note mod is newer than its own
(ANKI-IMPORT-RULES rule 4). So a note's mod is the time its content last changed, never a
build time: unchanged notes keep their old mod and a re-import leaves them (and a learner's
edits to them) alone, while an edited note gets a newer mod and is updated in place.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator.errors import DataError, Problem

if TYPE_CHECKING:
    from generator.cards import RenderedNote
    from generator.notetypes import BuiltNoteType

LOCK_NAME = "cardsmith.lock"
LOCK_VERSION = 1  # later fields are optional: older cardsmiths read newer locks and vice versa
MAX_TIME = 253_402_300_799  # 9999-12-31 23:59:59 UTC: the last second every client can show
_TIME_RANGE = f"expected seconds since 1970, 0 to {MAX_TIME}"


@dataclass(frozen=True)
class Stamp:
    """What the lock remembers of one note or note type."""

    hash: str
    mod: int
    deck: str = ""  # notes: the deck its cards were first created in
    schema: tuple[str, ...] = ()  # note types: field/template ids in order
    kind: str = ""  # notes: its kind ('' in locks written before cardsmith remembered it)
    question: str = ""  # notes: short hash of its first field (the question, or a cloze's text)
    clozes: tuple[tuple[int, str], ...] = ()  # cloze notes: (number, short hash of what it hides)


@dataclass
class Lock:
    """Content hashes and modification times, by note id and note-type kind, and the deck
    namespace they were built under ('' in locks written before cardsmith remembered it)."""

    notes: dict[str, Stamp] = field(default_factory=dict)
    notetypes: dict[str, Stamp] = field(default_factory=dict)
    namespace: str = ""

    def dumps(self) -> str:
        """Stable, diff-friendly JSON: exactly json.dumps(…, ensure_ascii=False, indent=1) of
        {version, [namespace], notetypes, notes}, with the (many) notes written by hand, because
        json's indenting encoder is pure Python and takes a noticeable time on a big deck. Fields
        left empty are not written, so a lock without them reads (and writes) as before."""
        head: dict[str, Any] = {"version": LOCK_VERSION}
        if self.namespace:
            head["namespace"] = self.namespace
        head["notetypes"] = {k: {"hash": s.hash, "mod": s.mod, "schema": list(s.schema)}
                             for k, s in sorted(self.notetypes.items())}
        text = json.dumps(head, ensure_ascii=False, indent=1)
        if not self.notes:
            return text[:-2] + ',\n "notes": {}\n}\n'
        notes = ",\n".join(f"  {_q(k)}: {{\n{_note_body(s)}\n  }}"
                           for k, s in sorted(self.notes.items(), key=lambda item: item[0]))
        return text[:-2] + ',\n "notes": {\n' + notes + "\n }\n}\n"


# A quoted JSON string: what JSONEncoder(ensure_ascii=False).encode(str) itself calls.
_q = json.encoder.encode_basestring


def _note_body(s: Stamp) -> str:
    lines = [f'   "hash": {_q(s.hash)}', f'   "mod": {int(s.mod)}', f'   "deck": {_q(s.deck)}']
    if s.kind:
        lines.append(f'   "kind": {_q(s.kind)}')
    if s.question:
        lines.append(f'   "question": {_q(s.question)}')
    if s.clozes:
        lines.append('   "clozes": {\n' + ",\n".join(f'    "{int(n)}": {_q(h)}' for n, h in s.clozes) + "\n   }")
    return ",\n".join(lines)


@dataclass
class Changes:
    """What a build changes relative to the previous lock, including the identity changes
    Anki cannot apply (generator.build refuses or reports them)."""

    new: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    moved: list[tuple[str, str, str]] = field(default_factory=list)  # id, old deck, new deck
    notetypes_changed: list[str] = field(default_factory=list)
    schema_changed: list[tuple[str, str]] = field(default_factory=list)  # kind, explanation
    namespace: tuple[str, str] | None = None  # old, new: every GUID and note-type id changes
    kinds: list[tuple[str, str, str]] = field(default_factory=list)  # id, old kind, new kind
    swapped: list[tuple[str, str]] = field(default_factory=list)  # id, id whose question it took or got
    clozes_removed: list[tuple[str, tuple[int, ...]]] = field(default_factory=list)  # id, numbers
    clozes_moved: list[tuple[str, int, int]] = field(default_factory=list)  # id, number, its old number
    replaced: list[tuple[str, str]] = field(default_factory=list)  # new id, removed id: same question
    lock_upgrade: bool = False  # the lock lacks fields this cardsmith writes: rewrite it

    @property
    def any(self) -> bool:
        """True when the lock's content is out of date (so `check` fails)."""
        return bool(self.new or self.changed or self.removed or self.notetypes_changed
                    or self.schema_changed or self.namespace)


def build_time() -> int:
    """Now, or SOURCE_DATE_EPOCH when set (for the mods of new or changed notes only)."""
    value = os.environ.get("SOURCE_DATE_EPOCH")
    if not value:
        return int(time.time())
    if re.fullmatch(r"[0-9]{1,20}", value) and int(value) <= MAX_TIME:
        return int(value)
    shown = value if len(value) <= 40 else value[:37] + "..."
    if re.fullmatch(r"-[0-9]+", value):
        problem = f"{shown} is negative ({_TIME_RANGE})"
    elif re.fullmatch(r"[0-9]+", value):
        problem = f"{shown} is too large: after the year 9999 ({_TIME_RANGE})"
    else:
        problem = f"{shown!r} is not an integer ({_TIME_RANGE})"
    raise DataError([Problem("SOURCE_DATE_EPOCH", None, problem + "; unset it or fix it")])


def read_lock(path: Path) -> Lock:
    """The previous lock, or an empty one for a first build. A lock that cannot be read or
    holds what no build writes is one located DataError."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        if path.is_symlink():
            raise DataError([Problem(str(path), None, "lock file is a symlink to nothing; remove it, "
                                     "or restore the file from git")]) from None
        return Lock()
    except IsADirectoryError:
        raise DataError([Problem(str(path), None, "lock file is a folder (expected the file `cardsmith "
                                 "build` writes); remove the folder, or restore the file from git")]) from None
    except UnicodeDecodeError:
        raise DataError([_damaged(path, None, "not valid UTF-8")]) from None
    except OSError as exc:
        raise DataError([Problem(str(path), None, f"cannot read the lock file ({exc.strerror or exc}); "
                                 "make it readable (chmod u+r) or restore it from git")]) from None
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        if isinstance(exc, json.JSONDecodeError):
            raise DataError([_damaged(path, exc.lineno, exc.msg)]) from None
        raise DataError([_damaged(path, None, "nested too deeply" if isinstance(exc, RecursionError)
                                  else str(exc)[:80])]) from None
    try:
        return _parse_lock(data)
    except _Bad as bad:
        raise DataError([_damaged(path, _line_of(text, bad.where), bad.problem, bad.note_id)]) from None


def _damaged(path: Path, line: int | None, problem: str, note_id: str | None = None) -> Problem:
    return Problem(str(path), line, f"lock file is damaged: {problem}; restore it from git "
                   "(deleting it makes every note look new)", note_id)


class _Bad(Exception):
    """A value in the lock no build writes: where (JSON keys), what, and the note if any."""

    def __init__(self, where: tuple[str, ...], problem: str, note_id: str | None = None) -> None:
        super().__init__(problem)
        self.where, self.problem, self.note_id = where, problem, note_id


def _parse_lock(data: Any) -> Lock:
    if not isinstance(data, dict):
        raise _Bad((), f"top level is a {type(data).__name__} (expected an object)")
    if data.get("version") != LOCK_VERSION:
        raise _Bad(("version",), f"version {data.get('version')!r} (expected {LOCK_VERSION})")
    namespace = _get(data, "namespace", str, ("namespace",), "", None)
    notes, notetypes = (_get(data, key, dict, (key,), None, None) for key in ("notes", "notetypes"))
    lock = Lock(namespace=namespace)
    for note_id, v in notes.items():
        at = ("notes", note_id)
        if not isinstance(v, dict):
            raise _Bad(at, f"entry is {_shown(v)} (expected an object)", note_id)
        clozes = _get(v, "clozes", dict, at + ("clozes",), {}, note_id)
        if not all(re.fullmatch(r"[0-9]{1,5}", n) and isinstance(h, str) for n, h in clozes.items()):
            raise _Bad(at + ("clozes",), f"'clozes' is {_shown(clozes)} (expected cloze numbers "
                       "and hashes)", note_id)
        lock.notes[note_id] = Stamp(
            _get(v, "hash", str, at + ("hash",), None, note_id), _mod(v, at, note_id),
            _get(v, "deck", str, at + ("deck",), "", note_id), (),
            _get(v, "kind", str, at + ("kind",), "", note_id),
            _get(v, "question", str, at + ("question",), "", note_id),
            tuple(sorted((int(n), h) for n, h in clozes.items())))
    for kind, v in notetypes.items():
        at = ("notetypes", kind)
        if not isinstance(v, dict):
            raise _Bad(at, f"note type '{kind}' is {_shown(v)} (expected an object)")
        try:
            schema = _get(v, "schema", list, at + ("schema",), [], None)
            if not all(isinstance(x, str) for x in schema):
                raise _Bad(at + ("schema",), f"schema {_shown(schema)} (expected strings)")
            lock.notetypes[kind] = Stamp(_get(v, "hash", str, at + ("hash",), None, None), _mod(v, at, None),
                                         schema=tuple(schema))
        except _Bad as bad:
            raise _Bad(bad.where, f"note type '{kind}': {bad.problem}") from None
    return lock


_TYPE_NAMES = {str: "a string", int: "an integer", list: "a list", dict: "an object"}


def _get(obj: dict[str, Any], key: str, kind: type, where: tuple[str, ...], default: Any,
         note_id: str | None) -> Any:
    """obj[key], which must be of `kind` (bool is no int); `default` when absent (None: required)."""
    if key not in obj:
        if default is None:
            raise _Bad(where[:-1], f"'{key}' is missing", note_id)
        return default
    value = obj[key]
    if not isinstance(value, kind) or isinstance(value, bool):
        raise _Bad(where, f"'{key}' is {_shown(value)} (expected {_TYPE_NAMES[kind]})", note_id)
    return value


def _mod(obj: dict[str, Any], where: tuple[str, ...], note_id: str | None) -> int:
    mod: int = _get(obj, "mod", int, where + ("mod",), None, note_id)
    if not 0 <= mod <= MAX_TIME:
        raise _Bad(where + ("mod",), f"'mod' is {_shown(mod)}, out of range ({_TIME_RANGE})", note_id)
    return mod


def _shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else text[:37] + "..."


def _line_of(text: str, where: tuple[str, ...]) -> int | None:
    """The line of the innermost key of `where` in the lock's text (as dumps() lays it out, one
    key a line): each key is searched for after the line of the one before."""
    lines = text.splitlines()
    start, found = 0, None
    for key in where:
        needle = _q(key) + ":"
        for i in range(start, len(lines)):
            if lines[i].lstrip().startswith(needle):
                start, found = i + 1, i + 1
                break
        else:
            return found
    return found


def _next_mod(previous: Stamp | None, now: int) -> int:
    """A new mod is strictly newer than the old one: Anki's IF_NEWER needs '>'."""
    return now if previous is None else max(now, previous.mod + 1)


def stamp(previous: Lock, notes: list[RenderedNote], notetypes: dict[str, BuiltNoteType],
          now: int, namespace: str = "") -> tuple[Lock, Changes]:
    """The new lock for this build and what changed since the previous one. `namespace`: the
    deck's (recorded in the lock; a different one in the previous lock makes every note and
    note type new in Anki, so they are stamped as new)."""
    changes = Changes()
    if namespace and previous.namespace and previous.namespace != namespace:
        changes.namespace = (previous.namespace, namespace)
        previous = Lock()
    lock = Lock(namespace=namespace or previous.namespace)
    changes.lock_upgrade = bool(namespace) and previous.namespace != namespace
    for note in notes:
        old = previous.notes.get(note.id)
        digest = note.content_hash()
        if old is not None and old.hash == digest and old.kind and old.question and old.deck:
            lock.notes[note.id] = old  # same fields and tags: what the lock knows of them still holds
            if old.deck != note.deck:
                changes.moved.append((note.id, old.deck, note.deck))
            continue
        mine = Stamp(digest, 0, note.deck, kind=note.kind, question=question_hash(note),
                     clozes=cloze_numbers(note))
        if old is not None and old.hash == digest:
            mine = Stamp(digest, old.mod, old.deck or note.deck, (), mine.kind, mine.question, mine.clozes)
            changes.lock_upgrade |= mine != old
        else:
            (changes.new if old is None else changes.changed).append(note.id)
            mine = Stamp(digest, _next_mod(old, now), old.deck if old else note.deck, (), mine.kind,
                         mine.question, mine.clozes)
        lock.notes[note.id] = mine
        if old is None:
            continue
        if old.deck and old.deck != note.deck:
            changes.moved.append((note.id, old.deck, note.deck))
        if old.kind and old.kind != note.kind:
            changes.kinds.append((note.id, old.kind, note.kind))
        elif old.clozes and mine.clozes:
            _cloze_changes(note.id, dict(old.clozes), dict(mine.clozes), changes)
    changes.removed = sorted(set(previous.notes) - set(lock.notes))
    changes.swapped, changes.replaced = _identity_moves(previous, lock, changes)
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


def _cloze_changes(note_id: str, old: dict[int, str], new: dict[int, str], changes: Changes) -> None:
    """Cloze numbers gone from a note (Anki keeps their cards, blank), and numbers that now hide
    what another number hid (the card's history follows the number, not the deletion)."""
    gone = sorted(set(old) - set(new))
    if gone:
        changes.clozes_removed.append((note_id, tuple(gone)))
    was = {}
    for number, digest in sorted(old.items(), reverse=True):
        was[digest] = number  # the lowest number wins when deletions repeat
    for number, digest in sorted(new.items()):
        before = was.get(digest)
        if number in old and old[number] != digest and before is not None and before != number:
            changes.clozes_moved.append((note_id, number, before))


def question_hash(note: RenderedNote) -> str:
    """What the lock keeps of a note's question side: a short hash of its first field (the
    front, or a cloze note's text), to see a question move to another id."""
    return hashlib.sha256(note.fields[0].encode()).hexdigest()[:16]


def cloze_numbers(note: RenderedNote) -> tuple[tuple[int, str], ...]:
    """A cloze note's cloze numbers (one card each), in order, each with a short hash of what
    it hides (the bodies of its deletions); () for other kinds."""
    if note.kind != "cloze":
        return ()
    from generator.cloze import parse  # Anki's own reading of the deletions

    text = note.fields[0]
    bodies: dict[int, list[str]] = {}
    for deletion in parse(text).all():
        for number in deletion.numbers:
            bodies.setdefault(number, []).append(deletion.answer(text))
    return tuple((n, hashlib.sha256(json.dumps(b, ensure_ascii=False).encode()).hexdigest()[:8])
                 for n, b in sorted(bodies.items()))


def _identity_moves(previous: Lock, lock: Lock, changes: Changes) -> tuple[list[tuple[str, str]],
                                                                           list[tuple[str, str]]]:
    """Notes whose id now asks another note's question (Anki ties the learner's history to the
    id, so it would follow the id to other content): (id, other id), one per id; either the
    id took another's question or another id took its own. And new notes that ask the question
    of a removed one (a deliberate new id: learned afresh): (new id, removed id). Only questions
    are compared: a note's content hash includes its id. Locks that lack question hashes
    (written before cardsmith kept them) find nothing until their first rebuild."""
    old_question = {s.question: note_id for note_id, s in sorted(previous.notes.items()) if s.question}
    new_question = {s.question: note_id for note_id, s in sorted(lock.notes.items())}
    swapped = []
    for note_id in changes.changed:
        old, mine = previous.notes[note_id], lock.notes[note_id]
        if not old.question or old.question == mine.question:
            continue
        took = old_question.get(mine.question)  # this id now asks what another id asked
        gave = new_question.get(old.question)  # another id now asks what this one asked
        if took is not None and took != note_id:
            swapped.append((note_id, took))
        elif gave is not None and gave != note_id and (
                gave not in previous.notes or previous.notes[gave].question != old.question):
            swapped.append((note_id, gave))
    replaced = [(new_id, old_question[lock.notes[new_id].question]) for new_id in changes.new
                if old_question.get(lock.notes[new_id].question) in changes.removed]
    return swapped, replaced


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
