"""Content lint: what makes a card wrong or hard to review, beyond what the schema can say."""

from __future__ import annotations

import re
import unicodedata

from generator.cards import RenderedNote
from generator.errors import DataError, Problem
from generator.model import Deck, Note

MAX_FRONT_CHARS = 80  # about what a phone shows without scrolling the question
MAX_BACK_CHARS = 600
ADVICE_BADGE = "建议 · advice"  # templates/fields/front.html.j2 puts it before advice fronts
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})", re.M)
_CODE_BLOCK = re.compile(r"^ {0,3}(`{3,}|~{3,})[^\n]*\n.*?^ {0,3}\1[ \t]*$", re.M | re.S)
_CODE_SPAN = re.compile(r"(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.S)
_MATH = re.compile(r"\$\$(.+?)\$\$|\\\((.+?)\\\)|\\\[(.+?)\\\]|(?<![\\$])\$(?!\s)(.+?)(?<![\s\\])\$", re.S)
_TAG = re.compile(r"<[^>]+>")


def lint(deck: Deck, notes: list[RenderedNote]) -> list[Problem]:
    """Return the warnings; raise DataError when any error is found."""
    problems: list[Problem] = []
    fronts: dict[str, str] = {}
    rendered = {n.id: n for n in notes}
    for topic, note, line in deck.notes():
        def report(message: str, level: str = "error") -> None:
            problems.append(Problem(str(topic.path), line, message, note.id, level))  # type: ignore[arg-type]

        for name, text in _texts(note):
            for message in _text_problems(text, cloze=(name == "text")):
                report(f"{name}: {message}")
        if not note.sources and not note.advice:
            report("fact card without sources (add sources, or advice: true for a strategy card)")
        main = note.front if note.front is not None else note.text or ""
        plain = _plain(rendered[note.id].fields[0]).removeprefix(ADVICE_BADGE).strip()
        if note.kind != "cloze" and len(plain) > MAX_FRONT_CHARS:
            report(f"front is {len(plain)} characters (keep it under {MAX_FRONT_CHARS}; "
                   "move detail to back or extra)", "warning")
        if note.back is not None and len(_plain(rendered[note.id].fields[1])) > MAX_BACK_CHARS:
            report(f"back is long (over {MAX_BACK_CHARS} characters); move detail to extra", "warning")
        key = re.sub(r"\s+", "", main)
        if key in fronts:
            report(f"same front as note '{fronts[key]}'", "warning")
        fronts.setdefault(key, note.id)
    errors = [p for p in problems if p.level == "error"]
    if errors:
        raise DataError(errors)
    return [p for p in problems if p.level == "warning"]


def _texts(note: Note) -> list[tuple[str, str]]:
    return [(name, text) for name in ("front", "back", "text", "extra")
            if (text := getattr(note, name)) is not None]


def _text_problems(text: str, cloze: bool) -> list[str]:
    problems = []
    for char in sorted(set(text)):
        if unicodedata.category(char) == "Cc" and char not in "\n\t":
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
    return re.sub(r"\s+", " ", _TAG.sub("", html)).strip()
