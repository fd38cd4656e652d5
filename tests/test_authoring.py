"""Issue 14 §3–§5: what the author wrote reaches the card as written (YAML, media names, raw
HTML); what cannot is a located problem. The refusals are rows of tests/test_bad_input.py;
this file checks that valid writing still passes and that what passes arrives in Anki."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.errors import DataError
from generator.loader import editor_line_count, invisible_breaks, load_yaml


def _load(text: str) -> object:
    return load_yaml(Path("t.yaml"), text.encode()).data


# --- §3: valid YAML keeps passing -------------------------------------------------------------

@pytest.mark.parametrize("text, value", [
    ('a: "$\\\\frac{a}{b}$"\n', "$\\frac{a}{b}$"),              # \\ is a backslash, as written
    ('a: "say \\"hi\\""\n', 'say "hi"'),                       # \" is a quote
    ("a: '$\\theta \\neq x$'\n", "$\\theta \\neq x$"),          # single quotes keep backslashes
    ("a: |\n  $\\theta \\neq x$\n", "$\\theta \\neq x$\n"),     # so do blocks
    ('a: "one \\\n  two"\n', "one two"),                        # an escaped line break joins, as meant
    ("a: C# and F#\n", "C# and F#"),                            # '#' not after a space is text
    ("a: foo  # a comment\n", "foo"),                           # a comment that looks like one
    ("a: AT&T & co\n", "AT&T & co"),                            # '&' inside a value is text
    ("a: one\n  two\n", "one two"),                             # plain folding of prose is harmless
    ("a: >\n  one # two\n", "one # two\n"),                     # '#' inside a block is text
    ("a: x\r\nb: y\r\n", None),                                 # CRLF files are fine
])
def test_valid_yaml_is_read_as_written(text: str, value: str | None) -> None:
    data = _load(text)
    assert isinstance(data, dict)
    if value is not None:
        assert data["a"] == value


def test_editor_lines_ignore_invisible_breaks_but_count_cr() -> None:
    text = "a\u2028b\nc\rd\r\ne\u2029f\x85g\n"
    assert editor_line_count(text, text.index("g")) == 4
    assert [line for line, _ in invisible_breaks(text)] == [1, 2, 4]


def test_every_escape_in_one_scalar_is_named_once() -> None:
    with pytest.raises(DataError) as info:
        _load('a: "$\\theta + \\theta \\neq \\x41$"\n')
    (problem,) = info.value.problems
    assert problem.line == 1
    assert "\\t as a tab, \\n as a line break, \\x41 as the character U+0041" in problem.message


def test_all_invisible_breaks_of_a_file_are_reported_together() -> None:
    with pytest.raises(DataError) as info:
        _load("a: 1\u2028\nb: 2\nc: 3\u2029\n")
    assert [p.line for p in info.value.problems] == [1, 3]


def test_real_data_has_none_of_these() -> None:
    root = Path(__file__).resolve().parents[1]
    for path in sorted((root / "data").rglob("*.yaml")):
        load_yaml(path)
