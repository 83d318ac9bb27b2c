"""Grading on a dask.distributed cluster: one submission per task, one gradebook written by the client.

``python3 course.py grade SUBS --scheduler tcp://HOST:8786`` grades exactly as a local run does
(:func:`facecourse.grading.grade_folder`: collection, scoring, feedback, gradebook, all on the
instructor's machine); only the step that runs a student's notebook, the trusted grading worker
with its sandboxed kernel (:func:`facecourse.grading.run._run_worker`), moves to a cluster worker:

* **the same sandbox, code and data.** A worker runs the job in bubblewrap exactly as the local
  pool does and refuses without it (the submission gets "not graded: cluster worker HOST: <what to
  install>"). Before grading, :class:`Cluster` asks every worker whether its sandbox starts,
  whether it runs the same course code and locked packages (:func:`fingerprint`) and whether the
  exercises' data is there and verified, and refuses to start otherwise, naming the workers. ``python3 course.py grade-worker tcp://HOST:8786`` starts a worker
  that has checked all this first.
* **nothing lost.** If a worker dies mid-submission (killed, out of memory, machine lost), the
  scheduler gives the task to another worker (dask's ``allowed-failures``, 3 by default); the
  client holds one future per submission, so each is in the gradebook exactly once. A submission
  whose task killed three workers gets a "grader error" row, like a local grading worker that died.
* **private solutions stay private.** The job (the student's notebook and the autograder, hidden
  tests included) travels inside the task, in memory: nothing is scattered into workers' memory
  (which dask could spill to disk), the workers started by ``grade-worker`` run without a memory
  limit (so no spilling at all) and with a private (0700) scratch folder, the worker passes the job
  to the grading process through a pipe as locally, and the task never raises (dask logs a
  failed task's arguments). Over ``tcp://`` the bytes cross the network unencrypted: between
  machines, use ``tls://`` with dask's TLS settings (``distributed.comm.tls``), which the client
  and workers read from dask's configuration.
* **what a worker returns** is the grading process's JSON results (scores, public test messages,
  errors), the same as the local pool reads from its pipe; the client scores and writes everything.

Anyone who can reach a dask scheduler can run code on its workers: keep the scheduler on a
private network or behind TLS with client certificates, never open to students.

Example::

    dask scheduler --host 10.0.0.5 --port 8786                   # one machine
    python3 course.py grade-worker tcp://10.0.0.5:8786            # every grading machine
    python3 course.py grade subs/ --out grades/ --solutions ~/private/solutions --scheduler tcp://10.0.0.5:8786
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import socket
import sys
import threading
import time
import uuid
from functools import lru_cache
from pathlib import Path

from ..authoring.exercises import ExerciseError
from ..grading import run as _run
from ..grading import sandbox as _sandbox
from ..paths import ROOT

CONNECT_TIMEOUT = 30.0  # seconds to reach the scheduler
NO_WORKER_WAIT = 300.0  # seconds a submission waits for a worker to (re)appear before it is reported
POLL = 5.0  # seconds between checks while a submission is being graded remotely


@lru_cache(maxsize=None)
def fingerprint() -> str:
    """A short hash of what decides a grade on this machine: the course package's code, the locks, Python.

    Two machines with the same fingerprint run the same grader, exercises' helpers and pinned packages.
    """
    h = hashlib.sha256(sys.version.split()[0].encode())
    files = sorted((ROOT / "facecourse").rglob("*.py")) + [ROOT / "requirements.lock", ROOT / "requirements-nodeps.lock"]
    for path in files:
        if "__pycache__" in path.parts:
            continue
        h.update(str(path.relative_to(ROOT)).encode() + b"\0")
        h.update(path.read_bytes() if path.is_file() else b"(missing)")
    return h.hexdigest()[:16]


@lru_cache(maxsize=1)
def _data_problem() -> str | None:
    """Why the exercises' data is not all here and verified (``course.py data``), or None (checked once)."""
    from .. import data

    try:
        report = data.verify("teaching")
    except Exception as exc:  # noqa: BLE001 - reported to the instructor as this worker's problem
        return f"{type(exc).__name__}: {exc}"
    return None if report.ok else f"{len(report.problems)} data file(s) missing or corrupt"


def worker_report() -> dict:
    """What a worker says about itself (run on every worker by :class:`Cluster`)."""
    return {"host": socket.gethostname(), "pid": os.getpid(), "sandbox": _sandbox.problem(),
            "fingerprint": fingerprint(), "python": sys.version.split()[0], "data": _data_problem()}


def grade_remote(job_json: str, total_timeout: float, expected: str) -> str:
    """Run on a cluster worker: grade one job as the local pool would; JSON ``{"status", "results", "host"}``.

    Refuses (a status, never an exception) when this worker runs other code than the client
    (``expected`` fingerprint) or when the job wants the sandbox and it cannot start here.
    """
    host = socket.gethostname()
    try:
        if fingerprint() != expected:
            status = (f"not graded: cluster worker {host} runs other course code or packages than the grader "
                      f"({fingerprint()} vs {expected}): update it (git pull, python3 course.py install) and grade again")
            return json.dumps({"status": status, "results": {}, "host": host})
        job = json.loads(job_json)
        if _data_problem():
            return json.dumps({"status": f"not graded: cluster worker {host} lacks the course data "
                                         f"({_data_problem()}): run `python3 course.py data` there",
                               "results": {}, "host": host})
        if job.get("sandbox", True) and _sandbox.problem():
            return json.dumps({"status": f"not graded: cluster worker {host}: {_sandbox.problem()}", "results": {},
                               "host": host})
        status, results = _run._run_worker(job, total_timeout)
        return json.dumps({"status": status, "results": results, "host": host})
    except Exception as exc:  # noqa: BLE001 - a raising task would have dask log its arguments (the job)
        return json.dumps({"status": f"grader error: on cluster worker {host}: {type(exc).__name__}: {exc}"[:300],
                           "results": {}, "host": host})


def stop_grading() -> int:
    """Kill this worker's running grading processes (with their sandboxes); return how many.

    Run on every worker when the instructor interrupts grading: dask cannot stop a running task,
    but a task whose grading process is gone returns at once.
    """
    me, killed = os.getpid(), 0
    for d in Path("/proc").glob("[0-9]*"):
        try:
            fields = (d / "stat").read_text().rsplit(")", 1)[1].split()
            cmdline = (d / "cmdline").read_bytes()
        except OSError:
            continue
        if int(fields[1]) == me and b"facecourse.grading.worker" in cmdline:
            try:
                os.killpg(int(d.name), signal.SIGKILL)  # the grading process leads its own session
                killed += 1
            except OSError:
                pass
    return killed


def _probe(address: str, timeout: float) -> None:
    """Raise ``OSError`` at once when nothing listens at a ``tcp://`` or ``tls://`` address (dask would retry
    for the whole timeout); other addresses are left to dask."""
    from urllib.parse import urlsplit

    parts = urlsplit(address)
    if parts.scheme in ("tcp", "tls") and parts.hostname and parts.port:
        socket.create_connection((parts.hostname, parts.port), timeout=min(timeout, 10.0)).close()


class Cluster:
    """A connection to a dask.distributed scheduler whose workers grade submissions.

    ``Cluster("tcp://HOST:8786", sandbox=True)`` connects and checks every worker (sandbox,
    fingerprint); raises ``ExerciseError`` with a plain sentence when the scheduler cannot be
    reached, has no workers, or a worker cannot grade as this machine would. ``run(job, timeout)``
    has the signature of :func:`facecourse.grading.run._run_worker`; ``slots`` is the number of
    submissions the cluster grades at once (its worker threads). Use it as a context manager.
    """

    def __init__(self, address: str, sandbox: bool = True, timeout: float = CONNECT_TIMEOUT):
        try:
            from distributed import Client
        except ImportError:  # pragma: no cover - the cluster extra is in the lock
            raise ExerciseError("grading on a cluster needs dask.distributed: run `python3 course.py install`") from None
        self.address = address
        try:
            _probe(address, timeout)
            self.client = Client(address, timeout=timeout, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            raise ExerciseError(f"could not reach the dask scheduler at {address} ({exc}); start one with "
                                "`dask scheduler` and workers with `python3 course.py grade-worker ADDRESS`") from None
        self._active: set = set()
        self._lock = threading.Lock()
        try:
            self.fingerprint = fingerprint()
            self.check(sandbox)
            self.slots = max(1, sum(self.client.nthreads().values()))
        except BaseException:
            self.client.close()
            raise

    def check(self, sandbox: bool = True) -> dict:
        """Every worker's report; ``ExerciseError`` naming the workers that would not grade as this machine."""
        reports = self.client.run(worker_report, on_error="return")
        if not reports:
            raise ExerciseError(f"the dask scheduler at {self.address} has no workers: start them with "
                                f"`python3 course.py grade-worker {self.address}`")
        problems = []
        for address, r in sorted(reports.items()):
            if isinstance(r, BaseException):
                problems.append(f"{address} did not answer ({type(r).__name__}: {r})")
            elif r["fingerprint"] != self.fingerprint:
                problems.append(f"{address} ({r['host']}) runs other course code or packages ({r['fingerprint']}, "
                                f"here {self.fingerprint}): update it (git pull, python3 course.py install)")
            elif sandbox and r["sandbox"]:
                problems.append(f"{address} ({r['host']}) cannot sandbox: {r['sandbox']}")
            elif r.get("data"):
                problems.append(f"{address} ({r['host']}) lacks the course data ({r['data']}): run "
                                "`python3 course.py data` there")
        if problems:
            raise ExerciseError("cluster workers that cannot grade: " + "; ".join(problems))
        return reports

    def run(self, job: dict, total_timeout: float) -> tuple[str | None, dict]:
        """Grade one job on the cluster; (status or None, results), as the local grading worker returns them."""
        from concurrent.futures import CancelledError

        from distributed import KilledWorker

        key = f"facecourse-grade-{job.get('label', '')}-{uuid.uuid4().hex[:8]}"
        future = self.client.submit(grade_remote, json.dumps(job), float(total_timeout), self.fingerprint, key=key,
                                    pure=False)
        with self._lock:
            self._active.add(future)
        alone_since = None
        try:
            while True:
                try:
                    out = json.loads(future.result(timeout=POLL))
                    return out["status"], out["results"]
                except TimeoutError:
                    pass
                if self.client.nthreads():
                    alone_since = None
                elif alone_since is None:
                    alone_since = time.monotonic()
                elif time.monotonic() - alone_since > NO_WORKER_WAIT:
                    future.cancel()
                    return (f"not graded: the cluster had no worker for {NO_WORKER_WAIT:.0f} s; start workers "
                            f"(`python3 course.py grade-worker {self.address}`) and grade again"), {}
        except CancelledError:
            return "not graded: grading on the cluster was cancelled", {}
        except KilledWorker:
            return ("grader error: every cluster worker that took this submission died while grading it "
                    "(3 tries): look at the notebook before grading it again"), {}
        finally:
            with self._lock:
                self._active.discard(future)
            future.release()

    def stop(self) -> None:
        """Cancel every submission still running or waiting (the instructor interrupted grading)."""
        try:
            self.client.run(stop_grading, on_error="ignore")
        except Exception:  # noqa: BLE001 - best effort; the client is closing anyway
            pass
        with self._lock:
            futures = list(self._active)
        try:
            self.client.cancel(futures, force=True)  # their waiting threads return at once
        except Exception:  # noqa: BLE001
            pass

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> "Cluster":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def worker_command(scheduler: str, nthreads: int | None = None, name: str | None = None,
                   scratch: str | None = None) -> tuple[list[str], dict]:
    """The ``dask worker`` command line and environment of a grading worker (``course.py grade-worker``).

    One worker process with ``nthreads`` threads (default: all cores; each thread grades one
    submission at a time), no memory limit (so dask never spills data to disk), no dashboard, a
    private scratch folder.
    """
    cmd = [sys.executable, "-m", "dask", "worker", scheduler, "--nworkers", "1",
           "--nthreads", str(nthreads or os.cpu_count() or 1), "--memory-limit", "0", "--no-dashboard",
           "--name", name or f"{socket.gethostname()}-{os.getpid()}"]
    if scratch:
        cmd += ["--local-directory", scratch]
    env = {k: v for k, v in os.environ.items() if k != "JPY_PARENT_PID"}
    return cmd, env
