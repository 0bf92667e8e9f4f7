"""init, classes: getting one's own data in (docs/own-data.md)."""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import click

from ..errors import UsageError
from ..files import atomic_write
from . import main, progress


@main.command("init")
@click.argument("directory", type=click.Path(path_type=Path))
def init_cmd(directory: Path) -> None:
    """Write blank contract templates into DIRECTORY: every contract CSV file with a comment line
    per column and the header row, and a commented mapping file (mapping.yaml). Existing files
    are never overwritten: if one is there, nothing is written (exit 2)."""
    from ..load.templates import templates

    texts = templates()
    if directory.exists() and not directory.is_dir():
        raise UsageError(f"{directory}: exists and is not a folder")
    taken = [str(directory / name) for name in texts if (directory / name).exists() or (directory / name).is_symlink()]
    if taken:
        raise UsageError(f"{', '.join(taken)}: already exist{'s' if len(taken) == 1 else ''}; loopsource init never "
                         "overwrites a file (choose a new folder or move them away); nothing was written")
    for name, text in texts.items():
        atomic_write(directory / name, text)
    click.echo(f"wrote {len(texts)} files into {directory}:")
    for name in texts:
        click.echo(f"  {name}")
    progress(f"next: fill in the CSV files (or map your ERP export in {directory / 'mapping.yaml'}), then "
             f"'loopsource run {directory}'")


@main.command("classes")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True,
              help="table: for reading; csv and json: for tools.")
def classes_cmd(fmt: str) -> None:
    """List the material classes materials.csv 'class' accepts, with their labels and synonyms.

    A class is named by its name, its label or a synonym, in any case; a synonym shared by several
    classes (polyethylene: HDPE or LDPE) is refused with the candidates."""
    from ..load.classes import class_index

    classes = class_index().classes
    if fmt == "json":
        click.echo(json.dumps([{"class": c.name, "iri": c.iri, "label": c.label, "synonyms": list(c.synonyms),
                                "parents": list(c.parents)} for c in classes], indent=2, ensure_ascii=False))
        return
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["class", "label", "synonyms", "parents"])
        for c in classes:
            w.writerow([c.name, c.label, "; ".join(c.synonyms), "; ".join(c.parents)])
        click.echo(buf.getvalue(), nl=False)
        return
    width = max(len(c.name) for c in classes)
    lwidth = min(48, max(len(c.label) for c in classes))
    click.echo(f"{'class':<{width}}  {'label':<{lwidth}}  synonyms")
    for c in classes:
        click.echo(f"{c.name:<{width}}  {c.label:<{lwidth}}  {', '.join(c.synonyms)}".rstrip())
