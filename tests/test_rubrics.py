"""Every written (manually graded) question has a model answer and a points rubric, in the solution only.

The format, inside the question's ``# BEGIN SOLUTION`` block (a markdown cell; otter removes it from
the exercise):

    **Model answer.** The answer a full-marks student could write.

    **Rubric (2 points).**
    * 1 point: what earns it.
    * 1 point: what earns it.

    **Common weak answers.**
    * "A typical weak answer": 1 of 2 points (why).
    * Another one: loses the second point.

The rubric's points add up to the question's ``points``; each weak answer says what it gets. The
instructor guide (INSTRUCTORS.md) tells graders to read them beside the answers ``course.py grade``
collects in ``grades/manual/``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from facecourse import grading
from facecourse.authoring.exercises import questions

SOLUTIONS = grading.solution_notebooks()
#: assignments whose written questions another branch is giving rubrics (the capstone helper owns
#: A2 and D1). Strict: once the rubric is there the test fails until the entry is removed.
PENDING: dict[str, str] = {}  # assignment -> why its rubric is not there yet (an expected failure, strict)
WEAK_SCORE = re.compile(r"\d+(?:\.\d+)? of \d+(?:\.\d+)? points?|loses the \w+ point|half of the \w+ point")


def _src(cell: dict) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def solution_texts(path: Path) -> dict[str, str]:
    """The markdown of each question's solution block, by question name."""
    out, name, inside = {}, None, False
    for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
        head = _src(cell).strip()
        if cell["cell_type"] == "raw":
            if head.startswith("# BEGIN QUESTION"):
                name = re.search(r"name:\s*(\S+)", head).group(1)
                out[name] = ""
            inside = head == "# BEGIN SOLUTION" or (inside and head != "# END SOLUTION")
        elif inside and name and cell["cell_type"] == "markdown":
            out[name] += head + "\n\n"
        elif inside and name and cell["cell_type"] == "code":  # a written question answered in code (D1 q7):
            comments = [line[2:] if line.startswith("# ") else line[1:] for line in head.splitlines()
                        if line.startswith("#") and line.strip() not in ("# BEGIN SOLUTION", "# END SOLUTION")]
            out[name] += "\n".join(comments) + "\n\n"  # its model answer and rubric are the code's comments
    return out


def rubric_problems(text: str, points: float) -> list[str]:
    """What is missing from one written question's model answer and rubric (empty: nothing)."""
    problems = []
    if "**Model answer" not in text:
        problems.append("no **Model answer.**")
    head = re.search(r"\*\*Rubric \((\d+(?:\.\d+)?) points?\)\.?\*\*", text)
    if not head:
        return problems + ["no **Rubric (N points).**"]
    if float(head.group(1)) != points:
        problems.append(f"the rubric is for {head.group(1)} points, the question is worth {points:g}")
    rubric, _, weak = text[head.end():].partition("**Common weak answers.**")
    awarded = [float(x) for x in re.findall(r"^\* (\d+(?:\.\d+)?) points?:", rubric, flags=re.M)]
    if sum(awarded) != points:
        problems.append(f"the rubric's bullets award {sum(awarded):g} points, not {points:g}")
    bullets = [" ".join(b.split()) for b in re.split(r"(?m)^\* ", weak)[1:]]
    if len(bullets) < 2:
        problems.append("fewer than two common weak answers")
    problems += [f"a weak answer does not say what it gets: {b[:60]!r}" for b in bullets if not WEAK_SCORE.search(b)]
    return problems


@pytest.mark.parametrize("solution", SOLUTIONS, ids=lambda p: p.stem)
def test_every_written_question_has_a_model_answer_and_a_rubric(solution, request):
    if solution.stem in PENDING:
        request.applymarker(pytest.mark.xfail(strict=True, reason=PENDING[solution.stem]))
    manual = [q for q in questions(solution.stem) if q.manual]
    assert manual, f"{solution.stem} has no written question"
    texts = solution_texts(solution)
    problems = {q.name: p for q in manual if (p := rubric_problems(texts.get(q.name, ""), q.points))}
    assert problems == {}


@pytest.mark.parametrize("solution", SOLUTIONS, ids=lambda p: p.stem)
def test_no_exercise_contains_a_model_answer_or_a_rubric(solution):
    text = (grading.EXERCISES / solution.name).read_text(encoding="utf-8")
    for word in ("Model answer", "**Rubric", "Common weak answers"):
        assert word not in text, f"exercises/{solution.name} shows {word!r}: it belongs in the solution only"


def test_the_rubric_check_can_fail():
    good = ("**Model answer.** Yes.\n\n**Rubric (2 points).**\n* 1 point: a.\n* 1 point: b.\n\n"
            "**Common weak answers.**\n* \"No\": 0 of 2 points.\n* Half right: loses the second point.\n")
    assert rubric_problems(good, 2) == []
    assert rubric_problems(good.replace("**Model answer.** ", ""), 2) == ["no **Model answer.**"]
    assert rubric_problems(good, 3) == ["the rubric is for 2 points, the question is worth 3",
                                        "the rubric's bullets award 2 points, not 3"]
    assert rubric_problems(good.replace("* Half right: loses the second point.\n", ""), 2) == \
        ["fewer than two common weak answers"]
    assert rubric_problems(good.replace(": 0 of 2 points", ""), 2) == \
        ["a weak answer does not say what it gets: '\"No\".'"]
    assert rubric_problems("**Model answer.** Yes.", 2) == ["no **Rubric (N points).**"]
