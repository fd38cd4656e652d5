"""Pops on ".." without checking the stack: IndexError at the root."""


def simplify_path(path: str) -> str:
    names = []
    for part in path.split("/"):
        if part == "..":
            names.pop()
        elif part and part != ".":
            names.append(part)
    return "/" + "/".join(names)
