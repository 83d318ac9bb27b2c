"""Grading a folder of submissions, on top of otter-grader's engine.

``grade_folder`` collects every file (:mod:`.collect`), runs each gradable notebook in its own
worker (:mod:`.run`, :mod:`.worker`, :mod:`.guard`) and writes the gradebook, feedback and
manual-scoring sheets (:mod:`.report`). Exercise generation lives in
:mod:`facecourse.authoring.exercises` (re-exported here for older callers).

Example::

    python3 course.py grade submissions/ --out grades/
"""

from __future__ import annotations

import os
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from ..authoring.exercises import (AUTOGRADERS, EXERCISES, SOLUTIONS, ExerciseError, Question,  # noqa: F401
                                   autograder_zip, check_exercises, generate_exercises, questions,
                                   reference_submission, solution_notebooks)
from .collect import Submission, collect_submissions  # noqa: F401
from .report import _merge_manual, _write_feedback
from .run import Outcome, _grade_one  # noqa: F401

# one error type for the instructor: an unknown assignment or a grading failure
GradingError = ExerciseError


def grade_folder(folder: str | Path, out: str | Path, assignment: str | None = None, workers: int | None = None,
                 cell_timeout: float = 60.0, total_timeout: float = 900.0) -> "pd.DataFrame":
    """Grade every submission in ``folder``; write ``out/gradebook.csv``, feedback and manual sheets."""
    import pandas as pd

    folder, out = Path(folder).resolve(), Path(out).resolve()
    if not folder.is_dir():
        raise GradingError(f"no submissions folder at {folder}")
    if assignment is not None:
        autograder_zip(assignment)  # a clear error for an unknown assignment name
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="facecourse-grade-") as tmp:
        tmp = Path(tmp)
        subs = collect_submissions(folder, tmp, assignment)
        gradable = [s for s in subs if s.status is None]
        for a in sorted({s.assignment for s in gradable}):
            autograder_zip(a)  # build once, before the parallel part
        private = [str(SOLUTIONS), str(AUTOGRADERS.parent), str(folder), str(out), str(tmp / "stage")]
        with ThreadPoolExecutor(max_workers=workers or os.cpu_count() or 1) as pool:
            outcomes = list(pool.map(lambda s: _grade_one(s, tmp, private, cell_timeout, total_timeout), gradable))
    rows = [r for o in outcomes for r in o.rows]
    for s in subs:
        if s.status is not None:
            rows.append({"student": s.student, "assignment": s.assignment or "", "question": "", "points": None,
                         "max": None, "status": s.status, "file": s.file})
    _merge_manual(out, outcomes, rows)
    book = pd.DataFrame(rows, columns=["student", "assignment", "question", "points", "max", "status", "file"])
    book = book.sort_values(["student", "assignment", "question", "file"], kind="stable").reset_index(drop=True)
    book.to_csv(out / "gradebook.csv", index=False)
    _write_feedback(out, book, outcomes)
    return book
