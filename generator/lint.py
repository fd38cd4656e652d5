"""Content lint: what makes a card wrong or hard to review, beyond what the schema can say."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Sequence

from generator.design import duplicate_problems, note_warnings
from generator.errors import DataError, Level, Problem
from generator.mathfit import math_fit_problems
from generator.render import strip_tags

if TYPE_CHECKING:
    from generator.cards import RenderedNote
    from generator.model import Deck, Note

MAX_FRONT_CHARS = 80  # about what a phone shows without scrolling the question
MAX_BACK_CHARS = 600
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})", re.M)
_CODE_BLOCK = re.compile(r"^ {0,3}(`{3,}|~{3,})[^\n]*\n.*?^ {0,3}\1[ \t]*$", re.M | re.S)
_CODE_SPAN = re.compile(r"(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.S)
_MATH = re.compile(r"\$\$(.+?)\$\$|\\\((.+?)\\\)|\\\[(.+?)\\\]|(?<![\\$])\$(?!\s)(.+?)(?<![\s\\])\$", re.S)
_SPACE = re.compile(r"\s+")
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # Unicode category Cc, less \n and \t


def lint(deck: Deck, notes: list[RenderedNote]) -> list[Problem]:
    """Return the warnings; raise DataError when any error is found."""
    problems: list[Problem] = list(deck.warnings)
    fronts: dict[str, str] = {}
    rendered = {n.id: n for n in notes}
    for topic, note, line in deck.notes():
        for message, level in check_note(note, rendered[note.id].fields, deck.require_sources):
            problems.append(Problem(str(topic.path), line, message, note.id, level))
        main = note.front if note.front is not None else note.text or ""
        key = _SPACE.sub("", main)
        if key in fronts:
            problems.append(Problem(str(topic.path), line, f"same front as note '{fronts[key]}'", note.id, "warning"))
        fronts.setdefault(key, note.id)
    problems.extend(duplicate_problems(deck))
    errors = [p for p in problems if p.level == "error"]
    if errors:
        raise DataError(errors)
    return [p for p in problems if p.level == "warning"]


def check_note(note: Note, fields: Sequence[str], require_sources: bool = False) -> list[tuple[str, Level]]:
    """What lint finds in one note on its own (its texts and its rendered fields), in order."""
    found: list[tuple[str, Level]] = []
    for name, text in _texts(note):
        found.extend((f"{name}: {message}", "error") for message in _text_problems(text, cloze=(name == "text")))
    for name, text in _texts(note):  # math that will not fit a phone (generator/mathfit.py)
        found.extend((f"{name}: {message}", "warning") for message in math_fit_problems(text))
    if require_sources and not note.sources and not note.advice:
        found.append(("fact card without sources (this deck sets require_sources: add sources, or "
                      "advice: true for a strategy card)", "error"))
    if note.kind != "cloze" and len(fields[0]) > MAX_FRONT_CHARS:
        plain = _plain(fields[0])
        if len(plain) > MAX_FRONT_CHARS:
            found.append((f"front is {len(plain)} characters (keep it under {MAX_FRONT_CHARS}; "
                          "move detail to back or extra)", "warning"))
    if note.back is not None and len(fields[1]) > MAX_BACK_CHARS and len(_plain(fields[1])) > MAX_BACK_CHARS:
        found.append((f"back is long (over {MAX_BACK_CHARS} characters); move detail to extra", "warning"))
    found.extend((message, "warning") for message in note_warnings(note))
    return found


def _texts(note: Note) -> list[tuple[str, str]]:
    return [(name, text) for name in ("front", "back", "text", "extra")
            if (text := getattr(note, name)) is not None]


def _text_problems(text: str, cloze: bool) -> list[str]:
    problems = []
    for char in sorted(set(_CONTROL.findall(text))):
        problems.append(f"contains control character U+{ord(char):04X} (a YAML escape in a "
                        "double-quoted string eats backslashes: write text fields as | blocks)")
    if len(_FENCE.findall(text)) % 2:
        problems.append("unterminated code fence (expected a closing ```)")
    prose = _CODE_SPAN.sub("", _CODE_BLOCK.sub("", text))
    problems.extend(_math_balance(prose))
    if cloze:
        for match in _MATH.finditer(prose):
            body = next(g for g in match.groups() if g is not None)
            if "}}" in body or "::" in body:
                problems.append(f"'}}}}' or '::' inside math in a cloze ({match.group(0)[:40]!r}); "
                                "Anki would end the cloze there: write '} }' or ': :'")
        for match in _CODE_SPAN.finditer(text):
            if "}}" in match.group(2) or "::" in match.group(2):
                problems.append(f"'}}}}' or '::' inside code in a cloze ({match.group(0)[:40]!r}); "
                                "Anki would end the cloze there")
    return problems


def _math_balance(prose: str) -> list[str]:
    problems = []
    for opener, closer in (("\\(", "\\)"), ("\\[", "\\]")):
        if prose.count(opener) != prose.count(closer):
            problems.append(f"unbalanced math delimiters: {prose.count(opener)} '{opener}' "
                            f"but {prose.count(closer)} '{closer}'")
    unescaped = re.sub(r"\\\$", "", prose)
    if unescaped.count("$$") % 2:
        problems.append("unbalanced math delimiters: odd number of '$$'")
    if unescaped.replace("$$", "").count("$") % 2:
        problems.append("unbalanced math delimiters: odd number of '$' (write \\$ for a literal dollar)")
    return problems


def _plain(html: str) -> str:
    return _SPACE.sub(" ", strip_tags(html)).strip()
