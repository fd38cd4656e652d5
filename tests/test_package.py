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
