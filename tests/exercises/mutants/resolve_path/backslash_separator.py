"""Treats a backslash as a separator too (Windows habit), in cwd and in path."""


def resolve(cwd: str, path: str) -> str:
    cwd, path = cwd.replace("\\", "/"), path.replace("\\", "/")
    start = "" if path.startswith("/") else cwd
    names = []
    for part in (start + "/" + path).split("/"):
        if part == "..":
            if names:
                names.pop()
        elif part and part != ".":
            names.append(part)
    return "/" + "/".join(names)
