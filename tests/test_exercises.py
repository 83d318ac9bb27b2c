"""facecourse.authoring.exercises: exercises are generated from solutions and leak nothing."""

from __future__ import annotations

import json
import re
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


# --- BEGIN/END QUESTION markers: otter's PDF export for manual grading keeps only what they enclose ---

BEGIN_MARK, END_MARK = "<!-- BEGIN QUESTION -->", "<!-- END QUESTION -->"


def _markers(cells: list[dict]) -> list[tuple[int, str]]:
    """(cell index, "B" or "E") for every marker, in reading order (a cell may hold END then BEGIN)."""
    import re

    out = []
    for i, c in enumerate(cells):
        if c["cell_type"] == "markdown":
            for m in re.finditer(r"<!--\s*(BEGIN|END) QUESTION\s*-->", "".join(c["source"])):
                out.append((i, m.group(1)[0]))
    return out


@pytest.mark.parametrize("solution", SOLUTIONS, ids=lambda p: p.stem)
def test_every_written_question_is_enclosed_in_begin_end_markers(solution):
    from facecourse.authoring.exercises import questions

    manual = [q for q in questions(solution.stem) if q.manual]
    cells = _cells(grading.EXERCISES / solution.name)
    marks = _markers(cells)
    kinds = "".join(k for _, k in marks)
    assert kinds == "BE" * len(manual), (
        f"{solution.stem}: {len(manual)} manual question(s) need {len(manual)} BEGIN/END pair(s) in order, "
        f"found the markers {kinds or 'none'}")
    answers = [i for i, c in enumerate(cells) if "otter_answer_cell" in c["metadata"].get("tags", [])]
    for k, q in enumerate(manual):
        begin, end = marks[2 * k][0], marks[2 * k + 1][0]
        inside = [i for i in answers if begin < i < end]
        assert inside, f"{solution.stem} {q.name}: its pair encloses no answer cell"
        prompt = "".join("".join(cells[i]["source"]) for i in range(begin, inside[0]))
        assert "written)" in prompt, f"{solution.stem} {q.name}: the written question's heading is outside its pair"
        assert all("".join(cells[i]["source"]).strip() for i in range(begin, end)), "no empty cell in a pair"
        for i in (begin, end):
            assert cells[i]["metadata"].get("editable") is False, "marker cells are locked, as otter locks them"
    written = [i for i in answers if cells[i]["cell_type"] == "markdown"]
    assert all(any(marks[2 * k][0] < i < marks[2 * k + 1][0] for k in range(len(manual))) for i in written), \
        "every written answer cell is inside a BEGIN/END pair"


@pytest.mark.parametrize("solution", SOLUTIONS, ids=lambda p: p.stem)
def test_otters_pdf_filter_keeps_each_written_question_and_its_answer(solution):
    """otter export --filtering (its own filter_cells, without LaTeX): the written questions, nothing else."""
    import nbformat
    from otter.export.exporters.base_exporter import BaseExporter

    from facecourse.authoring.exercises import questions

    nb = nbformat.read(str(grading.EXERCISES / solution.name), as_version=4)
    kept = BaseExporter.filter_cells(nb)["cells"]
    manual = [q for q in questions(solution.stem) if q.manual]
    text = "\n".join(c.source for c in kept)
    assert len(re.findall(r"^## Question \d+ \((?:[\w ]+, )?written\)", text, flags=re.M)) == len(manual) > 0, \
        "the PDF holds each written question's heading, and no other question's"
    assert sum(c.source == "_Type your answer here, replacing this text._" for c in kept) == \
        sum(c.cell_type == "markdown" and "otter_answer_cell" in c.metadata.get("tags", []) for c in nb.cells)


def test_question_markers_placement():
    """The markers go on the prompt's first cell, after the END of a question just before, or on a cell of their own."""
    from facecourse.authoring.exercises import ExerciseError, question_markers

    def md(s, **meta):
        return {"cell_type": "markdown", "metadata": meta, "source": s}

    def answer():
        return md("_Type your answer here, replacing this text._", tags=["otter_answer_cell"])

    code = {"cell_type": "code", "metadata": {"tags": ["otter_answer_cell"]}, "source": "x = ...", "outputs": []}
    nb = {"cells": [code, md("## Q2 (written)"), md(BEGIN_MARK + "\n\nWhy?", editable=False), answer(),
                    md(END_MARK + "\n\n## Q3 (written)\n\nAnd then?", editable=False), answer(),
                    md(END_MARK, editable=False), {**code, "metadata": {}}, answer(), md(END_MARK, editable=False)]}
    cells = question_markers(nb, 3)["cells"]
    src = ["".join(c["source"]) for c in cells]
    assert src[1] == BEGIN_MARK + "\n\n## Q2 (written)" and src[2] == "Why?"  # otter's marker moved to the heading
    assert src[4] == END_MARK + "\n\n" + BEGIN_MARK + "\n\n## Q3 (written)\n\nAnd then?"
    assert src[8] == BEGIN_MARK and cells[8]["metadata"]["editable"] is False  # no prompt: a marker cell
    assert [k for _, k in _markers(cells)] == list("BEBEBE")
    with pytest.raises(ExerciseError, match="2 END QUESTION marker"):
        question_markers({"cells": [answer(), md(END_MARK), answer(), md(END_MARK)]}, 3)


def test_otters_own_marker_cell_before_a_code_answer_is_replaced():
    from facecourse.authoring.exercises import question_markers

    def md(s, **meta):
        return {"cell_type": "markdown", "metadata": meta, "source": s}

    nb = {"cells": [md("## Q8 (written)\n\nBuild `datasheet`."), md(BEGIN_MARK, editable=False),
                    {"cell_type": "code", "metadata": {"tags": ["otter_answer_cell"]}, "source": "...", "outputs": []},
                    md(END_MARK, editable=False)]}
    cells = question_markers(nb, 1)["cells"]
    assert ["".join(c["source"]) for c in cells] == [
        BEGIN_MARK + "\n\n## Q8 (written)\n\nBuild `datasheet`.", "...", END_MARK]
