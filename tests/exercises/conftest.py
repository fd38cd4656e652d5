"""Fixtures for the exercise tests: the shipped build, a real interpreter, synthetic exercises."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import pytest
import yaml

from generator.exercises import build_exercises

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "data"
SUMMARY = re.compile(r"^(\d+) passed, (\d+) failed$")


@dataclass(frozen=True)
class Run:
    """What a generated file did when run: exit status, stdout lines, stderr, and its summary."""

    returncode: int
    lines: list[str]
    stderr: str

    @property
    def summary(self) -> tuple[int, int]:
        """(passed, failed) from the last line, which must be exactly "N passed, M failed"."""
        assert self.lines, f"no output; stderr:\n{self.stderr}"
        match = SUMMARY.match(self.lines[-1])
        assert match, f"last line is not 'N passed, M failed': {self.lines[-1]!r}\n{self.stderr}"
        return int(match[1]), int(match[2])


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "PYTEST_"))}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["PYTHONIOENCODING"] = "utf-8"
    return env


@pytest.fixture(scope="session")
def shipped() -> dict[str, str]:
    """The build of the real data/exercises, in memory."""
    return build_exercises(DATA)


@pytest.fixture
def write(tmp_path: Path) -> Callable[[dict[str, str]], Path]:
    """Write build outputs below tmp_path/out (as UTF-8 with \\n newlines) and return that folder."""

    def write_outputs(outputs: dict[str, str]) -> Path:
        out = tmp_path / "out"
        for relative, text in outputs.items():
            target = out / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8", newline="\n")
        return out

    return write_outputs


@pytest.fixture
def run(tmp_path: Path) -> Callable[..., Run]:
    """Run a generated file with this interpreter, isolated (-I -S: standard library only),
    from a folder that is not its own."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()

    def run_file(path: Path, python: str = sys.executable, isolated: bool = True) -> Run:
        flags = ["-I", "-S"] if isolated else []
        done = subprocess.run([python, *flags, str(path)], cwd=elsewhere, env=_env(),
                              capture_output=True, text=True, encoding="utf-8", timeout=120)
        return Run(done.returncode, done.stdout.splitlines(), done.stderr)

    return run_file


@pytest.fixture
def run_pytest(tmp_path: Path) -> Callable[[Path], tuple[int, str]]:
    """Run pytest on one generated file in a subprocess, from the file's tmp folder."""

    def run_file(path: Path) -> tuple[int, str]:
        env = {**_env(), "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}  # the file needs no plugin
        done = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q",
                               path.name],
                              cwd=path.parent, env=env, capture_output=True, text=True,
                              encoding="utf-8", timeout=120)
        return done.returncode, done.stdout + done.stderr

    return run_file


@pytest.fixture
def synthetic(tmp_path: Path) -> Callable[..., Path]:
    """Write a small exercise `echo(text: str) -> str` into tmp_path/data; returns the data dir.

    Keyword arguments override top-level YAML keys; `reference` replaces the reference source.
    """

    def make(name: str = "echo", reference: str | None = None, raw_yaml: str | None = None,
             **overrides: Any) -> Path:
        data = tmp_path / "data"
        (data / "exercises").mkdir(parents=True, exist_ok=True)
        spec: dict[str, Any] = {
            "title": {"zh": "回声", "en": "Echo"},
            "why": {"zh": "测试生成器。", "en": "Tests the generator."},
            "statement": {"zh": "原样返回 text。", "en": "Return text unchanged."},
            "function": {"name": "echo", "params": [{"name": "text", "type": "str"}], "returns": "str"},
            "examples": [{"args": {"text": "a"}, "expected": "a"}],
            "constraints": [{"zh": "无。", "en": "None."}],
            "hints": [{"zh": "return text", "en": "return text"}],
            "cases": [{"id": "plain", "description": "a plain string", "args": {"text": "abc"},
                       "expected": "abc"}],
        }
        spec.update(overrides)
        text = raw_yaml if raw_yaml is not None else yaml.safe_dump(spec, allow_unicode=True,
                                                                     sort_keys=False, width=100)
        (data / "exercises" / f"{name}.yaml").write_text(text, encoding="utf-8")
        source = reference if reference is not None else textwrap.dedent('''\
            """Reference: the identity."""


            def echo(text: str) -> str:
                """`text` itself."""
                return text
            ''')
        (data / "exercises" / f"{name}.reference.py").write_text(source, encoding="utf-8")
        return data

    return make
