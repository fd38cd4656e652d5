"""Reference solution for simplify_path: one pass with a stack of names, no recursion."""


def simplify_path(path: str) -> str:
    """The canonical form of the absolute path `path`."""
    names: list[str] = []
    for part in path.split("/"):
        if part == "..":
            if names:  # the root has no parent: ".." there stays at the root
                names.pop()
        elif part and part != ".":
            names.append(part)
    return "/" + "/".join(names)
