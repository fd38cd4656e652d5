"""Issue 14 §6, never a traceback: faults of the machine, staged for real, each end in one
specific line, exit 1, with the previous outputs and the lock byte-identical and no temp file.

Read-only and full file systems are a read-only bind mount or a tiny tmpfs in a private mount
namespace (`unshare -m`); permission faults run the command with the capabilities that let
root ignore file modes dropped (`setpriv`). CI runs as root; elsewhere these tests skip.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest
from click.testing import CliRunner

from generator.cli import main
from generator.errors import describe

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
TIMEOUT = 120
# setpriv: root without CAP_DAC_OVERRIDE / CAP_DAC_READ_SEARCH obeys file modes like anyone else
NO_DAC = ["setpriv", "--inh-caps=-dac_override,-dac_read_search",
          "--bounding-set=-dac_override,-dac_read_search"]

# Run inside the staged environment: snapshot the folders, run cardsmith, snapshot again.
_STAGE = """
import hashlib, json, os, subprocess, sys
spec = json.loads(sys.argv[1])
def snap():
    files = {}
    for folder in spec["folders"]:
        for root, dirs, names in os.walk(folder):
            for name in names:
                path = os.path.join(root, name)
                try:
                    with open(path, "rb") as handle:
                        files[path] = hashlib.sha256(handle.read()).hexdigest()
                except OSError as exc:
                    files[path] = "unreadable"
    return files
before = snap()
run = subprocess.run([sys.executable, "-m", "generator", *spec["args"]], capture_output=True, text=True,
                     errors="backslashreplace")
print(json.dumps({"code": run.returncode, "stdout": run.stdout, "stderr": run.stderr,
                  "before": before, "after": snap()}))
"""


@dataclass(frozen=True)
class Run:
    code: int
    stdout: str
    stderr: str
    before: dict[str, str]
    after: dict[str, str]


def _works(*command: str) -> bool:
    try:
        return subprocess.run([*command, "true"], capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


needs_mounts = pytest.mark.skipif(not _works("unshare", "-m"), reason="needs a private mount namespace "
                                  "(root, as on CI)")
needs_caps = pytest.mark.skipif(os.geteuid() != 0 or not _works(*NO_DAC), reason="needs root and setpriv "
                                "to drop CAP_DAC_OVERRIDE (as on CI)")


@pytest.fixture
def deck(tmp_path: Path) -> tuple[Path, Path]:
    """A built copy of the mini deck (data/, out/) with one note edited since: the next build
    has to write the deck and the lock."""
    data, out = tmp_path / "deck" / "data", tmp_path / "deck" / "out"
    shutil.copytree(FIXTURES / "mini", data)
    result = CliRunner().invoke(main, ["build", "--data", str(data), "--out", str(out)])
    assert result.exit_code == 0, result.output
    topic = data / "topics" / "01-alpha.yaml"
    topic.write_text(topic.read_text(encoding="utf-8").replace("What is", "Which is"), encoding="utf-8")
    return data, out


def _staged(tmp_path: Path, wrapper: list[str], setup: str, args: list[str], folders: list[Path]) -> Run:
    """Run `cardsmith args` after the shell commands `setup`, under `wrapper` (e.g. a new mount
    namespace), snapshotting `folders` before and after, from inside."""
    script = tmp_path / "stage.py"
    script.write_text(_STAGE, encoding="utf-8")
    spec = json.dumps({"args": args, "folders": [str(f) for f in folders]})
    command = [*wrapper, "sh", "-euc", f'{setup}\nexec "$@"', "sh", sys.executable, str(script), spec]
    proc = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT)
    assert proc.returncode == 0, proc.stderr
    return Run(**json.loads(proc.stdout))


def _assert_one_specific_line(run: Run, *phrases: str) -> None:
    """Exit 1; one line that says what went wrong (never the last-resort net's); nothing changed
    and no temp file left."""
    assert run.code == 1, (run.stdout, run.stderr)
    assert "Traceback" not in run.stderr + run.stdout
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("cardsmith: ") and "internal error" not in lines[0], lines
    assert all(phrase in lines[0] for phrase in phrases), (phrases, lines[0])
    assert run.after == run.before
    assert not [path for path in run.after if os.path.basename(path).startswith(".cardsmith-")]


# --- read-only and full file systems ---------------------------------------------------------


def _read_only(folder: Path) -> str:
    return f"mount --bind '{folder}' '{folder}'\nmount -o remount,bind,ro '{folder}'"


def _full(folder: Path, size: str = "64k") -> str:
    """A tiny tmpfs over `folder`, holding what it held, then filled to the last byte."""
    return (f"cp -a '{folder}' '{folder}.saved'\nmount -t tmpfs -o size={size} tmpfs '{folder}'\n"
            f"cp -a '{folder}.saved/.' '{folder}/'\nhead -c 1M /dev/zero > '{folder}/filler' || true")


@needs_mounts
@pytest.mark.parametrize("command", ["build", "preview"])
def test_read_only_output_folder(command: str, deck: tuple[Path, Path], tmp_path: Path) -> None:
    data, out = deck
    target = out if command == "build" else out / "preview"
    run = _staged(tmp_path, ["unshare", "-m"], _read_only(out), [command, "--data", str(data), "--out", str(target)],
                  [out, data])
    what = "cannot write" if command == "build" else "cannot use output folder"
    _assert_one_specific_line(run, what, "the file system is read-only (choose a writable folder)")


@needs_mounts
def test_read_only_data_folder_keeps_the_lock_and_the_deck(deck: tuple[Path, Path], tmp_path: Path) -> None:
    data, out = deck
    run = _staged(tmp_path, ["unshare", "-m"], _read_only(data), ["build", "--data", str(data), "--out", str(out)],
                  [out, data])
    _assert_one_specific_line(run, "cannot write", "cardsmith.lock", "read-only", "previous outputs are untouched")


@needs_mounts
@pytest.mark.parametrize("which", ["out", "data"])
def test_full_disk(which: str, deck: tuple[Path, Path], tmp_path: Path) -> None:
    data, out = deck
    folder = out if which == "out" else data
    run = _staged(tmp_path, ["unshare", "-m"], _full(folder), ["build", "--data", str(data), "--out", str(out)],
                  [out, data])
    written = "mini.apkg" if which == "out" else "cardsmith.lock"
    _assert_one_specific_line(run, "cannot write", written, "no space left on the device")


@needs_mounts
def test_full_disk_in_a_user_namespace_too(deck: tuple[Path, Path], tmp_path: Path) -> None:
    """The same fault staged without root's own mount rights (`unshare -rm`), as a user could."""
    if not _works("unshare", "-rm"):
        pytest.skip("user namespaces are not available")
    data, out = deck
    run = _staged(tmp_path, ["unshare", "-rm"], _full(out), ["build", "--data", str(data), "--out", str(out)],
                  [out, data])
    _assert_one_specific_line(run, "cannot write", "no space left on the device")


# --- permissions ------------------------------------------------------------------------------


@needs_caps
@pytest.mark.parametrize("case", ["out-not-writable", "out-not-readable", "data-not-writable",
                                  "topics-not-readable", "media-file-not-readable", "preview-not-writable",
                                  "check-topics-not-readable"])
def test_permission_denied(case: str, deck: tuple[Path, Path], tmp_path: Path) -> None:
    data, out = deck
    chmod, args, phrases = {
        "out-not-writable": (f"chmod 555 '{out}'", ["build"], ["cannot write", "mini.apkg"]),
        "out-not-readable": (f"chmod 000 '{out}'", ["build"], ["cannot use output folder"]),
        "data-not-writable": (f"chmod 555 '{data}'", ["build"], ["cannot write", "cardsmith.lock"]),
        "topics-not-readable": (f"chmod 000 '{data}/topics'", ["build"], ["cannot access", "topics"]),
        "media-file-not-readable": (f"chmod 000 '{data}/media/dot.svg'", ["build"], ["cannot access", "dot.svg"]),
        "preview-not-writable": (f"mkdir '{out}/preview' && chmod 555 '{out}/preview'",
                                 ["preview", "--out", str(out / "preview")], ["cannot write"]),
        "check-topics-not-readable": (f"chmod 000 '{data}/topics'", ["check"], ["cannot access", "topics"]),
    }[case]
    if "--out" not in args and args[0] != "check":
        args += ["--out", str(out)]
    subprocess.run(["sh", "-c", chmod], check=True)
    try:
        run = _staged(tmp_path, NO_DAC, "true", [args[0], "--data", str(data), *args[1:]], [out, data])
    finally:
        subprocess.run(["chmod", "-R", "u+rwX", str(out), str(data)], check=True)
    _assert_one_specific_line(run, *phrases, "permission denied (check the folder's owner and permissions)")


@needs_caps
def test_unreadable_data_file_is_a_located_problem(deck: tuple[Path, Path], tmp_path: Path) -> None:
    data, out = deck
    (data / "topics" / "02-beta.yaml").chmod(0)
    try:
        run = _staged(tmp_path, NO_DAC, "true", ["build", "--data", str(data), "--out", str(out)], [out])
    finally:
        (data / "topics" / "02-beta.yaml").chmod(0o644)
    assert run.code == 1 and "Traceback" not in run.stderr and run.after == run.before
    assert run.stderr.splitlines()[0].endswith("02-beta.yaml: cannot read file: Permission denied")


@needs_caps
@pytest.mark.parametrize("unreadable", ["templates/fields", "templates/anki/style.css"])
def test_unreadable_theme_file_is_not_skipped_in_silence(unreadable: str, deck: tuple[Path, Path],
                                                         tmp_path: Path) -> None:
    data, out = deck
    theme = data.parent / "templates"
    (theme / "fields").mkdir(parents=True)
    (theme / "fields" / "front.html.j2").write_text("<b>{{ html }}</b>\n", encoding="utf-8")
    (theme / "anki").mkdir()
    (theme / "anki" / "style.css").write_text(".card { color: red }\n", encoding="utf-8")
    (data.parent / unreadable).chmod(0)
    try:
        run = _staged(tmp_path, NO_DAC, "true", ["build", "--data", str(data), "--out", str(out)], [out, data])
    finally:
        (data.parent / unreadable).chmod(0o755)
    assert run.code == 1 and "Traceback" not in run.stderr and run.after == run.before
    what = "folder" if unreadable.endswith("fields") else "file"
    assert f"{unreadable}: cannot read theme {what}: permission denied" in run.stderr, run.stderr


# --- --out that cannot be a folder ------------------------------------------------------------


@pytest.mark.parametrize("command", ["build", "preview", "schema", "init"])
@pytest.mark.parametrize("kind", ["file", "dangling-symlink", "symlink-loop", "below-a-file",
                                  "below-a-dangling-symlink", "symlink-to-file"])
def test_out_that_cannot_be_a_folder(kind: str, command: str, deck: tuple[Path, Path], tmp_path: Path) -> None:
    data, out = deck
    spot = tmp_path / "spot"
    a_file = tmp_path / "a-file"
    a_file.write_text("mine\n", encoding="utf-8")
    target, phrase = {
        "file": (a_file, "is a file, not a folder"),
        "dangling-symlink": (spot, "is a symlink to"),
        "symlink-loop": (spot, "too many levels of symbolic links"),
        "below-a-file": (a_file / "sub", "is a file, not a folder"),
        "below-a-dangling-symlink": (spot / "sub", "which does not exist"),
        "symlink-to-file": (spot, "is a file, not a folder"),
    }[kind]
    if kind in ("dangling-symlink", "below-a-dangling-symlink"):
        spot.symlink_to(tmp_path / "nowhere" / "x")
    elif kind == "symlink-loop":
        spot.symlink_to(spot)
    elif kind == "symlink-to-file":
        spot.symlink_to(a_file)
    before = {p: p.read_bytes() for p in [*out.rglob("*"), *data.rglob("*")] if p.is_file()}
    args = {"init": ["init", str(target)], "schema": ["schema", "--out", str(target)]}.get(
        command, [command, "--data", str(data), "--out", str(target)])
    result = CliRunner().invoke(main, args)
    lines = result.output.strip().splitlines()
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    option = "FOLDER" if command == "init" else "--out"
    assert len(lines) == 1 and lines[0].startswith(f"cardsmith: {option} ") and phrase in lines[0], lines
    assert a_file.read_text(encoding="utf-8") == "mine\n"
    assert {p: p.read_bytes() for p in [*out.rglob("*"), *data.rglob("*")] if p.is_file()} == before
    assert not (tmp_path / "nowhere").exists()


def test_a_folder_where_an_output_goes_stops_the_set_before_any_rename(tmp_path: Path) -> None:
    from generator.errors import OutputError
    from generator.output import write_outputs

    first, second = tmp_path / "a.apkg", tmp_path / "b.lock"
    write_outputs({first: b"old a"}, tmp_path)
    second.mkdir()
    with pytest.raises(OutputError, match="a folder stands where a file is expected"):
        write_outputs({first: b"new a", second: b"new b"}, tmp_path)
    assert first.read_bytes() == b"old a" and second.is_dir()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.apkg", "b.lock"]


def test_a_file_where_an_output_folder_goes_is_named(tmp_path: Path) -> None:
    from generator.errors import OutputError
    from generator.output import write_outputs

    (tmp_path / "exercises").write_text("mine\n", encoding="utf-8")
    with pytest.raises(OutputError) as caught:
        write_outputs({tmp_path / "deck.apkg": b"x", tmp_path / "exercises" / "a.py": b"y"}, tmp_path)
    assert "a file stands where a folder is expected" in str(caught.value)
    assert f"('{tmp_path / 'exercises'}')" in str(caught.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exercises"]


def test_a_template_error_in_a_worker_is_located(tmp_path: Path) -> None:
    """A theme template that fails while the pool renders: the worker's traceback is text by
    then, and still names the template's line."""
    data = _big_deck(tmp_path / "deck" / "data", 500, "x")
    fields = tmp_path / "deck" / "templates" / "fields"
    fields.mkdir(parents=True)
    (fields / "front.html.j2").write_text("{{ html }}\n{{ typo }}\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["build", "--data", str(data), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[0].endswith(
        "templates/fields/front.html.j2:2: 'typo' is undefined (a name the template uses has no value)")


def test_special_files_never_hang_the_build(deck: tuple[Path, Path]) -> None:
    """A FIFO or a link to /dev/zero among the sources: reading one would never end. In data/
    they are not read (nothing refers to them); in the theme they are located problems."""
    data, out = deck
    os.mkfifo(data / "media" / "pipe")
    (data / "media" / "zero").symlink_to("/dev/zero")
    args = [sys.executable, "-m", "generator", "build", "--data", str(data), "--out", str(out)]
    run = subprocess.run(args, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    theme = data.parent / "templates" / "anki"
    theme.mkdir(parents=True)
    os.mkfifo(theme / "style.css")
    (theme / "highlight.css").symlink_to("/dev/zero")
    run = subprocess.run(args, capture_output=True, text=True, timeout=60)
    lines = run.stderr.strip().splitlines()
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert [line.split("templates/", 1)[1] for line in lines[:-1]] == [
        "anki/highlight.css: theme file is not a regular file (replace it with the file, or remove it to use "
        "the default theme's)",
        "anki/style.css: theme file is not a regular file (replace it with the file, or remove it to use the "
        "default theme's)"]


# --- input mistakes are collected with the others ---------------------------------------------


def test_diagram_and_note_problems_are_reported_together(deck: tuple[Path, Path]) -> None:
    data, out = deck
    (data / "diagrams.yaml").write_text(
        "diagrams:\n  - id: fine\n    template: kv_heads.svg.j2\n    params:\n      title: T\n      query_heads: 2\n"
        "      variants: [{name: X, kv_heads: 1, note: n}]\n"
        "  - id: broken\n    template: kv_heads.svg.j2\n    params:\n      title: T\n      variants: []\n"
        "  - id: gone\n    template: nope.svg.j2\n", encoding="utf-8")
    (data / "topics" / "03-more.yaml").write_text(
        "topic: More\nnotes:\n  - id: uses-broken\n    front: q\n    back: '![d](diagram:broken)'\n    advice: true\n"
        "  - id: no-image\n    front: q\n    back: '![x](media/nope.png)'\n    advice: true\n"
        "  - id: uses-fine\n    front: q\n    back: '![d](diagram:fine)'\n    advice: true\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["build", "--data", str(data), "--out", str(out)])
    assert result.exit_code == 1, result.output
    text = result.output
    assert "diagrams.yaml:10: diagram 'broken': 'query_heads' is undefined" in text
    assert "diagrams.yaml:14: diagram 'gone': template 'nope.svg.j2' not found" in text
    assert "03-more.yaml:3: note 'uses-broken': diagram 'broken' cannot be drawn (see " in text
    assert "03-more.yaml:7: note 'no-image': image 'media/nope.png' not found" in text
    assert "uses-fine" not in text and "'fine'" not in text


def test_theme_and_data_problems_are_reported_together(deck: tuple[Path, Path]) -> None:
    data, out = deck
    theme = data.parent / "templates"
    (theme / "fields").mkdir(parents=True)
    (theme / "fields" / "front.html.j2").write_text("{% if %}\n", encoding="utf-8")
    (theme / "anki").mkdir()
    (theme / "anki" / "highlight.css").symlink_to(theme / "gone.css")
    (data / "topics" / "03-bad.yaml").write_text("topic: [Bad\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["build", "--data", str(data), "--out", str(out)])
    lines = result.output.strip().splitlines()
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert any("front.html.j2:1: Jinja syntax error" in line for line in lines), lines
    assert any("highlight.css: theme file is a symlink to" in line for line in lines), lines
    assert any("03-bad.yaml:2: YAML syntax error" in line for line in lines), lines
    assert lines[-1] == "cardsmith: 3 problem(s); nothing was written"


# --- SIGTERM is Ctrl-C -------------------------------------------------------------------------


def _big_deck(folder: Path, notes: int, marker: str) -> Path:
    """Enough notes that the build renders them in a process pool, for a noticeable time."""
    (folder / "topics").mkdir(parents=True)
    (folder / "deck.yaml").write_text("name: Big\nnamespace: big\n", encoding="utf-8")
    body = "".join(f"  - id: n{i}\n    front: |\n      Question {i} {marker}?\n    back: |\n      Answer $x_{{{i}}}$\n\n"
                   f"      ```python\n      def f{i}(x):\n          return x + {i}\n      ```\n    advice: true\n"
                   for i in range(notes))
    (folder / "topics" / "01-big.yaml").write_text("topic: Big\nnotes:\n" + body, encoding="utf-8")
    return folder


def _children(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []


def _snapshot(*folders: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for folder in folders for p in folder.rglob("*") if p.is_file()
            and ".cache" not in p.parts}


@pytest.mark.parametrize("to", ["process", "process-group"])
def test_sigterm_is_handled_like_ctrl_c(to: str, tmp_path: Path) -> None:
    """SIGTERM (kill, systemd, docker stop) while the pool renders: a message, exit 130, the
    previous outputs intact, no temp file, and no worker traceback, whether the signal goes to
    the build alone or to its whole process group."""
    data = _big_deck(tmp_path / "data", 3000, "v1")
    out = tmp_path / "out"
    assert CliRunner().invoke(main, ["build", "--data", str(data), "--out", str(out)]).exit_code == 0
    topic = data / "topics" / "01-big.yaml"
    topic.write_text(topic.read_text(encoding="utf-8").replace("v1?", "v2?"), encoding="utf-8")
    old = _snapshot(out, data)
    proc = subprocess.Popen([sys.executable, "-m", "generator", "build", "--data", str(data), "--out", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.monotonic() + TIMEOUT
    while not _children(proc.pid) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)  # until the pool has started: the workers are rendering
    assert proc.poll() is None, "the build ended before its pool started"
    if to == "process":
        proc.send_signal(signal.SIGTERM)
    else:
        os.killpg(proc.pid, signal.SIGTERM)
    stdout, stderr = proc.communicate(timeout=TIMEOUT)
    assert "Traceback" not in stderr, stderr
    assert proc.returncode == 130, (proc.returncode, stderr)
    assert stderr.strip().splitlines() == ["cardsmith: interrupted; previous outputs are untouched"]
    assert _snapshot(out, data) == old
    assert not [p for p in [*out.rglob("*"), *data.rglob("*")] if p.name.startswith(".cardsmith-")]


# --- --watch keeps watching ----------------------------------------------------------------------


class _Watch:
    """`cardsmith build --watch` in a subprocess (under `wrapper`), its output lines awaited."""

    def __init__(self, args: list[str], wrapper: list[str]) -> None:
        import queue
        import threading

        self.proc = subprocess.Popen([*wrapper, sys.executable, "-m", "generator", *args], text=True,
                                     errors="backslashreplace", stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"})
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))

    def wait_for(self, *phrases: str) -> str:
        import queue

        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.2)
            except queue.Empty:
                continue
            self.seen.append(line)
            if all(phrase in line for phrase in phrases):
                return line
        raise AssertionError(f"timed out waiting for {phrases}; output so far: {self.seen}")


@pytest.fixture
def watching() -> Iterator[list[_Watch]]:
    started: list[_Watch] = []
    yield started
    for w in started:
        if w.proc.poll() is None:
            w.proc.kill()
            w.proc.wait()


@needs_caps
def test_watch_keeps_watching_through_every_kind(deck: tuple[Path, Path], watching: list[_Watch]) -> None:
    data, out = deck
    fields = data.parent / "templates" / "fields"  # the deck's own theme overrides: watched too
    fields.mkdir(parents=True)
    (fields / "front.html.j2").write_text("{{ html }}\n", encoding="utf-8")
    w = _Watch(["build", "--watch", "--data", str(data), "--out", str(out)], NO_DAC)
    watching.append(w)
    w.wait_for("watching ", "templates")
    topic = data / "topics" / "01-alpha.yaml"
    good = topic.read_text(encoding="utf-8")

    out.chmod(0o555)  # permission denied
    topic.write_text(good.replace("Which is", "What's"), encoding="utf-8")
    w.wait_for("01-alpha.yaml", "cannot write", "permission denied")
    out.chmod(0o755)
    topic.write_text(good, encoding="utf-8")
    w.wait_for("01-alpha.yaml", "notes (")

    odd = data / "media" / os.fsdecode(b"odd-\xff.png")  # a name watchfiles itself cannot decode
    odd.write_bytes(b"x")
    w.wait_for("odd-\\xff.png: file or folder name is not valid UTF-8")
    odd.unlink()
    w.wait_for("notes (")

    (data / "diagrams.yaml").write_text("diagrams:\n  - id: d\n    template: nope.svg.j2\n", encoding="utf-8")
    w.wait_for("diagrams.yaml:3: diagram 'd': template 'nope.svg.j2' not found")
    (data / "diagrams.yaml").unlink()
    w.wait_for("diagrams.yaml", "notes (")

    (fields / "front.html.j2").write_text("{{ html }}\n{% if %}\n", encoding="utf-8")
    w.wait_for("front.html.j2:2: Jinja syntax error")
    (fields / "front.html.j2").write_text("{{ html }}\n", encoding="utf-8")
    w.wait_for("front.html.j2", "notes (")

    assert w.proc.poll() is None, "every fault must leave the watch running"
    w.proc.send_signal(signal.SIGTERM)
    assert w.proc.wait(TIMEOUT) == 0
    w.wait_for("stopped watching")
    assert "Traceback" not in "\n".join(w.seen) and "internal error" not in "\n".join(w.seen)


def test_a_reader_that_closes_the_pipe(deck: tuple[Path, Path]) -> None:
    """`cardsmith build | head -0`: one line saying so, exit 1, no traceback, no 'Exception
    ignored' from Python's own exit."""
    data, out = deck
    proc = subprocess.Popen([sys.executable, "-m", "generator", "build", "--data", str(data), "--out", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    stderr = proc.stderr.read()
    assert proc.wait(TIMEOUT) == 1
    assert stderr.strip().splitlines() == ["cardsmith: the report was cut short (the program reading it "
                                           "closed the pipe)"]


@needs_mounts
@pytest.mark.parametrize("fault", ["read-only", "full"])
def test_watch_keeps_watching_a_folder_it_cannot_write(fault: str, deck: tuple[Path, Path],
                                                      watching: list[_Watch]) -> None:
    data, out = deck
    setup = _read_only(out) if fault == "read-only" else _full(out)
    w = _Watch(["build", "--watch", "--data", str(data), "--out", str(out)],
               ["unshare", "-m", "sh", "-euc", f'{setup}\nexec "$@"', "sh"])
    watching.append(w)
    why = "the file system is read-only" if fault == "read-only" else "no space left on the device"
    w.wait_for("start: cannot write", why)
    w.wait_for("watching ")
    topic = data / "topics" / "02-beta.yaml"
    topic.write_text(topic.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    w.wait_for("02-beta.yaml: cannot write", why)
    assert w.proc.poll() is None
    w.proc.send_signal(signal.SIGINT)
    assert w.proc.wait(TIMEOUT) == 0
    assert "Traceback" not in "\n".join(w.seen)


# --- the last-resort net ----------------------------------------------------------------------


def test_the_net_names_the_exception_and_where_to_report_it() -> None:
    try:
        {}["missing"]
    except KeyError as exc:
        lines, code = describe(exc)
    assert code == 1 and len(lines) == 1
    assert lines[0].startswith("cardsmith: internal error: KeyError at test_environment.py:")
    assert "this is a bug in cardsmith, please report it to the cardsmith maintainers" in lines[0]


@pytest.mark.parametrize("exc", [PermissionError(13, "Permission denied", "x"), OSError(28, "No space left", "x"),
                                 OSError(30, "Read-only file system", "x"), MemoryError(), KeyboardInterrupt()])
def test_environment_faults_never_reach_the_net(exc: BaseException) -> None:
    lines, code = describe(exc)
    assert "internal error" not in lines[-1] and code in (1, 130)
