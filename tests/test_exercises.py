"""facecourse.authoring.exercises: exercises are generated from solutions and leak nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from facecourse import grading


def _cells(nb_path: Path) -> list[dict]:
    return json.loads(nb_path.read_text(encoding="utf-8"))["cells"]


def _secret_lines(solution: Path) -> set[str]:
    """Lines that must never reach a student: solution code and hidden-test code.

    A hidden test may repeat a line of a public test of its question (each test case runs on its
    own, so it imports and prepares what it uses again): such a line is public, not a secret.
    """
    secrets, in_block, in_tests, public = set(), False, False, set()
    for cell in _cells(solution):
        src = "".join(cell["source"])
        if cell["cell_type"] == "raw":
            in_block = src.strip() == "# BEGIN SOLUTION" or (in_block and src.strip() != "# END SOLUTION")
            in_tests = src.strip() == "# BEGIN TESTS" or (in_tests and src.strip() != "# END TESTS")
            continue
        lines = src.splitlines()
        if "# BEGIN TEST CONFIG" in src and "hidden: true" in src:
            secrets.update(ln.strip() for ln in lines if "TEST CONFIG" not in ln and ln.strip() != "hidden: true")
        elif in_tests and cell["cell_type"] == "code":
            public.update(ln.strip() for ln in lines)
        if cell["cell_type"] == "markdown" and in_block:
            secrets.update(ln.strip() for ln in lines)
        inside = False
        for ln in lines:
            if ln.strip() == "# BEGIN SOLUTION":
                inside = True
            elif ln.strip() == "# END SOLUTION":
                inside = False
            elif inside or ln.rstrip().endswith("# SOLUTION"):
                secrets.add(ln.replace("# SOLUTION", "").strip())
    found = {s for s in secrets - public if len(s) >= 12}
    # the student's test files are written by otter from each function's syntax tree (quotes and
    # spacing normalised): look for that spelling of every secret statement too
    public_norm = [n for n in map(_normalised, public) if n]
    return found | {n for n in map(_normalised, found)
                    if n and len(n) >= 12 and not any(n in p for p in public_norm)}


def _normalised(line: str) -> str | None:
    import ast

    try:
        return ast.unparse(ast.parse(line.strip()))
    except (SyntaxError, ValueError):
        return None


SOLUTIONS = grading.solution_notebooks()


def test_there_are_exercises():
    assert SOLUTIONS, "solutions/ has no exercise sources"


def test_committed_exercises_match_a_fresh_generation():
    assert grading.check_exercises() == []


@pytest.mark.parametrize("solution", SOLUTIONS, ids=lambda p: p.stem)
def test_student_notebook_leaks_no_solution_or_hidden_test(solution):
    student_text = (grading.EXERCISES / solution.name).read_text(encoding="utf-8")
    student = json.loads(student_text)
    secrets = _secret_lines(solution)
    assert secrets, "the scanner found nothing to look for: it is broken"
    leaked = sorted(s for s in secrets if s in student_text or json.dumps(s)[1:-1] in student_text)
    assert leaked == []
    from facecourse.checks import load_test_file

    assert student["metadata"]["otter"]["OK_FORMAT"] is False  # exception-based test files
    for name, source in student["metadata"]["otter"]["tests"].items():
        assert "hidden=True" not in source
        question, cases, _, _ = load_test_file(source, name)
        assert question == name and cases and not any(c.hidden for c in cases)


@pytest.mark.parametrize("solution", SOLUTIONS, ids=lambda p: p.stem)
def test_each_exercise_has_three_autograded_questions_and_a_written_one(solution):
    student = json.loads((grading.EXERCISES / solution.name).read_text(encoding="utf-8"))
    assert len(student["metadata"]["otter"]["tests"]) >= 3
    raw = "".join("".join(c["source"]) for c in _cells(solution) if c["cell_type"] == "raw")
    assert "manual: true" in raw
