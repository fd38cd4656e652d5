"""Keeps ".." when there is nothing to pop, as a relative path would: "/.." stays "/.."."""


def simplify_path(path: str) -> str:
    names = []
    for part in path.split("/"):
        if part == "..":
            if names and names[-1] != "..":
                names.pop()
            else:
                names.append(part)
        elif part and part != ".":
            names.append(part)
    return "/" + "/".join(names)
