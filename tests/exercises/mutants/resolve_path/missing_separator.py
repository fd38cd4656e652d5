"""Glues cwd and path without a "/" between them: "/home/user" + "docs"."""


def resolve(cwd: str, path: str) -> str:
    full = path if path.startswith("/") else cwd + path
    names = []
    for part in full.split("/"):
        if part == "..":
            if names:
                names.pop()
        elif part and part != ".":
            names.append(part)
    return "/" + "/".join(names)
