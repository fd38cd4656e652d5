"""posixpath.relpath with the arguments the wrong way round (relpath takes the target first)."""
import posixpath


def relative_path(from_dir: str, to_path: str) -> str:
    return posixpath.relpath(from_dir, to_path)
