"""report, run."""
from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import click

from ..files import atomic_write, atomic_write_text
from ..reason import DEFAULT_ENGINE, ENGINES
from ..store import open_store
from ..definitions import period_text
from . import FindingsExit, main, meter, note, note_if_stale, progress, store_options
from .params import IsoDate, period_options


@main.command("report")
@store_options
@click.option("--format", "fmt", type=click.Choice(["html", "json", "esrs-csv"]), default="html", show_default=True,
              help="html: one self-contained page; json: the metrics document (metrics.json); esrs-csv: the ESRS E5 "
                   "datapoints, one CSV row each, for a reporting tool (docs/methodology.md, ESRS E5).")
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Output file [default: stdout].")
@period_options
@click.option("--site", metavar="ID", help="Only purchases of this buyer site (its CSV id), and its loops.")
@click.option("--validate", "run_validation", is_flag=True,
              help="Also run every SHACL profile and include the compliance results (slower).")
@click.option("--settings", "settings_file", type=click.Path(path_type=Path), metavar="FILE",
              help="Compliance settings (YAML): HHI bands, dates of pending EU acts, evidence rules; "
                   "see docs/compliance.md [default: the settings the store records].")
@click.option("--as-of", "as_of", type=IsoDate(), metavar="DATE",
              help="With --validate: the date the legal minimums are taken as of [default: the date the "
                   "store records ('run'), else today].")
@click.option("--policy", type=click.Path(path_type=Path), metavar="FILE",
              help="With --validate: company policy file [default: the policy the store records].")
def report_cmd(store: Path | None, endpoint: str | None, update_endpoint: str | None, timeout: float, fmt: str,
               output: Path | None, year: int | None, date_from: date | None, date_to: date | None, site: str | None,
               run_validation: bool, settings_file: Path | None, as_of: Any, policy: Path | None) -> None:
    """Circularity, local sourcing, resilience and compliance, as HTML or JSON.

    --year or --from/--to select the purchases and loops the figures cover (compliance
    results are not filtered: each rule has its own per-year scope); a period without data
    exits 2 and writes nothing. With --validate, the compliance section uses the as-of date,
    policy and settings the store records ('loopsource run' records them) unless given here,
    so it gives the same counts as 'run' and 'validate' on the store; the report states which
    it used.
    """
    from ..analysis.metrics import metrics_of
    from ..period import Period
    from ..render.report import render, write_json
    from ..validate import validate
    from .validate import compliance_context

    period = Period.select(year=year, start=date_from, end=date_to)

    gs = open_store(store, endpoint, update_endpoint, timeout=timeout, read_only=True)
    ctx = compliance_context(gs, as_of, policy, settings_file)
    on_progress = meter()
    note_if_stale(gs, "the report")
    validation = None
    if run_validation:
        progress(f"validating (all profiles) as of {ctx.as_of} ...")
        validation = validate(gs, as_of=ctx.as_of, policy=ctx.policy, settings=ctx.settings,
                              on_progress=on_progress, context=ctx.to_json())
    metrics = metrics_of(gs, site=site, validation=validation, progress=progress, on_progress=on_progress,
                         hhi_guidelines=ctx.settings.hhi_guidelines, period=period, as_of=ctx.as_of,
                         context=ctx.to_json())
    for w in metrics["warnings"]:
        click.echo(f"warning: {w}", err=True)
    if fmt == "json":  # written piece by piece (render.report.write_json): never one string in memory
        if output:
            atomic_write_text(output, lambda f: write_json(metrics, f))
            progress(f"wrote {output}")
        else:
            out = _Echo()
            write_json(metrics, out)  # type: ignore[arg-type]  # a text sink is all json.dump needs
            out.flush()
        return
    if fmt == "esrs-csv":
        from ..render.esrs_csv import esrs_csv
        text = esrs_csv(metrics)
    else:
        progress("rendering the report ...")
        text = render(metrics, source=gs.description)
    if output:
        atomic_write(output, text)
        progress(f"wrote {output}")
    else:
        click.echo(text, nl=False)


class _Echo:
    """A text sink for json.dump that passes the text to click.echo a megabyte at a time (click
    picks stdout's encoding and error handling; json.dump writes many tiny pieces)."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.size = 0

    def write(self, text: str) -> int:
        self.parts.append(text)
        self.size += len(text)
        if self.size >= 1 << 20:
            self.flush()
        return len(text)

    def flush(self) -> None:
        if self.parts:
            click.echo("".join(self.parts), nl=False)
            self.parts, self.size = [], 0


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
@click.option("--settings", "settings_file", type=click.Path(path_type=Path), metavar="FILE",
              help="Compliance settings (YAML): HHI bands, dates of pending EU acts, evidence rules; "
                   "see docs/compliance.md.")
@period_options
@click.option("--mapping", type=click.Path(path_type=Path), metavar="FILE",
              help="Mapping file (YAML) that reads ERP exports in DATA_DIR in place of contract files "
                   "(docs/own-data.md; data/mappings/ has ready-made ones).")
@click.option("--as-of", "as_of", type=IsoDate(), metavar="DATE",
              help="Date (YYYY-MM-DD) the legal minimums are taken as of [default: today]; recorded in the "
                   "store with the policy and settings.")
@click.option("--emission-factors", type=click.Path(path_type=Path), metavar="FILE",
              help="Transport emission factors (YAML or CSV, kg CO2e per tonne-km, WTW and TTW) overriding the "
                   "packaged DESNZ table by key; see docs/methodology.md.")
def run_cmd(data_dir: Path, out_dir: Path, fail_on: str | None, engine: str, policy: Path | None,
            settings_file: Path | None, year: int | None, date_from: date | None, date_to: date | None,
            mapping: Path | None, as_of: Any, emission_factors: Path | None) -> None:
    """The main job: build, reason, validate (all profiles) and report, from DATA_DIR into --out.

    Nothing in --out is replaced until every stage has succeeded: the store is built beside
    the old one and swapped in at the end, so a failed run leaves the previous store, report,
    metrics and validation files as they were.
    """
    from ..period import Period
    from ..pipeline import run
    from ..render.circularity import headline_cards

    from ..store.current import set_current

    period = Period.select(year=year, start=date_from, end=date_to)
    res = run(data_dir, out_dir, engine=engine, policy=policy, settings=settings_file, as_of=as_of,
              progress=progress, on_progress=meter(), period=period, mapping=mapping,
              emission_factors=emission_factors)
    current = set_current(res.store_path, f"loopsource run {data_dir} --out {out_dir}")
    for w in (*res.built.warnings, *([res.reasoned.note] if res.reasoned.note else []), *res.metrics["warnings"]):
        click.echo(f"warning: {w}", err=True)
    m = res.metrics
    comp, local, resil = m["compliance"], m["local_sourcing"], m["resilience"]
    n_viol, n_warn = res.counts()

    def pct(x: float | None) -> str:
        return "n/a" if x is None else f"{100 * x:.1f} %"

    built, reasoned = res.built, res.reasoned
    click.echo(f"loopsource run {data_dir} -> {out_dir} in {res.seconds:.1f}s")
    click.echo(f"  build      {sum(built.rows.values()):,} rows, {sum(built.triples.values()):,} triples "
               f"({built.seconds:.1f}s)")
    click.echo(f"  reason     {reasoned.inferred:,} inferred triples ({res.reason_seconds:.1f}s; "
               f"{reasoned.engine} engine {reasoned.seconds:.1f}s)")
    unchecked = len(comp.get("not_checked") or {})
    click.echo(f"  validate   {'conforms' if comp['conforms'] else 'does not conform'}: {_n(n_viol, 'violation')}, "
               f"{_n(n_warn, 'warning')} in {_n(len(comp['by_profile']), 'profile')}"
               f"{f' ({unchecked} not checked)' if unchecked else ''}, as of {comp.get('as_of')}, purchases "
               f"{period_text(comp.get('period'))} ({res.validate_seconds:.1f}s)")
    # the report's headline circularity figures, named as the page names them (CTI v4.0 where computable)
    circular = ", ".join(f"{c['label'][0].lower()}{c['label'][1:]} {c['value']}" for c in headline_cards(res.metrics))
    click.echo(f"  report     {circular}, local (<= domestic) {pct(local['local_share'])}, "
               f"{_n(len(resil['single_source_materials']), 'single-source material')} ({res.report_seconds:.1f}s)")
    click.echo(f"  report:     {res.report_path}")
    click.echo(f"  metrics:    {res.metrics_path}")
    click.echo(f"  validation: {res.validation_path}")
    if res.passports_path.is_dir():
        click.echo(f"  passports:  {res.passports_path}/ (UNTP DPP JSON-LD and HTML per product)")
    note(f"current store: {current} (other commands use it without --store; recorded in ./.loopsource-store)")
    if res.fails(fail_on):
        click.echo(f"failing: validation results reach '{fail_on}' (--fail-on {fail_on})", err=True)
        raise FindingsExit()
