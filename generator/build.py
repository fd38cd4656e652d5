"""The pipeline: load → validate → render → lint → stamp → package → write → report. Nothing
is written until everything has been read, rendered and verified.

A build remembers its work in OUT/.cache (generator.cache, consulted by generator.work):
topic files and notes that did not change are not parsed or rendered again, and a build whose
inputs and outputs are exactly those of the last one returns at once. The stages are imported
inside prepare(), so that such a build never loads markdown-it, Pygments, Jinja or genanki.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator, TypeVar

from generator.cache import BuildCache, State, digest, tool_fingerprint, tree_digest
from generator.errors import DataError, Problem, SchemaChangeError, UsageError
from generator.lock import LOCK_NAME, Changes, Lock, build_time, read_lock, stamp
from generator.output import interrupts_deferred, write_outputs
from generator.templating import override_dir, render, theme_digest

if TYPE_CHECKING:
    from generator.cards import RenderedNote
    from generator.model import Deck
    from generator.notetypes import BuiltNoteType
    from generator.package import DeckInfo
    from generator.progress import Progress
    from generator.work import Work


@dataclass
class BuildResult:
    """What a build did, for the CLI to print. `deck` is None when nothing had changed and the
    build stopped before loading the data."""

    written: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)
    changes: Changes = field(default_factory=Changes)
    warnings: list[Problem] = field(default_factory=list)
    deck: Deck | None = None
    note_count: int = 0


@dataclass
class Prepared:
    """Everything a build computes before it writes anything."""

    deck: Deck
    notes: list[RenderedNote]
    media: dict[str, bytes]
    warnings: list[Problem]
    exercises: dict[str, str]
    notetypes: dict[str, BuiltNoteType]
    lock: Lock
    changes: Changes
    lock_exists: bool
    deck_info: DeckInfo  # the root deck's name and rendered description


def prepare(data_dir: Path, templates_dir: Path | None = None, *, cache: BuildCache | None = None,
            progress: Progress | None = None, jobs: int | None = None) -> Prepared:
    """Load, validate, render, lint, verify exercises and stamp: all reading, no writing.
    `cache` skips work an earlier build did; `progress(done, total)` is called along long work
    (a CLI draws a bar with it); `jobs` caps the processes (None: one per core; 1: this one)."""
    from generator.work import Work

    templates_dir = override_dir(data_dir, templates_dir)
    with relaxed_collector():
        return _prepare(data_dir, templates_dir, Work(cache, jobs, progress))


def _prepare(data_dir: Path, templates_dir: Path | None, work: Work) -> Prepared:
    """prepare(), once the theme and the work are settled."""
    from generator.cards import MediaStore, render_notes
    from generator.identity import topic_case_problems
    from generator.lint import lint
    from generator.model import load_deck
    from generator.notetypes import load_note_types
    from generator.templating import theme_problems, undecodable_names

    lock_path = data_dir / LOCK_NAME
    early: list[Problem] = theme_problems(templates_dir) + undecodable_names(data_dir)  # reported with the rest
    previous, now = _attempt(early, lambda: read_lock(lock_path), Lock()), _attempt(early, build_time, 0)
    try:
        deck = load_deck(data_dir, work.load_topics)
        early += topic_case_problems(deck)
        media = MediaStore(deck, templates_dir)
        notes, files = render_notes(deck, templates_dir, work.renderer(deck, templates_dir, media), media)
        description = media.render_description()  # its images are checked and shipped like a note's
    except DataError as exc:
        raise DataError([*early, *exc.problems]) from None
    if early:
        raise DataError(early)
    warnings = [*media.warnings, *lint(deck, notes, work.checker(deck, templates_dir), work.features)]
    exercises = _exercises(data_dir, templates_dir)
    notetypes = load_note_types(deck.namespace, templates_dir)
    lock, changes = stamp(previous, notes, notetypes, now, deck.namespace)
    return Prepared(deck, notes, files, warnings, exercises, notetypes, lock, changes, lock_path.exists(),
                    _deck_info(deck, description, templates_dir))


@contextlib.contextmanager
def relaxed_collector() -> Iterator[None]:
    """Python's cyclic garbage collector run rarely in the block: a build makes many long-lived
    objects (a big deck's notes, from the cache) and next to no cycles, so at the default pace
    the collector rescans the growing heap again and again (a fifth of a one-edit rebuild of
    10 000 notes). The one place cardsmith tunes the collector."""
    previous = gc.get_threshold()
    gc.set_threshold(100_000, 50, 100)
    try:
        yield
    finally:
        gc.set_threshold(*previous)


T = TypeVar("T")


def _attempt(problems: list[Problem], step: Callable[[], T], fallback: T) -> T:
    """step(), or `fallback` with its DataError's problems added to `problems`."""
    try:
        return step()
    except DataError as exc:
        problems.extend(exc.problems)
        return fallback


def build(data_dir: Path, out_dir: Path, templates_dir: Path | None = None, *,
          allow_schema_change: bool = False, allow_identity_change: bool = False,
          progress: Progress | None = None, jobs: int | None = None) -> BuildResult:
    """Build the deck and the exercises from data_dir into out_dir. Identity changes Anki
    cannot apply are refused (generator.identity); `allow_identity_change` accepts those that
    can be meant. `progress` and `jobs`: see prepare()."""
    templates_dir = override_dir(data_dir, templates_dir)
    check_paths(data_dir, out_dir, templates_dir)
    cache = BuildCache(out_dir)
    inputs = _Inputs.read(data_dir, templates_dir)
    unchanged = _unchanged(cache, inputs, data_dir, out_dir)
    if unchanged is not None:
        return unchanged
    with relaxed_collector():
        p = prepare(data_dir, templates_dir, cache=cache, progress=progress, jobs=jobs)
        _refuse_identity_changes(p, allow_identity_change)
        if p.changes.schema_changed and not allow_schema_change:
            raise SchemaChangeError(_schema_message(p.changes))
        outputs = _outputs(p, data_dir, out_dir)
    written, unchanged_paths = write_outputs(outputs, out_dir)
    with interrupts_deferred():  # the outputs are new now: a Ctrl-C must not say otherwise
        _remember(cache, p, inputs, outputs, data_dir, templates_dir, out_dir)
    return BuildResult(written, unchanged_paths, p.changes, p.warnings, p.deck, len(p.notes))


def _outputs(p: Prepared, data_dir: Path, out_dir: Path) -> dict[Path, bytes]:
    """Every file the build writes, by path."""
    from generator.package import package_bytes

    apkg = package_bytes(p.deck_info, p.notes, p.notetypes, p.lock, p.media)
    outputs = {out_dir / f"{p.deck.namespace}.apkg": apkg}
    outputs.update({out_dir / rel: text.encode() for rel, text in p.exercises.items()})
    if p.changes.any or p.changes.lock_upgrade or not p.lock_exists:
        outputs[data_dir / LOCK_NAME] = p.lock.dumps().encode()  # last: a crash before it is harmless
    return outputs


def check(data_dir: Path, templates_dir: Path | None = None) -> list[Problem]:
    """Validate, lint and compare with the lock without writing; returns warnings, raises on errors."""
    templates_dir = override_dir(data_dir, templates_dir)
    if not data_dir.is_dir():
        raise UsageError(f"data folder '{data_dir}' not found (run in the project folder or pass --data)")
    p = prepare(data_dir, templates_dir)
    _refuse_identity_changes(p, False)
    stale = _stale(p)
    if stale:
        raise DataError([Problem(str(data_dir / LOCK_NAME), None, stale)])
    return p.warnings


def _stale(p: Prepared) -> str:
    """Why the committed lock does not match the data ('' when it does)."""
    if not p.lock_exists:
        return "no lock file yet (run `cardsmith build` and commit data/cardsmith.lock)"
    if not p.changes.any:
        return ""
    c = p.changes
    parts = [f"{len(c.new)} new", f"{len(c.changed)} changed", f"{len(c.removed)} removed notes"]
    if c.notetypes_changed:
        parts.append("note types changed: " + ", ".join(c.notetypes_changed))
    return ("lock is stale (" + ", ".join(parts) + "); run `cardsmith build` and commit "
            "data/cardsmith.lock, or re-imports will not update the changed notes")


def _refuse_identity_changes(p: Prepared, allow: bool) -> None:
    """A DataError naming every identity change Anki cannot apply (generator.identity)."""
    from generator.identity import identity_problems

    problems = identity_problems(p.changes, p.notes, p.deck, allow=allow)
    if problems:
        raise DataError(problems)


def check_paths(data_dir: Path, out_dir: Path, templates_dir: Path | None) -> None:
    """Refuse output folders that would overwrite the sources."""
    from generator.output import check_out_dir  # a file, a dangling link, a loop: before resolve()
    from generator.templating import theme_dirs

    check_out_dir(out_dir)
    if not data_dir.is_dir():
        raise UsageError(f"data folder '{data_dir}' not found (run in the project folder or pass --data)")
    out = out_dir.resolve()
    sources = [(data_dir.resolve(), "data")] + [(folder, "templates") for folder in theme_dirs(templates_dir)]
    for source, label in sources:
        if out == source or out.is_relative_to(source):
            raise UsageError(f"--out '{out_dir}' is inside the {label} folder '{source}'; choose another")


# --- skipping a build that has nothing to do -------------------------------------------------


@dataclass(frozen=True)
class _Inputs:
    """A fingerprint of everything a build reads: every file under data/ and templates/ (the
    lock included) and the tool itself."""

    data: dict[str, str]
    templates: dict[str, str]

    @classmethod
    def read(cls, data_dir: Path, templates_dir: Path | None) -> _Inputs:
        return cls(tree_digest(data_dir), theme_digest(templates_dir))

    def fingerprint(self) -> str:
        from generator.notetypes import NOTE_TYPES  # frozen, but a program may swap them (tests do)

        return digest(tool_fingerprint(), repr(sorted(NOTE_TYPES.items())),
                      json.dumps(self.data, sort_keys=True), json.dumps(self.templates, sort_keys=True))


def _unchanged(cache: BuildCache, inputs: _Inputs, data_dir: Path, out_dir: Path) -> BuildResult | None:
    """The last build's result when neither its inputs nor its outputs changed since; else None."""
    state = cache.state()
    if state is None or state.inputs != inputs.fingerprint():
        return None
    outputs = [out_dir / rel for rel in state.outputs]
    if any(_file_digest(path) != want for path, want in zip(outputs, state.outputs.values())):
        return None  # an output was edited or deleted: build it again
    build_time()  # an invalid SOURCE_DATE_EPOCH fails here just as in a full build
    try:
        warnings = [Problem(str(data_dir / path) if in_data else path, line, message, note_id, level)
                    for in_data, path, line, message, note_id, level in state.warnings]
        moved = [(note_id, old, new) for note_id, old, new in state.moved]
    except (TypeError, ValueError):
        return None
    return BuildResult([], outputs, Changes(moved=moved), warnings, None, state.note_count)


def _remember(cache: BuildCache, p: Prepared, before: _Inputs, outputs: dict[Path, bytes],
              data_dir: Path, templates_dir: Path | None, out_dir: Path) -> None:
    """Save the cache, and the state that lets the next build skip everything when nothing
    changes. The state is saved only when no input changed while this build ran: it must
    describe exactly the inputs these outputs were made from."""
    after = _Inputs.read(data_dir, templates_dir)
    expected = dict(before.data)
    lock = outputs.get(data_dir / LOCK_NAME)
    if lock is not None:
        expected[LOCK_NAME] = hashlib.sha256(lock).hexdigest()
    state = None
    if after == _Inputs(expected, before.templates):
        state = State(
            after.fingerprint(),
            {path.relative_to(out_dir).as_posix(): hashlib.sha256(data).hexdigest()
             for path, data in outputs.items() if path.is_relative_to(out_dir)},
            len(p.notes),
            [[*_located(problem.path, data_dir), problem.line, problem.message, problem.note_id, problem.level]
             for problem in p.warnings],
            [list(move) for move in p.changes.moved])
    cache.save(state)


def _located(path: str, data_dir: Path) -> tuple[bool, str]:
    """(True, path relative to data/) when below it, so a replayed warning names the file as
    this build's --data spells it; else (False, path)."""
    try:
        return True, Path(path).relative_to(data_dir).as_posix()
    except ValueError:
        return False, path


def _file_digest(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return ""


# --- helpers ---------------------------------------------------------------------------------


def _exercises(data_dir: Path, templates_dir: Path | None) -> dict[str, str]:
    if not any((data_dir / "exercises").glob("*.yaml")):
        return {}
    from generator.exercises import build_exercises  # only when there are exercises

    return build_exercises(data_dir, templates_dir)


def _deck_info(deck: Deck, html: str, templates_dir: Path | None) -> DeckInfo:
    """The root deck's name and description (`html`: the description's Markdown, rendered)."""
    from markupsafe import Markup

    from generator.package import DeckInfo

    description = render("fields/deck_description.html.j2", templates_dir, html=Markup(html),
                         notes=sum(len(t.notes) for t in deck.topics), topics=len(deck.topics))
    return DeckInfo(deck.name, description.strip())


def _schema_message(changes: Changes) -> str:
    what = "; ".join(f"note type '{kind}': {detail}" for kind, detail in changes.schema_changed)
    return (f"schema change ({what}). Anki cannot update existing notes of a changed note type: "
            "every user would have to re-import with \"Merge note types\" on (which forces a full "
            "sync), or get a duplicate 'Name+' note type with their notes frozen. Renaming a field "
            "or template is fine (ids are stable); adding, removing or reordering is not. If you "
            "really mean it, pass --allow-schema-change and say so in the release notes.")
