"""The build cache in OUT/.cache: work an earlier build already did, found by content hash.

- `work.cache`: one file mapping a content key to a result. The build keeps two kinds there
  (generator.build decides what and when; the stages never know): a topic file's validated
  notes, keyed by the file's bytes, and a note's rendered fields, keyed by the note's content
  and everything else that shapes its fields (templates, namespace, the tool itself).
- `state.json`: a fingerprint of every input (data/, templates/, the lock) and of the outputs
  the last build wrote, so a build with nothing changed returns at once.

Every key holds the tool's fingerprint (cardsmith's source and the versions of the libraries
that shape the output), so a stale entry can only miss, never be wrong. Each file starts with
a checksum of the rest: a damaged, truncated or foreign file is ignored whole (the build just
does the work again). The folder is safe to delete; it is written atomically, and only when
something in it changed.
"""

from __future__ import annotations

import hashlib
import json
import logging
import marshal
import os
import re
import stat
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from generator.output import TEMP_PREFIX, write_atomic

CACHE_DIR = ".cache"
WORK = "work.cache"
STATE = "state.json"
FORMAT = 3  # bump when the layout of the files changes
# marshal's format may differ between Pythons: a file another one wrote is not read.
MAGIC = b"cardsmith-cache %d %s " % (FORMAT, (sys.implementation.cache_tag or "").encode())
# Distributions whose version can change what a build writes (bounded in setup.cfg).
LIBRARIES = ("pyyaml", "pydantic", "pydantic-core", "markdown-it-py", "mdit-py-plugins", "pygments",
             "nh3", "jinja2", "markupsafe", "genanki", "chevron")
log = logging.getLogger(__name__)


def _seal(body: bytes) -> bytes:
    """The file as written: a line with the format and a checksum of the body, then the body."""
    return MAGIC + hashlib.sha256(body).hexdigest().encode() + b"\n" + body


def _unseal(data: bytes) -> bytes:
    """The body of a sealed file; ValueError when it is not one this version wrote intact."""
    first, _, body = data.partition(b"\n")
    if first != MAGIC + hashlib.sha256(body).hexdigest().encode():
        raise ValueError("not an intact cache file of this version")
    return body


def digest(*parts: str | bytes) -> str:
    """sha256 of the parts, each length-prefixed so that ('ab', 'c') != ('a', 'bc')."""
    h = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        h.update(b"%d:" % len(data))
        h.update(data)
    return h.hexdigest()


@lru_cache(maxsize=1)
def tool_fingerprint() -> str:
    """What besides the inputs decides the outputs: cardsmith's own source, the versions of the
    libraries it renders and packages with, Python and SQLite."""
    import sqlite3

    package = Path(__file__).resolve().parent
    sources = [p.name.encode() + b"\0" + p.read_bytes() for p in sorted(package.glob("*.py"))]
    return digest(str(FORMAT), sys.version, sqlite3.sqlite_version, *_library_versions(), *sources)


def _library_versions() -> list[str]:
    """name-version of each library in LIBRARIES, from the names of the installed metadata
    folders on sys.path (what importlib.metadata reads, without importing it: a no-op build
    must stay quick)."""
    wanted = set(LIBRARIES)
    found: dict[str, str] = {}
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for name in names:
            if not name.endswith((".dist-info", ".egg-info")):
                continue
            project, _, version = name.rsplit(".", 1)[0].partition("-")
            key = re.sub(r"[-_.]+", "-", project).lower()
            if key in wanted and key not in found:
                found[key] = f"{key}-{version}"
    return [found.get(name, f"{name}-missing") for name in LIBRARIES]


def tree_digest(folder: Path) -> dict[str, str]:
    """Relative path → sha256 of every file below `folder` (our own temp files excepted)."""
    result: dict[str, str] = {}
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        for name in sorted(files):
            if name.startswith(TEMP_PREFIX):
                continue
            path = os.path.join(root, name)
            try:
                if not stat.S_ISREG(os.stat(path).st_mode):  # a FIFO or /dev/zero would never end
                    result[os.path.relpath(path, folder)] = "not a regular file"
                    continue
                with open(path, "rb") as handle:
                    result[os.path.relpath(path, folder)] = hashlib.sha256(handle.read()).hexdigest()
            except OSError:
                result[os.path.relpath(path, folder)] = "unreadable"
    return result


@dataclass(frozen=True)
class State:
    """The last successful build: its inputs' fingerprint and what it wrote and reported."""

    inputs: str
    outputs: dict[str, str]  # path relative to the output folder → sha256
    note_count: int
    warnings: list[list[Any]]  # [path, line, message, note_id, level]; path relative to data/ when below it
    moved: list[list[str]]  # [note id, old deck, new deck]


class BuildCache:
    """The cache folder of one output folder: read on first use, written by save().

    Values are built-in types only (marshal's format). A build keeps what it used: entries no
    lookup or store touched in this build are dropped when it saves."""

    def __init__(self, out_dir: Path) -> None:
        self.folder = out_dir / CACHE_DIR
        self._stored: dict[str, Any] | None = None  # as read from disk
        self._used: dict[str, Any] = {}

    def get(self, key: str) -> Any:
        """The value stored under `key`, or None."""
        if self._stored is None:
            self._stored = self._read()
        value = self._used.get(key)
        if value is None:
            value = self._stored.get(key)
            if value is not None:
                self._used[key] = value
        return value

    def put(self, key: str, value: Any) -> None:
        """Store `value` (built-in types only) under `key`."""
        self._used[key] = value

    def _read(self) -> dict[str, Any]:
        path = self.folder / WORK
        try:
            entries = marshal.loads(_unseal(path.read_bytes()))
            if not isinstance(entries, dict):
                raise ValueError("not a mapping")
            return entries
        except FileNotFoundError:
            return {}
        except (OSError, ValueError, TypeError, EOFError) as exc:
            log.info("ignoring unreadable cache file %s: %s", path, exc)
            return {}

    def state(self) -> State | None:
        """The last successful build's state, or None when there is none (or it is unreadable)."""
        path = self.folder / STATE
        try:
            data = json.loads(_unseal(path.read_bytes()))
            return State(data["inputs"], data["outputs"], data["note_count"], data["warnings"], data["moved"])
        except FileNotFoundError:
            return None
        except (OSError, ValueError, TypeError, KeyError) as exc:
            log.info("ignoring unreadable cache file %s: %s", path, exc)
            return None

    def save(self, state: State | None) -> None:
        """Write the entries this build used (when they differ from the stored ones) and the
        state (None: forget the last one). Never raises for a cache that cannot be written:
        the next build just does the work again."""
        try:
            if self._stored is None or self._used.keys() != self._stored.keys():
                write_atomic(self.folder / WORK, _seal(marshal.dumps(self._used)))
            if state is None:
                (self.folder / STATE).unlink(missing_ok=True)
            else:
                payload = {"inputs": state.inputs, "outputs": state.outputs, "note_count": state.note_count,
                           "warnings": state.warnings, "moved": state.moved}
                write_atomic(self.folder / STATE, _seal(json.dumps(payload, ensure_ascii=False).encode()))
            self._tag()
        except (OSError, ValueError) as exc:  # ValueError: text that cannot be encoded (lone surrogates)
            log.warning("cannot write the build cache in %s: %s", self.folder, exc)

    def _tag(self) -> None:
        """Mark the folder as a cache (backup tools skip it; see bford.info/cachedir)."""
        tag = self.folder / "CACHEDIR.TAG"
        if not tag.exists():
            write_atomic(tag, b"Signature: 8a477f597d28d172789f06886806bc55\n"
                              b"# cardsmith's build cache: safe to delete.\n")
