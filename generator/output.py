"""Stage 6, write: all outputs land together or not at all, one build at a time per folder."""

from __future__ import annotations

import contextlib
import fcntl
import os
import signal
import tempfile
import threading
from pathlib import Path
from types import FrameType
from typing import Iterator

from generator.errors import InterruptedAfterWrite, OutputError

TEMP_PREFIX = ".cardsmith-"
MANIFEST = ".cardsmith-preview"  # what the last preview wrote, so only our own stale files go


def write_outputs(outputs: dict[Path, bytes], lock_dir: Path) -> tuple[list[Path], list[Path]]:
    """Write every changed output atomically; returns (written, unchanged).

    Each file is first written in full to a temp file beside it; only when all are staged are
    they renamed into place, with Ctrl-C held back, so an interrupted or failed build leaves
    the previous outputs as they were and no temp file behind. A Ctrl-C held during the renames
    is raised after them as InterruptedAfterWrite: the outputs are then the new ones.
    """
    changed = {path: data for path, data in outputs.items() if not _same(path, data)}
    unchanged = [path for path in outputs if path not in changed]
    with build_lock(lock_dir):
        staged: list[tuple[str, Path]] = []
        try:
            for path, data in changed.items():
                try:
                    staged.append((_stage(path, data), path))
                except OSError as exc:
                    raise OutputError(f"cannot write '{path}': {exc.strerror or exc}; previous outputs "
                                      "are untouched") from None
            with interrupts_deferred():
                for tmp, path in staged:
                    try:
                        os.replace(tmp, path)
                    except OSError as exc:  # e.g. a folder where the file should go
                        raise OutputError(f"cannot replace '{path}': {exc.strerror or exc}") from None
                staged = []
        finally:
            for tmp, _ in staged:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
    return list(changed), unchanged


def _same(path: Path, data: bytes) -> bool:
    try:
        return path.stat().st_size == len(data) and path.read_bytes() == data
    except (FileNotFoundError, NotADirectoryError):
        return False


def write_atomic(path: Path, data: bytes, durable: bool = False) -> None:
    """Write one file whole or not at all (a temp file beside it, then a rename). Not durable
    by default: for caches, where a file lost in a crash only costs the work again."""
    tmp = _stage(path, data, durable)
    try:
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _stage(path: Path, data: bytes, durable: bool = True) -> str:
    """Write data to a fresh temp file in path's folder (same filesystem, so rename is atomic)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=TEMP_PREFIX, suffix=".tmp")
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(fd, 0o666 & ~umask)  # mkstemp's 0600 would make the deck private
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return tmp


@contextlib.contextmanager
def build_lock(folder: Path) -> Iterator[None]:
    """Serialize builds into the same output folder (a second build waits for the first).

    The lock is taken on the folder itself, so no lock file is left behind."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(folder, os.O_RDONLY)
    except OSError as exc:
        raise OutputError(f"cannot use output folder '{folder}': {exc.strerror or exc}") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


@contextlib.contextmanager
def interrupts_deferred() -> Iterator[None]:
    """Hold SIGINT in the block, then deliver it as InterruptedAfterWrite: used where the
    outputs have been (or are being) replaced, so the batch is never cut in half and the
    message does not claim the previous outputs survived."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []

    def remember(signum: int, frame: FrameType | None) -> None:
        received.append(signum)

    previous = signal.signal(signal.SIGINT, remember)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if received:
            raise InterruptedAfterWrite
