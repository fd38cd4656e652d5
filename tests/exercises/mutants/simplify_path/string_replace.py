"""Rewrites the string with replace and regex instead of a stack; misses overlapping "/./"."""
import re


def simplify_path(path: str) -> str:
    path = re.sub(r"/+", "/", path)
    path = path.replace("/./", "/")
    while True:
        shorter = re.sub(r"/[^/]+/\.\./", "/", path, count=1)
        if shorter == path:
            break
        path = shorter
    path = re.sub(r"^(/\.\.)+(?=/|$)", "", path)
    if path.endswith("/."):
        path = path[:-2]
    return path.rstrip("/") or "/"
