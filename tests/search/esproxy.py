"""A recording, fault-injecting HTTP proxy in front of the real Elasticsearch.

Tests point a backend at the proxy to see what the engine sends and receives
(paths, bodies, bytes) and to make the real server look overloaded (429) or hung
for some requests; every other request reaches the real server unchanged.
"""

from __future__ import annotations

import base64
import os
import ssl
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HOP_HEADERS = {
    "connection",
    "keep-alive",
    "transfer-encoding",
    "content-length",
    "host",
}


@dataclass
class Exchange:
    """One request that went through the proxy."""

    method: str
    path: str
    body: bytes
    status: int
    response_bytes: int


@dataclass
class Fault:
    """Answer the next ``count`` requests whose path contains ``path`` this way."""

    path: str
    count: int
    status: int = 429
    hang_seconds: float = 0.0


@dataclass
class ProxyState:
    upstream: str
    authorization: str = ""
    context: ssl.SSLContext | None = None
    exchanges: list[Exchange] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def take_fault(self, path: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.path in path and fault.count > 0:
                    fault.count -= 1
                    return fault
        return None


class _Handler(BaseHTTPRequestHandler):
    state: ProxyState

    def log_message(self, *args) -> None:
        pass

    def _forward(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        fault = self.state.take_fault(self.path)
        if fault is not None:
            if fault.hang_seconds:
                time.sleep(fault.hang_seconds)
            payload = (
                b'{"error":{"type":"es_rejected_execution_exception"},"status":429}'
            )
            headers = {
                "Content-Type": "application/json",
                "X-Elastic-Product": "Elasticsearch",
            }
            # Recorded before answering: the client may look as soon as it has it.
            self._record(body, fault.status, len(payload))
            self._reply(fault.status, headers, payload)
            return
        headers = {
            k: v for k, v in self.headers.items() if k.lower() not in HOP_HEADERS
        }
        if self.state.authorization:
            headers["Authorization"] = self.state.authorization
        request = urllib.request.Request(  # noqa: S310  (loopback upstream only)
            self.state.upstream + self.path,
            data=body if body or self.command in ("POST", "PUT") else None,
            method=self.command,
            headers=headers,
        )
        try:
            with urllib.request.urlopen(  # noqa: S310
                request, timeout=30, context=self.state.context
            ) as response:
                status, headers, payload = (
                    response.status,
                    response.headers,
                    response.read(),
                )
        except urllib.error.HTTPError as error:
            status, headers, payload = error.code, error.headers, error.read()
        self._record(body, status, len(payload))
        self._reply(status, headers, payload)

    def _reply(self, status: int, headers, payload: bytes) -> None:
        self.send_response(status)
        for key, value in headers.items():
            if key.lower() not in HOP_HEADERS:
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    def _record(self, body: bytes, status: int, size: int) -> None:
        with self.state.lock:
            self.state.exchanges.append(
                Exchange(self.command, self.path, body, status, size)
            )

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _forward


class ElasticsearchProxy:
    """Start with ``with ElasticsearchProxy(upstream) as proxy: proxy.url``."""

    def __init__(self, upstream: str) -> None:
        parts = urllib.parse.urlsplit(upstream)
        authorization = ""
        if parts.username:
            token = f"{urllib.parse.unquote(parts.username)}:{urllib.parse.unquote(parts.password or '')}"
            authorization = "Basic " + base64.b64encode(token.encode()).decode()
        netloc = parts.hostname + (f":{parts.port}" if parts.port else "")
        context = None
        if parts.scheme == "https":
            context = ssl.create_default_context(
                cafile=os.environ.get("ELASTICSEARCH_CA_CERTS") or None
            )
        self.state = ProxyState(
            upstream=f"{parts.scheme}://{netloc}",
            authorization=authorization,
            context=context,
        )
        handler = type("Handler", (_Handler,), {"state": self.state})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}"

    def __enter__(self) -> ElasticsearchProxy:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def fail(
        self, path: str, count: int, *, status: int = 429, hang: float = 0.0
    ) -> None:
        """Answer the next ``count`` requests to ``path`` with ``status`` (after ``hang`` s)."""
        with self.state.lock:
            self.state.faults.append(Fault(path, count, status, hang))

    def clear(self) -> None:
        """Forget what was recorded so far."""
        with self.state.lock:
            self.state.exchanges.clear()

    def exchanges(self, path: str = "") -> list[Exchange]:
        """Recorded requests whose path contains ``path``."""
        with self.state.lock:
            return [e for e in self.state.exchanges if path in e.path]
