"""A world to attack: a data directory (a copy of tests/fixtures/mini), the output folder of a
finished ``loopsource run`` (its store, report, metrics and validation), and a snapshot of
every byte under it, so that a test can assert that a refused command changed nothing."""
from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from loopsource.cli import main

HERE = Path(__file__).resolve().parent
MINI = HERE.parent / "fixtures" / "mini"


@dataclass(frozen=True)
class World:
    root: Path

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def out(self) -> Path:
        return self.root / "out"

    @property
    def store(self) -> Path:
        return self.out / "store"

    def snapshot(self) -> dict[str, str]:
        """Every entry under the output folder (not the data): links by their target, files
        by a digest of their bytes. Equal snapshots: byte-for-byte the same outputs and store."""
        return snapshot(self.out)

    def cli(self, *args: str) -> Result:
        return CliRunner().invoke(main, [str(a) for a in args])


def set_cell_text(path: Path, line: int, column: str, value: str) -> None:
    """Set one cell of a CSV file; ``line`` is the physical line (header = 1)."""
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    rows[line - 2][column] = value
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


def snapshot(top: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    for dirpath, dirnames, filenames in os.walk(top):
        for name in sorted(dirnames + filenames):
            path = Path(dirpath) / name
            rel = str(path.relative_to(top))
            if path.is_symlink():
                out[rel] = "-> " + os.readlink(path)
            elif path.is_file():
                out[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
            elif path.is_dir():
                out[rel] = "dir"
            else:
                out[rel] = "special"
    return out


@pytest.fixture(scope="session")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("hostile-template")
    shutil.copytree(MINI, root / "data")
    r = CliRunner().invoke(main, ["run", str(root / "data"), "--out", str(root / "out")])
    assert r.exit_code == 0, r.output
    return root


@pytest.fixture
def world(template: Path, tmp_path: Path) -> Iterator[World]:
    root = tmp_path / "world"
    shutil.copytree(template, root, symlinks=True)
    yield World(root)


def assert_clean_refusal(r: Result, code: int, *patterns: str) -> None:
    """Exit code, every message pattern on stderr, and never an internal error or traceback."""
    import re

    text = r.stderr + r.stdout
    assert r.exit_code == code, text
    assert "internal error" not in text and "Traceback" not in text, text
    assert r.exception is None or isinstance(r.exception, SystemExit), repr(r.exception)
    for p in patterns:
        assert re.search(p, r.stderr), f"{p!r} not in: {r.stderr}"
