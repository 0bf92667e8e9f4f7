"""validate, profiles."""
from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import click

from ..files import atomic_write
from ..store import open_store
from ..validate import FORMATS, PROFILES, render, summary_line, validate
from . import FindingsExit, main, meter, note, progress, store_options
from .params import IsoDate, ProfileName


@main.command("validate")
@store_options
@click.option("--profile", "profiles", multiple=True, type=ProfileName(PROFILES), metavar="NAME",
              help=f"A profile to run (repeatable; default: all). One of {', '.join(PROFILES)}. "
                   "data-quality is always on; policy checks the rules of --policy FILE.")
@click.option("--shapes", "shapes_files", multiple=True, type=click.Path(path_type=Path), metavar="FILE",
              help="Your own SHACL shapes file (Turtle; repeatable).")
@click.option("--as-of", "as_of", type=IsoDate(), metavar="DATE",
              help="Date (YYYY-MM-DD) the legal minimums are taken as of [default: the date the store "
                   "records ('run'), else today].")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
              help="text (grouped by profile and severity), json, turtle (SHACL report graph), html, junit.")
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Output file [default: stdout].")
@click.option("--fail-on", type=click.Choice(["violation", "warning"]), default="violation", show_default=True,
              help="Exit with 1 when there are results at or above this severity.")
@click.option("--policy", type=click.Path(path_type=Path), metavar="FILE",
              help="Company policy file (YAML) for the 'policy' profile; see data/demo/policy.yaml "
                   "[default: the policy the store records ('run')].")
@click.option("--settings", "settings_file", type=click.Path(path_type=Path), metavar="FILE",
              help="Compliance settings (YAML): HHI bands, dates of pending EU acts, evidence rules; "
                   "see docs/compliance.md [default: the settings the store records].")
@click.option("--record", is_flag=True,
              help="Record the as-of date, policy and settings used here in the store, so that later "
                   "'validate' and 'report' on it use them (embedded store).")
def validate_cmd(store: Path | None, endpoint: str | None, update_endpoint: str | None, timeout: float,
                 profiles: tuple[str, ...], shapes_files: tuple[Path, ...], as_of: date | None, fmt: str,
                 output: Path | None, fail_on: str, policy: Path | None, settings_file: Path | None,
                 record: bool) -> None:
    """Check the graph with SHACL profiles. Exit 0: conforms; 1: results at or above --fail-on; 2: bad usage or input.

    The as-of date, policy and settings are the ones given here, else the ones the store
    records ('loopsource run' records them), else today, no policy and the defaults; the
    output says which. If the inferred graph is stale (built but not reasoned), validation uses
    the asserted data only and says so here; run 'loopsource reason' first to include inferred
    triples.
    """
    gs = open_store(store, endpoint, update_endpoint, timeout=timeout, read_only=not record)
    try:
        ctx = compliance_context(gs, as_of, policy, settings_file, echo=fmt != "text" or output is not None)
        progress(f"validating {gs.description} as of {ctx.as_of} ({ctx.as_of_source}) ...")
        report = validate(gs, list(profiles) or None, shapes_files, ctx.as_of,
                          policy_for(ctx, profiles), ctx.settings, on_progress=meter(), context=ctx.to_json())
        if record:  # only a validation that ran is recorded
            ctx.record(gs, "validate --record")
            progress(f"recorded the as-of date, policy and settings in {gs.description}")
    finally:
        gs.close()  # release the store lock before the exit code is raised
    for text in report.notes:
        click.echo(f"warning: {text}", err=True)
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


def compliance_context(gs: Any, as_of: date | None, policy: Path | None, settings_file: Path | None,
                       echo: bool = True) -> Any:
    """The as-of date, policy and settings for a command on ``gs``: the options given, else what
    the store records (validate.context); each line of it on stderr when ``echo`` (the text
    output of validate prints them itself)."""
    from ..validate.context import resolve_context

    ctx = resolve_context(gs, as_of=as_of, policy=policy, settings=settings_file)
    for line in ctx.lines() if echo else ():
        note(line)
    return ctx


def policy_for(ctx: Any, profiles: tuple[str, ...]) -> Any:
    """The policy to check: a recorded one only when the policy profile runs (all profiles, or
    --profile policy); one given with --policy always (it adds the profile)."""
    from ..validate.context import FROM_STORE

    if ctx.policy is not None and ctx.policy_source == FROM_STORE and profiles and "policy" not in profiles:
        return None
    return ctx.policy


@main.command("readiness")
@store_options
@click.option("--as-of", "as_of", type=IsoDate(), metavar="DATE",
              help="Targets after this date (YYYY-MM-DD) are listed [default: the date the store records "
                   "('run'), else today].")
@click.option("--settings", "settings_file", type=click.Path(path_type=Path), metavar="FILE",
              help="Compliance settings (YAML): dates of pending EU acts (they move the PPWR and Batteries "
                   "dates), evidence rules [default: the settings the store records].")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text (one line per unit and target) or json (the 'readiness' key of validation.json).")
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Output file [default: stdout].")
def readiness_cmd(store: Path | None, endpoint: str | None, update_endpoint: str | None, timeout: float,
                  as_of: date | None, settings_file: Path | None, fmt: str, output: Path | None) -> None:
    """Readiness for future EU targets: per product, plant or material, today's value, the target, its date and the gap.

    Lists every dated target of the eu-batteries, eu-ppwr and eu-crma shapes that starts after
    the as-of date (Batteries Art. 8 minimums from 2031 and 2036, PPWR Art. 7 from 2030 and
    2040, the CRMA Art. 5(1)(d) 65 % benchmark by 2030), with each unit's value in its latest
    year. Exit 0 (a readiness view is not a finding; 'validate' checks what is in force).
    """
    import json

    from ..validate.formats import readiness_lines

    gs = open_store(store, endpoint, update_endpoint, timeout=timeout, read_only=True)
    try:
        ctx = compliance_context(gs, as_of, None, settings_file)
        progress(f"computing readiness of {gs.description} as of {ctx.as_of} ...")
        report = validate(gs, ["eu-crma", "eu-batteries", "eu-ppwr"], (), ctx.as_of, None, ctx.settings,
                          on_progress=meter(), context=ctx.to_json())
    finally:
        gs.close()
    if fmt == "json":
        text = json.dumps({**report.readiness_json(), "period": report.period, "context": report.context},
                          indent=2, ensure_ascii=False) + "\n"
    else:
        text = "\n".join(readiness_lines(report)) + "\n"
    if output is not None:
        atomic_write(output, text)
        progress(f"wrote {output}")
    else:
        click.echo(text, nl=False)


@main.command("profiles")
def profiles_cmd() -> None:
    """List the validation profiles with a description."""
    width = max(len(p) for p in PROFILES)
    for name, description in PROFILES.items():
        click.echo(f"{name:<{width}}  {description}")
