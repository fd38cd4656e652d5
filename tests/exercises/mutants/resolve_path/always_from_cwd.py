"""Always starts from cwd, even when path is absolute."""


def resolve(cwd: str, path: str) -> str:
    names = []
    for part in (cwd + "/" + path).split("/"):
        if part == "..":
            if names:
                names.pop()
        elif part and part != ".":
            names.append(part)
    return "/" + "/".join(names)
