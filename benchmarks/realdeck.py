"""A deck shaped like the real one: data/topics/*.yaml replicated to any number of notes.

Each copy of a topic file gets its own topic name, note ids and fronts (the first line of
every front or cloze text gets a copy marker), so Anki sees distinct notes and decks; the
text, Markdown, math, code and YAML layout are the real deck's own.

    python benchmarks/realdeck.py OUT_DIR --notes 10000
"""

from __future__ import annotations

import argparse
import re
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_ID = re.compile(r"^(\s*- id: )([a-z0-9-]+)\s*$", re.M)
_TOPIC = re.compile(r'^topic: "(.*)"\s*$', re.M)
_FIRST_LINE = re.compile(r"^(\s+(?:front|text): \|\n)(\s+)(.*)$", re.M)


def _copy(text: str, k: int) -> str:
    text = _TOPIC.sub(lambda m: f'topic: "{m.group(1)} #{k}"', text, count=1)
    text = _ID.sub(lambda m: f"{m.group(1)}{m.group(2)}-r{k}", text)
    return _FIRST_LINE.sub(lambda m: f"{m.group(1)}{m.group(2)}[{k}] {m.group(3)}", text)


def write_deck(out: Path, notes: int, source: Path = ROOT / "data") -> Path:
    """Write a data folder with about `notes` notes (whole topic files) under `out`; returns it."""
    data = out / "data"
    (data / "topics").mkdir(parents=True, exist_ok=True)
    for name in ("deck.yaml", "diagrams.yaml"):
        shutil.copy(source / name, data / name)
    files = [(p.stem, p.read_text(encoding="utf-8")) for p in sorted((source / "topics").glob("*.yaml"))]
    counts = [len(_ID.findall(text)) for _, text in files]
    written, k = 0, 0
    while written < notes:
        k += 1
        for (stem, text), count in zip(files, counts):
            if written >= notes:
                break
            (data / "topics" / f"{stem}-{k:04d}.yaml").write_text(_copy(text, k), encoding="utf-8")
            written += count
    return data


def edit_file(data: Path) -> Path:
    """The topic file the one-note edit changes (the first)."""
    return sorted((data / "topics").glob("*.yaml"))[0]


def edit_one_note(data: Path, k: int) -> None:
    """Change the text of one note's front (a different edit for every k)."""
    path = edit_file(data)
    text = path.read_text(encoding="utf-8")
    path.write_text(_FIRST_LINE.sub(lambda m: f"{m.group(1)}{m.group(2)}{m.group(3)} (edit {k})", text, count=1),
                    encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", type=Path)
    parser.add_argument("--notes", type=int, default=10_000)
    args = parser.parse_args()
    print(write_deck(args.out, args.notes))


if __name__ == "__main__":
    main()
