"""Uses os.path.commonprefix, which compares characters: "/a/bc" and "/a/b" seem to share "/a/b"."""
import os


def relative_path(from_dir: str, to_path: str) -> str:
    prefix = os.path.commonprefix([from_dir, to_path])
    source = [n for n in from_dir[len(prefix):].split("/") if n]
    target = [n for n in to_path[len(prefix):].split("/") if n]
    return "/".join([".."] * len(source) + target) or "."
