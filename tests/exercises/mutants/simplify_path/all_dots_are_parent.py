"""Treats any name made only of dots ("...", "....") as "..": "/..." becomes "/"."""


def simplify_path(path: str) -> str:
    names = []
    for part in path.split("/"):
        if part == "" or part == ".":
            continue
        if set(part) == {"."}:
            if names:
                names.pop()
        else:
            names.append(part)
    return "/" + "/".join(names)
