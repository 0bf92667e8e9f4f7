"""Shared fixtures: build a store from CSV text, and the bundled fixture directories."""
from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from loopsource.load.build import build
from loopsource.store import EmbeddedStore

# The test-data builders live in tests/builders.py; write_csvs is re-exported here for the test
# modules (and branches in flight) that import it from conftest.
from .builders import write_csvs  # noqa: F401 (in __all__ below)

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures"
REPO = HERE.parent
DEMO = REPO / "data" / "demo"


@pytest.fixture(scope="session", autouse=True)
def _session_working_folder(tmp_path_factory: pytest.TempPathFactory):
    """The session runs in an empty folder, not the checkout: 'run' and 'build' record the current
    store in ./.loopsource-store, and commands without --store read it (store.current). Module
    and session fixtures that call the CLI write there."""
    old = os.getcwd()
    os.chdir(tmp_path_factory.mktemp("cwd"))
    yield
    os.chdir(old)


@pytest.fixture(autouse=True)
def _working_folder(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test in a fresh, empty working folder, so that no test sees another's current store."""
    monkeypatch.chdir(tmp_path_factory.mktemp("cwd"))


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


# ---------------------------------------------------------------------------- SPARQL servers
from .store.servers import STARTERS, Server, free_port as _free_port, oxigraph_binary  # noqa: E402,F401 (re-exported)

__all__ = ["_free_port", "oxigraph_binary", "write_csvs"]


@pytest.fixture(scope="session")
def server_pool(tmp_path_factory: pytest.TempPathFactory):
    """get(name) -> the session's running server of that kind (started on first use, stopped at
    the end). A missing server is a skip on a developer machine, a failure under CI=true."""
    started: dict[tuple[str, str], Server] = {}

    def get(name: str, tag: str = "") -> Server:
        if (name, tag) not in started:
            started[name, tag] = STARTERS[name](tmp_path_factory.mktemp(f"{name}-server"))
        return started[name, tag]

    yield get
    for server in started.values():
        server.stop()


@pytest.fixture(scope="session")
def oxigraph_server(server_pool) -> str:
    """A real `oxigraph serve` on 127.0.0.1 for the session; yields its base URL."""
    return server_pool("oxigraph").query_url.rsplit("/", 1)[0]


@pytest.fixture(scope="session", params=sorted(STARTERS))
def sparql_server(request: pytest.FixtureRequest, server_pool) -> Server:
    """Each real SPARQL server in turn (oxigraph serve, Virtuoso): the tests that use it run once per server.
    Its own instances, apart from ``oxigraph_server``'s, so that a test emptying one never meets another's data."""
    return server_pool(request.param, "parametrised")


@pytest.fixture
def endpoint(oxigraph_server: str) -> tuple[str, str]:
    """(query URL, update URL) of the session oxigraph server, emptied before the test."""
    import urllib.parse
    import urllib.request

    data = urllib.parse.urlencode({"update": "DROP ALL"}).encode()
    urllib.request.urlopen(urllib.request.Request(f"{oxigraph_server}/update", data=data), timeout=30).read()
    return f"{oxigraph_server}/query", f"{oxigraph_server}/update"
