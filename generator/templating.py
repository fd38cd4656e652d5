"""The theme and the project's one Jinja environment: strict, autoescaping HTML/SVG, with a
repr filter for Python.

A theme is looked up file by file, like MkDocs' custom_dir: a file in the override folder
(`--templates DIR`, else the deck folder's own templates/) wins; every other file comes from
the default theme, which ships inside the package (generator.theme, built from the top-level
templates/ folder). Nothing is ever looked up in the folder cardsmith was installed from.
"""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator.errors import UsageError

if TYPE_CHECKING:  # imported on first use: a no-op build never renders anything
    import jinja2

_NOT_THEME = ("__init__.py", "__pycache__")  # what makes the theme folder a package


def default_templates_dir() -> Path:
    """The default theme's folder: the package generator.theme, wherever it is installed."""
    import importlib.util

    spec = importlib.util.find_spec("generator.theme")  # a package of its own: see setup.cfg
    if spec is None or spec.origin is None:
        raise UsageError("cardsmith's default theme is missing from its installation; reinstall cardsmith")
    return Path(spec.origin).resolve().parent


def override_dir(data_dir: Path, templates_dir: Path | None = None) -> Path | None:
    """The theme's override folder for the deck in `data_dir`: `templates_dir` when given,
    else the deck folder's own templates/ when it has one, else None (the default theme alone)."""
    if templates_dir is not None:
        if not templates_dir.is_dir():
            found = "is not a folder" if templates_dir.exists() else "not found"
            raise UsageError(f"--templates '{templates_dir}' {found} (expected a folder of theme files "
                             "that replace the default theme's, one by one)")
        return templates_dir
    own = data_dir.parent / "templates"
    return own if own.is_dir() else None


def theme_dirs(templates_dir: Path | None = None) -> tuple[Path, ...]:
    """Where template files are looked up, first match wins: the override folder (when given
    and present), then the default theme."""
    default = default_templates_dir()
    if templates_dir is None or not templates_dir.is_dir() or templates_dir.resolve() == default:
        return (default,)
    return (templates_dir.resolve(), default)


def theme_files(templates_dir: Path | None = None) -> dict[str, Path]:
    """Every file of the theme by its name ("anki/style.css"), from the folder it is taken from."""
    found: dict[str, Path] = {}
    for folder in reversed(theme_dirs(templates_dir)):  # the override last: it wins
        for root, dirs, files in os.walk(folder):
            dirs[:] = sorted(d for d in dirs if d not in _NOT_THEME)
            for name in sorted(files):
                if name not in _NOT_THEME and not name.endswith(".pyc"):
                    path = Path(root, name)
                    found[path.relative_to(folder).as_posix()] = path
    return dict(sorted(found.items()))


def theme_digest(templates_dir: Path | None = None) -> dict[str, str]:
    """Name → sha256 of every file of the theme as looked up (what a build's output depends on)."""
    result = {}
    for name, path in theme_files(templates_dir).items():
        try:
            result[name] = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            result[name] = "unreadable"
    return result


def theme_text(name: str, templates_dir: Path | None = None) -> str:
    """The text of one theme file as looked up; UsageError naming the folders when missing."""
    for folder in theme_dirs(templates_dir):
        path = folder / name
        if path.is_file():
            try:
                return path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise UsageError(f"cannot read theme file '{path}': {exc}") from None
    raise UsageError(f"theme file '{name}' not found in {' or '.join(map(str, theme_dirs(templates_dir)))}")


def _pyrepr(value: Any) -> str:
    """A Python literal for `value`: generated code never glues literals from strings."""
    return repr(value)


def environment(templates_dir: Path | None = None) -> jinja2.Environment:
    """The Jinja environment for the theme with `templates_dir` as its override folder."""
    return _environment(theme_dirs(templates_dir))


@lru_cache(maxsize=None)
def _environment(folders: tuple[Path, ...]) -> jinja2.Environment:
    """Jinja for every generated file: a typo is an error, never an empty string."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(folder) for folder in folders]),
        undefined=jinja2.StrictUndefined,
        autoescape=jinja2.select_autoescape(
            enabled_extensions=("html.j2", "svg.j2"), default_for_string=False, default=False
        ),
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["pyrepr"] = _pyrepr
    return env


def render(template: str, templates_dir: Path | None = None, **context: Any) -> str:
    """Render the theme's `template` (looked up as theme_dirs() says) with `context`."""
    return environment(templates_dir).get_template(template).render(**context)
