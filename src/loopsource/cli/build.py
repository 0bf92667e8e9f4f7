"""build, export, generate."""
from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import click
import pyoxigraph as ox

from ..load.build import build
from ..files import atomic_write
from ..store import DEFAULT_STORE, graph_name, open_store
from . import main, meter, note, progress, store_options


@main.command("build")
@click.argument("data_dir", type=click.Path(path_type=Path))
@store_options(default_to_current=False)
@click.option("--skip-invalid", is_flag=True,
              help="Build from the valid rows; write rejected rows with their reasons to STORE.rejected.csv.")
@click.option("--mapping", type=click.Path(path_type=Path), metavar="FILE",
              help="Mapping file (YAML) that reads ERP exports in DATA_DIR in place of contract files: their "
                   "columns, code values and conventions (docs/own-data.md; data/mappings/ has ready-made ones).")
def build_cmd(data_dir: Path, store: Path | None, endpoint: str | None, update_endpoint: str | None,
              timeout: float, skip_invalid: bool, mapping: Path | None) -> None:
    """Build the graph from the CSV files in DATA_DIR (ontology, asserted data; inferred emptied).

    The store built (--store, default ./.loopsource) becomes the current store of this folder:
    the other commands use it without --store.
    """
    from ..load.mapping import read_mapping
    from ..store.current import set_current

    export_mapping = read_mapping(mapping) if mapping is not None else None
    target = open_store(None, endpoint, update_endpoint, timeout=timeout) if endpoint else (store or DEFAULT_STORE)
    result = build(data_dir, target, skip_invalid=skip_invalid, on_progress=meter(), mapping=export_mapping)
    if not endpoint:
        current = set_current(Path(str(target)), f"loopsource build {data_dir}")
        note(f"current store: {current} (other commands use it without --store)")
    for w in result.warnings:
        click.echo(f"warning: {w}", err=True)
    click.echo(f"built {result.store} from {data_dir} in {result.seconds:.2f}s")
    for name, n in result.rows.items():
        click.echo(f"  {name:<18} {n:>9} rows")
    for name, n in result.triples.items():
        click.echo(f"  graph {name:<12} {n:>9} triples")
    if result.rejected:
        click.echo(f"  rejected           {result.rejected:>9} rows -> {result.rejected_file}")
    click.echo("  inferred graph is empty: run 'loopsource reason' to fill it")


_EXPORT_FORMATS = {"ttl": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES, "nq": ox.RdfFormat.N_QUADS,
                   "trig": ox.RdfFormat.TRIG}


@main.command("export")
@store_options
@click.option("--graph", type=click.Choice(["asserted", "inferred", "ontology", "meta", "all"]), default="all",
              show_default=True, help="Which named graph to write; all: every graph, as quads.")
@click.option("--format", "fmt", type=click.Choice(list(_EXPORT_FORMATS)), default=None,
              help="ttl, nt, nq or trig [default: nq for --graph all, else ttl].")
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Output file [default: stdout].")
def export_cmd(store: Path | None, endpoint: str | None, update_endpoint: str | None, timeout: float,
               graph: str, fmt: str | None, output: Path | None) -> None:
    """Write a graph of the store out as RDF."""
    fmt = fmt or ("nq" if graph == "all" else "ttl")
    if graph == "all" and fmt in ("ttl", "nt"):
        raise click.UsageError("--graph all holds several named graphs: use --format nq or trig")
    gs = open_store(store, endpoint, update_endpoint, timeout=timeout, read_only=True)
    data = gs.export(None if graph == "all" else graph_name(graph), _EXPORT_FORMATS[fmt])
    if output:
        atomic_write(output, data)
    else:
        sys.stdout.buffer.write(data)


@main.command("generate")
@click.argument("out_dir", type=click.Path(path_type=Path))
@click.option("--suppliers", type=click.IntRange(min=1), required=True, help="Number of supplier organisations.")
@click.option("--seed", type=int, default=0, show_default=True)
def generate_cmd(out_dir: Path, suppliers: int, seed: int) -> None:
    """Write realistic generated data (same CSV contract) to OUT_DIR; same seed, same bytes."""
    from ..devdata.generate import generate

    summary = generate(out_dir, suppliers, seed)
    progress(f"generated {out_dir} with seed {seed}")
    # fields(), not vars(): GenerateSummary is a slotted dataclass and has no __dict__.
    for f in dataclasses.fields(summary):
        click.echo(f"  {f.name + '.csv':<18} {getattr(summary, f.name):>9} rows")
    click.echo(f"  {'total':<18} {summary.total_rows:>9} rows, about {summary.estimated_triples:,} triples")
