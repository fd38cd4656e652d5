"""Removes "." components with one str.replace pass, which misses a run like "/./.": the
replacements do not overlap, so every second "." survives as a name."""


def simplify_path(path: str) -> str:
    path = path.replace("/./", "/")
    if path.endswith("/."):
        path = path[:-2]
    names = []
    for part in path.split("/"):
        if part == "..":
            if names:
                names.pop()
        elif part:
            names.append(part)
    return "/" + "/".join(names)
