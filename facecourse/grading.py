"""Exercises and grading, on top of otter-grader.

``solutions/NN_name.ipynb`` is the single source of each exercise: an Otter Assign master
notebook with the answers, the public tests (shown to students, run by ``grader.check``) and
the hidden tests (used only for grading). ``generate_exercises`` runs ``otter assign`` on each
solution and writes

* ``exercises/NN_name.ipynb``: the student notebook (answers replaced by ``...``; public tests
  embedded in its metadata, hidden tests absent), committed;
* ``build/autograder/NN_name.zip``: the autograder with all tests, git-ignored (it holds the
  hidden tests), rebuilt whenever needed.

``check_exercises`` regenerates into a scratch folder and reports any difference from the
committed ``exercises/``; CI fails on a difference.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from .data import ROOT

SOLUTIONS = ROOT / "solutions"
EXERCISES = ROOT / "exercises"
AUTOGRADERS = ROOT / "build" / "autograder"


class GradingError(RuntimeError):
    """Exercise generation or grading failed; the message says where."""


def solution_notebooks() -> list[Path]:
    return sorted(SOLUTIONS.glob("[0-9]*.ipynb"))


def _otter(*args: str | Path, cwd: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "otter", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True)
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-25:])
        raise GradingError(f"otter {' '.join(map(str, args))} failed:\n{tail}")


def normalise(nb: dict) -> dict:
    """Drop metadata that differs between runs or tools, so generation is byte-stable."""
    nb.get("metadata", {}).pop("jupytext", None)
    for i, cell in enumerate(nb.get("cells", [])):
        cell.get("metadata", {}).pop("lines_to_next_cell", None)
        cell.get("metadata", {}).pop("execution", None)
        cell["id"] = f"cell-{i:03d}"
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
    return nb


def dumps(nb: dict) -> str:
    return json.dumps(nb, indent=1, ensure_ascii=False, sort_keys=True) + "\n"


def assign(solution: Path, workdir: Path, run_tests: bool = True) -> tuple[dict, Path]:
    """Run otter assign on one solution; return (normalised student notebook, autograder zip)."""
    dist = workdir / solution.stem
    args = ["assign", "--no-pdfs"] + ([] if run_tests else ["--no-run-tests"]) + [solution, dist]
    _otter(*args, cwd=solution.parent)
    student = json.loads((dist / "student" / solution.name).read_text(encoding="utf-8"))
    zips = sorted((dist / "autograder").glob("*.zip"))
    if len(zips) != 1:
        raise GradingError(f"otter assign made {len(zips)} autograder zips for {solution.name}")
    return normalise(student), zips[0]


def generate_exercises(run_tests: bool = True) -> list[Path]:
    """Regenerate every exercise notebook and autograder zip from ``solutions/``."""
    EXERCISES.mkdir(exist_ok=True)
    AUTOGRADERS.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory() as tmp:
        for sol in solution_notebooks():
            student, zip_path = assign(sol, Path(tmp), run_tests=run_tests)
            out = EXERCISES / sol.name
            out.write_text(dumps(student), encoding="utf-8")
            shutil.copyfile(zip_path, AUTOGRADERS / f"{sol.stem}.zip")
            written.append(out)
    stale = {p.name for p in EXERCISES.glob("*.ipynb")} - {s.name for s in solution_notebooks()}
    for name in sorted(stale):
        (EXERCISES / name).unlink()
    return written


def autograder_zip(assignment: str) -> Path:
    """The autograder zip for ``assignment`` (a solution's stem), building it if missing or stale."""
    sol = SOLUTIONS / f"{assignment}.ipynb"
    if not sol.is_file():
        known = ", ".join(s.stem for s in solution_notebooks())
        raise GradingError(f"no assignment called {assignment!r}; known: {known}")
    z = AUTOGRADERS / f"{assignment}.zip"
    if not z.is_file() or z.stat().st_mtime < sol.stat().st_mtime:
        AUTOGRADERS.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory() as tmp:
            _, made = assign(sol, Path(tmp), run_tests=False)
            shutil.copyfile(made, z)
    return z


def check_exercises() -> list[str]:
    """Differences between committed ``exercises/`` and a fresh generation (empty: up to date)."""
    problems = []
    with tempfile.TemporaryDirectory() as tmp:
        expected = {}
        for sol in solution_notebooks():
            student, _ = assign(sol, Path(tmp), run_tests=False)
            expected[sol.name] = dumps(student)
    committed = {p.name: p.read_text(encoding="utf-8") for p in EXERCISES.glob("*.ipynb")}
    for name in sorted(set(expected) | set(committed)):
        if name not in committed:
            problems.append(f"exercises/{name} is missing (its solution exists)")
        elif name not in expected:
            problems.append(f"exercises/{name} has no solution in solutions/ (stale)")
        elif committed[name] != expected[name]:
            problems.append(f"exercises/{name} differs from what solutions/{name} generates")
    return problems
