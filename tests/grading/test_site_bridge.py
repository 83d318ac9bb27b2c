"""The grading bridge to trusted sandbox sites (``facecourse.grading.sites``): a site served on a Unix socket in
the grader's process, reached through a relay on 127.0.0.1 from a sandbox that has no network."""

from __future__ import annotations

import json
import os
import socket
import socketserver
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
import requests

from facecourse import data
from facecourse.grading import sites
from facecourse.webserver import App, _handler
from facecourse.scraping import sandbox

UA = "bridge-test/1.0"
ROOT = __import__("pathlib").Path(__file__).resolve().parents[2]


#: requests one submission may send to one trusted site before it answers 503 (a polite crawl of a
#: capstone site sends about 150)
REQUEST_BUDGET = 5_000
#: connections a trusted site serves at once
MAX_CONNECTIONS = 16


class _UnixHTTPServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True
    allow_reuse_address = False


class UnixSiteServer:
    """The grading process's end of a bridge, for these tests: serve ``app`` (a callable taking a ``webserver.Request``, e.g. ``SandboxSite()._app``) on the Unix
    socket ``path``, with at most ``max_connections`` at once and ``budget`` requests in all (then 503).

    The socket is created with mode 0666 so that a sandboxed uid may connect; its folder should belong to
    the grader and not be writable by anyone else. ``requests_served`` counts the requests answered.

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



@pytest.fixture(scope="module", autouse=True)
def teaching_data():
    data.fetch("teaching", progress=False)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_relay_carries_requests_to_a_site_on_a_unix_socket_and_its_log_keeps_them(tmp_path):
    site = sandbox.capstone_site("A")
    with UnixSiteServer(site._app, tmp_path / "18001.sock") as server, \
            sites.Relay(_free_port(), tmp_path / "18001.sock") as relay:
        http = requests.Session()
        http.headers["User-Agent"] = UA
        assert http.get(relay.url + "/robots.txt", timeout=10).text == site.robots_txt()
        photo = site.photo_table().query("kind == 'large'")["path"].iloc[0]
        assert http.get(relay.url + photo, timeout=10).content == site.photo_bytes(photo)
        time.sleep(0.2)
        http.get(relay.url + "/people/jack-straw/tagged", timeout=10)
        posted = requests.post(relay.url + "/login", data={"user": "x", "password": "y"}, timeout=10,
                               headers={"User-Agent": UA}, allow_redirects=False)
        assert posted.status_code == 401
        log = site.access_log()
        assert list(log["path"]) == ["/robots.txt", photo, "/people/jack-straw/tagged", "/login"]
        assert set(log["user_agent"]) == {UA} and server.requests_served == 4
        assert set(site.audit(UA)["rule"]) == {"disallowed", "log-in", "too soon"}
        assert relay.connections >= 2
        assert oct((tmp_path / "18001.sock").stat().st_mode & 0o777) == "0o666"
    assert not (tmp_path / "18001.sock").exists(), "the socket goes with its server"


def test_a_relay_refuses_while_no_site_listens_and_a_server_keeps_to_its_budget(tmp_path):
    with sites.Relay(_free_port(), tmp_path / "nobody.sock") as relay:
        with pytest.raises(requests.ConnectionError):
            requests.get(relay.url + "/", timeout=5)
    site = sandbox.capstone_site("B")
    with UnixSiteServer(site._app, tmp_path / "b.sock", budget=3), \
            sites.Relay(_free_port(), tmp_path / "b.sock") as relay:
        statuses = [requests.get(relay.url + "/terms", timeout=10, headers={"User-Agent": UA}).status_code
                    for _ in range(5)]
    assert statuses == [200, 200, 200, 503, 503] and len(site.access_log()) == 3
    with pytest.raises(FileExistsError):
        (tmp_path / "taken.sock").write_text("")
        UnixSiteServer(site._app, tmp_path / "taken.sock").start()


@pytest.mark.slow
def test_a_sandboxed_process_without_network_reaches_the_trusted_site_and_nothing_else(tmp_path):
    from facecourse.grading import sandbox as grading_sandbox

    problem = grading_sandbox.problem()
    if problem:
        pytest.skip(problem)
    folder = tmp_path / "sites"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    site = sandbox.capstone_site("A")
    inside = textwrap.dedent(f"""
        import json, os, sys, time
        sys.path.insert(0, {str(ROOT)!r})
        import requests
        from facecourse.grading.sites import Relay
        out = {{"uid": os.getuid()}}
        with Relay(18001, "/run/facecourse-sites/18001.sock") as relay:
            http = requests.Session()
            http.headers["User-Agent"] = {UA!r}
            out["statuses"] = []
            for path in ["/robots.txt", "/people/jack-straw", "/photos/jack-straw/1.jpg"]:
                out["statuses"].append(http.get(relay.url + path, timeout=10).status_code)
                time.sleep(0.15)
        try:
            open("/run/facecourse-sites/forged.sock", "w")
            out["write"] = "allowed"
        except OSError as exc:
            out["write"] = exc.strerror
        try:
            requests.get("http://1.1.1.1/", timeout=3)
            out["outside"] = "reached"
        except requests.RequestException as exc:
            out["outside"] = type(exc).__name__
        print(json.dumps(out))
    """)
    as_root = grading_sandbox.os.geteuid() == 0
    user = (["setpriv", "--reuid=100123", "--regid=100123", "--clear-groups", "--"] if as_root else [])
    command = (["bwrap", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp",
                "--tmpfs", "/run", "--ro-bind", str(folder), "/run/facecourse-sites", "--unshare-net",
                "--unshare-pid", "--die-with-parent"]
               + ([] if as_root else ["--unshare-user", "--uid", "65534", "--gid", "65534"])
               + user + [sys.executable, "-c", inside])
    with UnixSiteServer(site._app, folder / "18001.sock"):
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-600:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["uid"] in (100123, 65534) and out["statuses"] == [200, 200, 200]
    assert out["write"] == "Read-only file system" and out["outside"] in ("ConnectionError", "ConnectTimeout")
    log = site.access_log()
    assert list(log["path"]) == ["/robots.txt", "/people/jack-straw", "/photos/jack-straw/1.jpg"]
    assert site.audit(UA).empty


def test_a_grading_kernels_site_is_the_graders_copy(monkeypatch):
    """When grading, a site the notebook starts serves nothing itself: its address is the grader's copy
    (served with the control requests), its log methods read the grader's log, and clear_log and
    announce_erasure reach the grader's site, whose own log and audit the checks read."""
    from facecourse.webserver import LoopbackServer

    trusted = sandbox.capstone_site("A")
    trusted._server = LoopbackServer(sites.control_app(trusted))
    with trusted:
        monkeypatch.setenv(sites.PORTS_ENV, str(trusted._server.port))
        monkeypatch.setattr(sites, "_taken", [0])
        kernel_site = sandbox.capstone_site("A").start()          # what the exercise's provided cell does
        assert isinstance(kernel_site._server, sites.BridgedServer) and kernel_site.url == trusted.url
        with sandbox.capstone_site("A") as second:                # one port, one site: the next serves itself
            assert not isinstance(second._server, sites.BridgedServer)
        http = requests.Session()
        http.headers["User-Agent"] = UA
        assert http.get(kernel_site.url + "/robots.txt").status_code == 200
        http.get(kernel_site.url + "/members/x")
        assert list(trusted.access_log()["path"]) == ["/robots.txt", "/members/x"]
        assert kernel_site.access_log().equals(trusted.access_log())
        assert kernel_site.audit(UA).equals(trusted.audit(UA)) and "disallowed" in set(trusted.audit(UA)["rule"])
        kernel_site.clear_log()
        assert trusted.access_log().empty
        request = kernel_site.announce_erasure()
        assert trusted.events()["event"].tolist() == ["erasure request"] and request["page"].startswith("/people/")
        assert not any(CONTROL_PATH in p for p in trusted.access_log()["path"])  # control requests are not logged
        kernel_site.stop()                                          # stops nothing of the grader's
        assert http.get(trusted.url + "/robots.txt").status_code == 200


CONTROL_PATH = sites.CONTROL
