"""Recursive: resolves the first component, then recurses on the rest (RecursionError when deep)."""


def resolve(cwd: str, path: str) -> str:
    if path.startswith("/"):
        return resolve("/", path.lstrip("/"))
    if not path:
        return cwd
    head, _, rest = path.partition("/")
    if head == "..":
        cwd = cwd.rsplit("/", 1)[0] or "/"
    elif head and head != ".":
        cwd = cwd.rstrip("/") + "/" + head
    return resolve(cwd, rest)
