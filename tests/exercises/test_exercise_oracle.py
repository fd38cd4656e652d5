"""Property tests: each reference solution agrees with an independent oracle from the standard library."""

from __future__ import annotations

import posixpath
from pathlib import Path
from typing import Any, Callable

from hypothesis import given, settings
from hypothesis import strategies as st

EXERCISES = Path(__file__).resolve().parents[2] / "data" / "exercises"
SETTINGS = settings(max_examples=300, deadline=None, database=None)  # no .hypothesis/ in the repo


def reference(name: str, function: str) -> Callable[..., Any]:
    """The reference function, executed from source (importing would write __pycache__ into data/)."""
    path = EXERCISES / f"{name}.reference.py"
    namespace: dict[str, Any] = {}
    exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), namespace)
    return namespace[function]


simplify_path = reference("simplify_path", "simplify_path")
resolve = reference("resolve_path", "resolve")
relative_path = reference("relative_path", "relative_path")

# Components chosen to hit every rule: dots, dot-like names, empties, spaces, non-ASCII.
NAMES = st.sampled_from(["a", "b", "...", ".a", "..a", "a..", " ", "a ", " a", "a\\b", "é", "数据", "A"])
COMPONENTS = st.one_of(NAMES, st.sampled_from(["", ".", ".."]))
RAW = st.text(alphabet="/.ab", max_size=30)  # every short string over the critical alphabet
CANONICAL = st.lists(NAMES, max_size=6).map(lambda names: "/" + "/".join(names))


def normpath(path: str) -> str:
    """posixpath.normpath minus its documented difference: it keeps exactly two leading slashes
    (POSIX leaves "//" to the implementation). ".." at the root it already drops."""
    result = posixpath.normpath(path)
    return result[1:] if result.startswith("//") else result


def is_canonical(path: str) -> bool:
    """Starts with one "/", no empty, "." or ".." components, no trailing "/" except the root."""
    parts = path.split("/")
    return path == "/" or (parts[0] == "" and all(p not in ("", ".", "..") for p in parts[1:]))


@SETTINGS
@given(st.one_of(RAW.map(lambda s: "/" + s), st.lists(COMPONENTS).map(lambda c: "/" + "/".join(c))))
def test_simplify_path_matches_normpath(path: str) -> None:
    result = simplify_path(path)
    assert result == normpath(path)
    assert is_canonical(result) and simplify_path(result) == result


@SETTINGS
@given(CANONICAL, st.one_of(RAW, st.lists(COMPONENTS).map("/".join)))
def test_resolve_matches_normpath_of_join(cwd: str, path: str) -> None:
    result = resolve(cwd, path)
    # join drops cwd for an absolute path, and join(cwd, "") is cwd + "/", which normpath trims.
    assert result == normpath(posixpath.join(cwd, path))
    assert is_canonical(result)


@SETTINGS
@given(st.lists(NAMES, max_size=4), st.lists(NAMES, max_size=4), st.lists(NAMES, max_size=4))
def test_relative_path_matches_relpath(common: list[str], below_from: list[str], below_to: list[str]) -> None:
    from_dir = "/" + "/".join(common + below_from)
    to_path = "/" + "/".join(common + below_to)
    result = relative_path(from_dir, to_path)
    assert result == posixpath.relpath(to_path, from_dir)  # note relpath's (target, start) order
    assert resolve(from_dir, result) == to_path


@SETTINGS
@given(CANONICAL, CANONICAL)
def test_relative_path_is_shortest_and_inverts_resolve(from_dir: str, to_path: str) -> None:
    result = relative_path(from_dir, to_path)
    assert resolve(from_dir, result) == to_path
    parts = result.split("/")
    ups = parts.count("..")
    assert parts[:ups] == [".."] * ups and "." not in parts[ups:] or result == "."
    # Shortest: going up further than the deepest shared directory is never needed.
    shared = len(posixpath.commonpath([from_dir, to_path]).strip("/").split("/")) if \
        posixpath.commonpath([from_dir, to_path]) != "/" else 0
    assert ups == len([n for n in from_dir.split("/") if n]) - shared
