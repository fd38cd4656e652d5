"""Recursive: one call per component, so a 1500-component path raises RecursionError."""


def simplify_path(path: str) -> str:
    def walk(parts: list, names: list) -> list:
        if not parts:
            return names
        head, rest = parts[0], parts[1:]
        if head == "..":
            return walk(rest, names[:-1])
        if head in ("", "."):
            return walk(rest, names)
        return walk(rest, names + [head])

    return "/" + "/".join(walk(path.split("/"), []))
