"""Strips whitespace around each name before comparing, so "a " and "a" look like one name."""


def relative_path(from_dir: str, to_path: str) -> str:
    source = [name.strip() for name in from_dir.split("/") if name.strip()]
    target = [name.strip() for name in to_path.split("/") if name.strip()]
    common = 0
    while common < len(source) and common < len(target) and source[common] == target[common]:
        common += 1
    return "/".join([".."] * (len(source) - common) + target[common:]) or "."
