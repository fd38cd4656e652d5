"""Anki's cloze grammar, as its backend reads a field (rslib/src/cloze.rs): which cards a cloze
note gets, and where Anki's reading of a text is not what its author wrote.

genanki's card rule (`{{c(\\d+)::.+?}}` on the Text field) disagrees with Anki on nested
deletions, empty ones and clozes in other fields, and Anki's importer keeps a package's cards
as they are: so the package takes its cards from here, never from genanki.
"""

from __future__ import annotations

import re
from functools import lru_cache
from dataclasses import dataclass, field

MAX_CLOZE = 500  # Anki makes card ord min(n - 1, 499): c501 and above all land on card 500
MAX_OPEN = 10  # Anki ignores a deletion opened inside ten open ones (but not its closing }})
_U16 = 65535  # Anki reads each number as an unsigned 16-bit integer; a larger one is no number
_OPEN = re.compile(r"\{\{c([\d,]*)::")
_MARK = re.compile(r"\{\{c[\d,]*::|\}\}")


@dataclass
class Deletion:
    """One {{cN::…}} as Anki parses it, with offsets into the text it was parsed from."""

    numbers: tuple[int, ...]  # as written, deduplicated and sorted (c1,2 → (1, 2)); may hold 0
    start: int  # where '{{c' is
    body: int  # just after the opening '::'
    end: int = -1  # where the closing '}}' is (-1: never closed)
    hints: list[int] = field(default_factory=list)  # each '::' Anki takes as the hint separator
    parts: list[tuple[int, int] | Deletion] = field(default_factory=list)  # answer text and nested

    @property
    def label(self) -> str:
        """How the author wrote the number(s): c1, c1,2."""
        return "c" + ",".join(map(str, self.numbers))

    def answer(self, text: str) -> str:
        """What the back shows for it: its text less any hint, nested deletions included."""
        return "".join(text[p[0]:p[1]] if isinstance(p, tuple) else p.answer(text) for p in self.parts)

    def walk(self) -> list[Deletion]:
        """This deletion and every one nested in it."""
        return [self, *(d for p in self.parts if isinstance(p, Deletion) for d in p.walk())]


@dataclass
class Parsed:
    """A field as Anki reads it: its deletions, and what Anki drops or shows as text."""

    deletions: list[Deletion]  # the closed top-level ones (nested ones inside them)
    unclosed: list[Deletion]  # opened and never closed: Anki drops them and their text
    ignored: list[int]  # openings past MAX_OPEN levels, which Anki treats as nothing
    stray: list[int]  # '}}' outside any deletion, which Anki shows as text

    def all(self) -> list[Deletion]:
        """Every closed deletion, nested ones included, in text order."""
        found = [d for top in self.deletions for d in top.walk()]
        return sorted(found, key=lambda d: d.start)


def _opening(text: str, pos: int) -> tuple[tuple[int, ...], int] | None:
    """The numbers and the end of an opening '{{cN::' at pos, as Anki's tokenizer takes it."""
    match = _OPEN.match(text, pos)
    if match is None:
        return None
    numbers = {int(s) for s in match.group(1).split(",") if s and len(s.lstrip("0")) <= 5 and int(s) <= _U16}
    return (tuple(sorted(numbers)), match.end()) if numbers else None


@lru_cache(maxsize=16384)  # one build reads each cloze field several times (model, lint, cards, lock)
def parse(text: str) -> Parsed:
    """Read `text` the way Anki's parse_text_with_clozes does."""
    result = Parsed([], [], [], [])
    if "{{c" not in text and "}}" not in text:
        return result  # nothing for the grammar to find (most fields)
    stack: list[Deletion] = []
    pos = 0

    def add_text(start: int, end: int) -> None:
        if start == end:
            return
        if not stack:
            return
        current = stack[-1]
        split = text.find("::", start, end)
        if split >= 0 and not text.startswith("image-occlusion:", start):
            current.hints.append(split)
            end = split
        current.parts.append((start, end))

    while pos < len(text):
        opening = _opening(text, pos)
        if opening is not None:
            if len(stack) < MAX_OPEN:
                stack.append(Deletion(opening[0], pos, opening[1]))
            else:
                result.ignored.append(pos)
            pos = opening[1]
            continue
        if text.startswith("}}", pos):
            if stack:
                closed = stack.pop()
                closed.end = pos
                (stack[-1].parts if stack else result.deletions).append(closed)
            else:
                result.stray.append(pos)
            pos += 2
            continue
        nxt = _next_mark(text, pos + 1)
        add_text(pos, nxt)
        pos = nxt
    result.unclosed = stack
    return result


def _next_mark(text: str, pos: int) -> int:
    """The next position at or after pos where Anki's tokenizer sees an opening or a '}}'."""
    for match in _MARK.finditer(text, pos):
        if match.group(0) == "}}" or _opening(text, match.start()) is not None:
            return match.start()
    return len(text)


def numbers_in(fields: list[str] | tuple[str, ...]) -> set[int]:
    """Anki's cloze numbers of a note: every non-zero number of every deletion in every field."""
    return {n for text in fields for d in parse(text).all() for n in d.numbers if n}


def card_ords(fields: list[str] | tuple[str, ...]) -> list[int]:
    """The cards Anki generates for a cloze note with these fields (ords, ascending): one per
    cloze number, capped at card 500, and card 1 when there is none."""
    return sorted({min(n - 1, MAX_CLOZE - 1) for n in numbers_in(fields)}) or [0]


_LOOKALIKE = re.compile(r"\{\{\s*[cC]\s*[\d,]*\s*::?")
_TAG = re.compile(r"<[^>]*>")


def visible(html: str) -> bool:
    """Whether text or HTML shows anything: an image, or a character that is not a space."""
    import html as html_lib
    import unicodedata

    if "<img" in html:
        return True
    text = html_lib.unescape(_TAG.sub("", html))
    return any(not ch.isspace() and unicodedata.category(ch) not in ("Cf", "Zs", "Cc") for ch in text)


def problems(text: str, parsed: Parsed | None = None) -> list[str]:
    """What Anki gets wrong in a cloze text, each with the way out: c0, numbers past 500,
    empty deletions, deletions never closed or nested too deep, a second hint, and openings
    that look like a cloze but that Anki reads as text."""
    parsed = parsed or parse(text)
    found: list[str] = []
    openings = {d.start for d in parsed.all()} | set(parsed.ignored)
    openings |= {d.start for top in parsed.unclosed for d in top.walk()}
    for match in _LOOKALIKE.finditer(text):
        if match.start() not in openings:
            found.append(f"'{match.group(0)}' is not a cloze for Anki, which shows it as text "
                         "(write {{c1::…}}: lower-case c, a number from 1 to 500, two colons)")
    for deletion in parsed.all():
        if 0 in deletion.numbers:
            found.append(f"cloze {deletion.label} has the number 0, which Anki makes no card for "
                         "(numbers start at c1)")
        if max(deletion.numbers) > MAX_CLOZE:
            found.append(f"cloze {deletion.label}: Anki makes at most {MAX_CLOZE} cloze cards "
                         f"(c1 to c{MAX_CLOZE}); renumber it")
        if not visible(deletion.answer(text)):
            found.append(f"cloze {deletion.label} is empty: its card would ask for nothing "
                         "(put the answer between '::' and '}}')")
        if len(deletion.hints) > 1:
            found.append(f"cloze {deletion.label} has {len(deletion.hints)} '::' hint separators "
                         "around a nested cloze: Anki keeps the last hint and drops the text "
                         "before it (give one hint, at the end)")
    for deletion in parsed.unclosed:
        found.append(f"cloze {deletion.label} is never closed (expected '}}}}'): Anki drops it "
                     "and all its text")
    if parsed.ignored:
        found.append(f"clozes nested more than {MAX_OPEN} deep: Anki ignores the deeper ones "
                     "and shows their '}}' as text")
    return list(dict.fromkeys(found))
