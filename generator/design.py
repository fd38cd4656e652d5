"""Card-design lint: warnings for cards that break the minimum-information principle.

Four rules, each a pure function over validated notes; `design_problems()` runs them all.
A note switches a rule off with `allow: {rule-name: "why"}` (checked by the model).

- multi-question: a front asks more than one question.
- cloze-giveaway: a cloze's answer is visible on its own card (elsewhere in the text, in a
  parenthetical right after the deletion, or derivable from a visible sum such as
  `512 + 64 = {{c3::576}}`).
- table-back: the back is mostly one large table (ask per row or cell; keep the table as extra).
- near-duplicate: two notes teach nearly the same text or the same set of numbers.
"""

from __future__ import annotations

import ast
import difflib
import re
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Iterable, Sequence

from generator.errors import Problem

if TYPE_CHECKING:
    from generator.model import Deck, Note

MULTI_QUESTION = "multi-question"
CLOZE_GIVEAWAY = "cloze-giveaway"
TABLE_BACK = "table-back"
NEAR_DUPLICATE = "near-duplicate"
RULES = (MULTI_QUESTION, CLOZE_GIVEAWAY, TABLE_BACK, NEAR_DUPLICATE)

TABLE_MIN_CELLS = 8        # body cells (rows × columns) that make a table "large"
TABLE_MIN_SHARE = 0.6      # share of the back's visible characters the table takes
DUPLICATE_RATIO = 0.6      # difflib ratio of two notes' normalized texts
TRIGRAM_SHARE = 0.45       # cheap prefilter before difflib: shared character trigrams of the smaller text
DUPLICATE_NUMBERS = 3      # shared distinctive numbers that make two notes teach the same thing
DUPLICATE_NUMBER_SHARE = 0.7  # ... when they are this share of the smaller note's numbers
DUPLICATE_FEATURES = 3     # distinctive features two notes must share to be compared at all
DUPLICATE_CHARS = 800      # compare the first characters only: enough to tell two cards apart
FEATURE_MAX_NOTES = 10     # a feature shared by more notes than this is too common to pair on

_CLOZE = re.compile(r"\{\{c(\d+)::((?:(?!\}\}).)*?)(?:::((?:(?!\}\}).)*?))?\}\}", re.S)
_CODE_BLOCK = re.compile(r"^ {0,3}(`{3,}|~{3,})[^\n]*\n.*?^ {0,3}\1[ \t]*$", re.M | re.S)
_CODE_SPAN = re.compile(r"(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.S)
_MATH = re.compile(r"\$\$.+?\$\$|\\\(.+?\\\)|\\\[.+?\\\]|(?<![\\$])\$(?!\s).+?(?<![\s\\])\$", re.S)
_QUOTED = re.compile(r"「[^」]*」|“[^”]*”|\"[^\"\n]*\"|『[^』]*』")
_QUESTION = re.compile(r"[?？]")
_TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_NUMBER_BYTES = re.compile(rb"(?<![a-z_.\d])(?:\d+\.\d+|\d{3,})")
_WORD_BYTES = re.compile(rb"[a-z_]{4,}")
_PAREN_AFTER = re.compile(r"[ \t]*[^\s（(，。；、,;:：|]{0,2}[ \t]*[（(]([^（）()]*)[）)]")  # "}}（…）", "}} 倍（…）"
_CLAUSE_SPLIT = re.compile(r"[，。；;！？!?、\n]|,(?!\d{3})|(?<!\d),")  # '：' reads as '=': "16 B：2 + 2 + 12"
_ARITH_TOKEN = re.compile(r"(?<![A-Za-z_\d.])(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)(?![A-Za-z_\d])"
                          r"|[+×*·/÷=≈：()−-]|⟦…⟧")
_PLACEHOLDER = "⟦…⟧"
_NORMALIZE_DROP = re.compile(r"[\s*`$_~|>#\\{}\[\]（）()「」“”\"'，。；;：:！？!?、\-—–]+|(?<!\d)[.,]|[.,](?!\d)")


@dataclass(frozen=True)
class Finding:
    """One design problem of one note: which rule, and what to change."""

    rule: str
    message: str


def design_problems(deck: Deck) -> list[Problem]:
    """Every design warning of the deck, located, minus those a note's `allow` switches off."""
    problems = [Problem(str(topic.path), line, message, note.id, "warning")
                for topic, note, line in deck.notes() for message in note_warnings(note)]
    return problems + duplicate_problems(deck)


def note_findings(note: Note) -> list[Finding]:
    """The rules that look at one note on its own."""
    return [*multi_question(note), *cloze_giveaways(note), *table_back(note)]


def note_warnings(note: Note) -> list[str]:
    """One note's design warnings as lint messages, minus those its `allow` switches off. A pure
    function of the note, so lint.check_note can keep it in the render cache."""
    return [f"[{f.rule}] {f.message}" for f in note_findings(note) if f.rule not in note.allow]


Features = tuple[frozenset[bytes], frozenset[bytes]]


def note_features(note: Note) -> Features:
    """What near_duplicates compares a note by: its distinctive numbers and long words."""
    return _features(_all_text(note))


def duplicate_problems(deck: Deck, features: Callable[[Note], Features] = note_features) -> list[Problem]:
    """The near-duplicate warnings of the whole deck, located at the later note of each pair.
    `features` is note_features (the build passes one that remembers them per note content)."""
    located = {note.id: (str(topic.path), line) for topic, note, line in deck.notes()}
    found = near_duplicates([note for _, note, _ in deck.notes()], features)
    return [Problem(*located[note.id], f"[{f.rule}] {f.message}", note.id, "warning")
            for note, f in found if f.rule not in note.allow]


# --- multi-question --------------------------------------------------------------------------


def multi_question(note: Note) -> list[Finding]:
    """A front with two or more question marks outside quotes, code and math asks several things."""
    if note.front is None:
        return []
    text = _QUOTED.sub("", _prose(note.front))
    count = len(_QUESTION.findall(text))
    if count < 2:
        return []
    return [Finding(MULTI_QUESTION, f"front asks {count} questions; split it into one note per question "
                                    "(or allow it with a reason, e.g. an outline card)")]


# --- cloze-giveaway --------------------------------------------------------------------------


def cloze_giveaways(note: Note) -> list[Finding]:
    """Clozes whose answer the card itself shows: see the module docstring."""
    if note.text is None:
        return []
    findings = []
    deletions = list(_CLOZE.finditer(note.text))
    for number in sorted({int(m.group(1)) for m in deletions}):
        front = _card_front(note.text, number)
        for m in deletions:
            if int(m.group(1)) != number:
                continue
            answer = m.group(2)
            why = _giveaway(note.text, m, answer, front)
            if why:
                findings.append(Finding(CLOZE_GIVEAWAY, f"c{number} ({_short(answer)}): {why}"))
                break
    return findings


def _giveaway(text: str, match: re.Match[str], answer: str, front: str) -> str:
    key = _normalize(answer)
    if (len(key) > 1 or key.isalnum()) and _contains_token(_normalize(front), key):
        return "the answer is visible elsewhere on the card"
    after = _PAREN_AFTER.match(text, match.end())
    if after and after.group(1).strip():
        return ("a parenthetical right after the deletion is shown with the question and hints at the "
                "answer; move it to extra (or use {{c1::answer::hint}} for a deliberate hint)")
    if _derivable_from_sum(front, answer):
        return "the answer follows from the arithmetic shown on the card"
    return ""


def _card_front(text: str, number: int) -> str:
    """What Anki shows on the front of card `number`: its deletions hidden, the others revealed."""
    def show(m: re.Match[str]) -> str:
        if int(m.group(1)) == number:
            return f"{_PLACEHOLDER}{m.group(3) or ''}"
        return m.group(2)
    return _CLOZE.sub(show, text)


def _contains_token(haystack: str, needle: str) -> bool:
    """`needle` occurs in `haystack` not glued to other letters or digits (so '2' is not in 'fp16')."""
    start = 0
    while (i := haystack.find(needle, start)) >= 0:
        before = haystack[i - 1] if i else ""
        after = haystack[i + len(needle)] if i + len(needle) < len(haystack) else ""
        if not (_glued(before, needle[0]) or _glued(after, needle[-1])):
            return True
        start = i + 1
    return False


def _glued(neighbour: str, edge: str) -> bool:
    return bool(neighbour) and neighbour.isascii() and edge.isascii() and \
        (neighbour.isalnum() or neighbour in "._%") and edge.isalnum()


def _derivable_from_sum(front: str, answer: str) -> bool:
    """The answer is a number and the clause around the hidden deletion is an equation whose other
    operands are all shown: `512 + 64 = ⟦?⟧` or `⟦?⟧ = 2 + 2 + 12`."""
    value = _number(answer)
    if value is None:
        return False
    for line in front.split("\n"):
        if _PLACEHOLDER not in line:
            continue
        for clause in _CLAUSE_SPLIT.split(_latex_operators(line)):
            if _PLACEHOLDER in clause and _equation_holds(clause, value):
                return True
    return False


def _latex_operators(text: str) -> str:
    return text.replace("\\times", "×").replace("\\cdot", "·").replace("$", " ")


def _equation_holds(clause: str, value: float) -> bool:
    tokens = _ARITH_TOKEN.findall(clause)
    sides: list[list[str]] = [[]]
    for token in tokens:
        if token in "=≈：":
            sides.append([])
        else:
            sides[-1].append(token)
    exprs = [_python_expr(side) for side in sides]
    usable = [e for e in exprs if e]
    has_placeholder = [e for e in usable if "_A_" in e]
    if len(usable) < 2 or not has_placeholder or not any(ch in e for e in usable for ch in "+-*/"):
        return False
    values = [_evaluate(e.replace("_A_", repr(value))) for e in usable]
    if any(v is None for v in values):
        return False
    numbers = [v for v in values if v is not None]
    return all(abs(v - numbers[0]) <= 0.01 * max(abs(numbers[0]), 1e-9) for v in numbers)


def _python_expr(side: Sequence[str]) -> str:
    out = []
    for token in side:
        if token == _PLACEHOLDER:
            out.append("_A_")
        elif token in "×*·":
            out.append("*")
        elif token in "/÷":
            out.append("/")
        elif token in "−-":
            out.append("-")
        elif token in "+()":
            out.append(token)
        else:
            out.append(token.replace(",", ""))
    expr = "".join(out).strip("+-*/")
    return expr if any(c.isdigit() or c == "_" for c in expr) else ""


def _evaluate(expr: str) -> float | None:
    """Arithmetic of + - * / on numbers only; None for anything else."""
    try:
        return _arith(ast.parse(expr, mode="eval").body)
    except (SyntaxError, ArithmeticError, ValueError):
        return None


def _arith(node: ast.expr) -> float:
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        return float(node.value)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return -_arith(node.operand)
    if isinstance(node, ast.BinOp):
        left, right = _arith(node.left), _arith(node.right)
        if isinstance(node.op, ast.Add):
            return left + right
        if isinstance(node.op, ast.Sub):
            return left - right
        if isinstance(node.op, ast.Mult):
            return left * right
        if isinstance(node.op, ast.Div):
            return left / right
    raise ValueError("not plain arithmetic")


def _number(answer: str) -> float | None:
    text = answer.strip().strip("*$` ")
    m = re.fullmatch(r"(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?", text)
    if not m:
        return None
    return float(text.replace(",", ""))


# --- table-back ------------------------------------------------------------------------------


def table_back(note: Note) -> list[Finding]:
    """A back that is mostly one table of at least TABLE_MIN_CELLS body cells tests many facts at once."""
    if note.back is None:
        return []
    lines = note.back.split("\n")
    rows = [line for line in lines if _TABLE_ROW.match(line)]
    if not rows:
        return []
    body = [r for r in rows[1:] if not _TABLE_RULE.match(r)]
    columns = max(r.strip().strip("|").count("|") + 1 for r in rows)
    cells = len(body) * columns
    table_chars = sum(len(_visible(r)) for r in rows)
    total = len(_visible(note.back))
    if cells < TABLE_MIN_CELLS or total == 0 or table_chars / total < TABLE_MIN_SHARE:
        return []
    return [Finding(TABLE_BACK, f"back is mostly one table ({len(body)} rows × {columns} columns); ask per "
                                "row or cell and keep the table as extra")]


# --- near-duplicate --------------------------------------------------------------------------


def near_duplicates(notes: Sequence[Note], note_features: Callable[[Note], Features] = note_features
                    ) -> list[tuple[Note, Finding]]:
    """Pairs of notes that read nearly the same, or share most of their distinctive numbers. Only
    notes sharing DUPLICATE_FEATURES distinctive features (numbers, long identifiers) are compared, and difflib
    runs only on pairs whose trigram sets already overlap, so a 10 000-note deck stays cheap."""
    features = [note_features(n) for n in notes]
    numbers = [f[0] for f in features]
    index: dict[bytes, list[int]] = defaultdict(list)
    for i, (nums, words) in enumerate(features):
        for feature in nums | words:
            index[feature].append(i)
    shared: dict[tuple[int, int], int] = defaultdict(int)
    for members in index.values():
        if len(members) > FEATURE_MAX_NOTES:
            continue
        for a_pos, a in enumerate(members):
            for b in members[a_pos + 1:]:
                shared[(a, b)] += 1
    texts: dict[int, str] = {}
    grams: dict[int, frozenset[str]] = {}

    def text(i: int) -> str:
        if i not in texts:
            texts[i] = _normalize(_all_text(notes[i]))[:DUPLICATE_CHARS]
        return texts[i]

    def trigrams(i: int) -> frozenset[str]:
        if i not in grams:
            grams[i] = frozenset(text(i)[k:k + 3] for k in range(max(len(text(i)) - 2, 1)))
        return grams[i]

    found = []
    for (a, b), count in sorted(shared.items()):
        if count < DUPLICATE_FEATURES:
            continue
        why = _same_numbers(numbers[a], numbers[b])
        if not why and not _parallel_numbers(numbers[a], numbers[b]):
            ga, gb = trigrams(a), trigrams(b)
            if len(ga & gb) >= TRIGRAM_SHARE * min(len(ga), len(gb)):
                why = _similar_text(text(a), text(b))
        if why:
            first, second = notes[a], notes[b]
            if NEAR_DUPLICATE in first.allow or NEAR_DUPLICATE in second.allow:
                continue  # allowing it on either note of the pair is enough
            found.append((second, Finding(NEAR_DUPLICATE, f"near-duplicate of note '{first.id}' ({why}); "
                                                          "merge them, or give one a different angle")))
    return found


def _same_numbers(a: frozenset[bytes], b: frozenset[bytes]) -> str:
    common = a & b
    if len(common) >= DUPLICATE_NUMBERS and len(common) >= DUPLICATE_NUMBER_SHARE * min(len(a), len(b)):
        return "same numbers: " + ", ".join(n.decode() for n in sorted(common, key=_sort_key)[:5])
    return ""


def _parallel_numbers(a: frozenset[bytes], b: frozenset[bytes]) -> bool:
    """Similar wording around mostly different numbers: parallel facts, not the same one."""
    return len(a) >= 2 and len(b) >= 2 and len(a & b) <= 0.5 * min(len(a), len(b))


def _similar_text(a: str, b: str) -> str:
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)  # autojunk hides CJK text's common characters
    if matcher.real_quick_ratio() >= DUPLICATE_RATIO and matcher.quick_ratio() >= DUPLICATE_RATIO:
        ratio = matcher.ratio()
        if ratio >= DUPLICATE_RATIO:
            return f"text similarity {ratio:.2f}"
    return ""


def _sort_key(number: bytes) -> float:
    try:
        return float(number)
    except ValueError:  # '1.2.3': a version, not a number
        return float("inf")


def _features(text: str) -> tuple[frozenset[bytes], frozenset[bytes]]:
    """A note's distinctive numbers (a decimal point, or three digits once thousands separators
    are dropped) and its ASCII words of four or more letters. On bytes: it runs on every note."""
    data = text.lower().encode("ascii", "replace")
    return frozenset(_NUMBER_BYTES.findall(data.replace(b",", b""))), frozenset(_WORD_BYTES.findall(data))


def _all_text(note: Note, extra: bool = True) -> str:
    parts: Iterable[str | None] = (note.front, note.back, note.text, note.extra if extra else None)
    return "\n".join(p for p in parts if p)


# --- text helpers ----------------------------------------------------------------------------


def _prose(text: str) -> str:
    """Text without code blocks, code spans and math (their '?' are not questions)."""
    return _MATH.sub(" ", _CODE_SPAN.sub(" ", _CODE_BLOCK.sub(" ", text)))


def _visible(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[*_`|:\-]", "", text)).strip()


def _normalize(text: str) -> str:
    """Lower case, no whitespace, Markdown marks or punctuation: what a reader compares."""
    return _NORMALIZE_DROP.sub("", _CLOZE.sub(lambda m: m.group(2), text)).lower()


def _short(text: str, limit: int = 24) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
