"""Splits names on backslashes too (Windows habit), and joins the result with "/"."""
import re


def relative_path(from_dir: str, to_path: str) -> str:
    source = [name for name in re.split(r"[/\\]", from_dir) if name]
    target = [name for name in re.split(r"[/\\]", to_path) if name]
    common = 0
    while common < len(source) and common < len(target) and source[common] == target[common]:
        common += 1
    return "/".join([".."] * (len(source) - common) + target[common:]) or "."
