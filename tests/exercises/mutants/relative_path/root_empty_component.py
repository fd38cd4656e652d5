"""Splits on "/" without dropping empty strings, so the root "/" counts as a name."""


def relative_path(from_dir: str, to_path: str) -> str:
    source = from_dir.split("/")
    target = to_path.split("/")
    common = 0
    while common < min(len(source), len(target)) and source[common] == target[common]:
        common += 1
    return "/".join([".."] * (len(source) - common) + target[common:]) or "."
