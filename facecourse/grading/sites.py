"""Sandbox sites that live in the grader's trusted process, reached from a sandboxed kernel with no network.

Why. The capstone (exercise D1) and A2's fetch loop are graded from a sandbox site's own access log
(``SandboxSite.audit``). Today a test starts the site inside the student's kernel, where the student's
code could rewrite the log or the audit. The log can only be trusted if the site runs in the grader's
process, outside bubblewrap, while the kernel, which has no network, still reaches it on
``http://127.0.0.1:PORT`` as in class. This module holds the two pieces of that bridge that stand on their
own, and the design of the rest, which waits for tests to be decided outside the kernel (the
"framework" work: test cases as functions of notebook values, run in a trusted process).

The two pieces (implemented and tested here, ``tests/grading/test_site_bridge.py``):

* ``UnixSiteServer``, on the trusted side: serves a course web app (a ``SandboxSite``: its ``_app``) on a
  Unix socket instead of a TCP port, with a cap on concurrent connections and on the requests a
  submission may send (a flood from a hostile kernel costs the grader nothing more).
* ``Relay``, on the kernel's side: listens on ``127.0.0.1:PORT`` in the sandbox's own network namespace and
  pumps each connection's bytes to and from the Unix socket. It changes nothing in the bytes.

Measured here: a sandboxed process (bubblewrap, ``--unshare-net``, another uid, the socket folder bound
read-only) reaches the trusted site through the relay, every request it sends is in the trusted log,
it cannot create files in the socket folder, and it cannot reach anything else.

The design of the rest (to build with the trusted test runner; nothing below is done yet):

1. **Sockets.** Per submission the worker makes a folder it owns (mode 0755, not writable by the sandbox's
   uid) and serves each site started on the trusted side on ``<folder>/<port>.sock`` (mode 0666, so the
   sandbox's uid may connect). ``Sandbox.command`` binds the folder read-only at ``/run/facecourse-sites``
   (``--ro-bind``; one more line there, in the grading sandbox's mount list) and sets
   ``FACECOURSE_SITE_BRIDGE=/run/facecourse-sites`` in the kernel's environment. ``connect(2)`` works on a
   read-only bind mount; creating, replacing or linking a socket there fails with EROFS, so the kernel
   cannot point the trusted side at a path of its choosing (and the trusted side only ever uses paths in
   its own folder).
2. **Ports.** The sandbox has its own network namespace, so every port in it is free. Sites get ports
   18001, 18002, ... in the order they are started, on both sides. Before any student code, the kernel's
   prelude starts one ``Relay`` per port of a small range (say 18001-18016); a relay whose socket does
   not exist yet refuses the connection. A site's ``url`` is the same string on both sides.
3. **The site object in the kernel.** With ``FACECOURSE_SITE_BRIDGE`` set, ``SandboxSite.start()`` in the
   kernel does not serve: it takes the next port and answers its data methods locally (``profiles``,
   ``photo_table``, ``held_out_photos``, ``photo_bytes``, ``robots_txt``: pure functions of the site's
   configuration and LFW). Its log methods (``access_log``, ``audit``, ``events``) and state changes
   (``clear_log``, ``announce_erasure``, ``opt_out``) go over a second socket, ``<port>.ctl``, to the
   trusted site: reads return copies (the student's own ``grader.check`` feedback reads them); ``clear_log``
   becomes a *mark* in the trusted log (feedback checks read from the last mark; the grader's audit reads
   everything), so no kernel call can erase or rewrite a logged request.
4. **Tests.** Public and hidden tests run in the trusted process with the trusted ``site`` and call
   ``site.audit(...)`` there; a hidden test that starts its own site (``capstone_site("B")``) starts it on
   the trusted side, on the next port, whose relay already listens in the kernel, and calls the student's
   ``crawl(b.url, folder)`` by value. Since a test's site serves one submission only, hidden tests audit
   **every** user agent on it, so a crawler that changes its name cannot hide a fault.
5. **Given cells with side effects.** Today's worker runs an exercise's provided cells before any student
   code (found while measuring D1: a last provided ``site.stop()`` stopped the site before the crawl; D1
   no longer has one). A provided cell that changes a site (D1's ``site.announce_erasure()``) must then run
   when the notebook reaches it, or be harmless when run first (D1's is: its crawler does not read
   erasure requests, and its crawl checks do not use the ``erased`` rule).
6. **Folders.** Build, search and erasure tests need a collection in the kernel's file system. The trusted
   side writes reference collections (``SandboxSite.reference_collection``) into a second folder bound
   read-only (``/run/facecourse-data``); the test has the kernel copy one into a fresh writable folder
   and calls the student's functions on it; the verdict compares the values those functions return
   (faces, boxes, search results) with the trusted truth (``photo_table``, sides, hashes). A kernel that
   tampered with the copy could only change its own answers' inputs, and the comparison with the trusted
   truth (every reference URL must come back) catches a dropped photo.

Not protected even then: the kernel sees every response (as any crawler does); its relay could drop or
delay requests, which only makes the crawler fetch less or more slowly; the trusted site renders photos
for the kernel, so a flood costs the worker CPU up to the request budget.
"""

from __future__ import annotations

import os
import socket
import socketserver
import threading
from pathlib import Path

from ..webserver import App, _handler

#: requests one submission may send to one trusted site before it answers 503 (a polite crawl of a
#: capstone site sends about 150)
REQUEST_BUDGET = 5_000
#: connections a trusted site serves at once
MAX_CONNECTIONS = 16


class _UnixHTTPServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True
    allow_reuse_address = False


class UnixSiteServer:
    """Serve ``app`` (a callable taking a ``webserver.Request``, e.g. ``SandboxSite()._app``) on the Unix
    socket ``path``, with at most ``max_connections`` at once and ``budget`` requests in all (then 503).

    The socket is created with mode 0666 so that a sandboxed uid may connect; its folder should belong to
    the grader and not be writable by anyone else. ``requests_served`` counts the requests answered.

    >>> with UnixSiteServer(site._app, "/tmp/sites/18001.sock"):       # doctest: +SKIP
    ...     ...                                                         # a Relay on the other side
    """

    def __init__(self, app: App, path: str | os.PathLike, max_connections: int = MAX_CONNECTIONS,
                 budget: int = REQUEST_BUDGET):
        self.path = Path(path)
        self.budget = budget
        self.requests_served = 0
        self._slots = threading.BoundedSemaphore(max_connections)
        self._count_lock = threading.Lock()
        base = _handler(app)
        server = self

        class Handler(base):
            disable_nagle_algorithm = False  # TCP_NODELAY does not apply to a Unix socket (setsockopt fails)

            def setup(self):
                super().setup()
                self.client_address = ("127.0.0.1", 0)  # it came through the loopback relay in the sandbox

            def handle(self):
                if not server._slots.acquire(blocking=False):
                    self.close_connection = True
                    return
                try:
                    super().handle()
                finally:
                    server._slots.release()

            def _serve(self):
                with server._count_lock:
                    server.requests_served += 1
                    over = server.requests_served > server.budget
                if over:
                    self.send_error(503, "request budget for this submission used up")
                    return
                base._serve(self)

            do_GET = do_POST = do_HEAD = do_DELETE = do_PUT = _serve

        self._handler = Handler
        self._httpd: _UnixHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> "UnixSiteServer":
        if self._httpd:
            return self
        if self.path.exists() or self.path.is_symlink():
            raise FileExistsError(f"{self.path} exists: each trusted site needs a socket path of its own")
        self._httpd = _UnixHTTPServer(str(self.path), self._handler)
        os.chmod(self.path, 0o666)
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"facecourse-unix-site-{self.path.name}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if not self._httpd:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)
        self._httpd = self._thread = None
        self.path.unlink(missing_ok=True)

    def __enter__(self) -> "UnixSiteServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


class Relay:
    """Listen on ``127.0.0.1:port`` and pump every connection to the Unix socket ``socket_path`` and back.

    The kernel's side of the bridge: a crawler in a sandbox without network asks ``http://127.0.0.1:port``
    as usual, and its requests reach the trusted site, byte for byte. A connection is refused (closed at
    once) while the socket does not exist. ``connections`` counts the connections relayed.

    >>> with Relay(18001, "/run/facecourse-sites/18001.sock") as relay:    # doctest: +SKIP
    ...     requests.get(relay.url + "/robots.txt")
    """

    def __init__(self, port: int, socket_path: str | os.PathLike):
        self.port = int(port)
        self.socket_path = str(socket_path)
        self.connections = 0
        self._listener: socket.socket | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "Relay":
        if self._listener:
            return self
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        self._listener = listener
        self._thread = threading.Thread(target=self._accept, name=f"facecourse-relay-{self.port}", daemon=True)
        self._thread.start()
        return self

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return  # closed by stop()
            upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                upstream.connect(self.socket_path)
            except OSError:
                client.close()
                upstream.close()
                continue
            self.connections += 1
            done = _Closer(client, upstream)
            threading.Thread(target=_pump, args=(client, upstream, done), daemon=True).start()
            threading.Thread(target=_pump, args=(upstream, client, done), daemon=True).start()

    def stop(self) -> None:
        if self._listener:
            try:
                self._listener.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self._listener.close()
            self._thread.join(timeout=5)
            self._listener = self._thread = None

    def __enter__(self) -> "Relay":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


class _Closer:
    """Closes both sockets of a relayed connection once both directions have ended."""

    def __init__(self, *sockets: socket.socket):
        self._sockets = sockets
        self._left = 2
        self._lock = threading.Lock()

    def one_done(self) -> None:
        with self._lock:
            self._left -= 1
            last = self._left == 0
        if last:
            for s in self._sockets:
                s.close()


def _pump(source: socket.socket, sink: socket.socket, done: _Closer) -> None:
    try:
        while True:
            data = source.recv(65536)
            if not data:
                break
            sink.sendall(data)
    except OSError:
        pass
    finally:
        try:
            sink.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        done.one_done()
