"""Strips whitespace around each component, so " a " becomes "a" and " " disappears."""


def resolve(cwd: str, path: str) -> str:
    start = "" if path.startswith("/") else cwd
    names = []
    for part in (start + "/" + path).split("/"):
        part = part.strip()
        if part == "..":
            if names:
                names.pop()
        elif part and part != ".":
            names.append(part)
    return "/" + "/".join(names)
