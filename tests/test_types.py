"""The core is type-checked: mypy --strict over generator/ (configured in setup.cfg)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_mypy_strict_passes() -> None:
    proc = subprocess.run([sys.executable, "-m", "mypy", "--no-incremental", "--config-file", "setup.cfg"],
                          cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
