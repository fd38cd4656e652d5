"""Stage 3, render: each validated note → the HTML of its Anki fields, plus the media it uses."""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, NamedTuple, Sequence
from urllib.parse import unquote

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
                    "(in highlighted code, a comment or stripped HTML? a fence without a language keeps it)"]
        return [] if _visible(re.sub(r"\{\{c\d+::|\}\}", "", main_html)) else ["text renders empty"]
    return [f"{name} renders empty (only markup or invisible characters)"
            for name, html in (("front", main_html), ("back", back_html)) if not _visible(html)]


# Anki's limit on a media file name (rslib/src/media/files.rs, MAX_MEDIA_FILENAME_LENGTH):
# longer names are cut on import, which could cut the content hash and merge two images.
MAX_MEDIA_NAME_BYTES = 120
_HASH_LENGTH = 10
# What an image file starts with, by the suffix its name gives.
_IMAGE_MAGIC: dict[str, tuple[bytes, ...]] = {
    ".png": (b"\x89PNG\r\n\x1a\n",), ".jpg": (b"\xff\xd8\xff",), ".jpeg": (b"\xff\xd8\xff",),
    ".gif": (b"GIF87a", b"GIF89a"), ".webp": (b"RIFF",), ".bmp": (b"BM",), ".ico": (b"\x00\x00\x01\x00",),
    ".avif": (b"ftypavif", b"ftypavis"),
}


def media_name(namespace: str, stem: str, data: bytes, suffix: str) -> str:
    """The name a media file gets in the package: namespace, a readable part of its own name
    and its content hash, within Anki's limits (only [a-z0-9-] and a short suffix, at most
    MAX_MEDIA_NAME_BYTES bytes) with the hash always kept whole: two different images never
    share a name, however they are named or shortened."""
    slug = re.sub(r"[^A-Za-z0-9-]+", "-", stem).strip("-") or "image"
    suffix = suffix.lower() if re.fullmatch(r"\.[a-z0-9]{1,10}", suffix.lower()) else ""
    tail = f"-{content_hash(data, _HASH_LENGTH)}{suffix}"
    head = f"{namespace}-{slug}"[: MAX_MEDIA_NAME_BYTES - len(tail)].rstrip("-")
    return head + tail


def image_type_problem(src: str, data: bytes, suffix: str) -> str | None:
    """A file whose content is not the image type its name says (Anki and browsers may not show it)."""
    suffix = suffix.lower()
    if suffix == ".svg":
        head = data[:1024].lstrip().lower()
        return None if b"<svg" in data[:4096].lower() and head[:1] == b"<" else \
            f"image '{src}' is named .svg but is not an SVG file"
    magic = _IMAGE_MAGIC.get(suffix)
    if magic is None:
        return (f"'{src}' is not an image file Anki shows (expected .png, .jpg, .gif, .webp, .svg, "
                ".bmp, .ico or .avif)")
    if suffix == ".avif":
        return None if data[4:12] in magic else f"image '{src}' is named {suffix} but is not an AVIF file"
    if suffix == ".webp" and data[8:12] != b"WEBP":
        return f"image '{src}' is named .webp but is not a WebP file"
    if not data.startswith(magic):
        return f"image '{src}' is named {suffix} but its content is not {suffix[1:].upper()}"
    return None


class MediaStore:
    """Resolves image references to content-hashed media names; refuses paths outside data/."""

    def __init__(self, deck: Deck, templates_dir: Path | None) -> None:
        self.deck = deck
        self.templates_dir = templates_dir
        self.diagrams = {d.id: d for d in deck.diagrams}
        self.files: dict[str, bytes] = {}
        self._cache: dict[str, str] = {}
        self.notices: dict[str, str] = {}  # reference → why its file may not show (a warning)
        self.warnings: list[Problem] = []  # located warnings of the notes and description rendered
        self._drawings: dict[str, tuple[str | None, Problem | None]] = {}

    def resolve(self, src: str) -> str:
        """Media name for a reference (raises ValueError with the problem)."""
        if src not in self._cache:
            data, stem, suffix = self._load(src)
            name = media_name(self.deck.namespace, stem, data, suffix)
            if self.files.get(name, data) != data:  # pragma: no cover - a 40-bit hash collision
                raise ValueError(f"image '{src}' has the same content hash as another image; rename one")
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
        # markdown-it percent-encodes a destination (spaces, non-ASCII): the file has the decoded
        # name, unless a file with the name as written exists.
        decoded = unicodedata.normalize("NFC", unquote(src))
        base = self.deck.data_dir.resolve()
        if os.path.isabs(decoded) or os.path.isabs(src):
            raise ValueError(f"image '{decoded}' is an absolute path (expected a path under data/)")
        candidates = [decoded, src] if decoded != src else [src]
        for name in candidates:
            target = (self.deck.data_dir / name).resolve()
            if not target.is_relative_to(base):
                raise ValueError(f"image '{decoded}' points outside data/")
            if target.is_file():
                break
        else:
            nfd = (self.deck.data_dir / unicodedata.normalize("NFD", decoded)).resolve()
            if not nfd.is_file() or not nfd.is_relative_to(base):
                raise ValueError(f"image '{decoded}' not found ({_near_miss(self.deck.data_dir, decoded)})")
            target = nfd
        data = target.read_bytes()
        notice = image_type_problem(decoded, data, target.suffix)
        if notice:
            self.notices[src] = notice
        return data, target.stem, target.suffix.lower()

    def render_description(self) -> str:
        """The deck description's HTML, its images resolved and shipped like a note's. Raises
        DataError located at the description in deck.yaml; its warnings join self.warnings."""
        description = self.deck.description
        if not description:
            return ""
        used: list[str] = []

        def resolve(src: str) -> str:
            used.append(src)
            return self.resolve(src)

        render_env = RenderEnv(resolve_media=resolve)
        html = render_markdown(description, render_env)
        path = self.deck.data_dir / "deck.yaml"
        line = _key_line(path, "description")
        if render_env.problems:
            raise DataError([Problem(str(path), line, f"description: {message}") for message in render_env.problems])
        notices = [self.notices[src] for src in dict.fromkeys(used) if src in self.notices]
        self.warnings.extend(Problem(str(path), line, f"description: {message}", level="warning")
                             for message in [*render_env.warnings, *notices])
        return html

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


def _near_miss(data_dir: Path, name: str) -> str:
    """What a missing image's reference probably meant: a backslash for '/', another letter
    case (found on macOS and Windows, not on Linux), or a close name in the same folder."""
    if "\\" in name:
        return "use / between folders, not \\"
    folder = (data_dir / name).parent
    try:
        siblings = sorted(p.name for p in folder.iterdir() if p.is_file()) if folder.is_dir() else []
    except OSError:
        siblings = []
    wanted = Path(name).name
    same_case = [s for s in siblings if s.lower() == wanted.lower()]
    close = same_case or difflib.get_close_matches(wanted, siblings, n=1, cutoff=0.75)
    if close:
        return f"did you mean '{(Path(name).parent / close[0]).as_posix()}'? names are case-sensitive"
    return "expected a file under data/"


def _key_line(path: Path, key: str) -> int | None:
    """The line of a top-level key in a YAML file (for problems found after loading)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    return next((number for number, line in enumerate(lines, 1) if line.startswith(f"{key}:")), None)


class Rendering(NamedTuple):
    """One note rendered: its fields, the media name each image reference resolved to, the
    problems found (a note with problems fails the build) and the warnings."""

    fields: tuple[str, ...]
    media: dict[str, str]
    problems: tuple[str, ...]
    warnings: tuple[str, ...] = ()  # what the author should know; the note still builds


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
        return Rendering(fields, used, (*render_env.problems, *_empty_sides(note, main_html, back_html)),
                         tuple(dict.fromkeys(render_env.warnings)))


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
        media.warnings.extend(Problem(str(topic.path), line, msg, note.id, "warning") for msg in result.warnings)
        for src in result.media:  # resolved in a worker or an earlier build: the bytes are needed here
            try:
                media.resolve(src)
            except ValueError as exc:
                problems.append(Problem(str(topic.path), line, str(exc), note.id))
            if src in media.notices:
                media.warnings.append(Problem(str(topic.path), line, media.notices[src], note.id, "warning"))
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
