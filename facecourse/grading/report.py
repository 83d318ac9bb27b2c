"""Writing the results: the gradebook, one feedback file per student, manual-scoring sheets."""

from __future__ import annotations

import csv as _csv
import re
from pathlib import Path

from ..authoring.exercises import questions
from .run import Outcome


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
