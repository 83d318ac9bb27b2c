"""Grading a folder of submissions, on top of otter-grader's engine.

Exercise generation lives in :mod:`facecourse.authoring.exercises` (re-exported here).
"""

from __future__ import annotations

import csv as _csv
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from .authoring.exercises import (AUTOGRADERS, EXERCISES, SOLUTIONS, ExerciseError, Question,  # noqa: F401
                                  autograder_zip, check_exercises, generate_exercises, questions,
                                  reference_submission, solution_notebooks)

# one error type for the instructor: an unknown assignment or a grading failure
GradingError = ExerciseError


# ============================================================================ grading a folder
#
#   python3 course.py grade SUBMISSIONS --out OUT [--assignment NAME]
#
# SUBMISSIONS holds one folder per student (``ann/00_warmup.ipynb``) or files named
# ``<student>__<anything>.ipynb`` / ``<student>__<anything>.zip`` (or ``<student>.ipynb``). Each
# notebook's assignment is read from its own metadata, so renamed files still grade. Every file
# ends up in the gradebook with a status; a broken submission never stops the others.


PLACEHOLDER = "_Type your answer here, replacing this text._"
MAX_ZIP_MEMBER = 50 * 1024 * 1024


@dataclass
class Submission:
    student: str
    file: str  # as found in the submissions folder (relative)
    notebook: Path | None = None
    assignment: str | None = None
    status: str | None = None  # set when the file will not be graded
    mtime: float = 0.0


@dataclass
class Outcome:
    submission: Submission
    rows: list[dict] = field(default_factory=list)
    feedback: list[str] = field(default_factory=list)
    manual_answers: dict[str, str] = field(default_factory=dict)


def _student_of(rel: Path) -> str:
    if len(rel.parts) > 1:
        return rel.parts[0]
    return rel.name.split("__")[0] if "__" in rel.name else rel.stem


def _assignment_of(nb_path: Path) -> str | None:
    nb = json.loads(nb_path.read_text(encoding="utf-8"))
    return nb.get("metadata", {}).get("otter", {}).get("assignment_name")


def _extract_zip(zpath: Path, dest: Path) -> list[Path]:
    found = []
    with zipfile.ZipFile(zpath) as zf:
        for info in zf.infolist():
            name = info.filename
            if info.is_dir() or not name.endswith(".ipynb") or "__MACOSX" in name or "/." in "/" + name:
                continue
            if name.startswith("/") or ".." in Path(name).parts:
                continue  # never extract outside dest
            if info.file_size > MAX_ZIP_MEMBER:
                continue
            target = dest / Path(name).name
            target.write_bytes(zf.read(info))
            found.append(target)
    return found


def collect_submissions(folder: Path, staging: Path, assignment: str | None = None) -> list[Submission]:
    known = {s.stem for s in solution_notebooks()}
    subs: list[Submission] = []
    for path in sorted(p for p in Path(folder).rglob("*") if p.is_file()):
        rel = path.relative_to(folder)
        if any(part.startswith(".") for part in rel.parts):
            continue
        student = _student_of(rel)
        candidates: list[tuple[str, Path | None, str | None]] = []
        if path.suffix == ".zip":
            dest = staging / "unzipped" / re.sub(r"[^\w.-]", "_", str(rel))
            dest.mkdir(parents=True, exist_ok=True)
            try:
                nbs = _extract_zip(path, dest)
                candidates = [(f"{rel}:{n.name}", n, None) for n in nbs] or [(str(rel), None, "zip holds no notebook")]
            except zipfile.BadZipFile:
                candidates = [(str(rel), None, "not a readable zip file")]
        elif path.suffix == ".ipynb":
            candidates = [(str(rel), path, None)]
        else:
            candidates = [(str(rel), None, f"not a notebook or zip ({path.suffix or 'no extension'}); ignored")]
        for label, nb, problem in candidates:
            sub = Submission(student, label, nb, status=problem, mtime=path.stat().st_mtime)
            if nb is not None and problem is None:
                try:
                    sub.assignment = _assignment_of(nb)
                except (json.JSONDecodeError, UnicodeDecodeError, OSError):
                    sub.status = "unreadable notebook (not valid JSON)"
                else:
                    if sub.assignment not in known:
                        sub.status = f"unknown assignment {sub.assignment!r}" if sub.assignment else \
                            "not a course exercise notebook (no otter metadata)"
                    elif assignment and sub.assignment != assignment:
                        sub.status = f"wrong assignment: this is {sub.assignment}, not {assignment}"
            subs.append(sub)
    # one graded notebook per student and assignment: the newest; the others are listed as duplicates
    groups: dict[tuple[str, str], list[Submission]] = {}
    for s in subs:
        if s.status is None:
            groups.setdefault((s.student, s.assignment), []).append(s)
    for group in groups.values():
        group.sort(key=lambda s: (s.mtime, s.file))
        for dup in group[:-1]:
            dup.status = f"duplicate: not graded (graded {group[-1].file}, the newest)"
    return subs


def _sandbox_env(work: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FACECOURSE_MIRROR",))}
    for var, sub in (("HOME", ".home"), ("TMPDIR", ".tmp"), ("IPYTHONDIR", ".ipython"), ("MPLCONFIGDIR", ".mpl")):
        (work / sub).mkdir(exist_ok=True)
        env[var] = str(work / sub)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def _manual_answers(nb_path: Path, manual: list[Question]) -> dict[str, str]:
    nb = json.loads(nb_path.read_text(encoding="utf-8"))
    blocks, current = [], None
    for cell in nb.get("cells", []):
        src = "".join(cell["source"]) if isinstance(cell.get("source"), list) else cell.get("source", "")
        if cell.get("cell_type") == "markdown" and "<!-- END QUESTION -->" in src and current is not None:
            blocks.append(current)
            current = None
        if cell.get("cell_type") == "markdown" and "<!-- BEGIN QUESTION -->" in src:
            current = []
        elif current is not None and "otter_answer_cell" in cell.get("metadata", {}).get("tags", []):
            current.append(src.strip())
    answers = {}
    for q, block in zip(manual, blocks):
        text = "\n\n".join(b for b in block if b and b != PLACEHOLDER).strip()
        answers[q.name] = text or "(no answer)"
    return answers


def _grade_one(sub: Submission, work_root: Path, private: list[str], cell_timeout: float,
               total_timeout: float) -> Outcome:
    outcome = Outcome(sub)
    qs = questions(sub.assignment)
    safe = re.sub(r"[^\w.-]", "_", f"{sub.student}__{sub.file}")
    work, stage = work_root / "work" / safe, work_root / "stage" / safe
    work.mkdir(parents=True)
    stage.mkdir(parents=True)
    nb_name = f"{sub.assignment}.ipynb"
    shutil.copyfile(sub.notebook, work / nb_name)
    (stage / "job.json").write_text(json.dumps({
        "autograder": str(autograder_zip(sub.assignment)), "notebook": nb_name, "private": private,
        "cell_timeout": cell_timeout}))
    status = None
    try:
        proc = subprocess.Popen([sys.executable, "-m", "facecourse.grading_worker", str(stage)], cwd=work,
                                env=_sandbox_env(work), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                start_new_session=True)
        try:
            log, _ = proc.communicate(timeout=total_timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            status = f"timed out: grading took more than {total_timeout:.0f} s"
        if status is None and proc.returncode != 0:
            tail = log.decode(errors="replace").strip().splitlines()[-3:]
            status = "grader error: " + " | ".join(tail)
    except OSError as exc:
        status = f"grader error: {exc}"
    results = {}
    if status is None:
        try:
            results = json.loads((stage / "results.json").read_text())
        except (OSError, json.JSONDecodeError) as exc:
            status = f"grader error: no results ({exc})"
    scored = results.get("questions", {})
    for q in qs:
        row = {"student": sub.student, "assignment": sub.assignment, "question": q.name, "max": q.points,
               "file": sub.file}
        if q.manual:
            row.update(points=None, status="awaiting manual score")
        elif status is not None:
            row.update(points=0.0, status=status)
        elif q.name in scored:
            s = scored[q.name]
            pts = round(s["score"], 4)
            row.update(points=pts, status="passed" if pts >= q.points else ("partial" if pts > 0 else "failed"))
            if pts < q.points:
                outcome.feedback.append(f"**{q.name}** ({pts:g}/{q.points:g}): " + (
                    "public tests passed; hidden tests failed, so check your answer in general, not only for the "
                    "shown case." if s["public_passed"] else "public tests failed:\n\n```\n"
                    + s["public_summary"].strip()[:1500] + "\n```"))
        else:
            row.update(points=0.0, status="not graded: no result for this question")
        outcome.rows.append(row)
    if results.get("errors"):
        outcome.feedback.append("Errors while running your notebook (first 5):\n" +
                                "\n".join(f"- {e}" for e in results["errors"][:5]))
    if results.get("blocked"):
        outcome.feedback.append("The grader blocked these actions:\n" +
                                "\n".join(f"- {b}" for b in results["blocked"][:10]))
        for row in outcome.rows:
            if row["status"] in ("passed", "partial", "failed"):
                row["status"] += " (blocked file access attempted)"
    if status:
        outcome.feedback.append(f"Status: {status}")
    try:
        outcome.manual_answers = _manual_answers(sub.notebook, [q for q in qs if q.manual])
    except (OSError, json.JSONDecodeError):
        outcome.manual_answers = {}
    return outcome


def _merge_manual(out: Path, outcomes: list[Outcome], rows: list[dict]) -> None:
    """Write one answers file and one scores sheet per manual question; merge filled-in scores."""
    by_q: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for o in outcomes:
        for qname, text in o.manual_answers.items():
            by_q.setdefault((o.submission.assignment, qname), []).append((o.submission.student, text))
    for (assignment, qname), answers in sorted(by_q.items()):
        folder = out / "manual" / assignment
        folder.mkdir(parents=True, exist_ok=True)
        q = next(q for q in questions(assignment) if q.name == qname)
        lines = [f"# {assignment}, {qname} (manual, {q.points:g} points): every student's answer", ""]
        for student, text in sorted(answers):
            lines += [f"## {student}", "", text, ""]
        (folder / f"{qname}_answers.md").write_text("\n".join(lines), encoding="utf-8")
        sheet = folder / f"{qname}_scores.csv"
        existing = {}
        if sheet.exists():
            with open(sheet, newline="", encoding="utf-8") as fh:
                existing = {r["student"]: r for r in _csv.DictReader(fh)}
        with open(sheet, "w", newline="", encoding="utf-8") as fh:
            w = _csv.DictWriter(fh, fieldnames=["student", "points", "max", "comment"], lineterminator="\n")
            w.writeheader()
            for student, _ in sorted(answers):
                old = existing.get(student, {})
                w.writerow({"student": student, "points": old.get("points", ""), "max": f"{q.points:g}",
                            "comment": old.get("comment", "")})
        for row in rows:
            if row["assignment"] == assignment and row["question"] == qname:
                filled = existing.get(row["student"], {}).get("points", "").strip()
                if filled:
                    try:
                        pts = float(filled)
                    except ValueError:
                        row["status"] = f"manual score {filled!r} is not a number"
                        continue
                    if not 0 <= pts <= q.points:
                        row["status"] = f"manual score {pts:g} outside 0-{q.points:g}"
                        continue
                    row.update(points=pts, status="manually scored")


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


def _write_feedback(out: Path, book, outcomes: list[Outcome]) -> None:
    folder = out / "feedback"
    folder.mkdir(exist_ok=True)
    notes = {}
    for o in outcomes:
        notes.setdefault(o.submission.student, []).append((o.submission.assignment, o.feedback))
    for student, rows in book.groupby("student"):
        lines = [f"# Feedback for {student}", ""]
        for assignment, part in rows.groupby("assignment", sort=True):
            graded = part[part["question"] != ""]
            lines.append(f"## {assignment or '(not graded)'}")
            if len(graded):
                auto = graded[graded["status"] != "awaiting manual score"]
                got = pd_sum(auto["points"])
                lines.append(f"Automatic score so far: {got:g} / {pd_sum(auto['max']):g}")
                lines += ["", "| question | points | max | status |", "|---|---|---|---|"]
                for _, r in graded.iterrows():
                    pts = "" if r["points"] is None or r["points"] != r["points"] else f"{r['points']:g}"
                    lines.append(f"| {r['question']} | {pts} | {r['max']:g} | {r['status']} |")
            for _, r in part[part["question"] == ""].iterrows():
                lines.append(f"- `{r['file']}`: {r['status']}")
            for a, fb in notes.get(student, []):
                if a == assignment and fb:
                    lines += [""] + fb
            lines.append("")
        safe = re.sub(r"[^\w.-]", "_", student)
        (folder / f"{safe}.md").write_text("\n".join(lines), encoding="utf-8")


def pd_sum(series) -> float:
    return float(sum(v for v in series if v is not None and v == v))
