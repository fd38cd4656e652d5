"""The two peers the cold build is compared with, and the converter that feeds them.

Each peer builds the same notes as cardsmith from its own Markdown input format, installed
by the benchmark into its own venv (pinned, so runs compare like with like):

- markdown-anki-decks 1.1.1 (CLI `mdankideck --cloze INPUT_DIR OUTPUT_DIR`): one Markdown
  file per deck, `# deck title`, `## question` (or `<div data-question markdown="block">`
  for a question of several lines, as its README shows), the answer until the next
  question; Python-Markdown with codehilite (Pygments), BeautifulSoup, genanki; one .apkg
  per file. Installed with `click<8.2` (its typer 0.4 fails on newer click) and Pygments
  (which codehilite needs for highlighting and the package does not declare). It packages
  only .gif/.jpeg/.jpg/.png images, so the diagrams (SVG) stay out of its .apkg.
- ankcompiler 0.6.0 (CLI `ankc build --all`): Markdown files with a `deck:` front-matter
  key, cards between `---` lines (`front ::: back`, or cloze text with `{{c1::…}}`), each
  followed by a `[^uid]` footnote (10 letters or digits), optional `[^tag]` and
  `[^type]: reversed` footnotes; Python-Markdown with arithmatex, genanki; one .apkg per
  top-level deck.

The converter reads the real-shaped deck's topic files and writes each note as the peer's
format has it: front/back (or cloze text) as the same Markdown, the note's `extra` and its
sources (a Markdown list of links) appended to the back (to the cloze text for ankcompiler,
whose cloze note has a single field), tags where the format has them; diagrams
(`diagram:ID`) become the SVG files cardsmith drew, beside the Markdown.

Layouts: by default every note goes in one deck, the peers' fastest layout at 10 000 notes
(markdown-anki-decks: one file; ankcompiler: one file per topic file, all with the same
`deck:`). With `per_topic`, each topic file is a subdeck `DECK::topic` as in cardsmith's
.apkg (markdown-anki-decks: one file and one .apkg per topic, `--prefix "DECK::"`;
ankcompiler: one `deck:` per file, which it handles in time quadratic in the file count,
as it reads every file's front matter once per deck).

    python benchmarks/peers.py DATA_DIR OUT_DIR [--per-topic]   # both peers' inputs (no media)
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


_DIAGRAM = re.compile(r"\]\(diagram:([A-Za-z0-9_-]+)\)")
_B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


@dataclass(frozen=True)
class Card:
    """One note, in the terms both peers share."""

    id: str
    kind: str  # basic | reverse | cloze
    front: str  # the cloze text for a cloze note
    back: str  # back, then extra, then sources; for a cloze note: extra, then sources
    tags: tuple[str, ...]


@dataclass(frozen=True)
class Topic:
    stem: str
    name: str
    cards: tuple[Card, ...]


def deck_info(data: Path) -> dict[str, str]:
    """deck.yaml: the deck's name and namespace."""
    import yaml  # cardsmith's dependency: imported once run.py runs in cardsmith's venv

    info: dict[str, str] = yaml.safe_load((data / "deck.yaml").read_text(encoding="utf-8"))
    return info


def read_topics(data: Path) -> list[Topic]:
    """The deck's notes, topic file by topic file, with diagram references as `ID.svg`."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    topics = []
    for path in sorted((data / "topics").glob("*.yaml")):
        doc = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)
        cards = []
        for note in doc["notes"]:
            kind = note.get("kind", "basic")
            front = note["text"] if kind == "cloze" else note["front"]
            tail = [note.get("back", ""), note.get("extra", ""), _sources(note.get("sources", []))]
            back = "\n\n".join(part.strip() for part in tail if part and part.strip())
            cards.append(Card(note["id"], kind, _media(front.strip()), _media(back), tuple(note.get("tags", []))))
        topics.append(Topic(path.stem, doc["topic"], tuple(cards)))
    return topics


def _sources(sources: list[dict[str, str]]) -> str:
    lines = []
    for s in sources:
        href = s.get("url") or f"https://arxiv.org/abs/{s['arxiv']}"
        section = f", {s['section']}" if s.get("section") else ""
        lines.append(f"- [{s['title']}]({href}){section}")
    return "Sources:\n\n" + "\n".join(lines) if lines else ""


def _media(text: str) -> str:
    return _DIAGRAM.sub(lambda m: f"]({m.group(1)}.svg)", text)


def copy_diagrams(data: Path, media: Path, folder: Path) -> None:
    """Put each diagram cardsmith drew (`NAMESPACE-ID-HASH.svg` in its .apkg) in `folder` as `ID.svg`."""
    import yaml

    namespace = deck_info(data)["namespace"]
    ids = [d["id"] for d in yaml.safe_load((data / "diagrams.yaml").read_text(encoding="utf-8"))["diagrams"]]
    folder.mkdir(parents=True, exist_ok=True)
    for diagram in ids:
        drawn = sorted(media.glob(f"{namespace}-{diagram}-*.svg"))
        if drawn:
            (folder / f"{diagram}.svg").write_bytes(drawn[0].read_bytes())


def note_count(topics: list[Topic]) -> int:
    return sum(len(t.cards) for t in topics)


# --- markdown-anki-decks -------------------------------------------------------------------


def write_mdankideck(topics: list[Topic], folder: Path, deck: str, per_topic: bool) -> None:
    """`# deck`, then each question and its answer: one file for the whole deck, or one per
    topic (`# topic`; the command's `--prefix "deck::"` makes them subdecks)."""
    folder.mkdir(parents=True, exist_ok=True)
    groups = [(t.stem, t.name, t.cards) for t in topics] if per_topic else \
        [("deck", deck, tuple(card for t in topics for card in t.cards))]
    for stem, title, cards in groups:
        parts = [f"# {title}\n"]
        for card in cards:
            if "\n" in card.front:
                parts.append(f'<div data-question markdown="block">\n\n{card.front}\n\n</div>\n')
            else:
                parts.append(f"## {card.front}\n")
            if card.back:
                parts.append(card.back + "\n")
        (folder / f"{stem}.md").write_text("\n".join(parts), encoding="utf-8")


# --- ankcompiler ---------------------------------------------------------------------------


def uid(note_id: str) -> str:
    """A stable 10-character [^uid] for a note id (ankcompiler wants [A-Za-z0-9]{10})."""
    n = int.from_bytes(hashlib.sha256(note_id.encode()).digest()[:8], "big")
    chars = []
    for _ in range(10):
        n, r = divmod(n, 62)
        chars.append(_B62[r])
    return "".join(chars)


def write_ankcompiler(topics: list[Topic], folder: Path, deck: str, per_topic: bool) -> None:
    """One Markdown file per topic, all in one deck, or each in its subdeck `deck::topic`."""
    folder.mkdir(parents=True, exist_ok=True)
    for topic in topics:
        name = (f"{deck}::{topic.name}" if per_topic else deck).replace('"', "'")
        parts = [f'---\ndeck: "{name}"\n---\n']
        for card in topic.cards:
            if card.kind == "cloze":
                body = card.front + (f"\n\n{card.back}" if card.back else "")
            else:
                body = f"{card.front}\n\n:::\n\n{card.back}"
            meta = [f"[^uid]: {uid(card.id)}"]
            meta += [f"[^tag]: {tag}" for tag in card.tags]
            if card.kind == "reverse":
                meta.append("[^type]: reversed")
            parts.append(f"---\n\n{body}\n\n---\n\n" + "\n".join(meta) + "\n")
        (folder / f"{topic.stem}.md").write_text("\n".join(parts), encoding="utf-8")


# --- running them --------------------------------------------------------------------------


@dataclass(frozen=True)
class Peer:
    """A peer tool: what to install, how to write its input, and the command that builds it."""

    name: str
    requirements: tuple[str, ...]
    write: Callable[[list[Topic], Path], None]
    command: Callable[[Path, Path, Path], list[str]]  # (venv, input, output) → argv

    def venv(self, work: Path) -> Path:
        return work / "venvs" / self.name

    def install(self, work: Path, say: Callable[[str], None]) -> None:
        """Create its venv under `work` and install it there (once; reused while pins match)."""
        venv = self.venv(work)
        marker = venv / "benchmark-requirements.txt"
        wanted = "\n".join(self.requirements) + "\n"
        if marker.is_file() and marker.read_text() == wanted:
            return
        say(f"  installing {self.name} into {venv} …")
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
        result = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q",
                                 "--disable-pip-version-check", *self.requirements],
                                capture_output=True, text=True)
        if result.returncode != 0:
            raise SystemExit(f"benchmark: installing {self.name} failed:\n{result.stdout}{result.stderr}")
        marker.write_text(wanted)


def peers(deck: str, per_topic: bool = False) -> list[Peer]:
    """Both peers, writing the deck as one deck (default) or one subdeck per topic file."""
    prefix = ["--prefix", f"{deck}::"] if per_topic else []
    return [
        # typer 0.4 (its pin) breaks on click >= 8.2; codehilite highlights only with Pygments,
        # which the package does not declare.
        Peer("markdown-anki-decks", ("markdown-anki-decks==1.1.1", "click<8.2", "pygments"),
             lambda topics, folder: write_mdankideck(topics, folder, deck, per_topic),
             lambda venv, src, out: [str(venv / "bin" / "mdankideck"), "--cloze", *prefix, str(src), str(out)]),
        Peer("ankcompiler", ("ankcompiler==0.6.0",),
             lambda topics, folder: write_ankcompiler(topics, folder, deck, per_topic),
             lambda venv, src, out: [str(venv / "bin" / "ankc"), "build", "--all", "--path", str(src),
                                     "--output", str(out)]),
    ]


def apkg_notes(folder: Path) -> int:
    """Notes in every .apkg under `folder`."""
    total = 0
    for apkg in sorted(folder.glob("*.apkg")):
        with zipfile.ZipFile(apkg) as archive, tempfile.TemporaryDirectory() as tmp:
            db_path = Path(tmp) / "collection.anki2"
            db_path.write_bytes(archive.read("collection.anki2"))
            db = sqlite3.connect(db_path)
            total += db.execute("SELECT count(*) FROM notes").fetchone()[0]
            db.close()
    return total


def main() -> None:
    data, out = Path(sys.argv[1]), Path(sys.argv[2])
    topics = read_topics(data)
    for peer in peers("cardsmith", per_topic="--per-topic" in sys.argv):
        peer.write(topics, out / peer.name)
    print(f"{note_count(topics)} notes in {len(topics)} files → {out}")


if __name__ == "__main__":
    main()
