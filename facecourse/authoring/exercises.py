"""Exercises are generated from solutions, with otter-grader.

``solutions/NN_name.ipynb`` (built from ``sources/solutions/NN_name.py``) is the single source of
each exercise: an Otter Assign master notebook with the answers, the public tests (shown to
students, run by ``grader.check``) and the hidden tests (used only for grading).
``generate_exercises`` runs ``otter assign`` on each solution and writes

* ``exercises/NN_name.ipynb``: the student notebook (answers replaced by ``...``; public tests
  embedded in its metadata, hidden tests absent), committed;
* ``build/autograder/NN_name.zip``: the autograder with all tests, git-ignored (it holds the
  hidden tests), rebuilt whenever needed.

``check_exercises`` regenerates into a scratch folder and reports any difference from the
committed ``exercises/``; CI fails on a difference.

Tests use otter's exception-based format (``tests: ok_format: false``): each test cell is one
function whose parameters name the notebook values it reads (:mod:`facecourse.checks`). ``assign``
checks the conventions (:func:`test_format_problems`) and gives the student notebook the course's
checker, ``from facecourse.checks import Notebook``, in place of ``otter.Notebook`` (same
``grader.check``/``check_all``/``export``, plain-sentence feedback).

Example::

    python3 course.py exercises B4_verification     # one exercise
    python3 course.py exercises                     # all of them
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml

from ..paths import BUILD, ROOT
from .notebooks import dumps, normalise as _normalise

SOLUTIONS = ROOT / "solutions"
EXERCISES = ROOT / "exercises"
AUTOGRADERS = BUILD / "autograder"


class ExerciseError(RuntimeError):
    """Exercise generation failed, or an assignment name is unknown; the message says which."""


def solution_notebooks() -> list[Path]:
    return sorted(SOLUTIONS.glob("*.ipynb"))


def _otter(*args: str | Path, cwd: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "otter", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True)
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-25:])
        raise ExerciseError(f"otter {' '.join(map(str, args))} failed:\n{tail}")


OTTER_INIT = re.compile(r"^# Initialize Otter\s+import otter\s+grader = otter\.Notebook\((\"[^\"()]*\")\)\s*$")
COURSE_INIT = ("# The checks of this exercise: run grader.check(\"q1\") after answering q1\n"
               "from facecourse.checks import Notebook\ngrader = Notebook({})")


def _text(source) -> str:
    return "".join(source) if isinstance(source, list) else source


def solution_blocks(master: dict) -> list[str]:
    """Code cells between ``# BEGIN SOLUTION`` and ``# END SOLUTION`` raw cells of a master notebook."""
    out, inside = [], False
    for c in master.get("cells", []):
        text = _text(c.get("source", "")).strip()
        if c.get("cell_type") == "raw" and text.startswith("# BEGIN SOLUTION"):
            inside = True
        elif c.get("cell_type") == "raw" and text.startswith("# END SOLUTION"):
            inside = False
        elif inside and c.get("cell_type") == "code":
            out.append(_text(c.get("source", "")))
    return out


def _course_checker(student: dict) -> dict:
    """The student notebook with otter's init cell replaced by the course's checker (same ``grader``)."""
    for cell in student.get("cells", []):
        if cell.get("cell_type") == "code":
            m = OTTER_INIT.match(_text(cell.get("source", "")))
            if m:
                cell["source"] = COURSE_INIT.format(m.group(1))
                break
    return student


BEGIN_MARK, END_MARK = "<!-- BEGIN QUESTION -->", "<!-- END QUESTION -->"


def _locked(cell: dict) -> None:
    cell.setdefault("metadata", {}).update(deletable=False, editable=False)


def _is_answer(cell: dict) -> bool:
    return "otter_answer_cell" in cell.get("metadata", {}).get("tags", [])


def question_markers(student: dict, n_manual: int) -> dict:
    """Enclose each manually graded question of a student notebook in BEGIN/END QUESTION markers.

    Otter's PDF export for manual grading (``otter export --filtering``) keeps only what lies
    between ``<!-- BEGIN QUESTION -->`` and ``<!-- END QUESTION -->``. Otter assign writes the END
    marker after each manual question, but puts the BEGIN marker on the first cell after the
    question's ``# BEGIN QUESTION`` cell; when that cell is the written model answer (a solution
    block), the marker is removed with it and the exported PDF holds nothing. So, after otter, each
    question's BEGIN marker is (re)placed on the first cell of its prompt: the run of markdown cells
    (heading and text) just above its answer cell, ``_Type your answer here..._``. The marker cell is
    locked, as otter locks it. A question with no markdown prompt gets a marker cell of its own.

    ``n_manual``: the number of manual questions (otter must have written one END marker for each,
    else ``ExerciseError``). Changes ``student`` in place and returns it.
    """
    cells = student.get("cells", [])
    ends = [i for i, c in enumerate(cells) if c.get("cell_type") == "markdown" and END_MARK in _text(c["source"])]
    if len(ends) != n_manual:
        raise ExerciseError(f"otter wrote {len(ends)} END QUESTION marker(s) for {n_manual} manual question(s)")
    inserted = 0
    for k, end in enumerate(ends):
        end += inserted
        start = ends[k - 1] + inserted if k else -1
        answers = [i for i in range(start + 1, end) if _is_answer(cells[i])]
        has_begin = [i for i in range(start + 1, end) if BEGIN_MARK in _text(cells[i]["source"])]
        if not answers:  # a question answered elsewhere (no answer cell): otter's marker, or one just after start
            if not has_begin:
                cell = {"cell_type": "markdown", "id": "", "metadata": {}, "source": BEGIN_MARK}
                _locked(cell)
                cells.insert(start + 1, cell)
                inserted += 1
            continue
        for i in reversed(has_begin):  # otter's own BEGIN marker (where it kept it) is re-placed below
            rest = re.sub(re.escape(BEGIN_MARK) + r"\n*", "", _text(cells[i]["source"]), count=1)
            if rest.strip():
                cells[i]["source"] = rest
            else:  # otter's marker cell of its own (before a code cell): gone with its marker
                del cells[i]
                inserted -= 1
                end -= 1
        answers = [i for i in range(start + 1, end) if _is_answer(cells[i])]
        first = answers[-1]  # the question's answer cells: the last run of them before its END marker
        while first - 1 > start and _is_answer(cells[first - 1]):
            first -= 1
        answer = first
        while first - 1 > start and cells[first - 1].get("cell_type") == "markdown" and END_MARK not in _text(
                cells[first - 1]["source"]) and not _is_answer(cells[first - 1]):
            first -= 1
        if first == start + 1 and start >= 0 and _text(cells[start]["source"]).split(END_MARK, 1)[1].strip():
            first = start  # the cell that closes the previous question also opens this one's prompt
        if first == answer:  # no prompt at all: a marker cell of its own
            cell = {"cell_type": "markdown", "id": "", "metadata": {}, "source": BEGIN_MARK}
            _locked(cell)
            cells.insert(first, cell)
            inserted += 1
            continue
        src = _text(cells[first]["source"])
        if END_MARK in src:  # BEGIN goes right after the END that closes the previous question
            head, tail = src.split(END_MARK, 1)
            cells[first]["source"] = head + END_MARK + "\n\n" + BEGIN_MARK + "\n\n" + tail.lstrip("\n")
        else:
            cells[first]["source"] = BEGIN_MARK + "\n\n" + src
        _locked(cells[first])
    return student


def test_format_problems(master: dict, student: dict) -> list[str]:
    """What breaks the course's test conventions in a master notebook (empty: none). See CONTRIBUTING.md.

    Each test cell is ONE function (otter's exception-based format, ``tests: ok_format: false``);
    its name is unique in the notebook; its parameters are names the exercise gives or the
    solution binds; every question's first case calls ``answered(...)``.
    """
    import ast

    import yaml

    from ..grading.worker import _bound, provided_plan

    problems = []
    cells = master.get("cells", [])
    config = next((yaml.safe_load(_text(c["source"]).split("\n", 1)[1]) or {} for c in cells
                   if c.get("cell_type") == "raw" and _text(c["source"]).startswith("# ASSIGNMENT CONFIG")), {})
    if (config.get("tests") or {}).get("ok_format") is not False:
        return ["its tests are in the old doctest format: each test cell must now be one function and the "
                "ASSIGNMENT CONFIG must say `tests: ok_format: false` (convert it with `python -m "
                "facecourse.authoring.convert NOTEBOOK --write`; see CONTRIBUTING.md)"]
    code = [c for c in student.get("cells", []) if c.get("cell_type") == "code"]
    reference = [_text(c.get("source", "")) for c in code]
    flags = ["otter_answer_cell" in c.get("metadata", {}).get("tags", []) for c in code]
    answers, early, late = provided_plan(reference, flags, solution_blocks(master))
    known = answers | set().union(*[_bound(src) for _, src in early + late])
    question, in_tests, first, names = None, False, False, set()
    for c in cells:
        text = _text(c.get("source", ""))
        if c.get("cell_type") == "raw":
            head = text.strip()
            if head.startswith("# BEGIN QUESTION"):
                question = (yaml.safe_load(head.split("\n", 1)[1]) or {}).get("name")
            elif head == "# BEGIN TESTS":
                in_tests, first = True, True
            elif head == "# END TESTS":
                in_tests = False
            continue
        if not (in_tests and c.get("cell_type") == "code"):
            continue
        body = text.split('""" # END TEST CONFIG', 1)[-1] if "# BEGIN TEST CONFIG" in text else text
        try:
            tree = ast.parse(body)
        except SyntaxError as exc:
            problems.append(f"{question}: a test cell does not parse: {exc}")
            continue
        funcs = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
        if len(tree.body) != 1 or len(funcs) != 1:
            problems.append(f"{question}: a test cell must be exactly one function definition "
                            f"(`def test_{question}_1(...):`), not {len(tree.body)} statement(s)")
            continue
        f = funcs[0]
        if f.name in names:
            problems.append(f"{question}: two test cases are called {f.name}")
        names.add(f.name)
        params = [a.arg for a in f.args.args + f.args.kwonlyargs]
        unknown = [p for p in params if p not in known]
        if unknown:
            problems.append(f"{question} {f.name}: parameters {unknown} are neither given by the exercise nor "
                            "bound by its solution (import modules inside the function)")
        if first and not any(isinstance(n, ast.Call) and getattr(n.func, "id", getattr(n.func, "attr", None))
                             == "answered" for n in ast.walk(f)):
            problems.append(f"{question}: its first test case must call answered({question!r}, ...) "
                            "(the \"not answered yet\" check)")
        first = False
    return problems


def assign(solution: Path, workdir: Path, run_tests: bool = True) -> tuple[dict, Path]:
    """Run otter assign on one solution; return (normalised student notebook, autograder zip).

    Raises ``ExerciseError`` when the solution's tests break the course's conventions.
    """
    dist = workdir / solution.stem
    args = ["assign", "--no-pdfs"] + ([] if run_tests else ["--no-run-tests"]) + [solution, dist]
    _otter(*args, cwd=solution.parent)
    student = json.loads((dist / "student" / solution.name).read_text(encoding="utf-8"))
    problems = test_format_problems(json.loads(solution.read_text(encoding="utf-8")), student)
    if problems:
        raise ExerciseError(f"{solution.name}: " + "; ".join(problems))
    student = _course_checker(student)
    master = json.loads(solution.read_text(encoding="utf-8"))
    student = question_markers(student, sum(q.manual for q in _master_questions(master)))
    zips = sorted((dist / "autograder").glob("*.zip"))
    if len(zips) != 1:
        raise ExerciseError(f"otter assign made {len(zips)} autograder zips for {solution.name}")
    return _normalise(student), zips[0]


def _chosen(names: list[str] | None) -> list[Path]:
    sols = solution_notebooks()
    if not names:
        return sols
    out = []
    for name in names:
        hit = [s for s in sols if s.stem == Path(name).stem]
        if not hit:
            raise ExerciseError(f"no exercise called {name!r}; known: {', '.join(s.stem for s in sols)}")
        out += hit
    return out


def generate_exercises(names: list[str] | None = None, run_tests: bool = True) -> list[Path]:
    """Regenerate exercise notebooks and autograder zips from ``solutions/`` (all, or ``names``).

    ``names`` are solution stems such as ``"B4_verification"``; an unknown name raises
    ``ExerciseError`` listing the known ones. Example: ``generate_exercises(["00_warmup"])``.
    """
    EXERCISES.mkdir(exist_ok=True)
    AUTOGRADERS.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory() as tmp:
        for sol in _chosen(names):
            student, zip_path = assign(sol, Path(tmp), run_tests=run_tests)
            out = EXERCISES / sol.name
            out.write_text(dumps(student), encoding="utf-8")
            shutil.copyfile(zip_path, AUTOGRADERS / f"{sol.stem}.zip")
            written.append(out)
    if not names:
        stale = {p.name for p in EXERCISES.glob("*.ipynb")} - {s.name for s in solution_notebooks()}
        for name in sorted(stale):
            (EXERCISES / name).unlink()
    return written


def reference_submission(assignment: str) -> dict:
    """The exercise notebook with every answer filled in from the solution (a full-marks submission)."""
    with tempfile.TemporaryDirectory() as tmp:
        _otter("assign", "--no-pdfs", "--no-run-tests", SOLUTIONS / f"{assignment}.ipynb", Path(tmp) / "dist",
               cwd=SOLUTIONS)
        return json.loads((Path(tmp) / "dist" / "autograder" / f"{assignment}.ipynb").read_text(encoding="utf-8"))


def autograder_zip(assignment: str) -> Path:
    """The autograder zip for ``assignment`` (a solution's stem), building it if missing or stale."""
    sol = SOLUTIONS / f"{assignment}.ipynb"
    if not sol.is_file():
        known = ", ".join(s.stem for s in solution_notebooks())
        raise ExerciseError(f"no assignment called {assignment!r}; known: {known}")
    z = AUTOGRADERS / f"{assignment}.zip"
    if not z.is_file() or z.stat().st_mtime < sol.stat().st_mtime:
        AUTOGRADERS.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory() as tmp:
            _, made = assign(sol, Path(tmp), run_tests=False)
            shutil.copyfile(made, z)
    return z


def check_exercises(names: list[str] | None = None) -> list[str]:
    """Differences between committed ``exercises/`` and a fresh generation (empty: up to date)."""
    problems = []
    with tempfile.TemporaryDirectory() as tmp:
        expected = {}
        for sol in _chosen(names):
            student, _ = assign(sol, Path(tmp), run_tests=False)
            expected[sol.name] = dumps(student)
    committed = {p.name: p.read_text(encoding="utf-8") for p in EXERCISES.glob("*.ipynb")
                 if not names or p.name in expected}
    for name in sorted(set(expected) | set(committed)):
        if name not in committed:
            problems.append(f"exercises/{name} is missing (its solution exists)")
        elif name not in expected:
            problems.append(f"exercises/{name} has no solution in solutions/ (stale)")
        elif committed[name] != expected[name]:
            problems.append(f"exercises/{name} differs from what solutions/{name} generates")
    return problems



@dataclass
class Question:
    """One question of an assignment, as its ``# BEGIN QUESTION`` cell declares it."""

    name: str
    points: float
    manual: bool


def questions(assignment: str, folder: str | Path | None = None) -> list[Question]:
    """The questions of an assignment, read with a YAML parser from its solution's raw cells.

    ``folder`` is the solutions folder (default: the repository's ``solutions/``; instructors
    grade with a private copy). Raises ``ExerciseError`` when the assignment has no solution.

    Example: ``[q.name for q in questions("B4_verification")]`` gives ``['q1', 'q2', 'q3', 'q4', 'q5']``.
    """
    path = (Path(folder) if folder is not None else SOLUTIONS) / f"{assignment}.ipynb"
    if not path.is_file():
        raise ExerciseError(f"no assignment called {assignment!r}")
    return _master_questions(json.loads(path.read_text(encoding="utf-8")))


def _master_questions(nb: dict) -> list[Question]:
    """The questions a master (solution) notebook declares, in order."""
    out = []
    for cell in nb["cells"]:
        src = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        if cell["cell_type"] == "raw" and src.strip().startswith("# BEGIN QUESTION"):
            conf = yaml.safe_load(src.strip().split("\n", 1)[1]) or {}
            out.append(Question(str(conf["name"]), float(conf.get("points", 1)), bool(conf.get("manual", False))))
    return out
