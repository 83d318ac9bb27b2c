"""The autograder round trip: every assignment's full-marks reference, its blank exercise, and the
reference with a last cell of scratch work that reuses every built-in and common module name."""

from __future__ import annotations

import json
import re

import pytest

from facecourse import grading

SOLUTIONS = grading.solution_notebooks()
# Assignments whose submissions take longest to grade (measured with benchmarks/grading.py: the crawl
# of the sandbox site waits out its Crawl-delay, C4 embeds photos). They are queued first so that no
# long submission starts last while the other worker idles; a stale list only costs time, never a check.
SLOW_FIRST = ("D1_capstone_face_search", "A4_provenance_consent", "A3_careless_vs_polite", "C4_harms_policy", "B2_landmarks_alignment")
# Submissions graded at once. Part of a slow submission is waiting (crawl delays, Retry-After), so
# three kernels keep two cores busy; each kernel stays well under 1 GB.
WORKERS = 3


def _rank(stem: str) -> int:
    return SLOW_FIRST.index(stem) if stem in SLOW_FIRST else len(SLOW_FIRST)


def _folder(who: str, stem: str) -> str:
    """The student folder: grade_folder takes submissions in name order, so the rank leads the name."""
    return f"{_rank(stem)}_{who}_{stem}"


# ---------------------------------------------------------------------------------------------
# The autograder round trip: every assignment's full-marks reference and its blank exercise, all
# in ONE grade_folder run (sandboxed, as instructors grade), slowest assignments first.
# ---------------------------------------------------------------------------------------------


# An honest student's last cell: scratch values under every built-in name and the usual module names
# (what the exercises import, and the course modules they give). Issue 21 measured 0/6 for a notebook
# with one variable called `type`; the gradebook must not change at all.
MODULE_NAMES = ("np", "pd", "alt", "math", "json", "re", "os", "sys", "faiss", "face_recognition", "dlib",
                "widgets", "ipywidgets", "requests", "hashlib", "hmac", "time", "copy", "warnings", "Image",
                "Protego", "BeautifulSoup", "data", "precomputed", "metrics", "index", "crawler", "sandbox",
                "collect", "portal", "facts", "clients", "explore", "faces", "Gallery", "Ledger", "otter", "grader")
SCRATCH = ("import builtins as _scratch_builtins\n_scratch = globals()\n"
           "for _name in dir(_scratch_builtins):\n"
           "    if _name != '__debug__':\n"
           "        _scratch[_name] = [1, 2, 3]\n"
           + "".join(f"{m} = 'scratch'\n" for m in MODULE_NAMES))


def _with_scratch(nb: dict) -> dict:
    """``nb`` with the scratch cell last; a module name that is one of the notebook's own answers (D1's
    `faces`) is left alone (rebinding an answer after the last answer is changing it)."""
    nb = json.loads(json.dumps(nb))
    code = "\n".join(_source(c) for c in nb["cells"] if c.get("cell_type") == "code")
    mine = {m for m in MODULE_NAMES if re.search(rf"^{re.escape(m)}\s*(,[^=\n]*)?=[^=]", code, re.M)}
    scratch = SCRATCH
    for m in mine - {"grader"}:
        scratch = scratch.replace(f"{m} = 'scratch'\n", "")
    nb["cells"].append({"cell_type": "code", "execution_count": None, "id": "scratch-names", "metadata": {},
                        "outputs": [], "source": scratch})
    return nb


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


@pytest.fixture(scope="module")
def round_trip(tmp_path_factory):
    subs = tmp_path_factory.mktemp("roundtrip") / "subs"
    for sol in SOLUTIONS:
        ref = grading.reference_submission(sol.stem)
        for who, nb in (("ref", ref), ("names", _with_scratch(ref)),
                        ("blank", json.loads((grading.EXERCISES / sol.name).read_text(encoding="utf-8")))):
            (subs / _folder(who, sol.stem)).mkdir(parents=True)
            (subs / _folder(who, sol.stem) / f"{sol.stem}.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    return grading.grade_folder(subs, subs.parent / "out", workers=WORKERS)


@pytest.mark.slow
@pytest.mark.parametrize("solution", SOLUTIONS, ids=lambda p: p.stem)
def test_autograder_gives_full_marks_to_the_solution_and_zero_to_the_blank_exercise(solution, round_trip):
    qs = [q for q in grading.questions(solution.stem) if not q.manual]
    ref = round_trip[round_trip["student"] == _folder("ref", solution.stem)].set_index("question")
    blank = round_trip[round_trip["student"] == _folder("blank", solution.stem)].set_index("question")
    assert qs
    names = round_trip[round_trip["student"] == _folder("names", solution.stem)].set_index("question")
    for q in qs:
        assert (ref.loc[q.name, "points"], ref.loc[q.name, "status"]) == (q.points, "passed"), (q, ref.loc[q.name])
        assert blank.loc[q.name, "points"] == 0, (q, blank.loc[q.name])
    # honest names cost nothing: the same gradebook, row for row
    assert names[["points", "status"]].equals(ref[["points", "status"]]), names[["points", "status"]]
