"""The build cache in OUT/.cache: work an earlier build already did, found by content hash.

- Per topic file (`topics/<hash>.shard`): the validated notes, valid while the file's bytes
  are the same, and each note's rendered fields (with its content hash, GUID and lint
  findings), valid while the note's validated content, the field templates, the deck
  namespace and the media it shows are the same.
- `state.json`: a fingerprint of every input (data/, templates/, the lock) and of the outputs
  the last build wrote, so a build with nothing changed skips the pipeline altogether.

Every key also holds the tool's own fingerprint (cardsmith's source, the libraries that shape
the output, Python, SQLite), so a stale entry can only miss, never be wrong. Every file starts
with a checksum of the rest: a damaged, truncated or foreign file is ignored whole (the build
just does the work again). The folder is created by the build and safe to delete; its files
are written atomically, and only when they changed.
"""

from __future__ import annotations

import hashlib
import json
import marshal
import os
import re
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from generator.output import TEMP_PREFIX, write_atomic

CACHE_DIR = ".cache"
FORMAT = 2  # bump when the layout of the files below changes
STATE = "state.json"
TOPICS = "topics"
# marshal's format may differ between Pythons: a file another one wrote is not read.
MAGIC = b"cardsmith-cache %d %s " % (FORMAT, (sys.implementation.cache_tag or "").encode())
# Distributions whose version can change what a build writes.
LIBRARIES = ("pyyaml", "pydantic", "pydantic-core", "markdown-it-py", "mdit-py-plugins", "pygments",
             "nh3", "jinja2", "markupsafe", "genanki", "chevron")


def _log(level: str, message: str, *args: object) -> None:
    """Log at `level` ("info", "warning"); logging is imported only on these rare paths."""
    import logging

    getattr(logging.getLogger(__name__), level)(message, *args)


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
    """name-version of each library in LIBRARIES, from the installed metadata folders (reading
    the folder names is much cheaper than importing importlib.metadata)."""
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
                with open(path, "rb") as handle:
                    result[os.path.relpath(path, folder)] = hashlib.sha256(handle.read()).hexdigest()
            except OSError:
                result[os.path.relpath(path, folder)] = "unreadable"
    return result


@dataclass
class Rendered:
    """One note's cached rendering: its fields, the media each image reference resolved to,
    and what follows from them: content hash, GUID, lint findings."""

    fields: list[str]
    media: dict[str, str]
    digest: str
    guid: str
    checks: list[list[str]]  # [message, level]


@dataclass
class _Shard:
    """What the cache keeps for one topic file."""

    source: str = ""  # key of the file's bytes
    topic: dict[str, Any] | None = None  # the validated topic file, as JSON data
    lines: list[int] = field(default_factory=list)  # line of each note
    context: str = ""  # render context the `keys` were computed in
    keys: list[str] = field(default_factory=list)  # render key of each note, in order
    rendered: dict[str, Rendered] = field(default_factory=dict)
    # In memory only: dumps() of the shard as it is, when known (any change clears it), and
    # the topic as validated in this run.
    sealed: bytes | None = field(default=None, compare=False, repr=False)
    model: Any = field(default=None, compare=False, repr=False)

    def dumps(self) -> bytes:
        """A checksummed header line, then everything in marshal's format: built-in types only,
        and several times faster to load than JSON (the bulk is the notes' text)."""
        entries = [(key, r.media, r.digest, r.guid, r.checks, r.fields) for key, r in self.rendered.items()]
        body = (self.source, self.topic, self.lines, self.context, self.keys, entries)
        return _seal(marshal.dumps(body, marshal.version))

    @classmethod
    def loads(cls, data: bytes) -> _Shard:
        """The shard, or ValueError when the file is not one this version wrote intact (the
        checksum covers every byte and is checked before anything is decoded, so a damaged
        file is never half-trusted)."""
        source, topic, lines, context, keys, entries = marshal.loads(_unseal(data))
        rendered = {key: Rendered(fields, media, digest_, guid, checks)
                    for key, media, digest_, guid, checks, fields in entries}
        return cls(source, topic, lines, context, keys, rendered)


@dataclass(frozen=True)
class State:
    """The last successful build: its inputs' fingerprint and what it wrote and reported."""

    inputs: str
    outputs: dict[str, str]  # path relative to the output folder → sha256
    note_count: int
    warnings: list[list[Any]]  # [path, line, message, note_id, level]; path relative to data/ when below it
    moved: list[list[str]]  # [note id, old deck, new deck]


class BuildCache:
    """The cache folder of one output folder. Read lazily, written by save()."""

    def __init__(self, out_dir: Path) -> None:
        self.folder = out_dir / CACHE_DIR
        self._shards: dict[str, _Shard] = {}  # by topic file, relative to data/
        self._loaded: set[str] = set()  # shards read intact from disk
        self._dirty: set[str] = set()  # shards changed since
        self._seen: dict[str, str] = {}  # topic file → key of the bytes this run read

    # --- topic files -----------------------------------------------------------------------

    def topic(self, relpath: str, source: bytes) -> tuple[dict[str, Any], list[int]] | None:
        """The validated topic file and note lines cached for these bytes, if any."""
        shard, key = self._shard(relpath), self._source_key(source)
        self._seen[relpath] = key
        if shard.source != key or shard.topic is None:
            return None
        return shard.topic, shard.lines

    def keep_topic(self, relpath: str, source: bytes, topic: dict[str, Any], lines: Sequence[int]) -> None:
        """Remember the validated topic file parsed from these bytes."""
        shard, key = self._shard(relpath), self._source_key(source)
        if shard.source != key:
            shard.keys = []  # they belonged to the old bytes
        shard.source, shard.topic, shard.lines, shard.model = key, topic, list(lines), None
        self._seen[relpath] = key
        self._touch(relpath)

    def forget_topic(self, relpath: str) -> None:
        """The cached topic did not validate after all: parse the file again next time."""
        shard = self._shard(relpath)
        shard.topic = shard.model = None
        self._touch(relpath)

    def complete(self, relpath: str, source: bytes, context: str) -> bool:
        """Whether the topic file (these bytes) and all its notes' renderings are cached."""
        shard = self._shard(relpath)
        return (shard.source == self._source_key(source) and shard.topic is not None and shard.context == context
                and len(shard.keys) == len(shard.lines) and all(key in shard.rendered for key in shard.keys))

    def _source_key(self, source: bytes) -> str:
        return digest(tool_fingerprint(), source)

    # --- rendered notes ----------------------------------------------------------------------

    def has_rendered(self, relpath: str) -> bool:
        """Whether any rendering is cached for this topic file."""
        return bool(self._shard(relpath).rendered)

    def note_keys(self, relpath: str, context: str, notes: Sequence[Any],
                  key: Callable[[Any], str]) -> list[str]:
        """The render key of each note (`key(note)`). Reused as stored while the file's bytes
        and the context are unchanged, which spares serializing every note of a big deck."""
        shard = self._shard(relpath)
        if self._seen.get(relpath) != shard.source or shard.context != context or len(shard.keys) != len(notes):
            keys = [key(note) for note in notes]
            if (context, keys) != (shard.context, shard.keys):
                shard.context, shard.keys = context, keys
                self._touch(relpath)
        return shard.keys

    def note_key(self, relpath: str, index: int) -> str:
        """The key note_keys() gave the note at `index`."""
        return self._shard(relpath).keys[index]

    def set_keys(self, relpath: str, context: str, keys: list[str]) -> None:
        """Record every note's render key, in order (what save() keeps renderings for)."""
        shard = self._shard(relpath)
        if (context, keys) != (shard.context, shard.keys):
            shard.context, shard.keys = context, keys
            self._touch(relpath)

    def rendered(self, relpath: str, key: str) -> Rendered | None:
        """The cached rendering for a note key, if any."""
        return self._shard(relpath).rendered.get(key)

    def keep_rendered(self, relpath: str, key: str, entry: Rendered) -> None:
        """Remember a rendering (only of a note that rendered without problems)."""
        self._shard(relpath).rendered[key] = entry
        self._touch(relpath)

    # --- across processes --------------------------------------------------------------------

    def seal(self, relpath: str) -> bytes:
        """The topic file's shard as it will be saved (renderings no note uses dropped): what a
        worker process hands to adopt() in the parent, which then need not serialize it."""
        self._prune(relpath)
        shard = self._shard(relpath)
        if shard.sealed is None:
            shard.sealed = shard.dumps()
        return shard.sealed

    def adopt(self, relpath: str, sealed: bytes) -> None:
        """Take over a shard another process sealed (the same object when it ran here)."""
        if getattr(self._shards.get(relpath), "sealed", None) is sealed:
            return
        try:
            shard = _Shard.loads(sealed)
        except (ValueError, TypeError, EOFError) as exc:  # pragma: no cover - sealed by this very build
            _log("warning", "ignoring a damaged shard for %s: %s", relpath, exc)
            return
        shard.sealed = sealed
        self._shards[relpath] = shard
        self._dirty.add(relpath)

    def evict(self, relpath: str) -> None:
        """Forget the shard in this process (a worker, once it handed the shard over)."""
        self._shards.pop(relpath, None)
        self._dirty.discard(relpath)

    def topic_model(self, relpath: str) -> Any:
        """The topic as validated earlier in this run from the cached data (None if not yet)."""
        return self._shard(relpath).model

    def keep_topic_model(self, relpath: str, model: Any) -> None:
        self._shard(relpath).model = model

    # --- whole build -------------------------------------------------------------------------

    def state(self) -> State | None:
        """The last successful build's state, or None when there is none (or it is unreadable)."""
        path = self.folder / STATE
        try:
            data = json.loads(_unseal(path.read_bytes()))
            return State(data["inputs"], data["outputs"], data["note_count"], data["warnings"], data["moved"])
        except FileNotFoundError:
            return None
        except (OSError, ValueError, TypeError, KeyError) as exc:
            _log("info", "ignoring unreadable cache file %s: %s", path, exc)
            return None

    def save(self, topics: Iterable[str], state: State | None) -> None:
        """Write what changed: the shards of `topics` (pruned to what this build used) and the
        state (None: forget the last one); delete the shards of topic files that are gone.
        Never raises for a cache that cannot be written: the next build just does the work."""
        try:
            keep = set()
            for relpath in topics:
                self._prune(relpath)
                path = self._shard_path(relpath)
                keep.add(path.name)
                if relpath in self._dirty or relpath not in self._loaded:
                    write_atomic(path, self.seal(relpath))
            for stale in (self.folder / TOPICS).glob("*.shard"):
                if stale.name not in keep:
                    stale.unlink()
            if state is None:
                (self.folder / STATE).unlink(missing_ok=True)
            else:
                payload = {"inputs": state.inputs, "outputs": state.outputs, "note_count": state.note_count,
                           "warnings": state.warnings, "moved": state.moved}
                write_atomic(self.folder / STATE, _seal(json.dumps(payload, ensure_ascii=False, indent=1).encode()))
            self._tag()
        except (OSError, ValueError) as exc:  # ValueError: text that cannot be encoded (lone surrogates)
            _log("warning", "cannot write the build cache in %s: %s", self.folder, exc)

    # --- files -------------------------------------------------------------------------------

    def _touch(self, relpath: str) -> None:
        """The shard changed: save it, and serialize it afresh."""
        self._shard(relpath).sealed = None
        self._dirty.add(relpath)

    def _prune(self, relpath: str) -> None:
        """Drop the renderings that no note of the file uses any more."""
        shard = self._shard(relpath)
        used = set(shard.keys)
        if len(used) != len(shard.rendered) or not used.issuperset(shard.rendered):
            shard.rendered = {k: v for k, v in shard.rendered.items() if k in used}
            self._touch(relpath)

    def _shard(self, relpath: str) -> _Shard:
        shard = self._shards.get(relpath)
        if shard is None:
            path = self._shard_path(relpath)
            shard = _Shard()
            try:
                shard = _Shard.loads(path.read_bytes())
                self._loaded.add(relpath)
            except FileNotFoundError:
                pass
            except (OSError, ValueError, TypeError, KeyError, AttributeError, EOFError) as exc:
                _log("info", "ignoring unreadable cache file %s: %s", path, exc)
            self._shards[relpath] = shard
        return shard

    def _shard_path(self, relpath: str) -> Path:
        return self.folder / TOPICS / f"{hashlib.sha256(relpath.encode()).hexdigest()[:24]}.shard"

    def _tag(self) -> None:
        """Mark the folder as a cache (backup tools skip it; see bford.info/cachedir)."""
        tag = self.folder / "CACHEDIR.TAG"
        if not tag.exists():
            write_atomic(tag, b"Signature: 8a477f597d28d172789f06886806bc55\n"
                              b"# cardsmith's build cache: safe to delete.\n")
