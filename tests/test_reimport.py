"""Re-import after edits, with the official Anki backend: updates in place, keeps every review."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from anki_helpers import import_apkg, new_collection
from generator.build import build
from generator.errors import SchemaChangeError
from generator.lock import LOCK_NAME, read_lock
from generator.notetypes import NOTE_TYPES, FieldDef, TemplateDef
from generator.templating import default_templates_dir

T1, T2, T3 = 1_700_000_000, 1_700_003_600, 1_700_007_200  # all in the past


def _build(data: Path, out: Path, monkeypatch: pytest.MonkeyPatch, when: int, **kwargs: Any) -> Path:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(when))
    build(data, out, **kwargs)
    return out / "mini.apkg"


def _edit(data: Path, old: str, new: str, topic: str = "01-alpha.yaml") -> None:
    path = data / "topics" / topic
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def _review_some(col: Any) -> int:
    """Answer a few cards with the v3 scheduler; returns how many."""
    col.decks.select(col.decks.id_for_name("Mini 测试"))
    from anki.scheduler.v3 import CardAnswer

    ratings = [CardAnswer.EASY, CardAnswer.GOOD, CardAnswer.AGAIN]
    for rating in ratings:
        queued = col.sched.get_queued_cards()
        card = col.get_card(queued.cards[0].card.id)
        card.start_timer()
        states = col._backend.get_scheduling_states(card.id)
        col.sched.answer_card(col.sched.build_answer(card=card, states=states, rating=rating))
    return len(ratings)


def _snapshot(col: Any) -> dict[str, Any]:
    return {
        "cards": sorted(col.db.all("select id, nid, did, ord, type, queue, due, ivl, factor, reps, lapses from cards")),
        "revlog": sorted(col.db.all("select id, cid, ease, ivl, type from revlog")),
        "notetypes": sorted(n.id for n in col.models.all_names_and_ids()),
    }


@pytest.fixture
def reviewed(mini_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, Path]:
    """v1 built at T1, imported, and 3 cards answered."""
    col = new_collection(tmp_path / "anki")
    log = import_apkg(col, _build(mini_data, tmp_path / "v1", monkeypatch, T1))
    assert len(log.new) == 6
    assert _review_some(col) == 3
    assert col.db.scalar("select count() from revlog") == 3
    return col, mini_data


def test_edit_updates_exactly_that_note_in_place(reviewed: tuple[Any, Path], tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    col, data = reviewed
    (nid,) = col.find_notes('"Id:a-rev"')
    before = _snapshot(col)
    _edit(data, "back: Multi-head attention", "back: Multi-head attention (多头注意力)")
    log = import_apkg(col, _build(data, tmp_path / "v2", monkeypatch, T2))
    assert [n.id.nid for n in log.updated] == [nid] and len(log.new) == 0
    assert "多头注意力" in col.get_note(nid)["Back"]
    assert col.get_note(nid).mod == T2
    assert col.note_count() == 6
    assert _snapshot(col) == before  # same cards, scheduling, revlog and note types


def test_rebuild_without_edits_updates_nothing(reviewed: tuple[Any, Path], tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    col, data = reviewed
    before = _snapshot(col)
    log = import_apkg(col, _build(data, tmp_path / "v2", monkeypatch, T2))
    assert (len(log.new), len(log.updated), len(log.duplicate)) == (0, 0, 6)
    assert _snapshot(col) == before


def test_added_note_is_the_only_new_one(reviewed: tuple[Any, Path], tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    col, data = reviewed
    with (data / "topics" / "02-beta.yaml").open("a", encoding="utf-8") as handle:
        handle.write("  - id: b-new\n    front: new q\n    back: new a\n    advice: true\n")
    log = import_apkg(col, _build(data, tmp_path / "v2", monkeypatch, T2))
    assert (len(log.new), len(log.updated)) == (1, 0)
    assert col.note_count() == 7


def test_css_and_template_change_apply_without_new_notetype(reviewed: tuple[Any, Path], tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    col, data = reviewed
    templates = tmp_path / "templates"
    shutil.copytree(default_templates_dir(), templates)
    with (templates / "anki" / "style.css").open("a", encoding="utf-8") as handle:
        handle.write("\n.cs-q { letter-spacing: 0.01em; } /* v2 */\n")
    qa_back = templates / "anki" / "qa_back.html"
    qa_back.write_text(qa_back.read_text(encoding="utf-8").replace('<hr id="answer">', '<hr id="answer"><!--v2-->'),
                       encoding="utf-8")
    before = sorted(n.id for n in col.models.all_names_and_ids())
    log = import_apkg(col, _build(data, tmp_path / "v2", monkeypatch, T2, templates_dir=templates))
    assert len(log.conflicting) == 0 and len(log.new) == 0
    assert sorted(n.id for n in col.models.all_names_and_ids()) == before
    (nid,) = col.find_notes('"Id:a-basic"')
    notetype = col.get_note(nid).note_type()
    assert notetype is not None and "/* v2 */" in notetype["css"]
    assert "<!--v2-->" in notetype["tmpls"][0]["afmt"]


def test_learner_edit_to_unchanged_note_survives(reviewed: tuple[Any, Path], tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    col, data = reviewed
    (mine,) = col.find_notes('"Id:b-table"')
    note = col.get_note(mine)
    note["Extra"] = "my own mnemonic"
    note.tags.append("my_tag")
    col.update_note(note)
    _edit(data, "back: Multi-head attention", "back: Multi-head attention!")  # another note changes
    log = import_apkg(col, _build(data, tmp_path / "v2", monkeypatch, T2))
    assert len(log.updated) == 1
    assert col.get_note(mine)["Extra"] == "my own mnemonic" and "my_tag" in col.get_note(mine).tags


def test_edit_within_the_same_second_still_updates(reviewed: tuple[Any, Path], tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    col, data = reviewed
    _edit(data, "back: Multi-head attention", "back: MHA, edited at once")
    log = import_apkg(col, _build(data, tmp_path / "v2", monkeypatch, T1))  # same clock as v1
    assert len(log.updated) == 1  # mod is kept strictly increasing: T1 + 1


def test_noop_build_touches_no_file(mini_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _build(mini_data, tmp_path / "out", monkeypatch, T1)
    files = [tmp_path / "out" / "mini.apkg", mini_data / LOCK_NAME]
    stats = [(p.stat().st_mtime_ns, p.read_bytes()) for p in files]
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(T3))
    result = build(mini_data, tmp_path / "out")
    assert result.written == []
    assert [(p.stat().st_mtime_ns, p.read_bytes()) for p in files] == stats


def test_changed_notes_take_source_date_epoch(mini_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _build(mini_data, tmp_path / "out", monkeypatch, T1)
    _edit(mini_data, "back: Multi-head attention", "back: changed")
    _build(mini_data, tmp_path / "out", monkeypatch, T3)
    lock = read_lock(mini_data / LOCK_NAME)
    assert lock.notes["a-rev"].mod == T3
    assert lock.notes["a-basic"].mod == T1


def test_schema_change_needs_the_flag(mini_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _build(mini_data, tmp_path / "out", monkeypatch, T1)
    basic = NOTE_TYPES["basic"]
    extra_card = TemplateDef("Card 2", 42, "reverse_front.html", "reverse_back.html")
    grown = type(basic)(basic.kind, basic.name, basic.salt, basic.fields, basic.templates + (extra_card,))
    monkeypatch.setitem(NOTE_TYPES, "basic", grown)
    with pytest.raises(SchemaChangeError, match=r"Merge note types.*full sync"):
        _build(mini_data, tmp_path / "out", monkeypatch, T2)
    assert read_lock(mini_data / LOCK_NAME).notetypes["basic"].mod == T1  # nothing written
    _build(mini_data, tmp_path / "out", monkeypatch, T2, allow_schema_change=True)
    assert read_lock(mini_data / LOCK_NAME).notetypes["basic"].mod == T2


def test_field_rename_is_not_a_schema_change(mini_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _build(mini_data, tmp_path / "out", monkeypatch, T1)
    for kind in ("basic", "reverse"):  # they share their fields and the qa_* templates
        old = NOTE_TYPES[kind]
        renamed = (FieldDef("Question", old.fields[0].id),) + old.fields[1:]
        monkeypatch.setitem(NOTE_TYPES, kind, type(old)(old.kind, old.name, old.salt, renamed, old.templates))
    from generator.templating import default_templates_dir

    overrides = mini_data.parent / "templates" / "anki"  # the deck's own card templates use the new name
    overrides.mkdir(parents=True)
    for name in ("qa_front.html", "qa_back.html", "reverse_front.html", "reverse_back.html"):
        text = (default_templates_dir() / "anki" / name).read_text(encoding="utf-8")
        (overrides / name).write_text(text.replace("{{Front}}", "{{Question}}"), encoding="utf-8")
    _build(mini_data, tmp_path / "out", monkeypatch, T2)  # no SchemaChangeError


def test_removed_and_moved_notes_are_reported(mini_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from generator.report import build_report

    _build(mini_data, tmp_path / "out", monkeypatch, T1)
    alpha = mini_data / "topics" / "01-alpha.yaml"
    text = alpha.read_text(encoding="utf-8")
    cut = text.index("  - id: a-rev")
    alpha.write_text(text[:cut], encoding="utf-8")  # a-rev removed
    _edit(mini_data, "topic: \"Beta 二\"", "topic: \"Beta 2\"", "02-beta.yaml")  # topic renamed
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(T2))
    lines = [line.text for line in build_report(build(mini_data, tmp_path / "out"), 0)]
    assert any('"Id:a-rev"' in line and "never deletes" in line for line in lines)
    assert any("moved from deck 'Mini 测试::Beta 二' to 'Mini 测试::Beta 2'" in line for line in lines)


def test_media_names_follow_content(mini_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import json
    import zipfile

    def media_names(apkg: Path) -> list[str]:
        with zipfile.ZipFile(apkg) as archive:
            return sorted(json.loads(archive.read("media")).values())

    first = media_names(_build(mini_data, tmp_path / "a", monkeypatch, T1))
    svg = mini_data / "media" / "dot.svg"
    svg.write_text(svg.read_text(encoding="utf-8").replace("#1565c0", "#c62828"), encoding="utf-8")
    second = media_names(_build(mini_data, tmp_path / "b", monkeypatch, T2))
    assert len(first) == len(second) == 1 and first != second
    assert all(name.startswith("mini-dot-") and not name.startswith("_") for name in first + second)
