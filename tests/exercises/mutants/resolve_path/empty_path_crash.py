"""Looks at path[0] to test for an absolute path: IndexError on an empty path."""


def resolve(cwd: str, path: str) -> str:
    names = [] if path[0] == "/" else [n for n in cwd.split("/") if n]
    for part in path.split("/"):
        if part == "..":
            if names:
                names.pop()
        elif part and part != ".":
            names.append(part)
    return "/" + "/".join(names)
