"""Work spread over the machine's cores: forked worker processes, or none.

Loading and rendering are pure functions of their input, so a batch can be split into chunks
and run in forked processes with the same result as in this one. Fork (not spawn) because the
children inherit the loaded modules and the validated deck instead of paying to rebuild them.
"""

from __future__ import annotations

import contextlib
import gc
import os
import signal
import threading
from typing import Any, Callable, Iterator, Sequence, TypeVar

S = TypeVar("S")
A = TypeVar("A")
R = TypeVar("R")

_shared: Any = None  # in a worker: what the parent handed over at fork time


def available_cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def jobs_for(work: int, minimum: int, jobs: int | None = None) -> int:
    """How many processes a batch of `work` units deserves: 1 below `minimum` (forking costs
    more than it saves), when fork is unavailable, or when other threads are running (a fork
    copies their locks in whatever state they happen to be); else `jobs`, or one per core."""
    if jobs is not None and jobs <= 1:
        return 1
    if work < minimum or not _can_fork():
        return 1
    return max(1, min(jobs or available_cores(), work // max(1, minimum // 2)))


def _can_fork() -> bool:
    """Fork is safe only in a single-threaded process (counting threads Python did not start,
    such as a file watcher's)."""
    import multiprocessing

    if "fork" not in multiprocessing.get_all_start_methods():
        return False
    try:
        return len(os.listdir("/proc/self/task")) == 1
    except OSError:  # pragma: no cover - not Linux
        return threading.active_count() == 1


def imap(func: Callable[[S, A], R], shared: S, args: Sequence[A], jobs: int) -> Iterator[R]:
    """func(shared, arg) for every arg, in order; in `jobs` forked processes when jobs > 1.

    `shared` reaches the workers through fork, not pickling; each arg and result is pickled."""
    if jobs <= 1:
        for arg in args:
            yield func(shared, arg)
        return
    import multiprocessing

    context = multiprocessing.get_context("fork")
    gc.freeze()  # the collector in a child would otherwise touch (and so copy) every inherited object
    try:
        with _interrupts_blocked():  # a child must not see Ctrl-C before it can ignore it
            pool = context.Pool(jobs, initializer=_start_worker, initargs=(shared,))
        try:
            yield from pool.imap(_call, [(func, arg) for arg in args])
            pool.close()
        finally:
            pool.terminate()
            pool.join()
    finally:
        gc.unfreeze()


def in_worker() -> bool:
    """Whether this process is a worker started by imap()."""
    return _shared is not None


def _start_worker(shared: Any) -> None:
    global _shared
    _shared = shared
    gc.disable()  # a worker lives for one batch and makes next to no cycles: collecting costs ~3 %
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's: it stops the pool
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def _call(task: tuple[Callable[[Any, Any], Any], Any]) -> Any:
    func, arg = task
    return func(_shared, arg)


@contextlib.contextmanager
def _interrupts_blocked() -> Iterator[None]:
    """Hold SIGINT while forking; it is delivered to this process right after."""
    if not hasattr(signal, "pthread_sigmask") or threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def chunks(count: int, jobs: int, per_job: int = 8, smallest: int = 25) -> list[range]:
    """`count` items cut into ranges: several per job (so the cores stay busy to the end and
    progress moves), none tiny."""
    size = max(smallest, -(-count // (jobs * per_job)))
    return [range(start, min(start + size, count)) for start in range(0, count, size)]
