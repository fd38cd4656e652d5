"""Trims the input path first, as if it were a line typed at a prompt: " /b" becomes absolute."""


def resolve(cwd: str, path: str) -> str:
    path = path.strip()
    start = "" if path.startswith("/") else cwd
    names = []
    for part in (start + "/" + path).split("/"):
        if part == "..":
            if names:
                names.pop()
        elif part and part != ".":
            names.append(part)
    return "/" + "/".join(names)
