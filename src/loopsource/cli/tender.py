"""tender: evaluate bids against circular award criteria (knock-outs as SHACL)."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ..files import atomic_write
from ..render.tender import render_html
from ..scenario import load_factors
from ..store import open_store
from ..tender import evaluate, parse_criteria, read_tender
from . import main, note_if_stale, progress, store_options


@main.command("tender")
@click.argument("bids", type=click.Path(path_type=Path))
@click.option("--criteria", "criteria_file", required=True, type=click.Path(path_type=Path), metavar="FILE",
              help="Criteria file (YAML): knock-out requirements and weighted award criteria; see docs/tender.md.")
@store_options
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Output file [default: stdout].")
@click.option("--format", "fmt", type=click.Choice(["html", "json"]), default=None,
              help="html or json [default: from the -o suffix, else html].")
@click.option("--factors", type=click.Path(path_type=Path), default=None,
              help="Transport emission factor file (YAML or CSV, kg CO2e per tonne-km, WTW and TTW; "
                   "docs/methodology.md) overriding the packaged DESNZ table by key.")
@click.option("--shapes-out", type=click.Path(path_type=Path), metavar="FILE",
              help="Also write the knock-out SHACL shapes (Turtle), for 'loopsource validate --shapes FILE'.")
@click.option("--bids-out", type=click.Path(path_type=Path), metavar="FILE",
              help="Also write the bids (and new supplier sites) as N-Triples, to put into a data directory.")
def tender_cmd(bids: Path, criteria_file: Path, store: Path | None, endpoint: str | None,
               update_endpoint: str | None, timeout: float, output: Path | None, fmt: str | None,
               factors: Path | None, shapes_out: Path | None, bids_out: Path | None) -> None:
    """Rank the bids of BIDS.csv per lot by the award criteria of --criteria, after knock-outs.

    Each bid is measured like a purchase of the graph (distance, tier, transport emissions) and
    its award as a scenario (concentration, single sourcing, CRMA). The store is only read.
    """
    fmt = fmt or ("json" if output is not None and output.suffix.lower() == ".json" else "html")
    criteria = parse_criteria(criteria_file)  # form errors first: they need no store
    load_factors(factors)  # a bad factor file fails before the store is read
    gs = open_store(store, endpoint, update_endpoint, timeout=timeout, read_only=True)
    try:
        note_if_stale(gs, "the tender")
        progress(f"reading {gs.description} and {bids} ...")
        inp = read_tender(gs, bids, criteria)
    finally:
        gs.close()
    emission_factors = load_factors(factors, inp.snapshot.emission_factors)  # the build's, overridden by key
    progress(f"evaluating {len(inp.bids.bids)} bids in {len(criteria.lots)} lots ...")
    doc = evaluate(inp, emission_factors)
    data = (json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False) + "\n") if fmt == "json" \
        else render_html(doc)
    if shapes_out is not None:
        atomic_write(shapes_out, doc["knockout_shapes"])
    if bids_out is not None:
        atomic_write(bids_out, inp.bids.ntriples)
    if output is not None:
        atomic_write(output, data)
    else:
        sys.stdout.write(data)
    for lot in doc["lots"]:
        top = lot["ranking"][0] if lot["ranking"] else None
        progress(f"  lot {lot['id']}: {len(lot['ranking'])} admissible, {len(lot['knocked_out'])} knocked out; "
                 + (f"best {top['bid']} ({top['total']:.2f} points)" if top else "no admissible bid"))
    if output is not None:
        progress(f"wrote {output}")
