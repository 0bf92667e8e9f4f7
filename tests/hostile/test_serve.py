"""`loopsource serve` under attack: cross-site requests, missing tokens, wrong content types,
foreign Host headers, deeply nested and runaway queries, SIGTERM; and the staging graphs of
an interrupted `build --endpoint`."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from loopsource.cli import main
from loopsource.rdf.vocab import GRAPHS
from loopsource.store import RemoteStore

from ..conftest import _free_port, oxigraph_binary
from .conftest import MINI, World

pytestmark = pytest.mark.server
TOKEN = "test-token-0123456789abcdef"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def _need_binary() -> None:
    if oxigraph_binary() is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("the oxigraph server binary is missing in CI")
        pytest.skip("oxigraph binary not installed")


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children", encoding="ascii") as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


@pytest.fixture
def server(world: World) -> Iterator[tuple[str, subprocess.Popen]]:
    _need_binary()
    port = _free_port()
    env = dict(os.environ, LOOPSOURCE_SERVE_TOKEN=TOKEN)
    proc = subprocess.Popen([sys.executable, "-m", "loopsource", "serve", "--store", str(world.store), "--bind",
                             f"127.0.0.1:{port}", "--writable", "--timeout", "2"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    base = f"http://127.0.0.1:{port}"
    line = proc.stdout.readline().decode()  # type: ignore[union-attr]
    assert f"{base}/query" in line, proc.stderr.read().decode()  # type: ignore[union-attr]
    try:
        yield base, proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(timeout=20)


def request(url: str, data: bytes | None = None, headers: dict[str, str] | None = None,
            method: str | None = None) -> tuple[int, bytes]:
    req = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def count(base: str) -> int:
    import json

    status, body = request(f"{base}/query?" + urllib.parse.urlencode({"query": COUNT}),
                           headers={"Accept": "application/sparql-results+json"})
    assert status == 200, body
    return int(json.loads(body)["results"]["bindings"][0]["n"]["value"])


FORM = {"Content-Type": "application/x-www-form-urlencoded"}
DROP = urllib.parse.urlencode({"update": "DROP ALL"}).encode()
INSERT = urllib.parse.urlencode({"update": "INSERT DATA { GRAPH <urn:g> { <urn:a> <urn:b> <urn:c> } }"}).encode()


def test_serve_refuses_cross_site_and_unauthenticated_writes(server) -> None:
    base, _proc = server
    n = count(base)
    assert n > 0
    refused = [
        ({**FORM, "Origin": "http://evil.example"}, DROP, 403),  # a cross-site form POST, even with the token
        ({**FORM, "Origin": "http://evil.example", "Authorization": f"Bearer {TOKEN}"}, DROP, 403),
        ({**FORM, "Origin": "null", "Authorization": f"Bearer {TOKEN}"}, DROP, 403),
        ({**FORM, "Sec-Fetch-Site": "cross-site", "Authorization": f"Bearer {TOKEN}"}, DROP, 403),
        ({**FORM, "Origin": f"http://localhost:{base.rsplit(':', 1)[1]}1"}, DROP, 403),  # another port
        (FORM, DROP, 401),  # no token
        ({**FORM, "Authorization": "Bearer wrong-token-wrong-token"}, DROP, 401),
        ({"Content-Type": "text/plain", "Authorization": f"Bearer {TOKEN}"}, b"DROP ALL", 415),
        ({**FORM, "Authorization": f"Bearer {TOKEN}", "Host": "evil.example"}, DROP, 403),  # DNS rebinding
    ]
    for headers, body, status in refused:
        got, text = request(f"{base}/update", body, headers)
        assert got == status, (headers, got, text)
    assert count(base) == n  # nothing was dropped
    got, _ = request(f"{base}/update", INSERT, {**FORM, "Authorization": f"Bearer {TOKEN}"})
    assert got in (200, 204)
    assert count(base) == n + 1  # the one authorised write


def test_serve_refuses_preflight_and_unknown_paths(server) -> None:
    base, _proc = server
    assert request(f"{base}/query", method="OPTIONS", headers={"Origin": "http://evil.example"})[0] == 403
    assert request(f"{base}/store", method="GET")[0] == 404
    assert request(f"{base}/query", b"x", {"Content-Type": "application/json"})[0] == 415


def test_serve_refuses_deep_queries_and_cancels_runaway_ones(server) -> None:
    """The runaway query outlives Oxigraph's 2 s limit: answered 503 at 2 + 5 s (GRACE), a fresh
    Oxigraph takes over, and the old one (still computing) is stopped 2 + 5 s later."""
    base, proc = server
    deep = "SELECT * WHERE " + "{" * 4000 + "?s ?p ?o" + "}" * 4000
    status, body = request(f"{base}/query", urllib.parse.urlencode({"query": deep}).encode(), FORM)
    assert status == 400 and b"nested 4000 levels deep" in body
    slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
    t0 = time.monotonic()
    status, body = request(f"{base}/query", urllib.parse.urlencode({"query": slow}).encode(), FORM)
    assert status == 503 and b"cancelled" in body
    assert time.monotonic() - t0 < 30
    assert count(base) > 0  # and the server still answers
    deadline = time.monotonic() + 10
    while len(_children(proc.pid)) != 2 and time.monotonic() < deadline:  # the handover: two engines
        time.sleep(0.1)
    deadline = time.monotonic() + 30
    while len(_children(proc.pid)) != 1:  # the old engine, with the runaway query, is gone
        assert time.monotonic() < deadline, _children(proc.pid)
        assert count(base) > 0  # answered throughout
        time.sleep(0.2)
    assert count(base) > 0


def test_sigterm_ends_the_oxigraph_child(server) -> None:
    base, proc = server
    assert count(base) > 0
    children = _children(proc.pid)
    assert children, "serve runs oxigraph as a child"
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=20) == 0
    deadline = time.monotonic() + 10
    while any(Path(f"/proc/{c}").exists() and "oxigraph" in Path(f"/proc/{c}/cmdline").read_text(errors="replace")
              for c in children):
        assert time.monotonic() < deadline, "the oxigraph child outlived serve"
        time.sleep(0.1)


def test_non_loopback_bind_needs_allow_remote(world: World) -> None:
    r = CliRunner().invoke(main, ["serve", "--store", str(world.store), "--bind", "0.0.0.0:7878"])
    assert r.exit_code == 2
    assert "not a loopback address" in r.stderr and "--allow-remote" in r.stderr


def test_short_token_is_refused(world: World, monkeypatch) -> None:
    monkeypatch.setenv("LOOPSOURCE_SERVE_TOKEN", "short")
    r = CliRunner().invoke(main, ["serve", "--store", str(world.store), "--writable"])
    assert r.exit_code == 2 and "shorter than 16 characters" in r.stderr


def test_interrupted_remote_build_leaves_no_counted_staging_graphs(endpoint, tmp_path: Path) -> None:
    """A build --endpoint killed after loading its staging graphs: loopsource's queries name
    their graphs, so the staging copies are not counted; the next build removes them."""
    query_url, update_url = endpoint
    env = dict(os.environ)
    base = [sys.executable, "-m", "loopsource", "build", str(MINI), "--endpoint", query_url,
            "--update-endpoint", update_url]
    assert subprocess.run(base, env=env, capture_output=True, timeout=300).returncode == 0
    gs = RemoteStore(query_url, update_url)
    n = gs.count(GRAPHS.asserted)
    killed = subprocess.run(base, env={**env, "LOOPSOURCE_TEST_KILL_AT": "remote:loaded"}, capture_output=True,
                            timeout=300)
    assert killed.returncode == -9
    assert gs.staging_graphs()  # the interrupted load's graphs are there ...
    assert gs.count(GRAPHS.asserted) == n  # ... and not counted
    r = CliRunner().invoke(main, ["query", "single-source-materials", "--endpoint", query_url, "--format", "csv"])
    assert r.exit_code == 0 and len(r.stdout.strip().splitlines()) == 4  # header + M-AL, M-LI, M-PET once each
    assert subprocess.run(base, env=env, capture_output=True, timeout=300).returncode == 0
    assert gs.staging_graphs() == []
    assert gs.count(GRAPHS.asserted) == n
