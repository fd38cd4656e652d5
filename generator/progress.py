"""A progress bar for builds long enough to need one. The CLI hands it to build() when stderr
is a terminal; the core calls it with (done, total) and never prints by itself."""

from __future__ import annotations

import time
from typing import Callable, TextIO

Progress = Callable[[int, int], None]  # called with (work done so far, all the work)


class ProgressBar:
    """`building [#########           ] 45%` on one line of a terminal, redrawn at most ten
    times a second and erased when the work is done, so the usual report follows cleanly."""

    def __init__(self, stream: TextIO, label: str = "building", width: int = 30,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.stream, self.label, self.width, self.clock = stream, label, width, clock
        self._drawn = 0  # length of what is on the line now
        self._last = float("-inf")

    def __call__(self, done: int, total: int) -> None:
        finished = total <= 0 or done >= total
        now = self.clock()
        if not finished and now - self._last < 0.1:
            return
        self._last = now
        if finished:
            self.stream.write("\r" + " " * self._drawn + "\r" if self._drawn else "")
            self._drawn = 0
        else:
            filled = self.width * done // total
            line = f"{self.label} [{'#' * filled}{' ' * (self.width - filled)}] {100 * done // total:3d}%"
            self.stream.write("\r" + line)
            self._drawn = len(line)
        self.stream.flush()
