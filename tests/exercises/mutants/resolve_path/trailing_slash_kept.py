"""Keeps the trailing slash the user typed ("docs/" gives "/home/user/docs/")."""


def resolve(cwd: str, path: str) -> str:
    names = [] if path.startswith("/") else [n for n in cwd.split("/") if n]
    for part in path.split("/"):
        if part == "..":
            if names:
                names.pop()
        elif part and part != ".":
            names.append(part)
    result = "/" + "/".join(names)
    return result + "/" if path.endswith("/") and names else result
