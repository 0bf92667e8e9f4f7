"""The guarded front of ``loopsource serve``: a small HTTP proxy before Oxigraph's server.

``oxigraph serve`` answers any request from anywhere: a web page the user opens can POST a
form to ``http://127.0.0.1:7878/update`` (browsers send such "simple" requests cross-site
without asking), and a deeply nested query aborts it. It cannot check an Origin, a token or a
query's depth itself, so ``loopsource serve`` runs it on a private loopback port and puts
this proxy (standard library only, threaded, bounded) on the address the user asked for.
Every request passes these checks, in this order (docs/security.md):

1. path: ``/query``, ``/update`` and ``GET /`` (Oxigraph's query page) only;
2. ``Host`` is the bound address or a loopback name (DNS rebinding), unless remote access
   was allowed;
3. cross-site: a request with an ``Origin`` other than its own ``Host``, or with
   ``Sec-Fetch-Site`` ``cross-site``/``same-site``, is refused; CORS is never granted;
4. writes (``/update``): only when the server is writable, and only with
   ``Authorization: Bearer TOKEN``;
5. ``POST`` bodies: ``Content-Type`` one of the three of the SPARQL 1.1 Protocol, a
   ``Content-Length`` within the limit;
6. the query or update nests at most ``rdf.sparql.MAX_NESTING`` levels.

Queries run with Oxigraph's own time limit (``--timeout-s``); a cancelled query, whose
status line Oxigraph has already sent as 200, is answered 503 here (the proxy buffers a
response up to ``BUFFER`` bytes to be able to do so). Oxigraph does not stop every query at
its limit (a large join under COUNT runs on), so a query still running ``GRACE`` seconds past
the limit is answered 503 and ``stuck`` is set: serve then hands over to a fresh Oxigraph
(new requests go to it at once) and stops the old one once the requests it still serves have
reached their own limit, which ends the runaway query. At most ``MAX_ACTIVE`` requests are
forwarded at once; a client has ``CLIENT_TIMEOUT`` seconds to send its request.
"""
from __future__ import annotations

import hmac
import http.client
import logging
import threading
import urllib.parse
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from ..errors import QueryError
from ..rdf.sparql import check_nesting

log = logging.getLogger(__name__)

MAX_ACTIVE = 64  # requests forwarded at once; more wait up to QUEUE_WAIT seconds, then 503
QUEUE_WAIT = 30.0
CLIENT_TIMEOUT = 30.0  # seconds a client has for each read of its request (slow clients)
MAX_QUERY_BODY = 1024**2
MAX_UPDATE_BODY = 128 * 1024**2  # INSERT DATA batches of 'build --endpoint' are a few MB
BUFFER = 64 * 1024**2
GRACE = 5.0  # seconds past the time limit before a query counts as stuck
CANCELLED = b"The SPARQL operation has been cancelled"
_CONTENT_TYPES = {"application/sparql-query", "application/sparql-update", "application/x-www-form-urlencoded"}


@dataclass(frozen=True)
class Guard:
    """What the proxy enforces."""

    hosts: frozenset[str]  # accepted Host headers (lower case); empty: any (remote allowed)
    token: str | None  # the write token; None: read-only
    timeout: float  # seconds a query may run


class Refused(Exception):
    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status
        self.reason = reason


class GuardedServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], guard: Guard, upstream: tuple[str, int], ipv6: bool = False):
        if ipv6:
            import socket

            self.address_family = socket.AF_INET6
        self.guard = guard
        self.upstream = upstream  # Oxigraph's private loopback address; replaced on a handover
        self.slots = threading.BoundedSemaphore(MAX_ACTIVE)
        # Set when a query outlived its limit by GRACE seconds: Oxigraph's own time limit does
        # not stop every query (a large join under COUNT runs on), so serve restarts it.
        self.stuck = threading.Event()
        super().__init__(address, _Handler)


class _Handler(BaseHTTPRequestHandler):
    server: GuardedServer
    timeout = CLIENT_TIMEOUT
    server_version = "loopsource-serve"
    sys_version = ""

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - http.server's name
        log.info("%s %s", self.address_string(), format % args)

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._handle("GET")

    def do_HEAD(self) -> None:  # noqa: N802
        self._handle("HEAD")

    def do_POST(self) -> None:  # noqa: N802
        self._handle("POST")

    def do_OPTIONS(self) -> None:  # noqa: N802 - a CORS preflight: never granted
        self._refuse(Refused(403, "cross-origin requests are not allowed"))

    def do_PUT(self) -> None:  # noqa: N802
        self._refuse(Refused(405, "method not allowed"))

    do_DELETE = do_PATCH = do_PUT

    # ------------------------------------------------------------------ checks
    def _handle(self, method: str) -> None:
        try:
            path, body, text = self._check(method)
        except Refused as e:
            self._refuse(e)
            return
        if not self.server.slots.acquire(timeout=QUEUE_WAIT):
            self._refuse(Refused(503, "the server is busy; try again"))
            return
        try:
            self._forward(method, path, body)
        finally:
            self.server.slots.release()

    def _check(self, method: str) -> tuple[str, bytes | None, str | None]:
        guard = self.server.guard
        url = urllib.parse.urlsplit(self.path)
        route = url.path
        if route not in ("/query", "/update", "/") or (route == "/" and method == "POST"):
            raise Refused(404, "not found: the endpoints are /query and /update")
        host = (self.headers.get("Host") or "").lower()
        if guard.hosts and host not in guard.hosts:
            raise Refused(403, f"Host {host!r} is not this server (DNS rebinding?)")
        origin = self.headers.get("Origin")
        if origin is not None and origin.lower() != f"http://{host}":
            raise Refused(403, "cross-site requests are not allowed (Origin)")
        if (self.headers.get("Sec-Fetch-Site") or "none").lower() not in ("none", "same-origin"):
            raise Refused(403, "cross-site requests are not allowed (Sec-Fetch-Site)")
        if route == "/update":
            self._check_token(guard)
        body = None
        if method == "POST":
            body = self._body(route)
        text = self._sparql_text(route, url.query, body)
        if text is not None:
            try:
                check_nesting(text, "request")
            except QueryError as e:
                raise Refused(400, str(e)) from None
        return self.path, body, text

    def _check_token(self, guard: Guard) -> None:
        if guard.token is None:
            raise Refused(403, "this server is read-only (start it with --writable to accept updates)")
        given = self.headers.get("Authorization") or ""
        if not given.startswith("Bearer ") or not hmac.compare_digest(given[7:].encode(), guard.token.encode()):
            raise Refused(401, "updates need 'Authorization: Bearer TOKEN' (the token 'serve --writable' printed)")

    def _body(self, route: str) -> bytes:
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if ctype not in _CONTENT_TYPES:
            raise Refused(415, f"Content-Type must be one of {', '.join(sorted(_CONTENT_TYPES))}")
        if self.headers.get("Transfer-Encoding"):
            raise Refused(411, "send a Content-Length (chunked bodies are not accepted)")
        try:
            length = int(self.headers.get("Content-Length") or "")
        except ValueError:
            raise Refused(411, "a Content-Length is required") from None
        limit = MAX_UPDATE_BODY if route == "/update" else MAX_QUERY_BODY
        if length < 0 or length > limit:
            raise Refused(413, f"the request body is over the limit of {limit:,} bytes")
        return self.rfile.read(length)

    def _sparql_text(self, route: str, query: str, body: bytes | None) -> str | None:
        key = "update" if route == "/update" else "query"
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        try:
            if body is not None and ctype != "application/x-www-form-urlencoded":
                return body.decode("utf-8")
            form = urllib.parse.parse_qs(body.decode("utf-8") if body is not None else query)
        except UnicodeDecodeError:
            raise Refused(400, "the request is not UTF-8") from None
        values = form.get(key) or []
        if route == "/" and not values:
            return None
        if not values:
            raise Refused(400, f"no '{key}' parameter")
        return values[0]

    # ------------------------------------------------------------------ forwarding
    def _forward(self, method: str, path: str, body: bytes | None) -> None:
        guard = self.server.guard
        upstream = self.server.upstream
        conn = None
        try:
            try:
                conn, resp, data = self._ask(upstream, method, path, body)
            except (ConnectionError, http.client.RemoteDisconnected):
                # the engine was replaced (a handover) while this query ran on it: ask the new one
                if path.startswith("/update") or self.server.upstream == upstream:
                    raise
                conn, resp, data = self._ask(self.server.upstream, method, path, body)
            self.send_response(resp.status)
            for name in ("Content-Type", "Content-Disposition"):
                if resp.getheader(name):
                    self.send_header(name, resp.getheader(name))
            self._safety_headers()
            self.end_headers()
            if method != "HEAD":
                self.wfile.write(data)
                while chunk := resp.read(1 << 16):
                    self.wfile.write(chunk)
        except Refused as e:
            self._refuse(e)
        except (TimeoutError, OSError, http.client.HTTPException) as e:
            if isinstance(e, (BrokenPipeError, ConnectionResetError)) and self._client_gone():
                return  # the client left: nothing to answer
            if isinstance(e, TimeoutError):
                self.server.stuck.set()
                self._refuse(Refused(503, f"the query ran longer than {guard.timeout:g} s and was cancelled"))
                return
            self._refuse(Refused(502, f"the query engine failed: {type(e).__name__}"))
        finally:
            if conn is not None:
                conn.close()

    def _ask(self, upstream: tuple[str, int], method: str, path: str,
             body: bytes | None) -> tuple[http.client.HTTPConnection, http.client.HTTPResponse, bytes]:
        """Send the request to Oxigraph; its answer with up to BUFFER bytes of the body read."""
        guard = self.server.guard
        headers = {k: v for k, v in ((h, self.headers.get(h)) for h in ("Content-Type", "Accept")) if v}
        conn = http.client.HTTPConnection(*upstream, timeout=guard.timeout + GRACE)
        try:
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            try:
                data = resp.read(BUFFER + 1)
            except http.client.IncompleteRead as e:  # Oxigraph breaks off the body when it cancels
                data = e.partial
                if CANCELLED not in data[-512:]:
                    raise
            if len(data) <= BUFFER and CANCELLED in data[-512:]:
                raise Refused(503, f"the query ran longer than {guard.timeout:g} s and was cancelled")
        except BaseException:
            conn.close()
            raise
        return conn, resp, data

    def _client_gone(self) -> bool:
        return self.wfile.closed

    def _safety_headers(self) -> None:
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Connection", "close")

    def _refuse(self, e: Refused) -> None:
        body = (e.reason + "\n").encode("utf-8")
        try:
            self.send_response(e.status)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self._safety_headers()
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
        except OSError:
            pass  # the client is gone
        self.close_connection = True
