"""Before the stages of a cached build: fill the cache on every core.

A cold build spends nearly all its time parsing topic files and rendering notes. Both are
pure, and per file, so every topic file the cache cannot fully answer for is parsed, validated
and rendered here, several at a time in forked workers. The stages that follow (load_deck,
render_notes, lint) then find everything in the cache and only assemble, exactly as they
would have computed it. Nothing is reported here: a file or note with a problem is simply
not cached, and the stages find and report it as usual.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator.cache import BuildCache, Rendered
from generator.errors import DataError
from generator.workers import imap, in_worker, jobs_for

if TYPE_CHECKING:
    from generator.cards import FieldRenderer
    from generator.progress import Progress

PARALLEL_MIN_BYTES = 400_000  # less YAML to parse and render than this (~500 notes): no forking
PROGRESS_MIN_BYTES = 250_000
# (topic file, its bytes) → its cache shard, complete and serialized (BuildCache.seal), or None
_Result = bytes | None


def warm(data_dir: Path, templates_dir: Path, cache: BuildCache, progress: Progress | None = None,
         jobs: int | None = None) -> None:
    """Parse and render, into `cache`, every topic file and note it lacks. `progress(done,
    total)` follows the work (in bytes of YAML) when there is enough of it."""
    from generator.cards import FieldRenderer, MediaStore, render_context
    from generator.model import load_deck_file, load_topic

    shell = load_deck_file(data_dir)  # deck.yaml and diagrams.yaml: what rendering needs besides notes
    if shell is None:
        return  # broken: load_deck will say why
    context = render_context(shell, templates_dir)
    todo = []
    for path in sorted((data_dir / "topics").glob("*.yaml")):
        try:
            raw = path.read_bytes()
        except OSError:
            continue
        if not cache.complete(_relative(path, data_dir), raw, context):
            todo.append((path, raw))
    if not todo:
        return
    total = sum(len(raw) for _, raw in todo)
    workers = min(len(todo), jobs_for(total, PARALLEL_MIN_BYTES, jobs))
    renderer = FieldRenderer(shell, templates_dir, MediaStore(shell, templates_dir), context)
    report = progress if progress is not None and total > PROGRESS_MIN_BYTES else None
    if workers > 1:
        from generator.render import load_renderer

        load_renderer()  # before forking: the workers inherit it instead of each loading it
        todo.sort(key=lambda job: -len(job[1]))  # biggest first, so the cores finish together
    done = 0
    for (path, raw), sealed in zip(todo, imap(_warm_topic, (data_dir, cache, renderer), todo, workers)):
        done += len(raw)
        if sealed is not None:
            cache.adopt(_relative(path, data_dir), sealed)
            with contextlib.suppress(DataError):  # validated now, while the workers still run
                load_topic(path, raw, data_dir, cache)
        if report is not None:
            report(done, total)


def _warm_topic(shared: tuple[Path, BuildCache, FieldRenderer], job: tuple[Path, bytes]) -> _Result:
    """One topic file: validated (from the cache when its bytes are known), each note's key,
    and the rendering of every note the cache lacks and that renders without problems, all
    put in its cache shard, which is returned serialized (in a worker, `cache` is the
    worker's own copy)."""
    from generator.cards import render_key
    from generator.model import load_topic

    data_dir, cache, renderer = shared
    path, raw = job
    relpath = _relative(path, data_dir)
    try:
        topic = load_topic(path, raw, data_dir, cache)
    except DataError:
        return None
    keys = [render_key(renderer.context, note) for note in topic.notes]
    cache.set_keys(relpath, renderer.context, keys)
    for note, key in zip(topic.notes, keys):
        if cache.rendered(relpath, key) is None:
            result = renderer(note)
            if not result.problems:
                cache.keep_rendered(relpath, key, Rendered(list(result.fields), result.media, result.digest,
                                                           result.guid, [[m, level] for m, level in result.checks]))
    sealed = cache.seal(relpath)
    if in_worker():
        cache.evict(relpath)  # the parent adopts it: a worker need not hold every shard it made
    return sealed


def _relative(path: Path, data_dir: Path) -> str:
    return path.relative_to(data_dir).as_posix()
