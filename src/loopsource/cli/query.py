"""queries, query, serve."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import click

from ..errors import StoreError, UsageError
from ..files import atomic_write
from ..query import OUTPUT_FORMATS, NamedQuery, bind, catalogue, resolve, run, run_update
from ..store import database_dir, drop_graph_copies, DEFAULT_STORE, open_store
from . import main, note_if_stale, progress, store_options
from .params import Address, HostPort, QueryParam, query_of


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
    """Run a catalogue query NAME, or a query file FILE.rq."""
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
    out = run(gs, q, substitutions, fmt)
    if output:
        atomic_write(output, out.data)
        progress(f"wrote {output}" + (f" ({out.rows} rows)" if out.rows is not None else ""))
    else:
        sys.stdout.buffer.write(out.data)
        sys.stdout.flush()


def oxigraph_binary() -> str:
    """The ``oxigraph`` server binary: on PATH, or beside this Python (a virtualenv's bin/)."""
    found = shutil.which("oxigraph") or shutil.which("oxigraph", path=str(Path(sys.executable).parent))
    if not found:
        raise UsageError("the 'oxigraph' server binary is not installed; pip install oxigraph")
    return found


@main.command("serve")
@click.option("--store", type=click.Path(path_type=Path), default=None,
              help="Embedded store folder [default: ./.loopsource].")
@click.option("--bind", "bind_to", type=HostPort(), default="127.0.0.1:7878", show_default=True, metavar="HOST:PORT",
              help="Address to listen on ([::1]:PORT for IPv6).")
@click.option("--writable", is_flag=True,
              help="Accept SPARQL Update too (changes the current generation in place, not atomically).")
def serve_cmd(store: Path | None, bind_to: Address, writable: bool) -> None:
    """Serve the embedded store as a SPARQL 1.1 endpoint (Oxigraph's server), read-only by default."""
    root = store or DEFAULT_STORE
    current = root / "current"
    # The generation is located without opening it: RocksDB allows one writer, and the
    # server must be the only process that has the store open while it runs.
    if not current.exists():
        raise StoreError(f"{root}: no loopsource store here; run 'loopsource build DATA_DIR --store {root}' first")
    location = database_dir(root)
    host, port = bind_to.host, bind_to.port
    if writable:
        # Updates change the database in place; the generation's N-Triples copies of its graphs
        # would then be out of date, so readers must go back to the database itself.
        drop_graph_copies(root)
    cmd = [oxigraph_binary(), "serve" if writable else "serve-read-only", "--location", str(location),
           "--bind", bind_to.text, "--union-default-graph"]
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"SPARQL endpoint: http://{shown}:{port}/query" + (f"  update: http://{shown}:{port}/update"
                                                                  if writable else "  (read-only)"))
    click.echo(f"serving {location}; Ctrl-C stops", err=True)
    sys.stdout.flush()
    try:
        proc = subprocess.Popen(cmd)
    except OSError as e:
        raise UsageError(f"cannot start {cmd[0]}: {e.strerror or e}") from None
    try:
        code = proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        code = 0
    if code:
        raise UsageError(f"the oxigraph server stopped with exit code {code} (is {bind_to.text} already in use?)")
