"""Stage 2, validate: the typed domain model between YAML and templates, with located errors."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Callable, Literal, Sequence, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator

from generator import cloze
from generator.design import RULES
from generator.errors import DataError, Problem
from generator.loader import Document, load_yaml, read_source

SLUG = r"^[a-z0-9][a-z0-9-]*$"
CLOZE_RE = re.compile(r"\{\{c(\d+)::")  # a quick look; generator.cloze reads clozes as Anki does

Text = Annotated[str, Field(min_length=1, pattern=r"\S")]
Slug = Annotated[str, Field(min_length=1, max_length=100, pattern=SLUG)]
Tag = Annotated[str, Field(min_length=1, max_length=60, pattern=r"^[A-Za-z0-9_\-]+(::[A-Za-z0-9_\-]+)*$")]


def _given(*names: str) -> dict[str, Any]:
    """JSON Schema: these fields are present and not null (for the checks a model validator does)."""
    return {"required": list(names), "properties": {name: {"not": {"type": "null"}} for name in names}}


class _Strict(BaseModel):
    """Frozen, rejects unknown keys, no silent type coercion."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Source(_Strict):
    """A citation shown on the card: the paper or doc itself, never our notes."""

    # What _one_locator checks, for editors (generator.schema)
    model_config = ConfigDict(json_schema_extra={"oneOf": [_given("arxiv"), _given("url")]})

    title: Text
    arxiv: Annotated[str, Field(pattern=r"^\d{4}\.\d{4,5}(v\d+)?$")] | None = None
    url: Annotated[str, Field(pattern=r"^https?://\S+$")] | None = None
    section: Text | None = None

    @model_validator(mode="after")
    def _one_locator(self) -> "Source":
        if (self.arxiv is None) == (self.url is None):
            raise ValueError("a source needs exactly one of 'arxiv' or 'url'")
        return self

    @property
    def href(self) -> str:
        """Where the source can be read."""
        return self.url or f"https://arxiv.org/abs/{self.arxiv}"


class Note(_Strict):
    """One note: its id is its identity in Anki, so it never changes."""

    # What _fields_for_kind checks on the fields' presence, for editors (generator.schema)
    model_config = ConfigDict(json_schema_extra={
        "if": {"required": ["kind"], "properties": {"kind": {"const": "cloze"}}},
        "then": {**_given("text"), "not": {"anyOf": [_given("front"), _given("back")]}},
        "else": {**_given("front", "back"), "not": _given("text")}})

    id: Slug
    kind: Literal["basic", "reverse", "cloze"] = "basic"
    front: Text | None = None
    back: Text | None = None
    text: Text | None = None
    extra: Text | None = None
    sources: list[Source] = []
    tags: list[Tag] = []
    advice: bool = False
    allow: dict[str, Text] = {}  # design-lint rule name -> why this note may break it

    @model_validator(mode="after")
    def _fields_for_kind(self) -> "Note":
        unknown = sorted(set(self.allow) - set(RULES))
        if unknown:
            raise ValueError(f"unknown rule {', '.join(map(repr, unknown))} in 'allow' (expected: {', '.join(RULES)})")
        if self.kind == "cloze":
            if self.text is None:
                raise ValueError("a cloze note needs 'text' (expected {{c1::…}} in it)")
            if self.front is not None or self.back is not None:
                raise ValueError("a cloze note has 'text', not 'front'/'back'")
            problems = cloze.problems(self.text)
            if problems:  # one line: the first two, and how many more
                more = f"; and {len(problems) - 2} more" if len(problems) > 2 else ""
                raise ValueError("; ".join(problems[:2]) + more)
            if not cloze.numbers_in([self.text]):
                raise ValueError("cloze text has no deletion (expected {{c1::…}})")
        else:
            missing = [name for name in ("front", "back") if getattr(self, name) is None]
            if missing:
                raise ValueError(f"a {self.kind} note needs {' and '.join(map(repr, missing))}")
            if self.text is not None:
                raise ValueError(f"'text' is for cloze notes (this note is {self.kind})")
        return self


def _no_subdeck(name: str) -> str:
    if "::" in name:
        raise ValueError(f"deck or topic name {name!r} contains '::' (Anki's subdeck separator)")
    return name


DeckName = Annotated[str, Field(min_length=1, max_length=100,
                                pattern=r"^[^\x00-\x1f\"]*[^\s\x00-\x1f\"][^\x00-\x1f\"]*$",
                                json_schema_extra={"not": {"pattern": "::"}}),  # as _no_subdeck, for editors
                     AfterValidator(_no_subdeck)]


class TopicFile(_Strict):
    """data/topics/*.yaml: one subdeck."""

    topic: DeckName
    description: Text | None = None
    notes: list[Note] = Field(min_length=1)


class DeckFile(_Strict):
    """data/deck.yaml."""

    name: DeckName
    namespace: Slug
    description: Text | None = None
    require_sources: bool = False  # every note that is not advice must cite a source


class Diagram(_Strict):
    """An SVG drawn at build time from a Jinja template and these parameters."""

    id: Slug
    template: Annotated[str, Field(pattern=r"^[A-Za-z0-9_\-]+\.svg\.j2$")]
    params: dict[str, Any] = {}


class DiagramFile(_Strict):
    """data/diagrams.yaml."""

    diagrams: list[Diagram] = []


@dataclass(frozen=True)
class Topic:
    """A validated topic file, with where each note was written."""

    path: Path
    title: str
    description: str | None
    notes: tuple[Note, ...]
    lines: tuple[int, ...]  # line of each note, same order as notes


@dataclass(frozen=True)
class Deck:
    """Everything a build needs from data/, validated."""

    data_dir: Path
    name: str
    namespace: str
    description: str | None
    topics: tuple[Topic, ...]
    diagrams: tuple[Diagram, ...]
    require_sources: bool = False
    warnings: tuple[Problem, ...] = ()  # found while loading (stray files under topics/)

    def notes(self) -> list[tuple[Topic, Note, int]]:
        """Every note in deck order with its topic and line."""
        return [(t, n, line) for t in self.topics for n, line in zip(t.notes, t.lines)]


M = TypeVar("M", bound=BaseModel)


def validate(doc: Document, model: type[M]) -> M:
    """Check a loaded document against `model`; every mismatch becomes a located Problem."""
    if doc.data is None:
        raise DataError([Problem(str(doc.path), 1, f"file is empty (expected {_expected(model)})")])
    if not isinstance(doc.data, dict):
        kind = "list" if isinstance(doc.data, list) else type(doc.data).__name__
        raise DataError([Problem(str(doc.path), 1, f"top level is a {kind} (expected {_expected(model)})")])
    try:
        return model.model_validate(doc.data)
    except ValidationError as exc:
        raise DataError(_problems(doc, model, exc)) from None


def _expected(model: type[BaseModel]) -> str:
    return "a mapping with keys: " + ", ".join(model.model_fields)


def _problems(doc: Document, model: type[BaseModel], exc: ValidationError) -> list[Problem]:
    problems = []
    for err in exc.errors(include_url=False):
        loc = tuple(part for part in err["loc"] if not isinstance(part, str) or not part.startswith("function-"))
        note_id = _note_id(doc.data, loc)
        message = _message(model, loc, err)
        problems.append(Problem(str(doc.path), doc.line(loc), message, note_id))
    return problems


def _note_id(data: Any, loc: tuple[Any, ...]) -> str | None:
    if len(loc) >= 2 and loc[0] == "notes" and isinstance(loc[1], int):
        try:
            note = data["notes"][loc[1]]
        except (KeyError, IndexError, TypeError):
            return None
        if isinstance(note, dict) and isinstance(note.get("id"), str):
            return str(note["id"])
    return None


def _owner(model: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel]:
    """The model class that owns the last key of `loc`."""
    current: Any = model
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field = current.model_fields.get(part) if isinstance(current, type) and issubclass(current, BaseModel) else None
        if field is None:
            break
        inner = _model_in(field.annotation)
        if inner is None:
            break
        current = inner
    return current if isinstance(current, type) and issubclass(current, BaseModel) else model


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _message(model: type[BaseModel], loc: tuple[Any, ...], err: Any) -> str:
    kind = err["type"]
    key = loc[-1] if loc else None
    if kind == "extra_forbidden":
        valid = list(_owner(model, loc).model_fields)
        close = difflib.get_close_matches(str(key), valid, n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        return f"unknown field '{key}' ({hint}expected: {', '.join(valid)})"
    if kind == "missing":
        return f"missing required field '{key}'"
    if kind == "value_error":
        return str(err["msg"]).removeprefix("Value error, ")
    inner = loc[2:] if len(loc) > 2 and loc[0] == "notes" and isinstance(loc[1], int) else loc
    name = ".".join(str(p) for p in inner if not isinstance(p, int)) or "value"
    if kind == "string_pattern_mismatch":
        return f"field '{name}': {err['input']!r} has the wrong form (expected to match {err['ctx']['pattern']})"
    if kind == "string_too_short":
        return f"field '{name}' is empty (expected text)"
    if kind == "too_short":
        return f"field '{name}' is empty (expected at least one item)"
    if kind == "literal_error":
        return f"field '{name}': {err['input']!r} is not allowed (expected {err['ctx']['expected']})"
    if kind == "string_type" and isinstance(err["input"], (bool, int, float, date)):  # issue 14 §3
        what = "true/false" if isinstance(err["input"], bool) else "a date" if isinstance(err["input"], date) else "a number"
        return (f"field '{name}': {err['msg']} (YAML reads this unquoted value as {what} ({err['input']}), "
                "not as text: quote it)")
    return f"field '{name}': {err['msg']} (got {type(err['input']).__name__})"


TopicLoader = Callable[[Sequence[Path]], "list[Topic | DataError]"]


TOPIC_SUFFIXES = (".yaml", ".yml")


def topic_paths(data_dir: Path) -> list[Path]:
    """The topic files of a data folder (*.yaml, *.yml), in deck order."""
    folder = data_dir / "topics"
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix in TOPIC_SUFFIXES and p.is_file())


def stray_files(data_dir: Path) -> list[Problem]:
    """A warning for every other entry under topics/: it is not read, which may surprise."""
    folder = data_dir / "topics"
    if not folder.is_dir():
        return []
    return [Problem(str(p), None, f"not a topic file, ignored (topic files end in {' or '.join(TOPIC_SUFFIXES)})",
                    level="warning")
            for p in sorted(folder.rglob("*")) if not (p.parent == folder and p.suffix in TOPIC_SUFFIXES and p.is_file())
            and not p.is_dir()]


def load_topics(paths: Sequence[Path]) -> list[Topic | DataError]:
    """Each topic file loaded and validated, or the DataError that says what is wrong with it."""
    results: list[Topic | DataError] = []
    for path in paths:
        try:
            results.append(load_topic(path, read_source(path)))
        except DataError as exc:
            results.append(exc)
    return results


def load_deck(data_dir: Path, topic_loader: TopicLoader = load_topics) -> Deck:
    """Load and validate data/: deck.yaml, topics/*.yaml, diagrams.yaml. All problems at once.
    `topic_loader` loads the topic files (the build passes one that remembers earlier work)."""
    problems: list[Problem] = []

    def attempt(path: Path, model: type[M]) -> tuple[Document, M] | None:
        try:
            doc = load_yaml(path)
            return doc, validate(doc, model)
        except DataError as exc:
            problems.extend(exc.problems)
            return None

    deck_path = data_dir / "deck.yaml"
    if not deck_path.is_file():
        raise DataError([Problem(str(deck_path), None, "missing deck file (expected name, namespace)")])
    deck_file = attempt(deck_path, DeckFile)
    paths = topic_paths(data_dir)
    if not paths:
        problems.append(Problem(str(data_dir / "topics"), None, "no topic files (expected topics/*.yaml or *.yml)"))
    topics = []
    for result in topic_loader(paths):
        if isinstance(result, DataError):
            problems.extend(result.problems)
        else:
            topics.append(result)
    diagrams: tuple[Diagram, ...] = ()
    if (data_dir / "diagrams.yaml").is_file():
        loaded_diagrams = attempt(data_dir / "diagrams.yaml", DiagramFile)
        diagrams = tuple(loaded_diagrams[1].diagrams) if loaded_diagrams else ()
    problems.extend(_duplicates(topics, diagrams, data_dir))
    if problems or deck_file is None:
        raise DataError(problems)
    info = deck_file[1]
    return Deck(data_dir, info.name, info.namespace, info.description, tuple(topics), diagrams,
                info.require_sources, tuple(stray_files(data_dir)))


def load_topic(path: Path, raw: bytes) -> Topic:
    """One topic file from its bytes, parsed and validated. Raises DataError."""
    doc = load_yaml(path, raw)
    topic = validate(doc, TopicFile)
    return Topic(path, topic.topic, topic.description, tuple(topic.notes),
                 tuple(doc.line(("notes", i)) for i in range(len(topic.notes))))


def _duplicates(topics: list[Topic], diagrams: tuple[Diagram, ...], data_dir: Path) -> list[Problem]:
    problems = []
    seen: dict[str, tuple[Path, int]] = {}
    for topic in topics:
        for note, line in zip(topic.notes, topic.lines):
            if note.id in seen:
                first_path, first_line = seen[note.id]
                from generator.errors import display_path
                problems.append(Problem(str(topic.path), line, f"duplicate note id (first used at "
                                        f"{display_path(first_path)}:{first_line}; ids must be unique in the deck)", note.id))
            else:
                seen[note.id] = (topic.path, line)
    titles: dict[str, Path] = {}
    for topic in topics:
        if topic.title in titles:
            problems.append(Problem(str(topic.path), 1, f"topic '{topic.title}' is also used by {titles[topic.title].name}"))
        titles.setdefault(topic.title, topic.path)
    ids = [d.id for d in diagrams]
    for dup in sorted({i for i in ids if ids.count(i) > 1}):
        problems.append(Problem(str(data_dir / "diagrams.yaml"), None, f"duplicate diagram id '{dup}'"))
    return problems
