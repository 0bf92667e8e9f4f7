"""reason."""
from __future__ import annotations

from pathlib import Path

import click

from ..reason import ENGINES, default_engine, reason
from ..store import open_store
from . import main, meter, progress, store_options


@main.command("reason")
@store_options
@click.option("--engine", type=click.Choice(list(ENGINES)), default=None,
              help="'rules' (fast, in Python; the default for --store), 'sparql' (rules run as SPARQL Update "
                   "inside the store, no download; the default for --endpoint) or 'owlrl' (the reference "
                   "engine; slow on large graphs).")
def reason_cmd(store: Path | None, endpoint: str | None, update_endpoint: str | None, timeout: float,
               engine: str | None) -> None:
    """Compute the OWL 2 RL closure and replace the inferred graph with it (atomically)."""
    gs = open_store(store, endpoint, update_endpoint, timeout=timeout)
    engine = engine or default_engine(gs)
    progress(f"reasoning over {gs.description} with {engine} ...")
    r = reason(gs, engine, on_progress=meter(), progress=progress)
    if r.note:
        click.echo(f"warning: {r.note}", err=True)
    click.echo(f"reasoned with {r.engine} ({r.engine_version}) in {r.seconds:.2f}s: "
               f"{r.asserted} asserted -> {r.inferred} inferred triples")
