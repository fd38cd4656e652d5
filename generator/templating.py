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
import re
import traceback
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator.errors import DataError, Problem, UsageError

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
            if not path.is_file():  # a FIFO or a link to /dev/zero: reported by theme_problems
                result[name] = "not a regular file"
                continue
            result[name] = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            result[name] = "unreadable"
    return result


def theme_file(name: str, templates_dir: Path | None = None) -> Path:
    """Where one theme file is taken from (the first folder of theme_dirs() that has it)."""
    for folder in theme_dirs(templates_dir):
        if os.path.lexists(folder / name):
            return folder / name
    return theme_dirs(templates_dir)[-1] / name


def theme_text(name: str, templates_dir: Path | None = None) -> str:
    """The text of one theme file as looked up; UsageError naming the folders when missing."""
    path = theme_file(name, templates_dir)
    if path.is_file():
        try:
            return path.read_text(encoding="utf-8")
        except OSError as exc:
            from generator.output import why

            raise DataError([Problem(str(path), None, f"cannot read theme file: {why(exc)}")]) from None
        except UnicodeDecodeError as exc:
            raise DataError([_not_utf8(path, exc)]) from None
    if os.path.lexists(path):  # a broken link or a folder in the override: never skipped silently
        raise DataError([_not_a_file(path)])
    raise UsageError(f"theme file '{name}' not found in {' or '.join(map(str, theme_dirs(templates_dir)))}")


def _not_utf8(path: Path, exc: UnicodeDecodeError) -> Problem:
    line = exc.object[: exc.start].count(b"\n") + 1 if isinstance(exc.object, bytes) else None
    return Problem(str(path), line, f"theme file is not valid UTF-8 (byte 0x{exc.object[exc.start]:02x}; "
                   "expected UTF-8 text)")


def _not_a_file(path: Path) -> Problem:
    what = (f"a symlink to '{os.readlink(path)}', which does not exist" if path.is_symlink()
            and not path.exists() else "not a regular file")
    return Problem(str(path), None, f"theme file is {what} (replace it with the file, or remove it "
                   "to use the default theme's)")


def theme_problems(templates_dir: Path | None = None) -> list[Problem]:
    """Every problem of the override folder's files, found before anything renders, so they
    are reported with the data's: a name that is not UTF-8, a broken link, a file that is not
    UTF-8 text, a Jinja syntax error, a template an override includes that does not exist."""
    folders = theme_dirs(templates_dir)
    if len(folders) == 1:
        return []  # the default theme alone: shipped and tested with cardsmith
    import jinja2

    override, problems = folders[0], []
    env = _environment(folders)

    def unreadable(exc: OSError) -> None:  # a folder Jinja would skip in silence
        from generator.output import why

        problems.append(Problem(str(exc.filename), None, f"cannot read theme folder: {why(exc)}"))

    for root, dirs, files in os.walk(override, onerror=unreadable):
        dirs[:] = sorted(d for d in dirs if d not in _NOT_THEME)
        for name in sorted(dirs + files):
            path = Path(root, name)
            problems.extend(undecodable_name(path))
            if name in dirs or name in _NOT_THEME or name.endswith(".pyc"):
                continue
            if not path.is_file():
                problems.append(_not_a_file(path))
                continue
            try:
                path.read_bytes().decode("utf-8")
            except OSError as exc:
                from generator.output import why

                problems.append(Problem(str(path), None, f"cannot read theme file: {why(exc)}"))
                continue
            except UnicodeDecodeError as exc:
                problems.append(_not_utf8(path, exc))
                continue
            if name.endswith(".j2"):
                try:
                    env.get_template(path.relative_to(override).as_posix())
                except (jinja2.TemplateError, UnicodeDecodeError, OSError) as exc:
                    problems.append(template_problem(exc))
    return problems


def undecodable_name(path: Path) -> list[Problem]:
    """A problem when the last part of `path` is not valid UTF-8 (Linux allows any bytes in a
    name; Python hands them over surrogate-escaped): editors, git, zip and Anki each show or
    refuse such a name differently, and no message could name it."""
    try:
        path.name.encode("utf-8")
    except UnicodeEncodeError:
        return [Problem(str(path), None, "file or folder name is not valid UTF-8 (rename it; "
                        "the bytes that are not are shown as \\xNN)")]
    return []


def undecodable_names(folder: Path) -> list[Problem]:
    """undecodable_name() for every file and folder below `folder` (data/: before it loads)."""
    problems: list[Problem] = []
    for root, dirs, files in os.walk(folder):  # an unreadable folder: reported when it is read
        dirs.sort()
        for name in sorted(dirs + files):
            problems.extend(undecodable_name(Path(root, name)))
    return problems


def template_problem(exc: BaseException, what: str = "template") -> Problem:
    """Where a Jinja template went wrong, as a located problem: the template file and line
    (from the error itself, or from the template frame in its traceback), and what happened."""
    import jinja2

    path: str | None = None
    line: int | None = None
    if isinstance(exc, jinja2.TemplateSyntaxError) and exc.filename:
        path, line = exc.filename, exc.lineno
    else:
        for frame in reversed(traceback.extract_tb(exc.__traceback__)):
            if frame.filename.endswith(".j2"):  # Jinja rewrites tracebacks to the template's lines
                path, line = frame.filename, frame.lineno
                break
        else:  # raised in a worker process: its traceback came back as text (the cause)
            found = re.findall(r'File "([^"]+\.j2)", line (\d+)', str(exc.__cause__ or ""))
            if found:
                path, line = found[-1][0], int(found[-1][1])
    if isinstance(exc, jinja2.TemplateNotFound):
        message = f"{what} '{exc.name}' not found (expected a file in the theme)"
    elif isinstance(exc, jinja2.TemplateSyntaxError):
        message = f"Jinja syntax error: {exc.message}"
    elif isinstance(exc, jinja2.UndefinedError):
        message = f"{exc.message} (a name the {what} uses has no value)"
    elif isinstance(exc, UnicodeDecodeError):
        message = "template is not valid UTF-8"
    else:
        message = f"{what} failed: {type(exc).__name__}: {exc}"
    return Problem(path or "<theme>", line, message)


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
    """Render the theme's `template` (looked up as theme_dirs() says) with `context`. A
    template that fails is a DataError located in the template file."""
    import jinja2

    try:
        return environment(templates_dir).get_template(template).render(**context)
    except (jinja2.TemplateError, UnicodeDecodeError) as exc:
        raise DataError([template_problem(exc)]) from None
