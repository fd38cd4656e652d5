"""The shipped exercise files, run by a real interpreter: stub fails, solution passes, pytest sees each case."""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from generator.exercises import HARNESS_NAMES, build_exercises, load_exercises, render_exercise

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "data"
NAMES = ("simplify_path", "resolve_path", "relative_path", "model_state_bytes", "kv_cache_bytes", "lora_trainable_params",
         "grpo_advantages")
EXERCISES = {exercise.name: exercise for exercise in load_exercises(DATA)}


def test_outputs_are_one_learner_and_one_solution_file_per_exercise(shipped: dict[str, str]) -> None:
    expected = {f"exercises/{n}.py" for n in NAMES} | {f"exercises/solutions/{n}.py" for n in NAMES}
    assert set(shipped) == expected | {"exercises/pytest.ini"}


@pytest.mark.parametrize("name", NAMES)
def test_learner_file_fails_every_case_as_shipped(name, shipped, write, run) -> None:
    out = write({f"exercises/{name}.py": shipped[f"exercises/{name}.py"]})
    result = run(out / "exercises" / f"{name}.py")
    cases = EXERCISES[name].cases
    assert result.returncode == 1, result.stderr
    assert result.summary == (0, len(cases))
    assert result.lines[-1] == f"0 passed, {len(cases)} failed"
    reports = result.lines[:-1]
    assert [line.split(":")[0] for line in reports] == [f"FAIL {case.id}" for case in cases]
    assert all("raised NotImplementedError: TODO: implement" in line for line in reports)
    assert all(len(line) < 400 for line in reports), "long inputs must be shortened"


@pytest.mark.parametrize("name", NAMES)
def test_solution_file_passes_every_case(name, shipped, write, run) -> None:
    out = write({f"exercises/solutions/{name}.py": shipped[f"exercises/solutions/{name}.py"]})
    result = run(out / "exercises" / "solutions" / f"{name}.py")
    assert result.returncode == 0, result.lines + [result.stderr]
    assert result.lines == [f"{len(EXERCISES[name].cases)} passed, 0 failed"]


@pytest.mark.parametrize("name", NAMES)
def test_pytest_runs_each_case_as_its_own_test(name, shipped, write, run_pytest) -> None:
    out = write({f"exercises/{name}.py": shipped[f"exercises/{name}.py"],
                 f"exercises/solutions/{name}.py": shipped[f"exercises/solutions/{name}.py"]})
    ids = [case.id for case in EXERCISES[name].cases]

    code, text = run_pytest(out / "exercises" / f"{name}.py")
    assert code == 1, text
    assert re.search(rf"^{len(ids)} failed in ", text, re.M), text
    assert re.findall(rf"^FAILED {name}\.py::test_(\w+)", text, re.M) == ids

    code, text = run_pytest(out / "exercises" / "solutions" / f"{name}.py")
    assert code == 0, text
    assert re.search(rf"^{len(ids)} passed in ", text, re.M), text


def test_pytest_on_the_build_folder_collects_every_exercise_and_no_solution(shipped, write) -> None:
    out = write(shipped)
    (out / "pyproject.toml").write_text("[tool.pytest.ini_options]\npython_files = ['test_*.py']\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "PYTEST_"))}
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "exercises"], cwd=out, env=env,
                          capture_output=True, text=True, encoding="utf-8", timeout=300)
    total = sum(len(exercise.cases) for exercise in EXERCISES.values())
    assert re.search(rf"^{total} failed in ", done.stdout, re.M), done.stdout[-2000:]
    assert not (out / "exercises" / ".pytest_cache").exists()
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "exercises/solutions"], cwd=out, env=env,
                          capture_output=True, text=True, encoding="utf-8", timeout=300)
    assert re.search(rf"^{total} passed in ", done.stdout, re.M), done.stdout[-2000:]


def test_a_crash_in_the_learners_code_shows_type_message_and_line(write, run) -> None:
    exercise = EXERCISES["simplify_path"]
    body = ("def simplify_path(path: str) -> str:\n    return helper(path)\n\n\n"
            "def helper(path):\n    parts = path.split('/')\n    return parts[99]\n")
    text = render_exercise(exercise, body)
    out = write({"simplify_path.py": text})
    result = run(out / "simplify_path.py")
    line = text.splitlines().index("    return parts[99]") + 1
    assert result.lines[0].startswith("FAIL root: simplify_path('/') expected '/', raised IndexError: "
                                      f"list index out of range at line {line} in helper: return parts[99]")


def test_a_learner_calling_sys_exit_fails_that_case_only(write, run) -> None:
    exercise = EXERCISES["simplify_path"]
    body = ("import sys\n\n\ndef simplify_path(path: str) -> str:\n    if path == '/':\n"
            "        sys.exit('bye')\n    return path\n")
    out = write({"simplify_path.py": render_exercise(exercise, body)})
    result = run(out / "simplify_path.py")
    assert result.lines[0].startswith("FAIL root: simplify_path('/') expected '/', raised SystemExit: bye at line")
    assert result.summary[1] >= 1 and result.summary[0] >= 1


@pytest.mark.parametrize("name", NAMES)
def test_learner_file_reads_statement_stub_tests_hints_in_that_order(name, shipped) -> None:
    text = shipped[f"exercises/{name}.py"]
    exercise = EXERCISES[name]
    first_lines = {
        "docstring": repr(f"Exercise {name}: {exercise.title.en} / {exercise.title.zh}"),
        "why": exercise.why.en.splitlines()[0][:40],  # (long lines are wrapped)
        "statement zh": exercise.statement.zh.splitlines()[0][:40],
        "statement en": exercise.statement.en.splitlines()[0][:40],
        "examples": "# 示例 / Examples",
        "constraints": exercise.constraints[0].en.splitlines()[0][:40],
        "stub": f"def {exercise.function.name}(",
        "todo": "raise NotImplementedError('TODO: implement",
        "cases": "CASES = [",
        "main": 'if __name__ == "__main__":',
        "hints": exercise.hints[-1].en.splitlines()[0][:40],
    }
    positions = {key: text.find(snippet) for key, snippet in first_lines.items()}
    assert all(pos >= 0 for pos in positions.values()), positions
    assert list(positions.values()) == sorted(positions.values()), positions
    assert text.startswith(first_lines["docstring"] + "\n")
    assert ast.get_docstring(ast.parse(text)) == ast.literal_eval(first_lines["docstring"])


def test_harness_names_are_the_ones_the_generator_reserves(shipped: dict[str, str]) -> None:
    namespace: dict = {"__name__": "check"}
    exec(compile(shipped["exercises/simplify_path.py"], "simplify_path.py", "exec"), namespace)
    defined = {name for name in namespace if not name.startswith(("__", "test_"))} - {"simplify_path"}
    assert defined == HARNESS_NAMES


@pytest.mark.parametrize("output", sorted(f"exercises/{s}{n}.py" for n in NAMES for s in ("", "solutions/")))
def test_generated_files_are_cleanly_formatted(output, shipped) -> None:
    text = shipped[output]
    lines = text.split("\n")
    assert text.endswith("\n") and not text.endswith("\n\n")
    assert "\t" not in text and "\r" not in text
    assert not [n for n, line in enumerate(lines, 1) if line != line.rstrip()], "trailing whitespace"
    assert "\n\n\n\n" not in text, "at most two blank lines in a row"
    code = [line for line in lines if line.strip() and not line.lstrip().startswith("#")]
    assert all((len(line) - len(line.lstrip(" "))) % 4 == 0 for line in code), "4-space indents"
    assert max(len(line) for line in code) <= 110
    comments = [line for line in lines if line.lstrip().startswith("#")]
    wide = [line for line in comments if sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1
                                             for ch in line) > 104]
    assert not wide, "comments are filled to about 100 columns (a CJK character counts two)"
    for node in ast.parse(text).body:
        if isinstance(node, ast.FunctionDef):
            above = lines[node.lineno - 4: node.lineno - 1]
            assert above[1:] == ["", ""] or above[-1].startswith("#"), f"two blank lines before {node.name}"


def test_build_is_deterministic_and_has_no_machine_paths(shipped: dict[str, str]) -> None:
    again = build_exercises(DATA)
    assert again == shipped and list(again) == list(shipped)
    for text in again.values():
        assert str(REPO) not in text


def test_build_writes_nothing(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(DATA / "exercises", data / "exercises")
    before = sorted((p, p.stat().st_mtime_ns) for p in tmp_path.rglob("*"))
    build_exercises(data)
    assert sorted((p, p.stat().st_mtime_ns) for p in tmp_path.rglob("*")) == before


def _python39() -> str | None:
    """A working Python 3.9 (the oldest the files promise), or None."""
    found = shutil.which("python3.9")
    if found is None:
        return None
    env = {**os.environ, "PYENV_VERSION": os.environ.get("PYENV_VERSION", "3.9")}
    probe = subprocess.run([found, "-c", "import sys; print(sys.version_info[:2])"], env=env,
                           capture_output=True, text=True)
    return found if probe.stdout.strip() == "(3, 9)" else None


@pytest.mark.skipif(_python39() is None, reason="no python3.9 on this machine")
@pytest.mark.parametrize("name", NAMES)
def test_files_run_on_python_3_9(name, shipped, write, run, monkeypatch) -> None:
    monkeypatch.setenv("PYENV_VERSION", os.environ.get("PYENV_VERSION", "3.9"))
    out = write({k: v for k, v in shipped.items() if k.endswith(f"/{name}.py")})
    python = _python39()
    assert python is not None
    cases = len(EXERCISES[name].cases)
    assert run(out / "exercises" / f"{name}.py", python).summary == (0, cases)
    assert run(out / "exercises" / "solutions" / f"{name}.py", python).summary == (cases, 0)


SAME_PAIRS = [(1.0, 1.0 + 1e-12), (1.0, 1.0 + 1e-6), (0.0, 1e-13), (0.0, 1e-9), (1, 1.0), (1.0, 1), ([0], [0.0]),
              ([0.0, 1.0], [0.0, 1.0 + 1e-12]), ([1.0], [1.0, 2.0]), ({"a": 1.0}, {"a": 1.0 + 1e-12}),
              ({"a": 1}, {"b": 1}), ("a", "a"), (True, 1), (float("nan"), float("nan"))]


@pytest.mark.parametrize(("got", "expected"), SAME_PAIRS)
def test_the_harness_and_the_build_compare_results_alike(got, expected, shipped) -> None:
    from generator.exercises import _same

    namespace: dict = {"__name__": "check"}
    exec(compile(shipped["exercises/grpo_advantages.py"], "grpo_advantages.py", "exec"), namespace)
    assert namespace["_same"](got, expected) == _same(got, expected)
    assert _same(expected, expected) or expected != expected
