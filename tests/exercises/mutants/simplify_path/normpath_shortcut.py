"""Uses posixpath.normpath, which keeps a leading "//" (POSIX leaves its meaning to the system)."""
import posixpath


def simplify_path(path: str) -> str:
    return posixpath.normpath(path)
