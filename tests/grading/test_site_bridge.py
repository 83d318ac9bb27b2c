"""The grading bridge to trusted sandbox sites (``facecourse.grading.sites``): a site served on a Unix socket in
the grader's process, reached through a relay on 127.0.0.1 from a sandbox that has no network."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import textwrap
import time

import pytest
import requests

from facecourse import data
from facecourse.grading import sites
from facecourse.scraping import sandbox

UA = "bridge-test/1.0"
ROOT = __import__("pathlib").Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module", autouse=True)
def teaching_data():
    data.fetch("teaching", progress=False)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_relay_carries_requests_to_a_site_on_a_unix_socket_and_its_log_keeps_them(tmp_path):
    site = sandbox.capstone_site("A")
    with sites.UnixSiteServer(site._app, tmp_path / "18001.sock") as server, \
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
    with sites.UnixSiteServer(site._app, tmp_path / "b.sock", budget=3), \
            sites.Relay(_free_port(), tmp_path / "b.sock") as relay:
        statuses = [requests.get(relay.url + "/terms", timeout=10, headers={"User-Agent": UA}).status_code
                    for _ in range(5)]
    assert statuses == [200, 200, 200, 503, 503] and len(site.access_log()) == 3
    with pytest.raises(FileExistsError):
        (tmp_path / "taken.sock").write_text("")
        sites.UnixSiteServer(site._app, tmp_path / "taken.sock").start()


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
    with sites.UnixSiteServer(site._app, folder / "18001.sock"):
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-600:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["uid"] in (100123, 65534) and out["statuses"] == [200, 200, 200]
    assert out["write"] == "Read-only file system" and out["outside"] in ("ConnectionError", "ConnectTimeout")
    log = site.access_log()
    assert list(log["path"]) == ["/robots.txt", "/people/jack-straw", "/photos/jack-straw/1.jpg"]
    assert site.audit(UA).empty
