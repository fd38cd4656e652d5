"""Exercises: data/exercises/*.yaml + a reference solution → standalone Python exercise files.

load (YAML + reference module) → validate (model + cross-checks) → render (exercise.py.j2,
solution.py.j2) → verify (compile, round-trip the cases, stub fails, reference passes).
`build_exercises` returns the texts; the caller writes them.
"""

from __future__ import annotations

import ast
import keyword
import math
import pprint
import queue
import re
import subprocess
import sys
import threading
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Annotated, Any, Literal

import jinja2
from pydantic import Field

from generator.errors import BuildFailed, DataError, Problem
from generator.loader import Document, load_yaml
from generator.model import Text, _Strict, validate
from generator.templating import render

EXERCISES = "exercises"  # folder under data/, and under the output
REFERENCE_SUFFIX = ".reference.py"
MAX_TIMES = 100_000  # one repeated piece
MAX_CHARS = 1_000_000  # one value built from pieces
PYTHON_FLOOR = (3, 9)  # learners may run an older Python than the build
TIME_LIMIT = 10.0  # seconds the reference solution may take to import, and then per case
MAX_OVERRUNS = 3  # overruns after which the rest of an exercise's cases are not run
REL_TOL, ABS_TOL = 1e-9, 1e-12  # how close a float result must be (written in the statement too)
PYTEST_INI = f"{EXERCISES}/pytest.ini"
# Names the generated harness defines: the learner's function must not shadow them.
HARNESS_NAMES = frozenset({"sys", "math", "traceback", "Any", "Optional", "CASES", "main", "_short", "_show",
                           "_same", "_where", "_failure", "_check", "_CASES_BY_ID"})

Identifier = Annotated[str, Field(min_length=1, max_length=60, pattern=r"^[a-z_][a-z0-9_]*$")]
CaseId = Annotated[str, Field(min_length=1, max_length=60, pattern=r"^[a-z0-9][a-z0-9_]*$")]
OneLine = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[^\r\n]*\S[^\r\n]*$")]
# Annotations that mean the same on Python 3.9 as today (no `X | Y`, nothing to import).
TypeName = Literal["str", "int", "float", "bool", "list[str]", "list[int]", "list[float]", "dict[str, int]",
                   "dict[str, list[int]]"]


class Bilingual(_Strict):
    """The same text in Chinese and English (the interview was in Chinese, the code is not)."""

    zh: Text
    en: Text


class Param(_Strict):
    """One parameter of the function the learner writes."""

    name: Identifier
    type: TypeName


class Function(_Strict):
    """The function the learner writes: its name, parameters and return type."""

    name: Identifier
    params: list[Param] = Field(min_length=1)
    returns: TypeName

    @property
    def param_names(self) -> tuple[str, ...]:
        """The parameter names, in order."""
        return tuple(param.name for param in self.params)


class ExampleSpec(_Strict):
    """An example shown in the statement (checked against the reference, not a test)."""

    args: dict[str, Any]
    expected: Any
    explain: Bilingual | None = None


class CaseSpec(_Strict):
    """One test case as written in YAML."""

    id: CaseId
    description: OneLine
    args: dict[str, Any]
    expected: Any


class ExerciseFile(_Strict):
    """data/exercises/<name>.yaml: one exercise."""

    title: Bilingual
    why: Bilingual
    statement: Bilingual
    function: Function
    examples: list[ExampleSpec] = Field(min_length=1)
    constraints: list[Bilingual] = Field(min_length=1)
    hints: list[Bilingual] = Field(min_length=1)
    cases: list[CaseSpec] = Field(min_length=1)


@dataclass(frozen=True)
class Piece:
    """`text` repeated `times` times: how a very long value is written, in YAML and in Python."""

    text: str
    times: int


@dataclass(frozen=True)
class Value:
    """A case value: the Python value, and the pieces it was written as (none: write it whole)."""

    python: Any
    pieces: tuple[Piece, ...] = ()


@dataclass(frozen=True)
class Case:
    """A test case or statement example, with the YAML line it was written on."""

    id: str
    label: str  # how messages name it: "case 'root'" or "example 2"
    description: str
    args: tuple[Value, ...]
    expected: Value
    line: int
    explain: Bilingual | None = None


@dataclass(frozen=True)
class Exercise:
    """A validated exercise: what the templates see."""

    name: str
    path: Path
    title: Bilingual
    why: Bilingual
    statement: Bilingual
    function: Function
    examples: tuple[Case, ...]
    constraints: tuple[Bilingual, ...]
    hints: tuple[Bilingual, ...]
    cases: tuple[Case, ...]
    reference: str  # the reference module's source, module docstring removed
    reference_path: Path
    reference_line: int = 1  # the line of reference_path where `reference` starts

    @property
    def source(self) -> str:
        """Where the exercise is defined, as written in the generated header (no machine paths)."""
        return f"data/{EXERCISES}/{self.name}.yaml"


def build_exercises(data_dir: Path, templates_dir: Path | None = None, *,
                    time_limit: float = TIME_LIMIT) -> dict[str, str]:
    """Load, render and verify every exercise; return {output path: text}. Writes nothing.

    Raises DataError when an exercise or its reference solution is wrong (the reference runs in
    a separate interpreter, `time_limit` seconds to import and per case), BuildFailed when a
    generated file is (a template bug)."""
    outputs: dict[str, str] = {}
    failures: list[str] = []
    checks: list[tuple[Exercise, str]] = []
    for exercise in load_exercises(data_dir):
        learner = render_exercise(exercise, None, templates_dir)
        solution = render_exercise(exercise, exercise.reference, templates_dir)
        found = verify_exercise(exercise, learner, solution)
        if not found:
            checks.append((exercise, solution))
        failures += found
        outputs[learner_path(exercise)] = learner
        outputs[solution_path(exercise)] = solution
    if failures:
        raise BuildFailed("\n".join(failures))
    problems = check_references(checks, time_limit)
    if problems:
        raise DataError(problems)
    if outputs:
        outputs[PYTEST_INI] = PYTEST_INI_TEXT
    return outputs


# `pytest build/exercises` collects every exercise file (their names do not match test_*.py),
# and not the solutions: both have the same module names.
PYTEST_INI_TEXT = """\
# Generated by cardsmith: lets `pytest` collect the exercise files (not the solutions/).
[pytest]
python_files = *.py
norecursedirs = solutions
addopts = -p no:cacheprovider
"""


def learner_path(exercise: Exercise) -> str:
    """The learner file's path in the output, e.g. exercises/simplify_path.py."""
    return f"{EXERCISES}/{exercise.name}.py"


def solution_path(exercise: Exercise) -> str:
    """The solution file's path in the output, e.g. exercises/solutions/simplify_path.py."""
    return f"{EXERCISES}/solutions/{exercise.name}.py"


# --- load and validate -------------------------------------------------------------------


def load_exercises(data_dir: Path) -> list[Exercise]:
    """Load and check every data/exercises/*.yaml with its reference; all problems at once."""
    problems: list[Problem] = []
    exercises: list[Exercise] = []
    for path in sorted((data_dir / EXERCISES).glob("*.yaml")):
        try:
            exercises.append(load_exercise(path))
        except DataError as exc:
            problems += exc.problems
    if problems:
        raise DataError(problems)
    return exercises


def load_exercise(path: Path) -> Exercise:
    """Load one exercise YAML and its reference solution; raise DataError with every problem."""
    name = path.name.removesuffix(".yaml")
    problems: list[Problem] = []
    if not name.isidentifier() or not name.islower() or keyword.iskeyword(name):
        problems.append(Problem(str(path), None, f"file name '{name}' cannot name a Python file "
                                "(expected lower_snake_case, e.g. simplify_path.yaml)"))
    try:
        doc = load_yaml(path, card_text=False)  # test data: escapes and control characters on purpose
        spec = validate(doc, ExerciseFile)
    except DataError as exc:
        raise DataError(problems + exc.problems) from None
    problems += _function_problems(doc, spec.function)
    examples = [_case(doc, ("examples", i), e, spec.function, problems) for i, e in enumerate(spec.examples)]
    cases = [_case(doc, ("cases", i), c, spec.function, problems) for i, c in enumerate(spec.cases)]
    problems += _duplicate_ids(doc, spec.cases)
    reference_path = path.with_name(name + REFERENCE_SUFFIX)
    reference, reference_line = _read_reference(reference_path, spec.function, problems)
    if problems:
        raise DataError(problems)
    return Exercise(name, path, spec.title, spec.why, spec.statement, spec.function,
                    tuple(examples), tuple(spec.constraints), tuple(spec.hints), tuple(cases),
                    reference, reference_path, reference_line)


def _function_problems(doc: Document, function: Function) -> list[Problem]:
    """Names the generated file cannot use: keywords, harness names, pytest test names."""
    problems = []
    where = str(doc.path)
    if function.name in HARNESS_NAMES or function.name.startswith("test"):
        problems.append(Problem(where, doc.line(("function", "name")), f"function name '{function.name}' "
                                "clashes with the test harness (expected a name not starting with 'test' "
                                f"and not one of {', '.join(sorted(HARNESS_NAMES))})"))
    for index, name in enumerate((function.name, *function.param_names)):
        loc = ("function", "name") if index == 0 else ("function", "params", index - 1, "name")
        if keyword.iskeyword(name):
            problems.append(Problem(where, doc.line(loc), f"'{name}' is a Python keyword (expected a name)"))
    names = function.param_names
    for dup in sorted({n for n in names if names.count(n) > 1}):
        problems.append(Problem(where, doc.line(("function", "params")), f"parameter '{dup}' is listed twice"))
    return problems


def _duplicate_ids(doc: Document, cases: list[CaseSpec]) -> list[Problem]:
    """Case ids name test functions, so each is unique in its exercise."""
    problems: list[Problem] = []
    first: dict[str, int] = {}
    for index, case in enumerate(cases):
        if case.id in first:
            problems.append(Problem(str(doc.path), doc.line(("cases", index, "id")), f"case '{case.id}': "
                                    f"duplicate id (first at line {first[case.id]}; ids name test functions)"))
        first.setdefault(case.id, doc.line(("cases", index, "id")))
    return problems


class _Bad(Exception):
    """A value that cannot be used; the message says what was expected."""


def _case(doc: Document, loc: tuple[Any, ...], spec: CaseSpec | ExampleSpec, function: Function,
          problems: list[Problem]) -> Case:
    """A Case from its YAML; what is wrong goes to `problems` (the case is then a placeholder)."""
    if isinstance(spec, CaseSpec):
        case_id, label, description, explain = spec.id, f"case '{spec.id}'", spec.description, None
    else:
        case_id, label, description, explain = f"example_{loc[1] + 1}", f"example {loc[1] + 1}", "", spec.explain
    args, names = spec.args, function.param_names
    missing = [n for n in names if n not in args]
    unknown = [n for n in args if n not in names]
    if missing or unknown:
        what = "; ".join(f"{kind} {', '.join(map(repr, found))}"
                         for kind, found in (("missing", missing), ("unknown", unknown)) if found)
        problems.append(Problem(str(doc.path), doc.line(loc + ("args",)), f"{label}: arguments {what} "
                                f"(expected: {', '.join(names)})"))
    values = []
    for param in function.params:
        if param.name in args:
            values.append(_located_value(doc, loc + ("args", param.name), label, f"argument '{param.name}'",
                                         args[param.name], param.type, problems))
    result = _located_value(doc, loc + ("expected",), label, "expected", spec.expected, function.returns, problems)
    return Case(case_id, label, description, tuple(values), result, doc.line(loc), explain)


def _located_value(doc: Document, loc: tuple[Any, ...], label: str, what: str, raw: Any, type_name: str,
                   problems: list[Problem]) -> Value:
    """`_value`, turning a refusal into a located Problem."""
    try:
        return _value(raw, type_name)
    except _Bad as exc:
        problems.append(Problem(str(doc.path), doc.line(loc), f"{label}: {what} {exc}"))
        return Value(None)


def _value(raw: Any, type_name: str) -> Value:
    """A typed Value; a `str` may be written as a list of pieces: strings or {repeat, times}."""
    if type_name == "str" and isinstance(raw, list):
        pieces = tuple(_piece(item) for item in raw)
        if not pieces:
            raise _Bad("is an empty list of pieces (expected a string, or pieces to concatenate)")
        if sum(len(p.text) * p.times for p in pieces) > MAX_CHARS:
            raise _Bad(f"is longer than {MAX_CHARS:,} characters")
        return Value("".join(p.text * p.times for p in pieces), pieces)
    _check_plain(raw)
    if not _has_type(raw, type_name):
        raise _Bad(f"is {_describe(raw)} (expected {type_name})")
    return Value(raw)


def _piece(item: Any) -> Piece:
    """One piece of a long string: a string, or {repeat: <string>, times: <count>}."""
    if isinstance(item, str):
        return Piece(item, 1)
    if isinstance(item, dict) and set(item) == {"repeat", "times"} and isinstance(item["repeat"], str) \
            and type(item["times"]) is int and 1 <= item["times"] <= MAX_TIMES:
        return Piece(item["repeat"], item["times"])
    raise _Bad(f"has a piece {_describe(item)} (expected a string or {{repeat: <string>, times: "
               f"1..{MAX_TIMES}}})")


def _check_plain(raw: Any) -> None:
    """Only values whose repr is a Python literal that reads back the same."""
    if isinstance(raw, float) and not math.isfinite(raw):
        raise _Bad(f"is {raw!r} (expected a finite number: repr would not read back)")
    if isinstance(raw, list):
        for item in raw:
            _check_plain(item)
    elif isinstance(raw, dict):
        for key, item in raw.items():
            _check_plain(key)
            _check_plain(item)
    elif raw is not None and not isinstance(raw, (str, int, float, bool)):
        raise _Bad(f"is {_describe(raw)} (expected a plain YAML value; quote dates and times)")


def _has_type(raw: Any, type_name: str) -> bool:
    """Whether `raw` is exactly of the declared type (bool is not an int, 1 is not a float)."""
    simple = {"str": str, "int": int, "float": float, "bool": bool}
    if type_name in simple:
        return type(raw) is simple[type_name]
    if type_name.startswith("list["):
        item = type_name.removeprefix("list[").removesuffix("]")
        return isinstance(raw, list) and all(_has_type(x, item) for x in raw)
    value = type_name.removeprefix("dict[str, ").removesuffix("]")
    return isinstance(raw, dict) and all(type(k) is str and _has_type(v, value) for k, v in raw.items())


def _describe(raw: Any) -> str:
    """A short description of a YAML value for an error message."""
    shown = repr(raw)
    return f"a {type(raw).__name__} {shown if len(shown) <= 40 else shown[:37] + '...'}"


def _read_reference(path: Path, function: Function, problems: list[Problem]) -> tuple[str, int]:
    """The reference module's source without its docstring, after checking it fits the exercise,
    and the line of the file where that source starts."""
    expected = f"def {function.name}({', '.join(function.param_names)})"
    try:
        source = path.read_text(encoding="utf-8")
        tree = ast.parse(source, str(path))
    except FileNotFoundError:
        problems.append(Problem(str(path), None, f"missing reference solution (expected a module with {expected})"))
        return "", 1
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(Problem(str(path), None, f"cannot read reference solution: {exc}"))
        return "", 1
    except SyntaxError as exc:
        problems.append(Problem(str(path), exc.lineno, f"syntax error: {exc.msg}"))
        return "", 1
    problems += _reference_problems(path, tree, function, expected)
    return _without_docstring(source, tree)


def _reference_problems(path: Path, tree: ast.Module, function: Function, expected: str) -> list[Problem]:
    """The function must exist with the declared parameters; imports must be standard library."""
    problems = []
    defs = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == function.name]
    if not defs:
        problems.append(Problem(str(path), None, f"defines no function '{function.name}' (expected {expected})"))
    elif tuple(a.arg for a in defs[0].args.args) != function.param_names:
        got = ", ".join(a.arg for a in defs[0].args.args)
        problems.append(Problem(str(path), defs[0].lineno, f"function '{function.name}' takes ({got}) "
                                f"(expected {expected}, as in the exercise YAML)"))
    return problems + _import_problems(path, tree)


def _import_problems(path: Path, tree: ast.Module) -> list[Problem]:
    """Imports the pasted solution cannot have: non-standard modules, and `from __future__`."""
    problems = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            modules = [node.module or ""]
        else:
            continue
        for top in (module.split(".")[0] for module in modules):
            if top == "__future__":
                problems.append(Problem(str(path), node.lineno, "'from __future__' cannot be pasted into "
                                        "the middle of the solution file (expected no __future__ import)"))
            elif top not in sys.stdlib_module_names:
                problems.append(Problem(str(path), node.lineno, f"imports '{top}', which is not in the "
                                        "standard library (exercise files must run on plain Python)"))
    return problems


def _without_docstring(source: str, tree: ast.Module) -> tuple[str, int]:
    """`source` minus its module docstring and surrounding blank lines: the body pasted in, and
    the line of `source` it starts on."""
    lines = [line.rstrip() for line in source.splitlines()]
    skipped = 0
    first = tree.body[0] if tree.body else None
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) \
            and isinstance(first.value.value, str) and first.end_lineno is not None:
        skipped = first.end_lineno
    while skipped < len(lines) and not lines[skipped]:
        skipped += 1
    return "\n".join(lines[skipped:]).strip("\n") + "\n", skipped + 1


# --- render --------------------------------------------------------------------------------


def render_exercise(exercise: Exercise, body: str | None = None, templates_dir: Path | None = None) -> str:
    """The learner file (`body` None: a TODO stub) or a solution file with `body` as the code."""
    template = "exercise.py.j2" if body is None else "solution.py.j2"
    context: dict[str, Any] = {"exercise": exercise, "comment_lines": comment_lines, "example_lines": example_lines}
    if body is not None:
        context["body"] = body.strip("\n")
    try:
        return render(template, templates_dir, **context)
    except jinja2.TemplateError as exc:
        line = f":{exc.lineno}" if isinstance(exc, jinja2.TemplateSyntaxError) else ""
        raise BuildFailed(f"templates/{template}{line}: {exc.message or exc}") from None


def example_lines(function: Function, example: Case, width: int = 88) -> list[str]:
    """An example as comment lines: `f(args) == expected`, on one line when it fits, else with
    the arguments and the expected value pretty-printed over several lines."""
    args = ", ".join(_literal(arg) for arg in example.args)
    line = f"{function.name}({args}) == {_literal(example.expected)}"
    if len(line) <= width or any(v.pieces for v in (*example.args, example.expected)):
        return [_visible(line)]
    values = [arg.python for arg in example.args]
    inner = pprint.pformat(tuple(values) if len(values) > 1 else values[0], width=width - len(function.name) - 1,
                           sort_dicts=False)
    if len(values) == 1:
        inner = "(" + inner.replace("\n", "\n ") + ")"
    call = (function.name + inner).split("\n")
    lines = call[:1] + [" " * len(function.name) + rest for rest in call[1:]]
    expected = pprint.pformat(example.expected.python, width=width - 5, sort_dicts=False).split("\n")
    lines += ["  == " + expected[0]] + ["     " + rest for rest in expected[1:]]
    return [_visible(line) for line in lines]


def _literal(value: Value) -> str:
    """A value as the template's `literal` macro writes it: repr, or its pieces as `'ab' * 3 + 'c'`."""
    if not value.pieces:
        return repr(value.python)
    return " + ".join(repr(p.text) + (f" * {p.times}" if p.times != 1 else "") for p in value.pieces)


def comment_lines(text: str, width: int = 92) -> list[str]:
    """`text` as lines that cannot leave a `#` comment, each paragraph and "- " item reflowed
    from its source lines to `width` display columns (a CJK character is two)."""
    lines: list[str] = []
    for indent, hang, words in _paragraphs(text):
        lines += _fill(words, indent, hang, width) if words else [""]
    return lines


# A list item's marker: "- ", "* " or "1. ".
_ITEM = re.compile(r"(?:[-*]|\d+\.) ")
# Where a line may break: before each space run, and around each wide (CJK) character.
_WIDE = r"\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6"
# A word: a `code span` (with what sticks to it), a run of narrow characters, or one wide one.
_TOKEN = re.compile(rf"(\s*)(`[^`\s][^`]*`[^\s{_WIDE}]*|[^\s{_WIDE}]+|\S)")
# CJK punctuation that must not begin a line, and that must not end one.
_NO_START = set("，。、；：！？）」』】》〉”’…—")
_NO_END = set("（「『【《〈“‘")


def _paragraphs(text: str) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """(first-line prefix, continuation prefix, words) per paragraph; blank lines as no words.

    A word is (the whitespace before it, its text). Source lines of one paragraph or item are
    joined with a space, except between two CJK characters and next to CJK punctuation."""
    blocks: list[tuple[str, str, list[tuple[str, str]]]] = []
    open_hang: str | None = None  # the continuation prefix of the open block, if any
    for raw in text.strip("\n").splitlines():
        line = _visible(raw.expandtabs(4)).rstrip()
        if not line:
            blocks.append(("", "", []))
            open_hang = None
            continue
        body = line.lstrip()
        indent = line[: len(line) - len(body)]
        item = _ITEM.match(body)
        if open_hang is not None and indent == open_hang and not item:
            words = blocks[-1][2]
            tokens = _words(body)
            joined = _joint(words[-1][1][-1], tokens[0][1][0])
            words.append((joined, tokens[0][1]))
            words += tokens[1:]
            continue
        marker = item.group(0) if item else ""
        tokens = _words(body[len(marker):])
        open_hang = indent + " " * len(marker)
        blocks.append((indent + marker, open_hang, [("", tokens[0][1])] + tokens[1:]))
    return blocks


def _words(body: str) -> list[tuple[str, str]]:
    """`body` as (space before, word) pairs; CJK punctuation sticks to its neighbour."""
    words: list[tuple[str, str]] = []
    for space, word in _TOKEN.findall(body):
        if words and not space and (word in _NO_START or words[-1][1][-1] in _NO_END):
            words[-1] = (words[-1][0], words[-1][1] + word)
        else:
            words.append((space, word))
    return words


def _joint(before: str, after: str) -> str:
    """What joins two source lines of a paragraph, given the characters either side."""
    both_wide = _wide(before) and _wide(after)
    punctuation = (_wide(before) and unicodedata.category(before).startswith("P")) or after in _NO_START \
        or (_wide(after) and unicodedata.category(after).startswith("P")) or before in _NO_END
    return "" if both_wide or punctuation else " "


def _wide(char: str) -> bool:
    """Whether `char` takes two columns in a terminal (East Asian wide or full-width)."""
    return unicodedata.east_asian_width(char) in "WF"


def _columns(text: str) -> int:
    """The display width of `text`."""
    return sum(2 if _wide(ch) else 1 for ch in text)


def _fill(words: list[tuple[str, str]], first: str, hang: str, width: int) -> list[str]:
    """Greedy fill: as many words per line as fit in `width` columns; a longer word stays whole.
    Spaces inside a line are kept as written (a quoted "  a" keeps its spaces). A last line of
    one short word takes the word before it along, so no paragraph ends in an orphan."""
    lines: list[list[tuple[str, str]]] = [[]]
    used = _columns(first)
    for space, word in words:
        needed = (_columns(space) if lines[-1] else 0) + _columns(word)
        if lines[-1] and used + needed > width:
            lines.append([])
            used, needed = _columns(hang), _columns(word)
        lines[-1].append((space, word))
        used += needed
    if len(lines) >= 2 and len(lines[-1]) == 1 and len(lines[-2]) >= 3 and _columns(lines[-1][0][1]) < 12:
        moved = lines[-2].pop()
        if _columns(hang) + _columns(moved[1] + lines[-1][0][0] + lines[-1][0][1]) <= width:
            lines[-1].insert(0, moved)
        else:
            lines[-2].append(moved)
    return [(first if index == 0 else hang) + "".join(space + word if n else word for n, (space, word) in
                                                      enumerate(line)).rstrip() for index, line in enumerate(lines)]


def _visible(line: str) -> str:
    """`line` with every invisible character written as its escape."""
    # Escape controls, format characters (bidi overrides), surrogates: in a comment they could
    # end the line (\r), break compilation (NUL, surrogates) or make code read other than it runs.
    return "".join(ch if ch.isprintable() or unicodedata.category(ch) == "Zs" else ascii(ch)[1:-1]
                   for ch in line)


# --- verify --------------------------------------------------------------------------------


def verify_exercise(exercise: Exercise, learner: str, solution: str) -> list[str]:
    """Both files compile on the oldest Python, the learner file's cases read back exactly, and
    every case fails on its stub. (The reference runs apart, in `check_references`.)"""
    failures: list[str] = []
    learner_ns = _load(learner_path(exercise), learner, exercise, failures)
    try:
        ast.parse(solution, solution_path(exercise), feature_version=PYTHON_FLOOR)
    except SyntaxError as exc:
        failures.append(_compile_failure(solution_path(exercise), exc))
    if learner_ns is not None:
        stub = learner_ns[exercise.function.name]
        for case in exercise.cases:
            if _outcome(stub, case) is None:
                failures.append(f"{learner_path(exercise)}: case '{case.id}' passes on the unsolved stub "
                                "(expected every case to fail as shipped)")
    return failures


def _compile_failure(name: str, exc: SyntaxError) -> str:
    """The one-line report of a generated file that does not compile."""
    return (f"{name}:{exc.lineno}: generated file does not compile on Python "
            f"{'.'.join(map(str, PYTHON_FLOOR))}: {exc.msg}")


def _load(name: str, text: str, exercise: Exercise, failures: list[str]) -> dict[str, Any] | None:
    """Compile and run the generated learner file as a module (not as __main__); None when that
    fails. Its code is all ours: the reference solution never runs in the build's process."""
    try:
        tree = ast.parse(text, name, feature_version=PYTHON_FLOOR)
        namespace: dict[str, Any] = {"__name__": f"cardsmith_exercise_{exercise.name}"}
        exec(compile(tree, name, "exec"), namespace)
    except SyntaxError as exc:
        failures.append(_compile_failure(name, exc))
        return None
    except Exception as exc:
        failures.append(f"{name}: generated file fails on import: {type(exc).__name__}: {_short(str(exc))}")
        return None
    written = [(c.id, c.description, tuple(a.python for a in c.args), c.expected.python) for c in exercise.cases]
    if repr(namespace.get("CASES")) != repr(written):
        failures.append(f"{name}: CASES in the generated file differ from {exercise.source} "
                        "(the template must write every value with |pyrepr)")
        return None
    return namespace


def _outcome(function: Any, case: Case) -> str | None:
    """None when `function` gives the expected value, else what it did instead."""
    try:
        got = function(*(arg.python for arg in case.args))
    except Exception as exc:
        return f"raised {type(exc).__name__}: {_short(str(exc))}"
    return None if _same(got, case.expected.python) else f"returned {_short(repr(got))}"


def _same(got: Any, expected: Any) -> bool:
    """As the generated harness compares: same type and value, floats within REL_TOL/ABS_TOL."""
    if type(got) is not type(expected):
        return False
    if isinstance(expected, float):
        return math.isclose(got, expected, rel_tol=REL_TOL, abs_tol=ABS_TOL)
    if isinstance(expected, list):
        return len(got) == len(expected) and all(_same(g, e) for g, e in zip(got, expected))
    if isinstance(expected, dict):
        return bool(got.keys() == expected.keys()) and all(_same(got[k], expected[k]) for k in expected)
    return bool(got == expected)


def _short(text: str, limit: int = 80) -> str:
    """`text` on one line, cut in the middle when long, so a 10 000-character case stays readable."""
    text = text.replace("\r", "\\r").replace("\n", "\\n")
    if len(text) <= limit:
        return text
    half = limit // 2
    return f"{text[:half]}…{text[-half:]} ({len(text)} chars)"


# --- run the reference solutions -----------------------------------------------------------

# Runs in a fresh `python -I -S`: executes the solution file as a module, then calls the function
# once per argument tuple and reports each result as one Python literal per line: the value's
# repr, the exception, or sys.exit's code. faulthandler ends a call that overruns the time limit
# and writes where it was. Printing cannot reach the report channel: the reference's stdin,
# stdout and stderr are the null device.
_DRIVER = r"""
import ast, faulthandler, os, sys
out = os.fdopen(os.dup(1), "w", encoding="utf-8", errors="backslashreplace")
source, filename, name, calls, start, limit = ast.literal_eval(sys.stdin.read())
null = os.open(os.devnull, os.O_RDWR)
for fd in (0, 1, 2):
    os.dup2(null, fd)

def send(*message):
    out.write(repr(message) + "\n")
    out.flush()

def line(exc):
    tb, found = exc.__traceback__, None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == filename:
            found = tb.tb_lineno
        tb = tb.tb_next
    return found

def attempt(call):
    faulthandler.dump_traceback_later(limit, exit=True, file=out)
    try:
        return ("value", repr(call()))
    except SystemExit as exc:
        return ("exit", repr(exc.code), line(exc))
    except Exception as exc:
        return ("raised", type(exc).__name__, str(exc), line(exc))
    finally:
        faulthandler.cancel_dump_traceback_later()

namespace = {"__name__": "cardsmith_reference", "__file__": filename}
send("start", -1)
result = attempt(lambda: exec(compile(source, filename, "exec"), namespace))
send("result", -1, *result)
if result[0] != "value":
    sys.exit(0)
function = namespace[name]
for index in range(start, len(calls)):
    send("start", index)
    send("result", index, *attempt(lambda: function(*calls[index])))
send("end")
"""
_GRACE = 5.0  # seconds past the time limit before the build kills a driver that faulthandler missed
_FRAME = re.compile(r'^\s*File "(.*)", line (\d+) in ')


@dataclass(frozen=True)
class _Job:
    """One exercise's reference run: its solution file, and the examples and cases to call."""

    exercise: Exercise
    solution: str
    calls: tuple[Case, ...]

    def payload(self, start: int, time_limit: float) -> str:
        """What the driver reads on stdin; ASCII, so any console encoding reads it."""
        calls = [tuple(arg.python for arg in case.args) for case in self.calls]
        return ascii((self.solution, solution_path(self.exercise), self.exercise.function.name, calls,
                      start, time_limit))


class _Driver:
    """A driver process from call `start` on, and a thread feeding its report lines to a queue."""

    def __init__(self, job: _Job, start: int, time_limit: float) -> None:
        self.process = subprocess.Popen([sys.executable, "-I", "-S", "-c", _DRIVER], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                        encoding="utf-8", errors="backslashreplace")
        self.lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._pump, args=(job.payload(start, time_limit),), daemon=True).start()

    def _pump(self, payload: str) -> None:
        stdin, stdout = self.process.stdin, self.process.stdout
        assert stdin is not None and stdout is not None
        try:
            stdin.write(payload)
            stdin.close()
        except OSError:  # the driver died before reading: its exit status tells
            pass
        for line in stdout:
            self.lines.put(line.rstrip("\n"))
        stdout.close()
        self.lines.put(None)

    def next_line(self, wait: float) -> str | None:
        """The next report line, None at the end of the output; TimeoutError after `wait` seconds."""
        try:
            return self.lines.get(timeout=wait)
        except queue.Empty:
            raise TimeoutError from None

    def stop(self) -> int:
        """Kill the driver if it still runs; return its exit status."""
        if self.process.poll() is None:
            self.process.kill()
        return self.process.wait()


def check_references(checks: list[tuple[Exercise, str]], time_limit: float = TIME_LIMIT) -> list[Problem]:
    """Run each (exercise, solution file) in its own interpreter against every example and case.
    A wrong value, an exception, sys.exit or an overrun is one located problem; nothing hangs."""
    jobs = [_Job(exercise, solution, exercise.examples + exercise.cases) for exercise, solution in checks]
    drivers = [_Driver(job, 0, time_limit) for job in jobs]  # started together: they run in parallel
    problems: list[Problem] = []
    try:
        for job, driver in zip(jobs, drivers):
            problems += _collect(job, driver, time_limit)
    finally:  # on Ctrl-C too: no driver outlives the build
        for driver in drivers:
            driver.stop()
    return problems


def _collect(job: _Job, driver: _Driver, time_limit: float) -> list[Problem]:
    """One job's problems. A call that ends its driver is reported and a new driver takes the next
    call; after MAX_OVERRUNS overruns the rest is skipped, so a build never waits long."""
    problems: list[Problem] = []
    overruns = 0
    try:
        while True:
            current, running, frames = -2, False, []  # -1: importing the solution file
            try:
                while (line := driver.next_line(time_limit + _GRACE)) is not None:
                    if not line.startswith("("):  # faulthandler's dump, most recent call first
                        frame = _FRAME.match(line)
                        if frame and frame[1] == solution_path(job.exercise):
                            frames.append(int(frame[2]))
                        continue
                    message = ast.literal_eval(line)
                    if message[0] == "start":
                        current, running = message[1], True
                    elif message[0] == "result":
                        running = False
                        problems += _judge(job, message[1], message[2:], time_limit)
                        if message[1] == -1 and message[2] != "value":
                            return problems
                    else:  # "end"
                        return problems
                status = driver.stop()
                result: tuple[Any, ...] = ("timeout", frames[0]) if frames else ("died", status)
            except TimeoutError:
                result = ("timeout", None)
            if running or current == -2:
                problems += _judge(job, max(current, -1), result, time_limit)
                overruns += result[0] == "timeout"
            left = len(job.calls) - current - 1
            if current < 0 or left <= 0:
                return problems
            if overruns >= MAX_OVERRUNS:
                problems.append(Problem(str(job.exercise.reference_path), None, f"{left} more example(s) and "
                                        f"case(s) not checked after {overruns} overruns of the time limit"))
                return problems
            driver.stop()
            driver = _Driver(job, current + 1, time_limit)
    finally:
        driver.stop()


def _judge(job: _Job, index: int, result: tuple[Any, ...], time_limit: float) -> list[Problem]:
    """The problem with one call's result (index -1: importing the solution file), if any."""
    exercise = job.exercise
    kind = result[0]
    if index == -1:
        label, expected = "on import", ""
    else:
        case = job.calls[index]
        label, expected = case.label, f" (expected {_short(repr(case.expected.python))})"
        if kind == "value":
            try:
                got = ast.literal_eval(result[1])
            except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
                got = _Unreadable()
            if _same(got, case.expected.python):
                return []
            return [Problem(str(exercise.path), case.line, f"{label}: the reference solution returned "
                            f"{_short(result[1])}, expected {_short(repr(case.expected.python))} "
                            f"(in {solution_path(exercise)})")]
    if kind == "value":
        return []
    where = str(exercise.reference_path)
    if kind == "raised":
        _, name, message, line = result
        what = f"raised {name}: {_short(message)}" if message else f"raised {name}"
    elif kind == "exit":
        _, code, line = result
        what = f"called sys.exit({'' if code == 'None' else _short(code)})"
    elif kind == "timeout":
        line = result[1]
        what = f"did not return within the {time_limit:g} s time limit (an endless loop?)"
    else:
        line = None
        what = f"ended the interpreter (exit status {result[1]})"
    return [Problem(where, _reference_line(exercise, job.solution, line), f"{label}: the reference "
                    f"solution {what}{expected}")]


class _Unreadable:
    """A returned value whose repr is not a literal: never equal to an expected value."""


def _reference_line(exercise: Exercise, solution: str, line: int | None) -> int | None:
    """The line of the reference file that line `line` of the solution file was pasted from."""
    body = exercise.reference.strip("\n")
    at = solution.find(body)
    if line is None or at < 0:
        return None
    first = solution.count("\n", 0, at) + 1
    if not first <= line < first + body.count("\n") + 1:
        return None
    return line - first + exercise.reference_line
