"""Real SPARQL servers for the tests, started on 127.0.0.1 with their own temporary folders.

* ``oxigraph serve`` (the binary of the pip package ``oxigraph``).
* Virtuoso Open Source 7 (Debian's ``virtuoso-opensource-7-bin``: ``virtuoso-t`` and
  ``isql-vt``; ``.ci/test.sh`` installs it). :func:`start_virtuoso` writes a ``virtuoso.ini``
  into a fresh database folder: HTTP and SQL ports on 127.0.0.1 only, about 1 GB of buffers
  (NumberOfBuffers 100,000 x 8 KB pages, MaxDirtyBuffers 75,000) so that it fits a 24 GB
  machine shared with the test suite, no query time limit, and result sets up to 1,000,000
  rows. Updates go through the plain ``/sparql`` endpoint: the fixture grants
  ``SPARQL_UPDATE`` to Virtuoso's anonymous ``SPARQL`` user with ``isql-vt`` (a throw-away
  database reachable from this machine only), because loopsource sends HTTP Basic
  credentials and Virtuoso's authenticated ``/sparql-auth`` asks for Digest.

A server that cannot be found is a skip on a developer machine and a *failure* under
CI=true: CI must test against both.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

GRAPH_PREFIX = "https://w3id.org/loopsource/"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def missing(what: str, hint: str) -> None:
    """Skip on a developer machine, fail in CI (CI=true)."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{what} is missing in CI: {hint}")
    pytest.skip(f"{what} is not installed ({hint})")


@dataclass
class Server:
    """A running SPARQL server: its name, version, query and update URLs, and its process."""

    name: str
    version: str
    query_url: str
    update_url: str
    proc: subprocess.Popen = field(repr=False)

    def post(self, form: dict[str, str], accept: str = "application/sparql-results+json") -> bytes:
        url = self.update_url if "update" in form else self.query_url
        req = urllib.request.Request(url, data=urllib.parse.urlencode(form).encode(), headers={"Accept": accept})
        with urllib.request.urlopen(req, timeout=120) as resp:
            return resp.read()

    def reset(self) -> None:
        """Drop every loopsource graph (and test graph). Not DROP ALL: Virtuoso keeps its own
        system graphs in the same quad store."""
        import json

        body = self.post({"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"})
        graphs = [b["g"]["value"] for b in json.loads(body)["results"]["bindings"]]
        ours = [g for g in graphs if g.startswith((GRAPH_PREFIX, "urn:"))]
        if ours:
            self.post({"update": " ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in ours)})

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)


def _wait(proc: subprocess.Popen, url: str, what: str, log: Path | None, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                text = log.read_text(errors="replace")[-2000:] if log and log.exists() else ""
                pytest.fail(f"{what} did not start: {text}")
            time.sleep(0.2)


# ---------------------------------------------------------------------------- oxigraph
def oxigraph_binary() -> str | None:
    """The oxigraph server binary (pip package 'oxigraph'): on PATH or beside this Python."""
    return shutil.which("oxigraph") or shutil.which("oxigraph", path=str(Path(sys.executable).parent))


def start_oxigraph(folder: Path) -> Server:
    binary = oxigraph_binary()
    if binary is None:
        missing("the oxigraph server binary", "pip install -e '.[test]'")
    version = subprocess.run([binary, "--version"], capture_output=True, text=True).stdout.strip()
    port = free_port()
    log = folder / "server.log"
    proc = subprocess.Popen([binary, "serve", "--location", str(folder / "db"), "--bind", f"127.0.0.1:{port}"],
                            stdout=subprocess.DEVNULL, stderr=log.open("wb"))
    base = f"http://127.0.0.1:{port}"
    _wait(proc, f"{base}/query?query=ASK%7B%7D", "oxigraph serve", log)
    return Server("oxigraph", version, f"{base}/query", f"{base}/update", proc)


# ---------------------------------------------------------------------------- Virtuoso
VIRTUOSO_INI = """\
; written by tests/store/servers.py: a throw-away Virtuoso on 127.0.0.1 for the test suite
[Database]
DatabaseFile = {d}/virtuoso.db
ErrorLogFile = {d}/virtuoso.log
LockFile = {d}/virtuoso.lck
TransactionFile = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {d}/virtuoso-temp.db
TransactionFile = {d}/virtuoso-temp.trx

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
ServerThreads = 20
CheckpointInterval = 60
CaseMode = 2
DirsAllowed = ., {d}
; about 1 GB of page buffers: NumberOfBuffers x 8 KB (+ overhead), two thirds may be dirty
NumberOfBuffers = 100000
MaxDirtyBuffers = 75000
MaxQueryMem = 1G
ThreadsPerQuery = 2
AsyncQueueMaxThreads = 4

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {d}
ServerThreads = 10
MaxClientConnections = 10
MaxKeepAlives = 10
KeepAliveTimeout = 10
EnabledDavVSP = 0
Charset = UTF-8

[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryCostEstimationTime = 0
MaxQueryExecutionTime = 0
"""

# Updates through /sparql for the anonymous SPARQL user (see the module docstring).
VIRTUOSO_GRANTS = ('GRANT SPARQL_UPDATE TO "SPARQL"; '
                   'GRANT EXECUTE ON DB.DBA.SPARQL_INSERT_DICT_CONTENT TO "SPARQL"; '
                   'GRANT EXECUTE ON DB.DBA.SPARQL_DELETE_DICT_CONTENT TO "SPARQL"; '
                   "DB.DBA.RDF_DEFAULT_USER_PERMS_SET ('nobody', 7);")


VIRTUOSO_MAX_BYTES = 6 << 30


def _limit_memory() -> None:
    """Cap the server's address space (RLIMIT_AS): MaxQueryMem does not bound query compilation,
    and a query that explodes there (see docs/remote.md) must fail alone instead of taking the
    whole machine, which the test suite shares."""
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (VIRTUOSO_MAX_BYTES, VIRTUOSO_MAX_BYTES))


def virtuoso_binaries() -> tuple[str, str] | None:
    server, isql = shutil.which("virtuoso-t"), shutil.which("isql-vt")
    return (server, isql) if server and isql else None


def start_virtuoso(folder: Path) -> Server:
    binaries = virtuoso_binaries()
    if binaries is None:
        missing("the Virtuoso server (virtuoso-t, isql-vt)", "apt-get install virtuoso-opensource-7-bin")
    server, isql = binaries
    sql_port, http_port = free_port(), free_port()
    (folder / "virtuoso.ini").write_text(VIRTUOSO_INI.format(d=folder, sql_port=sql_port, http_port=http_port))
    log = folder / "stdout.log"
    proc = subprocess.Popen([server, "-f", "-c", str(folder / "virtuoso.ini")], cwd=folder,
                            stdout=log.open("wb"), stderr=subprocess.STDOUT, preexec_fn=_limit_memory)
    base = f"http://127.0.0.1:{http_port}"
    _wait(proc, f"{base}/sparql?query=ASK%7B%7D", "virtuoso-t", folder / "virtuoso.log")
    grant = subprocess.run([isql, f"127.0.0.1:{sql_port}", "dba", "dba", f"exec={VIRTUOSO_GRANTS}"],
                           capture_output=True, text=True, timeout=60)
    if grant.returncode != 0 or "Error" in grant.stdout + grant.stderr:
        proc.kill()
        pytest.fail(f"granting SPARQL_UPDATE on Virtuoso failed: {grant.stdout}{grant.stderr}")
    info = subprocess.run([server, "-?"], capture_output=True, text=True)
    version = next((line.strip() for line in (info.stdout + info.stderr).splitlines()
                   if line.startswith("Version")), "Virtuoso")
    return Server("virtuoso", version, f"{base}/sparql", f"{base}/sparql", proc)


STARTERS = {"oxigraph": start_oxigraph, "virtuoso": start_virtuoso}
