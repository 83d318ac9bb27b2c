"""The hostile class graded on a dask ``LocalCluster`` (2 worker processes): the local run's exact outputs.

The class, its private solutions and its local run come from ``tests/grading/test_hostile_submissions.py``
(``grade_the_class``, run again in this module as the same user as the cluster's workers). The same folder is then graded with
``scheduler=`` a LocalCluster's address, and every output file must be byte for byte the local
run's: gradebook, feedback, manual sheets. Also: nothing lands outside the output folder, no
sandboxed process survives, and the autograder (hidden tests) is nowhere in the workers' scratch
folders or the system's temporary folder.
"""

from __future__ import annotations

import base64
import logging
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "grading"))
import test_hostile_submissions as hostile_class  # noqa: E402

from facecourse import grading  # noqa: E402

pytestmark = [pytest.mark.slow, hostile_class.needs_sandbox]


# Submissions whose own run depends on the machine's state at that moment, not on where it is graded: the CPU hog
# (which of its forks and sleeps meet the process or time limit first), the printer (whether six 400 MB prints
# meet the sandbox's memory limit: seen both ways in CI) and the memory filler. Their scores are exact in both
# runs; the list of errors their notebook raised while it ran may differ, so their feedback is compared without it.
RESOURCE_BOUND = ("feedback/aaa-hog.md", "feedback/printer.md", "feedback/mem.md")
ERRORS = b"\n```text\nErrors while running your notebook"


def _without_run_errors(content: bytes) -> bytes:
    return content.split(ERRORS, 1)[0].rstrip()


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _tree(root: Path, skip: tuple[Path, ...]) -> dict[str, tuple[int, int]]:
    """Every path under ``root`` outside ``skip``: (mode, size)."""
    out = {}
    for p in sorted(root.rglob("*")):
        if any(p == s or s in p.parents for s in skip):
            continue
        st = p.lstat()
        out[str(p.relative_to(root))] = (st.st_mode, st.st_size)
    return out


@pytest.fixture(scope="module")
def hostile(request):
    """The class graded locally as the cluster grades it: as root when this is root (the workers are this
    machine's processes), else as this user. (An unprivileged local run on a host whose Python lives under
    /root loads another libpython and words some errors differently: measured 3.11.2 vs 3.11.7.)"""
    return hostile_class.grade_the_class(hostile_class.PATHS[0], request.addfinalizer)


@pytest.fixture(scope="module")
def on_cluster(hostile, tmp_path_factory):
    from distributed import LocalCluster

    root = hostile["root"]
    scratch = tmp_path_factory.mktemp("dask-scratch")
    worker_tmp = tmp_path_factory.mktemp("worker-tmp")  # the workers' TMPDIR: whatever they write goes here
    before = _tree(root, (hostile["out"], root / "out-cluster"))
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address="127.0.0.1:0", memory_limit=0,
                      local_directory=str(scratch), silence_logs=logging.ERROR,
                      env={"TMPDIR": str(worker_tmp)}) as cluster:
        t0 = time.monotonic()
        book = grading.grade_folder(hostile["subs"], root / "out-cluster", cell_timeout=10, total_timeout=120,
                                    test_timeout=3, solutions=root / "private" / "solutions",
                                    scheduler=cluster.scheduler_address)
        seconds = time.monotonic() - t0
        workers = len(cluster.scheduler.workers)
    print(f"\nhostile folder graded on a 2-worker LocalCluster in {seconds:.1f} s "
          f"(locally in {hostile['seconds']:.1f} s)")
    return {"book": book, "out": root / "out-cluster", "seconds": seconds, "scratch": scratch, "workers": workers,
            "before": before, "after": _tree(root, (hostile["out"], root / "out-cluster")),
            "worker_tmp": worker_tmp}


def test_the_cluster_writes_the_local_runs_exact_outputs(hostile, on_cluster):
    assert on_cluster["workers"] == 2
    assert hostile_class._rows(on_cluster["book"]) == hostile_class._expected()
    assert on_cluster["book"].equals(hostile["book"])
    local, remote = _files(hostile["out"]), _files(on_cluster["out"])
    assert sorted(remote) == sorted(local)
    assert set(RESOURCE_BOUND) <= set(local)
    differ = [name for name in local if local[name] != remote[name]
              and (name not in RESOURCE_BOUND or _without_run_errors(local[name]) != _without_run_errors(remote[name]))]
    assert differ == []  # gradebook, feedback, manual sheets


def test_each_submission_is_in_the_gradebook_exactly_once(on_cluster):
    book = on_cluster["book"]
    graded = book[book["question"] != ""]
    assert not graded.duplicated(["student", "assignment", "question", "file"]).any()
    assert graded.groupby(["student", "file"]).size().eq(4).all()  # q1..q4 for every graded file


def test_nothing_outside_the_output_folder_and_no_survivor(hostile, on_cluster):
    assert on_cluster["after"] == on_cluster["before"]
    out = on_cluster["out"]
    assert sorted(p.name for p in out.iterdir()) == ["feedback", "gradebook.csv", "manual"]
    for target in (Path("/tmp") / hostile_class.TOKEN, Path(f"/tmp/{hostile_class.TOKEN}.ctypes"),
                   hostile["subs"] / hostile_class.TOKEN, out / hostile_class.TOKEN):
        assert not target.exists(), target
    # This run's graders carry the workers' TMPDIR; a daemon of the hostile class that survived has no grader
    # above it (one inside a sandbox that another test, on another pytest-xdist worker, is still grading has)
    tmpdir = f"TMPDIR={on_cluster['worker_tmp']}".encode()
    survivors = []
    for d in Path("/proc").glob("[0-9]*"):
        try:
            cmdline = (d / "cmdline").read_bytes()
            grader = b"facecourse.grading.worker" in cmdline or b"facecourse.grading.trusted" in cmdline
            if grader and tmpdir in (d / "environ").read_bytes().split(b"\0"):
                survivors.append(d.name)
            elif hostile_class.DAEMON_MARK.encode() in cmdline and not hostile_class.under_a_grader(int(d.name)):
                survivors.append(d.name)
        except OSError:
            continue
    assert survivors == []


def test_the_hidden_tests_are_never_written_on_a_worker(hostile, on_cluster):
    """The autograder travels in the tasks: no worker wrote it (raw or base64) to its scratch or temporary folder."""
    zip_bytes, _ = grading.autograder_for(hostile_class.A, hostile["root"] / "private" / "solutions")
    raw = zip_bytes[40:120]
    encoded = base64.b64encode(zip_bytes).decode()[60:140].encode()
    leaks, seen = [], 0
    for place in (on_cluster["scratch"], on_cluster["worker_tmp"]):
        for p in place.rglob("*"):
            seen += p.is_file()
            try:
                data = p.read_bytes() if p.is_file() and not p.is_symlink() else b""
            except OSError:
                continue
            if raw in data or encoded in data or hostile_class.HIDDEN_MARK.encode() in data:
                leaks.append(str(p))
    assert leaks == []
    assert seen > 0  # the workers did use these folders (dask's lock and scratch files)
