"""Treats a backslash as a separator too ("portable" code): "/a\\b/../c" becomes "/a/c"."""


def simplify_path(path: str) -> str:
    names = []
    for part in path.replace("\\", "/").split("/"):
        if part == "..":
            if names:
                names.pop()
        elif part and part != ".":
            names.append(part)
    return "/" + "/".join(names)
