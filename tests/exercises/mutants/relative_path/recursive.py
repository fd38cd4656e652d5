"""Recursive: strips one shared component per call (RecursionError on a deep common prefix)."""


def relative_path(from_dir: str, to_path: str) -> str:
    def strip(source: list, target: list) -> str:
        if source and target and source[0] == target[0]:
            return strip(source[1:], target[1:])
        return "/".join([".."] * len(source) + target) or "."

    return strip([n for n in from_dir.split("/") if n], [n for n in to_path.split("/") if n])
