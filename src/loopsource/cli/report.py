"""report, run."""
from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import Any

import click

from ..files import atomic_write
from ..reason import DEFAULT_ENGINE, ENGINES
from ..store import EmbeddedStore, open_store
from . import main, note_if_stale, progress, store_options


def _validate(store: Any, policy: Path | None = None) -> Any:
    """Every SHACL profile (the validate stage); imported late so that report works without it."""
    from ..validate import validate

    return validate(store, policy=policy)


def _validation_json(validation: Any) -> str:
    data = validation.to_json()
    if not isinstance(data, str):
        data = json.dumps(data, indent=2, ensure_ascii=False)
    return data if data.endswith("\n") else data + "\n"


def _metrics(store: Any, *, year: int | None, site: str | None, validation: Any) -> dict[str, Any]:
    from ..metrics import compute
    from ..snapshot import read_snapshot

    progress(f"reading {store.description} ...")
    snapshot = read_snapshot(store)
    progress(f"computing metrics over {len(snapshot.purchases):,} purchases ...")
    return compute(snapshot, year=year, site=site, validation=validation)


@main.command("report")
@store_options
@click.option("--format", "fmt", type=click.Choice(["html", "json"]), default="html", show_default=True,
              help="html: one self-contained page; json: the metrics document (metrics.json).")
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Output file [default: stdout].")
@click.option("--year", type=int, metavar="YYYY", help="Only purchases and loops dated in this year.")
@click.option("--site", metavar="ID", help="Only purchases of this buyer site (its CSV id), and its loops.")
@click.option("--validate", "run_validation", is_flag=True,
              help="Also run every SHACL profile and include the compliance results (slower).")
def report_cmd(store: Path | None, endpoint: str | None, update_endpoint: str | None, timeout: float, fmt: str,
               output: Path | None, year: int | None, site: str | None, run_validation: bool) -> None:
    """Circularity, local sourcing, resilience and compliance, as HTML or JSON."""
    from ..report import render, to_json

    gs = open_store(store, endpoint, update_endpoint, timeout=timeout, read_only=True)
    note_if_stale(gs, "the report")
    validation = None
    if run_validation:
        progress("validating (all profiles) ...")
        validation = _validate(gs)
    metrics = _metrics(gs, year=year, site=site, validation=validation)
    for w in metrics["warnings"]:
        click.echo(f"warning: {w}", err=True)
    if fmt == "json":
        text = to_json(metrics)
    else:
        progress("rendering the report ...")
        text = render(metrics, source=gs.description)
    if output:
        atomic_write(output, text)
        progress(f"wrote {output}")
    else:
        click.echo(text, nl=False)


_SEVERITY_RANK = {"violation": 2, "warning": 1}


def _n(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


@main.command("run")
@click.argument("data_dir", type=click.Path(path_type=Path))
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("out"), show_default=True,
              help="Output folder: report.html, metrics.json, validation.json and the store (DIR/store).")
@click.option("--fail-on", type=click.Choice(["violation", "warning"]),
              help="Exit 1 when validation results reach this severity (the outputs are written anyway).")
@click.option("--engine", type=click.Choice(list(ENGINES)), default=DEFAULT_ENGINE, show_default=True,
              help="Reasoning engine.")
@click.option("--policy", type=click.Path(path_type=Path),
              help="Company policy file for the 'policy' profile [default: DATA_DIR/policy.yaml if it exists].")
def run_cmd(data_dir: Path, out_dir: Path, fail_on: str | None, engine: str, policy: Path | None) -> None:
    """The main job: build, reason, validate (all profiles) and report, from DATA_DIR into --out.

    Nothing in --out is replaced until every stage has succeeded: the store is built beside
    the old one and swapped in at the end, so a failed run leaves the previous store, report,
    metrics and validation files as they were.
    """
    from ..build import build
    from ..reason import reason
    from ..report import render, to_json

    t_all = time.perf_counter()
    store_dir, work_dir = out_dir / "store", out_dir / ".store.new"
    shutil.rmtree(work_dir, ignore_errors=True)  # left by an interrupted run
    if policy is None and (Path(data_dir) / "policy.yaml").is_file():
        policy = Path(data_dir) / "policy.yaml"
    try:
        progress(f"[1/4] building {store_dir} from {data_dir} ...")
        built = build(data_dir, work_dir)
        for w in built.warnings:
            click.echo(f"warning: {w}", err=True)
        gs = EmbeddedStore(work_dir)
        progress(f"[2/4] reasoning with {engine} ...")
        reasoned = reason(gs, engine)
        if reasoned.note:
            click.echo(f"warning: {reasoned.note}", err=True)
        progress("[3/4] validating (all profiles) ...")
        t = time.perf_counter()
        validation = _validate(gs, policy)
        t_validate = time.perf_counter() - t
        progress("[4/4] reporting ...")
        t = time.perf_counter()
        metrics = _metrics(gs, year=None, site=None, validation=validation)
        html = render(metrics, source=str(data_dir))
        metrics_json = to_json(metrics)
        validation_json = _validation_json(validation)
        t_report = time.perf_counter() - t
        gs.close()
    except BaseException:
        shutil.rmtree(work_dir, ignore_errors=True)
        raise
    _swap_store(work_dir, store_dir)
    for w in metrics["warnings"]:
        click.echo(f"warning: {w}", err=True)
    report_path, metrics_path, validation_path = out_dir / "report.html", out_dir / "metrics.json", \
        out_dir / "validation.json"
    atomic_write(validation_path, validation_json)
    atomic_write(metrics_path, metrics_json)
    atomic_write(report_path, html)

    comp, circ, local, res = (metrics["compliance"], metrics["circularity"], metrics["local_sourcing"],
                              metrics["resilience"])
    n_viol = sum(p["violations"] for p in comp["by_profile"].values())
    n_warn = sum(p["warnings"] for p in comp["by_profile"].values())
    tiers = local["by_tier"]
    local_share = (None if tiers["domestic"]["mass_share"] is None
                   else tiers["hyperlocal"]["mass_share"] + tiers["domestic"]["mass_share"])

    def pct(x: float | None) -> str:
        return "n/a" if x is None else f"{100 * x:.1f} %"

    rows = sum(built.rows.values())
    click.echo(f"loopsource run {data_dir} -> {out_dir} in {time.perf_counter() - t_all:.1f}s")
    click.echo(f"  build      {rows:,} rows, {sum(built.triples.values()):,} triples ({built.seconds:.1f}s)")
    click.echo(f"  reason     {reasoned.inferred:,} inferred triples ({reasoned.seconds:.1f}s, {reasoned.engine})")
    click.echo(f"  validate   {'conforms' if comp['conforms'] else 'does not conform'}: {_n(n_viol, 'violation')}, "
               f"{_n(n_warn, 'warning')} in {_n(len(comp['by_profile']), 'profile')} ({t_validate:.1f}s)")
    click.echo(f"  report     circular inflow {pct(circ['circular_inflow_share'])}, "
               f"circular outflow {pct(circ['circular_outflow_share'])}, local (<= domestic) {pct(local_share)}, "
               f"{_n(len(res['single_source_materials']), 'single-source material')} ({t_report:.1f}s)")
    click.echo(f"  report:     {report_path}")
    click.echo(f"  metrics:    {metrics_path}")
    click.echo(f"  validation: {validation_path}")
    if fail_on:
        worst = 2 if n_viol else 1 if n_warn else 0
        if worst >= _SEVERITY_RANK[fail_on]:
            click.echo(f"failing: validation results reach '{fail_on}' (--fail-on {fail_on})", err=True)
            click.get_current_context().exit(1)


def _swap_store(new: Path, target: Path) -> None:
    """Put the freshly built store in place of the previous one (two renames; the old one is
    removed only once the new one is in place)."""
    old = target.with_name(".store.old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        target.rename(old)
    new.rename(target)
    shutil.rmtree(old, ignore_errors=True)
