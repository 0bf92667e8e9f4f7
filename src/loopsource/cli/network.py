"""network: glocal network design (sourcing hubs, market assignment, multi-local production)."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ..files import atomic_write
from . import main, note_if_stale, progress, store_options

_WEIGHTS = ("cost", "emissions", "distance")


def _weights(values: tuple[str, ...]) -> dict[str, float]:
    """--weight NAME=VALUE, repeatable; the names left out keep weight 1."""
    out = {k: 1.0 for k in _WEIGHTS}
    for text in values:
        name, sep, value = text.partition("=")
        try:
            number = float(value)
        except ValueError:
            number = -1.0
        if not sep or name not in _WEIGHTS or number < 0:
            raise click.BadParameter(f"{text!r}: expected NAME=VALUE with NAME one of {', '.join(_WEIGHTS)} "
                                     "and VALUE a number >= 0", param_hint="--weight")
        out[name] = number
    return out


@main.command("network")
@store_options
@click.option("--objective", type=click.Choice(["cost", "emissions", "distance", "weighted"]), default="cost",
              show_default=True, help="What to minimise: transport + hub fixed cost, transport emissions, "
              "demand-weighted distance to markets, or their weighted sum (each normalised by the baseline).")
@click.option("--weight", "weights", multiple=True, metavar="NAME=VALUE",
              help="Weight of cost, emissions or distance in --objective weighted (default 1 each); repeatable.")
@click.option("--max-hubs", type=click.IntRange(min=0), default=None, help="Open at most K hubs (both kinds).")
@click.option("--service-km", type=click.FloatRange(min=0), default=None,
              help="Serve every market from a plant or distribution hub within D km (great circle).")
@click.option("--time-limit", type=click.FloatRange(min=0, min_open=True), default=60.0, show_default=True,
              help="Solver time limit in seconds; a run stopped by it is reported as time_limit, not optimal.")
@click.option("--gap", type=click.FloatRange(min=0), default=1e-4, show_default=True,
              help="Relative MIP gap at which the solver may stop and call the network optimal.")
@click.option("--costs", type=click.Path(path_type=Path), default=None,
              help="YAML file of transport costs per tonne-km per mode overriding the defaults.")
@click.option("--factors", type=click.Path(path_type=Path), default=None,
              help="Transport emission factor file (YAML or CSV, kg CO2e per tonne-km, WTW and TTW; "
                   "docs/methodology.md) overriding the packaged DESNZ table by key.")
@click.option("--year", type=int, metavar="YYYY", default=None,
              help="Use this calendar year's purchases as the yearly flows [default: the yearly average].")
@click.option("--format", "fmt", type=click.Choice(["html", "json"]), default=None,
              help="html or json [default: from the -o suffix, else html].")
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Output file [default: stdout].")
def network_cmd(store: Path | None, endpoint: str | None, update_endpoint: str | None, timeout: float,
                objective: str, weights: tuple[str, ...], max_hubs: int | None, service_km: float | None,
                time_limit: float, gap: float, costs: Path | None, factors: Path | None, year: int | None,
                fmt: str | None, output: Path | None) -> None:
    """Optimise the network: which candidate hubs to open, which supplier flows go through which
    sourcing hub, which plant or distribution hub serves each market and where its units are made.

    Reads plants, purchases, markets.csv, hubs.csv and plant_products.csv from the store (never
    changes it), solves a mixed-integer programme with HiGHS and writes today's network and the
    optimised one side by side. No network meets the settings: exit 2, naming the constraint.
    """
    from ..analysis.snapshot import read_snapshot
    from ..errors import UsageError
    from ..network import Settings, baseline, solve
    from ..network.costs import load_costs, mode_factors, money
    from ..network.data import instance_from_snapshot
    from ..network.document import REFERENCE_SERVICE_KM, document
    from ..render.network import render_html
    from ..scenario import load_factors
    from ..store import open_store

    fmt = fmt or ("json" if output is not None and output.suffix.lower() == ".json" else "html")
    settings = Settings(objective=objective, weights=_weights(weights), max_hubs=max_hubs,  # type: ignore[arg-type]
                        service_km=service_km, time_limit_s=time_limit, mip_rel_gap=gap,
                        report_service_km=REFERENCE_SERVICE_KM)
    cost_table, emission_factors = load_costs(costs), load_factors(factors)
    gs = open_store(store, endpoint, update_endpoint, timeout=timeout, read_only=True)
    note_if_stale(gs, "the network design")
    progress(f"reading {gs.description} ...")
    snapshot = read_snapshot(gs)
    if not snapshot.markets:
        raise UsageError("the store has no markets: add markets.csv (and hubs.csv, plant_products.csv) to the data "
                         "directory and build again (README, 'Network design')")
    cash = money(cost_table, snapshot.fx)
    modes, missing = mode_factors(cost_table, emission_factors.g_per_tkm, cash)
    data = instance_from_snapshot(snapshot, modes, cash, year=year)
    inst = data.instance
    progress(f"solving: {len(inst.flows)} flows, {len(inst.hubs)} candidate hubs, {len(inst.markets)} markets, "
             f"objective {objective} ...")
    used = {f.mode for f in inst.flows} | {settings.consolidated_mode, settings.outbound_mode}
    missing = tuple(m for m in missing if m in used)
    base = baseline(inst, settings)
    opt = solve(inst, settings)
    factors_doc = {"version": emission_factors.version, "kg_per_tkm": {m: mf.kgco2e_per_tkm for m, mf in modes.items()},
                   "basis": "as supplied; the defaults are Defra direct (tank-to-wheel) factors, not well-to-wheel",
                   "sources": dict(emission_factors.sources)}
    doc = document(data, settings, base, opt, cost_table, factors_doc, missing)
    text = (json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False) + "\n") if fmt == "json" \
        else render_html(doc)
    for w in doc["warnings"]:
        click.echo(f"warning: {w}", err=True)
    if output is not None:
        atomic_write(output, text)
    else:
        sys.stdout.write(text)
    _summary(doc)
    if output is not None:
        progress(f"wrote {output}")


def _summary(doc: dict) -> None:
    """A few lines on stderr: status, gap, hubs and the headline figures."""
    s, b, o = doc["solver"], doc["baseline"], doc["optimised"]
    gap = "n/a" if s["mip_gap"] is None else f"{s['mip_gap']:.2e}"
    progress(f"solver {s['status']}{'' if s['optimal'] else ' (NOT a proven optimum)'}, MIP gap {gap}, "
             f"{len(o['hubs'])} hub(s) open: {', '.join(o['hubs']) or 'none'}")
    progress(f"  total cost {b['total_cost']:,.0f} -> {o['total_cost']:,.0f} {doc['currency']}/year, "
             f"emissions {b['kgco2e']:,.0f} -> {o['kgco2e']:,.0f} kg CO2e, "
             f"distance to markets {b['demand_weighted_km']:,.0f} -> {o['demand_weighted_km']:,.0f} km")
