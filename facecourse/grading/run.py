"""Running one submission: the tests decided in a trusted process, the student's code in a sandbox.

Design (issues 13 and 21): three kinds of process, two sides of a boundary.

* The student's code runs ONLY in an IPython kernel inside bubblewrap (:mod:`.sandbox`): no network,
  own PID namespace and session, an unprivileged uid, read-only course/environment/data, a tmpfs
  holding only its own notebook, memory/process/file-size/CPU limits, killed as a whole at the wall
  clock. Hidden tests, solutions, other submissions and the gradebook are not in its file system,
  and no test ever runs in it: the kernel only runs the student's cells and answers the grader's
  requests for values and calls (:mod:`.agent`).
* A warm process per assignment (:mod:`.trusted`, outside the sandbox) holds the exercise's tests
  and the values of its provided cells, computed once; for each submission it forks a child that
  drives the student's kernel (:mod:`.worker`) and decides every test case itself, on the student's
  answers fetched by value (:mod:`.wire`). No pickle is read, no otter log socket, no results file
  anywhere the kernel can write. A crash or an ignored interrupt kills the sandbox; a fresh one
  replays the finished cells and grading goes on.
* The grader (this module) starts the warm processes, hands each submission to one and computes
  the rows of the gradebook from the child's JSON results.

Interface for :func:`facecourse.grading.grade_folder` (collect/report side)::

    _grade_one(sub, work_root, private, cell_timeout, total_timeout,
               sandbox=True, solutions=None, test_timeout=None, cell_cpu=None) -> Outcome

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
* ``test_timeout``: seconds the student's code may run within one test case (default
  ``min(cell_timeout, 30)``).
* ``cell_cpu``: CPU seconds one cell may use (default ``min(cell_timeout, 30)``): a cell may wait
  (a crawl's delays, a slow site) up to ``cell_timeout`` but compute only this long, so a loop stops
  sooner while a polite crawl keeps its time.
* ``work_root`` and ``private`` are no longer used: nothing of the run touches the disk (the
  kernel's folder is a tmpfs inside the sandbox; the job and results travel through sockets).
  ``stop_warm()`` ends the warm processes (``grade_folder`` does at its end).

Scores are capped at each question's maximum and only questions of the autograder that match the
assignment's question list are scored.
"""

from __future__ import annotations

import atexit
import base64
import hashlib
import json
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path


from ..authoring.exercises import (EXERCISES, SOLUTIONS, ExerciseError, Question, _text, assign, autograder_zip,
                                   questions, solution_blocks)
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
                "solution_sources": solution_blocks(json.loads(sol.read_text(encoding="utf-8")))})
        return _built[key]


def label_of(sub: Submission) -> str:
    """A short id of the submission, set as FACECOURSE_SUBMISSION in its kernel's environment."""
    return hashlib.sha256(f"{sub.student}\0{sub.file}".encode()).hexdigest()[:16]


def _status_of(pts: float, mx: float) -> str:
    return "passed" if pts >= mx else ("partial" if pts > 0 else "failed")


_warm: dict[str, object] = {}
_warm_locks: dict[str, threading.Lock] = {}
#: where warm processes keep their private folders (grade_folder points it at its own temp folder)
TEMP_ROOT: str | None = None


def _warm_process(key: str, exercise: dict):
    """The warm process (:class:`.trusted.Warm`) of one exercise (``key``: a digest of ``exercise``), started
    on first use; one at a time per exercise, other threads wait for it."""
    from .trusted import Warm

    with _lock:
        lock = _warm_locks.setdefault(key, threading.Lock())
    with lock:
        w = _warm.get(key)
        if w is None or not w.alive():
            w = Warm({**exercise, "temp_dir": TEMP_ROOT})
            _warm[key] = w
        return w


def warm_for(assignment: str, solutions: str | Path | None = None):
    """The warm process of ``assignment`` (started now if needed; benchmarks time it on its own)."""
    exercise = exercise_job(assignment, solutions)
    return _warm_process(hashlib.sha256(json.dumps(exercise, sort_keys=True).encode()).hexdigest(), exercise)


def stop_warm() -> None:
    """End every warm process of this grader (their grading children end with them)."""
    with _lock:
        warm = list(_warm.values())
        _warm.clear()
    for w in warm:
        w.close()


atexit.register(stop_warm)


#: seconds: the default of a test case's time and of a cell's CPU time, each capped at the cell timeout
DEFAULT_CAP = 30.0


def _grade_one(sub: Submission, work_root: Path | None = None, private: list[str] | None = None,
               cell_timeout: float = 60.0, total_timeout: float = 900.0, sandbox: bool = True,
               solutions: str | Path | None = None, test_timeout: float | None = None, run=None,
               cell_cpu: float | None = None) -> Outcome:
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
        job = {"notebook_b64": base64.b64encode(Path(sub.notebook).read_bytes()).decode(),
               "notebook_name": f"{sub.assignment}.ipynb", "cell_timeout": float(cell_timeout),
               "cell_cpu": float(cell_cpu or min(cell_timeout, DEFAULT_CAP)),
               "test_timeout": float(test_timeout or min(cell_timeout, DEFAULT_CAP)), "total_timeout": float(total_timeout),
               "sandbox": bool(sandbox), "label": label_of(sub), "limits": {"cpu_seconds": int(total_timeout) + 60}}
        job.update(exercise_job(sub.assignment, solutions))  # self-contained: a cluster worker needs it all
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
                outcome.feedback.append(f"**{q.name}** ({pts:g}/{q.points:g}): " + _feedback(s))
        outcome.rows.append(row)
    if results.get("errors"):
        outcome.feedback.append("Errors while running your notebook (first 5):\n" +
                                "\n".join(f"- `{e[:300]}`".replace("\n", " ") for e in results["errors"][:5]))
    if results.get("failure") and status is None:
        outcome.feedback.append(f"The grader had to stop early: {results['failure']}")
    if status:
        outcome.feedback.append(f"Status: {status}")
    return outcome


def _feedback(s: dict) -> str:
    """What a student reads about one question that lost points (public sentences; hidden: pass/fail only)."""
    summary = str(s.get("public_summary", "")).strip()[:2500].replace("```", "'''")
    if s.get("unanswered"):
        return summary.splitlines()[0] if summary else "not answered yet."
    if not s.get("public_passed"):
        return "public checks failed:\n\n```\n" + summary + "\n```"
    limit = str(s.get("time_limit") or "")
    if limit:
        return (f"a check was stopped at its time limit ({limit.split(': ', 1)[-1][:200]}): make your code "
                "faster, or make sure it finishes for every input.")
    return "public checks passed; hidden checks failed, so check your answer in general, not only for the shown case."


def exercise_job(assignment: str, solutions: str | Path | None = None) -> dict:
    """What the trusted side needs to know of an assignment: its autograder (tests, hidden ones too) and
    the code cells of its blank exercise and of its solution blocks (see :func:`autograder_for`)."""
    zip_bytes, reference = autograder_for(assignment, solutions)
    return {"autograder_b64": base64.b64encode(zip_bytes).decode(), **reference}


EXERCISE_KEYS = ("autograder_b64", "reference_sources", "reference_answer", "solution_sources")


def _run_worker(job: dict, total_timeout: float) -> tuple[str | None, dict]:
    """Grade ``job`` (a submission and its exercise) in a child of the exercise's warm process (started on
    first use, one per exercise and grader process, here or on a cluster worker); (status or None, results).

    The child keeps the submission's own time limit (which waits out time its sandbox spent waiting for
    a CPU); ``3 * total_timeout + 120`` s is only the backstop for a child that hangs (then killed).
    """
    exercise = {k: job[k] for k in EXERCISE_KEYS if k in job}
    key = hashlib.sha256(json.dumps(exercise, sort_keys=True).encode()).hexdigest()
    try:
        warm = _warm_process(key, exercise)
    except (RuntimeError, OSError) as exc:
        return f"grader error: {exc}", {}
    status, results = warm.run({k: v for k, v in job.items() if k not in EXERCISE_KEYS}, 3 * total_timeout + 120)
    if status is None and results.get("failure") and not results.get("questions"):
        return f"grader error: {results['failure'][:300]}", results
    return status, results
