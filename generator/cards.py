"""Stage 3, render: each validated note → the HTML of its Anki fields, plus the media it uses."""

from __future__ import annotations

import hashlib
import json
import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, cast

from markupsafe import Markup

from generator.errors import DataError, Level, Problem
from generator.model import CLOZE_RE, Deck, Diagram, Note, Source
from generator.render import RenderEnv, content_hash, load_renderer, render_markdown, strip_tags
from generator.templating import environment, quick_render
from generator.workers import chunks, imap, jobs_for

if TYPE_CHECKING:
    from generator.cache import BuildCache
    from generator.progress import Progress

FOLD_EXTRA_CHARS = 400  # extras longer than this (as text) fold into <details> on the card
PARALLEL_MIN_NOTES = 400  # fewer notes to render than this: forking costs more than it saves
PROGRESS_MIN_NOTES = 500  # fewer: too quick for a progress bar to be worth drawing
# Template folders and files that cannot shape a note's fields (the card templates and CSS go
# to the note types; diagrams reach notes as media, whose names are checked on every build).
_NOT_FIELD_TEMPLATES = ("anki/", "diagrams/", "preview/")


@dataclass(frozen=True)
class RenderedNote:
    """A note as Anki will store it: GUID from the id (never the text), fields as HTML."""

    id: str
    kind: str
    guid: str
    deck: str
    fields: tuple[str, ...]
    tags: tuple[str, ...]
    path: Path
    line: int
    # Known already when the note was rendered (or came from the cache): content_hash() and
    # lint.check_note(); computed on demand otherwise.
    digest: str = field(default="", compare=False, repr=False)
    checks: tuple[tuple[str, Level], ...] | None = field(default=None, compare=False, repr=False)

    def content_hash(self) -> str:
        """Hash of what an import writes (fields and tags): unchanged hash ⇒ no update needed."""
        return self.digest or note_hash(self.kind, self.fields, self.tags)


def note_hash(kind: str, fields: tuple[str, ...], tags: tuple[str, ...]) -> str:
    """RenderedNote.content_hash() of these values. The lock stores it: never change it."""
    payload = _JSON.encode([kind, fields, tags])  # = json.dumps(…, ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()


_JSON = json.JSONEncoder(ensure_ascii=False)


def _visible(html: str) -> bool:
    """Whether a field shows anything: text other than spaces/format characters, or an image."""
    if "<img" in html:
        return True
    if html.startswith("<p>") and len(html) > 3 and html[3] != "<" and _shows(html[3]):  # most: text first
        return True
    return any(_shows(ch) for ch in strip_tags(html))


def _shows(ch: str) -> bool:
    return not ch.isspace() and unicodedata.category(ch) not in ("Cf", "Zs", "Cc")


def _empty_sides(note: Note, main_html: str, back_html: str) -> list[str]:
    """A side that renders empty makes Anki skip or blank the card: refuse it at build time."""
    if note.kind == "cloze":
        wanted = set(CLOZE_RE.findall(note.text or ""))
        kept = set(CLOZE_RE.findall(main_html))
        if wanted - kept:
            return [f"cloze c{', c'.join(sorted(wanted - kept))} disappears when rendered "
                    "(inside a comment or stripped HTML?)"]
        return [] if _visible(re.sub(r"\{\{c\d+::|\}\}", "", main_html)) else ["text renders empty"]
    return [f"{name} renders empty (only markup or invisible characters)"
            for name, html in (("front", main_html), ("back", back_html)) if not _visible(html)]


class MediaStore:
    """Resolves image references to content-hashed media names; refuses paths outside data/."""

    def __init__(self, deck: Deck, templates_dir: Path) -> None:
        self.deck = deck
        self.templates_dir = templates_dir
        self.diagrams = {d.id: d for d in deck.diagrams}
        self.files: dict[str, bytes] = {}
        self._cache: dict[str, str] = {}

    def resolve(self, src: str) -> str:
        """Media name for a reference (raises ValueError with the problem)."""
        if src not in self._cache:
            data, stem, suffix = self._load(src)
            name = f"{self.deck.namespace}-{stem}-{content_hash(data)}{suffix}"
            self.files[name] = data
            self._cache[src] = name
        return self._cache[src]

    def _load(self, src: str) -> tuple[bytes, str, str]:
        if src.startswith("diagram:"):
            diagram = self.diagrams.get(src.removeprefix("diagram:"))
            if diagram is None:
                known = ", ".join(sorted(self.diagrams)) or "none defined"
                raise ValueError(f"unknown diagram '{src}' (expected one of: {known})")
            return self._draw(diagram).encode(), diagram.id, ".svg"
        if "://" in src or src.startswith(("//", "data:")):
            raise ValueError(f"image '{src}' is not a local file (cards must work offline)")
        base = self.deck.data_dir.resolve()
        if os.path.isabs(src):
            raise ValueError(f"image '{src}' is an absolute path (expected a path under data/)")
        target = (self.deck.data_dir / src).resolve()
        if not target.is_relative_to(base):
            raise ValueError(f"image '{src}' points outside data/")
        if not target.is_file():
            raise ValueError(f"image '{src}' not found (expected a file under data/)")
        stem = re.sub(r"[^A-Za-z0-9-]+", "-", target.stem).strip("-") or "image"
        return target.read_bytes(), stem, target.suffix.lower()

    def _draw(self, diagram: Diagram) -> str:
        template = environment(self.templates_dir).get_template(f"diagrams/{diagram.template}")
        return template.render(id=diagram.id, **diagram.params)


class Rendering(NamedTuple):
    """One note rendered, and what follows from that alone: the media name each image
    reference resolved to, the problems found (a note with problems is never cached), its
    content hash, GUID and lint findings, and (with a cache) its key."""

    fields: tuple[str, ...]
    media: dict[str, str]
    problems: tuple[str, ...]
    digest: str
    guid: str
    checks: tuple[tuple[str, Level], ...]
    key: str = ""  # render cache key (set when there is a cache)


class FieldRenderer:
    """Renders notes with the field templates (loaded once) and a media store. Used here and
    by generator.warm, which renders into the cache ahead of a build."""

    def __init__(self, deck: Deck, templates_dir: Path, media: MediaStore, context: str) -> None:
        import genanki  # here, not per note: worker processes forked later inherit it

        self._guid_for = genanki.guid_for
        env = environment(templates_dir)
        self.front_t = quick_render(env.get_template("fields/front.html.j2"))
        self.extra_t = quick_render(env.get_template("fields/extra.html.j2"))
        self.sources_t = quick_render(env.get_template("fields/sources.html.j2"))
        self.namespace = deck.namespace
        self.media = media
        self.context = context  # render context for cache keys ("": no cache)
        self._sources: dict[tuple[tuple[str | None, ...], ...], str] = {}  # notes often cite the same sources

    def __call__(self, note: Note) -> Rendering:
        from generator.lint import check_note

        used: dict[str, str] = {}

        def resolve(src: str) -> str:
            used[src] = self.media.resolve(src)
            return used[src]

        render_env = RenderEnv(resolve_media=resolve)

        def md(text: str | None) -> str:
            return render_markdown(text, render_env) if text else ""

        main = note.text if note.kind == "cloze" else note.front
        main_html, back_html = md(main), md(note.back)
        first = self.front_t(advice=note.advice, html=Markup(main_html)).strip()
        extra_html = md(note.extra)
        fold = len(strip_tags(extra_html)) > FOLD_EXTRA_CHARS
        extra = self.extra_t(fold=fold, html=Markup(extra_html)).strip() if extra_html else ""
        sources = self._render_sources(note.sources) if note.sources else ""
        if note.kind == "cloze":
            fields: tuple[str, ...] = (first, extra, sources, note.id)
        else:
            fields = (first, back_html, extra, sources, note.id)
        return Rendering(fields, used, (*render_env.problems, *_empty_sides(note, main_html, back_html)),
                       note_hash(note.kind, fields, note_tags(note)), self._guid_for(self.namespace, note.id),
                       tuple(check_note(note, fields)))

    def _render_sources(self, sources: list[Source]) -> str:
        key = tuple((s.title, s.arxiv, s.url, s.section) for s in sources)
        if key not in self._sources:
            self._sources[key] = self.sources_t(sources=sources).strip()
        return self._sources[key]


def note_tags(note: Note) -> tuple[str, ...]:
    """The note's Anki tags: its own, plus `advice` for advice cards."""
    if not note.advice and len(note.tags) < 2:
        return tuple(note.tags)  # nothing to add or deduplicate
    return tuple(dict.fromkeys([*note.tags, *(["advice"] if note.advice else [])]))


def render_key(context: str, note: Note) -> str:
    """A note's render cache key: its validated content in this render context."""
    from generator.cache import digest

    return digest(context, note.model_dump_json())


def render_notes(deck: Deck, templates_dir: Path, *, cache: BuildCache | None = None,
                 progress: Progress | None = None, jobs: int | None = None
                 ) -> tuple[list[RenderedNote], dict[str, bytes]]:
    """Render every note's fields; all problems of the run are reported together.

    With a cache, a note whose content, field templates and media are unchanged is not
    rendered again. The others are rendered on several cores when there are many (`jobs`:
    None = one per core), and `progress(done, total)` is called along the way when there are
    more than PROGRESS_MIN_NOTES of them."""
    media = MediaStore(deck, templates_dir)
    items = deck.notes()
    results: list[Rendering | None] = [None] * len(items)
    context = render_context(deck, templates_dir) if cache is not None else ""
    if cache is not None:
        _cached(deck, cache, context, media, results)
    todo = [i for i, found in enumerate(results) if found is None]
    renderer = FieldRenderer(deck, templates_dir, media, context)
    for i, fresh in zip(todo, _render(renderer, [items[i][1] for i in todo], progress, jobs)):
        results[i] = fresh
        for src in fresh.media:  # a worker resolved these in its own store: load them here too
            media.resolve(src)
    problems: list[Problem] = []
    rendered = []
    deck_names = {topic.path: f"{deck.name}::{topic.title}" for topic in deck.topics}
    for (topic, note, line), result in zip(items, results):
        assert result is not None
        if result.problems:
            problems.extend(Problem(str(topic.path), line, msg, note.id) for msg in result.problems)
        rendered.append(RenderedNote(note.id, note.kind, result.guid, deck_names[topic.path], result.fields,
                                     note_tags(note), topic.path, line, result.digest, result.checks))
    if problems:
        raise DataError(problems)
    if cache is not None:
        _keep(deck, cache, context, {i: results[i] for i in todo})
    return rendered, media.files


def _cached(deck: Deck, cache: BuildCache, context: str, media: MediaStore,
            results: list[Rendering | None]) -> None:
    """Fill `results` with the cached renderings that still hold."""
    start = 0
    for topic in deck.topics:
        relpath = _relative(topic.path, deck)
        if cache.has_rendered(relpath):  # else there is nothing to look up: skip computing keys
            keys = cache.note_keys(relpath, context, topic.notes, lambda note: render_key(context, note))
            for i, (note, key) in enumerate(zip(topic.notes, keys), start):
                entry = cache.rendered(relpath, key)
                if (entry is not None and len(entry.fields) == (4 if note.kind == "cloze" else 5)
                        and _media_unchanged(entry.media, media)):
                    checks = (tuple((message, cast(Level, level)) for message, level in entry.checks)
                              if entry.checks else ())
                    results[i] = Rendering(tuple(entry.fields), entry.media, (), entry.digest, entry.guid, checks, key)
        start += len(topic.notes)


def _keep(deck: Deck, cache: BuildCache, context: str, by_index: dict[int, Rendering | None]) -> None:
    """Put the notes rendered in this run into the cache, with their keys in note order."""
    from generator.cache import Rendered

    start = 0
    for topic in deck.topics:
        relpath = _relative(topic.path, deck)
        if any(i in by_index for i in range(start, start + len(topic.notes))):
            keys = []
            for i in range(start, start + len(topic.notes)):
                result = by_index.get(i)
                if result is not None:
                    cache.keep_rendered(relpath, result.key, Rendered(
                        list(result.fields), result.media, result.digest, result.guid,
                        [[m, lvl] for m, lvl in result.checks]))
                    keys.append(result.key)
                else:
                    keys.append(cache.note_key(relpath, i - start))
            cache.set_keys(relpath, context, keys)
        start += len(topic.notes)


def _media_unchanged(names: dict[str, str], media: MediaStore) -> bool:
    """Whether every image reference still resolves to the same content-hashed name."""
    for src, name in names.items():
        try:
            if media.resolve(src) != name:
                return False
        except ValueError:  # now missing or refused: render again to report it
            return False
    return True


def render_context(deck: Deck, templates_dir: Path) -> str:
    """What, besides a note's own content, shapes its fields: the deck namespace (in media
    names and GUIDs), the field templates, and the tool itself."""
    from generator.cache import digest, tool_fingerprint, tree_digest

    templates = sorted((path, hash_) for path, hash_ in tree_digest(templates_dir).items()
                       if not Path(path).as_posix().startswith(_NOT_FIELD_TEMPLATES)
                       and not path.endswith(".py.j2"))
    return digest(tool_fingerprint(), deck.namespace, json.dumps(templates))


def _render(renderer: FieldRenderer, notes: list[Note], progress: Progress | None,
            jobs: int | None) -> list[Rendering]:
    """Render `notes`, in order: here, or in forked workers when there are many."""
    if not notes:
        return []
    workers = jobs_for(len(notes), PARALLEL_MIN_NOTES, jobs)
    report = progress if progress is not None and len(notes) > PROGRESS_MIN_NOTES else None
    load_renderer()  # here, before forking: the workers inherit it instead of each loading it
    results: list[Rendering] = []
    for batch in imap(_render_batch, (renderer, notes), chunks(len(notes), workers), workers):
        results.extend(batch)
        if report is not None:
            report(len(results), len(notes))
    return results


def _render_batch(shared: tuple[FieldRenderer, list[Note]], batch: range) -> list[Rendering]:
    renderer, notes = shared
    if not renderer.context:
        return [renderer(notes[i]) for i in batch]
    return [renderer(notes[i])._replace(key=render_key(renderer.context, notes[i])) for i in batch]


def _relative(path: Path, deck: Deck) -> str:
    return path.relative_to(deck.data_dir).as_posix()
