"""The one exception family the core raises; the CLI turns it into messages and exit codes."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Literal

Level = Literal["error", "warning"]


def display_path(path: str | os.PathLike[str]) -> str:
    """The path as a user typed it: relative to the working directory when it is below it."""
    p = Path(path)
    try:  # the folder resolved, not the name: a symlink is named as itself, not as its target
        return str((p.parent.resolve() / p.name).relative_to(Path.cwd().resolve()))
    except (ValueError, OSError, RuntimeError):  # RuntimeError: a symlink loop (Python < 3.13)
        return str(p)


@dataclass(frozen=True)
class Problem:
    """One located problem in the input, printed compiler-style so editors can jump to it."""

    path: str
    line: int | None
    message: str
    note_id: str | None = None
    level: Level = "error"

    def __str__(self) -> str:
        where = display_path(self.path) if self.path else "<input>"
        if self.line is not None:
            where += f":{self.line}"
        note = f" note '{self.note_id}':" if self.note_id else ""
        tag = " warning:" if self.level == "warning" else ""
        return f"{where}:{tag}{note} {self.message}"


class CardsmithError(Exception):
    """Base of every error the core raises on purpose. Raised by: nobody directly."""


class DataError(CardsmithError):
    """The input data is wrong. Raised by loader, model, render, lint and exercises; carries
    every problem found in the run, so the author fixes them all at once."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = sorted(
            problems, key=lambda p: (p.path, p.line if p.line is not None else 0, p.message)
        )
        super().__init__("\n".join(str(p) for p in self.problems))


class UsageError(CardsmithError):
    """A command-line choice cannot work (e.g. --out inside data/). Raised by build."""


class SchemaChangeError(CardsmithError):
    """A note-type change would force every user into "Merge note types". Raised by lock."""


class OutputError(CardsmithError):
    """An output cannot be written (read-only or full disk, a folder where a file goes…); the
    previous outputs are left as they were. Raised by output."""


class BuildFailed(CardsmithError):
    """Generated output failed its own verification (e.g. an exercise's reference solution
    disagrees with a case). Raised by exercises."""


class InterruptedAfterWrite(KeyboardInterrupt):
    """Ctrl-C arrived once the outputs had been replaced: they are the new ones, complete (only
    the build cache may be left unsaved). Raised by output and build."""


def describe(exc: BaseException) -> tuple[list[str], int]:
    """The one place where an error becomes what the user reads and the exit code: the lines
    to print (the problems, then a summary starting with "cardsmith:") and the status (1 for
    an error, 130 for an interrupt). Exceptions that are not ours get _machine_fault's line."""
    if isinstance(exc, DataError):
        return [*map(str, exc.problems), f"cardsmith: {len(exc.problems)} problem(s); nothing was written"], 1
    if isinstance(exc, CardsmithError):
        return [f"cardsmith: {exc}"], 1
    if isinstance(exc, InterruptedAfterWrite):
        return ["cardsmith: interrupted after the new outputs were written in full"], 130
    if isinstance(exc, KeyboardInterrupt):
        return ["cardsmith: interrupted; previous outputs are untouched"], 130
    return _machine_fault(exc)


REPORT_TO = "please report it to the cardsmith maintainers with the command you ran"


def _machine_fault(exc: BaseException) -> tuple[list[str], int]:
    """describe() for exceptions that are not ours: a specific line for the faults of the
    machine (a file system that refuses: read-only, full, permissions) and of a theme
    template; and, only as a net under these, one line naming the exception and where to
    report it."""
    import sys

    if "jinja2" in sys.modules:  # before OSError: TemplateNotFound is an IOError
        import jinja2

        if isinstance(exc, jinja2.TemplateError):
            from generator.templating import template_problem

            return [str(template_problem(exc)), "cardsmith: 1 problem(s); nothing was written"], 1
    if isinstance(exc, BrokenPipeError):  # `cardsmith build | head`: the reader left, the work was done
        return ["cardsmith: the report was cut short (the program reading it closed the pipe)"], 1
    if isinstance(exc, OSError):
        from generator.output import os_error_message

        return [f"cardsmith: {os_error_message(exc)}"], 1
    if isinstance(exc, MemoryError):
        return ["cardsmith: out of memory; previous outputs are untouched"], 1
    where = ""
    if exc.__traceback__ is not None:
        import traceback

        last = traceback.extract_tb(exc.__traceback__)[-1]
        where = f" at {Path(last.filename).name}:{last.lineno}"
    return [f"cardsmith: internal error: {type(exc).__name__}{where}: {exc}; this is a bug in cardsmith, "
            f"{REPORT_TO}"], 1
