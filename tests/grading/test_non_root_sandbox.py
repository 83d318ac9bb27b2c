"""The sandbox's second path: grading as an ordinary (non-root) user, tested for real.

The grader has two ways into bubblewrap (:mod:`facecourse.grading.sandbox`): as root it switches
each kernel to a uid of its own with ``setpriv``; as an ordinary user bubblewrap's user namespace
maps the kernel to ``nobody`` (65534) with every capability dropped. CI runs as root, so here a
throwaway unprivileged uid runs the grader itself (``setpriv --reuid``) on a small folder: an honest
submission carrying escape probes, and the blank exercise. The same folder is graded as root; the
gradebooks must agree, the probes must all fail (an escape would zero the honest answers), and
nothing may reach the host: no file written outside, no connection to a listener on the host's
loopback, no process of the throwaway uid left behind.

Where the test truly cannot run (not root and not allowed namespaces, or a repository the
throwaway uid cannot read) it skips with the reason; with ``FACECOURSE_REQUIRE_SANDBOX=1`` (CI) it
fails instead.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from facecourse import grading
from facecourse.grading import cgroups, sandbox

A = "00_warmup"
REQUIRED = os.environ.get("FACECOURSE_REQUIRE_SANDBOX") == "1"
THROWAWAY_UID = 64000 + os.getpid() % 1000  # no account, no files, no processes (checked below)

# Appended to the honest reference. Every probe records what it could do; if ANY escape worked,
# the cell rebinds two answers to None, so the submission loses their points.
PROBES = """
import os, socket
escapes = []
try:  # the host's loopback (own network namespace: nothing listens there)
    socket.create_connection(('127.0.0.1', PORT), timeout=3).close()
    escapes.append('network')
except OSError:
    pass
if os.path.exists(HOST_MARKER):  # a folder the grader's own uid owns on the host
    escapes.append('sees the host folder')
try:
    os.makedirs(OUTSIDE, exist_ok=True)  # inside the sandbox this lands in its private /tmp, if anywhere
    open(os.path.join(OUTSIDE, 'escaped.txt'), 'w').write('x')
except OSError:
    pass
for p in (SOLUTIONS, SUBS):
    if os.path.exists(p):
        escapes.append('sees ' + p)
for p in (FACECOURSE + '/escaped.py', '/etc/escaped', '/usr/escaped'):
    try:
        open(p, 'w').write('x')
        escapes.append('wrote ' + p)
    except OSError:
        pass
if 0 in (os.getuid(), os.geteuid()) or os.getuid() == GRADER_UID:  # root, or the grader's own uid
    escapes.append(f'uid {os.getuid()}')
if int(open('/proc/self/status').read().split('CapEff:')[1].split()[0], 16) != 0:
    escapes.append('capabilities')
if escapes:
    euclidean_distance = is_same_person = None
"""

# Run by the throwaway uid: grade the folder with the sandbox (its non-root path) and print the result.
GRADER = """
import json, os, sys
from facecourse import grading
from facecourse.grading import cgroups, sandbox
subs, out = sys.argv[1], sys.argv[2]
assert os.geteuid() != 0
from facecourse.grading import cgroups
path = '--unshare-user' in sandbox.command(['true'], sandbox.Limits(), {}, None, 3)
book = grading.grade_folder(subs, out, assignment=sys.argv[3], workers=2)
print(json.dumps({"euid": os.geteuid(), "problem": sandbox.problem(), "user_namespace_path": path,
                  "cgroup": cgroups.backend().kind,
                  "rows": book[["student", "question", "points", "status"]].to_dict("records")}))
"""


def _why_not() -> str | None:
    """Why the non-root path cannot be exercised here, or None."""
    if sandbox.problem() is not None:
        return f"no sandbox here: {sandbox.problem()}"
    if os.geteuid() != 0:
        return None  # already unprivileged: the whole grading suite runs the non-root path
    if shutil.which("setpriv") is None:
        return "setpriv (util-linux) is needed to run the grader as a throwaway unprivileged uid"
    as_uid = ["setpriv", f"--reuid={THROWAWAY_UID}", f"--regid={THROWAWAY_UID}", "--clear-groups", "--"]
    for p in (grading.SOLUTIONS.parent, Path(sys.executable)):
        if subprocess.run([*as_uid, "test", "-r", str(p)], capture_output=True).returncode != 0:
            return (f"{p} is not readable by an unprivileged uid (a repository inside a private folder such as "
                    "/root): clone it where others can read it to test the non-root sandbox path")
    # the environment must work for that uid too (a base Python in a private folder, e.g. pyenv under
    # /root, makes Python fall back to the system's standard library, which may be missing)
    imports = "import facecourse.grading, ipykernel, jupyter_client, pandas"
    probe = subprocess.run([*as_uid, sys.executable, "-c", imports], capture_output=True, text=True, cwd="/",
                           env={**os.environ, "HOME": "/nonexistent"})
    if probe.returncode != 0:
        return f"the course environment does not start for an unprivileged uid: {probe.stderr.strip()[-300:]}"
    return None


def _uid_processes(uid: int) -> list[str]:
    """Live processes of ``uid`` (a zombie has exited: it only waits for its new parent to reap it)."""
    out = []
    for d in Path("/proc").glob("[0-9]*"):
        try:
            if d.stat().st_uid == uid:
                cmd = (d / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                state = (d / "stat").read_text().rsplit(")", 1)[1].split()
                if state[0] != "Z":
                    out.append(f"{d.name} state {state[0]} ppid {state[1]} {(d / 'comm').read_text().strip()} {cmd}")
        except OSError:
            pass
    return out


def _table(rows) -> dict:
    return {(r["student"], r["question"]): (None if r["points"] != r["points"] else r["points"], r["status"])
            for r in rows}  # NaN (a manual question) as None, so that equal tables compare equal


@pytest.fixture(scope="module")
def graded_both_ways():
    why = _why_not()
    if why:
        if REQUIRED:
            pytest.fail(f"FACECOURSE_REQUIRE_SANDBOX=1 but the non-root sandbox path cannot be tested: {why}")
        pytest.skip(why)
    if os.geteuid() != 0:
        pytest.skip("not root: every other grading test already runs the sandbox's non-root path")
    assert _uid_processes(THROWAWAY_UID) == [], "the throwaway uid is in use"
    grading.autograder_zip(A)  # build it now, as root: the unprivileged grader cannot write build/
    top = Path(tempfile.mkdtemp(prefix="facecourse-nonroot-"))  # pytest's tmp_path is private to root
    listener = socket.socket()
    try:
        listener.bind(("127.0.0.1", 0))
        listener.listen(5)
        listener.setblocking(False)
        subs, outside = top / "subs", top / "outside"
        (top / "home").mkdir()
        outside.mkdir()
        (outside / "host-marker").write_text("x")
        repl = {"PORT": str(listener.getsockname()[1]), "HOST_MARKER": repr(str(outside / "host-marker")),
                "OUTSIDE": repr(str(outside)), "SOLUTIONS": repr(str(grading.SOLUTIONS)), "SUBS": repr(str(subs)),
                "FACECOURSE": repr(str(grading.SOLUTIONS.parent / "facecourse")), "GRADER_UID": str(THROWAWAY_UID)}
        probes = PROBES
        for k, v in repl.items():
            probes = probes.replace(k, v)
        honest = grading.reference_submission(A)
        honest["cells"].append({"cell_type": "code", "id": "escape-probes", "metadata": {}, "outputs": [],
                                "execution_count": None, "source": probes})
        blank = json.loads((grading.EXERCISES / f"{A}.ipynb").read_text(encoding="utf-8"))
        for who, nb in (("honest", honest), ("blank", blank)):
            (subs / who).mkdir(parents=True)
            (subs / who / f"{A}.ipynb").write_text(json.dumps(nb), encoding="utf-8")
        for p in [top, *top.rglob("*")]:
            os.chown(p, THROWAWAY_UID, THROWAWAY_UID)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "JPY_"))}
        env.update(HOME=str(top / "home"), TMPDIR=str(top / "home"), PYTHONDONTWRITEBYTECODE="1")
        argv = ["setpriv", f"--reuid={THROWAWAY_UID}", f"--regid={THROWAWAY_UID}", "--clear-groups",
                "--", sys.executable, "-c", GRADER, str(subs), str(top / "out"), A]
        # in a cgroup delegated to that uid, as systemd gives one to a user: the same limits as root's
        group = cgroups.backend().delegate(THROWAWAY_UID, 24 * 2 ** 30, 4096, float(os.cpu_count() or 1))
        try:
            proc = subprocess.run(group.enter(argv) if group else argv, cwd=top / "home", env=env,
                                  capture_output=True, text=True, timeout=600)
        finally:
            if group is not None:
                group.remove()
        assert proc.returncode == 0, proc.stderr[-3000:]
        unprivileged = json.loads(proc.stdout.strip().splitlines()[-1])
        left = _uid_processes(THROWAWAY_UID)
        as_root = grading.grade_folder(subs, top / "out-root", assignment=A, workers=2)
        try:
            listener.accept()
            connected = True
        except BlockingIOError:
            connected = False
        written = sorted(str(p.relative_to(top)) for p in outside.rglob("*") if p.name != "host-marker")
        return {"unprivileged": unprivileged, "root": as_root[["student", "question", "points", "status"]]
                .to_dict("records"), "connected": connected, "written": written, "left": left}
    finally:
        listener.close()
        shutil.rmtree(top, ignore_errors=True)
        for p in ("facecourse/escaped.py",):
            assert not (grading.SOLUTIONS.parent / p).exists()


@pytest.mark.slow
def test_an_unprivileged_grader_uses_the_user_namespace_path(graded_both_ways):
    u = graded_both_ways["unprivileged"]
    assert u["euid"] != 0 and u["problem"] is None and u["user_namespace_path"] is True
    assert u["cgroup"] == cgroups.backend().kind  # its sandboxes bounded as root's are


@pytest.mark.slow
def test_the_unprivileged_grader_gives_the_same_gradebook_as_root(graded_both_ways):
    unpriv, root = _table(graded_both_ways["unprivileged"]["rows"]), _table(graded_both_ways["root"])
    assert unpriv == root
    auto = [q for q in grading.questions(A) if not q.manual]
    for q in auto:  # every probe failed (an escape zeroes two answers); the blank exercise scores nothing
        assert unpriv[("honest", q.name)] == (q.points, "passed"), unpriv
        assert unpriv[("blank", q.name)][0] == 0, unpriv


@pytest.mark.slow
def test_nothing_of_the_unprivileged_run_reaches_the_host(graded_both_ways):
    assert graded_both_ways["connected"] is False  # no connection to the host's loopback
    assert graded_both_ways["written"] == []  # nothing written into a folder the grader's uid owns
    assert graded_both_ways["left"] == []  # no process of the throwaway uid survives the run
