"""Running one submission: its own work folder, otter's engine in a worker process, the results back."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from ..authoring.exercises import Question, autograder_zip, questions
from .collect import Submission

PLACEHOLDER = "_Type your answer here, replacing this text._"


@dataclass
class Outcome:
    submission: Submission
    rows: list[dict] = field(default_factory=list)
    feedback: list[str] = field(default_factory=list)
    manual_answers: dict[str, str] = field(default_factory=dict)


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
        proc = subprocess.Popen([sys.executable, "-m", "facecourse.grading.worker", str(stage)], cwd=work,
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
