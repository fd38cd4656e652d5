"""Returns "" instead of "." for equal paths."""


def relative_path(from_dir: str, to_path: str) -> str:
    source = [n for n in from_dir.split("/") if n]
    target = [n for n in to_path.split("/") if n]
    common = 0
    while common < min(len(source), len(target)) and source[common] == target[common]:
        common += 1
    return "/".join([".."] * (len(source) - common) + target[common:])
