"""Stage 5, package: the .apkg bytes — genanki's collection, our timestamps, a compressed zip."""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import os
import re
import sqlite3
import struct
import tempfile
import zipfile
import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterator

from generator.workers import available_cores

if TYPE_CHECKING:
    import genanki

    from generator.cards import RenderedNote
    from generator.lock import Lock
    from generator.notetypes import BuiltNoteType

ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # fixed entry times: same input, same bytes
# zlib's fastest level already makes the deck a fifth of genanki's stored zip; the default
# (6) saves another 15 % of that at 2.5 times the time, which every rebuild would pay.
COMPRESS_LEVEL = 1
DEFLATE_CHUNK = 1 << 21  # compressed apart (see _deflate): 2 MiB pieces cost 0.1 % in size
ZIP_VERSION = 20  # version made by / needed to extract: 2.0 (deflate)
ZIP_UNIX = 3  # made on Unix: external attributes are a file mode
ZIP_ATTRIBUTES = 0o644 << 16
ZIP_MAX_SIZE, ZIP_MAX_ENTRIES = 0xFFFFFFFF, 0xFFFF  # beyond: ZIP64, left to zipfile
_DOS_TIME = (ZIP_TIME[3] << 11) | (ZIP_TIME[4] << 5) | (ZIP_TIME[5] // 2)
_DOS_DATE = ((ZIP_TIME[0] - 1980) << 9) | (ZIP_TIME[1] << 5) | ZIP_TIME[2]


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
        tables, indexes = _schema(APKG_SCHEMA)
        cursor.executescript(tables)
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
        # The columns genanki always sets to the same value are written in the statements.
        cursor.executemany("INSERT INTO notes VALUES(?,?,?,?,-1,?,?,?,0,0,'');", note_rows)
        cursor.executemany("INSERT INTO cards VALUES(?,?,?,?,?,-1,0,0,?,0,0,0,0,0,0,0,0,'');", card_rows)
        cursor.executescript(indexes)  # after the rows: an index built at once is cheaper than grown
        conn.commit()
        return _serialize(conn)


def _schema(script: str) -> tuple[str, str]:
    """genanki's schema script in two: its tables, then its indexes (the same statements)."""
    at = script.index("CREATE INDEX")
    return script[:at], script[at:]


def _rows(notes: list[RenderedNote], models: dict[str, genanki.Model], deck_ids: dict[str, int],
          lock: Lock, ids: Iterator[int]) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The notes and cards tables, row for row what genanki's Note.write_to_db inserts (ids
    drawn in the same order), in two batches instead of a statement per row. Only the columns
    that vary: notes (id, guid, mid, mod, tags, flds, sfld); cards (id, nid, did, ord, mod, due)."""
    note_rows, card_rows = [], []
    card_rules = {kind: _card_rule(model) for kind, model in models.items()}
    for due, note in enumerate(notes):
        model, mod = models[note.kind], lock.notes[note.id].mod
        note_id = next(ids)
        note_rows.append((note_id, note.guid, model.model_id, mod, " " + " ".join(note.tags) + " ",
                          "\x1f".join(note.fields), note.fields[model.sort_field_index]))
        for ord_ in card_rules[note.kind](note.fields):
            card_rows.append((next(ids), note_id, deck_ids[note.deck], ord_, mod, due))
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
    """Deflate-compressed (genanki stores uncompressed), fixed times and order. Written here
    rather than with zipfile so that the collection (nearly all the bytes) is compressed on
    every core (_deflate); zipfile, with the same compression, when the archive needs ZIP64."""
    entries = list(_entries(collection, media))
    if len(entries) > ZIP_MAX_ENTRIES or sum(len(data) for _, data in entries) > ZIP_MAX_SIZE // 2:
        return _zip_zipfile(entries)  # (deflate never grows data by more than a fraction of a percent)
    out, central = io.BytesIO(), []
    for name, data in entries:
        body, crc, raw_name = _deflate(data), zlib.crc32(data), name.encode()
        fixed = (ZIP_VERSION, 0, zipfile.ZIP_DEFLATED, _DOS_TIME, _DOS_DATE, crc, len(body), len(data), len(raw_name))
        central.append(struct.pack("<4s2B5H3L5H2L", b"PK\x01\x02", ZIP_VERSION, ZIP_UNIX, *fixed, 0, 0, 0, 0,
                                   ZIP_ATTRIBUTES, out.tell()) + raw_name)
        out.write(struct.pack("<4s5H3L2H", b"PK\x03\x04", *fixed, 0) + raw_name)
        out.write(body)
    directory = b"".join(central)
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(central), len(central), len(directory), out.tell(), 0)
    out.write(directory + end)
    return out.getvalue()


def _deflate(data: bytes) -> bytes:
    """Raw deflate of `data` at COMPRESS_LEVEL, cut into DEFLATE_CHUNK pieces compressed side by
    side in threads (zlib lets go of the GIL), as pigz does: each piece is primed with the 32
    KiB before it and ends on a byte boundary (a sync flush), so their concatenation is one
    valid stream. The pieces are fixed, so the bytes do not depend on the number of cores."""
    view = memoryview(data)
    starts = range(0, max(len(data), 1), DEFLATE_CHUNK)
    parts: list[bytes] = [b""] * len(starts)

    def compress(index: int) -> None:
        start = starts[index]
        last = index == len(starts) - 1
        if start:
            compressor = zlib.compressobj(COMPRESS_LEVEL, zlib.DEFLATED, -15, zdict=view[start - 32768:start])
        else:
            compressor = zlib.compressobj(COMPRESS_LEVEL, zlib.DEFLATED, -15)
        body = compressor.compress(view[start:start + DEFLATE_CHUNK])
        parts[index] = body + compressor.flush(zlib.Z_FINISH if last else zlib.Z_SYNC_FLUSH)

    threads = min(len(starts), available_cores())
    if threads <= 1:
        for index in range(len(starts)):
            compress(index)
        return b"".join(parts)
    import threading

    def work(first: int) -> None:
        for index in range(first, len(starts), threads):
            compress(index)

    pool = [threading.Thread(target=work, args=(first,)) for first in range(1, threads)]
    for thread in pool:
        thread.start()
    work(0)
    for thread in pool:
        thread.join()
    return b"".join(parts)


def _zip_zipfile(entries: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=COMPRESS_LEVEL) as archive:
        for name, data in entries:
            info = zipfile.ZipInfo(name, ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = ZIP_ATTRIBUTES
            archive.writestr(info, data, compresslevel=COMPRESS_LEVEL)
    return buffer.getvalue()
