"""Command-line interface: a thin shell over the library.

Only this package maps errors to exit codes: 0 ok / conforms, 1 violations found,
2 bad usage or input. Results go to stdout or the named output file; logging and progress
go to stderr. Each stage's commands live in their own module, imported when one of them runs
(see ``_COMMANDS``).
"""
from __future__ import annotations

import functools
import gc
import importlib
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from .. import __version__
from ..errors import InputError, LoopsourceError
from ..memory import bound_large_blocks

log = logging.getLogger("loopsource")


# Command name -> the module (one per pipeline stage) that defines it on ``main``. A command's
# module, and with it its stage's libraries, is imported only when that command runs (or for
# --help): `loopsource query` then starts without importing pySHACL, rdflib or the report code.
_COMMANDS = {
    "build": "build", "export": "build", "generate": "build",
    "reason": "reason",
    "validate": "validate", "profiles": "validate", "readiness": "validate",
    "queries": "query", "query": "query", "serve": "serve",
    "report": "report", "run": "report",
    "scenario": "scenario",
    "network": "network",
    "tender": "tender",
    "passport": "passport",
    "init": "own_data", "classes": "own_data",
}


class FindingsExit(Exception):
    """Raised by a command whose results reach --fail-on: the one way a command exits 1."""


class _Group(click.Group):
    """Loads commands lazily; maps library errors to messages and exit codes; never shows a traceback to a user."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(_COMMANDS))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in _COMMANDS:
            importlib.import_module(f"{__name__}.{_COMMANDS[cmd_name]}")
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except FindingsExit:
            ctx.exit(1)
        except InputError as e:
            for p in e.problems:
                click.echo(f"error: {p}", err=True)
            n = len(e.problems)
            click.echo(f"{n} problem{'s' if n != 1 else ''} found; nothing was written.", err=True)
            ctx.exit(e.exit_code)
        except LoopsourceError as e:
            lines = str(e).splitlines() or [""]
            for line in lines:
                click.echo(f"error: {line}", err=True)
            if len(getattr(e, "problems", ())) > 1:
                click.echo(f"{len(lines)} problems found; nothing was written.", err=True)
            ctx.exit(e.exit_code)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except BrokenPipeError:
            # stdout was closed early (e.g. piped into head): not an error of ours.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            ctx.exit(0)
        except KeyboardInterrupt:
            click.echo("interrupted; nothing was written.", err=True)
            ctx.exit(130)
        except Exception as e:  # an internal error: say so plainly, traceback only on request
            if os.environ.get("LOOPSOURCE_DEBUG"):
                raise
            click.echo(f"internal error: {type(e).__name__}: {e} (set LOOPSOURCE_DEBUG=1 for a traceback)", err=True)
            ctx.exit(3)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="loopsource")
@click.option("-v", "--verbose", count=True, help="More logging on stderr (-vv for debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors on stderr.")
def main(verbose: int, quiet: bool) -> None:
    """loopsource: circular-procurement knowledge graphs from procurement CSV exports.

    Pipeline: build -> reason -> validate -> query -> report (or all at once: run).
    """
    level = logging.ERROR if quiet else (logging.DEBUG if verbose > 1 else logging.INFO if verbose else logging.WARNING)
    logging.basicConfig(level=level, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    # The cyclic collector less often: a command makes millions of small acyclic objects (terms,
    # rows, records), and with the default thresholds each burst started collections over a
    # heap that held them all. `run` at 1 M triples: 43.6 s -> 41.2 s in one process (validate
    # 10.5 -> 8.7 s, report 8.0 -> 7.0 s; bench/README.md). A process-wide policy, so it is set
    # here in the command line's entry point, not in the library.
    gc.set_threshold(100_000, 50, 100)


def store_options(f: Callable[..., Any] | None = None, *, default_to_current: bool = True) -> Any:
    """--store / --endpoint / --update-endpoint / --timeout, shared by every command that uses a graph.

    Without --store and --endpoint a command uses the current store (store.current: the one the
    last 'run' or 'build' in this folder wrote, else ./.loopsource) and says so on stderr;
    ``default_to_current=False`` leaves --store unset (build: it writes ./.loopsource)."""
    if f is None:
        return lambda g: store_options(g, default_to_current=default_to_current)
    if default_to_current:
        f = _with_current_store(f)
    f = _large_blocks_returned_with_endpoint(f)
    f = click.option("--timeout", type=float, default=60.0, show_default=True,
                     help="Seconds to wait for a remote endpoint; for 'query', also the time limit of a "
                          "query on the embedded store.")(f)
    f = click.option("--update-endpoint", metavar="UPDATE_URL",
                     help="SPARQL 1.1 Update endpoint (with --endpoint). Credentials come from "
                          "LOOPSOURCE_ENDPOINT_USER/LOOPSOURCE_ENDPOINT_PASSWORD or LOOPSOURCE_ENDPOINT_TOKEN.")(f)
    f = click.option("--endpoint", metavar="QUERY_URL",
                     help="Use a remote SPARQL 1.1 endpoint instead of the embedded store.")(f)
    f = click.option("--store", type=click.Path(path_type=Path), default=None,
                     help="Embedded store folder [default: the current store named in ./.loopsource-store "
                          "(set by 'run' and 'build'), else ./.loopsource].")(f)
    return f


def _large_blocks_returned_with_endpoint(f: Callable[..., Any]) -> Callable[..., Any]:
    """The command, which with --endpoint first has glibc return freed blocks of 1 MB and more
    at once (memory.bound_large_blocks): against a server loopsource's own memory is what the
    user sizes the client for (at 10 M: 703 MB for the build instead of 810 MB). Not for the
    embedded store: there the blocks mapped and zeroed anew cost time (`run` at 1 M: 41.3 s
    without, 42.7-43.7 s with; bench/README.md). A process-wide policy: set here, not in the library."""
    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if kwargs.get("endpoint"):
            bound_large_blocks()
        return f(*args, **kwargs)

    return wrapper


def _with_current_store(f: Callable[..., Any]) -> Callable[..., Any]:
    """The command with ``store`` resolved through store.current.default_store when neither
    --store nor --endpoint is given (the one place commands find their default store)."""
    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if kwargs.get("store") is None and not kwargs.get("endpoint"):
            from ..store.current import default_store

            choice = default_store()
            kwargs["store"] = choice.path
            note(f"store: {choice.path} ({choice.why})")
        return f(*args, **kwargs)

    return wrapper


def note(message: str) -> None:
    """A line on stderr that --quiet silences (which store, which policy: context, not results)."""
    ctx = click.get_current_context(silent=True)
    if ctx is None or not ctx.find_root().params.get("quiet"):
        click.echo(message, err=True)


def note_if_stale(store: Any, what: str) -> None:
    """Say on stderr when the inferred graph is not current: results then rest on asserted data."""
    from ..store.meta import inferred_status

    status = inferred_status(store)
    if status != "current":
        click.echo(f"note: the inferred graph is {status} (run 'loopsource reason'); {what} uses the "
                   "ontology and asserted data only", err=True)


def progress(message: str) -> None:
    """One line of progress on stderr (results stay on stdout)."""
    click.echo(message, err=True)


def meter() -> Any:
    """The progress callback for the library's long stages: a rate/ETA line on stderr when it is
    a terminal and neither CI=true nor --quiet; silent otherwise (pipes, CI logs)."""
    from .. import progress as prog

    ctx = click.get_current_context(silent=True)
    if ctx is not None and ctx.find_root().params.get("quiet"):
        return prog.silent
    return prog.for_stream(sys.stderr)
