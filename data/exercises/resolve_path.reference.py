"""Reference solution for resolve_path: pick the start, then the simplify_path stack."""


def resolve(cwd: str, path: str) -> str:
    """The canonical absolute path that `cd path` reaches from the directory `cwd`."""
    # cwd is canonical, so running it through the same loop again leaves it unchanged.
    start = "" if path.startswith("/") else cwd
    names: list[str] = []
    for part in (start + "/" + path).split("/"):
        if part == "..":
            if names:  # the root has no parent: ".." there stays at the root
                names.pop()
        elif part and part != ".":
            names.append(part)
    return "/" + "/".join(names)
