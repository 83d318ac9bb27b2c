"""Given names that depend on when they were computed are read from the student's run.

A3's provided cell crawls the sandbox site twice; how many requests the careless crawler (which
never waits) sends within the site's rate window depends on the machine's load. The grader used to
check the student's counts against its own crawl, run at another moment: under load (7-11) the A3
reference lost 0.5-0.75 of q4's 3 points in 3 of 5 runs. The provided cell now names those values
(``# graded on the student's run: ...``) and the grader takes them from the kernel.
"""

from __future__ import annotations

import json

from facecourse import grading
from facecourse.grading.trusted import Exercise, own_run_names


def _code_cells(stem: str) -> list[str]:
    nb = json.loads((grading.EXERCISES / f"{stem}.ipynb").read_text(encoding="utf-8"))
    return ["".join(c["source"]) if isinstance(c["source"], list) else c["source"]
            for c in nb["cells"] if c["cell_type"] == "code"]


def test_the_comment_names_the_values():
    src = "log = 1\ncrawl = 2\n# graded on the student's run: log, crawl\n"
    assert own_run_names(src) == {"log", "crawl"}
    assert own_run_names("# graded on the student's run: log, 2x, , crawl  \n") == {"log", "crawl"}
    assert own_run_names("log = 1  # graded on the students run: log\n") == set()  # the exact words only


def test_declared_names_come_from_the_kernel_and_the_others_stay_given():
    ex = Exercise(questions={}, answers=set(), late=[])
    ex.run_given([(0, "site = 'a site'\nlog = [1, 2]\n# graded on the student's run: log\n")])
    assert "log" in ex.from_kernel and not ex.is_given("log")
    assert ex.is_given("site") and "site" not in ex.from_kernel


def test_a3_reads_both_crawls_from_the_students_run():
    declared = set().union(*(own_run_names(src) for src in _code_cells("A3_careless_vs_polite")))
    assert declared == {"polite", "polite_log", "careless", "careless_log"}
