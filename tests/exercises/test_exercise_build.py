"""build_exercises on synthetic exercises: safe generation, verification, and located data errors."""

from __future__ import annotations

import ast
import re
from typing import Any

import pytest

from generator.errors import BuildFailed, DataError
from generator.exercises import build_exercises, comment_lines, load_exercises

NASTY = {
    "single_quote": "it's",
    "double_quote": 'say "hi"',
    "both_quotes": "'\"",
    "triple_double": '"""',
    "triple_single": "'''",
    "docstring_escape": '""" + __import__("os").getcwd() + """',
    "backslashes": "C:\\new\\table\\",
    "trailing_backslash": "\\",
    "newlines": "line one\nline two\r\nline three\r",
    "nul": "a\x00b",
    "controls": "\x1b[31mred\x1b[0m\x07\x0c\x0b",
    "line_separators": "a\u2028b\u2029c",  # (YAML itself folds \x85 into a space)
    "bidi_override": "abc\u202edef",
    "non_ascii": "日本語 é 🙂 \u3000 ß",
    "jinja_syntax": "{{ x }} {% if %} {# c #}",
    "long": "x" * 10_000,
    "empty": "",
    "spaces": "   ",
}
NASTY_TEXT = 'zh """ \\ \x00 end\r\nraise SystemExit(3)\n\u2028raise SystemExit(4)\n\t# {{ x }}'


def nasty_cases() -> list[dict[str, Any]]:
    """One identity case per nasty string, plus one built from pieces."""
    cases = [{"id": key, "description": f"nasty {key} \"\"\" \\ '", "args": {"text": value}, "expected": value}
             for key, value in NASTY.items()]
    cases.append({"id": "pieces", "description": "a string written as pieces",
                  "args": {"text": ["<", {"repeat": "'\"\\\n", "times": 2500}, ">"]},
                  "expected": "<" + "'\"\\\n" * 2500 + ">"})
    return cases


def test_nasty_strings_round_trip_exactly_and_safely(synthetic, write, run) -> None:
    data = synthetic(cases=nasty_cases(),
                     statement={"zh": NASTY_TEXT, "en": NASTY_TEXT},
                     why={"zh": NASTY_TEXT, "en": NASTY_TEXT},
                     hints=[{"zh": NASTY_TEXT, "en": NASTY_TEXT}],
                     examples=[{"args": {"text": '"""\n\x00'}, "expected": '"""\n\x00',
                                "explain": {"zh": NASTY_TEXT, "en": NASTY_TEXT}}])
    outputs = build_exercises(data)
    expected = [(c["id"], c["description"], (c["expected"],), c["expected"]) for c in nasty_cases()]
    for text in outputs.values():
        namespace: dict[str, Any] = {"__name__": "check"}
        exec(compile(text, "generated", "exec"), namespace)
        assert namespace["CASES"] == expected
        assert "\x00" not in text and "\r" not in text and "\u2028" not in text and "\u202e" not in text
        # Only the harness's own statements at top level: no text escaped its comment or string.
        top = [type(node).__name__ for node in ast.parse(text).body]
        assert top[0] == "Expr" and set(top[1:]) <= {"Import", "ImportFrom", "FunctionDef", "Assign", "If"}

    out = write(outputs)
    solved = run(out / "exercises" / "solutions" / "echo.py")
    assert solved.returncode == 0, solved.stderr
    assert solved.lines == [f"{len(expected)} passed, 0 failed"]
    shipped = run(out / "exercises" / "echo.py")
    assert shipped.returncode == 1 and shipped.summary == (0, len(expected))
    long_line = next(line for line in shipped.lines if line.startswith("FAIL long:"))
    assert "…" in long_line and "(len 10000)" in long_line and len(long_line) < 400
    assert len(shipped.lines) == len(expected) + 1, "a newline in a value must not split a report line"


def test_comment_lines_cannot_leave_the_comment() -> None:
    lines = comment_lines("a\rb\r\nc\nd\u2028e\x00f\u202eg\th 日本 é\ud800")
    assert lines == ["a", "b", "c", "d", "e\\x00f\\u202eg   h 日本 é\\ud800"]


def test_wrong_expected_value_fails_the_build_naming_the_case(synthetic) -> None:
    cases = [{"id": "fine", "description": "right", "args": {"text": "a"}, "expected": "a"},
             {"id": "wrong_one", "description": "wrong", "args": {"text": "abc"}, "expected": "abd"}]
    data = synthetic(cases=cases)
    with pytest.raises(BuildFailed) as caught:
        build_exercises(data)
    message = str(caught.value)
    assert len(message.splitlines()) == 1
    assert re.search(r"echo\.yaml:\d+: case 'wrong_one': the reference solution returned 'abc', "
                     r"expected 'abd' \(in exercises/solutions/echo\.py\)$", message), message
    line = int(re.search(r"echo\.yaml:(\d+):", message)[1])
    assert (data / "exercises" / "echo.yaml").read_text().splitlines()[line - 1].strip() == "- id: wrong_one"


def test_wrong_example_and_raising_reference_fail_the_build(synthetic) -> None:
    data = synthetic(examples=[{"args": {"text": "a"}, "expected": "b"}],
                     reference="def echo(text):\n    if text == 'abc':\n        raise ValueError('no')\n    return text\n")
    with pytest.raises(BuildFailed) as caught:
        build_exercises(data)
    lines = str(caught.value).splitlines()
    assert len(lines) == 2
    assert "example 1: the reference solution returned 'a', expected 'b'" in lines[0]
    assert "case 'plain': the reference solution raised ValueError: no, expected 'abc'" in lines[1]


def test_unknown_key_is_a_located_one_line_problem(synthetic) -> None:
    raw = """\
title: {zh: 回声, en: Echo}
why: {zh: 测试, en: test}
statement: {zh: 原样返回, en: return it}
function:
  name: echo
  params: [{name: text, type: str}]
  returns: str
examples: [{args: {text: a}, expected: a}]
constraints: [{zh: 无, en: none}]
hints: [{zh: 无, en: none}]
cases:
  - id: plain
    descripton: a typo
    args: {text: a}
    expected: a
"""
    data = synthetic(raw_yaml=raw)
    with pytest.raises(DataError) as caught:
        build_exercises(data)
    problems = caught.value.problems
    assert [p.line for p in problems] == [12, 13]  # its case misses 'description'; the typo itself
    typo = str(problems[1])
    assert "\n" not in typo
    assert typo.endswith("echo.yaml:13: unknown field 'descripton' (did you mean 'description'? "
                          "expected: id, description, args, expected)")


@pytest.mark.parametrize(("change", "message"), [
    ({"cases": [{"id": "x", "description": "d", "args": {"txt": "a"}, "expected": "a"}]},
     "case 'x': arguments missing 'text'; unknown 'txt' (expected: text)"),
    ({"cases": [{"id": "x", "description": "d", "args": {"text": 3}, "expected": "a"}]},
     "case 'x': argument 'text' is a int 3 (expected str)"),
    ({"cases": [{"id": "x", "description": "d", "args": {"text": "a"}, "expected": ["a", {"repeat": "b"}]}]},
     "case 'x': expected has a piece a dict {'repeat': 'b'} (expected a string or {repeat:"),
    ({"cases": [{"id": "Bad-Id", "description": "d", "args": {"text": "a"}, "expected": "a"}]},
     "field 'cases.id': 'Bad-Id' has the wrong form"),
    ({"cases": [{"id": "x", "description": "two\nlines", "args": {"text": "a"}, "expected": "a"}]},
     "field 'cases.description'"),
    ({"cases": [{"id": "x", "description": "d", "args": {"text": "a"}, "expected": "a"},
                {"id": "x", "description": "d", "args": {"text": "b"}, "expected": "b"}]},
     "case 'x': duplicate id (first at line"),
    ({"function": {"name": "main", "params": [{"name": "text", "type": "str"}], "returns": "str"}},
     "function name 'main' clashes with the test harness"),
    ({"function": {"name": "echo", "params": [{"name": "text", "type": "str | None"}], "returns": "str"}},
     "field 'function.params.type': 'str | None' is not allowed"),
])
def test_bad_exercise_data_gives_located_problems(synthetic, change, message) -> None:
    data = synthetic(**change)
    with pytest.raises(DataError) as caught:
        build_exercises(data)
    text = str(caught.value)
    assert message in text, text
    assert re.search(r"echo\.yaml:\d+: ", text), text


@pytest.mark.parametrize(("reference", "message"), [
    (None, "missing reference solution (expected a module with def echo(text))"),
    ("def echo(txt):\n    return txt\n", "echo.reference.py:1: function 'echo' takes (txt) (expected def echo(text)"),
    ("def other(text):\n    return text\n", "defines no function 'echo'"),
    ("import numpy\n\ndef echo(text):\n    return text\n", "imports 'numpy', which is not in the standard library"),
    ("def echo(text)\n    return text\n", "echo.reference.py:1: syntax error"),
])
def test_bad_reference_is_a_data_problem(synthetic, reference, message) -> None:
    data = synthetic(reference=reference or "")
    if reference is None:
        (data / "exercises" / "echo.reference.py").unlink()
    with pytest.raises(DataError) as caught:
        build_exercises(data)
    assert message in str(caught.value)


def test_problems_of_every_file_are_reported_together(synthetic) -> None:
    synthetic(name="first", cases=[{"id": "x", "description": "d", "args": {"text": 1}, "expected": "a"}])
    data = synthetic(name="second", title={"zh": "缺英文"})
    with pytest.raises(DataError) as caught:
        load_exercises(data)
    files = {p.path.rsplit("/", 1)[-1] for p in caught.value.problems}
    assert files == {"first.yaml", "second.yaml"}


def test_reference_docstring_is_not_pasted_and_pieces_render_as_repetition(synthetic) -> None:
    data = synthetic(cases=[{"id": "deep", "description": "deep", "args": {"text": [{"repeat": "/d", "times": 1500}]},
                             "expected": [{"repeat": "/d", "times": 1500}]}])
    solution = build_exercises(data)["exercises/solutions/echo.py"]
    assert "Reference: the identity." not in solution
    assert "('deep', 'deep', ('/d' * 1500,), '/d' * 1500)," in solution


def test_no_exercises_folder_builds_nothing(tmp_path) -> None:
    assert build_exercises(tmp_path) == {}
