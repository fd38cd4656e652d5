"""The shipped deck's content: complete, sourced, lint-clean, and its lock is fresh."""

from __future__ import annotations

import re
from pathlib import Path

from generator.build import check
from generator.model import load_deck

ROOT = Path(__file__).resolve().parent.parent
DECK = load_deck(ROOT / "data")
NOTES = [note for _, note, _ in DECK.notes()]


def test_committed_data_is_lint_clean_and_lock_is_fresh() -> None:
    assert check(ROOT / "data") == []  # raises DataError on errors or a stale lock; [] = no warnings


def test_every_fact_note_has_a_source() -> None:
    unsourced = [n.id for n in NOTES if not n.advice and not n.sources]
    assert unsourced == []
    assert sum(1 for n in NOTES if n.sources) >= 150


def test_every_interview_topic_is_covered() -> None:
    titles = " ".join(t.title for t in DECK.topics)
    for topic in ["DeepSeek", "MHA", "ZeRO", "混合精度", "省显存", "PPO", "显存估算", "DPO 数据",
                  "数据质量", "路径", "面试"]:
        assert topic in titles, topic


def test_each_question_topic_has_an_answer_outline() -> None:
    for topic in DECK.topics:
        assert any("outline" in n.tags for n in topic.notes), topic.title


def test_required_comparison_tables_and_diagrams() -> None:
    tables = " ".join((n.front or "") + (n.back or "") for n in NOTES if "table" in n.tags)
    for subject in ["MQA", "GQA", "MLA", "ZeRO", "GRPO", "DPO", "bf16"]:
        assert subject.lower() in tables.lower(), subject
    used = {m for n in NOTES for m in re.findall(r"diagram:([a-z0-9-]+)", (n.back or "") + (n.extra or ""))}
    assert {"kv-sharing", "zero-partition", "bytes-per-param"} <= used


def test_wrong_claims_from_the_write_up_are_never_taught() -> None:
    """FACTS.md errata: these appear only on misconception cards, to be refuted."""
    wrong = [r"4\s*\+\s*4\s*\+\s*2\s*=\s*10", r"2\s*\+\s*8\s*\+\s*10", r"140\s*GB", r"2\s*\\?cdot\s*r\s*\\?cdot\s*d\^2|2rd\^2|2 \* rank \* \(d_model \* d_model\)"]
    for note in NOTES:
        if "misconception" in note.tags:
            continue
        text = " ".join(filter(None, [note.front, note.back, note.text, note.extra]))
        for pattern in wrong:
            assert not re.search(pattern, text), (note.id, pattern)


def test_exercise_cards_name_the_files() -> None:
    text = " ".join(filter(None, (n.back or n.text for n in NOTES)))
    for name in ["simplify_path", "resolve_path", "relative_path"]:
        assert f"build/exercises/{name}.py" in text, name
