"""A cluster worker killed mid-submission costs nothing; a cluster that cannot grade is refused up front.

The killed-worker test grades four honest submissions (each sleeps 4 s in a cell, so there is time
to act) on a 2-worker ``LocalCluster``; as soon as one worker process is running a submission's
grading process it gets SIGKILL. The submission must be graded again by a worker (the scheduler's
log shows its task processing twice), every student appears exactly once with full marks, and the
killed worker's grading process and sandbox die with it.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "grading"))
import test_hostile_submissions as hostile_class  # noqa: E402

from facecourse import grading  # noqa: E402
from facecourse.authoring.exercises import assign  # noqa: E402
from facecourse.classroom import cluster as fc_cluster  # noqa: E402

STUDENTS = ("ann", "ben", "cat", "dan")


def _class(root: Path) -> tuple[Path, Path]:
    solutions = hostile_class._solutions(root / "private" / "solutions")
    exercise, _ = assign(solutions / f"{hostile_class.A}.ipynb", root / "assign", run_tests=False)
    subs = root / "submissions"
    for s in STUDENTS:
        (subs / s).mkdir(parents=True)
        nb = hostile_class._fill(exercise, hostile_class.RIGHT, "Most alarms are false.",
                                 extra=["import time\ntime.sleep(4)"])
        (subs / s / "hw.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    return solutions, subs


def _grading_children(pid: int) -> list[psutil.Process]:
    try:
        return [c for c in psutil.Process(pid).children() if "facecourse.grading.worker" in " ".join(c.cmdline())]
    except psutil.Error:
        return []


@hostile_class.needs_sandbox
@pytest.mark.slow
def test_a_worker_killed_mid_submission_loses_nothing(tmp_path):
    from distributed import Client, LocalCluster

    solutions, subs = _class(tmp_path)
    result, killed = {}, {}
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address="127.0.0.1:0", memory_limit=0,
                      local_directory=str(tmp_path / "scratch"), silence_logs=logging.ERROR) as cluster, \
            Client(cluster.scheduler_address, set_as_default=False) as client:
        pids = client.run(os.getpid)

        def grade():
            try:
                result["book"] = grading.grade_folder(subs, tmp_path / "out", cell_timeout=20, total_timeout=120,
                                                      test_timeout=5, solutions=solutions,
                                                      scheduler=cluster.scheduler_address)
            except BaseException as exc:  # noqa: BLE001 - reported by the assertions below
                result["error"] = exc

        thread = threading.Thread(target=grade)
        thread.start()
        deadline = time.monotonic() + 120
        while not killed and time.monotonic() < deadline and thread.is_alive():
            for address, pid in pids.items():
                running = _grading_children(pid)
                if running and time.time() - running[0].create_time() > 1.0:  # its kernel is running the notebook
                    family = [running[0]] + running[0].children(recursive=True)
                    os.kill(pid, signal.SIGKILL)
                    killed.update(address=address, pid=pid, family=family)
                    break
            time.sleep(0.1)
        thread.join(timeout=300)
        log = list(cluster.scheduler.transition_log)
    assert killed, "no worker was caught grading a submission"
    assert not thread.is_alive() and "error" not in result, result.get("error")
    book = result["book"]
    graded = book[book["question"] != ""]
    assert sorted(graded["student"].unique()) == list(STUDENTS)
    assert graded.groupby("student").size().eq(4).all()  # q1..q4, once each
    auto = graded[graded["question"] != "q4"]
    assert auto["status"].eq("passed").all(), auto.to_string()
    # the submission the killed worker held went to processing a second time, and only one ever finished
    starts = {}
    for key, _start, finish, *_ in log:
        if str(key).startswith("facecourse-grade-") and finish == "processing":
            starts[key] = starts.get(key, 0) + 1
    assert len(starts) == len(STUDENTS) and max(starts.values()) >= 2, starts
    # the killed worker's grading process and its sandbox died with it (PR_SET_PDEATHSIG, bwrap --die-with-parent)
    gone = psutil.wait_procs(killed["family"], timeout=30)[1]
    assert gone == [], [p.pid for p in gone]


def test_a_scheduler_that_cannot_be_reached_is_refused_at_once(tmp_path):
    (tmp_path / "subs").mkdir()
    t0 = time.monotonic()
    with pytest.raises(grading.GradingError, match="could not reach the dask scheduler at tcp://127.0.0.1:9"):
        grading.grade_folder(tmp_path / "subs", tmp_path / "out", scheduler="tcp://127.0.0.1:9")
    assert time.monotonic() - t0 < 10  # a closed port is refused, not retried for 30 s
    assert not (tmp_path / "out").exists()  # nothing written


@pytest.mark.slow
def test_workers_that_would_grade_differently_are_named_and_refused(tmp_path, monkeypatch):
    """A worker without the sandbox, or with other course code, stops the run before any submission."""
    from distributed import LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address="127.0.0.1:0",
                      silence_logs=logging.ERROR) as cluster:
        # processes=False: the worker runs in this process, so patching here patches the worker
        monkeypatch.setattr(fc_cluster._sandbox, "problem", lambda: "the grading sandbox needs bubblewrap (bwrap)")
        with pytest.raises(grading.GradingError, match=r"cannot sandbox: the grading sandbox needs bubblewrap"):
            fc_cluster.Cluster(cluster.scheduler_address, sandbox=True)
        fc_cluster.Cluster(cluster.scheduler_address, sandbox=False).close()  # --no-sandbox: the instructor's call
        monkeypatch.setattr(fc_cluster, "_data_problem", lambda: "3 data file(s) missing or corrupt")
        with pytest.raises(grading.GradingError, match=r"lacks the course data \(3 data file\(s\) missing or "
                                                        r"corrupt\): run `python3 course.py data` there"):
            fc_cluster.Cluster(cluster.scheduler_address, sandbox=False)
        monkeypatch.setattr(fc_cluster, "worker_report", lambda: {"host": "old", "pid": 1, "sandbox": None,
                                                                  "fingerprint": "0" * 16, "python": "3.11",
                                                                  "data": None})
        with pytest.raises(grading.GradingError, match=r"runs other course code or packages \(0{16}"):
            fc_cluster.Cluster(cluster.scheduler_address, sandbox=True)
        # a task that reaches a worker running other code is refused there too
        out = json.loads(fc_cluster.grade_remote(json.dumps({"sandbox": True}), 10.0, "f" * 16))
        assert out["status"].startswith("not graded: cluster worker") and "other course code" in out["status"]


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@hostile_class.needs_sandbox
@pytest.mark.slow
def test_the_commands_grade_on_a_scheduler_and_a_grade_worker(tmp_path):
    """`dask scheduler`, `course.py grade-worker` and `course.py grade --scheduler`, as the README shows them."""
    import subprocess

    from distributed import Client

    solutions, subs = _class(tmp_path)
    for s in STUDENTS[2:]:  # two honest students are enough here; one more hands in the blank exercise
        (subs / s / "hw.ipynb").unlink()
        (subs / s).rmdir()
    exercise, _ = assign(solutions / f"{hostile_class.A}.ipynb", tmp_path / "assign2", run_tests=False)
    (subs / "eve__hw.ipynb").write_text(json.dumps(exercise), encoding="utf-8")
    address = f"tcp://127.0.0.1:{_free_port()}"
    env = {k: v for k, v in os.environ.items() if k != "JPY_PARENT_PID"}
    logs = tmp_path / "logs"
    logs.mkdir()
    procs = []
    try:
        procs.append(subprocess.Popen([sys.executable, "-m", "dask", "scheduler", "--host", "127.0.0.1", "--port",
                                       address.rsplit(":", 1)[1], "--dashboard-address", "127.0.0.1:0"],
                                      stdout=subprocess.DEVNULL, stderr=open(logs / "scheduler.log", "w"), env=env,
                                      start_new_session=True))
        procs.append(subprocess.Popen([sys.executable, "-m", "facecourse.cli", "grade-worker", address, "--nthreads",
                                       "2"], stdout=open(logs / "worker.out", "w"),
                                      stderr=open(logs / "worker.log", "w"), env=env, start_new_session=True))
        deadline = time.monotonic() + 120
        while True:
            try:
                with Client(address, timeout=5, set_as_default=False) as client:
                    if sum(client.nthreads().values()) == 2:
                        break
            except OSError:
                pass
            assert time.monotonic() < deadline, (logs / "worker.log").read_text()[-2000:]
            assert all(p.poll() is None for p in procs), (logs / "worker.log").read_text()[-2000:]
            time.sleep(1)
        done = subprocess.run([sys.executable, "-m", "facecourse.cli", "grade", str(subs), "--out",
                               str(tmp_path / "out"), "--solutions", str(solutions), "--scheduler", address,
                               "--cell-timeout", "20"], capture_output=True, text=True, env=env, timeout=300)
    finally:
        for p in reversed(procs):
            os.killpg(p.pid, signal.SIGINT)  # as Ctrl-C: grade-worker removes its scratch folder
        for p in reversed(procs):
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
    assert done.returncode == 0, done.stderr[-2000:]
    assert "3 students graded" in done.stdout
    rows = (tmp_path / "out" / "gradebook.csv").read_text(encoding="utf-8").splitlines()
    book = {tuple(r.split(",")[:4]) + (r.split(",")[5],) for r in rows[1:]}  # student, assignment, question, points, status
    assert len(rows) == 1 + 3 * 4
    for s in STUDENTS[:2]:
        for q in ("q1", "q2", "q3"):
            assert (s, hostile_class.A, q, "1", "passed") in book
    for q in ("q1", "q2", "q3"):
        assert ("eve", hostile_class.A, q, "0", "failed") in book
    assert "grading worker for " + address in (logs / "worker.out").read_text()


INTERRUPTED = r"""
import logging, signal, sys
from pathlib import Path
from distributed import LocalCluster
from facecourse import grading

signal.signal(signal.SIGINT, signal.default_int_handler)  # Ctrl-C as in a terminal (see test_collect_report)
subs, out, solutions = map(Path, sys.argv[1:4])
with LocalCluster(n_workers=1, threads_per_worker=2, processes=True, dashboard_address="127.0.0.1:0", memory_limit=0,
                  silence_logs=logging.ERROR) as cluster:
    grading.grade_folder(subs, out, solutions=solutions, cell_timeout=300, total_timeout=600,
                         scheduler=cluster.scheduler_address)
"""


@hostile_class.needs_sandbox
@pytest.mark.slow
def test_ctrl_c_cancels_the_submissions_running_on_the_cluster(tmp_path):
    """Interrupted, the client cancels its tasks and the workers kill their grading processes at once."""
    import subprocess

    solutions, subs = _class(tmp_path)
    exercise, _ = assign(solutions / f"{hostile_class.A}.ipynb", tmp_path / "assign2", run_tests=False)
    for s in STUDENTS:  # every notebook now sleeps for 5 minutes
        nb = hostile_class._fill(exercise, hostile_class.RIGHT, extra=["import time\ntime.sleep(300)"])
        (subs / s / "hw.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-c", INTERRUPTED, str(subs), str(out), str(solutions)],
                            stderr=subprocess.PIPE, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        grading_now = []
        while time.monotonic() < deadline and proc.poll() is None:
            grading_now = [p for p in psutil.Process(proc.pid).children(recursive=True)
                           if "facecourse.grading.worker" in " ".join(p.cmdline())]
            if len(grading_now) == 2:  # both worker threads are grading
                break
            time.sleep(0.2)
        assert len(grading_now) == 2, proc.stderr.read().decode()[-2000:] if proc.poll() is not None else "not started"
        family = [q for p in grading_now for q in [p] + p.children(recursive=True)]
        t0 = time.monotonic()
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=60)
        stopped = time.monotonic() - t0
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert stopped < 30, f"the grader took {stopped:.0f} s to stop"
    assert psutil.wait_procs(family, timeout=10)[1] == []  # every grading process and sandbox is gone
    assert not (out / "gradebook.csv").exists()  # never a partial gradebook
    assert not list(out.glob(".facecourse-tmp-*"))  # the temporary folder is removed
