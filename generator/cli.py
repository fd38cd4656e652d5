"""The `cardsmith` command: a thin click shell over generator.build. No logic lives here."""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path
from typing import Any, Callable

import click

from generator import __version__

# readable=False: an unreadable folder is reported by the core in one line, not by click's usage text
DATA_OPTION = click.option("--data", "data_dir", type=click.Path(path_type=Path, readable=False), default=None,
                           help="The deck folder, or its data/ folder (default: the first folder from here "
                                "upward with data/deck.yaml).")
TEMPLATES_OPTION = click.option("--templates", "templates_dir", type=click.Path(path_type=Path, readable=False),
                                default=None,
                                help="Theme overrides: files here replace the default theme's, one by one "
                                     "(default: the deck folder's templates/, if any).")
WATCH_OPTION = click.option("--watch", is_flag=True,
                            help="Keep running: redo it on every save under data/ and templates/ "
                                 "(Ctrl-C stops).")


def _set_verbosity(ctx: click.Context, param: click.Parameter, value: int | bool) -> None:
    if value:
        ctx.ensure_object(dict)["verbosity"] = -1 if param.name == "quiet" else int(value)


def _verbosity_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """-v / -q after the subcommand too (`cardsmith build -q`), as before it."""
    func = click.option("-q", "--quiet", is_flag=True, expose_value=False, callback=_set_verbosity,
                        help="Print only problems.")(func)
    return click.option("-v", "--verbose", count=True, expose_value=False, callback=_set_verbosity,
                        help="Say more (repeat for more).")(func)


def _deck(data_dir: Path | None) -> Any:
    """The deck folder the command works on (generator.project.find_deck)."""
    from generator.project import find_deck

    return find_deck(data_dir)


def _echo(text: str, err: bool = False) -> None:
    """click.echo of text that may hold a file name that is not UTF-8 (shown as \\xNN)."""
    from generator.output import printable

    click.echo(printable(text), err=err)


def _fail_on_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """The one place where core errors become messages and exit codes (no tracebacks); SIGTERM
    stops a command as Ctrl-C does."""

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from generator.errors import describe
        from generator.output import sigterm_as_interrupt

        try:
            with sigterm_as_interrupt():
                return func(*args, **kwargs)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise  # click's own: usage errors, --help…
        except (Exception, KeyboardInterrupt) as exc:
            lines, code = describe(exc)
            if isinstance(exc, BrokenPipeError):  # else Python's exit flushes into the pipe again
                with contextlib.suppress(OSError, ValueError):
                    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            with contextlib.suppress(OSError):  # stderr may be closed too: the exit code still says it
                for line in lines:
                    _echo(line, err=True)
            sys.exit(code)

    wrapper.__name__ = func.__name__
    wrapper.__doc__ = func.__doc__
    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="cardsmith")
@click.option("-v", "--verbose", count=True, help="Say more (repeat for more).")
@click.option("-q", "--quiet", is_flag=True, help="Print only problems.")
@click.pass_context
def main(ctx: click.Context, verbose: int, quiet: bool) -> None:
    """Turn structured topic data into an Anki deck and Python exercises."""
    ctx.obj = {"verbosity": -1 if quiet else verbose}


@main.command()
@DATA_OPTION
@click.option("--out", "out_dir", type=click.Path(path_type=Path, readable=False), default=None,
              help="Output folder (default: build/ in the deck folder).")
@TEMPLATES_OPTION
@click.option("--allow-schema-change", is_flag=True,
              help="Accept a note-type schema change (costs users a merge and a full sync).")
@click.option("--allow-identity-change", is_flag=True,
              help="Accept a new namespace or a note id moved to other content (see README: Updating your deck).")
@WATCH_OPTION
@_verbosity_options
@click.pass_context
@_fail_on_errors
def build(ctx: click.Context, data_dir: Path | None, out_dir: Path | None, templates_dir: Path | None,
          allow_schema_change: bool, allow_identity_change: bool, watch: bool) -> None:
    """Build the .apkg deck and the exercise files."""
    from generator.build import build as run_build
    from generator.report import build_report
    from generator.progress import ProgressBar
    from generator.watch import Outcome, build_summary

    deck = _deck(data_dir)
    data_dir, out_dir = deck.data, out_dir or deck.build
    progress = ProgressBar(sys.stderr) if sys.stderr.isatty() and ctx.obj["verbosity"] >= 0 else None

    def once() -> Outcome:
        result = run_build(data_dir, out_dir, templates_dir, allow_schema_change=allow_schema_change,
                           allow_identity_change=allow_identity_change, progress=progress)
        return Outcome(list(build_report(result, ctx.obj["verbosity"])), build_summary(result))

    _run(ctx, once, watch, data_dir, templates_dir)


@main.command()
@DATA_OPTION
@click.option("--out", "out_dir", type=click.Path(path_type=Path, readable=False), default=None,
              help="Gallery folder: index.html and the media beside it (default: build/preview/ in the deck folder).")
@TEMPLATES_OPTION
@WATCH_OPTION
@_verbosity_options
@click.pass_context
@_fail_on_errors
def preview(ctx: click.Context, data_dir: Path | None, out_dir: Path | None, templates_dir: Path | None,
            watch: bool) -> None:
    """Write an HTML gallery of every card, front and back, as Anki renders it."""
    from generator.preview import preview as run_preview
    from generator.preview import preview_report, preview_summary, write_preview
    from generator.watch import Outcome

    deck = _deck(data_dir)
    data_dir, out_dir = deck.data, out_dir or deck.build / "preview"

    def once() -> Outcome:
        result = run_preview(data_dir, templates_dir)
        written, _ = write_preview(result, out_dir)
        return Outcome(list(preview_report(result, out_dir, written, ctx.obj["verbosity"])),
                       preview_summary(result, out_dir))

    _run(ctx, once, watch, data_dir, templates_dir)


def _run(ctx: click.Context, once: Callable[[], Any], watch: bool, data_dir: Path,
         templates_dir: Path | None) -> None:
    """Run once and print the report. With --watch, also after every save: one line per run
    plus its problems, never exiting on them."""
    from generator.errors import UsageError, describe, display_path
    from generator.watch import rebuild_line, watch as watch_loop, watched_paths

    def on_change(changed: tuple[Path, ...]) -> None:
        try:
            outcome = once()
        except Exception as exc:  # every failure is a line; the watch goes on (Ctrl-C ends it)
            if not changed and isinstance(exc, UsageError):  # a bad --out… is not fixed by a save
                raise
            lines, _ = describe(exc)
            for line in lines[:-1]:
                _echo(line, err=True)
            summary = lines[-1].removeprefix("cardsmith: ")
            if "nothing was written" not in summary and "untouched" not in summary:
                summary += "; nothing was written"
            _echo(rebuild_line(changed, summary), err=True)
            return
        for line in outcome.warnings if changed else outcome.report:
            _echo(line.text, err=line.warning)
        if changed and ctx.obj["verbosity"] >= 0:
            _echo(rebuild_line(changed, outcome.summary))

    if not watch:
        for line in once().report:
            _echo(line.text, err=line.warning)
        return
    paths = watched_paths(data_dir, templates_dir)

    def first_run() -> None:  # once the watcher listens: a save during this run is not missed
        on_change(())
        _echo(f"watching {', '.join(display_path(p) for p in paths)} (Ctrl-C stops)", err=True)

    def on_error(message: str) -> None:  # the watcher itself stumbled (and was restarted)
        _echo(rebuild_line(tuple(paths[:1]), message), err=True)

    watch_loop(paths, on_change, on_ready=first_run, on_error=on_error)
    click.echo("stopped watching", err=True)


@main.command()
@DATA_OPTION
@TEMPLATES_OPTION
@_verbosity_options
@click.pass_context
@_fail_on_errors
def check(ctx: click.Context, data_dir: Path | None, templates_dir: Path | None) -> None:
    """Validate and lint the data; write nothing."""
    from generator.build import check as run_check

    warnings = run_check(_deck(data_dir).data, templates_dir)
    for problem in warnings:
        _echo(str(problem), err=True)
    if ctx.obj["verbosity"] >= 0:
        click.echo(f"ok: no errors, {len(warnings)} warning(s)")


@main.command()
@click.argument("folder", type=click.Path(path_type=Path), default=Path("."))
@click.option("--name", default=None, help="The deck's name in Anki (default: from the folder's name).")
@_verbosity_options
@click.pass_context
@_fail_on_errors
def init(ctx: click.Context, folder: Path, name: str | None) -> None:
    """Start a deck folder: data/deck.yaml, a first topic, .gitignore, editor schemas."""
    from generator.errors import display_path
    from generator.output import check_out_dir
    from generator.project import create_deck, next_steps

    check_out_dir(folder, "FOLDER")
    for path in create_deck(folder, name):
        if ctx.obj["verbosity"] >= 0:
            _echo(f"created {display_path(path)}")
    if ctx.obj["verbosity"] >= 0:
        click.echo("next:")
        for line in next_steps(folder):
            _echo(f"  {line}")


@main.command()
@click.option("--out", "out_dir", type=click.Path(path_type=Path, readable=False), default=None,
              help="Folder for the schema files (default: schemas/ in the deck folder, or here).")
@_verbosity_options
@click.pass_context
@_fail_on_errors
def schema(ctx: click.Context, out_dir: Path | None) -> None:
    """Write JSON Schemas of deck.yaml, topic files, diagrams.yaml and exercises, for editors."""
    from generator.errors import display_path
    from generator.output import check_out_dir
    from generator.project import write_schemas

    if out_dir is not None:
        check_out_dir(out_dir)
    for path in write_schemas(out_dir):
        if ctx.obj["verbosity"] >= 0:
            _echo(f"wrote {display_path(path)}")


@main.command()
@click.argument("names", nargs=-1)
@DATA_OPTION
@_verbosity_options
@click.pass_context
@_fail_on_errors
def theme(ctx: click.Context, names: tuple[str, ...], data_dir: Path | None) -> None:
    """List the theme's files, or copy default ones (e.g. anki/style.css) into templates/ to edit."""
    from generator.errors import display_path
    from generator.project import copy_theme_files, theme_listing

    deck = _deck(data_dir)
    if not names:
        for name, origin in theme_listing(deck):
            click.echo(f"{origin:8}  {name}")
        return
    for path in copy_theme_files(deck, list(names)):
        if ctx.obj["verbosity"] >= 0:
            click.echo(f"created {display_path(path)} (edit it: it now overrides the default)")
