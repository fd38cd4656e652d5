"""Pops on ".." without checking the stack: IndexError once at the root."""


def resolve(cwd: str, path: str) -> str:
    names = [] if path.startswith("/") else [n for n in cwd.split("/") if n]
    for part in path.split("/"):
        if part == "..":
            names.pop()
        elif part and part != ".":
            names.append(part)
    return "/" + "/".join(names)
