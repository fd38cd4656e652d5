"""Stage 5: the .apkg is a compressed, reproducible zip written atomically."""

from __future__ import annotations

import os
import stat
import zipfile
from pathlib import Path

import pytest

from generator.build import build
from generator.package import write_atomic


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


def test_write_atomic_leaves_no_temp_on_failure(tmp_path: Path) -> None:
    target = tmp_path / "deck.apkg"
    target.write_bytes(b"old")

    class Boom(bytes):
        pass

    with pytest.raises(TypeError):
        write_atomic(target, "not bytes")  # type: ignore[arg-type]
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["deck.apkg"]
