"""Shared fixtures: build a store from CSV text, and the bundled fixture directories."""
from __future__ import annotations

import csv
import shutil
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import pytest

from loopsource.load.build import build
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


# ---------------------------------------------------------------------------- SPARQL server
def _free_port() -> int:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def oxigraph_binary() -> str | None:
    """The oxigraph server binary (pip package 'oxigraph'): on PATH or beside this Python."""
    import sys

    return shutil.which("oxigraph") or shutil.which("oxigraph", path=str(Path(sys.executable).parent))


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory: pytest.TempPathFactory):
    """A real `oxigraph serve` on 127.0.0.1 for the session; yields its base URL.

    Missing binary: a skip on a developer machine, a *failure* in CI (CI=true), where the
    test dependencies must provide it.
    """
    import os
    import subprocess
    import time
    import urllib.request

    binary = oxigraph_binary()
    if binary is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("the oxigraph server binary is missing in CI: pip install -e '.[test]'")
        pytest.skip("the oxigraph server binary is not installed (pip install oxigraph)")
    port = _free_port()
    location = tmp_path_factory.mktemp("oxigraph-server")
    proc = subprocess.Popen([binary, "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"{base}/query?query=ASK%7B%7D", timeout=2):
                break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
                pytest.fail(f"oxigraph serve did not start: {err}")
            time.sleep(0.1)
    try:
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture
def endpoint(oxigraph_server: str) -> tuple[str, str]:
    """(query URL, update URL) of the session server, emptied before the test."""
    import urllib.parse
    import urllib.request

    data = urllib.parse.urlencode({"update": "DROP ALL"}).encode()
    urllib.request.urlopen(urllib.request.Request(f"{oxigraph_server}/update", data=data), timeout=30).read()
    return f"{oxigraph_server}/query", f"{oxigraph_server}/update"
