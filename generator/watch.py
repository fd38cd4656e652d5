"""`--watch`: run a rebuild after every save under data/ and templates/ (watchfiles does the watching)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Sequence

from generator.build import BuildResult
from generator.errors import UsageError, display_path
from generator.lock import LOCK_NAME
from generator.output import MANIFEST, TEMP_PREFIX
from generator.report import Line

if TYPE_CHECKING:  # watchfiles is imported only to watch: a plain build never loads it
    import watchfiles

OnChange = Callable[[tuple[Path, ...]], None]


@dataclass(frozen=True)
class Outcome:
    """What one run has to say: its full report, and the one line a rebuild prints instead
    (besides the report's warnings)."""

    report: list[Line]
    summary: str

    @property
    def warnings(self) -> list[Line]:
        """The report's lines that a rebuild still prints."""
        return [line for line in self.report if line.warning]


def _source_filter() -> watchfiles.DefaultFilter:
    """Editor and VCS noise ignored (DefaultFilter), and the files a build writes itself: the
    lock (data/cardsmith.lock) and atomic-write temp files, which would trigger a second run."""
    import watchfiles

    class SourceFilter(watchfiles.DefaultFilter):
        def __call__(self, change: watchfiles.Change, path: str) -> bool:
            name = Path(path).name
            if name in (LOCK_NAME, MANIFEST) or (name.startswith(TEMP_PREFIX) and name.endswith(".tmp")):
                return False
            return super().__call__(change, path)

    return SourceFilter()


def watch(paths: Sequence[Path], on_change: OnChange, *, on_ready: Callable[[], None] | None = None,
          stop_event: threading.Event | None = None, debounce_ms: int = 300,
          on_error: Callable[[str], None] | None = None) -> None:
    """Call on_change(changed files) after each burst of saves, until Ctrl-C or stop_event is set.
    on_ready is called once the watcher is listening, so a "watching" message is never early.
    When the watcher itself fails (watchfiles cannot name a file whose name is not UTF-8), it
    says so through on_error, starts again and, once listening, runs on_change((first folder,)):
    the change it lost is never missed."""
    for path in paths:
        if not path.is_dir():
            raise UsageError(f"cannot watch '{display_path(path)}': no such folder")
    ready: Callable[[], None] | None = on_ready
    failed_at_start = 0
    while True:
        try:
            _watch(paths, on_change, ready, stop_event, debounce_ms)
            return
        except KeyboardInterrupt:
            return  # Ctrl-C is how a watch ends; every write is atomic, so nothing is half done
        except _WatcherFailed as exc:
            failed_at_start = 0 if exc.listened else failed_at_start + 1
            if failed_at_start >= 3:  # it cannot even start: restarting would only spin
                raise UsageError(f"cannot watch {', '.join(display_path(p) for p in paths)}: {exc}") from None
            if on_error is not None:
                on_error(f"the file watcher failed ({exc}); watching again")
            if stop_event is not None and stop_event.is_set():
                return

            def ready() -> None:  # once listening again, so a save during the run is not lost
                on_change((paths[0],))  # what changed is unknown: run as after a save


class _WatcherFailed(Exception):
    """watchfiles stopped with an error of its own (not one of on_change's)."""

    def __init__(self, exc: BaseException, listened: bool) -> None:
        self.listened = listened  # it had been watching before it failed
        text = str(exc)
        if "decode path" in text:
            text = "a file or folder name is not valid UTF-8; rename it"
        super().__init__(text.rstrip("."))


def _watch(paths: Sequence[Path], on_change: OnChange, on_ready: Callable[[], None] | None,
           stop_event: threading.Event | None, debounce_ms: int) -> None:
    import watchfiles

    listening = False
    changes_seen = watchfiles.watch(*paths, watch_filter=_source_filter(), debounce=debounce_ms,
                                    stop_event=stop_event, rust_timeout=200, yield_on_timeout=True)
    while True:
        try:
            changes = next(changes_seen)
        except StopIteration:
            return
        except RuntimeError as exc:  # WatchfilesRustInternalError (not exported by watchfiles)
            raise _WatcherFailed(exc, listening) from None
        if not listening:  # the first yield comes once the watcher is set up
            listening = True
            if on_ready is not None:
                on_ready()
        if changes:
            changed = {Path(path) for _, path in changes}
            on_change(tuple(sorted(changed, key=lambda p: (not p.exists(), str(p)))))  # saved files first


def watched_paths(data_dir: Path, templates_dir: Path | None) -> list[Path]:
    """The folders whose edits change the output: the data and the theme's override folder."""
    from generator.templating import override_dir

    override = override_dir(data_dir, templates_dir)
    return [data_dir] + ([override] if override is not None and override.is_dir() else [])


def rebuild_line(changed: Sequence[Path], outcome: str, clock: Callable[[], float] = time.time) -> str:
    """The one line a watch run prints per rebuild: when, what triggered it, what happened."""
    stamp = time.strftime("%H:%M:%S", time.localtime(clock()))
    trigger = display_path(changed[0]) if changed else "start"
    if len(changed) > 1:
        trigger += f" and {len(changed) - 1} more"
    return f"[{stamp}] {trigger}: {outcome}"


def build_summary(result: BuildResult) -> str:
    """A build in one line: the note counts and how many files it wrote."""
    changes = result.changes
    return (f"{result.note_count} notes ({len(changes.new)} new, {len(changes.changed)} changed, "
            f"{len(changes.removed)} removed); wrote {len(result.written)} file(s)")
