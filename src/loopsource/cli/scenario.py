"""scenario: what-if comparisons of sourcing and loop changes against the baseline."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ..errors import ScenarioError
from ..files import atomic_write
from ..analysis.snapshot import read_snapshot
from ..render.scenario import render_html
from ..scenario import check_scenario, compare, load_factors, parse_scenario
from ..store import open_store
from . import main, note_if_stale, progress, store_options


@main.command("scenario")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@store_options
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Output file [default: stdout].")
@click.option("--format", "fmt", type=click.Choice(["html", "json"]), default=None,
              help="html or json [default: from the -o suffix, else html].")
@click.option("--factors", type=click.Path(path_type=Path), default=None,
              help="YAML file of transport emission factors (g CO2e per tonne-km per mode) overriding the defaults.")
def scenario_cmd(files: tuple[Path, ...], store: Path | None, endpoint: str | None, update_endpoint: str | None,
                 timeout: float, output: Path | None, fmt: str | None, factors: Path | None) -> None:
    """Apply each scenario FILE.yaml to a copy of the purchase flows and compare it with the baseline.

    Several files are compared side by side. The store is only read, never changed.
    """
    fmt = fmt or ("json" if output is not None and output.suffix.lower() == ".json" else "html")
    # Form errors first (they need no store), then the data, then references to the data.
    scenarios, problems = [], []
    for f in files:  # every file's problems at once
        try:
            scenarios.append(parse_scenario(f))
        except ScenarioError as e:
            problems += e.problems
    if problems:
        raise ScenarioError(problems)
    emission_factors = load_factors(factors)
    gs = open_store(store, endpoint, update_endpoint, timeout=timeout, read_only=True)
    note_if_stale(gs, "the scenario")
    progress(f"reading {gs.description} ...")
    snapshot = read_snapshot(gs)
    for sc in scenarios:
        try:
            check_scenario(sc, snapshot)
        except ScenarioError as e:
            problems += e.problems
    if problems:
        raise ScenarioError(problems)
    progress(f"applying {len(scenarios)} scenario{'s' if len(scenarios) != 1 else ''} "
             f"to {len(snapshot.purchases)} purchases ...")
    doc = compare(snapshot, scenarios, emission_factors)
    data = (json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False) + "\n") if fmt == "json" else render_html(doc)
    if output is not None:
        atomic_write(output, data)
    else:
        sys.stdout.write(data)
    for s in doc["scenarios"]:
        better = sum(1 for r in s["scorecard"] if r["verdict"] == "better")
        worse = sum(1 for r in s["scorecard"] if r["verdict"] == "worse")
        unmet = s["indicators"]["unmet_demand_kg"]
        progress(f"  {s['name']}: {better} indicators better, {worse} worse"
                 + (f", unmet demand {unmet:,.0f} kg" if unmet else ""))
    if output is not None:
        progress(f"wrote {output}")
