"""Grades where instructors keep them: a Canvas gradebook CSV and Gradescope-style ``results.json`` files.

``python3 course.py export grades/ --roster roster.csv --canvas --gradescope [--deadline ... --submitted ...]``
reads what ``grade`` wrote (``gradebook.csv`` and ``feedback/``) and writes into ``grades/export/``:

* ``canvas.csv``: Canvas's gradebook import format: ``Student, ID, SIS User ID, SIS Login ID,
  Section`` (from the roster) and one column per assignment (its points, after any late penalty),
  with the ``Points Possible`` row. A Canvas gradebook export is a valid roster: Canvas matches
  rows by ``ID`` (or the SIS ids), and a column named after a new assignment creates it on import;
  name an existing one as Canvas does (``B4_verification (12345)``) with ``--canvas-column``.
* ``gradescope/<assignment>/<student>/results.json``: the results format of a Gradescope
  autograder, one per student and assignment: the total ``score`` (after any late penalty), one
  test per auto-graded question (``score``, ``max_score``, ``status``) whose ``visibility`` is
  ``--hidden-visibility`` (default ``after_published``: question scores include hidden tests, so
  students see them when you publish grades, as otter's own Gradescope results do), and the
  student's feedback file as Markdown ``output`` (public test messages only, never hidden tests).
  Written questions still awaiting a score are listed, not scored. ``gradescope/index.csv`` maps
  each student to their file and e-mail (from the roster).
* ``late.csv`` with ``--deadline``: every submission handed in after it, by how long, and the
  penalty applied (``--penalty-per-day P``: P% of the points per started day, at most 100%;
  without it, late work is only flagged).

**The roster** is the instructor's mapping from the names in the gradebook (hub user names,
submission folder names) to the LMS: a CSV whose column ``--match`` (default ``SIS Login ID``)
holds the gradebook's student name; its ``Student``, ``ID``, ``SIS User ID``, ``SIS Login ID``,
``Section`` and ``Email`` columns (any case or spacing) are copied. Gradebook students missing
from the roster are reported and left out of the LMS files; roster students without a grade get
an empty cell (Canvas keeps "no grade", which its missing-submission policy can handle).

**Submission times** come from ``--submitted``: the record ``course.py collect`` wrote (or any CSV
with ``student`` and ``submitted`` columns, ISO 8601, optionally ``assignment``), or the
submissions folder itself (each graded file's modification time; a zip member's is the zip's).
On a hub the modification time is set by the student's own server and a student can change it:
for a deadline that matters, collect at the deadline and grade that collection.

Example::

    python3 course.py export grades/ --roster canvas-export.csv --canvas --gradescope \\
        --deadline 2026-12-01T23:59:00+01:00 --submitted submissions.csv --penalty-per-day 10
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from ..grading.collect import slug
from ..grading.report import csv_cell, csv_uncell, feedback_names, write_atomic

CANVAS_IDENTITY = ("student", "id", "sis_user_id", "sis_login_id", "section")
CANVAS_HEADERS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
VISIBILITIES = ("hidden", "after_due_date", "after_published", "visible")


class ExportError(ValueError):
    """The export cannot be made as asked; the message says what to give instead."""


def _key(name: str) -> str:
    """A column name compared without case, spacing or punctuation (``SIS Login ID`` -> ``sis_login_id``)."""
    return re.sub(r"[^0-9a-z]+", "_", name.strip().lower()).strip("_")


def _number(text: str) -> float | None:
    text = (text or "").strip()
    return float(text) if text else None


def read_gradebook(path: str | Path) -> list[dict]:
    """The rows of a ``gradebook.csv`` with the original text of every cell and numbers as floats."""
    path = Path(path)
    if not path.is_file():
        raise ExportError(f"no gradebook at {path}: run `python3 course.py grade` first")
    with open(path, newline="", encoding="utf-8") as fh:
        rows = []
        for r in csv.DictReader(fh):
            row = {k: csv_uncell(v or "") for k, v in r.items()}
            row["points"], row["max"] = _number(row.get("points")), _number(row.get("max"))
            rows.append(row)
    return rows


def read_roster(path: str | Path, match: str = "SIS Login ID") -> dict[str, dict]:
    """``{gradebook student name: {normalised column: value}}`` from the instructor's roster CSV."""
    path = Path(path)
    with open(path, newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        columns = {_key(c): c for c in reader.fieldnames or []}
        if _key(match) not in columns:
            raise ExportError(f"the roster {path.name} has no column {match!r} (it has: "
                              f"{', '.join(reader.fieldnames or [])}); say which one holds the gradebook's "
                              "student names with --match")
        roster = {}
        for r in reader:
            row = {k: csv_uncell((r.get(orig) or "").strip()) for k, orig in columns.items()}
            name = row[_key(match)]
            if not name or name.lower() == "points possible":  # a Canvas export's second row
                continue
            if name in roster:
                raise ExportError(f"the roster names {name!r} twice in column {match!r}")
            roster[name] = row
    return roster


def parse_time(text: str) -> datetime:
    """An ISO 8601 time; without an offset it is this machine's local time. ``ExportError`` if unreadable."""
    try:
        t = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ExportError(f"not a date and time: {text!r} (write it as 2026-12-01T23:59:00+01:00)") from None
    return t if t.tzinfo else t.astimezone()


def submission_times(source: str | Path) -> "callable":
    """A function ``(student, assignment, file) -> datetime or None`` reading times from ``source``.

    ``source`` is a CSV (``student``, ``submitted``, optionally ``assignment``; ``course.py collect``
    writes one) or the submissions folder (the modification time of each gradebook ``file``).
    """
    source = Path(source)
    if source.is_dir():
        def from_folder(student: str, assignment: str, file: str):
            rel = file.split(".zip:", 1)[0] + ".zip" if ".zip:" in file else file
            p = source / rel
            if ".." in Path(rel).parts or not p.is_file() or p.is_symlink():
                return None
            return datetime.fromtimestamp(p.stat().st_mtime, timezone.utc)
        return from_folder
    if not source.is_file():
        raise ExportError(f"no submission times at {source}: give the collection record (CSV) or the "
                          "submissions folder")
    times: dict[tuple[str, str], datetime] = {}
    with open(source, newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        cols = {_key(c): c for c in reader.fieldnames or []}
        if "student" not in cols or "submitted" not in cols:
            raise ExportError(f"{source.name} needs the columns student and submitted (ISO 8601 times)")
        for r in reader:
            when = (r.get(cols["submitted"]) or "").strip()
            if not when:
                continue
            student = csv_uncell(r[cols["student"]] or "")
            assignment = csv_uncell(r.get(cols.get("assignment", ""), "") or "") if "assignment" in cols else ""
            times[(student, assignment)] = parse_time(when)
    return lambda student, assignment, file: times.get((student, assignment), times.get((student, "")))


@dataclass
class Result:
    """One student's grade for one assignment, as the LMS files show it."""

    student: str
    assignment: str
    questions: list[dict] = field(default_factory=list)  # gradebook rows of the graded file
    points: float = 0.0  # before any late penalty
    max: float = 0.0
    pending: list[str] = field(default_factory=list)  # written questions still awaiting a score
    submitted: datetime | None = None
    late_by: float = 0.0  # seconds after the deadline (0: on time or unknown)
    penalty: float = 0.0  # fraction of the points taken off

    @property
    def score(self) -> float:
        return round(self.points * (1.0 - self.penalty), 4)


def results(book: list[dict], deadline: datetime | None = None, submitted=None,
            penalty_per_day: float = 0.0) -> list[Result]:
    """One :class:`Result` per student and assignment graded in ``book`` (rows with a question).

    With ``deadline`` and ``submitted`` (:func:`submission_times`), work handed in later is late by
    that many seconds and loses ``penalty_per_day`` percent per started day (at most 100%).
    """
    by = {}
    for row in book:
        if not row.get("question"):
            continue  # a file that was not graded
        r = by.setdefault((row["student"], row["assignment"]), Result(row["student"], row["assignment"]))
        r.questions.append(row)
        r.max += row["max"] or 0.0
        if row["status"] == "awaiting manual score":
            r.pending.append(row["question"])
        else:
            r.points += row["points"] or 0.0
    for r in by.values():
        if deadline is not None and submitted is not None:
            r.submitted = submitted(r.student, r.assignment, r.questions[0]["file"])
            if r.submitted is not None and r.submitted > deadline:
                r.late_by = (r.submitted - deadline).total_seconds()
                r.penalty = min(1.0, math.ceil(r.late_by / 86400) * penalty_per_day / 100.0)
    return sorted(by.values(), key=lambda r: (r.student, r.assignment))


def _g(x: float) -> str:
    return f"{x:g}"


def canvas_csv(graded: list[Result], roster: dict[str, dict], columns: dict[str, str] | None = None) -> str:
    """Canvas's gradebook import CSV: the roster's identity columns, one column per assignment, Points Possible."""
    assignments = sorted({r.assignment for r in graded})
    columns = {a: (columns or {}).get(a, a) for a in assignments}
    possible = {a: max(r.max for r in graded if r.assignment == a) for a in assignments}
    scores = {(r.student, r.assignment): r.score for r in graded}
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([*CANVAS_HEADERS, *(csv_cell(columns[a]) for a in assignments)])
    w.writerow(["Points Possible", "", "", "", "", *(_g(possible[a]) for a in assignments)])
    for name, row in sorted(roster.items(), key=lambda kv: (kv[1].get("student") or kv[0]).lower()):
        ident = [csv_cell(row.get(k, "")) for k in CANVAS_IDENTITY]
        ident[0] = ident[0] or csv_cell(name)
        w.writerow([*ident, *(_g(scores[(name, a)]) if (name, a) in scores else "" for a in assignments)])
    return buf.getvalue()


def gradescope_results(r: Result, feedback: str = "", visibility: str = "after_published",
                       deadline: datetime | None = None) -> dict:
    """Gradescope's autograder ``results.json`` for one student and assignment.

    ``tests``: one per auto-graded question (score, max_score, status, the gradebook status as
    output) with ``visibility`` (its score includes hidden tests); ``score``: the total after any late
    penalty; ``output``: ``feedback`` (the student's feedback file) as Markdown, after a late notice;
    ``extra_data``: lateness, the score before the penalty, questions awaiting a manual score.
    """
    if visibility not in VISIBILITIES:
        raise ExportError(f"visibility must be one of {', '.join(VISIBILITIES)}, not {visibility!r}")
    tests = []
    for row in r.questions:
        if row["status"] == "awaiting manual score":
            continue
        pts = row["points"] or 0.0
        tests.append({"name": row["question"], "score": pts, "max_score": row["max"] or 0.0,
                      "status": "passed" if pts >= (row["max"] or 0.0) else "failed", "output": row["status"],
                      "visibility": visibility})
    notice = []
    if r.late_by:
        notice.append(f"**Late**: handed in {_duration(r.late_by)} after the deadline"
                      + (f"; {r.penalty * 100:g}% of the points taken off ({_g(r.points)} -> {_g(r.score)})."
                         if r.penalty else " (no penalty)."))
    if r.pending:
        notice.append(f"Written questions still to be scored by your instructor: {', '.join(r.pending)}.")
    return {"score": r.score, "output": "\n\n".join(notice + ([feedback] if feedback else [])),
            "output_format": "md", "visibility": "visible", "tests": tests,
            "extra_data": {"student": r.student, "assignment": r.assignment, "late": bool(r.late_by),
                           "submitted": r.submitted.isoformat() if r.submitted else None,
                           "deadline": deadline.isoformat() if deadline else None,
                           "late_seconds": round(r.late_by), "penalty_percent": round(r.penalty * 100, 4),
                           "score_before_penalty": r.points, "awaiting_manual_score": r.pending}}


def _duration(seconds: float) -> str:
    if seconds < 3600:
        return f"{math.ceil(seconds / 60):g} min"
    if seconds < 86400 * 2:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def late_csv(graded: list[Result], deadline: datetime) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["student", "assignment", "submitted", "deadline", "late_hours", "penalty_percent", "points",
                "points_after_penalty"])
    for r in graded:
        if r.late_by:
            w.writerow([csv_cell(r.student), csv_cell(r.assignment), r.submitted.isoformat(), deadline.isoformat(),
                        f"{r.late_by / 3600:.2f}", _g(round(r.penalty * 100, 4)), _g(r.points), _g(r.score)])
    return buf.getvalue()


@dataclass
class Exported:
    files: list[Path] = field(default_factory=list)
    not_in_roster: list[str] = field(default_factory=list)
    no_submission_time: list[str] = field(default_factory=list)
    late: int = 0
    pending: int = 0


def export(grades: str | Path, out: str | Path | None = None, roster: str | Path | None = None,
           match: str = "SIS Login ID", canvas: bool = True, gradescope: bool = True,
           deadline: str | None = None, submitted: str | Path | None = None, penalty_per_day: float = 0.0,
           visibility: str = "after_published", columns: dict[str, str] | None = None) -> Exported:
    """Write the LMS files for the grades folder ``grades`` into ``out`` (default ``grades/export``).

    Raises ``ExportError`` with what to do when an input is missing or unreadable (a Canvas export
    without a roster, a deadline without submission times, a negative penalty...).
    """
    grades = Path(grades)
    out = Path(out) if out else grades / "export"
    book = read_gradebook(grades / "gradebook.csv")
    if canvas and roster is None:
        raise ExportError("Canvas matches rows by its own ids: pass --roster (a Canvas gradebook export works) "
                          "and --match naming its column that holds the gradebook's student names")
    if not 0 <= penalty_per_day <= 100:
        raise ExportError(f"the penalty per day is a percentage between 0 and 100, not {penalty_per_day:g}")
    if visibility not in VISIBILITIES:
        raise ExportError(f"visibility must be one of {', '.join(VISIBILITIES)}, not {visibility!r}")
    due = parse_time(deadline) if deadline else None
    if due is not None and submitted is None:
        raise ExportError("a deadline needs submission times: --submitted with the collection record "
                          "(course.py collect) or the submissions folder")
    if penalty_per_day and due is None:
        raise ExportError("a late penalty needs --deadline and --submitted")
    times = submission_times(submitted) if submitted is not None else None
    graded = results(book, due, times, penalty_per_day)
    people = read_roster(roster, match) if roster is not None else None
    report = Exported()
    report.pending = sum(1 for r in graded if r.pending)
    if due is not None:
        report.no_submission_time = sorted({f"{r.student} ({r.assignment})" for r in graded if r.submitted is None})
        report.late = sum(1 for r in graded if r.late_by)
    if people is not None:
        report.not_in_roster = sorted({r.student for r in graded if r.student not in people})
    shown = [r for r in graded if people is None or r.student in people]
    out.mkdir(parents=True, exist_ok=True)
    if canvas:
        write_atomic(out / "canvas.csv", canvas_csv(shown, people, columns))
        report.files.append(out / "canvas.csv")
    if gradescope:
        index = _feedback_index(grades)
        folders = feedback_names(r.student for r in shown)
        rows = []
        for r in shown:
            text = index.get(r.student, "")
            folder = out / "gradescope" / slug(r.assignment) / folders[r.student]
            folder.mkdir(parents=True, exist_ok=True)
            write_atomic(folder / "results.json",
                         json.dumps(gradescope_results(r, text, visibility, due), indent=2, ensure_ascii=False) + "\n")
            report.files.append(folder / "results.json")
            email = (people or {}).get(r.student, {}).get("email", "")
            rows.append([csv_cell(r.student), csv_cell(email), csv_cell(r.assignment),
                         str((folder / "results.json").relative_to(out))])
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["student", "email", "assignment", "results"])
        w.writerows(rows)
        (out / "gradescope").mkdir(exist_ok=True)
        write_atomic(out / "gradescope" / "index.csv", buf.getvalue())
        report.files.append(out / "gradescope" / "index.csv")
    if due is not None:
        write_atomic(out / "late.csv", late_csv(graded, due))
        report.files.append(out / "late.csv")
    return report


def _feedback_index(grades: Path) -> dict[str, str]:
    """``{student: feedback Markdown}`` from ``grades/feedback/index.csv`` (files inside that folder only)."""
    folder = grades / "feedback"
    index = folder / "index.csv"
    if not index.is_file():
        return {}
    out = {}
    with open(index, newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            name = Path(r.get("file") or "").name
            path = folder / name
            if name.endswith(".md") and path.is_file() and not path.is_symlink():
                out[csv_uncell(r.get("student") or "")] = path.read_text(encoding="utf-8")
    return out
