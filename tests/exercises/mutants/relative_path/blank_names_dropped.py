"""Treats a name made only of spaces like an empty component and drops it."""


def relative_path(from_dir: str, to_path: str) -> str:
    source = [name for name in from_dir.split("/") if name.strip()]
    target = [name for name in to_path.split("/") if name.strip()]
    common = 0
    while common < len(source) and common < len(target) and source[common] == target[common]:
        common += 1
    return "/".join([".."] * (len(source) - common) + target[common:]) or "."
