"""Exports for the LMS (`course.py export`): Canvas's import CSV, Gradescope's results.json, late flags."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pandas as pd
import pytest

from facecourse.classroom import lms
from facecourse.grading import report

A, B = "00_warmup", "B4_verification"
FORMULA = "=HYPERLINK(\"x\")"
DEADLINE = datetime(2026, 12, 1, 23, 59, tzinfo=timezone.utc)


def _row(student, assignment, question, points, mx, status, file):
    return {"student": student, "assignment": assignment, "question": question, "points": points, "max": mx,
            "status": status, "file": file}


@pytest.fixture
def grades(tmp_path) -> Path:
    """A grades folder as `grade` writes it: three students, two assignments, a written question, an ungraded file."""
    rows = []
    for student, pts in (("ann", (2, 1)), ("ben", (0, 0.5)), (FORMULA, (2, 1))):
        f = f"{student}/{A}.ipynb"
        rows += [_row(student, A, "q1", float(pts[0]), 2.0, "passed" if pts[0] == 2 else "failed", f),
                 _row(student, A, "q2", float(pts[1]), 1.0, "passed" if pts[1] == 1 else "partial", f),
                 _row(student, A, "q5", None, 2.0, "awaiting manual score", f)]
    rows += [_row("ann", B, "q1", 3.0, 4.0, "partial", f"ann/{B}.ipynb"),
             _row("ann", B, "q2", 1.0, 1.0, "manually scored", f"ann/{B}.ipynb"),
             _row("zoe", "", "", None, None, "unreadable notebook (not valid JSON)", "zoe/x.ipynb")]
    book = pd.DataFrame(rows, columns=["student", "assignment", "question", "points", "max", "status", "file"])
    out = tmp_path / "grades"
    out.mkdir()
    report.write_gradebook(out, book)
    report.write_feedback(out, book, {"ben": [(A, ["**q1** (0/2): public tests failed:\n\nyou returned 7.0"])]})
    return out


def _roster(path: Path, rows: list[dict]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Email"])
        w.writeheader()
        w.writerow({"Student": "    Points Possible"})  # as in a Canvas gradebook export
        w.writerows(rows)
    return path


def _canvas_roster(tmp_path: Path) -> Path:
    return _roster(tmp_path / "roster.csv", [
        {"Student": "Smith, Ann", "ID": "101", "SIS User ID": "S1", "SIS Login ID": "ann", "Section": "A",
         "Email": "ann@uni.edu"},
        {"Student": "Brown, Ben", "ID": "102", "SIS User ID": "S2", "SIS Login ID": "ben", "Section": "A",
         "Email": "ben@uni.edu"},
        {"Student": "Absent, Cat", "ID": "103", "SIS User ID": "S3", "SIS Login ID": "cat", "Section": "B"}])


def _csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_canvas_csv_is_the_import_format_with_the_rosters_ids(grades, tmp_path):
    done = lms.export(grades, roster=_canvas_roster(tmp_path), gradescope=False,
                      columns={B: "B4 verification (12345)"})
    rows = _csv_rows((grades / "export" / "canvas.csv").read_text(encoding="utf-8"))
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", A, "B4 verification (12345)"]
    assert rows[1] == ["Points Possible", "", "", "", "", "5", "5"]
    assert rows[2:] == [["Absent, Cat", "103", "S3", "cat", "B", "", ""],  # in the roster, no grade: empty cells
                        ["Brown, Ben", "102", "S2", "ben", "A", "0.5", ""],
                        ["Smith, Ann", "101", "S1", "ann", "A", "3", "4"]]  # 00_warmup: q5 awaits its score
    assert done.not_in_roster == [FORMULA]  # reported, not exported
    assert done.pending == 3


def test_canvas_needs_a_roster_and_the_match_column(grades, tmp_path):
    with pytest.raises(lms.ExportError, match="pass --roster"):
        lms.export(grades, gradescope=False)
    with pytest.raises(lms.ExportError, match="has no column 'Login'"):
        lms.export(grades, roster=_canvas_roster(tmp_path), match="Login", gradescope=False)
    dup = _roster(tmp_path / "dup.csv", [{"Student": "A", "ID": "1", "SIS Login ID": "ann"},
                                         {"Student": "B", "ID": "2", "SIS Login ID": "ann"}])
    with pytest.raises(lms.ExportError, match="names 'ann' twice"):
        lms.export(grades, roster=dup, gradescope=False)


def test_a_roster_name_is_never_a_spreadsheet_formula(grades, tmp_path):
    roster = _roster(tmp_path / "r.csv", [{"Student": FORMULA, "ID": "9", "SIS Login ID": FORMULA}])
    lms.export(grades, roster=roster, gradescope=False)
    rows = _csv_rows((grades / "export" / "canvas.csv").read_text(encoding="utf-8"))
    assert rows[2][0] == "'" + FORMULA and rows[2][3] == "'" + FORMULA and rows[2][5] == "3"


def test_gradescope_results_hold_question_scores_hidden_until_published(grades, tmp_path):
    lms.export(grades, roster=_canvas_roster(tmp_path), canvas=False)
    index = _csv_rows((grades / "export" / "gradescope" / "index.csv").read_text(encoding="utf-8"))
    assert index[0] == ["student", "email", "assignment", "results"]
    assert [r[:3] for r in index[1:]] == [["ann", "ann@uni.edu", A], ["ann", "ann@uni.edu", B], ["ben", "ben@uni.edu", A]]
    ben = json.loads((grades / "export" / index[3][3]).read_text(encoding="utf-8"))
    assert ben["score"] == 0.5 and ben["output_format"] == "md" and ben["visibility"] == "visible"
    assert ben["tests"] == [
        {"name": "q1", "score": 0.0, "max_score": 2.0, "status": "failed", "output": "failed",
         "visibility": "after_published"},
        {"name": "q2", "score": 0.5, "max_score": 1.0, "status": "failed", "output": "partial",
         "visibility": "after_published"}]  # q5 (written) awaits a score: listed, not scored
    assert ben["output"].startswith("Written questions still to be scored by your instructor: q5.")
    assert "you returned 7.0" in ben["output"] and "# Feedback for ben" in ben["output"]
    assert ben["extra_data"]["awaiting_manual_score"] == ["q5"] and ben["extra_data"]["late"] is False
    ann_b = json.loads((grades / "export" / index[2][3]).read_text(encoding="utf-8"))
    assert ann_b["score"] == 4.0 and [t["name"] for t in ann_b["tests"]] == ["q1", "q2"]  # manually scored q2 counts
    lms.export(grades, canvas=False, visibility="hidden", out=tmp_path / "hidden")  # no roster: no e-mail
    again = json.loads((tmp_path / "hidden" / index[3][3]).read_text(encoding="utf-8"))
    assert {t["visibility"] for t in again["tests"]} == {"hidden"}
    with pytest.raises(lms.ExportError, match="visibility must be one of"):
        lms.export(grades, canvas=False, visibility="public")


def _times(tmp_path: Path, times: dict[str, datetime]) -> Path:
    path = tmp_path / "submissions.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["student", "home", "status", "file", "submitted", "sha256"])  # as `course.py collect` writes it
        for s, t in times.items():
            w.writerow([s, s, "collected", "", t.isoformat(), ""])
    return path


def test_late_work_is_flagged_and_penalised_per_started_day(grades, tmp_path):
    times = _times(tmp_path, {"ann": DEADLINE, "ben": DEADLINE + timedelta(hours=25),  # 2 started days late
                              FORMULA: DEADLINE + timedelta(days=30)})
    roster = _roster(tmp_path / "r.csv", [{"Student": "Ann", "ID": "1", "SIS Login ID": "ann"},
                                          {"Student": "Ben", "ID": "2", "SIS Login ID": "ben"},
                                          {"Student": "F", "ID": "3", "SIS Login ID": FORMULA}])
    done = lms.export(grades, roster=roster, deadline=DEADLINE.isoformat(), submitted=times, penalty_per_day=10)
    assert done.late == 2 and done.no_submission_time == []
    late = _csv_rows((grades / "export" / "late.csv").read_text(encoding="utf-8"))
    assert late[0] == ["student", "assignment", "submitted", "deadline", "late_hours", "penalty_percent", "points",
                       "points_after_penalty"]
    assert late[1] == ["'" + FORMULA, A, (DEADLINE + timedelta(days=30)).isoformat(), DEADLINE.isoformat(), "720.00",
                       "100", "3", "0"]  # capped at 100%
    assert late[2] == ["ben", A, (DEADLINE + timedelta(hours=25)).isoformat(), DEADLINE.isoformat(), "25.00", "20",
                       "0.5", "0.4"]
    canvas = {r[3]: r for r in _csv_rows((grades / "export" / "canvas.csv").read_text(encoding="utf-8"))[2:]}
    assert canvas["ann"][5] == "3" and canvas["ben"][5] == "0.4"  # on the deadline is on time
    index = _csv_rows((grades / "export" / "gradescope" / "index.csv").read_text(encoding="utf-8"))
    ben = json.loads((grades / "export" / next(r[3] for r in index if r[0] == "ben")).read_text(encoding="utf-8"))
    assert ben["score"] == 0.4 and ben["extra_data"]["late"] and ben["extra_data"]["penalty_percent"] == 20
    assert ben["output"].startswith("**Late**: handed in 25.0 h after the deadline; 20% of the points taken off")
    assert ben["extra_data"]["score_before_penalty"] == 0.5


def test_late_flags_without_a_penalty_and_from_the_submissions_folder(grades, tmp_path):
    subs = tmp_path / "subs"
    for s, when in (("ann", DEADLINE - timedelta(minutes=5)), ("ben", DEADLINE + timedelta(minutes=5))):
        (subs / s).mkdir(parents=True)
        (subs / s / f"{A}.ipynb").write_text("{}")
        os.utime(subs / s / f"{A}.ipynb", (when.timestamp(), when.timestamp()))
    done = lms.export(grades, canvas=False, deadline="2026-12-01T23:59:00+00:00", submitted=subs)
    assert done.late == 1  # ben; ann/B4 and the formula student have no file there
    assert done.no_submission_time == [f"{FORMULA} ({A})", f"ann ({B})"]
    late = _csv_rows((grades / "export" / "late.csv").read_text(encoding="utf-8"))
    assert [r[0] for r in late[1:]] == ["ben"] and late[1][5] == "0" and late[1][7] == "0.5"  # flagged only


@pytest.mark.parametrize("kwargs, message", [
    ({"deadline": "2026-12-01T23:59+00:00"}, "a deadline needs submission times"),
    ({"penalty_per_day": 10}, "a late penalty needs --deadline"),
    ({"penalty_per_day": 150, "deadline": "2026-12-01", "submitted": "x"}, "between 0 and 100"),
    ({"deadline": "first of December", "submitted": "x"}, "not a date and time"),
])
def test_bad_late_settings_are_refused_with_a_sentence(grades, kwargs, message):
    with pytest.raises(lms.ExportError, match=message):
        lms.export(grades, canvas=False, **kwargs)


def test_the_export_command(grades, tmp_path):
    cli = [sys.executable, "-m", "facecourse.cli", "export", str(grades)]
    run = subprocess.run(cli + ["--canvas", "--gradescope", "--roster", str(_canvas_roster(tmp_path)),
                                "--canvas-column", f"{A}=Warm-up (7)"], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "not in the roster, left out: =HYPERLINK" in run.stderr and "awaiting a manual score" in run.stderr
    assert _csv_rows((grades / "export" / "canvas.csv").read_text(encoding="utf-8"))[0][5] == "Warm-up (7)"
    nothing = subprocess.run(cli, capture_output=True, text=True)
    assert nothing.returncode == 2 and "--canvas, --gradescope, or both" in nothing.stderr
    missing = subprocess.run([sys.executable, "-m", "facecourse.cli", "export", str(tmp_path), "--gradescope"],
                             capture_output=True, text=True)
    assert missing.returncode == 2 and "no gradebook at" in missing.stderr
