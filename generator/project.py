"""The deck folder: where a deck's data/, templates/ and build/ live, found the way git finds a
repository, and made by `cardsmith init`.

A deck folder holds `data/deck.yaml` (and `data/topics/`), optionally `templates/` (files that
override the default theme, one by one) and, once built, `build/`.
"""

from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from generator.errors import UsageError, display_path

DECK_FILE = "deck.yaml"


@dataclass(frozen=True)
class DeckFolder:
    """A deck folder and the folders a command uses in it."""

    root: Path
    data: Path

    @property
    def build(self) -> Path:
        """Where `cardsmith build` writes by default."""
        return self.root / "build"

    @property
    def templates(self) -> Path | None:
        """The deck's own theme overrides (its templates/ folder), if it has one."""
        own = self.root / "templates"
        return own if own.is_dir() else None


def find_deck(data: Path | None = None, start: Path | None = None) -> DeckFolder:
    """The deck folder: `data` when given (the deck folder itself or its data/ folder), else the
    first folder from `start` (default: the working directory) upward that has data/deck.yaml.
    UsageError saying what was found and what to do when there is none."""
    if data is not None:
        if (data / DECK_FILE).is_file():
            return DeckFolder(data.parent, data)
        if (data / "data" / DECK_FILE).is_file():
            return DeckFolder(data, data / "data")
        if not data.exists():
            raise UsageError(f"--data '{data}' not found (expected a deck folder or its data/ folder; "
                             "`cardsmith init DIR` creates a deck folder)")
        found = "is a file" if not data.is_dir() else f"has no {DECK_FILE} and no data/{DECK_FILE}"
        try:  # inside a deck folder (its deck.yaml, data/topics/…): name the folder to pass instead
            hint = f"pass --data '{display_path(find_deck(start=data if data.is_dir() else data.parent).root)}'"
        except UsageError:
            hint = "`cardsmith init DIR` creates a deck folder"
        raise UsageError(f"--data '{data}' {found} (expected a deck folder or its data/ folder; {hint})")
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "data" / DECK_FILE).is_file():
            return DeckFolder(folder, folder / "data")
    raise UsageError(f"no deck folder here: no data/{DECK_FILE} in '{here}' or any folder above it "
                     "(run `cardsmith init DIR` to start a deck, or pass --data)")


# --- cardsmith init ----------------------------------------------------------------------------


def slug(name: str) -> str:
    """A lower-case ASCII slug for `name` ("My Deck!" → "my-deck"); "deck" when nothing is left."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40].strip("-") or "deck"


def scaffold(root: Path, name: str | None = None) -> dict[Path, str]:
    """The files `cardsmith init` writes for a new deck folder at `root`, by path. The deck's
    namespace is fresh and random: it makes every note's GUID, so it must never change."""
    from generator.schema import schema_texts

    name = name or root.resolve().name.replace("-", " ").replace("_", " ").strip().title() or "My Deck"
    namespace = f"{slug(name)}-{secrets.token_hex(4)}"
    files = {
        root / ".gitignore": "build/\n",
        root / "data" / DECK_FILE: _DECK.format(name=_quoted(name), namespace=namespace),
        root / "data" / "topics" / "01-first-topic.yaml": _TOPIC,
    }
    files.update({root / "schemas" / filename: text for filename, text in schema_texts().items()})
    return files


def _quoted(text: str) -> str:
    import json

    return json.dumps(text, ensure_ascii=False)  # a JSON string is a valid double-quoted YAML scalar


def create_deck(root: Path, name: str | None = None) -> list[Path]:
    """Write a new deck folder at `root` (scaffold()); returns the files written. Refuses, with
    a UsageError naming them, when any of those files exists: init never overwrites."""
    from generator.output import write_outputs

    files = scaffold(root, name)
    existing = [path for path in files if path.exists() or path.is_symlink()]
    if existing:
        raise UsageError(f"'{root}' already has {', '.join(str(p) for p in existing[:3])}"
                         f"{' …' if len(existing) > 3 else ''}; init never overwrites (choose an empty folder)")
    if root.exists() and not root.is_dir():
        raise UsageError(f"'{root}' is a file (expected a folder to create the deck in)")
    _check_deck_file(root / "data" / DECK_FILE, files[root / "data" / DECK_FILE])
    written, _ = write_outputs({path: text.encode() for path, text in files.items()}, _mkdirs(root))
    return written


def _check_deck_file(path: Path, text: str) -> None:
    """A deck.yaml init would write must load (the name, from --name or the folder, may not fit)."""
    from generator.errors import DataError
    from generator.loader import load_yaml
    from generator.model import DeckFile, validate

    try:
        validate(load_yaml(path, text.encode()), DeckFile)
    except DataError as exc:
        raise UsageError(f"cannot start a deck with that name: {exc.problems[0].message} "
                         "(choose another with --name)") from None


def _mkdirs(root: Path) -> Path:
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create '{root}': {exc.strerror}") from None
    return root


def write_schemas(out_dir: Path | None = None) -> list[Path]:
    """Write the editor schemas (generator.schema) to `out_dir` (default: schemas/ in the deck
    folder when there is one here, else in the working directory); returns what was written."""
    from generator.output import write_outputs
    from generator.schema import schema_texts

    if out_dir is None:
        try:
            out_dir = find_deck().root / "schemas"
        except UsageError:
            out_dir = Path("schemas")
    written, unchanged = write_outputs({out_dir / name: text.encode() for name, text in schema_texts().items()},
                                       _mkdirs(out_dir))
    return written + unchanged


def next_steps(root: Path) -> list[str]:
    """The three commands to run after `cardsmith init`."""
    return [f"cd {root}", "cardsmith build      # writes build/<namespace>.apkg: import it in Anki",
            "cardsmith preview    # writes build/preview/index.html: every card, as Anki shows it"]


_DECK = """\
# yaml-language-server: $schema=../schemas/deck.schema.json
# The deck. Anki matches decks by their name, and notes by a GUID made from `namespace` and the
# note's id: NEVER change the namespace once the deck is shared (every note would be duplicated).
name: {name}
namespace: {namespace}
description: |
  What this deck is for, in a sentence or two (shown in Anki's deck overview).
# Set to true to require `sources` (a paper, a book, a URL) on every note that is not advice.
require_sources: false
"""

_TOPIC = """\
# yaml-language-server: $schema=../../schemas/topic.schema.json
# One topic file = one subdeck. Each note has an id that never changes (it is the note's
# identity in Anki: edit the text freely, keep the id). Text is Markdown; math in $…$ or $$…$$.
topic: "First topic"
notes:
  - id: capital-of-france
    front: What is the capital of France?
    back: Paris.
    tags: [geography]

  - id: photosynthesis
    kind: reverse  # two cards: front → back and back → front
    front: photosynthesis
    back: How plants turn light, water and CO₂ into sugar and oxygen.

  - id: pythagoras
    kind: cloze  # one card per deletion number
    text: |
      In a right triangle with legs $a$, $b$ and hypotenuse $c$: {{c1::$a^2 + b^2 = c^2$}}.
    extra: Each deletion number (c1, c2, …) becomes one card; the rest of the text stays visible.

  - id: python-list-reverse
    front: |
      What does this print?

      ```python
      xs = [1, 2, 3]
      print(xs[::-1])
      ```
    back: "`[3, 2, 1]`: a slice with step −1 walks the list backwards."
    sources:
      - title: "Python documentation: Common Sequence Operations"
        url: "https://docs.python.org/3/library/stdtypes.html#common-sequence-operations"
"""


def theme_listing(deck: DeckFolder) -> list[tuple[str, str]]:
    """Every theme file with where this deck takes it from: 'override' (the deck folder's
    templates/) or 'default' (cardsmith's packaged theme)."""
    from generator.templating import default_templates_dir, theme_files

    default = default_templates_dir()
    return [(name, "default" if path.is_relative_to(default) else "override")
            for name, path in theme_files(deck.templates).items()]


def copy_theme_files(deck: DeckFolder, names: list[str]) -> list[Path]:
    """Copy default theme files into the deck folder's templates/ to edit them there (each
    overrides the default from then on). UsageError for an unknown name or an existing copy."""
    from generator.output import write_outputs
    from generator.templating import default_templates_dir, theme_files

    defaults = theme_files(None)
    unknown = [name for name in names if name not in defaults]
    if unknown:
        raise UsageError(f"no theme file {', '.join(map(repr, unknown))} (run `cardsmith theme` to list them)")
    target = deck.root / "templates"
    outputs = {target / name: (default_templates_dir() / name).read_bytes() for name in names}
    existing = [str(path) for path in outputs if os.path.lexists(path)]
    if existing:
        raise UsageError(f"{', '.join(existing)} already exists; edit it there (nothing was copied)")
    written, _ = write_outputs(outputs, _mkdirs(target))
    return written
