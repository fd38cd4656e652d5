"""cardsmith's speed and size, measured against genanki itself.

    python3 benchmarks/run.py                 # 10 000 notes, 5 runs of each measure (~2 min)
    python3 benchmarks/run.py --scale         # also 1 000 / 10 000 / 50 000 notes (~6 min more)
    python3 benchmarks/run.py --notes 2000 --runs 3

Generates a synthetic deck (benchmarks/synth.py) in a temporary folder and times, as separate
processes, the median of several runs each of: a cold build (empty output folder, so no
cache), a no-op rebuild, a rebuild after editing one note, genanki alone writing the same
notes (benchmarks/floor.py), `cardsmith --help` and `python -c pass`. Memory is the peak of
the build's process tree (the sum of each process's proportional set size, sampled every few
milliseconds, so shared pages count once). Prints every figure as a ratio to its baseline and
exits 1 when a target is missed. Not part of the test suite: timings depend on the machine.

From a fresh clone it first installs cardsmith into .venv (as .ci/run does) and runs there.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import synth  # noqa: E402  (beside this file)

TARGETS = {  # measure → (highest ratio to its baseline, what the baseline is)
    "cold build": (4.0, "genanki floor"),
    "one-edit rebuild": (1.5, "genanki floor"),
    "no-op rebuild": (0.5, "genanki floor"),
    "cardsmith --help": (2.5, "python -c pass"),
    ".apkg size": (0.4, "genanki's .apkg"),
}
MEMORY_LIMIT_MB = 300


# --- running things ----------------------------------------------------------------------


@dataclass
class Run:
    """One measured process: wall time, and peak memory of its tree when sampled."""

    seconds: float
    peak_mb: float | None = None
    largest_mb: float = 0.0  # ru_maxrss of the largest single process (wait4)


def child_env() -> dict[str, str]:
    """The environment as a user has it: bytecode caching on (this sandbox turns it off)."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("SOURCE_DATE_EPOCH", None)
    return env


def measure(cmd: list[str], sample_memory: bool = False) -> Run:
    """Run `cmd` to completion; wall time, and the peak summed PSS of its process tree."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, env=child_env(), cwd=ROOT)
        sampler = _Sampler(proc.pid) if sample_memory else None
        if sampler:
            sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if sampler:
            sampler.stop.set()
            sampler.join()
        if proc.returncode != 0:
            err.seek(0)
            raise SystemExit(f"benchmark: {' '.join(cmd)} failed ({proc.returncode}):\n"
                             f"{err.read().decode(errors='replace')[-2000:]}")
    return Run(seconds, sampler.peak_mb if sampler else None, usage.ru_maxrss / 1024)


class _Sampler(threading.Thread):
    """Polls /proc for the summed PSS of a process and all its descendants."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.stop, self.peak_mb = pid, threading.Event(), 0.0

    def run(self) -> None:
        while not self.stop.is_set():
            total = sum(_pss_kb(pid) for pid in _tree(self.pid))
            self.peak_mb = max(self.peak_mb, total / 1024)
            time.sleep(0.003)


def _tree(pid: int) -> list[int]:
    pids, todo = [], [pid]
    while todo:
        current = todo.pop()
        pids.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as handle:
                    todo.extend(int(child) for child in handle.read().split())
        except OSError:
            pass
    return pids


def _pss_kb(pid: int) -> int:
    for name, key in (("smaps_rollup", "Pss:"), ("status", "VmRSS:")):  # PSS; RSS on old kernels
        try:
            with open(f"/proc/{pid}/{name}") as handle:
                for line in handle:
                    if line.startswith(key):
                        return int(line.split()[1])
        except OSError:
            continue
    return 0


def median(runs: list[Run]) -> float:
    return statistics.median(r.seconds for r in runs)


# --- the measures --------------------------------------------------------------------------


@dataclass
class Deck:
    """A synthetic deck on disk and how to build it."""

    notes: int
    work: Path
    data: Path = field(init=False)
    out: Path = field(init=False)
    revision: int = 0

    def __post_init__(self) -> None:
        self.data = synth.write_deck(self.work / "data", self.notes)
        self.out = self.work / "build"

    def build(self, sample_memory: bool = False) -> Run:
        return measure([sys.executable, "-m", "generator", "-q", "build", "--data", str(self.data),
                        "--out", str(self.out)], sample_memory)

    def cold(self, sample_memory: bool = False) -> Run:
        shutil.rmtree(self.out, ignore_errors=True)
        return self.build(sample_memory)

    def edit(self) -> None:
        """Change the text of one note (a different change each time)."""
        path = synth.edit_file(self.data, self.notes)
        old, self.revision = f"revision {self.revision}.", self.revision + 1
        text = path.read_text(encoding="utf-8")
        assert old in text, old
        path.write_text(text.replace(old, f"revision {self.revision}."), encoding="utf-8")

    def apkg(self) -> Path:
        return self.out / "synthetic.apkg"


def floor_input(apkg: Path, work: Path) -> Path:
    """The notes, note types, decks and media of a cardsmith .apkg, as JSON for floor.py."""
    work.mkdir(parents=True, exist_ok=True)
    media_dir = work / "media"
    media_dir.mkdir(exist_ok=True)
    with zipfile.ZipFile(apkg) as archive:
        (work / "collection.anki2").write_bytes(archive.read("collection.anki2"))
        media = []
        for index, name in json.loads(archive.read("media")).items():
            (media_dir / name).write_bytes(archive.read(index))
            media.append(str(media_dir / name))
    db = sqlite3.connect(work / "collection.anki2")
    models = json.loads(db.execute("SELECT models FROM col").fetchone()[0])
    decks = json.loads(db.execute("SELECT decks FROM col").fetchone()[0])
    notes = [{"model": mid, "deck": did, "guid": guid, "fields": flds.split("\x1f"), "tags": tags.split()}
             for guid, mid, flds, tags, did in db.execute(
                 "SELECT n.guid, n.mid, n.flds, n.tags, (SELECT did FROM cards c WHERE c.nid = n.id LIMIT 1) "
                 "FROM notes n ORDER BY n.id")]
    db.close()
    spec = {
        "models": [{"id": int(mid), "name": m["name"],
                    "fields": [f["name"] for f in sorted(m["flds"], key=lambda f: f["ord"])],
                    "templates": [{"name": t["name"], "qfmt": t["qfmt"], "afmt": t["afmt"]}
                                  for t in sorted(m["tmpls"], key=lambda t: t["ord"])],
                    "css": m["css"], "cloze": m["type"] == 1} for mid, m in models.items()],
        "decks": [{"id": int(did), "name": d["name"], "description": d.get("desc", "")}
                  for did, d in decks.items() if int(did) != 1],  # 1: Anki's "Default"
        "notes": notes,
        "media": media,
    }
    path = work / "floor.json"
    path.write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")
    return path


@dataclass
class Result:
    """Medians (seconds), sizes (bytes) and peak memory (MB) at one deck size."""

    notes: int
    cold: float
    noop: float
    edit: float
    floor: float
    apkg: int
    floor_apkg: int
    peak_mb: float
    largest_mb: float


def bench(notes: int, runs: int, work: Path, say: bool = True) -> Result:
    """Every build measure at `notes` notes, `runs` runs each (interleaved with the floor's)."""
    log = print if say else (lambda *a, **k: None)
    log(f"  {notes} notes: writing the synthetic deck …", flush=True)
    deck = Deck(notes, work / f"deck-{notes}")
    deck.cold()  # warm-up: writes the lock (as a clone of a deck repo has it) and bytecode
    spec = floor_input(deck.apkg(), work / f"floor-{notes}")
    floor_cmd = [sys.executable, str(HERE / "floor.py"), str(spec), str(work / f"floor-{notes}" / "floor.apkg")]
    measure(floor_cmd)  # warm-up
    cold, floor, noop, edit = [], [], [], []
    for i in range(runs):
        log(f"  {notes} notes: run {i + 1}/{runs} …", flush=True)
        cold.append(deck.cold())
        floor.append(measure(floor_cmd))
        noop.append(deck.build())
        deck.edit()
        edit.append(deck.build())
    memory = [deck.cold(sample_memory=True)]
    deck.edit()
    memory.append(deck.build(sample_memory=True))
    result = Result(notes, median(cold), median(noop), median(edit), median(floor),
                    deck.apkg().stat().st_size, (work / f"floor-{notes}" / "floor.apkg").stat().st_size,
                    max(r.peak_mb or 0.0 for r in memory), max(r.largest_mb for r in cold + memory))
    shutil.rmtree(deck.work, ignore_errors=True)
    return result


def bench_help(runs: int) -> tuple[float, float]:
    """Medians of `cardsmith --help` and `python -c pass`, interleaved."""
    script = Path(sys.executable).parent / "cardsmith"
    help_cmd = [str(script), "--help"] if script.exists() else [sys.executable, "-m", "generator", "--help"]
    bare = [sys.executable, "-c", "pass"]
    measure(help_cmd)  # warm-up (bytecode)
    helps, passes = [], []
    for _ in range(runs):
        helps.append(measure(help_cmd))
        passes.append(measure(bare))
    return median(helps), median(passes)


# --- report --------------------------------------------------------------------------------


def report(result: Result, help_s: float, pass_s: float) -> bool:
    """Print the table of figures and ratios; True when every target is met."""
    rows = [
        ("cold build", result.cold, result.floor, "s"),
        ("one-edit rebuild", result.edit, result.floor, "s"),
        ("no-op rebuild", result.noop, result.floor, "s"),
        ("cardsmith --help", help_s, pass_s, "s"),
        (".apkg size", result.apkg, result.floor_apkg, "B"),
    ]
    print()
    print(f"{'measure':<18} {'cardsmith':>11} {'baseline':>11} {'ratio':>7} {'target':>8}  baseline is")
    ok = True
    for name, value, base, unit in rows:
        limit, what = TARGETS[name]
        ratio = value / base
        met = ratio <= limit
        ok &= met
        target = f"≤{limit}×"
        print(f"{name:<18} {_fmt(value, unit):>11} {_fmt(base, unit):>11} {ratio:>6.2f}× {target:>8}"
              f"  {what}{'' if met else '   MISSED'}")
    met = result.peak_mb <= MEMORY_LIMIT_MB
    ok &= met
    print(f"{'peak memory':<18} {result.peak_mb:>8.0f} MB {'':>11} {'':>7} {'≤' + str(MEMORY_LIMIT_MB) + ' MB':>8}"
          f"  process tree, summed PSS (largest single process {result.largest_mb:.0f} MB)"
          f"{'' if met else '   MISSED'}")
    return ok


def report_scale(results: list[Result]) -> None:
    """How each measure grows with the deck: per-note cost, and against the floor."""
    print()
    print(f"{'notes':>7} {'cold':>8} {'one-edit':>9} {'no-op':>7} {'genanki':>8} {'cold/note':>10} "
          f"{'cold/floor':>11} {'edit/floor':>11} {'peak MB':>8} {'.apkg':>9}")
    for r in results:
        print(f"{r.notes:>7} {r.cold:>7.2f}s {r.edit:>8.2f}s {r.noop:>6.2f}s {r.floor:>7.2f}s "
              f"{r.cold / r.notes * 1e3:>8.3f}ms {r.cold / r.floor:>10.2f}× {r.edit / r.floor:>10.2f}× "
              f"{r.peak_mb:>8.0f} {r.apkg / 1e6:>7.1f}MB")
    first, last = results[0], results[-1]
    growth = (last.cold / first.cold) / (last.notes / first.notes)
    print(f"cold build per note at {last.notes} notes is {growth:.2f}× its cost at {first.notes} "
          "(1.00 = linear; below 1 = better than linear)")


def _fmt(value: float, unit: str) -> str:
    if unit == "B":
        return f"{value / 1e6:.2f} MB"
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


# --- main --------------------------------------------------------------------------------


def ensure_installed() -> None:
    """Re-run under a Python that has cardsmith installed; create .venv like .ci/run if none."""
    probe = [sys.executable, "-c", "import generator.build, genanki"]
    if subprocess.run(probe, capture_output=True, cwd=HERE).returncode == 0:
        return
    venv_python = ROOT / ".venv" / "bin" / "python"
    if not venv_python.exists():
        print("benchmark: installing cardsmith into .venv (first run) …", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(ROOT / ".venv")], check=True)
    if subprocess.run([str(venv_python), *probe[1:]], capture_output=True, cwd=HERE).returncode != 0:
        subprocess.run([str(venv_python), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                        "-e", str(ROOT)], check=True)
    os.execv(str(venv_python), [str(venv_python), *sys.argv])


def main() -> int:
    parser = argparse.ArgumentParser(description="cardsmith's speed and size against genanki.")
    parser.add_argument("--notes", type=int, default=10_000, help="deck size for the targets (default 10000)")
    parser.add_argument("--runs", type=int, default=5, help="runs per measure; the median is kept (default 5)")
    parser.add_argument("--scale", action="store_true", help="also show growth at 1000, 10000 and 50000 notes")
    parser.add_argument("--scale-runs", type=int, default=3, help="runs per measure in the scale table (default 3)")
    args = parser.parse_args()
    ensure_installed()
    import platform

    print(f"cardsmith benchmark: Python {platform.python_version()}, {os.cpu_count()} cores, "
          f"{args.runs} runs per measure (median)", flush=True)
    work = Path(tempfile.mkdtemp(prefix="cardsmith-bench-"))
    try:
        result = bench(args.notes, args.runs, work)
        help_s, pass_s = bench_help(max(args.runs, 20))
        ok = report(result, help_s, pass_s)
        if args.scale:
            print("\nscale (this takes a few minutes):", flush=True)
            results = [bench(n, args.scale_runs, work) if n != args.notes or args.runs < args.scale_runs
                       else result for n in (1_000, 10_000, 50_000)]
            report_scale(results)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("\nall targets met" if ok else "\nsome targets MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
