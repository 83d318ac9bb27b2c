"""Sandbox sites that live in the grader's trusted process, reached from a sandboxed kernel with no network.

Why. The capstone (exercise D1) and A2's fetch loop are graded from a sandbox site's own access log
(``SandboxSite.audit``). A site started inside the student's kernel could have its log or its audit
rewritten by the student's code, so when grading, every site lives in the grader's trusted process
(outside bubblewrap), while the kernel, which has no network, still reaches it on
``http://127.0.0.1:PORT`` as in class. The checks (run in the trusted process, :mod:`.trusted`) read
the trusted site's log.

How (built with the trusted test runner):

1. **Relays.** Before a kernel's socket folder is sealed the grader makes a few listening Unix sockets in
   it (``Kernel.bridge_listeners``, :data:`.worker.BRIDGES` per kernel). For each loopback server running
   in the grading process, the agent in the kernel starts a :class:`Relay` on the same port inside the
   sandbox's own network namespace, to one of those sockets; the grading process relays each connection
   on to the server (``trusted.Session._sync_bridges``). A URL is the same string on both sides.
2. **Sites the checks start** (A2 q5's ``SandboxSite()``, the hidden tests' ``capstone_site("B")``)
   are started in the trusted process and bridged when the case calls a student function.
3. **Sites the exercise's provided cells start** (D1's ``site``): the warm process runs the provided
   cells once, then stops their sites (no server thread survives a fork); each submission's grading
   process serves its own copy, with a fresh log (``Exercise.serve_sites``), wrapped in
   :func:`control_app`, and tells the kernel their ports (the agent's ``site_ports``). In the kernel,
   ``SandboxSite.start()`` then serves nothing: it takes the next port (:func:`next_bridged_port`) and a
   :class:`BridgedServer`; its data methods (``profiles``, ``photo_table``, ``photo_bytes``...) are
   computed there as usual, its log methods (``access_log``, ``audit``, ``events``) read the grader's
   copy (:func:`pull_state`), and ``clear_log``, ``opt_out`` and ``announce_erasure`` are sent to it.
4. **Files.** Checks that read what the student's code wrote (ledger, photos, indexes) see the kernel's
   files at the same paths: :mod:`.scratch`.

Not protected: the kernel sees every response (as any crawler does); its relay could drop or delay
requests, which only makes its crawler fetch less or more slowly; it can send the control requests a
notebook may send to its own site (clear that site's log, announce an erasure), which changes only that
submission's site; the grader's site renders photos for it, so a flood costs the grader CPU. The
exercise's provided cells run first in the grader (D1's ``site.announce_erasure()`` happens before the
crawl there): a provided cell must not depend on when it runs.

``tests/grading/test_site_bridge.py`` tests a :class:`Relay` with a bubblewrap sandbox of its own,
against a course web app served on a Unix socket as the grading process's end.
"""

from __future__ import annotations

import os
import socket
import threading
from pathlib import Path

from ..webserver import App


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


# ---------------------------------------------------------------------------------------------
# Sites a grading kernel starts are the grader's (the integration with the trusted test runner)
# ---------------------------------------------------------------------------------------------

#: the environment variable through which the grader tells a sandboxed kernel the ports of its trusted
#: sites, in the order the exercise's provided cells start them (set by the grader's agent, ``.agent``)
PORTS_ENV = "FACECOURSE_SITE_PORTS"
#: the paths of a trusted site's control requests (never logged, never linked from any page)
CONTROL = "/.facecourse-grader/"
_taken = [0]


def next_bridged_port() -> int | None:
    """In a grading kernel, the port of the next trusted site (``PORTS_ENV``), or None (a normal kernel:
    the site serves itself). The first site a kernel starts gets the first port, and so on."""
    ports = [p for p in os.environ.get(PORTS_ENV, "").split(",") if p.strip().isdigit()]
    if _taken[0] >= len(ports):
        return None
    _taken[0] += 1
    return int(ports[_taken[0] - 1])


class BridgedServer:
    """What a ``SandboxSite`` of a grading kernel has instead of a server: the address of the grader's
    copy of the site (the same ``http://127.0.0.1:PORT`` on both sides; the grader relays the port into
    the sandbox). Its log methods read the grader's log through ``control``."""

    running = True

    def __init__(self, port: int):
        self.port = port
        self.url = f"http://127.0.0.1:{port}"

    def start(self) -> "BridgedServer":
        return self

    def stop(self) -> None:
        pass

    def control(self, what: str, **params):
        """One control request to the grader's site (its state, or a change the notebook asked for)."""
        import requests

        resp = requests.post(self.url + CONTROL + what, json=params, timeout=30)
        resp.raise_for_status()
        return resp.json()


def control_app(site) -> App:
    """The grader's side: ``site``'s own app, plus the control requests of the kernel's stand-in
    (``state``: the log and events as JSON; ``clear-log``, ``announce-erasure``, ``opt-out``). The
    kernel can only ask what the notebook could ask of a site of its own; the grader's checks read the
    site itself."""
    from ..webserver import Response

    def app(req):
        if not req.path.startswith(CONTROL):
            return site._app(req)
        what = req.path[len(CONTROL):]
        params = req.json() if req.method == "POST" else None
        slug = params.get("slug") if isinstance(params, dict) and isinstance(params.get("slug"), str) else None
        try:
            if what == "state":
                with site._lock:
                    body = {"log": list(site._log), "retry_at": {str(k): v for k, v in site._retry_at.items()},
                            "events": list(site._events), "late_optouts": sorted(site._late_optouts),
                            "erasures": list(site._erasures)}
            elif what == "clear-log":
                site.clear_log()
                body = None
            elif what == "announce-erasure":
                body = site.announce_erasure(slug)
            elif what == "opt-out":
                site.opt_out(slug)
                body = None
            else:
                return Response(404, "unknown control request", "text/plain")
        except KeyError as exc:
            return Response(400, str(exc), "text/plain")
        return Response.json(body)

    return app


def pull_state(site) -> None:
    """Copy the grader's log and events of ``site`` (a kernel's stand-in) into ``site`` itself, so that its
    ``access_log``, ``audit``, ``events`` and ``opted_out_paths`` answer as the grader's copy would."""
    state = site._server.control("state")
    with site._lock:
        site._log[:] = state["log"]
        site._retry_at.clear()
        site._retry_at.update({int(k): v for k, v in state["retry_at"].items()})
        site._events[:] = state["events"]
        site._late_optouts = set(state["late_optouts"])
        site._erasures[:] = state["erasures"]


def given_sites(namespace: dict) -> list:
    """The running course sites among an exercise's given names, in the order they were bound."""
    from ..webserver import ServedApp

    out = []
    for value in namespace.values():
        if isinstance(value, ServedApp) and getattr(value._server, "running", False) and value not in out:
            out.append(value)
    return out
