"""Stage 5, package: the .apkg bytes — genanki's collection, our timestamps, a compressed zip."""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import os
import re
import sqlite3
import tempfile
import zipfile
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterator

if TYPE_CHECKING:
    import genanki

    from generator.cards import RenderedNote
    from generator.lock import Lock
    from generator.notetypes import BuiltNoteType

ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # fixed entry times: same input, same bytes
# zlib's fastest level already makes the deck a fifth of genanki's stored zip; the default
# (6) saves another 15 % of that at 2.5 times the time, which every rebuild would pay.
COMPRESS_LEVEL = 1


@dataclass(frozen=True)
class DeckInfo:
    """The root deck's name and description."""

    name: str
    description: str


def deck_id(name: str) -> int:
    """Stable deck id from the full name (Anki matches decks by name anyway)."""
    return (1 << 30) + int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "big") % (1 << 30)


def package_bytes(root: DeckInfo, notes: list[RenderedNote], notetypes: dict[str, BuiltNoteType],
                  lock: Lock, media: dict[str, bytes]) -> bytes:
    """The whole .apkg in memory."""
    collection = _collection(root, notes, notetypes, lock)
    return _zip(collection, media)


def _collection(root: DeckInfo, notes: list[RenderedNote], notetypes: dict[str, BuiltNoteType],
                lock: Lock) -> bytes:
    import genanki
    from genanki.apkg_col import APKG_COL
    from genanki.apkg_schema import APKG_SCHEMA

    models = {kind: built.genanki_model() for kind, built in notetypes.items()}
    deck_names = [root.name] + list(dict.fromkeys(n.deck for n in notes))
    decks = {name: genanki.Deck(deck_id(name), name, root.description if name == root.name else "")
             for name in deck_names}
    mods = [s.mod for s in lock.notes.values()] + [s.mod for s in lock.notetypes.values()]
    ids = itertools.count(max(mods, default=0) * 1000)  # deterministic ids in deck order
    with _database() as conn:
        cursor = conn.cursor()
        cursor.execute("PRAGMA journal_mode = OFF")  # built in one go and serialized: nothing to roll back
        cursor.executescript(APKG_SCHEMA)
        cursor.executescript(APKG_COL)
        cursor.execute("UPDATE col SET crt = ?, mod = ?", (0, max(mods, default=0) * 1000))
        decks_json = json.loads(cursor.execute("SELECT decks FROM col").fetchone()[0])
        for deck in decks.values():
            decks_json[str(deck.deck_id)] = deck.to_json()
        models_json = json.loads(cursor.execute("SELECT models FROM col").fetchone()[0])
        for kind, model in models.items():
            models_json[str(model.model_id)] = model.to_json(lock.notetypes[kind].mod, decks[root.name].deck_id)
        cursor.execute("UPDATE col SET decks = ?, models = ?", (json.dumps(decks_json), json.dumps(models_json)))
        note_rows, card_rows = _rows(notes, models, {name: d.deck_id for name, d in decks.items()}, lock, ids)
        cursor.executemany("INSERT INTO notes VALUES(?,?,?,?,?,?,?,?,?,?,?);", note_rows)
        cursor.executemany("INSERT INTO cards VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?);", card_rows)
        conn.commit()
        return _serialize(conn)


def _rows(notes: list[RenderedNote], models: dict[str, genanki.Model], deck_ids: dict[str, int],
          lock: Lock, ids: Iterator[int]) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The notes and cards tables, row for row what genanki's Note.write_to_db inserts (ids
    drawn in the same order), in two batches instead of a statement per row."""
    note_rows, card_rows = [], []
    card_rules = {kind: _card_rule(model) for kind, model in models.items()}
    for due, note in enumerate(notes):
        model, mod = models[note.kind], lock.notes[note.id].mod
        note_id = next(ids)
        note_rows.append((note_id, note.guid, model.model_id, mod, -1, " " + " ".join(note.tags) + " ",
                          "\x1f".join(note.fields), note.fields[model.sort_field_index], 0, 0, ""))
        for ord_ in card_rules[note.kind](note.fields):
            card_rows.append((next(ids), note_id, deck_ids[note.deck], ord_, mod, -1, 0, 0, due,
                              0, 0, 0, 0, 0, 0, 0, 0, ""))
    return note_rows, card_rows


_CLOZE_FIELD = re.compile(r"{{[^}]*?cloze:(?:[^}]?:)*(.+?)}}")
_CLOZE_FIELD_OLD = re.compile("<%cloze:(.+?)%>")
_CLOZE_NUMBER = re.compile(r"{{c(\d+)::.+?}}", re.DOTALL)


def _card_rule(model: genanki.Model) -> Any:
    """Which cards a note of `model` has: genanki's rule (Note.cards), computed once per model.

    Front/back: a template makes a card when its required fields are filled (model._req,
    derived from the templates). Cloze: one card per cloze number in the field(s) the first
    template's {{cloze:…}} names; ordered as genanki's set of numbers iterates."""
    if model.model_type == model.CLOZE:
        qfmt = model.templates[0]["qfmt"]
        names = set(_CLOZE_FIELD.findall(qfmt) + _CLOZE_FIELD_OLD.findall(qfmt))
        positions = [next((i for i, f in enumerate(model.fields) if f["name"] == name), -1) for name in names]

        def cloze_cards(fields: tuple[str, ...]) -> list[int]:
            ords: set[int] = set()
            for i in positions:
                value = fields[i] if i >= 0 else ""
                ords.update(int(m) - 1 for m in _CLOZE_NUMBER.findall(value) if int(m) > 0)
            return list(ords)

        return cloze_cards
    req = [(ord_, any if how == "any" else all, needed) for ord_, how, needed in model._req]

    def front_back_cards(fields: tuple[str, ...]) -> list[int]:
        return [ord_ for ord_, test, needed in req if test(fields[i] for i in needed)]

    return front_back_cards


class _database:
    """An in-memory SQLite database (serialized without touching disk where Python allows)."""

    def __enter__(self) -> sqlite3.Connection:
        self.path = None
        if hasattr(sqlite3.Connection, "serialize"):
            self.conn = sqlite3.connect(":memory:")
        else:  # pragma: no cover - Python 3.10
            fd, self.path = tempfile.mkstemp(suffix=".anki2")
            os.close(fd)
            self.conn = sqlite3.connect(self.path)
        return self.conn

    def __exit__(self, *exc: object) -> None:
        self.conn.close()
        if self.path:
            os.unlink(self.path)


def _serialize(conn: sqlite3.Connection) -> bytes:
    if hasattr(conn, "serialize"):
        return bytes(conn.serialize())
    path = conn.execute("PRAGMA database_list").fetchone()[2]  # pragma: no cover - Python 3.10
    with open(path, "rb") as handle:  # pragma: no cover
        return handle.read()


def _entries(collection: bytes, media: dict[str, bytes]) -> Iterator[tuple[str, bytes]]:
    names = sorted(media)
    yield "collection.anki2", collection
    yield "media", json.dumps({str(i): name for i, name in enumerate(names)}).encode()
    for i, name in enumerate(names):
        yield str(i), media[name]


def _zip(collection: bytes, media: dict[str, bytes]) -> bytes:
    """Deflate-compressed (genanki stores uncompressed), fixed times and order."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=COMPRESS_LEVEL) as archive:
        for name, data in _entries(collection, media):
            info = zipfile.ZipInfo(name, ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data, compresslevel=COMPRESS_LEVEL)
    return buffer.getvalue()
