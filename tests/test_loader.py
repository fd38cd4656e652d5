"""Stage 1: YAML loading keeps lines and refuses what it cannot read safely."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.errors import DataError
from generator.loader import _Base, _Loader, load_yaml

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


# --- our tag resolution is PyYAML's (its C loader's, which we subclass) ---------------------------------------------------------

def _tree(node: yaml.Node | None) -> object:
    """A node tree as comparable data: tags, values and positions."""
    if node is None:  # an empty document
        return None
    if isinstance(node, yaml.ScalarNode):
        return (node.tag, node.value, node.style, node.start_mark.line, node.start_mark.column)
    if isinstance(node, yaml.MappingNode):
        return (node.tag, [(_tree(k), _tree(v)) for k, v in node.value], node.start_mark.line)
    return (node.tag, [_tree(item) for item in node.value], node.start_mark.line)


_LOOKALIKES = st.sampled_from(["", "~", "null", "Null", "true", "False", "yes", "on", "0", "-1", "0x1F", "0o17",
                               "1_000", "1.5", "-.inf", ".NaN", "1e3", "2024-01-31", "2024-01-31 10:00:00",
                               "=", "<<", "12:30", "+1", "text", "中文", "a: b", "- x", "#c", "'q'"])
_DOCS = st.recursive(st.one_of(_LOOKALIKES, st.integers(), st.booleans(), st.none(), st.floats(allow_nan=False)),
                     lambda inner: st.one_of(st.lists(inner, max_size=4),
                                             st.dictionaries(_LOOKALIKES, inner, max_size=4)), max_leaves=20)


@settings(max_examples=300, deadline=None)
@given(document=_DOCS, flow=st.booleans(), plain=st.booleans())
def test_tags_are_resolved_as_pyyaml_does(document: object, flow: bool, plain: bool) -> None:
    text = yaml.safe_dump(document, default_flow_style=flow, allow_unicode=True,
                          default_style=None if plain else '"')
    for variant in (text, text.replace("'", "")):  # unquoted too: plain scalars are what get resolved
        try:
            expected = yaml.compose(variant, Loader=_Base)
        except yaml.YAMLError:
            continue
        assert _tree(yaml.compose(variant, Loader=_Loader)) == _tree(expected)


def test_the_real_deck_composes_as_with_pyyaml() -> None:
    for path in sorted((ROOT / "data").rglob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        assert _tree(yaml.compose(text, Loader=_Loader)) == _tree(yaml.compose(text, Loader=_Base))
