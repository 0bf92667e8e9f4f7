"""serve: the embedded store as a SPARQL 1.1 endpoint, behind loopsource's guard (docs/security.md)."""
from __future__ import annotations

import ipaddress
import math
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import IO

import click

from ..errors import StoreError, UsageError
from ..store import drop_graph_copies
from ..store.generations import pin_current, writer_lock
from ..store.server import GRACE, Guard, GuardedServer
from . import main, note
from .params import Address, HostPort

TOKEN_ENV = "LOOPSOURCE_SERVE_TOKEN"


class _Stop(Exception):
    """SIGTERM: stop like Ctrl-C does."""


def oxigraph_binary() -> str:
    """The ``oxigraph`` server binary: on PATH, or beside this Python (a virtualenv's bin/)."""
    found = shutil.which("oxigraph") or shutil.which("oxigraph", path=str(Path(sys.executable).parent))
    if not found:
        raise UsageError("the 'oxigraph' server binary is not installed; pip install oxigraph")
    return found


def is_loopback(host: str) -> bool:
    """Whether every address ``host`` names is a loopback address."""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError:
        return False
    return bool(infos) and all(ipaddress.ip_address(i[4][0].split("%")[0]).is_loopback for i in infos)


def _free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _die_with_parent() -> None:
    """In the child before exec: the kernel sends it SIGTERM when loopsource dies, even by SIGKILL."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG (Linux)
    except (OSError, AttributeError):
        pass


def _token(writable: bool) -> tuple[str | None, bool]:
    """(token, generated) for a writable server; (None, False) for a read-only one."""
    if not writable:
        return None, False
    given = os.environ.get(TOKEN_ENV)
    if given is not None:
        if len(given) < 16:
            raise UsageError(f"{TOKEN_ENV} is shorter than 16 characters; use a long random token")
        return given, False
    return secrets.token_urlsafe(24), True


@main.command("serve")
@click.option("--store", type=click.Path(path_type=Path), default=None,
              help="Embedded store folder [default: the current store named in ./.loopsource-store, else "
                   "./.loopsource].")
@click.option("--bind", "bind_to", type=HostPort(), default="127.0.0.1:7878", show_default=True, metavar="HOST:PORT",
              help="Address to listen on ([::1]:PORT for IPv6). Not loopback: needs --allow-remote.")
@click.option("--writable", is_flag=True,
              help=f"Accept SPARQL Update too, with 'Authorization: Bearer TOKEN' ({TOKEN_ENV}, or a token "
                   "generated and printed on stderr). Changes the current generation in place, not atomically.")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=60.0, show_default=True,
              help="Seconds a query may run; a longer one is cancelled (HTTP 503).")
@click.option("--allow-remote", is_flag=True,
              help="Allow a --bind address that is not loopback (reachable from the network: put TLS in front).")
def serve_cmd(store: Path | None, bind_to: Address, writable: bool, timeout: float, allow_remote: bool) -> None:
    """Serve the embedded store as a SPARQL 1.1 endpoint (Oxigraph's server behind a guard), read-only
    by default. Cross-site requests are refused; see docs/security.md."""
    if store is None:  # the current store (store.current), as for every other command
        from ..store.current import default_store

        choice = default_store()
        note(f"store: {choice.path} ({choice.why})")
        store = choice.path
    root = store
    # The generation is located without opening it: RocksDB allows one writer, and the server
    # must be the only process that has the database open while it runs. It is pinned, so a
    # build beside the server does not remove it.
    if not (root / "current").exists():
        raise StoreError(f"{root}: no loopsource store here; run 'loopsource build DATA_DIR --store {root}' first")
    host, port = bind_to.host, int(bind_to.port)
    remote = not is_loopback(host)
    if remote and not allow_remote:
        raise UsageError(f"--bind {bind_to.text} is not a loopback address: the endpoint would be reachable from "
                         "the network; add --allow-remote if that is meant")
    token, generated = _token(writable)
    shown = f"[{host}]" if ":" in host else host
    hosts = frozenset() if remote else frozenset(
        h.lower() for h in (f"{shown}:{port}", f"localhost:{port}", f"127.0.0.1:{port}", f"[::1]:{port}"))
    writer = writer_lock(root) if writable else None  # in-place updates: no other writer meanwhile
    generation, pin = pin_current(root)
    try:
        if writable:
            # Updates change the database in place; the generation's N-Triples copies of its graphs
            # would then be out of date, so readers must go back to the database itself.
            drop_graph_copies(root)
        log = tempfile.TemporaryFile()
        engine = _Engine(generation / "oxigraph", writable, timeout, log)
        try:
            try:
                server = GuardedServer((host, port), Guard(hosts, token, timeout), ("127.0.0.1", engine.port),
                                       ipv6=":" in host)
            except OSError as e:
                raise UsageError(f"cannot listen on {bind_to.text}: {e.strerror or e}") from None
            try:
                if remote:
                    click.echo(f"warning: serving on {bind_to.text}, reachable from the network; the SPARQL "
                               "endpoint has no TLS", err=True)
                if generated:
                    click.echo(f"write token: {token}  (send 'Authorization: Bearer TOKEN'; loopsource commands "
                               "read it from LOOPSOURCE_ENDPOINT_TOKEN)", err=True)
                _run(server, engine, writable, timeout, bind_to, shown)
            finally:
                server.server_close()
        finally:
            engine.stop()
    finally:
        if pin is not None:
            pin.release()
        if writer is not None:
            os.close(writer)


class _Engine:
    """The Oxigraph child behind the guard. A query that Oxigraph's own limit does not stop
    (the guard sets ``server.stuck``) is ended by a handover: a fresh child on a new port takes
    the new requests at once, and the old one is stopped once what it still serves has run
    into its limit (read-only; a writable store allows one process, so it is restarted)."""

    def __init__(self, location: Path, writable: bool, timeout: float, log: IO[bytes]):
        self.cmd = [oxigraph_binary(), "serve" if writable else "serve-read-only", "--location", str(location),
                    "--union-default-graph", "--timeout-s", str(math.ceil(timeout))]
        self.writable, self.timeout, self.log = writable, timeout, log
        self.draining: list[tuple[subprocess.Popen, float]] = []
        self.proc, self.port = self._spawn()

    def _spawn(self) -> tuple[subprocess.Popen, int]:
        port = _free_loopback_port()
        proc = _start([*self.cmd, "--bind", f"127.0.0.1:{port}"], self.log)
        _wait_ready(proc, port)
        return proc, port

    def hand_over(self, server: GuardedServer) -> None:
        if self.writable:
            _stop(self.proc)
            self.proc, self.port = self._spawn()
        else:
            old = self.proc
            self.proc, self.port = self._spawn()
            self.draining.append((old, time.monotonic() + self.timeout + GRACE))
        server.upstream = ("127.0.0.1", self.port)

    def tick(self) -> None:
        now = time.monotonic()
        for proc, deadline in list(self.draining):
            if now >= deadline or proc.poll() is not None:
                _stop(proc)
                self.draining.remove((proc, deadline))

    def stop(self) -> None:
        for proc in [self.proc, *(p for p, _ in self.draining)]:
            _stop(proc)


def _run(server: GuardedServer, engine: _Engine, writable: bool, timeout: float, bind_to: Address,
         shown: str) -> None:
    """Serve until Ctrl-C, SIGTERM, or Oxigraph stops by itself; hand over on a runaway query."""
    previous = signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(_Stop()))
    code: int | None = None
    try:
        click.echo(f"SPARQL endpoint: http://{shown}:{bind_to.port}/query" + (
            f"  update: http://{shown}:{bind_to.port}/update (token required)" if writable else "  (read-only)"))
        click.echo(f"serving {engine.cmd[3]}; query time limit {timeout:g} s; Ctrl-C stops", err=True)
        sys.stdout.flush()
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True).start()
        while code is None:
            try:
                code = engine.proc.wait(timeout=0.5)
            except subprocess.TimeoutExpired:
                engine.tick()
                if server.stuck.is_set() and not engine.draining:
                    click.echo(f"warning: a query ran {GRACE:g} s past its limit; handing over to a fresh query "
                               "engine", err=True)
                    engine.hand_over(server)
                    server.stuck.clear()
    except (KeyboardInterrupt, _Stop):
        code = 0
    finally:
        signal.signal(signal.SIGTERM, previous)
        server.shutdown()
        engine.stop()
    if code:
        engine.log.seek(0)
        detail = engine.log.read().decode("utf-8", "replace").strip().splitlines()[-1:]
        raise UsageError(f"the oxigraph server stopped with exit code {code}" + (f": {detail[0]}" if detail else ""))


def _start(cmd: list[str], log: IO[bytes]) -> subprocess.Popen:
    try:
        return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=log, preexec_fn=_die_with_parent)
    except OSError as e:
        raise UsageError(f"cannot start {cmd[0]}: {e.strerror or e}") from None


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _wait_ready(proc: subprocess.Popen, port: int) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            if proc.poll() is not None:
                return  # it stopped: the caller reports its exit code
            if time.monotonic() > deadline:
                raise UsageError("the oxigraph server did not start within 60 s") from None
            time.sleep(0.05)
