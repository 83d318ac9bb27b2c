"""A tiny HTTP server on loopback that a notebook starts and stops itself.

The scraping sandbox and the breach portal are both web applications that the course serves to
itself. They share this one piece: a threaded stdlib server bound to ``127.0.0.1`` on a free port,
used as a context manager so that no thread or socket outlives the cell that needed it.

    >>> with LoopbackServer(app) as server:      # app(request) -> Response
    ...     requests.get(server.url + "/")

Nothing here listens on any other interface, and ``host`` cannot be changed: course servers are
never reachable from outside the machine.
"""

from __future__ import annotations

import json
import threading
import weakref
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable
from urllib.parse import parse_qs, urlsplit

HOST = "127.0.0.1"
MAX_BODY = 1_000_000  # bytes a request body may have


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: bytes = b""
    client: str = HOST

    def json(self):
        try:
            return json.loads(self.body.decode("utf-8") or "null")
        except (UnicodeDecodeError, json.JSONDecodeError):
            return None

    def cookie(self, name: str) -> str | None:
        for part in self.headers.get("cookie", "").split(";"):
            key, _, value = part.strip().partition("=")
            if key == name:
                return value
        return None


@dataclass
class Response:
    status: int = 200
    body: bytes | str | Callable = b""
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, data, status: int = 200, **headers) -> "Response":
        return cls(status, json.dumps(data, indent=1, default=str), "application/json", dict(headers))

    @classmethod
    def text(cls, text: str, status: int = 200, **headers) -> "Response":
        return cls(status, text, "text/plain; charset=utf-8", dict(headers))


App = Callable[[Request], Response]


def _handler(app: App, quiet: bool = True):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body leave at once: no 40 ms delayed-ACK stall per request
        server_version = "facecourse-loopback"
        sys_version = ""

        def log_message(self, fmt, *args):  # the apps keep their own logs
            if not quiet:
                super().log_message(fmt, *args)

        def _serve(self):
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                self.send_error(413, "request body too large")
                return
            body = self.rfile.read(length) if length else b""
            query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
            req = Request(self.command, parts.path or "/", query, {k.lower(): v for k, v in self.headers.items()},
                          body, self.client_address[0])
            try:
                resp = app(req)
            except Exception as exc:  # an app bug becomes a 500, never a dead server
                resp = Response.text(f"internal error: {type(exc).__name__}: {exc}", 500)
            self.send_response(resp.status)
            self.send_header("Content-Type", resp.content_type)
            for k, v in resp.headers.items():
                self.send_header(k, v)
            if callable(resp.body):  # a streamed body (e.g. a huge page): chunked encoding
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                try:
                    for chunk in resp.body():
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                    self.wfile.write(b"0\r\n\r\n")
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True  # the client stopped reading: that is its right
                return
            data = resp.body.encode("utf-8") if isinstance(resp.body, str) else resp.body
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                try:
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True

        do_GET = do_POST = do_HEAD = do_DELETE = do_PUT = _serve

    return Handler


class LoopbackServer:
    """Serve ``app`` on 127.0.0.1 (a free port unless ``port`` is given) in a daemon thread.

    ``LoopbackServer.live`` holds the servers running in this process (the grader bridges them
    into a student's sandboxed kernel: :mod:`facecourse.grading.trusted`).
    """

    live: "weakref.WeakSet[LoopbackServer]" = weakref.WeakSet()
    #: servers started in this process so far (the grader notes which provided cells ran one)
    started = 0

    def __init__(self, app: App, port: int = 0):
        if not callable(app):
            raise TypeError(f"app must be a callable taking a Request, not {type(app).__name__}")
        self.app = app
        self._port = port
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._httpd is not None

    @property
    def port(self) -> int:
        if not self._httpd:
            raise RuntimeError("the server is not running: use it in a `with` block or call start()")
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self) -> "LoopbackServer":
        if self._httpd:
            return self
        httpd = ThreadingHTTPServer((HOST, self._port), _handler(self.app))
        httpd.daemon_threads = True
        self._httpd = httpd
        self._thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"facecourse-server-{self.port}", daemon=True)
        self._thread.start()
        LoopbackServer.live.add(self)
        LoopbackServer.started += 1
        return self

    def stop(self) -> None:
        if not self._httpd:
            return
        LoopbackServer.live.discard(self)
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)
        self._httpd = self._thread = None

    def __enter__(self) -> "LoopbackServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = self.url if self._httpd else "stopped"
        return f"<{type(self).__name__} {state}>"



class ServedApp:
    """Base for a course web app served by a ``LoopbackServer`` in ``self._server``: ``url``,
    ``start``/``stop`` and use as a context manager. Subclasses override ``start`` to check
    their preconditions before calling ``super().start()``."""

    _server: LoopbackServer

    @property
    def url(self) -> str:
        return self._server.url

    def start(self):
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
