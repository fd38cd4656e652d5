"""Exercises: data/exercises/*.yaml + a reference solution → standalone Python exercise files.

load (YAML + reference module) → validate (model + cross-checks) → render (exercise.py.j2,
solution.py.j2) → verify (compile, round-trip the cases, stub fails, reference passes).
`build_exercises` returns the texts; the caller writes them.
"""

from __future__ import annotations

import ast
import keyword
import math
import sys
import textwrap
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

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
# Names the generated harness defines: the learner's function must not shadow them.
HARNESS_NAMES = frozenset({"sys", "Any", "Optional", "CASES", "main", "_short", "_show", "_failure", "_check",
                           "_CASES_BY_ID"})

Identifier = Annotated[str, Field(min_length=1, max_length=60, pattern=r"^[a-z_][a-z0-9_]*$")]
CaseId = Annotated[str, Field(min_length=1, max_length=60, pattern=r"^[a-z0-9][a-z0-9_]*$")]
OneLine = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[^\r\n]*\S[^\r\n]*$")]
# Annotations that mean the same on Python 3.9 as today (no `X | Y`, nothing to import).
TypeName = Literal["str", "int", "float", "bool", "list[str]", "list[int]"]


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

    @property
    def source(self) -> str:
        """Where the exercise is defined, as written in the generated header (no machine paths)."""
        return f"data/{EXERCISES}/{self.name}.yaml"


def build_exercises(data_dir: Path, templates_dir: Path | None = None) -> dict[str, str]:
    """Load, render and verify every exercise; return {output path: text}. Writes nothing."""
    outputs: dict[str, str] = {}
    failures: list[str] = []
    for exercise in load_exercises(data_dir):
        learner = render_exercise(exercise, None, templates_dir)
        solution = render_exercise(exercise, exercise.reference, templates_dir)
        failures += verify_exercise(exercise, learner, solution)
        outputs[learner_path(exercise)] = learner
        outputs[solution_path(exercise)] = solution
    if failures:
        raise BuildFailed("\n".join(failures))
    return outputs


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
        doc = load_yaml(path)
        spec = validate(doc, ExerciseFile)
    except DataError as exc:
        raise DataError(problems + exc.problems) from None
    problems += _function_problems(doc, spec.function)
    examples = [_case(doc, ("examples", i), e, spec.function, problems) for i, e in enumerate(spec.examples)]
    cases = [_case(doc, ("cases", i), c, spec.function, problems) for i, c in enumerate(spec.cases)]
    problems += _duplicate_ids(doc, spec.cases)
    reference_path = path.with_name(name + REFERENCE_SUFFIX)
    reference = _read_reference(reference_path, spec.function, problems)
    if problems:
        raise DataError(problems)
    return Exercise(name, path, spec.title, spec.why, spec.statement, spec.function,
                    tuple(examples), tuple(spec.constraints), tuple(spec.hints), tuple(cases),
                    reference, reference_path)


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
    """Whether `raw` is exactly of the declared type (bool is not an int here)."""
    simple = {"str": str, "int": int, "float": float, "bool": bool}
    if type_name in simple:
        return type(raw) is simple[type_name]
    item = simple[type_name.removeprefix("list[").removesuffix("]")]
    return isinstance(raw, list) and all(type(x) is item for x in raw)


def _describe(raw: Any) -> str:
    """A short description of a YAML value for an error message."""
    shown = repr(raw)
    return f"a {type(raw).__name__} {shown if len(shown) <= 40 else shown[:37] + '...'}"


def _read_reference(path: Path, function: Function, problems: list[Problem]) -> str:
    """The reference module's source without its docstring, after checking it fits the exercise."""
    expected = f"def {function.name}({', '.join(function.param_names)})"
    try:
        source = path.read_text(encoding="utf-8")
        tree = ast.parse(source, str(path))
    except FileNotFoundError:
        problems.append(Problem(str(path), None, f"missing reference solution (expected a module with {expected})"))
        return ""
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(Problem(str(path), None, f"cannot read reference solution: {exc}"))
        return ""
    except SyntaxError as exc:
        problems.append(Problem(str(path), exc.lineno, f"syntax error: {exc.msg}"))
        return ""
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


def _without_docstring(source: str, tree: ast.Module) -> str:
    """`source` minus its module docstring and surrounding blank lines: the body pasted in."""
    lines = source.splitlines()
    first = tree.body[0] if tree.body else None
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) \
            and isinstance(first.value.value, str) and first.end_lineno is not None:
        lines = lines[first.end_lineno:]
    return "\n".join(line.rstrip() for line in lines).strip("\n") + "\n"


# --- render --------------------------------------------------------------------------------


def render_exercise(exercise: Exercise, body: str | None = None, templates_dir: Path | None = None) -> str:
    """The learner file (`body` None: a TODO stub) or a solution file with `body` as the code."""
    template = "exercise.py.j2" if body is None else "solution.py.j2"
    context: dict[str, Any] = {"exercise": exercise, "comment_lines": comment_lines}
    if body is not None:
        context["body"] = body.strip("\n")
    try:
        return render(template, templates_dir, **context)
    except jinja2.TemplateError as exc:
        line = f":{exc.lineno}" if isinstance(exc, jinja2.TemplateSyntaxError) else ""
        raise BuildFailed(f"templates/{template}{line}: {exc.message or exc}") from None


def comment_lines(text: str, width: int = 92) -> list[str]:
    """`text` as lines that cannot leave a `#` comment, long ones wrapped (under a "- " item)."""
    lines: list[str] = []
    for raw in text.strip("\n").splitlines():
        line = _visible(raw.expandtabs(4)).rstrip()
        if len(line) <= width:
            lines.append(line)
            continue
        body = line.lstrip()
        hang = line[: len(line) - len(body)] + ("  " if body.startswith("- ") else "")
        lines += textwrap.wrap(line, width, subsequent_indent=hang, break_long_words=False,
                               break_on_hyphens=False)
    return lines


def _visible(line: str) -> str:
    """`line` with every invisible character written as its escape."""
    # Escape controls, format characters (bidi overrides), surrogates: in a comment they could
    # end the line (\r), break compilation (NUL, surrogates) or make code read other than it runs.
    return "".join(ch if ch.isprintable() or unicodedata.category(ch) == "Zs" else ascii(ch)[1:-1]
                   for ch in line)


# --- verify --------------------------------------------------------------------------------


def verify_exercise(exercise: Exercise, learner: str, solution: str) -> list[str]:
    """Compile both files, check their cases read back exactly, the stub fails and the reference passes."""
    failures: list[str] = []
    learner_ns = _load(learner_path(exercise), learner, exercise, failures)
    solution_ns = _load(solution_path(exercise), solution, exercise, failures)
    if learner_ns is not None:
        stub = learner_ns[exercise.function.name]
        for case in exercise.cases:
            if _outcome(stub, case) is None:
                failures.append(f"{learner_path(exercise)}: case '{case.id}' passes on the unsolved stub "
                                "(expected every case to fail as shipped)")
    if solution_ns is not None:
        solve = solution_ns[exercise.function.name]
        for case in exercise.examples + exercise.cases:
            outcome = _outcome(solve, case)
            if outcome is not None:
                failures.append(str(Problem(str(exercise.path), case.line, f"{case.label}: the reference solution "
                                            f"{outcome}, expected {_short(repr(case.expected.python))} "
                                            f"(in {solution_path(exercise)})")))
    return failures


def _load(name: str, text: str, exercise: Exercise, failures: list[str]) -> dict[str, Any] | None:
    """Compile and run generated `text` as a module (not as __main__); None when that fails."""
    try:
        tree = ast.parse(text, name, feature_version=PYTHON_FLOOR)
        namespace: dict[str, Any] = {"__name__": f"cardsmith_exercise_{exercise.name}"}
        exec(compile(tree, name, "exec"), namespace)
    except SyntaxError as exc:
        failures.append(f"{name}:{exc.lineno}: generated file does not compile on Python "
                        f"{'.'.join(map(str, PYTHON_FLOOR))}: {exc.msg}")
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
    expected = case.expected.python
    try:
        got = function(*(arg.python for arg in case.args))
    except Exception as exc:
        return f"raised {type(exc).__name__}: {_short(str(exc))}"
    if type(got) is type(expected) and got == expected:
        return None
    return f"returned {_short(repr(got))}"


def _short(text: str, limit: int = 80) -> str:
    """`text` on one line, cut in the middle when long, so a 10 000-character case stays readable."""
    text = text.replace("\r", "\\r").replace("\n", "\\n")
    if len(text) <= limit:
        return text
    half = limit // 2
    return f"{text[:half]}…{text[-half:]} ({len(text)} chars)"
