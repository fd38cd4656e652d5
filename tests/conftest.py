"""Shared fixtures: copies of fixture decks, and a built deck imported into real Anki."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def mini_data(tmp_path: Path) -> Path:
    """A writable copy of tests/fixtures/mini (the build writes its lock there)."""
    target = tmp_path / "mini" / "data"
    shutil.copytree(FIXTURES / "mini", target)
    return target


@pytest.fixture
def real_data(tmp_path: Path) -> Path:
    """A writable copy of the project's data/ folder."""
    target = tmp_path / "real" / "data"
    shutil.copytree(ROOT / "data", target)
    return target
