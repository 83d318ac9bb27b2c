"""Instructor grading end to end: a folder of realistic submissions in, the exact gradebook out.

The fixtures are built from the current warm-up exercise and its solution, so they never go
stale: correct, untouched, partly correct, syntax error, exception mid-notebook, infinite loop,
renamed file, duplicate files, another assignment, a cheating attempt, a zip, and a stray file.
"""

from __future__ import annotations

import copy
import json
import os
import time
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from facecourse import grading

A = "00_warmup"
CELL_TIMEOUT = 8


def _solution_answers() -> list[str]:
    """Code of each auto-graded answer cell, in order, from the full-marks reference submission."""
    nb = grading.reference_submission(A)
    return ["".join(c["source"]) for c in nb["cells"]
            if c["cell_type"] == "code" and "otter_assign_solution_cell" in c["metadata"].get("tags", [])]


def _exercise() -> dict:
    return json.loads((grading.EXERCISES / f"{A}.ipynb").read_text())


def _answer_cells(nb: dict) -> list[dict]:
    return [c for c in nb["cells"] if c["cell_type"] == "code" and "otter_answer_cell" in c["metadata"].get("tags", [])]


def _submission(answers: list[str], fill: dict[int, str | None], manual: str | None = None,
                after: dict[int, str] | None = None) -> dict:
    """The exercise with answer cell i replaced by fill[i] (None: the official answer)."""
    nb = copy.deepcopy(_exercise())
    cells = _answer_cells(nb)
    for i, src in fill.items():
        cells[i]["source"] = answers[i] if src is None else src
    for i, src in (after or {}).items():
        pos = nb["cells"].index(cells[i]) + 1
        nb["cells"].insert(pos, {"cell_type": "code", "execution_count": None, "id": f"extra-{i}",
                                 "metadata": {}, "outputs": [], "source": src})
    if manual is not None:
        md = [c for c in nb["cells"] if c["cell_type"] == "markdown" and "otter_answer_cell" in c["metadata"].get("tags", [])]
        md[0]["source"] = manual
    return nb


ALL = {0: None, 1: None, 2: None, 3: None}
CHEAT = """import glob, os
attempts = []
for action in (lambda: [open(p).read() for p in glob.glob(SOLUTIONS + '/*.ipynb')],
               lambda: open('/tmp/facecourse-cheat-marker', 'w').write('x') and open(
                   '/tmp/facecourse-cheat-marker').read() and open(SUBS + '/../cheat-marker', 'w').write('x'),
               lambda: open(SUBS + '/alice/00_warmup.ipynb', 'w').write('overwritten'),
               lambda: os.listdir(SUBS)):
    try:
        action()
        attempts.append('succeeded')
    except OSError:
        attempts.append('refused')
print(attempts)
"""


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("grading")
    answers = _solution_answers()
    subs = tmp / "submissions"
    subs.mkdir()

    def put(rel: str, nb: dict, mtime: float | None = None):
        p = subs / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(json.dumps(nb))
        if mtime:
            os.utime(p, (mtime, mtime))

    now = time.time()
    put("alice/00_warmup.ipynb", _submission(answers, ALL, manual="Because base rates multiply."))
    put("bob__00_warmup.ipynb", _exercise())
    put("carol__attempt.ipynb", _submission(answers, {0: None, 1: "def is_same_person(distance, threshold=0.6):\n"
                                                      "    return distance > threshold", 3: None}))
    put("dave__syntax.ipynb", _submission(answers, {0: None, 1: None, 2: "top5 = (\n", 3: None}))
    put("erin__crash.ipynb", _submission(answers, ALL, after={0: "raise RuntimeError('oops, mid-notebook')"}))
    put("frank__loop.ipynb", _submission(answers, {0: None, 1: "while True:\n    pass\n" + answers[1], 2: None, 3: None}))
    put("grace/my_renamed_copy.ipynb", _submission(answers, ALL))
    put("heidi/old.ipynb", _exercise(), mtime=now - 3600)
    put("heidi/new.ipynb", _submission(answers, ALL), mtime=now)
    put("ivan__other.ipynb", json.loads((grading.EXERCISES / "B1_detection.ipynb").read_text()))
    cheat = CHEAT.replace("SOLUTIONS", repr(str(grading.SOLUTIONS))).replace("SUBS", repr(str(subs)))
    put("judy__cheat.ipynb", _submission(answers, ALL, after={3: cheat}))
    with zipfile.ZipFile(subs / "kim__upload.zip", "w") as zf:
        zf.writestr("kim/00_warmup.ipynb", json.dumps(_submission(answers, ALL)))
        zf.writestr("../../escape.ipynb", json.dumps(_exercise()))  # must never be extracted outside
    (subs / "mallory__notes.txt").write_text("not a notebook")
    out = tmp / "out"
    book = grading.grade_folder(subs, out, assignment=A, workers=2, cell_timeout=CELL_TIMEOUT, total_timeout=300)
    return {"book": book, "out": out, "subs": subs}


def _points(book: pd.DataFrame) -> dict[str, list]:
    auto = book[book["question"].isin(["q1", "q2", "q3", "q4"])]
    return {s: [float(p) for p in part.sort_values("question")["points"]] for s, part in auto.groupby("student")}


def test_gradebook_is_exactly_what_the_fixtures_imply(graded):
    carol_q2 = _points(graded["book"])["carol"][1]
    assert 0 <= carol_q2 < 1
    assert _points(graded["book"]) == {
        "alice": [2, 1, 2, 1],
        "bob": [0, 0, 0, 0],  # untouched: zero, not an error
        "carol": [2, carol_q2, 0, 1],  # q2 wrong (some test cases pass by chance), q3 left blank
        "dave": [2, 1, 0, 1],  # syntax error in q3 only
        "erin": [2, 1, 2, 1],  # an exception mid-notebook does not stop grading
        "frank": [2, 0, 2, 1],  # infinite loop in q2: that cell is stopped, the rest graded
        "grace": [2, 1, 2, 1],  # renamed file, identified by its metadata
        "heidi": [2, 1, 2, 1],  # the newest of two files
        "judy": [2, 1, 2, 1],  # answers are right; the cheating attempts failed (sandbox)
        "kim": [2, 1, 2, 1],  # from a zip
    }


def test_every_file_appears_with_a_status(graded):
    book = graded["book"]
    files = set(book["file"])
    for p in graded["subs"].rglob("*"):
        if p.is_file() and p.suffix != ".zip":
            assert str(p.relative_to(graded["subs"])) in files
    assert "kim__upload.zip:kim/00_warmup.ipynb" in files
    assert "kim__upload.zip:../../escape.ipynb" in files  # listed, never extracted
    status = {f: s for f, s in zip(book["file"], book["status"]) if not isinstance(s, float)}
    assert status["heidi/old.ipynb"].startswith("duplicate: not graded (graded heidi/new.ipynb")
    assert status["ivan__other.ipynb"] == "wrong assignment: this is B1_detection, not 00_warmup"
    assert status["mallory__notes.txt"].startswith("not a notebook or zip")
    assert status["kim__upload.zip:../../escape.ipynb"] == "zip member skipped: unsafe path (../ or absolute), never extracted"
    assert not (graded["subs"].parent / "escape.ipynb").exists()
    manual = book[book["question"] == "q5"]
    assert set(manual["status"]) == {"awaiting manual score"} and manual["points"].isna().all()
    assert book.loc[book["question"] == "q1", "max"].eq(2).all()


def test_cheating_fails_and_leaves_no_trace(graded):
    book = graded["book"]
    judy = book[(book["student"] == "judy") & (book["question"] == "q1")]
    assert judy["status"].iloc[0] == "passed"
    assert not Path("/tmp/facecourse-cheat-marker").exists()
    assert not (graded["subs"].parent / "cheat-marker").exists()
    alice = json.loads((graded["subs"] / "alice" / "00_warmup.ipynb").read_text())  # not overwritten
    assert alice["metadata"]["otter"]["assignment_name"] == A
    hidden = "assert list(top5.index) =="  # a hidden test line must not reach any feedback
    for f in (graded["out"] / "feedback").glob("*.md"):
        assert hidden not in f.read_text()


def test_feedback_explains_failures(graded):
    out = graded["out"]
    assert sorted(p.stem for p in (out / "feedback").glob("*.md")) == sorted(set(graded["book"]["student"]))
    assert (out / "feedback" / "index.csv").read_text().startswith("student,file\n")
    frank = (out / "feedback" / "frank.md").read_text()
    assert f"time limit: it ran for more than {CELL_TIMEOUT} s of CPU time" in frank  # the looping cell, named
    carol = (out / "feedback" / "carol.md").read_text()
    assert "q2" in carol and "public tests failed" in carol
    bob = (out / "feedback" / "bob.md").read_text()
    assert "Automatic score so far: 0 / 6" in bob


def test_manual_answers_are_collected_and_scores_merge(graded, tmp_path):
    answers = (graded["out"] / "manual" / A / "q5_answers.md").read_text()
    assert "## alice" in answers and "Because base rates multiply." in answers
    assert "## bob" in answers and "(no answer)" in answers
    sheet = graded["out"] / "manual" / A / "q5_scores.csv"
    scores = pd.read_csv(sheet)
    assert set(scores["student"]) >= {"alice", "bob"} and scores["points"].isna().all()
    # the instructor scores alice; re-grading a folder with her notebook merges it
    solo = tmp_path / "solo"
    solo.mkdir()
    (solo / "alice").mkdir()
    (solo / "alice" / "a.ipynb").write_bytes((graded["subs"] / "alice" / "00_warmup.ipynb").read_bytes())
    out = tmp_path / "out"
    (out / "manual" / A).mkdir(parents=True)
    (out / "manual" / A / "q5_scores.csv").write_text("student,points,max,comment\nalice,1.5,2,good\n")
    book = grading.grade_folder(solo, out, assignment=A, workers=1, cell_timeout=CELL_TIMEOUT)
    q5 = book[book["question"] == "q5"].iloc[0]
    assert q5["points"] == 1.5 and q5["status"] == "manually scored"
    assert "alice,1.5,2,good" in (out / "manual" / A / "q5_scores.csv").read_text()


def test_bad_folder_and_unknown_assignment(tmp_path):
    with pytest.raises(grading.GradingError, match="no submissions folder"):
        grading.grade_folder(tmp_path / "missing", tmp_path / "out")
    with pytest.raises(grading.GradingError, match="no assignment called"):
        grading.grade_folder(tmp_path, tmp_path.parent / f"{tmp_path.name}-out", assignment="99_nope")

