"""Stage 3, render: each validated note → the HTML of its Anki fields, plus the media it uses."""

from __future__ import annotations

import hashlib
import json
import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, NamedTuple, Sequence

from markupsafe import Markup

from generator.errors import DataError, Problem, display_path
from generator.model import CLOZE_RE, Deck, Diagram, Note
from generator.render import RenderEnv, content_hash, render_markdown, strip_tags
from generator.templating import environment, template_problem, theme_files

FOLD_EXTRA_CHARS = 400  # extras longer than this (as text) fold into <details> on the card
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

    def content_hash(self) -> str:
        """Hash of what an import writes (fields and tags): unchanged hash ⇒ no update needed.
        The lock stores it: never change how it is computed."""
        payload = json.dumps([self.kind, self.fields, self.tags], ensure_ascii=False)
        return hashlib.sha256(payload.encode()).hexdigest()


def _visible(html: str) -> bool:
    """Whether a field shows anything: text other than spaces/format characters, or an image."""
    return "<img" in html or any(_shows(ch) for ch in strip_tags(html))


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

    def __init__(self, deck: Deck, templates_dir: Path | None) -> None:
        self.deck = deck
        self.templates_dir = templates_dir
        self.diagrams = {d.id: d for d in deck.diagrams}
        self.files: dict[str, bytes] = {}
        self._cache: dict[str, str] = {}
        self._drawings: dict[str, tuple[str | None, Problem | None]] = {}

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
        """The diagram's SVG; ValueError pointing at data/diagrams.yaml when it cannot be drawn."""
        svg, problem = self._drawn(diagram)
        if problem is not None:
            where = display_path(problem.path) + (f":{problem.line}" if problem.line else "")
            raise ValueError(f"diagram '{diagram.id}' cannot be drawn (see {where})")
        assert svg is not None
        return svg

    def diagram_problems(self) -> list[Problem]:
        """Every diagram of the deck drawn once, used or not: what is wrong with each, located
        in data/diagrams.yaml, to be reported with the run's other problems."""
        return [problem for diagram in self.deck.diagrams
                for problem in [self._drawn(diagram)[1]] if problem is not None]

    def _drawn(self, diagram: Diagram) -> tuple[str | None, Problem | None]:
        if diagram.id not in self._drawings:
            self._drawings[diagram.id] = self._try_draw(diagram)
        return self._drawings[diagram.id]

    def _try_draw(self, diagram: Diagram) -> tuple[str | None, Problem | None]:
        import jinja2

        name = f"diagrams/{diagram.template}"
        if "id" in diagram.params:
            return None, self._diagram_problem(diagram, "params", "'id' under params: the diagram's own id "
                                               "is passed to the template as id (remove it from params)")
        try:
            template = environment(self.templates_dir).get_template(name)
            return template.render(id=diagram.id, **diagram.params), None
        except jinja2.TemplateNotFound as exc:
            known = ", ".join(sorted(n.removeprefix("diagrams/") for n in theme_files(self.templates_dir)
                                     if n.startswith("diagrams/"))) or "none"
            if exc.name != name:  # the diagram's template includes one that is missing
                return None, self._diagram_problem(diagram, "template", f"{template_problem(exc, 'template')}")
            return None, self._diagram_problem(diagram, "template", f"template '{diagram.template}' not found "
                                               f"in the theme's diagrams/ (expected one of: {known})")
        except jinja2.UndefinedError as exc:
            return None, self._diagram_problem(diagram, "params", f"{exc.message} in {name} (add it under "
                                               "params, or fix the name)")
        except Exception as exc:  # noqa: BLE001 - a template runs the author's code on the author's params
            cause = template_problem(exc)
            at = f" at line {cause.line}" if cause.path.endswith(name) and cause.line else ""
            return None, self._diagram_problem(diagram, "params", f"{name}{at}: {cause.message}")

    def _diagram_problem(self, diagram: Diagram, key: str, message: str) -> Problem:
        """A problem at the diagram's entry in data/diagrams.yaml (at its `key` when present)."""
        from generator.loader import load_yaml

        path = self.deck.data_dir / "diagrams.yaml"
        line = None
        try:
            doc = load_yaml(path)
            index = next(i for i, item in enumerate(doc.data["diagrams"]) if item.get("id") == diagram.id)
            line = doc.line(("diagrams", index, key)) if key in doc.data["diagrams"][index] else \
                doc.line(("diagrams", index))
        except (DataError, KeyError, TypeError, AttributeError, StopIteration):
            pass  # loaded once already: only a file changed since could fail here
        return Problem(str(path), line, f"diagram '{diagram.id}': {message}")


class Rendering(NamedTuple):
    """One note rendered: its fields, the media name each image reference resolved to, and
    the problems found (a note with problems fails the build)."""

    fields: tuple[str, ...]
    media: dict[str, str]
    problems: tuple[str, ...]


class FieldRenderer:
    """Renders notes' fields with the field templates (loaded once) and a media store."""

    def __init__(self, deck: Deck, templates_dir: Path | None, media: MediaStore | None = None) -> None:
        env = environment(templates_dir)
        self.front_t = env.get_template("fields/front.html.j2")
        self.extra_t = env.get_template("fields/extra.html.j2")
        self.sources_t = env.get_template("fields/sources.html.j2")
        self.media = media or MediaStore(deck, templates_dir)

    def __call__(self, note: Note) -> Rendering:
        used: dict[str, str] = {}

        def resolve(src: str) -> str:
            used[src] = self.media.resolve(src)
            return used[src]

        render_env = RenderEnv(resolve_media=resolve)

        def md(text: str | None) -> str:
            return render_markdown(text, render_env) if text else ""

        main = note.text if note.kind == "cloze" else note.front
        main_html, back_html = md(main), md(note.back)
        first = self.front_t.render(html=Markup(main_html)).strip()
        extra_html = md(note.extra)
        fold = len(strip_tags(extra_html)) > FOLD_EXTRA_CHARS
        extra = self.extra_t.render(fold=fold, html=Markup(extra_html)).strip() if extra_html else ""
        sources = self.sources_t.render(sources=note.sources).strip() if note.sources else ""
        if note.kind == "cloze":
            fields: tuple[str, ...] = (first, extra, sources, note.id)
        else:
            fields = (first, back_html, extra, sources, note.id)
        return Rendering(fields, used, (*render_env.problems, *_empty_sides(note, main_html, back_html)))


def note_tags(note: Note) -> tuple[str, ...]:
    """The note's Anki tags: its own, plus `advice` for advice cards."""
    return tuple(dict.fromkeys([*note.tags, *(["advice"] if note.advice else [])]))


Renderer = Callable[[Sequence[Note]], "list[Rendering]"]


def render_notes(deck: Deck, templates_dir: Path | None, renderer: Renderer | None = None,
                 media: MediaStore | None = None) -> tuple[list[RenderedNote], dict[str, bytes]]:
    """Render every note's fields; all problems of the run are reported together. `renderer`
    renders a batch of notes (the build passes one that remembers earlier work and uses every
    core); `media` resolves image references (the same store the renderer resolves them in)."""
    media = media or MediaStore(deck, templates_dir)
    items = deck.notes()
    results = renderer([note for _, note, _ in items]) if renderer else list(
        map(FieldRenderer(deck, templates_dir, media), [note for _, note, _ in items]))
    problems: list[Problem] = media.diagram_problems()
    rendered = []
    deck_names = {topic.path: f"{deck.name}::{topic.title}" for topic in deck.topics}
    for (topic, note, line), result in zip(items, results):
        problems.extend(Problem(str(topic.path), line, msg, note.id) for msg in result.problems)
        for src in result.media:  # resolved in a worker or an earlier build: the bytes are needed here
            try:
                media.resolve(src)
            except ValueError as exc:
                problems.append(Problem(str(topic.path), line, str(exc), note.id))
        rendered.append(RenderedNote(note.id, note.kind, guid_for(deck.namespace, note.id),
                                     deck_names[topic.path], result.fields, note_tags(note), topic.path, line))
    if problems:
        raise DataError(problems)
    return rendered, media.files


def guid_for(namespace: str, note_id: str) -> str:
    """The note's GUID: genanki's guid_for of the namespace and the id, never of the text, so
    an edit updates the note in Anki instead of adding a new one."""
    import genanki

    return str(genanki.guid_for(namespace, note_id))


def field_context(deck: Deck, templates_dir: Path | None) -> str:
    """What, besides a note's own content, shapes its fields: the deck namespace (in media
    names), the field templates, and the tool itself."""
    from generator.cache import digest, tool_fingerprint
    from generator.templating import theme_digest

    templates = sorted((path, hash_) for path, hash_ in theme_digest(templates_dir).items()
                       if not Path(path).as_posix().startswith(_NOT_FIELD_TEMPLATES)
                       and not path.endswith(".py.j2"))
    return digest(tool_fingerprint(), deck.namespace, json.dumps(templates))
