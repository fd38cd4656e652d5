"""Card-design lint (generator/design.py): each rule on cards it must flag and cards it must not."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from generator import design
from generator.errors import DataError
from generator.model import Note, load_deck


def note(**fields: Any) -> Note:
    fields.setdefault("id", "n")
    fields.setdefault("advice", True)
    if "text" in fields:
        fields.setdefault("kind", "cloze")
    return Note.model_validate(fields)


def rules(n: Note) -> list[str]:
    return [f.rule for f in design.note_findings(n)]


# --- multi-question ---


@pytest.mark.parametrize("front", [
    "ZeRO-1 切分什么？能省多少显存？",
    "What does MLA cache? Why decouple RoPE?",
    "GRPO 出自哪篇论文？在 R1 里用来做什么？一句话说机制。",
])
def test_multi_question_flags_two_questions(front: str) -> None:
    assert rules(note(front=front, back="a")) == ["multi-question"]


@pytest.mark.parametrize("front", [
    "ZeRO-1 切分什么？",
    "面试题：「DeepSeek 有哪些创新？」1 分钟怎么答？",          # the quoted question is the topic
    "「LLaMA-2 用了 GQA」对吗？",
    "What does `x if y else z?` print?",                        # '?' inside code is not a question
    "Is $P(a?b)$ defined?",
])
def test_multi_question_ignores_one_question(front: str) -> None:
    assert rules(note(front=front, back="a")) == []


def test_multi_question_is_switched_off_by_allow() -> None:
    n = note(front="多长？按什么顺序讲？", back="a", allow={"multi-question": "an outline card"})
    assert design.note_warnings(n) == []
    assert rules(n) == ["multi-question"]  # the finding exists; allow only silences it


# --- cloze-giveaway ---


@pytest.mark.parametrize("text", [
    "{{c1::512}} 维 + {{c2::64}} 维 = {{c3::576}} 个元素",                  # visible sum
    "每参数 {{c1::16}} 字节：权重 2 + 梯度 2 + 优化器 12",                   # '：' reads as '='
    "2 × 32 × 32 × 128 = {{c1::262,144}} 个元素",                            # thousands separators
    "深度 D = {{c1::1}}（多预测 1 个 token）",                                # answer visible elsewhere
    "{{c1::2}}（K 和 V）× 层数",                                            # parenthetical hint
    "训练快 {{c1::5.7}} 倍(80 → 14 分钟)",
    "G = 1 时是 MQA，G = {{c1::1}} 也是",
])
def test_cloze_giveaway_flags(text: str) -> None:
    assert set(rules(note(text=text))) == {"cloze-giveaway"}


@pytest.mark.parametrize("text", [
    "MLA 每层缓存 {{c1::576}} 个元素",
    "fp16 权重 {{c1::2}} 字节",                        # '2' in 'fp16' is not the answer
    "{{c1::512}} 维潜向量加 {{c2::64}} 维 RoPE key",   # no arithmetic shown
    "2 × 32 = {{c1::65}}",                             # wrong arithmetic is not "derivable"
    "根目录遇到 `..` 结果是 {{c1::`/`}}",              # one punctuation mark matches everywhere
    "KV cache 每 token {{c1::512 KiB}}，模型 {{c2::7B}}，共 32 层（MHA）",
])
def test_cloze_giveaway_ignores_fair_clozes(text: str) -> None:
    assert rules(note(text=text)) == [], text


def test_cloze_giveaway_reports_each_number_once_with_its_answer() -> None:
    found = design.cloze_giveaways(note(text="{{c1::512}} + {{c2::64}} = {{c3::576}}"))
    assert [f.message.split(":")[0] for f in found] == ["c1 (512)", "c2 (64)", "c3 (576)"]


# --- table-back ---

BIG_TABLE = "| a | b |\n|---|---|\n" + "".join(f"| r{i} | v{i} |\n" for i in range(5))


def test_table_back_flags_a_back_that_is_mostly_a_large_table() -> None:
    assert rules(note(front="q?", back=BIG_TABLE)) == ["table-back"]


@pytest.mark.parametrize("back", [
    "| a | b |\n|---|---|\n| x | 1 |\n| y | 2 |\n",             # small table: 4 cells
    BIG_TABLE + "\n" + "说明文字，" * 80,                          # the table is a minority of the back
    "no table here, only | a pipe",
])
def test_table_back_ignores_small_or_minor_tables(back: str) -> None:
    assert rules(note(front="q?", back=back)) == []


def test_table_as_extra_is_fine() -> None:
    assert rules(note(front="r1 的值？", back="v1", extra=BIG_TABLE)) == []


# --- near-duplicate ---


def _dups(*notes: Note) -> list[tuple[str, str]]:
    return [(n.id, f.message) for n, f in design.near_duplicates(list(notes))]


def test_near_duplicate_same_numbers() -> None:
    a = note(id="a", text="Table I：DP {{c1::120 GB}}；ZeRO-1 {{c2::31.4 GB}}；ZeRO-2 {{c3::16.6 GB}}；ZeRO-3 {{c4::1.88 GB}}")
    b = note(id="b", front="手算 7.5B 模型 64 卡？", back="31.4 GB、16.6 GB、1.88 GB，DP 120 GB")
    found = _dups(a, b)
    assert len(found) == 1 and found[0][0] == "b"
    assert "near-duplicate of note 'a'" in found[0][1] and "31.4" in found[0][1]


def test_near_duplicate_same_text() -> None:
    body = "split the path on '/', skip empty parts and '.', pop on '..' when the stack is not empty, push the rest"
    a = note(id="a", front="Simplify path algorithm?", back=body)
    b = note(id="b", front="Simplify path: the stack algorithm?", back=body + ", then join")
    assert [i for i, _ in _dups(a, b)] == ["b"]


def test_near_duplicate_same_text_in_chinese() -> None:
    """difflib's autojunk would treat common CJK characters as junk and miss this pair."""
    rules_text = "按斜杠切分后逐个看片段：空串或点就跳过；两个点在栈非空时弹栈；其他片段入栈；最后用斜杠拼接栈里的片段"
    a = note(id="a", front="LeetCode 栈算法逐条说出对每个片段的处理？", back=rules_text + "。练习文件 simplify_path.py，用 pytest 跑")
    b = note(id="b", front="写出 LeetCode 的 simplify_path 函数？", back=rules_text + "，返回结果。打开 simplify_path.py 自己写，再用 pytest 跑测试")
    assert [i for i, _ in _dups(a, b)] == ["b"]


def test_near_duplicate_ignores_parallel_facts_with_other_numbers() -> None:
    a = note(id="a", text="LLaMA-2-7B per token KV cache: 2 × 32 × 32 × 128 = {{c1::262,144}} elements, 4,096 tokens need 2 GiB")
    b = note(id="b", text="LLaMA-3-8B per token KV cache: 2 × 32 × 8 × 128 = {{c1::65,536}} elements, 8,192 tokens need 1 GiB")
    assert _dups(a, b) == []


def test_near_duplicate_ignores_unrelated_notes_and_respects_allow() -> None:
    a = note(id="a", front="What is 31.4, 16.6 and 1.88?", back="ZeRO numbers 120")
    b = note(id="b", front="Which GPU?", back="H800, 2048 of them")
    assert _dups(a, b) == []
    twin = note(id="c", front="Numbers 31.4 / 16.6 / 1.88?", back="ZeRO 120", allow={"near-duplicate": "drill"})
    assert _dups(a, twin) == []  # allowed on the later note
    assert _dups(twin, a) == []  # ... or on the earlier one


def test_near_duplicate_scales_by_buckets() -> None:
    """10 000 distinct notes: only notes sharing features are compared, and none is flagged."""
    notes = [note(id=f"n{i}", front=f"q{i}?", back=f"value {i * 7919 % 100003}.{i % 10} unit") for i in range(10_000)]
    assert _dups(*notes) == []


# --- allow: switches, and unknown rule names are located errors ---


def test_unknown_rule_in_allow_is_a_located_error(mini_data: Path) -> None:
    (mini_data / "topics" / "09-bad.yaml").write_text(
        "topic: Bad\nnotes:\n  - id: x\n    front: q\n    back: a\n    advice: true\n"
        "    allow: {multi-questions: because}\n", encoding="utf-8")
    with pytest.raises(DataError) as info:
        load_deck(mini_data)
    [problem] = [str(p) for p in info.value.problems]
    assert "09-bad.yaml:3: note 'x': unknown rule 'multi-questions' in 'allow'" in problem
    assert "multi-question, cloze-giveaway, table-back, near-duplicate" in problem


def test_allow_needs_a_reason(mini_data: Path) -> None:
    (mini_data / "topics" / "09-bad.yaml").write_text(
        "topic: Bad\nnotes:\n  - id: x\n    front: q\n    back: a\n    advice: true\n"
        "    allow: {multi-question: ''}\n", encoding="utf-8")
    with pytest.raises(DataError) as info:
        load_deck(mini_data)
    assert "note 'x'" in str(info.value.problems[0])


def test_lint_reports_design_warnings_located_with_the_rule_name(mini_data: Path) -> None:
    from generator.build import check

    (mini_data / "topics" / "09-design.yaml").write_text(
        "topic: Design\nnotes:\n  - id: two-questions\n    front: 是什么？为什么？\n    back: a\n    advice: true\n",
        encoding="utf-8")
    with pytest.raises(DataError) as info:  # the lock is stale; warnings come before that check
        check(mini_data)
    assert "lock" in str(info.value)
    from generator.cards import render_notes
    from generator.lint import lint
    from generator.templating import default_templates_dir

    deck = load_deck(mini_data)
    notes, _ = render_notes(deck, default_templates_dir())
    messages = [str(p) for p in lint(deck, notes)]
    assert any(m.endswith("09-design.yaml:3: warning: note 'two-questions': [multi-question] front asks 2 "
                          "questions; split it into one note per question (or allow it with a reason, "
                          "e.g. an outline card)") for m in messages), messages
