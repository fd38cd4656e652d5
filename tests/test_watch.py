"""`--watch`: a save under data/ or templates/ triggers one rebuild; problems never end the watch."""

from __future__ import annotations

import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Callable, Iterator

import pytest
from click.testing import CliRunner

from generator.cli import main
from generator.watch import rebuild_line, watch

TIMEOUT = 20.0  # seconds; a rebuild of the mini deck takes well under one


def test_watch_calls_back_on_save_and_ignores_its_own_outputs(mini_data: Path) -> None:
    calls: queue.Queue[tuple[Path, ...]] = queue.Queue()
    stop, ready = threading.Event(), threading.Event()
    thread = threading.Thread(target=watch, args=([mini_data], calls.put),
                              kwargs={"stop_event": stop, "on_ready": ready.set, "debounce_ms": 50})
    thread.start()
    try:
        assert ready.wait(TIMEOUT)
        (mini_data / "cardsmith.lock").write_text("{}", encoding="utf-8")  # what a build writes
        (mini_data / ".cardsmith-x.tmp").write_text("", encoding="utf-8")
        time.sleep(0.5)
        assert calls.empty()
        topic = mini_data / "topics" / "01-alpha.yaml"
        topic.write_text(topic.read_text(encoding="utf-8") + "\n", encoding="utf-8")
        assert calls.get(timeout=TIMEOUT) == (topic,)
    finally:
        stop.set()
        thread.join(TIMEOUT)
    assert not thread.is_alive()


def test_rebuild_line() -> None:
    line = rebuild_line((Path("data/a.yaml"), Path("data/b.yaml")), "ok", clock=lambda: 0.0)
    assert line.endswith("] data/a.yaml and 1 more: ok") and line.startswith("[")
    assert rebuild_line((), "ok").endswith("] start: ok")


class _Process:
    """A `cardsmith … --watch` subprocess whose output lines can be awaited."""

    def __init__(self, args: list[str], cwd: Path) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "generator", *args], cwd=cwd, text=True,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, bufsize=1,
                                     env={**os.environ, "PYTHONUNBUFFERED": "1"})
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))

    def wait_for(self, wanted: Callable[[str], bool]) -> str:
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.2)
            except queue.Empty:
                continue
            self.seen.append(line)
            if wanted(line):
                return line
        raise AssertionError(f"timed out; output so far: {self.seen}")

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGINT)
        try:
            return self.proc.wait(TIMEOUT)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()


@pytest.fixture
def running() -> Iterator[list[_Process]]:
    started: list[_Process] = []
    yield started
    for process in started:
        if process.proc.poll() is None:
            process.proc.kill()
            process.proc.wait()


def test_build_watch_rebuilds_and_survives_bad_data(mini_data: Path, tmp_path: Path,
                                                    running: list[_Process]) -> None:
    root = Path(__file__).resolve().parent.parent
    process = _Process(["build", "--watch", "--data", str(mini_data), "--out", str(tmp_path / "out")], root)
    running.append(process)
    process.wait_for(lambda line: line.startswith("watching "))
    assert any(line.startswith("wrote ") and line.endswith("mini.apkg") for line in process.seen)
    topic = mini_data / "topics" / "01-alpha.yaml"
    good = topic.read_text(encoding="utf-8")
    topic.write_text(good.replace("Multi-head attention", "MHA!"), encoding="utf-8")
    line = process.wait_for(lambda line: "01-alpha.yaml" in line and "notes (" in line)
    assert "1 changed" in line and "wrote 2 file(s)" in line  # the deck and the lock, not a loop
    topic.write_text(good.replace("topic: Alpha", "topic: [Alpha"), encoding="utf-8")
    process.wait_for(lambda line: "YAML" in line and "01-alpha.yaml" in line)
    process.wait_for(lambda line: "problem(s); nothing was written" in line)
    assert process.proc.poll() is None, "a data error must not end the watch"
    topic.write_text(good, encoding="utf-8")
    process.wait_for(lambda line: "notes (" in line and "1 changed" in line)
    assert process.stop() == 0
    assert process.wait_for(lambda line: line == "stopped watching")


def test_preview_watch_rebuilds_on_template_change(mini_data: Path, tmp_path: Path,
                                                  running: list[_Process]) -> None:
    root = Path(__file__).resolve().parent.parent
    templates = tmp_path / "templates"
    shutil.copytree(root / "templates", templates)
    out = tmp_path / "preview"
    process = _Process(["preview", "--watch", "--data", str(mini_data), "--templates", str(templates),
                        "--out", str(out)], root)
    running.append(process)
    process.wait_for(lambda line: line.startswith("watching "))
    first = (out / "index.html").read_bytes()
    style = templates / "anki" / "style.css"
    style.write_text(style.read_text(encoding="utf-8") + "\n/* edited */\n", encoding="utf-8")
    line = process.wait_for(lambda line: "style.css" in line and "cards of" in line)
    assert line.startswith("[") and "index.html" in line
    assert (out / "index.html").read_bytes() != first
    assert process.stop() == 0


@pytest.mark.parametrize("command", ["build", "preview"])
def test_watch_refuses_what_a_save_cannot_fix(command: str, mini_data: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    out = str(tmp_path / "out")
    missing = runner.invoke(main, [command, "--watch", "--data", str(tmp_path / "nowhere"), "--out", out])
    assert missing.exit_code == 1 and "Traceback" not in missing.output
    inside = runner.invoke(main, [command, "--watch", "--data", str(mini_data), "--out", str(mini_data / "x")])
    assert inside.exit_code == 1 and "inside the data folder" in inside.output
