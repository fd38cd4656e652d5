"""Finds names with an ASCII-only pattern (LeetCode's alphabet): drops spaces and non-ASCII."""
import re


def simplify_path(path: str) -> str:
    names = []
    for part in re.findall(r"[A-Za-z0-9._-]+", path):
        if part == "..":
            if names:
                names.pop()
        elif part != ".":
            names.append(part)
    return "/" + "/".join(names)
