"""Treats a name made only of spaces like an empty component and drops it."""


def simplify_path(path: str) -> str:
    names = []
    for part in path.split("/"):
        if part == "..":
            if names:
                names.pop()
        elif part.strip() and part != ".":
            names.append(part)
    return "/" + "/".join(names)
