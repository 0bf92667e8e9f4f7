"""Shared fixtures: build a store from CSV text, and the bundled fixture directories."""
from __future__ import annotations

import csv
import shutil
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import pytest

from loopsource.build import build
from loopsource.store import EmbeddedStore

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures"
REPO = HERE.parent
DEMO = REPO / "data" / "demo"


def write_csvs(directory: Path, files: Mapping[str, Sequence[Mapping[str, object]] | str]) -> Path:
    """Write CSV files: each value is either raw text or a list of row dicts (header from the first)."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, rows in files.items():
        path = directory / name
        if isinstance(rows, str):
            path.write_text(rows, encoding="utf-8")
            continue
        with path.open("w", newline="", encoding="utf-8") as f:
            w = csv.DictWriter(f, fieldnames=list(rows[0].keys()), lineterminator="\n")
            w.writeheader()
            for r in rows:
                w.writerow({k: "" if v is None else v for k, v in r.items()})
    return directory


@pytest.fixture
def mini_dir(tmp_path: Path) -> Path:
    """A writable copy of tests/fixtures/mini (4 sites in FR, CN, DE; 3 purchases; 2 loops)."""
    target = tmp_path / "mini"
    shutil.copytree(FIXTURES / "mini", target)
    return target


@pytest.fixture
def build_store(tmp_path: Path) -> Callable[..., EmbeddedStore]:
    """build_store(data_dir, reason=True) -> an embedded store built (and reasoned) from data_dir."""
    counter = iter(range(10_000))

    def _build(data_dir: Path, reason: bool = True, engine: str = "rules") -> EmbeddedStore:
        root = tmp_path / f"store{next(counter)}"
        build(Path(data_dir), root)
        store = EmbeddedStore(root)
        if reason:
            from loopsource.reason import reason as run_reason

            run_reason(store, engine)
        return store

    return _build
