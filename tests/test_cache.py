"""The build cache (OUT/.cache) and the no-op path: they skip work, never change a result.

Every test compares against what a build without any cache writes; none measures time.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator import build as build_module
from generator import cards, work
from generator.build import build
from generator.cache import CACHE_DIR, STATE, BuildCache, tool_fingerprint
from generator.errors import DataError
from generator.lock import LOCK_NAME, Lock, Stamp
from generator.progress import ProgressBar
from generator.report import build_report
from generator.templating import default_templates_dir

T1, T2 = 1_700_000_000, 1_700_003_600


@pytest.fixture(autouse=True)
def _fixed_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(T1))


@pytest.fixture
def renders(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The id of every note rendered (builds run in-process: jobs=1)."""
    seen: list[str] = []
    real = cards.FieldRenderer.__call__

    def counting(self: Any, note: Any) -> Any:
        seen.append(note.id)
        return real(self, note)

    monkeypatch.setattr(cards.FieldRenderer, "__call__", counting)
    return seen


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def _cold(data: Path, tmp_path: Path, name: str, **kwargs: Any) -> bytes:
    """The .apkg a build of a copy of `data` writes into an empty folder (lock included)."""
    copy = tmp_path / f"{name}-data"
    shutil.copytree(data, copy)
    build(copy, tmp_path / f"{name}-out", **kwargs)
    return (tmp_path / f"{name}-out" / "mini.apkg").read_bytes()


def _files(*folders: Path) -> dict[Path, tuple[int, bytes]]:
    return {p: (p.stat().st_mtime_ns, p.read_bytes()) for folder in folders for p in folder.rglob("*") if p.is_file()}


# --- the cache gives what a cold build gives ---------------------------------------------------


def test_cached_rebuild_is_byte_identical_to_a_cold_build(mini_data: Path, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    build(mini_data, out)
    _edit(mini_data / "topics" / "01-alpha.yaml", "back: Multi-head attention", "back: Many heads")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(T2))
    result = build(mini_data, out)
    assert [p.name for p in result.written] == ["mini.apkg", LOCK_NAME]
    assert (out / "mini.apkg").read_bytes() == _cold(mini_data, tmp_path, "cold")


def test_parallel_build_equals_serial_build(mini_data: Path, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Both stages in a real process pool (thresholds lowered for the small deck) give the
    bytes a build in this process gives."""
    pools: list[int] = []

    class CountingPool(work.ProcessPoolExecutor):
        def __init__(self, workers: int, **kwargs: Any) -> None:
            pools.append(workers)
            super().__init__(workers, **kwargs)

    monkeypatch.setattr(work, "ProcessPoolExecutor", CountingPool)
    monkeypatch.setattr(work, "PARALLEL_MIN_NOTES", 2)
    monkeypatch.setattr(work, "PARALLEL_MIN_BYTES", 1)
    parallel = _cold(mini_data, tmp_path, "parallel", jobs=2)
    assert pools == [2, 2], "topic files loaded and notes rendered in pools of two workers"
    assert parallel == _cold(mini_data, tmp_path, "serial", jobs=1)
    assert pools == [2, 2]


def test_parallel_render_without_cache_equals_serial(mini_data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from generator.model import load_deck

    monkeypatch.setattr(work, "PARALLEL_MIN_NOTES", 2)
    deck = load_deck(mini_data)
    notes = [note for _, note, _ in deck.notes()]

    def render(jobs: int) -> list[cards.Rendering]:
        media = cards.MediaStore(deck, default_templates_dir())
        return work.Work(None, jobs).renderer(deck, default_templates_dir(), media)(notes)

    assert render(2) == render(1)


# --- editing invalidates exactly what it must ------------------------------------------------------


def test_editing_one_note_renders_only_that_note(mini_data: Path, tmp_path: Path, renders: list[str]) -> None:
    build(mini_data, tmp_path / "out", jobs=1)
    assert sorted(renders) == ["a-basic", "a-cloze", "a-rev", "b-cloze-many", "b-image", "b-table"]
    renders.clear()
    _edit(mini_data / "topics" / "02-beta.yaml", "Which precision holds what?", "Which precision, where?")
    build(mini_data, tmp_path / "out", jobs=1)
    assert renders == ["b-table"]
    renders.clear()
    (tmp_path / "out" / CACHE_DIR / STATE).unlink()  # force the full pipeline: everything is cached
    assert build(mini_data, tmp_path / "out", jobs=1).written == []
    assert renders == []


def test_field_template_edit_rerenders_all_and_css_edit_none(mini_data: Path, tmp_path: Path,
                                                             renders: list[str]) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(default_templates_dir(), templates)
    build(mini_data, tmp_path / "out", templates, jobs=1)
    renders.clear()
    _edit(templates / "fields" / "sources.html.j2", "<ul>", '<ul class="sources">')
    build(mini_data, tmp_path / "out", templates, jobs=1)
    assert len(renders) == 6
    assert 'class="sources"' in _collection_text(tmp_path / "out" / "mini.apkg")
    renders.clear()
    style = templates / "anki" / "style.css"
    style.write_text(style.read_text(encoding="utf-8") + "\n.card { --edited: 1; }\n", encoding="utf-8")
    result = build(mini_data, tmp_path / "out", templates, jobs=1)
    assert renders == []
    assert result.changes.notetypes_changed == ["basic", "reverse", "cloze"]
    assert "--edited: 1" in _collection_text(tmp_path / "out" / "mini.apkg")


def test_media_edit_rerenders_the_note_that_shows_it(mini_data: Path, tmp_path: Path, renders: list[str]) -> None:
    build(mini_data, tmp_path / "out", jobs=1)
    renders.clear()
    dot = mini_data / "media" / "dot.svg"
    dot.write_text(dot.read_text(encoding="utf-8").replace("</svg>", "<!-- v2 --></svg>"), encoding="utf-8")
    build(mini_data, tmp_path / "out", jobs=1)
    assert renders == ["b-image"]
    with zipfile.ZipFile(tmp_path / "out" / "mini.apkg") as archive:
        names = json.loads(archive.read("media")).values()
        assert [archive.read(str(i)) for i in range(len(names))] == [dot.read_bytes()]
    assert (tmp_path / "out" / "mini.apkg").read_bytes() == _cold(mini_data, tmp_path, "cold")


def _collection_text(apkg: Path) -> str:
    with zipfile.ZipFile(apkg) as archive:
        return archive.read("collection.anki2").decode("utf-8", errors="replace")


# --- the cache is never a correctness risk -----------------------------------------------------------


@pytest.mark.parametrize("damage", ["garbage", "truncated", "flipped", "empty", "json"])
def test_damaged_cache_files_are_ignored(damage: str, mini_data: Path, tmp_path: Path, renders: list[str]) -> None:
    out = tmp_path / "out"
    build(mini_data, out, jobs=1)
    cached = [p for p in (out / CACHE_DIR).rglob("*") if p.is_file() and p.name != "CACHEDIR.TAG"]
    assert sorted(p.name for p in cached) == ["state.json", "work.cache"]
    for path in cached:
        data = path.read_bytes()
        path.write_bytes({"garbage": os.urandom(200), "truncated": data[: len(data) // 2],
                          "flipped": data[:-9] + bytes([data[-9] ^ 1]) + data[-8:], "empty": b"",
                          "json": json.dumps({"inputs": "x", "outputs": {}}).encode()}[damage])
    renders.clear()
    result = build(mini_data, out, jobs=1)
    assert len(renders) == 6  # nothing trusted: everything rendered again
    assert result.written == [] and (out / "mini.apkg").read_bytes() == _cold(mini_data, tmp_path, "cold")
    renders.clear()
    assert build(mini_data, out, jobs=1).written == [] and renders == []  # and the cache works again


def test_deleting_the_cache_folder_is_safe(mini_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(mini_data, out)
    before = (out / "mini.apkg").read_bytes()
    shutil.rmtree(out / CACHE_DIR)
    assert build(mini_data, out).written == []
    assert (out / "mini.apkg").read_bytes() == before
    assert (out / CACHE_DIR / STATE).is_file() and (out / CACHE_DIR / "CACHEDIR.TAG").is_file()


def test_a_topic_file_that_is_gone_leaves_the_cache(mini_data: Path, tmp_path: Path, renders: list[str]) -> None:
    build(mini_data, tmp_path / "out", jobs=1)
    cache_file = tmp_path / "out" / CACHE_DIR / "work.cache"
    size = cache_file.stat().st_size
    beta = (mini_data / "topics" / "02-beta.yaml").read_bytes()
    (mini_data / "topics" / "02-beta.yaml").unlink()
    build(mini_data, tmp_path / "out", jobs=1)
    assert cache_file.stat().st_size < size  # its file and notes were dropped
    renders.clear()
    (mini_data / "topics" / "02-beta.yaml").write_bytes(beta)
    build(mini_data, tmp_path / "out", jobs=1)
    assert sorted(renders) == ["b-cloze-many", "b-image", "b-table"]  # so they are rendered again


# --- nothing changed: nothing done ----------------------------------------------------------------


def test_noop_build_skips_the_pipeline_and_touches_no_file(mini_data: Path, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    first = build(mini_data, out)
    files = _files(out, mini_data)

    def fail(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the pipeline ran")

    monkeypatch.setattr(build_module, "prepare", fail)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(T2))  # only new or changed notes take it: no change
    result = build(mini_data, out)
    assert result.written == [] and result.unchanged == [out / "mini.apkg"]
    assert result.note_count == first.note_count == 6
    assert _files(out, mini_data) == files


def test_noop_build_reports_what_a_full_build_reports(mini_data: Path, tmp_path: Path) -> None:
    _edit(mini_data / "topics" / "01-alpha.yaml", "front: MHA\n", "front: " + "MHA " * 30 + "\n")  # a warning
    out = tmp_path / "out"
    build(mini_data, out)
    _edit(mini_data / "topics" / "02-beta.yaml", 'topic: "Beta 二"', 'topic: "Beta 2"')  # moved: warned every build
    build(mini_data, out)
    (out / CACHE_DIR / STATE).unlink()
    full = build(mini_data, out)  # the whole pipeline, with nothing left to write
    noop = build(mini_data, out)
    assert full.deck is not None and noop.deck is None  # the no-op did not even load the data
    assert len(full.warnings) == 1 and full.changes.moved and full.written == []
    for verbosity in (-1, 0, 1):
        assert list(build_report(noop, verbosity)) == list(build_report(full, verbosity))


@pytest.mark.parametrize("change", ["output deleted", "output edited", "template edited", "lock edited"])
def test_noop_build_notices_every_change(change: str, mini_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    templates = tmp_path / "templates"
    shutil.copytree(default_templates_dir(), templates)
    build(mini_data, out, templates)
    apkg = (out / "mini.apkg").read_bytes()
    if change == "output deleted":
        (out / "mini.apkg").unlink()
    elif change == "output edited":
        (out / "mini.apkg").write_bytes(apkg + b"x")
    elif change == "template edited":
        _edit(templates / "anki" / "qa_back.html", "{{Back}}", "{{Back}}<hr>")
    else:
        lock = mini_data / LOCK_NAME
        lock.write_text(lock.read_text(encoding="utf-8").replace(f'"mod": {T1}', f'"mod": {T1 - 1}', 1),
                        encoding="utf-8")
    result = build(mini_data, out, templates)
    assert out / "mini.apkg" in result.written
    if change.startswith("output"):
        assert (out / "mini.apkg").read_bytes() == apkg
    else:
        assert (out / "mini.apkg").read_bytes() != apkg


def test_noop_build_still_rejects_a_bad_source_date_epoch(mini_data: Path, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    build(mini_data, tmp_path / "out")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    with pytest.raises(DataError, match="SOURCE_DATE_EPOCH"):
        build(mini_data, tmp_path / "out")


def test_input_edited_during_a_build_is_built_next_time(mini_data: Path, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    topic = mini_data / "topics" / "01-alpha.yaml"
    real = build_module.write_outputs

    def save_while_building(outputs: Any, lock_dir: Path) -> Any:
        _edit(topic, "back: Multi-head attention", "back: saved during the build")
        return real(outputs, lock_dir)

    monkeypatch.setattr(build_module, "write_outputs", save_while_building)
    build(mini_data, tmp_path / "out")
    monkeypatch.setattr(build_module, "write_outputs", real)
    assert "saved during the build" not in _collection_text(tmp_path / "out" / "mini.apkg")
    result = build(mini_data, tmp_path / "out")  # not mistaken for a no-op
    assert "saved during the build" in _collection_text(tmp_path / "out" / "mini.apkg")
    assert result.changes.changed == ["a-rev"]


# --- pieces ----------------------------------------------------------------------------------------


def test_tool_fingerprint_knows_the_library_versions() -> None:
    from generator.cache import LIBRARIES, _library_versions

    versions = _library_versions()
    assert len(versions) == len(LIBRARIES) and not [v for v in versions if v.endswith("-missing")]
    assert len(tool_fingerprint()) == 64


def test_cache_of_a_folder_that_cannot_be_written_does_not_fail_the_build(mini_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / CACHE_DIR).write_text("a file where the cache folder would go", encoding="utf-8")
    assert [p.name for p in build(mini_data, out).written] == ["mini.apkg", LOCK_NAME]
    BuildCache(out).save(None)  # nothing raised


_names = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)


@settings(max_examples=200, deadline=None)
@given(notes=st.dictionaries(_names, st.tuples(_names, st.integers(0, 2**40), _names), max_size=6),
       types=st.dictionaries(_names, st.tuples(_names, st.lists(_names, max_size=3)), max_size=3))
def test_lock_text_is_exactly_indented_json(notes: dict[str, Any], types: dict[str, Any]) -> None:
    lock = Lock({k: Stamp(h, m, d) for k, (h, m, d) in notes.items()},
                {k: Stamp(h, 7, schema=tuple(s)) for k, (h, s) in types.items()})
    data = {"version": 1,
            "notetypes": {k: {"hash": s.hash, "mod": s.mod, "schema": list(s.schema)}
                          for k, s in sorted(lock.notetypes.items())},
            "notes": {k: {"hash": s.hash, "mod": s.mod, "deck": s.deck} for k, s in sorted(lock.notes.items())}}
    assert lock.dumps() == json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def test_progress_follows_a_long_build(mini_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(work, "PROGRESS_MIN_NOTES", 0)
    calls: list[tuple[int, int]] = []
    build(mini_data, tmp_path / "out", progress=lambda done, total: calls.append((done, total)), jobs=1)
    assert calls == [(done, 6) for done in range(1, 7)]


def test_progress_bar_draws_then_clears_its_line() -> None:
    stream = io.StringIO()
    ticks = iter([0.0, 0.05, 1.0, 2.0])
    bar = ProgressBar(stream, clock=lambda: next(ticks))
    bar(1, 4)
    bar(2, 4)  # too soon: not redrawn
    bar(3, 4)
    bar(4, 4)
    lines = stream.getvalue().split("\r")
    assert lines[1].endswith(" 25%") and lines[2].endswith(" 75%") and "#" in lines[2]
    assert lines[-2].strip() == "" and lines[-1] == ""
