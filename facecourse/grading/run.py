"""Running one submission: a trusted worker process drives the student's kernel in a sandbox.

Design (issue 13): three processes, two sides of a boundary.

* The student's code runs ONLY in an IPython kernel inside bubblewrap (:mod:`.sandbox`): no network,
  own PID namespace and session, an unprivileged uid, read-only course/environment/data, a tmpfs
  holding only its own notebook, memory/process/file-size/CPU limits, killed as a whole at the wall
  clock. Hidden tests, solutions, other submissions and the gradebook are not in its file system.
* The worker (:mod:`.worker`, outside the sandbox, dies with the grader) talks to the kernel over
  ZMQ ``ipc`` sockets, runs the student's cells one by one with a time limit, and only then sends
  the tests, one case per request with its own time limit: public cases first (their messages are
  the feedback), hidden cases last (pass/fail only, so their text never comes back). It decides
  each result from the kernel's execute replies and computes scores itself; no pickle, no otter
  log socket, no results file anywhere the kernel can write. A crash or an ignored interrupt
  kills the sandbox; a fresh one replays the finished cells and grading goes on.
* In the kernel, the grader's prelude (:mod:`.guard`) snapshots the interpreter before the
  student's code and restores it before the tests, and every comparison and assert of a test
  refuses objects of classes the notebook defined: patched doctest/otter/numpy.testing/builtins,
  IPython hooks, shadowed module names and always-true objects cannot turn a failure into a pass.
  Residual risk, documented in :mod:`.guard`: code written to attack that harness itself inside its
  own kernel could still fake its own result; the sandbox keeps that from touching anyone else.

Interface for :func:`facecourse.grading.grade_folder` (collect/report side)::

    _grade_one(sub, work_root, private, cell_timeout, total_timeout,
               sandbox=True, solutions=None, test_timeout=None) -> Outcome

* ``sandbox`` (default True): run the kernel in bubblewrap (:mod:`.sandbox`). Call
  ``require_sandbox(sandbox)`` ONCE before grading: it raises ``ExerciseError`` with what to install
  when bwrap cannot start, unless ``sandbox=False`` (the CLI's ``--no-sandbox``: "I accept that
  students' code runs with my rights"). ``_grade_one`` also refuses per submission.
* ``solutions``: the instructor's PRIVATE solutions folder holding ``<assignment>.ipynb`` master
  notebooks (CLI: ``course.py grade SUBS --solutions /private/solutions``). ``None`` means the
  repository's ``solutions/``, whose hidden tests are public: ``solutions_note(None)`` is the line
  to print then. Use ``questions_for(assignment, solutions)`` for the question list (not
  ``exercises.questions``, which reads the repository) and ``autograder_for(assignment, solutions)``
  to build the autograder once before the parallel part.
* ``test_timeout``: seconds one test case may run (default ``min(cell_timeout, 30)``).
* ``work_root`` and ``private`` are no longer used: nothing of the run touches the disk (the
  kernel's folder is a tmpfs inside the sandbox; the job and results travel through pipes).

The worker (:mod:`.worker`) prints its results as JSON on its stdout; nothing is unpickled and
nothing is read from a place the kernel can write. Scores are capped at each question's maximum
and only questions of the autograder that match the assignment's question list are scored.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path


from ..authoring.exercises import (EXERCISES, SOLUTIONS, ExerciseError, Question, assign, autograder_zip,
                                   questions)
from .collect import Submission
from .sandbox import problem as sandbox_problem


@dataclass
class Outcome:
    submission: Submission
    rows: list[dict] = field(default_factory=list)
    feedback: list[str] = field(default_factory=list)
    manual_answers: dict[str, str] = field(default_factory=dict)


def require_sandbox(sandbox: bool = True) -> None:
    """Raise ``ExerciseError`` saying what to install if the sandbox is wanted and cannot start."""
    if sandbox:
        why = sandbox_problem()
        if why:
            raise ExerciseError(why)


def solutions_note(solutions: str | Path | None) -> str | None:
    """The line to print when grading with the repository's public solutions (hidden tests are public)."""
    if solutions is None:
        return (f"note: grading with the repository's {SOLUTIONS}: its hidden tests are public. For grading "
                "for credit keep a private copy of the solutions and pass --solutions /path/to/private/solutions")
    return None


def _solution(assignment: str, solutions: str | Path | None) -> Path:
    folder = Path(solutions).resolve() if solutions is not None else SOLUTIONS
    path = folder / f"{assignment}.ipynb"
    if not path.is_file():
        raise ExerciseError(f"no solution notebook for {assignment!r} in {folder}")
    return path


def questions_for(assignment: str, solutions: str | Path | None = None) -> list[Question]:
    """The questions of ``assignment`` as declared in the chosen solutions folder."""
    if solutions is None:
        return questions(assignment)
    return questions(assignment, _solution(assignment, solutions).parent)


_built: dict[tuple, tuple[bytes, dict]] = {}
_lock = threading.Lock()


def autograder_for(assignment: str, solutions: str | Path | None = None) -> tuple[bytes, dict]:
    """(autograder zip bytes, the exercise for the worker) for ``assignment``; built once per run.

    The second item holds ``reference_sources`` (code cells of the blank exercise),
    ``reference_answer`` (which of them are answer cells) and ``solution_sources`` (the code cells
    of the master's solution blocks): the worker runs the exercise's provided cells itself and
    tells answer names from provided ones (:func:`.worker.provided_plan`).

    With a private ``solutions`` folder the autograder is built in a temp folder that is removed at
    once (the bytes stay in memory): the hidden tests never sit on disk outside that folder.
    """
    sol = _solution(assignment, solutions)
    key = (str(sol), sol.stat().st_mtime)
    with _lock:
        if key not in _built:
            if solutions is None:
                zip_bytes = autograder_zip(assignment).read_bytes()
                student = json.loads((EXERCISES / sol.name).read_text(encoding="utf-8"))
            else:
                with tempfile.TemporaryDirectory(prefix="facecourse-autograder-") as tmp:
                    student, zip_path = assign(sol, Path(tmp), run_tests=False)
                    zip_bytes = zip_path.read_bytes()
            code = [c for c in student.get("cells", []) if c.get("cell_type") == "code"]
            _built[key] = (zip_bytes, {
                "reference_sources": [_text(c.get("source", "")) for c in code],
                "reference_answer": ["otter_answer_cell" in c.get("metadata", {}).get("tags", []) for c in code],
                "solution_sources": _solution_blocks(json.loads(sol.read_text(encoding="utf-8")))})
        return _built[key]


def _text(source) -> str:
    return "".join(source) if isinstance(source, list) else source


def _solution_blocks(master: dict) -> list[str]:
    """Code cells between ``# BEGIN SOLUTION`` and ``# END SOLUTION`` raw cells of a master notebook."""
    out, inside = [], False
    for c in master.get("cells", []):
        text = _text(c.get("source", "")).strip()
        if c.get("cell_type") == "raw" and text.startswith("# BEGIN SOLUTION"):
            inside = True
        elif c.get("cell_type") == "raw" and text.startswith("# END SOLUTION"):
            inside = False
        elif inside and c.get("cell_type") == "code":
            out.append(_text(c.get("source", "")))
    return out


def label_of(sub: Submission) -> str:
    """A short id of the submission, set as FACECOURSE_SUBMISSION in its kernel's environment."""
    return hashlib.sha256(f"{sub.student}\0{sub.file}".encode()).hexdigest()[:16]


def _status_of(pts: float, mx: float) -> str:
    return "passed" if pts >= mx else ("partial" if pts > 0 else "failed")


def _grade_one(sub: Submission, work_root: Path | None = None, private: list[str] | None = None,
               cell_timeout: float = 60.0, total_timeout: float = 900.0, sandbox: bool = True,
               solutions: str | Path | None = None, test_timeout: float | None = None, run=None) -> Outcome:
    """Grade one collected submission; one row per question of its assignment.

    ``run`` replaces :func:`_run_worker` (same signature): the cluster's runner
    (:class:`facecourse.classroom.cluster.Cluster`) grades the job on a worker, which checks its own sandbox.
    """
    outcome = Outcome(sub)
    qs = questions_for(sub.assignment, solutions)
    status, results = None, {}
    if sandbox and run is None and sandbox_problem():
        status = "not graded: " + sandbox_problem()
    else:
        zip_bytes, reference = autograder_for(sub.assignment, solutions)
        job = {"notebook_b64": base64.b64encode(Path(sub.notebook).read_bytes()).decode(),
               "notebook_name": f"{sub.assignment}.ipynb", "autograder_b64": base64.b64encode(zip_bytes).decode(),
               **reference, "cell_timeout": float(cell_timeout),
               "test_timeout": float(test_timeout or min(cell_timeout, 30.0)), "total_timeout": float(total_timeout),
               "sandbox": bool(sandbox), "label": label_of(sub), "limits": {"cpu_seconds": int(total_timeout) + 60}}
        status, results = (run or _run_worker)(job, total_timeout)
    scored = results.get("questions", {})
    auto = {q.name for q in qs if not q.manual}
    if status is None and set(scored) != auto:
        status = (f"grader error: the autograder's questions ({', '.join(sorted(scored))}) differ from the "
                  f"assignment's ({', '.join(sorted(auto))})")
    for q in qs:
        row = {"student": sub.student, "assignment": sub.assignment, "question": q.name, "max": q.points,
               "file": sub.file}
        if q.manual:
            row.update(points=None, status="awaiting manual score")
        elif status is not None:
            row.update(points=0.0, status=status)
        else:
            s = scored[q.name]
            pts = round(min(max(float(s["score"]), 0.0), q.points), 4)
            row.update(points=pts, status=_status_of(pts, q.points))
            if pts < q.points:
                limit = str(s.get("time_limit") or "")
                outcome.feedback.append(f"**{q.name}** ({pts:g}/{q.points:g}): " + (
                    f"a test was stopped at its time limit ({limit.split(': ', 1)[-1][:200]}): make your code "
                    "faster, or make sure it finishes for every input." if limit and s["public_passed"] else
                    "public tests passed; hidden tests failed, so check your answer in general, not only for the "
                    "shown case." if s["public_passed"] else "public tests failed:\n\n```\n"
                    + s["public_summary"].strip()[:1500].replace("```", "'''") + "\n```"))
        outcome.rows.append(row)
    if results.get("errors"):
        outcome.feedback.append("Errors while running your notebook (first 5):\n" +
                                "\n".join(f"- `{e[:300]}`".replace("\n", " ") for e in results["errors"][:5]))
    if results.get("failure") and status is None:
        outcome.feedback.append(f"The grader had to stop early: {results['failure']}")
    if status:
        outcome.feedback.append(f"Status: {status}")
    return outcome


def _run_worker(job: dict, total_timeout: float) -> tuple[str | None, dict]:
    """Run the worker; (status or None, results). The worker's whole process group dies on timeout."""
    env = {k: v for k, v in os.environ.items() if k != "JPY_PARENT_PID"}
    try:
        proc = subprocess.Popen([sys.executable, "-m", "facecourse.grading.worker"], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True, env=env)
    except OSError as exc:
        return f"grader error: {exc}", {}
    try:
        # the worker keeps the submission's own time limit (which waits out time its sandbox spent
        # waiting for a CPU); this is only the backstop for a worker that hangs
        out, err = proc.communicate(json.dumps(job).encode(), timeout=3 * total_timeout + 120)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        return f"timed out: grading took more than {3 * total_timeout:.0f} s", {}
    finally:
        _kill_group(proc)
    lines = out.decode(errors="replace").strip().splitlines()
    try:
        results = json.loads(lines[-1])
    except (IndexError, json.JSONDecodeError):
        tail = " | ".join(err.decode(errors="replace").strip().splitlines()[-3:])
        return f"grader error: no results ({tail[:300]})", {}
    if results.get("failure") and not results.get("questions"):
        return f"grader error: {results['failure'][:300]}", results
    return None, results


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except OSError:
        pass
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        pass
