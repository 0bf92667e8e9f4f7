"""validate, profiles."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from ..files import atomic_write
from ..store import open_store
from ..validate import FORMATS, PROFILES, render, summary_line, validate
from . import FindingsExit, main, meter, progress, store_options
from .params import IsoDate, ProfileName


@main.command("validate")
@store_options
@click.option("--profile", "profiles", multiple=True, type=ProfileName(PROFILES), metavar="NAME",
              help=f"A profile to run (repeatable; default: all). One of {', '.join(PROFILES)}. "
                   "data-quality is always on; policy checks the rules of --policy FILE.")
@click.option("--shapes", "shapes_files", multiple=True, type=click.Path(path_type=Path), metavar="FILE",
              help="Your own SHACL shapes file (Turtle; repeatable).")
@click.option("--as-of", "as_of", type=IsoDate(), metavar="DATE",
              help="Date (YYYY-MM-DD) the legal minimums are taken as of [default: today].")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
              help="text (grouped by profile and severity), json, turtle (SHACL report graph), html, junit.")
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Output file [default: stdout].")
@click.option("--fail-on", type=click.Choice(["violation", "warning"]), default="violation", show_default=True,
              help="Exit with 1 when there are results at or above this severity.")
@click.option("--policy", type=click.Path(path_type=Path), metavar="FILE",
              help="Company policy file (YAML) for the 'policy' profile; see data/demo/policy.yaml.")
@click.option("--settings", "settings_file", type=click.Path(path_type=Path), metavar="FILE",
              help="Compliance settings (YAML): HHI bands, dates of pending EU acts, evidence rules; "
                   "see docs/compliance.md.")
def validate_cmd(store: Path | None, endpoint: str | None, update_endpoint: str | None, timeout: float,
                 profiles: tuple[str, ...], shapes_files: tuple[Path, ...], as_of: date | None, fmt: str,
                 output: Path | None, fail_on: str, policy: Path | None, settings_file: Path | None) -> None:
    """Check the graph with SHACL profiles. Exit 0: conforms; 1: results at or above --fail-on; 2: bad usage or input.

    If the inferred graph is stale (built but not reasoned), validation uses the asserted
    data only and says so here; run 'loopsource reason' first to include inferred triples.
    """
    from ..validate.settings import load_settings

    day = as_of or date.today()
    settings = load_settings(settings_file)
    gs = open_store(store, endpoint, update_endpoint, timeout=timeout, read_only=True)
    try:
        progress(f"validating {gs.description} as of {day} ...")
        report = validate(gs, list(profiles) or None, shapes_files, day, policy, settings, on_progress=meter())
    finally:
        gs.close()  # release the store lock before the exit code is raised
    for note in report.notes:
        click.echo(f"warning: {note}", err=True)
    if fmt == "html":  # a page: the rendering stage draws it (imported only for it: Jinja)
        from ..render.validation import render_html

        text = render_html(report)
    else:
        text = render(report, fmt, fail_on)
    if output is not None:
        atomic_write(output, text)
        progress(f"{summary_line(report)}; written to {output}")
    else:
        click.echo(text, nl=False)
    if report.at_or_above(fail_on):
        raise FindingsExit()


@main.command("profiles")
def profiles_cmd() -> None:
    """List the validation profiles with a description."""
    width = max(len(p) for p in PROFILES)
    for name, description in PROFILES.items():
        click.echo(f"{name:<{width}}  {description}")
