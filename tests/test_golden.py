"""The shipped deck renders exactly as its golden record (tests/golden/refresh.py refreshes it)."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "golden"))

from refresh import GOLDEN, snapshot  # noqa: E402


def test_rendered_fields_match_the_golden_record() -> None:
    want = {path.name: path.read_text(encoding="utf-8") for path in GOLDEN.glob("*.json")}
    got = snapshot(ROOT / "data")
    assert sorted(got) == sorted(want), "topic files changed: run python tests/golden/refresh.py"
    for name in sorted(want):
        assert got[name] == want[name], f"{name} differs from the golden record: review the change, " \
                                        "then run python tests/golden/refresh.py"
