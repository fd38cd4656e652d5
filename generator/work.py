"""Doing less, and using every core for what is left: the one place where the build cache is
consulted and where work is spread over processes.

The stages stay pure functions that never know about either: model.load_topic (a topic
file's bytes → validated notes) and cards.FieldRenderer (a note → its fields). A Work object
wraps them: a topic file whose bytes were seen before is taken from the cache, and so is a
note whose content and field context were rendered before; what remains runs here, or, when
there is a lot of it, in a standard process pool (forked, or from a fork server when other
threads run, as in --watch).
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator, Sequence, TypeVar

from generator.cache import digest, tool_fingerprint
from generator.cards import FieldRenderer, MediaStore, Rendering, field_context
from generator.design import Features, note_features
from generator.errors import DataError, Level, Problem
from generator.lint import check_note
from generator.loader import read_source
from generator.model import Deck, Note, Topic, load_topic

if TYPE_CHECKING:
    from generator.cache import BuildCache
    from generator.progress import Progress

PARALLEL_MIN_BYTES = 400_000  # less uncached YAML than this (~500 notes): parsed here
PARALLEL_MIN_NOTES = 400  # fewer uncached notes than this: rendered here
CHUNK_NOTES = 50  # notes sent to a worker at a time, at most
PROGRESS_MIN_NOTES = 500  # fewer: too quick for a progress bar to be worth drawing
A = TypeVar("A")
R = TypeVar("R")


def available_cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return os.cpu_count() or 1


class Work:
    """Loads topic files and renders notes for one build, remembering the results in `cache`
    (None: no cache) and using up to `jobs` processes (None: one per core; 1: this one)."""

    def __init__(self, cache: BuildCache | None = None, jobs: int | None = None,
                 progress: Progress | None = None) -> None:
        self.cache = cache
        self.jobs = max(1, jobs if jobs is not None else available_cores())
        self.progress = progress
        self._content: dict[int, str] = {}  # id(note) → digest of its validated content, this build

    def _content_key(self, note: Note) -> str:
        """A digest of the note's validated content (what its fields and lint findings depend
        on, besides the context): known for notes loaded from the cache, else computed."""
        key = self._content.get(id(note))
        if key is None:
            key = self._content[id(note)] = digest(note.model_dump_json())
        return key

    def load_topics(self, paths: Sequence[Path]) -> list[Topic | DataError]:
        """Each topic file validated (model.load_topic), or the DataError saying what is wrong."""
        results: list[Topic | DataError | None] = [None] * len(paths)
        todo: list[tuple[int, Path, bytes, str]] = []
        for i, path in enumerate(paths):
            try:
                raw = read_source(path)
            except DataError as exc:
                results[i] = exc
                continue
            key = digest("topic", tool_fingerprint(), raw)
            hit = self.cache.get(key) if self.cache is not None else None
            if hit is not None:
                # validated when it was stored (same bytes, same tool): unpickled, not re-validated
                title, description, notes, lines, contents = hit
                topic = Topic(path, title, description, tuple(pickle.loads(notes)), tuple(lines))
                self._content.update(zip(map(id, topic.notes), contents))
                results[i] = topic
            else:
                todo.append((i, path, raw, key))
        jobs = self.jobs if sum(len(raw) for _, _, raw, _ in todo) >= PARALLEL_MIN_BYTES else 1
        with _mapped(_load_topic, [(path, raw) for _, path, raw, _ in todo], jobs) as loaded:
            loaded_all = list(loaded)
        for (i, _, _, key), result in zip(todo, loaded_all):
            if isinstance(result, Topic):
                if self.cache is not None:
                    self.cache.put(key, (result.title, result.description, pickle.dumps(list(result.notes)),
                                         list(result.lines), [self._content_key(n) for n in result.notes]))
                results[i] = result
            else:
                results[i] = DataError(result)
        return [result for result in results if result is not None]

    def renderer(self, deck: Deck, templates_dir: Path | None, media: MediaStore) -> Callable[[Sequence[Note]], list[Rendering]]:
        """A function rendering a batch of the deck's notes (cards.FieldRenderer), in order."""
        context = field_context(deck, templates_dir) if self.cache is not None else ""
        shell = replace(deck, topics=())  # what rendering needs of the deck, cheap to send to a worker

        def render(notes: Sequence[Note]) -> list[Rendering]:
            results: list[Rendering | None] = [None] * len(notes)
            keys = [digest("fields", context, self._content_key(note)) for note in notes] if context else []
            for i, key in enumerate(keys):
                hit = self.cache.get(key) if self.cache is not None else None
                if hit is not None and _media_unchanged(hit[1], media):
                    results[i] = Rendering(tuple(hit[0]), hit[1], ())
            todo = [i for i, result in enumerate(results) if result is None]
            jobs = self.jobs if len(todo) >= PARALLEL_MIN_NOTES else 1
            size = max(1, min(CHUNK_NOTES, len(todo) // (4 * jobs))) if jobs > 1 else 1  # keeps every core busy
            chunks = [todo[start:start + size] for start in range(0, len(todo), size)]
            report = self.progress if self.progress is not None and len(todo) >= PROGRESS_MIN_NOTES else None
            if jobs == 1:
                local = FieldRenderer(deck, templates_dir, media)
                render_chunk: Callable[[tuple[Deck, Path | None, list[Note]]], list[Rendering]] = (
                    lambda job: [local(note) for note in job[2]])
            else:
                render_chunk = _render_batch
            done = 0
            jobs_list = [(shell, templates_dir, [notes[i] for i in chunk]) for chunk in chunks]
            with _mapped(render_chunk, jobs_list, jobs) as batches:
                for chunk, batch in zip(chunks, batches):
                    for i, result in zip(chunk, batch):
                        results[i] = result
                        if keys and not result.problems and not result.warnings and self.cache is not None:
                            self.cache.put(keys[i], (list(result.fields), result.media))
                    done += len(chunk)
                    if report is not None:
                        report(done, len(todo))
            return [result for result in results if result is not None]

        return render

    def checker(self, deck: Deck, templates_dir: Path | None) -> Callable[[Note, Sequence[str]], list[tuple[str, Level]]]:
        """lint.check_note for this deck, remembered per note content (and field context)."""
        if self.cache is None:
            return lambda note, fields: check_note(note, fields, deck.require_sources)
        context = digest("checks", field_context(deck, templates_dir), str(deck.require_sources))

        def check(note: Note, fields: Sequence[str]) -> list[tuple[str, Level]]:
            found = self._remembered(digest(context, self._content_key(note)), lambda: [
                [message, level] for message, level in check_note(note, fields, deck.require_sources)])
            return [(message, level) for message, level in found]

        return check

    def features(self, note: Note) -> Features:
        """design.note_features, remembered per note content."""
        if self.cache is None:
            return note_features(note)
        numbers, words = self._remembered(digest("features", tool_fingerprint(), self._content_key(note)),
                                          lambda: note_features(note))
        return numbers, words  # frozensets, as marshal keeps them

    def _remembered(self, key: str, compute: Callable[[], Any]) -> Any:
        """The value the cache holds under `key`, or compute() (then stored there)."""
        assert self.cache is not None
        value = self.cache.get(key)
        if value is None:
            value = compute()
            self.cache.put(key, value)
        return value


def _media_unchanged(names: dict[str, str], media: MediaStore) -> bool:
    """Whether every image reference still resolves to the same content-hashed name."""
    for src, name in names.items():
        try:
            if media.resolve(src) != name:
                return False
        except ValueError:  # now missing or refused: render again to report it
            return False
    return True


def _load_topic(job: tuple[Path, bytes]) -> Topic | list[Problem]:
    """model.load_topic, with its problems as a list (what a worker can send back)."""
    try:
        return load_topic(*job)
    except DataError as exc:
        return exc.problems


def _render_batch(job: tuple[Deck, Path | None, list[Note]]) -> list[Rendering]:
    deck, templates_dir, notes = job
    renderer = FieldRenderer(deck, templates_dir)
    return [renderer(note) for note in notes]


@contextlib.contextmanager
def _mapped(func: Callable[[A], R], items: list[A], jobs: int) -> Iterator[Iterator[R]]:
    """func(item) for every item, in order: here, or in a pool of `jobs` processes, which is
    shut down when the block ends, however it ends."""
    if jobs <= 1 or len(items) <= 1:
        yield map(func, items)
        return
    import multiprocessing

    context = multiprocessing.get_context(_start_method())
    # Ctrl-C is held while the workers start: a parent that left during a start-up would have
    # the starting worker print a traceback about the parent's vanished semaphore.
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        pool = ProcessPoolExecutor(min(jobs, len(items)), mp_context=context, initializer=_worker_start)
        results = pool.map(func, items)
    except BaseException:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)
        raise
    try:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)  # a Ctrl-C held till now arrives here
        yield results
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _start_method() -> str:
    """fork when this process runs no other thread (workers start at once, with everything
    loaded); forkserver when it does (--watch's file watcher), where forking is unsafe."""
    import multiprocessing
    import threading

    try:  # every thread of the process, those Python did not start too (a watcher's)
        threads = len(os.listdir("/proc/self/task"))
    except OSError:  # pragma: no cover - not Linux
        threads = threading.active_count()
    return "fork" if threads == 1 and "fork" in multiprocessing.get_all_start_methods() else "forkserver"


def _worker_start() -> None:
    """A worker leaves Ctrl-C to the build, which stops the pool and reports once."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # `kill` of the process group: the build stops the pool
