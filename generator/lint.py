"""Content lint: what makes a card wrong or hard to review, beyond what the schema can say."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Callable, Sequence

from generator import cloze
from generator.design import Features, duplicate_problems, note_features, note_warnings
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
# A math delimiter whose backslash is not escaped: an even run of backslashes before it
_DELIMITER = re.compile(r"(?<!\\)(?:\\\\)*(?:\\([()\[\]])|(\$\$|\$))")
_SPACE = re.compile(r"\s+")
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # Unicode category Cc, less \n and \t


def lint(deck: Deck, notes: list[RenderedNote],
         check: Callable[[Note, Sequence[str]], list[tuple[str, Level]]] | None = None,
         features: Callable[[Note], Features] = note_features) -> list[Problem]:
    """Return the warnings; raise DataError when any error is found. `check(note, fields)` is
    check_note for this deck and `features` design.note_features (the build passes ones that
    remember their results per note content)."""
    check = check or (lambda note, fields: check_note(note, fields, deck.require_sources))
    problems: list[Problem] = list(deck.warnings)
    fronts: dict[str, str] = {}
    rendered = {n.id: n for n in notes}
    for topic, note, line in deck.notes():
        for message, level in check(note, rendered[note.id].fields):
            problems.append(Problem(str(topic.path), line, message, note.id, level))
        main = note.front if note.front is not None else note.text or ""
        key = _SPACE.sub("", main)
        if key in fronts:
            problems.append(Problem(str(topic.path), line, f"same front as note '{fronts[key]}'", note.id, "warning"))
        fronts.setdefault(key, note.id)
    problems.extend(duplicate_problems(deck, features))
    errors = [p for p in problems if p.level == "error"]
    if errors:
        raise DataError(errors)
    return [p for p in problems if p.level == "warning"]


def check_note(note: Note, fields: Sequence[str], require_sources: bool = False) -> list[tuple[str, Level]]:
    """What lint finds in one note on its own (its texts and its rendered fields), in order."""
    found: list[tuple[str, Level]] = []
    for name, text in _texts(note):
        found.extend((f"{name}: {message}", "error") for message in _text_problems(text))
    for name, text in _texts(note):  # math that will not fit a phone (generator/mathfit.py)
        found.extend((f"{name}: {message}", "warning") for message in math_fit_problems(text))
    if note.kind == "cloze":
        found.extend(cloze_field_problems(fields, note.text or ""))
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
    found.extend((message, "warning") for message in cloze_habits(note))
    return found


def _texts(note: Note) -> list[tuple[str, str]]:
    return [(name, text) for name in ("front", "back", "text", "extra")
            if (text := getattr(note, name)) is not None]


def _text_problems(text: str) -> list[str]:
    problems = []
    for char in sorted(set(_CONTROL.findall(text))):
        problems.append(f"contains control character U+{ord(char):04X} (a YAML escape in a "
                        "double-quoted string eats backslashes: write text fields as | blocks)")
    if len(_FENCE.findall(text)) % 2:
        problems.append("unterminated code fence (expected a closing ```)")
    prose = _CODE_SPAN.sub("", _CODE_BLOCK.sub("", text))
    problems.extend(_math_balance(prose))
    return problems


def _math_balance(prose: str) -> list[str]:
    """Math delimiters that do not pair up. A delimiter is one its backslash is not itself
    escaped: LaTeX's row break with spacing (\\\\[4pt] in aligned) opens nothing."""
    count = {"(": 0, ")": 0, "[": 0, "]": 0, "$": 0, "$$": 0}
    for match in _DELIMITER.finditer(prose):
        count[match.group(1) or match.group(2)] += 1
    problems = []
    for opener, closer in (("(", ")"), ("[", "]")):
        if count[opener] != count[closer]:
            problems.append(f"unbalanced math delimiters: {count[opener]} '\\{opener}' "
                            f"but {count[closer]} '\\{closer}'")
    if count["$$"] % 2:
        problems.append("unbalanced math delimiters: odd number of '$$'")
    if count["$"] % 2:
        problems.append("unbalanced math delimiters: odd number of '$' (write \\$ for a literal dollar)")
    return problems


CLOZE_FIELDS = ("text", "extra", "sources", "id")  # the cloze note type's fields, in order
_HTML_TAG = re.compile(r"<(?:\"[^\"]*\"|'[^']*'|[^'\">])*>")
_CODE_ELEMENT = re.compile(r"(<code\b[^>]*>)(.*?)</code>", re.S)
_MATHJAX = re.compile(r"\\[(\[].*?\\[\])]", re.S)  # what Anki takes for MathJax (rslib cloze.rs)
_BRACE = re.compile(r"(?<!\\)(?:\\\\)*([{}])")  # a brace that is not \{ or \}


def cloze_field_problems(fields: Sequence[str], source: str = "") -> list[tuple[str, Level]]:
    """Where Anki reads a cloze note's rendered fields differently from what the author wrote.
    Anki makes a card for every cloze number in any field (generator.cloze), so clozes belong
    in the text alone; within it, a '}}' or '::' that Anki takes as the end of a cloze or the
    start of a hint must not fall inside math, code or a tag the cloze did not open in.
    `source` is the text as written: a cloze that rendering loses is reported too."""
    html = fields[0]
    parsed = cloze.parse(html)
    found: list[tuple[str, Level]] = [(f"text (as rendered): {m}", "error") for m in cloze.problems(html, parsed)]
    lost = len(cloze.parse(source).all()) - len(parsed.all())
    if lost > 0:
        found.append((f"text: {lost} cloze(s) lost in rendering (in highlighted code, where the colours split "
                      "'{{c1::' apart? write the fence without a language)", "error"))
    found += [(f"text: {m}", "error") for m in _boundary_problems(html, parsed)]
    for name, value in zip(CLOZE_FIELDS[1:], fields[1:]):
        for deletion in cloze.parse(value).all():
            found.append((f"{name}: cloze {deletion.label} outside the text makes a card whose front Anki "
                          "shows empty (clozes go in text)", "error"))
    if any(len(d.numbers) > 1 for d in parsed.all()):
        found.append(("text: a cloze with several numbers ({{c1,2::…}}) needs Anki 26.05 or later; "
                      "older versions show it as text", "warning"))
    return found


def _regions(html: str) -> list[tuple[int, int, str]]:
    """Where in rendered HTML a cloze marker would not be text: (start, end, what), for tags,
    code and MathJax. Math is looked for outside code and tags, as MathJax does."""
    regions = [(m.start(), m.end(), "an HTML tag") for m in _HTML_TAG.finditer(html)]
    masked = _HTML_TAG.sub(lambda m: " " * len(m.group(0)), html)
    for m in _CODE_ELEMENT.finditer(html):
        regions.append((m.start(2), m.end(2), "code"))
        masked = masked[: m.start(2)] + " " * len(m.group(2)) + masked[m.end(2):]
    regions += [(m.start(), m.end(), "math") for m in _MATHJAX.finditer(masked)]
    return regions


def _where(regions: list[tuple[int, int, str]], pos: int, length: int) -> tuple[int, int, str] | None:
    """The region a marker at pos (of that length) is in or cuts into: a tag before code."""
    inside = [r for r in regions if r[0] < pos + length and pos < r[1]]
    return min(inside, key=lambda r: (r[2] != "an HTML tag", r[1] - r[0])) if inside else None


def _boundary_problems(html: str, parsed: cloze.Parsed) -> list[str]:
    """Clozes whose end or hint Anki finds where the author did not put one."""
    regions = _regions(html)
    problems = []
    for d in parsed.all():
        opened, closed = _where(regions, d.start, d.body - d.start), _where(regions, d.end, 2)
        tagged = [r for r in (opened, closed, *(_where(regions, h, 2) for h in d.hints))
                  if r and r[2] == "an HTML tag"]
        if tagged:
            problems.append(f"cloze {d.label} is inside an HTML tag (an image's alt text or a link title?), "
                            "where Anki's cloze markup breaks the tag")
            continue
        for hint in d.hints:  # in code, '::' is a path (std::vector) or a slice (a[::2]), never a hint
            where = _where(regions, hint, 2)
            if where is not None and (where != opened or where[2] == "code"):
                fix = "write ': :'" if where[2] == "math" else "cloze the parts around it"
                problems.append(f"cloze {d.label}: Anki takes the '::' inside {where[2]} for the start of a "
                                f"hint and cuts the answer there ({fix})")
        if closed != opened:
            if closed is not None and (opened is None or closed[0] >= d.start):
                problems.append(f"cloze {d.label} ends at a '}}}}' inside {closed[2]}: Anki would end the "
                                "cloze there (write '} }')")
            else:
                what = (opened or closed or (0, 0, ""))[2]
                problems.append(f"cloze {d.label} starts inside {what} and ends outside it, which breaks "
                                f"the {what} on the card (keep the cloze inside it or around all of it)")
        elif html.startswith("}", d.end + 2) and _open_braces(d.answer(html)) > 0:
            problems.append(f"cloze {d.label} ends at the first '}}}}' of '}}}}}}': Anki reads its answer as "
                            f"'…{d.answer(html)[-20:]}' (put a space before the cloze's closing '}}}}')")
    return problems


def _open_braces(text: str) -> int:
    """How many more { than } (a \\{ or \\} is no brace)."""
    depth = 0
    for match in _BRACE.finditer(text):
        depth += 1 if match.group(1) == "{" else -1
    return depth


def _plain(html: str) -> str:
    return _SPACE.sub(" ", strip_tags(html)).strip()


_SINGLE_BRACE_CLOZE = re.compile(r"(?<!\{)\{c\d+::[^{}]*\}(?!\})")
_CLOZE_OPENING = re.compile(r"\{\{c\d+::")


def cloze_habits(note: Note) -> list[str]:
    """Cloze syntax that Anki would show as plain text: single braces, or a deletion in a note
    that is not a cloze note."""
    found = []
    for name, text in _texts(note):
        for match in _SINGLE_BRACE_CLOZE.finditer(text):
            found.append(f"{name}: {match.group(0)!r} has single braces, so Anki shows it as text "
                         "(a cloze deletion is {{c1::…}})")
        if note.kind != "cloze" and _CLOZE_OPENING.search(text):
            found.append(f"{name}: cloze deletion in a {note.kind} note, which Anki shows as text "
                         "(write it as kind: cloze with text:)")
    return found
