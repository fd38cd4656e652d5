"""Reference solution for relative_path: strip the common components, go up, then down."""


def relative_path(from_dir: str, to_path: str) -> str:
    """The shortest relative path from the directory `from_dir` to `to_path` ("." when equal)."""
    source = [name for name in from_dir.split("/") if name]
    target = [name for name in to_path.split("/") if name]
    common = 0  # compare whole components: "/a/bc" and "/a/b" share only "a"
    while common < len(source) and common < len(target) and source[common] == target[common]:
        common += 1
    parts = [".."] * (len(source) - common) + target[common:]
    return "/".join(parts) or "."
