"""End to end: build, then import into a real collection with the official Anki backend."""

from __future__ import annotations

import re
from pathlib import Path

import genanki
import pytest

from anki_helpers import import_apkg, new_collection
from generator.build import build
from generator.model import CLOZE_RE, load_deck


# An Anki field reference or cloze that the renderer left in place ({{Front}}, {{c1::x}}).
# LaTeX like {\text{ref}} is fine: it never has a name right after two braces.
LEFTOVER = re.compile(r"\{\{\s*[#/^]?\s*(?:[A-Za-z][\w ]*|c\d+::)[^{}]*\}\}|\{\{c\d+::")


def _expected_cards(data: Path) -> tuple[int, int]:
    deck = load_deck(data)
    notes = [n for _, n, _ in deck.notes()]
    cards = 0
    for note in notes:
        if note.kind == "cloze":
            cards += len(set(CLOZE_RE.findall(note.text or "")))
        else:
            cards += 2 if note.kind == "reverse" else 1
    return len(notes), cards


def _import_built(data: Path, tmp_path: Path) -> tuple[object, object, Path]:
    result = build(data, tmp_path / "out")
    apkg = next(p for p in result.written if p.suffix == ".apkg")
    col = new_collection(tmp_path / "anki")
    log = import_apkg(col, apkg)
    return col, log, apkg


@pytest.mark.parametrize("which", ["mini", "real"])
def test_deck_imports_cleanly(which: str, mini_data: Path, real_data: Path, tmp_path: Path) -> None:
    data = mini_data if which == "mini" else real_data
    col, log, _ = _import_built(data, tmp_path)
    notes, cards = _expected_cards(data)
    assert (len(log.new), len(log.updated), len(log.duplicate), len(log.conflicting)) == (notes, 0, 0, 0)
    assert col.note_count() == notes
    assert col.card_count() == cards
    assert col.get_empty_cards().notes == []
    for card_id in col.find_cards(""):
        out = col.get_card(card_id).render_output()
        for text in (out.question_text, out.answer_text):
            assert re.sub(r"<[^>]+>|\s", "", text), f"empty side on card {card_id}"
            assert not LEFTOVER.search(text), f"unrendered template syntax on card {card_id}"
    assert col.fix_integrity()[1] is True
    col.close()


def test_guids_come_from_ids_and_are_stable(mini_data: Path, tmp_path: Path) -> None:
    col, _, _ = _import_built(mini_data, tmp_path)
    guids = {col.get_note(nid)["Id"]: col.get_note(nid).guid for nid in col.find_notes("")}
    assert guids == {i: genanki.guid_for("mini", i) for i in guids}
    assert len(set(guids.values())) == len(guids) == col.note_count()
    col2, _, _ = _import_built(mini_data, tmp_path / "second")
    assert {col2.get_note(n)["Id"]: col2.get_note(n).guid for n in col2.find_notes("")} == guids


def test_cloze_ordinals_as_authored(mini_data: Path, tmp_path: Path) -> None:
    col, _, _ = _import_built(mini_data, tmp_path)
    (note_id,) = col.find_notes('"Id:b-cloze-many"')
    assert sorted(card.ord for card in col.get_note(note_id).cards()) == [0, 2]


def test_rendering_cases_arrive_in_anki(mini_data: Path, tmp_path: Path) -> None:
    col, _, _ = _import_built(mini_data, tmp_path)
    (note_id,) = col.find_notes('"Id:a-basic"')
    out = col.get_note(note_id).cards()[0].render_output()
    assert r"\(x_i^2\)" in out.question_text and r"\(\frac{a}{b}\)" in out.question_text
    assert "List&lt;int&gt;" in out.answer_text
    assert '<span class="pg-k">def</span>' in out.answer_text
    assert "<table>" in out.answer_text
    assert ".card.nightMode" in out.css


def test_subdecks_and_order(mini_data: Path, tmp_path: Path) -> None:
    col, _, _ = _import_built(mini_data, tmp_path)
    names = {d.name for d in col.decks.all_names_and_ids()}
    assert {"Mini 测试", "Mini 测试::Alpha", "Mini 测试::Beta 二"} <= names
    cards = [col.get_card(c) for c in col.find_cards("is:new")]
    order = [col.get_note(c.nid)["Id"] for c in sorted(cards, key=lambda c: (c.due, c.ord))]
    assert list(dict.fromkeys(order)) == ["a-basic", "a-cloze", "a-rev", "b-table", "b-cloze-many", "b-image"]
