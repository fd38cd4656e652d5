"""Mutation check: the generated tests must fail every plausible wrong solution in mutants/<name>/."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest

from generator.exercises import load_exercises, render_exercise

REPO = Path(__file__).resolve().parents[2]
MUTANTS = Path(__file__).resolve().parent / "mutants"
EXERCISES = {exercise.name: exercise for exercise in load_exercises(REPO / "data")}
CASES = sorted((name, path.stem) for name in EXERCISES for path in (MUTANTS / name).glob("*.py"))


@pytest.mark.parametrize("name", sorted(EXERCISES))
def test_every_exercise_has_at_least_six_mutants(name: str) -> None:
    assert len(list((MUTANTS / name).glob("*.py"))) >= 6


@pytest.mark.parametrize(("name", "mutant"), CASES, ids=[f"{n}-{m}" for n, m in CASES])
def test_generated_tests_catch_the_mutant(name, mutant, write, run) -> None:
    source = (MUTANTS / name / f"{mutant}.py").read_text(encoding="utf-8")
    text = render_exercise(EXERCISES[name], source)
    out = write({f"{name}.py": text})
    result = run(out / f"{name}.py")
    passed, failed = result.summary  # the harness ran to the end: the mutant imports and runs
    assert result.returncode == 1, result.stderr
    assert failed >= 1, f"mutant {mutant} passes every case"
    assert passed >= 1, f"mutant {mutant} fails everything: not a plausible near-miss"
    assert len(result.lines) == failed + 1, "one line per failing case, then the summary"


@pytest.mark.parametrize("name", sorted(EXERCISES))
def test_pytest_on_the_generated_file_catches_every_mutant(name, tmp_path) -> None:
    """The same check as above under `pytest file.py`: one pytest run over every mutant of `name`."""
    folder = tmp_path / name
    folder.mkdir()
    mutants = sorted(path.stem for path in (MUTANTS / name).glob("*.py"))
    for mutant in mutants:
        source = (MUTANTS / name / f"{mutant}.py").read_text(encoding="utf-8")
        (folder / f"{mutant}.py").write_text(render_exercise(EXERCISES[name], source), encoding="utf-8")
    report = tmp_path / "report.xml"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "PYTEST_"))}
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--import-mode=importlib",
                    "-o", "python_files=*.py", f"--junitxml={report}", str(folder)],
                   cwd=tmp_path, env=env, capture_output=True, timeout=600)
    outcomes: dict[str, list[bool]] = {mutant: [] for mutant in mutants}
    for case in ElementTree.parse(report).iter("testcase"):
        mutant = case.get("classname", "").rsplit(".", 1)[-1]
        outcomes[mutant].append(case.find("failure") is None and case.find("error") is None)
    cases = len(EXERCISES[name].cases)
    for mutant, passed in outcomes.items():
        assert len(passed) == cases, f"{mutant}: pytest ran {len(passed)} of {cases} tests"
        assert not all(passed), f"mutant {mutant} passes every test under pytest"
        assert any(passed), f"mutant {mutant} fails every test under pytest"
