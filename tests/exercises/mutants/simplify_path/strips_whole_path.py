"""Trims the whole input first (path.strip()), so a last name ending in a space loses it."""


def simplify_path(path: str) -> str:
    names = []
    for part in path.strip().split("/"):
        if part == "..":
            if names:
                names.pop()
        elif part and part != ".":
            names.append(part)
    return "/" + "/".join(names)
