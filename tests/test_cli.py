"""The CLI: one line per written file, one line per problem, exit codes, no tracebacks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from generator import __version__
from generator.cli import main


def test_build_prints_one_line_per_file(mini_data: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["build", "--data", str(mini_data), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    wrote = [line for line in result.output.splitlines() if line.startswith("wrote ")]
    assert len(wrote) == 2 and wrote[0].endswith("mini.apkg") and wrote[1].endswith("cardsmith.lock")
    assert "6 notes: 6 new, 0 changed, 0 removed" in result.output


def test_check_writes_nothing(mini_data: Path, tmp_path: Path) -> None:
    CliRunner().invoke(main, ["build", "--data", str(mini_data), "--out", str(tmp_path / "out")])
    before = {p: p.read_bytes() for p in mini_data.rglob("*") if p.is_file()}
    result = CliRunner().invoke(main, ["check", "--data", str(mini_data)])
    assert result.exit_code == 0, result.output
    assert "ok: no errors" in result.output
    assert {p: p.read_bytes() for p in mini_data.rglob("*") if p.is_file()} == before


def test_check_fails_on_stale_or_missing_lock(mini_data: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["check", "--data", str(mini_data)])
    assert result.exit_code == 1 and "no lock file yet" in result.output
    CliRunner().invoke(main, ["build", "--data", str(mini_data), "--out", str(tmp_path / "out")])
    topic = mini_data / "topics" / "01-alpha.yaml"
    topic.write_text(topic.read_text(encoding="utf-8").replace("Multi-head attention", "MHA!"), encoding="utf-8")
    result = CliRunner().invoke(main, ["check", "--data", str(mini_data)])
    assert result.exit_code == 1
    assert "cardsmith.lock: lock is stale (0 new, 1 changed, 0 removed notes)" in result.output


def test_bad_input_one_line_per_problem_exit_1(mini_data: Path, tmp_path: Path) -> None:
    (mini_data / "topics" / "03-bad.yaml").write_text(
        "topic: Bad\nnotes:\n  - id: x\n    front: q\n    anwser: a\n  - id: y\n    front: q\n", encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["build", "--data", str(mini_data), "--out", str(out)])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 3, lines
    assert "03-bad.yaml:5: note 'x': unknown field 'anwser'" in lines[0]
    assert "03-bad.yaml:6: note 'y': a basic note needs 'back'" in lines[1]
    assert "Traceback" not in result.output
    assert not out.exists() and not (mini_data / "cardsmith.lock").exists()


def test_out_inside_data_is_refused(mini_data: Path) -> None:
    result = CliRunner().invoke(main, ["build", "--data", str(mini_data), "--out", str(mini_data / "x")])
    assert result.exit_code == 1 and "inside the data folder" in result.output


def test_missing_data_folder(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["build", "--data", str(tmp_path / "nope"), "--out", str(tmp_path / "o")])
    assert result.exit_code == 1 and "not found" in result.output


def test_version_and_module_entry_point() -> None:
    assert __version__ in CliRunner().invoke(main, ["--version"]).output
    proc = subprocess.run([sys.executable, "-m", "generator", "--help"], capture_output=True, text=True)
    assert proc.returncode == 0 and "Usage: cardsmith" in proc.stdout


def test_theme_lists_and_copies_default_files(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.chdir(tmp_path)
    assert CliRunner().invoke(main, ["init", "-q", "deck"]).exit_code == 0
    monkeypatch.chdir(tmp_path / "deck")
    listing = CliRunner().invoke(main, ["theme"]).output.splitlines()
    assert "default   anki/style.css" in listing and not [line for line in listing if line.startswith("override")]
    result = CliRunner().invoke(main, ["theme", "anki/style.css"])
    assert result.exit_code == 0 and "created templates/anki/style.css" in result.output
    from generator.templating import default_templates_dir

    copied = tmp_path / "deck" / "templates" / "anki" / "style.css"
    assert copied.read_bytes() == (default_templates_dir() / "anki" / "style.css").read_bytes()
    assert "override  anki/style.css" in CliRunner().invoke(main, ["theme"]).output
    again = CliRunner().invoke(main, ["theme", "anki/style.css"])
    assert again.exit_code == 1 and "already exists" in again.output
    unknown = CliRunner().invoke(main, ["theme", "anki/nope.css"])
    assert unknown.exit_code == 1 and "no theme file 'anki/nope.css'" in unknown.output
