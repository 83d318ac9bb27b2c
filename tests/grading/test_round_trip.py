"""The autograder round trip: every assignment's full-marks reference and its blank exercise."""

from __future__ import annotations

import json

import pytest

from facecourse import grading

SOLUTIONS = grading.solution_notebooks()


# ---------------------------------------------------------------------------------------------
# The autograder round trip: every assignment's full-marks reference and its blank exercise, all
# in ONE grade_folder run with 2 workers (sandboxed, as instructors grade).
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def round_trip(tmp_path_factory):
    subs = tmp_path_factory.mktemp("roundtrip") / "subs"
    for sol in SOLUTIONS:
        for who, nb in (("ref", grading.reference_submission(sol.stem)),
                        ("blank", json.loads((grading.EXERCISES / sol.name).read_text(encoding="utf-8")))):
            (subs / f"{who}_{sol.stem}").mkdir(parents=True)
            (subs / f"{who}_{sol.stem}" / f"{sol.stem}.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    return grading.grade_folder(subs, subs.parent / "out", workers=2)


@pytest.mark.slow
@pytest.mark.parametrize("solution", SOLUTIONS, ids=lambda p: p.stem)
def test_autograder_gives_full_marks_to_the_solution_and_zero_to_the_blank_exercise(solution, round_trip):
    qs = [q for q in grading.questions(solution.stem) if not q.manual]
    ref = round_trip[round_trip["student"] == f"ref_{solution.stem}"].set_index("question")
    blank = round_trip[round_trip["student"] == f"blank_{solution.stem}"].set_index("question")
    assert qs
    for q in qs:
        assert (ref.loc[q.name, "points"], ref.loc[q.name, "status"]) == (q.points, "passed"), (q, ref.loc[q.name])
        assert blank.loc[q.name, "points"] == 0, (q, blank.loc[q.name])
