"""Identity changes Anki cannot apply (issue 14 §1), with the official Anki backend.

Each kind: build, import, review, change, rebuild, import. The build refuses what would do
silent harm, says so in one line with the way out, and the way out works in Anki; what it only
reports is shown to be what Anki does. The harm itself is shown too (on a package built with
the refusal accepted, or packaged directly), so each refusal is known to be needed.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from anki_helpers import import_apkg, new_collection
from generator.build import build, check, prepare
from generator.cli import main
from generator.errors import DataError
from generator.lock import LOCK_NAME, MAX_TIME, Lock, Stamp, read_lock
from generator.report import build_report
from test_reimport import T1, T2, T3, _build, _edit

ALPHA = "01-alpha.yaml"
BETA = "02-beta.yaml"


def _review(col: Any, search: str) -> list[int]:
    """Answer every card the search finds ("Good"); returns their ids."""
    cards = sorted(col.find_cards(search))
    assert cards, search
    for card_id in cards:
        card = col.get_card(card_id)
        card.start_timer()
        col.sched.answerCard(card, 3)
    return cards


def _history(col: Any) -> list[Any]:
    """Every card's scheduling and the whole review log."""
    return sorted(col.db.all("select id, nid, ord, type, ivl, reps from cards")) + sorted(
        col.db.all("select cid, ease from revlog"))


def _lines(result: Any) -> list[str]:
    return [line.text for line in build_report(result, 0)]


def _build_result(data: Path, out: Path, monkeypatch: pytest.MonkeyPatch, when: int, **kwargs: Any) -> Any:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(when))
    return build(data, out, **kwargs)


def _refused(data: Path, out: Path, monkeypatch: pytest.MonkeyPatch, when: int = T2, **kwargs: Any) -> list[str]:
    """Build, expecting a refusal that writes nothing; returns the problems as printed."""
    lock = (data / LOCK_NAME).read_bytes()
    apkg = {p: p.read_bytes() for p in out.glob("*.apkg")}
    with pytest.raises(DataError) as caught:
        _build(data, out, monkeypatch, when, **kwargs)
    assert (data / LOCK_NAME).read_bytes() == lock
    assert {p: p.read_bytes() for p in out.glob("*.apkg")} == apkg
    return [str(problem) for problem in caught.value.problems]


def _cut(data: Path, note_id: str, topic: str = ALPHA) -> str:
    """Remove one note from its topic file; returns its text."""
    path = data / "topics" / topic
    text = path.read_text(encoding="utf-8")
    start = text.index(f"  - id: {note_id}\n")
    end = text.find("\n  - id:", start + 1)
    end = len(text) if end < 0 else end + 1
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    return text[start:end]


@pytest.fixture
def reviewed(mini_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, Path]:
    """v1 built at T1 and imported; every card reviewed once."""
    col = new_collection(tmp_path / "anki")
    log = import_apkg(col, _build(mini_data, tmp_path / "v1", monkeypatch, T1))
    assert len(log.new) == 6
    _review(col, '"deck:Mini 测试"')
    return col, mini_data


# --- a note's kind changes under the same id -------------------------------------------------


def test_kind_change_is_refused_and_a_new_id_is_the_way_out(reviewed: tuple[Any, Path], tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    col, data = reviewed
    before = _history(col)
    _edit(data, "  - id: a-rev\n    kind: reverse\n", "  - id: a-rev\n")  # reverse → basic
    (line,) = _refused(data, tmp_path / "v1", monkeypatch)
    assert f"{ALPHA}:31: note 'a-rev': kind changed from reverse to basic under the same id" in line
    assert "conflicting" in line and "give it a new id" in line

    # The harm: built anyway (from a copy without the lock), Anki skips the note.
    harm = tmp_path / "harm"
    shutil.copytree(data, harm)
    (harm / LOCK_NAME).unlink()
    log = import_apkg(col, _build(harm, tmp_path / "harm-out", monkeypatch, T2))
    (nid,) = col.find_notes('"Id:a-rev"')
    assert [n.fields[-1] for n in log.conflicting] == ["a-rev"] and len(log.new) == 0
    assert "a-rev" not in [n.fields[-1] for n in log.updated]
    assert len(col.find_cards('"Id:a-rev"')) == 2  # still the reverse note, both cards
    assert _history(col) == before  # the change never arrives

    # The way out: a new id. The new note arrives, the old one keeps its reviews and is found
    # by the search for removed notes.
    _edit(data, "  - id: a-rev\n", "  - id: a-rev-basic\n")
    result = _build_result(data, tmp_path / "v2", monkeypatch, T2)
    lines = _lines(result)
    assert any("note 'a-rev-basic' takes over the question of removed note 'a-rev'" in x for x in lines)
    search = next(x for x in lines if "never deletes" in x).split("browser: ")[1]
    assert '"Id:a-rev"' in search
    log = import_apkg(col, tmp_path / "v2" / "mini.apkg")
    assert len(log.new) == 1 and len(log.conflicting) == 0
    assert col.find_notes(search) == [nid]
    assert col.db.scalar(f"select count() from revlog where cid in (select id from cards where nid = {nid})") == 2


@pytest.mark.parametrize("change", [("a-basic", "basic", "cloze"), ("a-cloze", "cloze", "basic"),
                                    ("a-rev", "reverse", "cloze"), ("b-table", "basic", "reverse")])
def test_every_kind_change_is_refused(change: tuple[str, str, str], mini_data: Path, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    note_id, old, new = change
    _build(mini_data, tmp_path / "out", monkeypatch, T1)
    topic = BETA if note_id.startswith("b-") else ALPHA
    _cut(mini_data, note_id, topic)
    body = {"cloze": "    kind: cloze\n    text: '{{c1::changed}} kind'\n",
            "basic": "    front: changed kind\n    back: a\n",
            "reverse": "    kind: reverse\n    front: changed kind\n    back: a\n"}[new]
    with (mini_data / "topics" / topic).open("a", encoding="utf-8") as handle:
        handle.write(f"  - id: {note_id}\n{body}    advice: true\n")
    problems = _refused(mini_data, tmp_path / "out", monkeypatch)
    assert len(problems) == 1 and f"kind changed from {old} to {new} under the same id" in problems[0], problems


# --- the deck namespace changes ---------------------------------------------------------------


def test_namespace_change_is_refused_and_accepted_only_as_a_new_deck(reviewed: tuple[Any, Path], tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    col, data = reviewed
    _edit(data, "namespace: mini", "namespace: mini-2", "../deck.yaml")
    (line,) = _refused(data, tmp_path / "v1", monkeypatch)
    assert "deck.yaml:2: namespace changed from 'mini' to 'mini-2' since the last build" in line
    assert "put back 'namespace: mini'" in line and "--allow-identity-change" in line
    result = _build_result(data, tmp_path / "v2", monkeypatch, T2, allow_identity_change=True)
    lines = _lines(result)
    assert not any("in place" in x for x in lines)  # note types are new, not updated
    assert any("namespace changed from 'mini' to 'mini-2': Anki sees a new deck" in x for x in lines)
    assert (len(result.changes.new), len(result.changes.changed)) == (6, 0)
    # What the report says is what Anki does: a second copy of every note and note type.
    types_before = len(col.models.all_names_and_ids())
    log = import_apkg(col, tmp_path / "v2" / "mini-2.apkg")
    assert len(log.new) == 6 and len(log.updated) == 0
    assert col.note_count() == 12 and len(col.models.all_names_and_ids()) == types_before + 3
    search = next(x for x in lines if "namespace changed" in x).split("browser: ")[1].removesuffix(")")
    assert len(col.find_notes(search)) == 6 and not set(col.find_notes(search)) & set(col.find_notes('"note:*(mini-2)"'))
    assert read_lock(data / LOCK_NAME).namespace == "mini-2"
    assert check(data) == []  # the lock now describes the new deck
    assert build(data, tmp_path / "v2").written == []  # and a rebuild is quiet


# --- an id moves to other content ------------------------------------------------------------


def _swap(data: Path) -> None:
    """a-basic and b-table exchange their ids (all else equal)."""
    for topic, old, new in ((ALPHA, "id: a-basic", "id: TMP"), (BETA, "id: b-table", "id: a-basic"),
                            (ALPHA, "id: TMP", "id: b-table")):
        _edit(data, old, new, topic)


def test_swapped_ids_are_refused(reviewed: tuple[Any, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    col, data = reviewed
    _swap(data)
    problems = _refused(data, tmp_path / "v1", monkeypatch)
    assert len(problems) == 2, problems
    assert f"{ALPHA}:3: note 'b-table': now asks what note 'a-basic' asked in the last build" in problems[0]
    assert f"{BETA}:3: note 'a-basic': now asks what note 'b-table' asked" in problems[1]
    assert all("keep each question under its id" in p for p in problems)
    # The harm, accepted on purpose: the card reviewed as one question now asks the other.
    (card,) = col.find_cards('"Id:a-basic"')
    reps = col.get_card(card).reps
    _build(data, tmp_path / "v2", monkeypatch, T2, allow_identity_change=True)
    log = import_apkg(col, tmp_path / "v2" / "mini.apkg")
    assert len(log.updated) == 2 and len(log.new) == 0
    assert "Which precision" in col.get_card(card).question() and col.get_card(card).reps == reps


@pytest.mark.parametrize("move", ["question-swap-with-edits", "id-to-new-question", "took-another-question",
                                  "took-removed-note-content"])
def test_an_id_moved_to_another_question_is_refused(move: str, mini_data: Path, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    _build(mini_data, tmp_path / "out", monkeypatch, T1)
    if move == "question-swap-with-edits":  # fronts exchanged, backs edited too
        _edit(mini_data, "front: MHA\n    back: Multi-head attention", "front: TMP\n    back: MHA, edited")
        _edit(mini_data, "front: |\n      Which precision holds what?", "front: MHA", BETA)
        _edit(mini_data, "front: TMP", "front: |\n      Which precision holds what?")
        expected = ["note 'a-rev': now asks what note 'b-table' asked", "note 'b-table': now asks what note 'a-rev' asked"]
    elif move == "id-to-new-question":  # a-rev gets a new question; its old one goes to a new note
        _edit(mini_data, "front: MHA\n", "front: GQA\n")
        with (mini_data / "topics" / BETA).open("a", encoding="utf-8") as handle:
            handle.write("  - id: b-mha\n    kind: reverse\n    front: MHA\n    back: Multi-head attention\n"
                         "    advice: true\n")
        expected = ["note 'a-rev': now asks what note 'b-mha' asked"]
    elif move == "took-another-question":  # a-rev now asks b-table's question, b-table is gone
        _cut(mini_data, "b-table", BETA)
        _edit(mini_data, "front: MHA\n", "front: |\n      Which precision holds what?\n")
        expected = ["note 'a-rev': now asks what note 'b-table' asked"]
    else:  # a-basic now holds exactly what the removed b-image held (and moves to its topic)
        text = _cut(mini_data, "b-image", BETA)
        _cut(mini_data, "a-basic")
        with (mini_data / "topics" / BETA).open("a", encoding="utf-8") as handle:
            handle.write(text.replace("id: b-image", "id: a-basic"))
        expected = ["note 'a-basic': now asks what note 'b-image' asked"]
    problems = _refused(mini_data, tmp_path / "out", monkeypatch)
    assert len(problems) == len(expected), problems
    assert all(any(e in p for p in problems) for e in expected), problems
    _build(mini_data, tmp_path / "out", monkeypatch, T2, allow_identity_change=True)  # accepted on purpose


@pytest.mark.parametrize("edit", ["typo-in-question", "rewrite-answer", "reorder-notes", "move-topic",
                                  "rename-id", "duplicate-question-added", "same-question-other-kind"])
def test_ordinary_edits_are_not_identity_changes(edit: str, mini_data: Path, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    _build(mini_data, tmp_path / "out", monkeypatch, T1)
    if edit == "typo-in-question":
        _edit(mini_data, "Which precision holds what?", "Which precision holds which tensor?", BETA)
    elif edit == "rewrite-answer":
        _edit(mini_data, "back: Multi-head attention", "back: Attention with several heads in parallel")
    elif edit == "reorder-notes":
        text = _cut(mini_data, "a-basic")
        with (mini_data / "topics" / ALPHA).open("a", encoding="utf-8") as handle:
            handle.write(text)
    elif edit == "move-topic":
        text = _cut(mini_data, "a-rev")
        with (mini_data / "topics" / BETA).open("a", encoding="utf-8") as handle:
            handle.write(text)
    elif edit == "rename-id":
        _edit(mini_data, "id: a-rev", "id: a-mha")
    elif edit == "duplicate-question-added":  # a new note asks what a kept one asks
        with (mini_data / "topics" / BETA).open("a", encoding="utf-8") as handle:
            handle.write("  - id: b-mha\n    front: MHA\n    back: another answer\n    advice: true\n")
    else:  # the way out of a kind change
        _edit(mini_data, "  - id: a-rev\n    kind: reverse\n", "  - id: a-rev-2\n")
    result = _build_result(mini_data, tmp_path / "out", monkeypatch, T2)
    assert result.changes.swapped == [] and result.changes.kinds == []
    if edit in ("rename-id", "same-question-other-kind"):
        assert len(result.changes.replaced) == 1


# --- topic titles that differ only in letter case ---------------------------------------------


@pytest.mark.parametrize("title", ["alpha", "ALPHA", "Alpha ", " alpha", "aLpHa", "ALPHA\u00a0"])
def test_topics_anki_takes_for_one_deck_are_refused(title: str, mini_data: Path) -> None:
    (mini_data / "topics" / "03-gamma.yaml").write_text(
        f"# a comment first\ntopic: {json.dumps(title, ensure_ascii=False)}\nnotes:\n  - id: g-one\n    front: q\n    back: a\n"
        "    advice: true\n", encoding="utf-8")
    with pytest.raises(DataError) as caught:
        prepare(mini_data)
    (problem,) = caught.value.problems
    assert str(problem).endswith("03-gamma.yaml:2: " + problem.message)
    assert f"topic {title!r} and topic 'Alpha' (01-alpha.yaml) differ only in letter case" in problem.message


PAIRS = [("Alpha", "alpha"), ("Straße", "STRASSE"), ("Caf\u00e9", "Cafe\u0301"), ("Ωmega", "ωmega"),
         ("İx", "i\u0307x"), ("K", "\u212a"), ("Beta ", "Beta"), ("Beta\u00a0", "beta"), ("A  B", "A B"), ("Alpha", "Alpha 2"), ("Б", "б")]


@pytest.mark.parametrize("pair", PAIRS, ids=[f"{a!r}-{b!r}" for a, b in PAIRS])
def test_deck_name_key_agrees_with_anki(pair: tuple[str, str], mini_data: Path, tmp_path: Path) -> None:
    """Why the refusal, and that it refuses exactly what Anki merges: the same package with
    two notes in topics named `a` and `b` (packaged directly, past the check)."""
    from generator.identity import deck_name_key
    from generator.package import package_bytes

    p = prepare(mini_data)
    names = dict(zip(("a-rev", "a-basic"), pair))
    notes = [dataclasses.replace(n, deck=f"Mini 测试::{names[n.id]}") if n.id in names else n for n in p.notes]
    apkg = tmp_path / "case.apkg"
    apkg.write_bytes(package_bytes(p.deck_info, notes, p.notetypes, p.lock, p.media))
    col = new_collection(tmp_path / "anki")
    import_apkg(col, apkg)
    decks = {d.name.removeprefix("Mini 测试::") for d in col.decks.all_names_and_ids()}
    renamed = any(name.endswith("_") for name in decks)
    assert renamed == (deck_name_key(pair[0]) == deck_name_key(pair[1])), decks


# --- a cloze number removed from a note --------------------------------------------------------


def test_removed_cloze_is_reported_with_a_search_that_finds_its_card(reviewed: tuple[Any, Path], tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    col, data = reviewed
    _edit(data, "{{c1::2}} + {{c2::2}} + {{c3::12}} = 16 B", "{{c1::2}} + 2 + {{c3::12}} = 16 B")
    result = _build_result(data, tmp_path / "v2", monkeypatch, T2)
    (line,) = [x for x in _lines(result) if "lost cloze" in x]
    assert "01-alpha.yaml:21: warning: note 'a-cloze' lost cloze c2: Anki keeps that card" in line
    search = line.split("browser: ")[1].removesuffix(")")
    assert search == '"Id:a-cloze" card:2'
    log = import_apkg(col, tmp_path / "v2" / "mini.apkg")
    assert len(log.updated) == 1
    (card,) = col.find_cards(search)
    assert col.get_card(card).reps == 1  # kept, with its review
    shown = col.get_card(card).question()
    assert "No cloze \u20682\u2069 found on card" in shown and "Empty Cards" in shown
    assert [card] == [c for n in col.get_empty_cards().notes for c in n.card_ids]  # Tools → Empty Cards
    assert len(col.find_cards('"Id:a-cloze"')) == 3
    # Reported once, in the build that removed it.
    assert not any("lost cloze" in x for x in _lines(build(data, tmp_path / "v2")))


def test_renumbered_clozes_are_refused(reviewed: tuple[Any, Path], tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    col, data = reviewed
    _edit(data, "{{c1::2}} + {{c2::2}} + {{c3::12}} = 16 B", "{{c1::2}} + 2 + {{c2::12}} = 16 B")  # c3 → c2
    (line,) = _refused(data, tmp_path / "v1", monkeypatch)
    assert f"{ALPHA}:21: note 'a-cloze': cloze c2 now hides what c3 hid in the last build" in line
    assert "keep each deletion's number (gaps are fine)" in line
    # The harm, accepted on purpose: the card reviewed on "2" now asks for "12".
    (card,) = col.find_cards('"Id:a-cloze" card:2')
    assert 'data-cloze="2"' in col.get_card(card).render_output().question_text
    result = _build_result(data, tmp_path / "v2", monkeypatch, T2, allow_identity_change=True)
    assert any("lost cloze c3" in x for x in _lines(result))
    import_apkg(col, tmp_path / "v2" / "mini.apkg")
    assert 'data-cloze="12"' in col.get_card(card).render_output().question_text
    assert col.get_card(card).reps == 1
    # The way out: the numbers kept, with a gap: card 3 keeps its deletion and its history.
    _edit(data, "{{c1::2}} + 2 + {{c2::12}} = 16 B", "{{c1::2}} + 2 + {{c3::12}} = 16 B")
    result = _build_result(data, tmp_path / "v3", monkeypatch, T3, allow_identity_change=False)
    assert result.changes.clozes_moved == []


def test_several_removed_clozes_share_one_search(mini_data: Path, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    _build(mini_data, tmp_path / "out", monkeypatch, T1)
    _edit(mini_data, "{{c1::2}} + {{c2::2}} + {{c3::12}} = 16 B", "{{c1::2}} + 2 + 12 = 16 B")
    _edit(mini_data, "{{c1::Paris}} is the capital of {{c3::France}}", "{{c1::Paris}} is the capital of France", BETA)
    lines = [x for x in _lines(_build_result(mini_data, tmp_path / "out", monkeypatch, T2)) if "lost cloze" in x]
    assert "01-alpha.yaml:21: warning: note 'a-cloze' lost cloze c2, c3: Anki keeps those cards" in lines[0]
    assert lines[0].split("browser: ")[1] == '"Id:a-cloze" (card:2 OR card:3))'
    assert "02-beta.yaml:" in lines[1] and ": warning: note 'b-cloze-many' lost cloze c3" in lines[1]


# --- the lock ----------------------------------------------------------------------------------


def test_lock_written_before_these_fields_still_works(mini_data: Path, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    apkg = _build(mini_data, tmp_path / "out", monkeypatch, T1).read_bytes()
    path = mini_data / LOCK_NAME
    new_text = path.read_text(encoding="utf-8")
    lock = read_lock(path)
    old = Lock({k: Stamp(s.hash, s.mod, s.deck) for k, s in lock.notes.items()}, lock.notetypes)
    path.write_text(old.dumps(), encoding="utf-8")
    assert '"kind"' not in old.dumps() and '"namespace"' not in old.dumps()
    assert check(mini_data) == []  # not stale: same content
    result = _build_result(mini_data, tmp_path / "out2", monkeypatch, T3)
    assert path.read_text(encoding="utf-8") == new_text  # upgraded once, mods kept
    assert (tmp_path / "out2" / "mini.apkg").read_bytes() == apkg
    assert (len(result.changes.new), len(result.changes.changed)) == (0, 0)


def test_lock_text_with_every_field_is_exactly_indented_json() -> None:
    lock = Lock({"x": Stamp("h", 5, "D::é", (), "cloze", "q1", ((1, "a"), (3, "b"))), "y": Stamp("h2", 6, "D", kind="basic")},
                {"basic": Stamp("t", 7, schema=("field:1",))}, "ns")
    data = {"version": 1, "namespace": "ns", "notetypes": {"basic": {"hash": "t", "mod": 7, "schema": ["field:1"]}},
            "notes": {"x": {"hash": "h", "mod": 5, "deck": "D::é", "kind": "cloze", "question": "q1", "clozes": {"1": "a", "3": "b"}},
                      "y": {"hash": "h2", "mod": 6, "deck": "D", "kind": "basic"}}}
    assert lock.dumps() == json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def test_lock_and_data_problems_are_reported_together(mini_data: Path, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    _build(mini_data, tmp_path / "out", monkeypatch, T1)
    lock = mini_data / LOCK_NAME
    lock.write_text(lock.read_text(encoding="utf-8").replace(f'"mod": {T1}', '"mod": -1', 1), encoding="utf-8")
    (mini_data / "topics" / "09.yaml").write_text("topic: [Bad\n", encoding="utf-8")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1e9")
    result = CliRunner().invoke(main, ["build", "--data", str(mini_data), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 4 and lines[-1] == "cardsmith: 3 problem(s); nothing was written", lines
    assert any("cardsmith.lock:" in x and "'mod' is -1, out of range" in x for x in lines)
    assert any(x.startswith("SOURCE_DATE_EPOCH: '1e9' is not an integer") for x in lines)
    assert any("09.yaml:2: YAML syntax error" in x or "09.yaml" in x for x in lines)


def test_largest_time_still_builds_and_imports(mini_data: Path, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """The top of the accepted range is a time Anki takes (one past it is refused)."""
    col = new_collection(tmp_path / "anki")
    log = import_apkg(col, _build(mini_data, tmp_path / "out", monkeypatch, MAX_TIME))
    assert len(log.new) == 6
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(MAX_TIME + 1))
    with pytest.raises(DataError, match="too large"):
        build(mini_data, tmp_path / "out")


def test_unreadable_lock_without_privileges(mini_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Staged for real: the lock has no read permission and the build runs without the
    capabilities that let root read it anyway."""
    _build(mini_data, tmp_path / "out", monkeypatch, T1)
    lock = mini_data / LOCK_NAME
    lock.chmod(0)
    before = {p: p.read_bytes() for p in (tmp_path / "out").rglob("*") if p.is_file()}
    drop = ["setpriv", "--inh-caps=-all", "--bounding-set=-all"] if os.geteuid() == 0 else []
    run = subprocess.run([*drop, sys.executable, "-m", "generator", "build", "--data", str(mini_data),
                          "--out", str(tmp_path / "out")], capture_output=True, text=True, env=os.environ)
    lock.chmod(0o644)
    assert run.returncode == 1, run.stderr
    lines = run.stderr.strip().splitlines()
    assert lines[0].endswith("cardsmith.lock: cannot read the lock file (Permission denied); make it "
                             "readable (chmod u+r) or restore it from git"), lines
    assert "Traceback" not in run.stderr and len(lines) == 2
    assert {p: p.read_bytes() for p in (tmp_path / "out").rglob("*") if p.is_file()} == before
