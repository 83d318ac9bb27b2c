"""Grading a folder of submissions: tests decided outside the student's code.

``grade_folder`` collects every file (:mod:`.collect`), runs each gradable notebook (:mod:`.run`,
:mod:`.worker`, :mod:`.trusted`) and writes the gradebook, feedback and manual-scoring sheets
(:mod:`.report`). Exercise generation lives in :mod:`facecourse.authoring.exercises` (re-exported
here for older callers).

Example::

    python3 course.py grade submissions/ --out grades/

**The design (issues 13, 21, 22).**

* *One test source, two runs.* Each question's cases are otter's exception-based test cells
  (``tests: ok_format: false``): one function per case, whose parameters name the notebook values
  it reads and which imports what it needs itself (:mod:`facecourse.checks`). The student's
  ``grader.check`` (``facecourse.checks.Notebook``) runs the public cases in the student's kernel
  and prints a plain sentence per failure; the grader runs public and hidden cases in a trusted
  process. A case's globals are its test file's: no name a student binds reaches its code.
* *The student's code runs only in a sandboxed kernel* (:mod:`.sandbox`), which runs the notebook's
  cells and answers requests from the grader (:mod:`.agent`). No test, expected value or verdict
  ever enters it.
* *The verdicts are computed in a trusted process* (:mod:`.trusted`): a warm process per
  assignment runs the exercise's provided cells once (the given names: data, helpers) and forks a
  child per submission. The child drives the kernel (:mod:`.worker`), fetches each answer **by
  value** (:mod:`.wire`: JSON, ``.npy`` read without pickle, a typed encoding of pandas objects, a
  chart's Vega-Lite dict, a serialised FAISS index; anything else is a handle) and calls the
  student's functions through the kernel with COPIES of the trusted arguments (pickled towards the
  kernel only), within the case's time limit. Results are decoded with size limits and no code
  execution. Scratch names bound after the notebook's last answer (``list = [1, 2]``, ``np = 0``)
  are put back before the tests. The kernel's files are mirrored by value at the same path
  (:mod:`.scratch`); the sandbox sites the checks read live in the grader (:mod:`.sites`).
* *What the kernel can still do:* everything it sends is, by construction, the student's own answer:
  a kernel that replaces the grader's agent, fakes ``do_execute`` or patches anything can only
  change the values of its own answers, which is what answering is. It cannot see the hidden
  tests' code or expected values (only the arguments those tests pass to its functions), nor
  change a comparison, an expected value, another case or another student.
* *Not protected:* hidden tests are secret only in a private copy of the solutions; arguments a
  hidden case passes to a student's function are seen by that function (never its expectation);
  a provided object that cannot be copied (a live server, a FAISS index) is shared between the
  cases of one submission (each case starts with its own copy of everything else); the grading
  child trusts the course's own libraries (numpy, pandas, faiss, the course package) to read the
  values it is given safely.
"""

from __future__ import annotations

import atexit
import os
import secrets
import shutil
import signal
import stat
import threading
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import contextmanager, nullcontext
from pathlib import Path

from ..authoring.exercises import (AUTOGRADERS, EXERCISES, SOLUTIONS, ExerciseError, Question,  # noqa: F401
                                   autograder_zip, check_exercises, generate_exercises, questions,
                                   reference_submission, solution_notebooks)
from .collect import Submission, collect_submissions  # noqa: F401
from .report import merge_manual, write_feedback, write_gradebook
from . import run as _run
from .run import Outcome, _grade_one, autograder_for, questions_for, require_sandbox, solutions_note  # noqa: F401

# one error type for the instructor: an unknown assignment or a grading failure
GradingError = ExerciseError

TMP_PREFIX = ".facecourse-tmp-"
COLUMNS = ["student", "assignment", "question", "points", "max", "status", "file", "flag"]


def _remove_tree(path: Path) -> None:
    def retry(func, p, _exc):
        try:
            os.chmod(os.path.dirname(p), stat.S_IRWXU)
            os.chmod(p, stat.S_IRWXU)
            func(p)
        except OSError:
            pass

    shutil.rmtree(path, onerror=retry)


def _remove_stale_temp(out: Path) -> None:
    """Remove temp folders that a killed earlier run (SIGKILL, power loss) left in ``out``."""
    for p in out.glob(TMP_PREFIX + "*"):
        try:
            pid = int(p.name[len(TMP_PREFIX):].split("-")[0])
            os.kill(pid, 0)
            if pid != os.getpid():
                continue  # a grading run into the same folder is still going
        except ProcessLookupError:
            pass
        except (ValueError, PermissionError):
            continue
        _remove_tree(p)


def _children() -> list[int]:
    """Process ids whose parent is this process (the running submissions' sandboxes)."""
    me, kids = os.getpid(), []
    for d in Path("/proc").glob("[0-9]*"):
        try:
            fields = (d / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == me:
            kids.append(int(d.name))
    return kids


def _stop_children(keep: set[int]) -> None:
    """SIGKILL the children started since ``keep`` was taken (the grading workers), with their groups."""
    for pid in set(_children()) - keep:
        try:  # the run starts each submission in its own session: end the whole group
            os.killpg(pid, signal.SIGKILL) if os.getpgid(pid) == pid else os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


@contextmanager
def _temp_folder(out: Path):
    """A private temp folder under ``out``, removed on return, exception, SIGTERM, SIGHUP or SIGINT.

    If the grader is killed with SIGKILL nothing can run: the folder stays inside the instructor's
    output folder (never in a shared /tmp) and the next run into ``out`` removes it.
    """
    _remove_stale_temp(out)
    tmp = out / f"{TMP_PREFIX}{os.getpid()}-{secrets.token_hex(4)}"
    tmp.mkdir(mode=0o700)
    cleanup = lambda: _remove_tree(tmp) if tmp.exists() else None  # noqa: E731
    atexit.register(cleanup)
    previous = {}
    if threading.current_thread() is threading.main_thread():
        def on_signal(signum, frame):
            raise SystemExit(128 + signum)
        for sig in (signal.SIGTERM, signal.SIGHUP):
            previous[sig] = signal.signal(sig, on_signal)
    try:
        yield tmp
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        cleanup()
        atexit.unregister(cleanup)


@contextmanager
def _warm_in(tmp: Path):
    """Warm processes (one per assignment) keep their private folders in ``tmp`` and end with the run."""
    previous = _run.TEMP_ROOT
    _run.stop_warm()
    _run.TEMP_ROOT = str(tmp)
    try:
        yield
    finally:
        _run.stop_warm()
        _run.TEMP_ROOT = previous


def _error_rows(sub: Submission, qs: list[Question], status: str) -> list[dict]:
    return [{"student": sub.student, "assignment": sub.assignment, "question": q.name, "max": q.points,
             "file": sub.file, "points": None if q.manual else 0.0,
             "status": "awaiting manual score" if q.manual else status} for q in qs]


def _checked_rows(sub: Submission, outcome, qs: list[Question]) -> list[dict]:
    """The run's rows, checked: one per question of the assignment, points within 0..max."""
    by_q = {}
    for r in getattr(outcome, "rows", []) or []:
        if isinstance(r, dict) and r.get("question") in {q.name for q in qs} and r["question"] not in by_q:
            by_q[r["question"]] = r
    rows = []
    for q in qs:
        r = by_q.get(q.name)
        if r is None:
            rows += _error_rows(sub, [q], "not graded: no result for this question")
            continue
        row = {"student": sub.student, "assignment": sub.assignment, "question": q.name, "max": q.points,
               "file": sub.file, "points": r.get("points"), "status": str(r.get("status") or "")}
        if q.manual:
            row.update(points=None, status="awaiting manual score")
        elif not isinstance(row["points"], (int, float)) or row["points"] != row["points"]:
            row.update(points=0.0, status=row["status"] or "not graded: no score")
        elif not 0 <= row["points"] <= q.points:
            row.update(points=min(max(float(row["points"]), 0.0), q.points), status=row["status"] + " (score capped)")
        rows.append(row)
    return rows


def grade_folder(folder: str | Path, out: str | Path, assignment: str | None = None, workers: int | None = None,
                 cell_timeout: float = 60.0, total_timeout: float = 900.0, sandbox: bool = True,
                 solutions: str | Path | None = None, test_timeout: float | None = None,
                 scheduler: str | None = None, cell_cpu: float | None = None) -> "pd.DataFrame":
    """Grade every submission in ``folder``; write ``out/gradebook.csv``, feedback and manual sheets.

    Parameters: ``folder`` the submissions (one sub-folder per student, ``<student>__<x>.ipynb`` or
    zips); ``out`` the output folder (must not be inside ``folder``); ``assignment`` grade only this
    one; ``workers`` submissions graded at once (default: all cores); ``cell_timeout``,
    ``total_timeout``, ``test_timeout`` and ``cell_cpu`` seconds (see :func:`.run._grade_one`); ``sandbox`` run each
    kernel in bubblewrap (False: students' code runs with your rights); ``solutions`` the
    instructor's private solutions folder (default: the repository's, whose hidden tests are public);
    ``scheduler`` a dask.distributed scheduler address (``tcp://HOST:8786``): each submission's notebook
    runs on one of its workers (:mod:`facecourse.classroom.cluster`; ``workers`` then defaults to the
    cluster's threads), everything else here, so the outputs are those of a local run.
    Returns the gradebook as a DataFrame (one row per student, assignment and question, and one per
    file that was not graded, with its status; ``flag`` warns about a name that may impersonate another). Raises ``GradingError`` for a missing folder, an
    unknown assignment, an output folder inside the submissions, or a sandbox that cannot start.

    Example: ``grade_folder("submissions", "grades", assignment="00_warmup", solutions="~/private/solutions")``.
    """
    import pandas as pd

    folder, out = Path(folder).resolve(), Path(out).resolve()
    if not folder.is_dir():
        raise GradingError(f"no submissions folder at {folder}")
    if out == folder or folder in out.parents:
        raise GradingError(f"the output folder {out} must not be inside the submissions folder {folder}")
    sol_dir = Path(solutions).expanduser().resolve() if solutions is not None else None
    if sol_dir is not None and not sol_dir.is_dir():
        raise GradingError(f"no solutions folder at {sol_dir}")
    known = {p.stem for p in (sol_dir.glob("*.ipynb") if sol_dir else solution_notebooks())}
    if assignment is not None and assignment not in known:
        raise GradingError(f"no assignment called {assignment!r}" + (f" in {sol_dir}" if sol_dir else ""))
    if scheduler is None:
        require_sandbox(sandbox)
        remote = None
    else:  # the workers check their own sandboxes; nothing runs students' code here
        from ..classroom.cluster import Cluster
        remote = Cluster(scheduler, sandbox)
    out.mkdir(parents=True, exist_ok=True)
    qs_cache: dict[str, list[Question]] = {}

    def qs_of(a: str) -> list[Question]:
        if a not in qs_cache:
            qs_cache[a] = questions_for(a, sol_dir)
        return qs_cache[a]

    with _temp_folder(out) as tmp, _warm_in(tmp), remote or nullcontext():
        subs = collect_submissions(folder, tmp / "collected", assignment, questions_of=qs_of, known=known)
        gradable = [s for s in subs if s.status is None]
        for a in sorted({s.assignment for s in gradable}):
            autograder_for(a, sol_dir)  # build once, before the parallel part

        def grade(sub: Submission):
            root = tmp / "runs" / sub.key
            root.mkdir(parents=True)
            try:
                return _grade_one(sub, root, [], cell_timeout, total_timeout, sandbox=sandbox, solutions=sol_dir,
                                  test_timeout=test_timeout, run=remote and remote.run, cell_cpu=cell_cpu)
            except Exception as exc:  # noqa: BLE001 - one submission never stops the class
                failed = Outcome(sub)
                why = f"grader error: {type(exc).__name__}: {exc}"[:300]
                failed.rows = _error_rows(sub, qs_of(sub.assignment), why)
                return failed

        earlier = set(_children())  # processes the caller had already started are never touched
        pool = ThreadPoolExecutor(max_workers=workers or (remote.slots if remote else os.cpu_count()) or 1)
        finished, futures = False, []
        try:
            for s in gradable:
                futures.append(pool.submit(grade, s))
            outcomes = [f.result() for f in futures]
            finished = True
        finally:
            if not finished:  # interrupted: end the running submissions before removing their folders
                pool.shutdown(wait=False, cancel_futures=True)
                if remote:
                    remote.stop()  # cancel the submissions on the cluster: their threads return at once
                # a worker may be just starting a submission's process: keep ending new children
                # until every worker has returned (otherwise the grader would wait for that submission)
                while not all(f.done() for f in futures):
                    _stop_children(earlier)
                    wait(futures, timeout=0.05)
            pool.shutdown(wait=True)
        # every worker has ended: only now are the outputs written
        rows, answers, notes = [], {}, {}
        for o in outcomes:
            sub = o.submission
            rows += _checked_rows(sub, o, qs_of(sub.assignment))
            notes.setdefault(sub.student, []).append((sub.assignment, list(getattr(o, "feedback", []) or [])))
            for qname, text in sub.manual_answers.items():
                answers.setdefault((sub.assignment, qname), []).append((sub.student, text))
        for s in subs:
            if s.status is not None:
                rows.append({"student": s.student, "assignment": s.assignment if s.assignment in known else "",
                             "question": "", "points": None, "max": None, "status": s.status, "file": s.file})
        merge_manual(out, answers, {a: qs_of(a) for a, _ in answers}, rows)
        flags = {s.student: s.flag for s in subs if s.flag}  # possible impersonation, on every row of the name
        for r in rows:
            r["flag"] = flags.get(r["student"], "")
        book = pd.DataFrame(rows, columns=COLUMNS)
        book = book.sort_values(["student", "assignment", "question", "file"], kind="stable").reset_index(drop=True)
        write_gradebook(out, book)
        write_feedback(out, book, notes)
    return book
