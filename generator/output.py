"""Stage 6, write: all outputs land together or not at all, one build at a time per folder."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import signal
import tempfile
import threading
from pathlib import Path
from types import FrameType
from typing import Iterator

from generator.errors import InterruptedAfterWrite, OutputError, UsageError, display_path

TEMP_PREFIX = ".cardsmith-"
MANIFEST = ".cardsmith-preview"  # what the last preview wrote, so only our own stale files go


def write_outputs(outputs: dict[Path, bytes], lock_dir: Path) -> tuple[list[Path], list[Path]]:
    """Write every changed output atomically; returns (written, unchanged).

    Each file is first written in full to a temp file beside it; only when all are staged are
    they renamed into place, with Ctrl-C and SIGTERM held back, so an interrupted or failed
    build leaves the previous outputs as they were and no temp file behind. A signal held during
    the renames is raised after them as InterruptedAfterWrite: the outputs are then the new ones.
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
                    raise OutputError(f"cannot write {_quoted(path)}: {why(exc)}{_in_the_way(exc)}; "
                                      "previous outputs are untouched") from None
            for _, path in staged:  # checked before the first rename: the set lands whole or not at all
                if path.is_dir() and not path.is_symlink():
                    raise OutputError(f"cannot replace {_quoted(path)}: {_HINTS[errno.EISDIR]} (move it "
                                      "away); previous outputs are untouched")
            with interrupts_deferred():
                for tmp, path in staged:
                    try:
                        os.replace(tmp, path)
                    except OSError as exc:  # e.g. a folder where the file should go
                        raise OutputError(f"cannot replace {_quoted(path)}: {why(exc)}") from None
                staged = []
        finally:
            for tmp, _ in staged:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
    return list(changed), unchanged


def _same(path: Path, data: bytes) -> bool:
    try:
        return path.stat().st_size == len(data) and path.read_bytes() == data
    except OSError:  # missing, unreadable, a folder…: written (and any real fault reported) then
        return False


# What an OSError means for the person at the keyboard, and what to do about it.
_HINTS = {
    errno.EACCES: "permission denied (check the folder's owner and permissions)",
    errno.EPERM: "operation not permitted (check the folder's owner and permissions)",
    errno.EROFS: "the file system is read-only (choose a writable folder)",
    errno.ENOSPC: "no space left on the device (free some space and build again)",
    errno.EDQUOT: "disk quota exceeded (free some space and build again)",
    errno.ELOOP: "too many levels of symbolic links (a symlink loop?)",
    errno.ENOTDIR: "a file stands where a folder is expected",
    errno.EEXIST: "a file stands where a folder is expected",
    errno.EISDIR: "a folder stands where a file is expected",
    errno.ENAMETOOLONG: "the name is too long for the file system",
    errno.EMFILE: "too many open files (raise `ulimit -n`)",
    errno.EIO: "input/output error (a failing disk or network drive?)",
}


def _in_the_way(exc: OSError) -> str:
    """Which path is in the way, when a file stands where a folder must be created."""
    if exc.errno in (errno.EEXIST, errno.ENOTDIR) and exc.filename:
        return f" ({_quoted(exc.filename)})"
    return ""


def why(exc: OSError) -> str:
    """An OSError's cause in words, with a hint at the way out where there is one."""
    if exc.errno in _HINTS:
        return _HINTS[exc.errno]
    return (exc.strerror or str(exc) or type(exc).__name__).lower()


def _quoted(path: str | os.PathLike[str]) -> str:
    """A path in a message: relative to here when below it, bytes that are not UTF-8 as \\xNN."""
    return f"'{printable(display_path(path))}'"


def printable(text: str) -> str:
    """`text` with nothing a UTF-8 terminal cannot print: the undecodable bytes of a file name
    (surrogate-escaped by Python on Linux) shown as \\xNN, any other lone surrogate as \\uXXXX."""
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


def os_error_message(exc: OSError) -> str:
    """One line for an OSError that reached the command line: which file, and why."""
    where = f" {_quoted(exc.filename)}" if exc.filename else ""
    if exc.filename2:
        where += f" → {_quoted(exc.filename2)}"
    return f"cannot access{where}: {why(exc)}; previous outputs are untouched"


def check_out_dir(folder: Path, option: str = "--out") -> None:
    """Refuse an output folder that cannot be one, before anything else touches it: a file, a
    dangling symlink, a symlink loop, a path through a file. UsageError saying which."""
    shown = _quoted(folder)
    try:
        os.stat(folder)
    except FileNotFoundError:
        for path in (folder, *folder.parents):  # the first part that exists decides
            if os.path.lexists(path):
                if path.is_symlink() and not path.exists():
                    raise UsageError(f"{option} {shown}: {_quoted(path)} is a symlink to "
                                     f"'{printable(os.readlink(path))}', which does not exist (create its "
                                     "target or choose another folder)") from None
                if not path.is_dir():
                    raise UsageError(f"{option} {shown}: {_quoted(path)} is a file, not a folder "
                                     "(choose another folder)") from None
                break
        return
    except OSError as exc:
        if exc.errno == errno.ENOTDIR:
            blocker = next((p for p in reversed(folder.parents) if os.path.lexists(p) and not p.is_dir()), None)
            part = _quoted(blocker) if blocker is not None else "a part of the path"
            raise UsageError(f"{option} {shown}: {part} is a file, not a folder "
                             "(choose another folder)") from None
        raise UsageError(f"{option} {shown}: {why(exc)}") from None
    if not folder.is_dir():
        raise UsageError(f"{option} {shown} is a file, not a folder (choose a folder; it is created "
                         "when missing)")


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
    check_out_dir(folder, "output folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(folder, os.O_RDONLY)
    except OSError as exc:
        raise OutputError(f"cannot use output folder {_quoted(folder)}: {why(exc)}") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


@contextlib.contextmanager
def interrupts_deferred() -> Iterator[None]:
    """Hold SIGINT and SIGTERM in the block, then deliver them as InterruptedAfterWrite: used
    where the outputs have been (or are being) replaced, so the batch is never cut in half and
    the message does not claim the previous outputs survived."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []

    def remember(signum: int, frame: FrameType | None) -> None:
        received.append(signum)

    previous = {signum: signal.signal(signum, remember) for signum in STOP_SIGNALS}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        if received:
            raise InterruptedAfterWrite


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)  # Ctrl-C, and `kill`, systemd, docker stop…


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """In the block, SIGTERM does what Ctrl-C does (KeyboardInterrupt: the run stops cleanly,
    previous outputs intact, no temp file left). Only in the main thread, where signals arrive."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt
