"""queries, query."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from ..errors import UsageError
from ..files import atomic_write
from ..query import OUTPUT_FORMATS, NamedQuery, bind, catalogue, resolve, run, run_update
from ..store import open_store
from . import main, note_if_stale, progress, store_options
from .params import QueryParam, query_of


def _describe(q: NamedQuery, full: bool) -> str:
    lines = [f"{q.name}: {q.title}"]
    if full:
        if q.description:
            lines += ["", *("  " + line for line in q.description.strip().splitlines()), ""]
        if q.tags:
            lines.append(f"  tags: {', '.join(q.tags)}")
        lines.append(f"  file: {q.source}")
    for p in q.params:
        default = "required" if p.default is None else f"default {p.default}"
        choices = f"; one of {', '.join(p.values)}" if p.values else ""
        lines.append(f"  -p {p.name} {p.type.upper()}  ({default}{choices}) {p.description}".rstrip())
    return "\n".join(lines)


@main.command("queries")
@click.argument("name", required=False)
def queries_cmd(name: str | None) -> None:
    """List the catalogue of named queries, or show the query NAME with its description and parameters."""
    if name:
        click.echo(_describe(resolve(name), full=True))
        return
    for q in catalogue().values():
        click.echo(_describe(q, full=False))


@main.command("query")
# Eager: NAME is read before any -p, wherever it stands on the line, so that -p values are
# checked against the query's declared parameters while the line is parsed.
@click.argument("name", is_eager=True)
@store_options
@click.option("-p", "--param", "params", type=QueryParam(), multiple=True, metavar="NAME VALUE",
              help="A parameter value (repeatable). Bound as an RDF term of the declared type, never pasted.")
@click.option("--format", "fmt", type=click.Choice(list(OUTPUT_FORMATS)), default="table", show_default=True,
              help="table, or a SPARQL 1.1 results format: json, xml, csv, tsv (CONSTRUCT: N-Triples).")
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Output file [default: stdout].")
@click.option("--update", "is_update", is_flag=True, help="Allow a SPARQL Update (queries are read-only otherwise).")
def query_cmd(name: str, store: Path | None, endpoint: str | None, update_endpoint: str | None, timeout: float,
              params: tuple[tuple[str, str], ...], fmt: str, output: Path | None, is_update: bool) -> None:
    """Run a catalogue query NAME, or a query file FILE.rq.

    A catalogue name wins over a file of the same name in the current folder: NAME is read as a
    file when it ends with .rq, .ru or .sparql or contains a path separator (./NAME). An
    embedded query stops after --timeout seconds; Ctrl-C stops it at once.
    """
    q = query_of(click.get_current_context(), name)
    if q.form == "UPDATE" and not is_update:
        raise UsageError(f"{q.source} is a SPARQL Update; queries are read-only: add --update to change the graph")
    if is_update:
        gs = open_store(store, endpoint, update_endpoint, timeout=timeout)
        run_update(gs, q, params)
        progress(f"updated {gs.description}")
        return
    substitutions = bind(q, params)  # checks names and types before the store is touched
    gs = open_store(store, endpoint, update_endpoint, timeout=timeout, read_only=True)
    note_if_stale(gs, "this query")
    out = run(gs, q, substitutions, fmt, timeout=timeout)
    if output:
        atomic_write(output, out.data)
        progress(f"wrote {output}" + (f" ({out.rows} rows)" if out.rows is not None else ""))
    else:
        sys.stdout.buffer.write(out.data)
        sys.stdout.flush()
