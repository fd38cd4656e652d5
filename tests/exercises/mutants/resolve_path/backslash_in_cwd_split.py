"""Handles backslashes in path as names but splits cwd on them (it "cleans" the working directory)."""
import re


def resolve(cwd: str, path: str) -> str:
    start = "" if path.startswith("/") else "/".join(re.split(r"[/\\]", cwd))
    names = []
    for part in (start + "/" + path).split("/"):
        if part == "..":
            if names:
                names.pop()
        elif part and part != ".":
            names.append(part)
    return "/" + "/".join(names)
