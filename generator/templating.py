"""The project's one Jinja environment: strict, autoescaping HTML/SVG, with a repr filter for Python."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported on first use: a no-op build never renders anything
    import jinja2


def default_templates_dir() -> Path:
    """The checkout's templates/ (editable install), else templates/ in the working directory."""
    beside_package = Path(__file__).resolve().parent.parent / "templates"
    return beside_package if beside_package.is_dir() else Path.cwd() / "templates"


def _pyrepr(value: Any) -> str:
    """A Python literal for `value`: generated code never glues literals from strings."""
    return repr(value)


def environment(templates_dir: Path | None = None) -> jinja2.Environment:
    """The Jinja environment for `templates_dir` (default: default_templates_dir())."""
    return _environment((templates_dir or default_templates_dir()).resolve())


@lru_cache(maxsize=None)
def _environment(templates_dir: Path) -> jinja2.Environment:
    """Jinja for every generated file: a typo is an error, never an empty string."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir)),
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
    """Render `<templates_dir>/<template>` with `context`."""
    return environment(templates_dir).get_template(template).render(**context)
