"""A small reverse proxy for tests, doing what the README asks of nginx in front of
the workers: append the client's address to X-Forwarded-For, set X-Forwarded-Proto,
and answer 502 itself when the upstream fails (a worker that died mid-request).

    with ReverseProxy(upstream_port) as proxy:
        requests.get(proxy.url + "/healthz")
"""
from __future__ import annotations

import http.client
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# RFC 9110 §7.6.1: these describe one connection and are not forwarded.
HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
              "transfer-encoding", "upgrade", "proxy-connection"}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: "_Server"

    def _forward(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {name: value for name, value in self.headers.items() if name.lower() not in HOP_BY_HOP}
        forwarded_for = self.headers.get("X-Forwarded-For")
        headers["X-Forwarded-For"] = f"{forwarded_for}, {self.client_address[0]}" if forwarded_for \
            else self.client_address[0]
        headers["X-Forwarded-Proto"] = "http"
        headers["Connection"] = "close"
        upstream = http.client.HTTPConnection("127.0.0.1", self.server.upstream_port, timeout=self.server.timeout_s)
        try:
            upstream.request(self.command, self.path, body=body, headers=headers)
            answer = upstream.getresponse()
            content = answer.read()
        except TimeoutError:
            self._fail(504, "Gateway Timeout")
            return
        except (OSError, http.client.HTTPException):
            self._fail(502, "Bad Gateway")
            return
        finally:
            upstream.close()
        self.send_response(answer.status, answer.reason)
        for name, value in answer.getheaders():
            if name.lower() not in HOP_BY_HOP and name.lower() != "content-length":
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    def _fail(self, status: int, reason: str) -> None:
        with self.server.lock:
            self.server.failures[status] = self.server.failures.get(status, 0) + 1
        body = f"{status} {reason}\n".encode()
        self.send_response(status, reason)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _forward

    def log_message(self, format, *args):  # quiet
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, upstream_port: int, timeout_s: float):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.upstream_port = upstream_port
        self.timeout_s = timeout_s
        self.lock = threading.Lock()
        self.failures: dict[int, int] = {}


class ReverseProxy:
    """Listens on 127.0.0.1 (a free port) and forwards to 127.0.0.1:`upstream_port`."""

    def __init__(self, upstream_port: int, timeout: float = 30.0):
        self._server = _Server(upstream_port, timeout)
        self.port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, name="reverse-proxy", daemon=True)

    @property
    def failures(self) -> dict[int, int]:
        """How often the proxy answered 502/504 itself, by status."""
        with self._server.lock:
            return dict(self._server.failures)

    def start(self) -> "ReverseProxy":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> "ReverseProxy":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
