"""Treats a name made only of spaces like an empty component and drops it."""


def resolve(cwd: str, path: str) -> str:
    start = "" if path.startswith("/") else cwd
    names = []
    for part in (start + "/" + path).split("/"):
        if part == "..":
            if names:
                names.pop()
        elif part.strip() and part != ".":
            names.append(part)
    return "/" + "/".join(names)
