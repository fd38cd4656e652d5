"""Concurrency, interruption and fuzzing: the build never corrupts, never crashes with a traceback."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from anki_helpers import import_apkg, new_collection
from generator.build import build
from generator.errors import CardsmithError, DataError, InterruptedAfterWrite
from generator.model import load_deck

ROOT = Path(__file__).resolve().parent.parent


def _big_deck(folder: Path, notes: int, marker: str) -> Path:
    """A deck large enough that a build takes a noticeable time."""
    (folder / "topics").mkdir(parents=True)
    (folder / "deck.yaml").write_text("name: Big\nnamespace: big\n", encoding="utf-8")
    body = "".join(
        f"  - id: n{i}\n    front: |\n      Question {i} {marker}?\n    back: |\n      Answer with `code` and $x_{{{i}}}$\n\n"
        f"      ```python\n      def f{i}(x):\n          return x + {i}\n      ```\n    advice: true\n"
        for i in range(notes))
    (folder / "topics" / "01-big.yaml").write_text("topic: Big\nnotes:\n" + body, encoding="utf-8")
    return folder


def _cli(*args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "generator", *args], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_two_builds_into_one_folder_never_corrupt(tmp_path: Path) -> None:
    a = _big_deck(tmp_path / "a", 800, "A")
    b = _big_deck(tmp_path / "b", 800, "B")
    solo = {}
    for name, data in (("a", a), ("b", b)):
        build(data, tmp_path / f"solo-{name}")
        solo[name] = (tmp_path / f"solo-{name}" / "big.apkg").read_bytes()
    out = tmp_path / "shared"
    procs = [_cli("build", "--data", str(d), "--out", str(out)) for d in (a, b)]
    for proc in procs:
        assert proc.wait(timeout=120) == 0, proc.stderr.read() if proc.stderr else ""
    final = (out / "big.apkg").read_bytes()
    assert final in (solo["a"], solo["b"])  # one complete deck, never a mix
    with zipfile.ZipFile(out / "big.apkg") as archive:
        assert archive.testzip() is None
    assert not list(out.glob(".cardsmith-*"))


def _wait_until_building(proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    """Block until the child is inside the build command: it has loaded libyaml's binding, which
    only the build's load stage imports (so Ctrl-C now lands in our code, not in interpreter
    start-up)."""
    deadline = time.monotonic() + timeout
    maps = Path(f"/proc/{proc.pid}/maps")
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if "/_yaml." in maps.read_text():
                return
        except OSError:
            pass
        time.sleep(0.01)


def test_ctrl_c_leaves_previous_outputs_intact(tmp_path: Path) -> None:
    data = _big_deck(tmp_path / "data", 3000, "v1")
    out = tmp_path / "out"
    build(data, out)
    old = ((out / "big.apkg").read_bytes(), (data / "cardsmith.lock").read_bytes())
    topic = data / "topics" / "01-big.yaml"
    topic.write_text(topic.read_text(encoding="utf-8").replace("v1?", "v2?"), encoding="utf-8")
    interrupted = 0
    for delay in (0.0, 0.3, 0.6, 1.0):
        proc = _cli("build", "--data", str(data), "--out", str(out))
        _wait_until_building(proc)
        time.sleep(delay)
        proc.send_signal(signal.SIGINT)
        code = proc.wait(timeout=120)
        stderr = proc.stderr.read().decode() if proc.stderr else ""
        assert "Traceback" not in stderr, stderr
        assert not [p for p in list(out.iterdir()) + list(data.iterdir()) if p.name.startswith(".cardsmith-")]
        if code == 0:
            break  # finished before the signal: the new outputs are complete
        assert code == 130
        if "interrupted after the new outputs were written in full" in stderr:
            new = ((out / "big.apkg").read_bytes(), (data / "cardsmith.lock").read_bytes())
            assert new[0] != old[0] and new[1] != old[1]  # the signal came after the commit point
            assert zipfile.ZipFile(out / "big.apkg").testzip() is None
            break
        assert "interrupted; previous outputs are untouched" in stderr
        interrupted += 1
        assert ((out / "big.apkg").read_bytes(), (data / "cardsmith.lock").read_bytes()) == old
    assert interrupted >= 1, "no run was interrupted mid-build; raise the deck size"


def test_ctrl_c_during_renames_is_held_until_the_set_is_complete(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from generator import output

    first, second = tmp_path / "a.apkg", tmp_path / "b.lock"
    output.write_outputs({first: b"old a", second: b"old b"}, tmp_path)
    real_replace = output.os.replace

    def replace_then_ctrl_c(src: str, dst: Path) -> None:
        real_replace(src, dst)
        if dst == first:
            os.kill(os.getpid(), signal.SIGINT)  # arrives between the two renames

    monkeypatch.setattr(output.os, "replace", replace_then_ctrl_c)
    with pytest.raises(InterruptedAfterWrite):  # so the CLI says the outputs are the new ones
        output.write_outputs({first: b"new a", second: b"new b"}, tmp_path)
    assert (first.read_bytes(), second.read_bytes()) == (b"new a", b"new b")  # never half old, half new


# --- fuzzing -------------------------------------------------------------------------------

_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=30))
_documents = st.recursive(
    _scalars,
    lambda children: st.one_of(st.lists(children, max_size=4),
                               st.dictionaries(st.one_of(st.sampled_from(["topic", "notes", "id", "front", "back",
                                                                          "kind", "text", "sources", "tags"]),
                                                         st.text(max_size=8)), children, max_size=5)),
    max_leaves=25)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(document=_documents)
def test_arbitrary_yaml_documents_raise_only_our_errors(document: object, mini_data: Path) -> None:
    (mini_data / "topics" / "05-fuzz.yaml").write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    try:
        load_deck(mini_data)
    except DataError as exc:
        assert exc.problems and all(p.message for p in exc.problems)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_arbitrary_bytes_raise_only_our_errors(raw: bytes, mini_data: Path) -> None:
    (mini_data / "topics" / "05-fuzz.yaml").write_bytes(raw)
    try:
        load_deck(mini_data)
    except DataError as exc:
        assert exc.problems


def _field_text(size: int) -> st.SearchStrategy[str]:
    """Any Unicode, weighted towards text an author could type (control characters are a lint error)."""
    typed = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=size)
    return st.one_of(typed, typed, st.text(min_size=1, max_size=size))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(front=_field_text(80), back=_field_text(200), cloze=_field_text(60))
def test_arbitrary_field_text_builds_and_imports_without_empty_cards(front: str, back: str, cloze: str,
                                                                     tmp_path_factory: pytest.TempPathFactory) -> None:
    work = tmp_path_factory.mktemp("fuzz")
    shutil.copytree(ROOT / "tests" / "fixtures" / "mini", work / "data")
    note = {"topic": "Fuzz", "notes": [
        {"id": "f-basic", "front": front, "back": back, "advice": True},
        {"id": "f-cloze", "kind": "cloze", "text": "{{c1::" + cloze + "}} tail", "advice": True},
    ]}
    (work / "data" / "topics" / "05-fuzz.yaml").write_text(yaml.safe_dump(note, allow_unicode=True), encoding="utf-8")
    try:
        result = build(work / "data", work / "out")
    except CardsmithError:
        return
    col = new_collection(work / "anki")
    log = import_apkg(col, next(p for p in result.written if p.suffix == ".apkg"))
    assert len(log.new) == result.note_count
    assert col.get_empty_cards().notes == []
    for card_id in col.find_cards("Id:f-*"):
        out = col.get_card(card_id).render_output()
        assert out.question_text.strip() and out.answer_text.strip()
    col.close()
