"""Simplifies path on its own stack and then prefixes cwd: ".." can never leave cwd."""


def resolve(cwd: str, path: str) -> str:
    names = []
    for part in path.split("/"):
        if part == "..":
            if names:
                names.pop()
        elif part and part != ".":
            names.append(part)
    if path.startswith("/"):
        return "/" + "/".join(names)
    base = cwd.rstrip("/")
    return base + "/" + "/".join(names) if names else cwd
