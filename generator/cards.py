"""Stage 3, render: each validated note → the HTML of its Anki fields, plus the media it uses."""

from __future__ import annotations

import hashlib
import json
import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import genanki
from markupsafe import Markup

from generator.errors import DataError, Problem
from generator.model import CLOZE_RE, Deck, Diagram, Note
from generator.render import RenderEnv, content_hash, render_markdown
from generator.templating import environment

FOLD_EXTRA_CHARS = 400  # extras longer than this (as text) fold into <details> on the card
_TAGS = re.compile(r"<[^>]+>")


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
        """Hash of what an import writes (fields and tags): unchanged hash ⇒ no update needed."""
        payload = json.dumps([self.kind, self.fields, self.tags], ensure_ascii=False)
        return hashlib.sha256(payload.encode()).hexdigest()


def _visible(html: str) -> bool:
    """Whether a field shows anything: text other than spaces/format characters, or an image."""
    if "<img" in html:
        return True
    text = _TAGS.sub("", html)
    return any(not ch.isspace() and unicodedata.category(ch) not in ("Cf", "Zs", "Cc") for ch in text)


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


def render_notes(deck: Deck, templates_dir: Path) -> tuple[list[RenderedNote], dict[str, bytes]]:
    """Render every note's fields; all problems of the run are reported together."""
    env = environment(templates_dir)
    front_t = env.get_template("fields/front.html.j2")
    extra_t = env.get_template("fields/extra.html.j2")
    sources_t = env.get_template("fields/sources.html.j2")
    media = MediaStore(deck, templates_dir)
    problems: list[Problem] = []
    rendered = []
    for topic, note, line in deck.notes():
        render_env = RenderEnv(resolve_media=media.resolve)

        def md(text: str | None) -> str:
            return render_markdown(text, render_env) if text else ""

        main = note.text if note.kind == "cloze" else note.front
        main_html, back_html = md(main), md(note.back)
        first = front_t.render(advice=note.advice, html=Markup(main_html)).strip()
        extra_html = md(note.extra)
        fold = len(_TAGS.sub("", extra_html)) > FOLD_EXTRA_CHARS
        extra = extra_t.render(fold=fold, html=Markup(extra_html)).strip() if extra_html else ""
        sources = sources_t.render(sources=note.sources).strip() if note.sources else ""
        if note.kind == "cloze":
            fields: tuple[str, ...] = (first, extra, sources, note.id)
        else:
            fields = (first, back_html, extra, sources, note.id)
        problems.extend(Problem(str(topic.path), line, msg, note.id) for msg in render_env.problems)
        problems.extend(Problem(str(topic.path), line, msg, note.id) for msg in _empty_sides(note, main_html, back_html))
        tags = tuple(dict.fromkeys([*note.tags, *(["advice"] if note.advice else [])]))
        rendered.append(RenderedNote(
            note.id, note.kind, genanki.guid_for(deck.namespace, note.id),
            f"{deck.name}::{topic.title}", fields, tags, topic.path, line))
    if problems:
        raise DataError(problems)
    return rendered, media.files
