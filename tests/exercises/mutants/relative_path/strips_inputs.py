"""Trims both inputs first, as if they were lines read from a file."""


def relative_path(from_dir: str, to_path: str) -> str:
    source = [name for name in from_dir.strip().split("/") if name]
    target = [name for name in to_path.strip().split("/") if name]
    common = 0
    while common < len(source) and common < len(target) and source[common] == target[common]:
        common += 1
    return "/".join([".."] * (len(source) - common) + target[common:]) or "."
