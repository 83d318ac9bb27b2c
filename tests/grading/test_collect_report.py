"""Collection and output safety without running any kernel (fast): issue 13, items 4 and 5.

The kernel side is replaced by a stub ``_grade_one`` where a test needs a grading run; the
end-to-end hostile class, sandboxed, is in ``test_hostile_submissions.py``.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from facecourse import grading
from facecourse.grading import collect, report

A = "00_warmup"
EXERCISE = json.loads((grading.EXERCISES / f"{A}.ipynb").read_text(encoding="utf-8"))


@pytest.mark.parametrize("data, status", [
    (b"[]", "malformed notebook: the file is a JSON list, not a notebook"),
    (b'"x"', "malformed notebook: the file is a JSON string, not a notebook"),
    (b"{", "unreadable notebook (not valid JSON)"),
    (b"\xff\xfe", "unreadable notebook (not UTF-8 text)"),
    (b"[" * 100000 + b"]" * 100000, "unreadable notebook (not valid JSON)"),  # deep nesting: no RecursionError
    (json.dumps({"nbformat": 4, "metadata": {"otter": {"assignment_name": ["x"]}}, "cells": []}).encode(),
     "malformed notebook: the assignment name is a JSON list, not text"),
    (json.dumps({"nbformat": 4, "metadata": {}, "cells": [{"cell_type": "markdown", "source": 7}]}).encode(),
     "malformed notebook: cell 1 (markdown) has a source that is not text"),
    (json.dumps({"nbformat": 4, "metadata": {}, "cells": {}}).encode(), "malformed notebook: it has no list of cells"),
    (json.dumps({"nbformat": 3, "metadata": {}, "cells": []}).encode(), "malformed notebook: nbformat is 3, not 4"),
])
def test_malformed_notebooks_get_a_status(data, status):
    with pytest.raises(collect.Malformed) as err:
        collect.parse_notebook(data)
    assert str(err.value) == status


def test_the_real_exercise_parses():
    nb, name = collect.parse_notebook(json.dumps(EXERCISE).encode())
    assert name == A and nb["cells"]


def test_written_answers_follow_the_end_markers_even_without_a_begin_marker():
    manual = [q for q in grading.questions(A) if q.manual]
    nb = json.loads(json.dumps(EXERCISE))
    answer = next(c for c in nb["cells"] if c["cell_type"] == "markdown"
                  and "otter_answer_cell" in c["metadata"].get("tags", []))
    answer["source"] = "Base rates.\n<!-- END QUESTION -->"  # a student's fake marker changes nothing
    for c in nb["cells"]:  # as in B3: the prompt cell lost its BEGIN marker
        if isinstance(c["source"], str):
            c["source"] = c["source"].replace("<!-- BEGIN QUESTION -->", "")
        else:
            c["source"] = [s.replace("<!-- BEGIN QUESTION -->", "") for s in c["source"]]
    assert collect.written_answers(nb, manual) == {manual[0].name: "Base rates.\n<!-- END QUESTION -->"}
    blank = collect.written_answers(EXERCISE, manual)
    assert blank == {manual[0].name: "(no answer)"}


def test_b3_written_answer_is_collected():
    manual = [q for q in grading.questions("B3_embeddings") if q.manual]
    nb = json.loads((grading.EXERCISES / "B3_embeddings.ipynb").read_text(encoding="utf-8"))
    cell = next(c for c in nb["cells"] if c["cell_type"] == "markdown"
                and "otter_answer_cell" in c["metadata"].get("tags", []))
    cell["source"] = "FMR falls, FNMR rises."
    assert manual and collect.written_answers(nb, manual) == {manual[0].name: "FMR falls, FNMR rises."}


@pytest.mark.parametrize("cell, written", [
    ("=1+1", "'=1+1"), ("+SUM(1,2)", "'+SUM(1,2)"), ("-2+3", "'-2+3"), ("@cmd", "'@cmd"), ("\tx", "\\tx"),
    ("\rx", "\\rx"), ("'quoted", "''quoted"), ("alice", "alice"), ("a\nb", "a\\nb"), (2.0, 2.0),
])
def test_csv_cells_are_neutralised_and_round_trip(cell, written):
    assert report.csv_cell(cell) == written
    if isinstance(cell, str) and not any(ch in cell for ch in "\t\r\n"):
        assert report.csv_uncell(written) == cell


def test_markdown_fence_and_escape():
    text = "a ```` b\n## alice\n<script>"
    fenced = report.md_fence(text)
    assert fenced.startswith("`````text\n") and fenced.endswith("\n`````")
    assert report.md_escape("## <b>x</b> | [a](b)\nnext") == r"\#\# \<b\>x\<\/b\> \| \[a\]\(b\)\\nnext"


def test_feedback_names_never_collide():
    names = report.feedback_names(["inj ann smith", "inj_ann_smith", "Inj_Ann_Smith", "alice", "-2+3", "..", "a/b"])
    assert len(set(n.casefold() for n in names.values())) == len(names)
    assert names["alice"] == "alice" and names["inj ann smith"].startswith("inj_ann_smith-")
    assert all(not n.startswith(("-", ".")) and "/" not in n for n in names.values())


def _folder(tmp_path: Path) -> Path:
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "ann smith__a.ipynb").write_text(json.dumps(EXERCISE))
    (subs / "ann_smith__a.ipynb").write_text(json.dumps(EXERCISE))
    (subs / "bob").mkdir()
    (subs / "bob" / "x.ipynb").write_text(json.dumps(EXERCISE))
    (subs / "link__a.ipynb").symlink_to(subs / "bob" / "x.ipynb")
    (subs / "bob" / ".ipynb_checkpoints").mkdir()
    with zipfile.ZipFile(subs / "zed__up.zip", "w") as zf:
        zf.writestr("zed/a.ipynb", json.dumps(EXERCISE))
        zf.writestr("other/a.ipynb", json.dumps(EXERCISE))  # the same base name: both listed, one graded
        zf.writestr("../up.ipynb", "{}")
    return subs


def test_collection_copies_read_only_with_unique_keys(tmp_path):
    subs = _folder(tmp_path)
    before = {p: p.read_bytes() for p in subs.rglob("*") if p.is_file() and not p.is_symlink()}
    found = collect.collect_submissions(subs, tmp_path / "stage", A)
    status = {s.file: s.status for s in found}
    assert status == {
        "ann smith__a.ipynb": None, "ann_smith__a.ipynb": None, "bob/.ipynb_checkpoints/": "hidden folder: ignored",
        "bob/x.ipynb": None, "link__a.ipynb": "symbolic link: not followed, not graded",
        "zed__up.zip": "zip unpacked: its notebooks are listed as zip:member",
        "zed__up.zip:zed/a.ipynb": status["zed__up.zip:zed/a.ipynb"],
        "zed__up.zip:other/a.ipynb": status["zed__up.zip:other/a.ipynb"],
        "zed__up.zip:../up.ipynb": "zip member skipped: unsafe path (../ or absolute), never extracted"}
    assert sorted([status["zed__up.zip:zed/a.ipynb"] or "", status["zed__up.zip:other/a.ipynb"] or ""])[0] == ""
    graded = [s for s in found if s.status is None]
    assert len({s.key for s in found}) == len(found)
    for s in graded:
        assert s.notebook.is_file() and tmp_path / "stage" in s.notebook.parents
        assert oct(s.notebook.stat().st_mode & 0o777) == "0o444"
    assert {p: p.read_bytes() for p in subs.rglob("*") if p.is_file() and not p.is_symlink()} == before
    assert not (tmp_path / "up.ipynb").exists()


STUB = """
import ctypes, signal, subprocess, sys, time
from pathlib import Path
from facecourse import grading

# Ctrl-C as in a terminal: a shell's background job (some CI runners) starts with SIGINT ignored,
# which Python keeps ignoring, and the SIGINT case would then test nothing
signal.signal(signal.SIGINT, signal.default_int_handler)

def slow(sub, *a, **k):  # stands for a submission being graded: a child process that takes a while
    Path(sys.argv[3]).write_text("started")
    time.sleep(float(sys.argv[4]))  # > 0: the grader is interrupted before the child process exists
    subprocess.run(["sleep", "120"], start_new_session=True,
                   preexec_fn=lambda: ctypes.CDLL(None).prctl(1, signal.SIGKILL))  # dies with the grader
    raise AssertionError("the grader was interrupted: not reached")

grading._grade_one = slow
grading.grade_folder(sys.argv[1], sys.argv[2], assignment="00_warmup", workers=1, sandbox=False)
"""


@pytest.mark.parametrize("sig, delay", [(signal.SIGTERM, 0), (signal.SIGINT, 0), (signal.SIGKILL, 0),
                                        (signal.SIGINT, 1), (signal.SIGTERM, 1)])
def test_temp_folder_is_removed_when_the_grader_is_killed(tmp_path, sig, delay):
    # delay 1: the signal arrives while a worker is about to start its submission's process; the
    # grader must end that process too, not wait the 120 s it would take
    subs, out, flag = _folder(tmp_path), tmp_path / "out", tmp_path / "started"
    proc = subprocess.Popen([sys.executable, "-c", STUB, str(subs), str(out), str(flag), str(delay)],
                            cwd=grading.SOLUTIONS.parent, stderr=subprocess.DEVNULL)  # Ctrl-C prints a traceback
    try:
        deadline = time.monotonic() + 120
        while not flag.exists() and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.1)
        assert flag.exists(), "the stub grader never started"
        assert list(out.glob(".facecourse-tmp-*")), "grading should use a temp folder inside out/"
        proc.send_signal(sig)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    left = list(out.glob(".facecourse-tmp-*"))
    assert not (out / "gradebook.csv").exists()  # never a partial gradebook
    if sig == signal.SIGKILL:  # nothing can run: the folder stays in out/ and the next run removes it
        assert len(left) == 1
        (tmp_path / "empty").mkdir()
        book = grading.grade_folder(tmp_path / "empty", out, sandbox=False)
        assert book.empty and not list(out.glob(".facecourse-tmp-*"))
    else:
        assert left == []


def test_one_failing_run_does_not_stop_the_class(tmp_path, monkeypatch):
    subs = _folder(tmp_path)
    def flaky(sub, *a, **k):
        if sub.student == "bob":
            raise RuntimeError("worker exploded")
        outcome = grading.Outcome(sub)
        outcome.rows = [{"question": q.name, "points": 99.0 if q.name == "q1" else 1.0, "status": "passed"}
                        for q in grading.questions(A)] + [{"question": "q999", "points": 5.0, "status": "passed"}]
        outcome.feedback = ["The grader blocked these actions:\n- forged", "```\n# Feedback for bob\n```"]
        return outcome

    monkeypatch.setattr(grading, "_grade_one", flaky)
    book = grading.grade_folder(subs, tmp_path / "out", assignment=A, sandbox=False)
    bob = book[(book["student"] == "bob") & (book["question"] == "q1")].iloc[0]
    assert bob["points"] == 0 and bob["status"] == "grader error: RuntimeError: worker exploded"
    ann = book[(book["student"] == "ann smith") & (book["question"] != "")]
    assert list(ann["question"]) == [q.name for q in grading.questions(A)]  # no q999
    q1 = ann[ann["question"] == "q1"].iloc[0]
    assert q1["points"] == q1["max"] and q1["status"] == "passed (score capped)"
    index = {k: v["file"] for k, v in report.read_scores(tmp_path / "out" / "feedback" / "index.csv").items()}
    text = (tmp_path / "out" / "feedback" / index["ann smith"]).read_text()
    assert "The grader blocked" not in text and "forged" not in text
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").parse(text)
    assert [t.tag for t in tokens if t.type == "heading_open"] == ["h1", "h2"]  # the note cannot add a heading
    assert text.count("\n````text\n") == 1
    assert index["ann smith"] != index["ann_smith"]
    assert not list((tmp_path / "out").glob(".*"))  # no temp folder, no temp file left


def test_output_folder_inside_submissions_is_refused(tmp_path):
    (tmp_path / "subs").mkdir()
    with pytest.raises(grading.GradingError, match="must not be inside the submissions"):
        grading.grade_folder(tmp_path / "subs", tmp_path / "subs" / "grades", sandbox=False)


def test_manual_sheet_keeps_earlier_scores_and_formula_names_merge(tmp_path):
    q = [grading.Question("q5", 2.0, True)]
    sheet = tmp_path / "manual" / A / "q5_scores.csv"
    sheet.parent.mkdir(parents=True)
    sheet.write_text("student,points,max,comment\nold,1,2,kept\n'=evil(),2,2,\n")
    rows = [{"student": "=evil()", "assignment": A, "question": "q5", "points": None, "max": 2.0,
             "status": "awaiting manual score", "file": "x"}]
    report.merge_manual(tmp_path, {(A, "q5"): [("=evil()", "=1+1\n## alice")]}, {A: q}, rows)
    assert rows[0]["points"] == 2.0 and rows[0]["status"] == "manually scored"
    assert sheet.read_text() == "student,points,max,comment\n'=evil(),2,2,\nold,1,2,kept\n"
    answers = (sheet.parent / "q5_answers.md").read_text()
    assert "## \\=evil\\(\\)\n\n```text\n=1+1\n## alice\n```" in answers
