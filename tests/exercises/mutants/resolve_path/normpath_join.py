"""posixpath.normpath(posixpath.join(cwd, path)): a leading "//" in path survives."""
import posixpath


def resolve(cwd: str, path: str) -> str:
    return posixpath.normpath(posixpath.join(cwd, path))
