"""Mutation check: the generated tests must fail every plausible wrong solution in mutants/<name>/."""

from __future__ import annotations

from pathlib import Path

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
