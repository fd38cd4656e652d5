"""Stage 5: the .apkg is a compressed, reproducible zip written atomically."""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path

import pytest

from generator.build import build
from generator import output
from generator.output import write_outputs


def test_zip_is_compressed_with_fixed_times(mini_data: Path, tmp_path: Path) -> None:
    build(mini_data, tmp_path / "out")
    with zipfile.ZipFile(tmp_path / "out" / "mini.apkg") as archive:
        infos = archive.infolist()
        assert [i.filename for i in infos][:2] == ["collection.anki2", "media"]
        assert all(i.compress_type == zipfile.ZIP_DEFLATED for i in infos)
        assert all(i.date_time == (1980, 1, 1, 0, 0, 0) for i in infos)
        collection = infos[0]
        assert collection.compress_size < collection.file_size / 3


def test_deflate_in_pieces_is_one_stream_whatever_the_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    import zlib

    from generator import package

    data = b"".join(b"%d lorem ipsum dolor " % (i * 7919 % 100_003) for i in range(300_000))
    assert len(data) > 2 * package.DEFLATE_CHUNK  # several pieces, primed with the one before
    pieces = package._deflate(data)
    assert zlib.decompress(pieces, -15) == data
    monkeypatch.setattr(package, "available_cores", lambda: 1)
    assert package._deflate(data) == pieces
    for small in (b"", b"x", data[:package.DEFLATE_CHUNK]):
        assert zlib.decompress(package._deflate(small), -15) == small


def test_zip_written_by_hand_reads_like_zipfiles(tmp_path: Path) -> None:
    import io

    from generator import package

    entries = [("collection.anki2", b"sqlite " * 1000), ("media", b"{}")]
    ours = zipfile.ZipFile(io.BytesIO(package._zip(entries[0][1], {})))
    reference = zipfile.ZipFile(io.BytesIO(package._zip_zipfile(entries)))
    assert ours.testzip() is None
    fields = ("filename", "compress_type", "date_time", "external_attr", "create_system", "create_version",
              "extract_version", "flag_bits", "CRC", "file_size")
    assert ([[getattr(i, f) for f in fields] for i in ours.infolist()]
            == [[getattr(i, f) for f in fields] for i in reference.infolist()])
    assert [ours.read(i) for i in ours.namelist()] == [data for _, data in entries]


def test_two_builds_are_byte_identical(mini_data: Path, tmp_path: Path) -> None:
    build(mini_data, tmp_path / "a")
    build(mini_data, tmp_path / "b")
    assert (tmp_path / "a" / "mini.apkg").read_bytes() == (tmp_path / "b" / "mini.apkg").read_bytes()


def test_deck_file_is_world_readable(mini_data: Path, tmp_path: Path) -> None:
    build(mini_data, tmp_path / "out")
    mode = (tmp_path / "out" / "mini.apkg").stat().st_mode
    assert mode & stat.S_IRGRP and mode & stat.S_IROTH


def test_failed_staging_leaves_previous_outputs_and_no_temp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first, second = tmp_path / "a.apkg", tmp_path / "sub" / "b.py"
    write_outputs({first: b"old a", second: b"old b"}, tmp_path)
    real_stage = output._stage
    calls = []

    def failing_stage(path: Path, data: bytes) -> str:
        calls.append(path)
        if len(calls) == 2:
            raise KeyboardInterrupt  # Ctrl-C while staging the second file
        return real_stage(path, data)

    monkeypatch.setattr(output, "_stage", failing_stage)
    with pytest.raises(KeyboardInterrupt):
        write_outputs({first: b"new a", second: b"new b"}, tmp_path)
    assert first.read_bytes() == b"old a" and second.read_bytes() == b"old b"
    assert not [p for p in tmp_path.rglob("*") if p.name.endswith(".tmp")]


def test_unchanged_outputs_are_not_rewritten(tmp_path: Path) -> None:
    target = tmp_path / "a.apkg"
    assert write_outputs({target: b"x"}, tmp_path) == ([target], [])
    assert write_outputs({target: b"x"}, tmp_path) == ([], [target])


def test_card_rows_follow_genanki_card_rules(real_data: Path) -> None:
    """package._card_rule (batched inserts) decides cards exactly as genanki's Note.cards."""
    import genanki

    from generator.cards import render_notes
    from generator.model import load_deck
    from generator.notetypes import load_note_types
    from generator.package import _card_rule
    from generator.templating import default_templates_dir

    deck = load_deck(real_data)
    notes, _ = render_notes(deck, default_templates_dir())
    models = {kind: built.genanki_model() for kind, built in load_note_types(deck.namespace, default_templates_dir()).items()}
    rules = {kind: _card_rule(model) for kind, model in models.items()}
    extra = [("cloze", ("{{c3::a}} {{c1::b}} {{c12::c}} {{c0::d}}", "", "", "x")), ("basic", ("", "b", "", "", "y")),
             ("reverse", ("f", "", "", "", "z")), ("reverse", ("f", "b", "", "", "w"))]
    for kind, fields in [(n.kind, n.fields) for n in notes] + extra:
        expected = [card.ord for card in genanki.Note(models[kind], list(fields)).cards]
        assert rules[kind](fields) == expected, (kind, fields)
