"""Forgets to skip empty components: repeated and trailing slashes survive."""


def simplify_path(path: str) -> str:
    names = []
    for part in path[1:].split("/"):
        if part == "..":
            if names:
                names.pop()
        elif part != ".":
            names.append(part)
    return "/" + "/".join(names)
