"""Faults: ``build`` and ``run`` SIGKILLed at named points (``LOOPSOURCE_TEST_KILL_AT``, see
loopsource.files.kill_point). Afterwards the store opens and holds the old data or the new,
the outputs are those of the same data as the store, and the next start removes every
leftover (temporary generations and output sets)."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

from loopsource.rdf.vocab import GRAPHS
from loopsource.store import EmbeddedStore

from .conftest import MINI, set_cell_text

OUTPUTS = ("report.html", "metrics.json", "validation.json")


def loopsource(*args: object, kill_at: str | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.pop("LOOPSOURCE_TEST_KILL_AT", None)
    if kill_at:
        env["LOOPSOURCE_TEST_KILL_AT"] = kill_at
    return subprocess.run([sys.executable, "-m", "loopsource", *map(str, args)], env=env, capture_output=True,
                          text=True, timeout=300)


def asserted(store: Path) -> bytes:
    gs = EmbeddedStore(store, read_only=True)
    try:
        return gs.export(GRAPHS.asserted, ox.RdfFormat.N_TRIPLES)
    finally:
        gs.close()


@pytest.fixture(scope="module")
def refs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Data A (tests/fixtures/mini) and B (PO-1 is 3 t instead of 2 t), each run once: the
    reference outputs and stores that a killed run must match one of."""
    root = tmp_path_factory.mktemp("faults")
    a, b = root / "A", root / "B"
    shutil.copytree(MINI, a)
    shutil.copytree(MINI, b)
    set_cell_text(b / "purchases.csv", 2, "quantity", "3")
    for name in ("A", "B"):
        r = loopsource("run", root / name, "--out", root / f"out{name}")
        assert r.returncode == 0, r.stderr
    return {"A": a, "B": b, "outA": root / "outA", "outB": root / "outB"}


def which_set(out: Path, refs: dict[str, Path]) -> str:
    """'A' or 'B': the data the store holds; every output file must be of the same data."""
    data = asserted(out / "store")
    matches = [k for k in ("A", "B") if data == asserted(refs[f"out{k}"] / "store")]
    assert len(matches) == 1, "the store holds neither the old nor the new data"
    for name in OUTPUTS:
        assert (out / name).read_bytes() == (refs[f"out{matches[0]}"] / name).read_bytes(), name
    return matches[0]


RUN_POINTS = [("store:written", "A"), ("store:switch", "A"), ("store:switched", "A"), ("run:built", "A"),
              ("run:reasoned", "A"), ("run:wrote-metrics.json", "A"), ("run:renamed", "A"), ("run:switch", "A"),
              ("run:switched", "B")]


@pytest.mark.parametrize(("point", "expected"), RUN_POINTS, ids=[p for p, _ in RUN_POINTS])
def test_run_killed_leaves_the_old_set_or_the_new(refs, tmp_path: Path, point: str, expected: str) -> None:
    out = tmp_path / "out"
    shutil.copytree(refs["outA"], out, symlinks=True)
    r = loopsource("run", refs["B"], "--out", out, kill_at=point)
    assert r.returncode == -9, r.stderr  # killed at that point, not finished or failed before it
    assert which_set(out, refs) == expected
    # the next start finishes cleanly and removes what the killed run left
    r = loopsource("run", refs["B"], "--out", out)
    assert r.returncode == 0, r.stderr
    assert which_set(out, refs) == "B"
    sets = sorted(p.name for p in (out / ".runs").iterdir() if p.name != ".lock")
    assert len(sets) == 1 and not sets[0].endswith(".tmp"), sets
    generations = [p.name for p in (out / "store").iterdir() if p.name.startswith("db-")]
    assert len(generations) == 1, generations


BUILD_POINTS = [("store:written", "A"), ("store:switch", "A"), ("store:switched", "B")]


@pytest.mark.parametrize(("point", "expected"), BUILD_POINTS, ids=[p for p, _ in BUILD_POINTS])
def test_build_killed_leaves_the_old_store_or_the_new(refs, tmp_path: Path, point: str, expected: str) -> None:
    store = tmp_path / "store"
    assert loopsource("build", refs["A"], "--store", store).returncode == 0
    want = {k: asserted(refs[f"out{k}"] / "store") for k in ("A", "B")}
    r = loopsource("build", refs["B"], "--store", store, kill_at=point)
    assert r.returncode == -9, r.stderr
    assert asserted(store) == want[expected]
    assert loopsource("build", refs["B"], "--store", store).returncode == 0
    assert asserted(store) == want["B"]
    # killed before the switch: its generation is swept and the number used again
    left = [p.name for p in store.iterdir() if p.name.startswith("db-")]
    assert left == ["db-000003" if expected == "B" else "db-000002"]
