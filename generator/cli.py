"""The `cardsmith` command: a thin click shell over generator.build. No logic lives here."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Callable

import click

from generator import __version__

DATA_OPTION = click.option("--data", "data_dir", type=click.Path(path_type=Path), default=Path("data"),
                           show_default=True, help="Folder with deck.yaml, topics/, exercises/.")
TEMPLATES_OPTION = click.option("--templates", "templates_dir", type=click.Path(path_type=Path),
                                default=None, help="Templates folder (default: the project's templates/).")
WATCH_OPTION = click.option("--watch", is_flag=True,
                            help="Keep running: redo it on every save under data/ and templates/ "
                                 "(Ctrl-C stops).")


def _fail_on_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """The one place where core errors become messages and exit codes (no tracebacks)."""

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from generator.errors import CardsmithError, describe

        try:
            return func(*args, **kwargs)
        except (CardsmithError, KeyboardInterrupt) as exc:
            lines, code = describe(exc)
            for line in lines:
                click.echo(line, err=True)
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
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("build"),
              show_default=True, help="Output folder.")
@TEMPLATES_OPTION
@click.option("--allow-schema-change", is_flag=True,
              help="Accept a note-type schema change (costs users a merge and a full sync).")
@WATCH_OPTION
@click.pass_context
@_fail_on_errors
def build(ctx: click.Context, data_dir: Path, out_dir: Path, templates_dir: Path | None,
          allow_schema_change: bool, watch: bool) -> None:
    """Build the .apkg deck and the exercise files."""
    from generator.build import build as run_build
    from generator.report import build_report
    from generator.progress import ProgressBar
    from generator.watch import Outcome, build_summary

    progress = ProgressBar(sys.stderr) if sys.stderr.isatty() and ctx.obj["verbosity"] >= 0 else None

    def once() -> Outcome:
        result = run_build(data_dir, out_dir, templates_dir, allow_schema_change=allow_schema_change,
                           progress=progress)
        return Outcome(list(build_report(result, ctx.obj["verbosity"])), build_summary(result))

    _run(ctx, once, watch, data_dir, templates_dir)


@main.command()
@DATA_OPTION
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("build/preview"),
              show_default=True, help="Gallery folder: index.html and the media beside it.")
@TEMPLATES_OPTION
@WATCH_OPTION
@click.pass_context
@_fail_on_errors
def preview(ctx: click.Context, data_dir: Path, out_dir: Path, templates_dir: Path | None,
            watch: bool) -> None:
    """Write an HTML gallery of every card, front and back, as Anki renders it."""
    from generator.preview import preview as run_preview
    from generator.preview import preview_report, preview_summary, write_preview
    from generator.watch import Outcome

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
    from generator.errors import CardsmithError, DataError, describe, display_path
    from generator.watch import rebuild_line, watch as watch_loop, watched_paths

    def on_change(changed: tuple[Path, ...]) -> None:
        try:
            outcome = once()
        except CardsmithError as exc:
            if not changed and not isinstance(exc, DataError):  # a bad --out… is not fixed by a save
                raise
            lines, _ = describe(exc)
            for line in lines[:-1]:
                click.echo(line, err=True)
            summary = lines[-1].removeprefix("cardsmith: ")
            if not isinstance(exc, DataError):
                summary += "; nothing was written"
            click.echo(rebuild_line(changed, summary), err=True)
            return
        for line in outcome.warnings if changed else outcome.report:
            click.echo(line.text, err=line.warning)
        if changed and ctx.obj["verbosity"] >= 0:
            click.echo(rebuild_line(changed, outcome.summary))

    if not watch:
        for line in once().report:
            click.echo(line.text, err=line.warning)
        return
    paths = watched_paths(data_dir, templates_dir)

    def first_run() -> None:  # once the watcher listens: a save during this run is not missed
        on_change(())
        click.echo(f"watching {', '.join(display_path(p) for p in paths)} (Ctrl-C stops)", err=True)

    watch_loop(paths, on_change, on_ready=first_run)
    click.echo("stopped watching", err=True)


@main.command()
@DATA_OPTION
@TEMPLATES_OPTION
@click.pass_context
@_fail_on_errors
def check(ctx: click.Context, data_dir: Path, templates_dir: Path | None) -> None:
    """Validate and lint the data; write nothing."""
    from generator.build import check as run_check

    warnings = run_check(data_dir, templates_dir)
    for problem in warnings:
        click.echo(str(problem), err=True)
    if ctx.obj["verbosity"] >= 0:
        click.echo(f"ok: no errors, {len(warnings)} warning(s)")
