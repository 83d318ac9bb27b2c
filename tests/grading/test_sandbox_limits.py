"""Every limit the README states for one sandbox, measured, on the root and the unprivileged path.

Each probe runs as a student's cell in a freshly started sandboxed kernel and prints what it could
do as one JSON line; the test compares that with :class:`facecourse.grading.sandbox.Limits`:

* memory: three processes each trying to hold 2.5 GiB, plus every writable in-memory folder filled
  (``/tmp``, the notebook's folder, ``/dev/shm``): the sandbox's peak (its cgroup's own counter,
  read from outside) stays within ``Limits.memory``, and the probe really pushed it that far;
* processes: forks until refused: the sandbox's processes and threads never exceed ``Limits.processes``;
* CPU: eight spinning processes for 4 s use at most ``Limits.cpus`` cores;
* ``/dev/shm`` holds at most ``Limits.tmp_size``; no new user namespace, no mount, no write to the
  sandbox's root, ``/dev`` or the kernel's socket folder.

The unprivileged path runs this same file as a throwaway uid (``setpriv``), inside a cgroup that
root delegates to that uid (as systemd does for a user with ``Delegate=yes``); with
``FACECOURSE_CGROUPS=none`` the fallback is measured too: per-process limits only, as its note says.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from facecourse.grading import cgroups, sandbox

REQUIRED = os.environ.get("FACECOURSE_REQUIRE_SANDBOX") == "1"
THROWAWAY_UID = 63000 + os.getpid() % 1000
GiB = 2 ** 30

PROBES = {
    "memory": r"""
import os, json, time, select
GiB = 2 ** 30
def fill(folder, total):
    done, k = 0, 0
    while done < total:
        try:
            with open(f"{folder}/fill{k}", "wb") as fh:
                for _ in range(32):
                    fh.write(b"\1" * 2 ** 20)
                    done += 2 ** 20
        except OSError:
            break
        k += 1
    return done
written = sum(fill(d, 2 * GiB) for d in ("/tmp", ".", "/dev/shm"))
pipes, kids = [], []
for _ in range(3):
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        held, got = [], 0
        try:
            while got < 2.5 * GiB:
                held.append(b"\1" * (64 * 2 ** 20))
                got += 64 * 2 ** 20
                os.write(w, f"{got}\n".encode())
        except MemoryError:
            pass
        os.write(w, b"done\n")
        time.sleep(30)
        os._exit(0)
    os.close(w)
    pipes.append(r)
    kids.append(pid)
last, open_pipes, end = {}, set(pipes), time.time() + 60
while open_pipes and time.time() < end:
    ready, _, _ = select.select(list(open_pipes), [], [], 1)
    for r in ready:
        data = os.read(r, 65536).decode()
        if not data:
            open_pipes.discard(r)
            continue
        for line in data.split():
            if line == "done":
                open_pipes.discard(r)
            else:
                last[r] = int(line)
alive = [k for k, p in enumerate(kids) if os.waitpid(p, os.WNOHANG) == (0, 0)]
for p in kids:
    try:
        os.kill(p, 9)
    except OSError:
        pass
held = sum(last.get(pipes[k], 0) for k in alive)  # what the surviving processes hold at the end
print(json.dumps({"tmpfs_written": written, "held_at_end": held, "children_alive": len(alive)}))
""",
    "processes": r"""
import os, json, time
pids = []
while len(pids) < 1000:
    try:
        pid = os.fork()
    except OSError:
        break
    if pid == 0:
        time.sleep(60)
        os._exit(0)
    pids.append(pid)
tasks = sum(len(os.listdir(f"/proc/{p}/task")) for p in os.listdir("/proc") if p.isdigit())
for p in pids:
    os.kill(p, 9)
    os.waitpid(p, 0)
print(json.dumps({"forked": len(pids), "tasks_at_peak": tasks}))
""",
    "cpu": r"""
import os, json, time
start = time.time()
kids = []
for _ in range(8):
    pid = os.fork()
    if pid == 0:
        while time.time() < start + 4:
            pass
        os._exit(0)
    kids.append(pid)
for p in kids:
    os.waitpid(p, 0)
t = os.times()
print(json.dumps({"cores": (t.children_user + t.children_system) / (time.time() - start)}))
""",
    "confinement": r"""
import os, json, subprocess, ctypes
def fails(cmd):
    return subprocess.run(cmd, shell=True, capture_output=True).returncode != 0
out = {"userns": fails("unshare -U true"), "userns_mount": fails("unshare -Urm mount -t tmpfs x /tmp"),
       "mount": fails("mount -t tmpfs x /tmp")}
libc = ctypes.CDLL(None, use_errno=True)
out["unshare_syscall"] = libc.unshare(0x10000000) != 0
for path in ("/x", "/dev/x", "/run/kernel/x", "/usr/x"):
    try:
        open(path, "w").write("x")
        out[path] = False
    except OSError:
        out[path] = True
try:
    os.rename("/run/kernel/k-1", "/run/kernel/k-9")
    out["socket_moved"] = True
except OSError:
    out["socket_moved"] = False
shm = 0
try:
    with open("/dev/shm/fill", "wb") as fh:
        while shm < 2 ** 31:
            fh.write(b"\1" * 2 ** 20)
            shm += 2 ** 20
except OSError:
    pass
out["shm_bytes"] = shm
files = []
try:
    while len(files) < 5000:
        files.append(open("/dev/null"))
except OSError:
    pass
files.pop().close()  # room for listing them: the listing's own descriptor takes its place
out["open_files"] = len(os.listdir("/proc/self/fd"))  # every descriptor of the kernel at the peak
for f in files:
    f.close()
import mmap
r, w = os.pipe()
if os.fork() == 0:  # a process mapping memory (untouched) until refused: its largest address space
    maps = []
    try:
        while len(maps) < 1000:
            maps.append(mmap.mmap(-1, 2 ** 26))
    except (OSError, ValueError):
        pass
    peak = [ln for ln in open("/proc/self/status") if ln.startswith("VmPeak:")][0].split()[1]
    os.write(w, peak.encode())
    os._exit(0)
os.close(w)
out["address_space"] = int(os.read(r, 100)) * 1024
os.wait()
print(json.dumps(out))
""",
}


def run_probe(name: str, timeout: float = 120.0) -> dict:
    """Start a sandboxed kernel, run probe ``name`` as a student cell, return its JSON and the peak memory."""
    limits = sandbox.Limits()
    k = sandbox.Kernel("probe.ipynb", b"{}", limits, sandboxed=True, label=f"limits-{name}")
    try:
        msg_id = k.client.execute(PROBES[name])
        text, end = "", time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                msg = k.client.get_iopub_msg(timeout=0.5)
            except queue.Empty:
                if not k.alive():
                    break
                continue
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            if msg["msg_type"] == "stream":
                text += msg["content"]["text"]
            elif msg["msg_type"] == "error":
                text += json.dumps({"error": msg["content"]["ename"] + ": " + msg["content"]["evalue"]}) + "\n"
            elif msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                break
        lines = [ln for ln in text.splitlines() if ln.startswith("{")]
        result = json.loads(lines[-1]) if lines else {"error": "no result: " + text[-300:]}
        result["peak"] = k.group.memory_peak() if k.group is not None else None
        result["cgroup"] = cgroups.backend().kind
        return result
    finally:
        k.kill()


# ---- the unprivileged path: this file run as a throwaway uid ------------------------------------


def _why_not_unprivileged() -> str | None:
    if sandbox.problem() is not None:
        return f"no sandbox here: {sandbox.problem()}"
    if os.geteuid() != 0:
        return "not root: the whole test already runs on the unprivileged path"
    if shutil.which("setpriv") is None:
        return "setpriv (util-linux) is needed to run as a throwaway uid"
    probe = subprocess.run(["setpriv", f"--reuid={THROWAWAY_UID}", f"--regid={THROWAWAY_UID}", "--clear-groups", "--",
                            sys.executable, "-c", "import facecourse.grading.sandbox"], capture_output=True, text=True,
                           cwd="/", env={**os.environ, "HOME": "/nonexistent"})
    if probe.returncode != 0:
        return f"the course environment does not start for an unprivileged uid: {probe.stderr.strip()[-300:]}"
    return None


def run_unprivileged(names: list[str], fallback: bool = False) -> dict:
    """Run probes as the throwaway uid (in a cgroup delegated to it, unless ``fallback``): name -> result."""
    why = _why_not_unprivileged()
    if why:
        if REQUIRED and os.geteuid() == 0:
            pytest.fail(f"FACECOURSE_REQUIRE_SANDBOX=1 but the unprivileged path cannot be tested: {why}")
        pytest.skip(why)
    home = Path(tempfile.mkdtemp(prefix="facecourse-limits-"))
    os.chown(home, THROWAWAY_UID, THROWAWAY_UID)
    group = None if fallback else cgroups.backend().delegate(THROWAWAY_UID, 16 * GiB, 4096, float(os.cpu_count() or 1))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "JPY_"))}
    env.update(HOME=str(home), TMPDIR=str(home), PYTHONDONTWRITEBYTECODE="1")
    if fallback:
        env["FACECOURSE_CGROUPS"] = "none"
    argv = ["setpriv", f"--reuid={THROWAWAY_UID}", f"--regid={THROWAWAY_UID}", "--clear-groups", "--",
            sys.executable, str(Path(__file__).resolve()), *names]
    try:
        proc = subprocess.run(group.enter(argv) if group else argv, cwd=home, env=env, capture_output=True,
                              text=True, timeout=600)
        assert proc.returncode == 0, proc.stderr[-3000:]
        return json.loads(proc.stdout.strip().splitlines()[-1])
    finally:
        if group is not None:
            group.remove()
        shutil.rmtree(home, ignore_errors=True)


# ---- the checks ---------------------------------------------------------------------------------

needs_sandbox = pytest.mark.skipif(not REQUIRED and sandbox.problem() is not None,
                                   reason=f"no sandbox here: {sandbox.problem()}")
PATHS = ["root", "unprivileged"]


@pytest.fixture(scope="module")
def measured():
    """Every probe on both paths (the unprivileged one in one run of the throwaway uid)."""
    if sandbox.problem() is not None:
        if REQUIRED:
            pytest.fail(f"FACECOURSE_REQUIRE_SANDBOX=1 but the sandbox cannot start: {sandbox.problem()}")
        pytest.skip(f"no sandbox here: {sandbox.problem()}")
    here = {name: run_probe(name) for name in PROBES}
    out = {"root" if os.geteuid() == 0 else "unprivileged": here}
    if os.geteuid() == 0:
        out["unprivileged"] = run_unprivileged(list(PROBES))
    print(json.dumps(out, indent=1))
    return out


def _needs(measured: dict, path: str) -> None:
    if path not in measured:
        pytest.skip("the root path is measured only when the tests run as root")


def _cgroup_expected(result: dict) -> bool:
    if result["cgroup"] == "none" and REQUIRED:
        pytest.fail("CI must bound each sandbox as a whole, but no cgroup was usable: " + cgroups.backend().note)
    return result["cgroup"] != "none"


@needs_sandbox
@pytest.mark.parametrize("path", PATHS)
def test_memory_of_the_whole_sandbox_tmpfs_included(measured, path):
    _needs(measured, path)
    r = measured[path]["memory"]
    limits = sandbox.Limits()
    assert "error" not in r, r
    assert r["tmpfs_written"] <= limits.work_size + 2 * limits.tmp_size  # the in-memory folders' sizes hold
    if _cgroup_expected(r):
        # the probe pushed: it held close to the limit (files + at least one process near 2.5 GiB) ...
        assert r["peak"] >= 0.9 * limits.memory, r
        # ... and the whole sandbox never held more (before: 8.9 GB as root, 7.6 GB unprivileged)
        assert r["peak"] <= limits.memory, r
        assert r["held_at_end"] + r["tmpfs_written"] <= limits.memory, r


@needs_sandbox
@pytest.mark.parametrize("path", PATHS)
def test_processes_of_the_whole_sandbox(measured, path):
    _needs(measured, path)
    r = measured[path]["processes"]
    limits = sandbox.Limits()
    assert "error" not in r, r
    assert r["tasks_at_peak"] <= limits.processes, r  # before: 164-320 on the unprivileged path
    assert r["forked"] >= limits.processes // 2, r  # the limit is the sandbox's, not already used up


@needs_sandbox
@pytest.mark.parametrize("path", PATHS)
def test_cpu_of_the_whole_sandbox(measured, path):
    _needs(measured, path)
    r = measured[path]["cpu"]
    assert "error" not in r, r
    if _cgroup_expected(measured[path]["memory"]):
        assert r["cores"] <= sandbox.Limits().cpus * 1.1, r  # eight spinning processes, one core


@needs_sandbox
@pytest.mark.parametrize("path", PATHS)
def test_no_namespace_no_mount_no_write_outside_the_given_folders(measured, path):
    _needs(measured, path)
    r = measured[path]["confinement"]
    assert "error" not in r, r
    assert all(r[k] is True for k in ("userns", "userns_mount", "mount", "unshare_syscall", "/x", "/dev/x",
                                      "/run/kernel/x", "/usr/x")), r
    assert r["socket_moved"] is False, r
    assert r["shm_bytes"] <= sandbox.Limits().tmp_size, r  # before: 1.5 GiB on the unprivileged path
    limits = sandbox.Limits()
    assert limits.open_files - 16 <= r["open_files"] <= limits.open_files, r
    assert limits.memory - 2 ** 26 <= r["address_space"] <= limits.memory, r


@needs_sandbox
def test_the_fallback_says_what_holds_and_still_bounds_each_process():
    """Without cgroups (FACECOURSE_CGROUPS=none): the note says so; per-process limits still hold."""
    if os.geteuid() != 0:
        pytest.skip("runs the fallback as a throwaway uid from root")
    r = run_unprivileged(["processes", "confinement"], fallback=True)
    assert r["cgroup"] == "none"
    assert r["note"].startswith("no cgroup the grader may use here (FACECOURSE_CGROUPS=none)")
    assert r["confinement"]["shm_bytes"] <= sandbox.Limits().tmp_size
    assert r["confinement"]["userns"] is True and r["confinement"]["mount"] is True
    assert r["processes"]["forked"] < 1000  # RLIMIT_NPROC of the uid


if __name__ == "__main__":  # the unprivileged path: run by the throwaway uid
    results = {name: run_probe(name) for name in sys.argv[1:]}
    results["cgroup"] = cgroups.backend().kind
    results["note"] = cgroups.backend().note
    print(json.dumps(results))


# ---- time limits that count the sandbox's own time (no kernel: a scripted clock) ------------------


class _ScriptedClock:
    """A sandbox's counters as a test dictates them: cpu seconds and per-task waiting seconds."""

    def __init__(self, cpus=1.0):
        self.cpus, self.cpu_now, self.waits = cpus, 0.0, {}

    def cpu(self):
        return self.cpu_now

    def delays(self):
        return dict(self.waits)


@pytest.mark.parametrize("case, wall, cpu, waits, expected", [
    # an honest case needing 2 s of CPU on a machine so loaded that it took 100 s: not stopped
    ("honest under load", 100.0, 2.0, {"1/task/1": 98.0}, None),
    # a case that sleeps: stopped after its limit of waiting, and said so
    ("sleeping", 31.0, 0.1, {"1/task/1": 0.0}, "wall"),
    # a loop: stopped once it used its limit of CPU
    ("looping", 31.0, 30.5, {"1/task/1": 0.5}, "cpu"),
    # 80 processes of its own queueing for its one core: starved by itself, so CPU time decides
    ("own hog", 31.0, 30.9, {f"{i}/task/{i}": 30.0 for i in range(80)}, "cpu"),
    ("own hog, early", 20.0, 19.9, {f"{i}/task/{i}": 19.0 for i in range(80)}, None),
])
def test_a_time_limit_counts_the_sandboxs_own_time(monkeypatch, case, wall, cpu, waits, expected):
    now = [1000.0]
    monkeypatch.setattr(sandbox.time, "monotonic", lambda: now[0])
    clock = _ScriptedClock()
    watch = sandbox.Stopwatch(clock, 30.0)
    now[0] += wall
    clock.cpu_now, clock.waits = cpu, waits
    assert watch.over() == expected, case
    if case == "honest under load":
        assert watch.starved() == pytest.approx(98.0)  # moves the submission's deadline too


@pytest.mark.parametrize("case, wall, cpu, expected", [
    # a cell that loops: stopped at its CPU limit (20 s), long before its 60 s of own time
    ("looping cell", 20.5, 20.4, "cpu"),
    # a polite crawl: 50 s of waiting out delays and 3 s of CPU: not stopped
    ("crawling cell", 50.0, 3.0, None),
    # waiting longer than the cell's own time: stopped, and said so
    ("sleeping cell", 61.0, 0.1, "wall"),
])
def test_a_cell_may_wait_longer_than_it_may_compute(monkeypatch, case, wall, cpu, expected):
    now = [1000.0]
    monkeypatch.setattr(sandbox.time, "monotonic", lambda: now[0])
    clock = _ScriptedClock()
    watch = sandbox.Stopwatch(clock, 60.0, cpu_limit=20.0)
    now[0] += wall
    clock.cpu_now, clock.waits = cpu, {"1/task/1": 0.0}
    assert watch.over() == expected, case
    assert sandbox.Stopwatch(clock, 10.0, cpu_limit=20.0).cpu_limit == 10.0  # never more CPU than time


def test_cgroup_v2_groups_get_the_limits(tmp_path, monkeypatch):
    """The v2 branch, on a stand-in folder (this host's controllers are on v1): which files get what."""
    base = tmp_path / "cg"
    base.mkdir()
    for name, text in {"cgroup.controllers": "cpuset cpu io memory pids", "cgroup.subtree_control": "",
                       "cgroup.procs": str(os.getpid())}.items():
        (base / name).write_text(text)
    b = cgroups._try_v2({"": "/"}, [("cgroup2", str(base), "/", set())])
    assert isinstance(b, cgroups.Backend) and b.kind == "v2", b
    assert (base / "cgroup.subtree_control").read_text() == "+cpu +memory +pids"
    g = b.group("sub", 3 * GiB, 96, 1.0)
    d = g.dirs[""]
    assert d.parent == base and d.name.startswith(f"facecourse-{os.getpid()}-")
    assert [(d / f).read_text() for f in ("memory.max", "memory.swap.max", "pids.max", "cpu.max")] == \
        [str(3 * GiB), "0", "96", "100000 100000"]
    assert g.enter(["true"])[4:6] == [str(d / "cgroup.procs"), "--"]
    # a worker, born in the leaf the grader moved itself to, makes its groups beside that leaf
    (base / "facecourse-grader").mkdir()
    again = cgroups._try_v2({"": "/facecourse-grader"}, [("cgroup2", str(base), "/", set())])
    assert isinstance(again, cgroups.Backend) and again.parents == {"": base}
    missing = cgroups._try_v2({"": "/"}, [("cgroup2", str(tmp_path), "/", set())])
    assert isinstance(missing, str)  # no controllers file: the fallback, with the reason


def test_a_dead_graders_group_is_removed_with_what_it_left_running(tmp_path):
    """A cluster worker killed mid-submission left its sandbox's PID-namespace init sleeping in the
    sandbox's group for an hour (measured); the next grader kills what a dead grader's group holds."""
    import subprocess

    dead = subprocess.Popen(["true"])
    dead.wait()  # a pid that no longer runs: the grader that made the group
    left = subprocess.Popen(["sleep", "600"])
    group = tmp_path / f"facecourse-{dead.pid}-1-abc"
    group.mkdir()
    (group / "cgroup.procs").write_text(f"{left.pid}\n")
    mine = tmp_path / f"facecourse-{os.getpid()}-1-def"  # this grader's own: left alone
    mine.mkdir()
    (mine / "cgroup.procs").write_text(f"{os.getpid()}\n")
    cgroups._remove_stale(tmp_path)
    assert left.wait(timeout=10) == -9  # SIGKILL
    assert mine.is_dir()


def test_the_fallback_is_stated():
    b = cgroups.Backend("none", cgroups.FALLBACK.format(why="test"))
    assert b.group("x", GiB, 10, 1.0) is None
    assert "bounded per process only" in b.note and "Delegate=yes" in b.note


@needs_sandbox
def test_processes_left_running_are_stopped_before_the_tests():
    """80 spinning processes (own sessions) left by a cell would spend the CPU the tests' limits count."""
    k = sandbox.Kernel("probe.ipynb", b"{}", sandbox.Limits(), sandboxed=True, label="limits-strays")
    try:
        msg_id = k.client.execute("import os\nfor _ in range(20):\n    if os.fork() == 0:\n        os.setsid()\n"
                                  "        while True:\n            pass\n")
        end = time.monotonic() + 60
        while time.monotonic() < end:
            try:
                msg = k.client.get_shell_msg(timeout=0.5)
            except queue.Empty:
                continue
            if msg["parent_header"].get("msg_id") == msg_id:
                break
        assert len(k.clock._pids()) >= 20 + 3
        assert k.stop_strays() >= 20
        time.sleep(0.2)
        assert k.alive() and k.clock._pids() == [k.proc.pid, k.child_pid, k.kernel_pid] or \
            set(k.clock._pids()) <= {k.proc.pid, k.child_pid, k.kernel_pid} | set(_zombies(k.clock._pids()))
        cpu = k.clock.cpu()
        time.sleep(1.0)
        assert k.clock.cpu() - cpu < 0.3  # nothing spins any more
    finally:
        k.kill()


def _zombies(pids):
    out = []
    for p in pids:
        try:
            if Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
                out.append(p)
        except OSError:
            pass
    return out
