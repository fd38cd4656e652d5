"""Stage 5, package: the .apkg bytes: genanki writes the collection, the standard zipfile
compresses it.

Each note is written with genanki's own Note.write_to_db, with its own modification time
(from the lock) instead of one build time: Anki updates a note on re-import only when the
package's time is newer than its own (ANKI-IMPORT-RULES rule 4). A cloze note's cards are
the ones Anki's backend makes of its fields (generator.cloze), not genanki's guess: Anki's
importer keeps a package's cards as they are.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import os
import sqlite3
import tempfile
import warnings
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Iterator

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
    """The whole .apkg in memory. `lock` gives every note's and note type's modification time
    (seconds); `media` maps file names to their bytes."""
    return _zip(_collection(root, notes, notetypes, lock), media)


def _collection(root: DeckInfo, notes: list[RenderedNote], notetypes: dict[str, BuiltNoteType],
                lock: Lock) -> bytes:
    """The collection.anki2 database: genanki's schema, decks, note types, notes and cards."""
    import genanki

    models = {kind: built.genanki_model() for kind, built in notetypes.items()}
    deck_names = [root.name] + list(dict.fromkeys(n.deck for n in notes))
    decks = {name: genanki.Deck(deck_id(name), name, root.description if name == root.name else "")
             for name in deck_names}
    mods = [s.mod for s in lock.notes.values()] + [s.mod for s in lock.notetypes.values()]
    newest = max(mods, default=0)
    ids = itertools.count(newest * 1000)  # deterministic note and card ids, in deck order
    with _database() as conn:
        cursor = conn.cursor()
        genanki.Package([]).write_to_db(cursor, newest, ids)  # schema and the empty collection
        cursor.execute("UPDATE col SET crt = ?, mod = ?", (0, newest * 1000))
        decks_json = json.loads(cursor.execute("SELECT decks FROM col").fetchone()[0])
        for deck in decks.values():
            decks_json[str(deck.deck_id)] = deck.to_json()
        models_json = json.loads(cursor.execute("SELECT models FROM col").fetchone()[0])
        for kind, model in models.items():
            models_json[str(model.model_id)] = model.to_json(lock.notetypes[kind].mod, decks[root.name].deck_id)
        cursor.execute("UPDATE col SET decks = ?, models = ?", (json.dumps(decks_json), json.dumps(models_json)))
        with warnings.catch_warnings():
            # genanki warns about "invalid HTML tags" by a regex; our fields are sanitized HTML
            warnings.filterwarnings("ignore", module="genanki")
            for due, note in enumerate(notes):
                row = _note_class()(model=models[note.kind], fields=list(note.fields), tags=list(note.tags),
                                    guid=note.guid, due=due)
                row.write_to_db(cursor, lock.notes[note.id].mod, decks[note.deck].deck_id, ids)
        conn.commit()
        return _serialize(conn)


@lru_cache(maxsize=1)
def _note_class() -> type[genanki.Note]:
    """genanki's Note, with a cloze note's cards as Anki makes them (generator.cloze.card_ords)."""
    import genanki

    from generator.cloze import card_ords

    class Note(genanki.Note):  # type: ignore[misc]  # genanki has no type hints
        @property
        def cards(self) -> list[genanki.Card]:
            if self.model.model_type != genanki.Model.CLOZE:
                return list(super().cards)
            return [genanki.Card(ord_) for ord_ in card_ords(self.fields)]

    return Note


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
    """The archive's members as Anki reads them: the collection, the media map, the media."""
    names = sorted(media)
    yield "collection.anki2", collection
    yield "media", json.dumps({str(i): name for i, name in enumerate(names)}).encode()
    for i, name in enumerate(names):
        yield str(i), media[name]


def _zip(collection: bytes, media: dict[str, bytes]) -> bytes:
    """Deflate-compressed (genanki stores uncompressed), with fixed times and order."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=COMPRESS_LEVEL) as archive:
        for name, data in _entries(collection, media):
            info = zipfile.ZipInfo(name, ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data, compresslevel=COMPRESS_LEVEL)
    return buffer.getvalue()
