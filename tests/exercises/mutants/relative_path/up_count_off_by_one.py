"""Counts the ".." from the target's depth instead of the start's."""


def relative_path(from_dir: str, to_path: str) -> str:
    source = [n for n in from_dir.split("/") if n]
    target = [n for n in to_path.split("/") if n]
    common = 0
    while common < min(len(source), len(target)) and source[common] == target[common]:
        common += 1
    return "/".join([".."] * (len(target) - common) + target[common:]) or "."
