"""Strips whitespace from each component, so " a " becomes "a"."""


def simplify_path(path: str) -> str:
    names = []
    for part in path.split("/"):
        part = part.strip()
        if part == "..":
            if names:
                names.pop()
        elif part and part != ".":
            names.append(part)
    return "/" + "/".join(names)
