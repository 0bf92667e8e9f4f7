"""reason."""
from __future__ import annotations

from pathlib import Path

import click

from ..reason import DEFAULT_ENGINE, ENGINES, reason
from ..store import open_store
from . import main, meter, progress, store_options


@main.command("reason")
@store_options
@click.option("--engine", type=click.Choice(list(ENGINES)), default=DEFAULT_ENGINE, show_default=True,
              help="'rules' (fast, default) or 'owlrl' (the reference engine; slow on large graphs).")
def reason_cmd(store: Path | None, endpoint: str | None, update_endpoint: str | None, timeout: float,
               engine: str) -> None:
    """Compute the OWL 2 RL closure and replace the inferred graph with it (atomically)."""
    gs = open_store(store, endpoint, update_endpoint, timeout=timeout)
    progress(f"reasoning over {gs.description} with {engine} ...")
    r = reason(gs, engine, on_progress=meter())
    if r.note:
        click.echo(f"warning: {r.note}", err=True)
    click.echo(f"reasoned with {r.engine} ({r.engine_version}) in {r.seconds:.2f}s: "
               f"{r.asserted} asserted -> {r.inferred} inferred triples")
