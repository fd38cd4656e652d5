"""Cloze syntax Anki would show as text is a located warning, not a silent surprise."""

from __future__ import annotations

from pathlib import Path



def test_single_brace_cloze_and_cloze_in_basic_note_are_warned(mini_data: Path, tmp_path: Path) -> None:
    from generator.build import build

    (mini_data / "topics" / "09-habits.yaml").write_text(
        "topic: Habits\nnotes:\n"
        "  - id: single\n    kind: cloze\n    text: 'Capital: {c1::Tokyo} and {{c2::Paris}}'\n    advice: true\n"
        "  - id: basic-cloze\n    front: 'Capital of Japan: {{c1::Tokyo}}'\n    back: Tokyo\n    advice: true\n"
        "  - id: fine\n    kind: cloze\n    text: 'a set {x} and {{c1::Paris}}'\n    advice: true\n",
        encoding="utf-8")
    result = build(mini_data, tmp_path / "out")
    messages = [str(p) for p in result.warnings]
    assert any("09-habits.yaml:3: warning: note 'single': text: '{c1::Tokyo}' has single braces" in m
               for m in messages), messages
    assert any("09-habits.yaml:7: warning: note 'basic-cloze': front: cloze deletion in a basic note" in m
               for m in messages), messages
    assert not [m for m in messages if "'fine'" in m]
