"""Stage 2: the schema rejects what is wrong with one located line per problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.errors import DataError
from generator.model import load_deck


def _problems(data: Path, topic_yaml: str) -> list[str]:
    (data / "topics" / "09-bad.yaml").write_text(topic_yaml, encoding="utf-8")
    with pytest.raises(DataError) as info:
        load_deck(data)
    return [str(p) for p in info.value.problems]


def test_fixture_deck_loads(mini_data: Path) -> None:
    deck = load_deck(mini_data)
    assert deck.namespace == "mini"
    assert [t.title for t in deck.topics] == ["Alpha", "Beta 二"]
    assert [n.id for _, n, _ in deck.notes()][:3] == ["a-basic", "a-cloze", "a-rev"]


def test_unknown_key_suggests_closest(mini_data: Path) -> None:
    problems = _problems(mini_data, "topic: Bad\nnotes:\n  - id: x\n    front: q\n    back: a\n    extar: e\n")
    assert len(problems) == 1
    assert problems[0].endswith("09-bad.yaml:6: note 'x': unknown field 'extar' (did you mean 'extra'? "
                                "expected: id, kind, front, back, text, extra, sources, tags, advice, allow)")


@pytest.mark.parametrize(
    ("yaml_text", "line", "expected"),
    [
        ("topic: B\nnotes:\n  - id: x\n    front: q\n", 3, "note 'x': a basic note needs 'back'"),
        ("topic: B\nnotes:\n  - id: x\n    kind: flash\n    front: q\n    back: a\n", 4,
         "field 'kind': 'flash' is not allowed"),
        ("topic: B\nnotes:\n  - id: x\n    front: 12\n    back: a\n", 4, "field 'front': Input should be a valid string"),
        ("topic: B\nnotes:\n  - id: x\n    front: ''\n    back: a\n", 4, "field 'front' is empty"),
        ("topic: B\nnotes:\n  - id: Bad_Id\n    front: q\n    back: a\n", 3, "field 'id': 'Bad_Id' has the wrong form"),
        ("topic: B\nnotes:\n  - id: x\n    kind: cloze\n    text: no deletion\n", 3, "cloze text has no deletion"),
        ("topic: B\nnotes:\n  - id: a-basic\n    front: q\n    back: a\n", 3, "duplicate note id (first used at"),
        ("topic: B\nnotes: []\n", 2, "field 'notes' is empty"),
        ("- just\n- a list\n", 1, "top level is a list (expected a mapping with keys: topic, description, notes)"),
        ("", 1, "file is empty"),
        ("topic: B\nnotes:\n  - id: x\n    front: q\n    back: a\n    sources:\n      - title: t\n", 7,
         "a source needs exactly one of 'arxiv' or 'url'"),
    ],
)
def test_schema_problems(mini_data: Path, yaml_text: str, line: int, expected: str) -> None:
    problems = _problems(mini_data, yaml_text)
    assert any(f"09-bad.yaml:{line}:" in p and expected in p for p in problems), problems


def test_all_problems_of_a_run_are_reported(mini_data: Path) -> None:
    (mini_data / "topics" / "08-other.yaml").write_text("topic: C\nnotes:\n  - id: y\n    front: q\n", encoding="utf-8")
    problems = _problems(mini_data, "topic: B\nnotes:\n  - id: x\n    back: a\n")
    assert len(problems) == 2
    assert any("08-other.yaml:3" in p for p in problems) and any("09-bad.yaml:3" in p for p in problems)


def test_missing_deck_file(tmp_path: Path, mini_data: Path) -> None:
    (mini_data / "deck.yaml").unlink()
    with pytest.raises(DataError, match="deck.yaml: missing deck file"):
        load_deck(mini_data)


def test_real_data_loads() -> None:
    root = Path(__file__).resolve().parent.parent
    deck = load_deck(root / "data")
    assert len(deck.topics) >= 1
