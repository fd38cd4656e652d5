"""Stage 1: YAML loading keeps lines and refuses what it cannot read safely."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.errors import DataError
from generator.loader import load_yaml

ROOT = Path(__file__).resolve().parent.parent


def _load(tmp_path: Path, content: bytes | str) -> str:
    path = tmp_path / "t.yaml"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(DataError) as info:
        load_yaml(path)
    assert len(info.value.problems) >= 1
    return str(info.value)


def test_lines_are_recorded(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text("topic: x\nnotes:\n  - id: a\n    front: |\n      q\n  - id: b\n")
    doc = load_yaml(path)
    assert doc.data["notes"][1]["id"] == "b"
    assert doc.line(("notes", 1)) == 6
    assert doc.line(("notes", 0, "front")) == 4
    assert doc.line(("notes", 0, "missing")) == 3  # nearest located ancestor


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("a: &x [1, 2]\nb: *x\n", "t.yaml:2: YAML aliases"),
        ("a: 1\nb: 2\na: 3\n", "t.yaml:3: duplicate key 'a' (first at line 1)"),
        (b"\xef\xbb\xbfa: 1\n", "t.yaml:1: file starts with a byte-order mark"),
        (b"a: 1\nb: \xff\xfe\n", "t.yaml:2: not valid UTF-8"),
        ("a:\n\tb: 1\n", "t.yaml:2: tab in indentation"),
        ("a: [1, 2\nb: 3\n", "t.yaml:2: YAML syntax error"),
        ("a: !!python/object:os.system x\n", "t.yaml:1: cannot read value"),
        ("<<: {a: 1}\n", "t.yaml:1:"),
        ("a: " + "[" * 400 + "]" * 400 + "\n", "nested too deeply"),
    ],
)
def test_refusals_name_file_and_line(tmp_path: Path, content: str | bytes, expected: str) -> None:
    assert expected in _load(tmp_path, content)


def test_empty_file_loads_as_none(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text("# only a comment\n")
    assert load_yaml(path).data is None
