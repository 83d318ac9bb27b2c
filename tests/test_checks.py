"""facecourse.checks: test cases, "not answered yet" first, one plain sentence per failure."""

from __future__ import annotations

import json

import pytest

from facecourse import checks
from facecourse.checks import MISSING, Case, answered, close, expect, run_question


def _cases(*funcs, question="q1"):
    return [Case(question, f.__name__, f) for f in funcs]


def test_the_gate_stops_the_question_and_nothing_else_is_shown():
    def first(f):
        answered("q1", f=f)

    def second(f):
        expect(f(2) == 4, "f(2) should be 4")

    def empty(x):
        ...

    for placeholder in (..., None, empty, MISSING):
        result = run_question("q1", _cases(first, second), {"f": placeholder}.get)
        assert [r.kind for r in result.results] == ["unanswered", "not run"]
        assert str(result).startswith("q1 is not answered yet: ") and len(str(result).splitlines()) == 1
    assert str(run_question("q1", _cases(first, second), {"f": ...}.get)) == \
        "q1 is not answered yet: replace the `...` in the cell above."
    assert "`f` is not defined" in str(run_question("q1", _cases(first, second), lambda n: MISSING))


def test_passing_is_one_line_and_failing_one_sentence_per_case():
    def a(f):  # (pytest rewrites `assert` in this file: cases here use expect)
        answered("q1", f=f)
        expect(f(2) == 4, "f(2) should be 4")

    def b(f):
        close(f(0.5), 1.0, 1e-9, "f(0.5)", "double the number")

    ok = run_question("q1", _cases(a, b), {"f": lambda x: 2 * x}.get)
    assert str(ok) == "q1 passed: all 2 checks passed."
    bad = run_question("q1", _cases(a, b), {"f": lambda x: x + 3}.get)
    assert str(bad).splitlines() == ["q1: 2 of 2 checks failed.", "  - f(2) should be 4",
                                     "  - f(0.5) should be about 1 (within 1e-09), not 3.5: double the number."]
    assert "<li" in bad._repr_html_() and "&lt;" not in bad._repr_html_()


def test_exceptions_become_sentences_naming_the_students_function():
    env = {}
    exec("def f(x):\n    return x.missing_attribute\n", env)

    def case(f):
        answered("q1", f=f)
        expect(f(1) == 2, "f(1) should be 2")

    text = str(run_question("q1", _cases(case), env.get, own_globals=env))
    assert text.splitlines()[1].startswith("  - your `f` raised AttributeError: 'int' object has no attribute")
    assert "Traceback" not in text and "File " not in text

    def uses(answer):
        answered("q1", answer=answer)
        expect(answer.index("x") == 0, "answer should start with x")

    text = str(run_question("q1", _cases(uses), {"answer": 3}.get, own_globals={}))
    assert "could not use your answer: AttributeError" in text


def test_helpers_say_what_was_expected_and_what_came_back():
    expect(True, "never shown")
    with pytest.raises(AssertionError, match="^the list should not be empty$"):
        expect([], "the list should not be empty")
    close(0.351, 0.351, 0.005, "the distance")
    with pytest.raises(AssertionError, match=r"should be one number, about 0.351, not \[0.351\] \(list\)"):
        close([0.351], 0.351, 0.005, "the distance")
    with pytest.raises(AssertionError, match="not nan"):
        close(float("nan"), 0.351, 0.005, "the distance")
    assert checks.type_name(None) == "None" and checks.type_name(MISSING).startswith("nothing")


def test_a_sentence_is_never_a_transcript():
    def long(x):
        raise AssertionError("\n".join(f"line {i}" for i in range(40)))

    result = run_question("q1", _cases(long), {"x": 1}.get)
    sentence = result.results[0].sentence
    assert len(sentence.splitlines()) <= checks.MAX_LINES and sentence.endswith("[...]")


def test_the_students_grader_reads_the_notebooks_own_tests(tmp_path, monkeypatch):
    """``Notebook.check`` as an exercise's first cell makes it: cases from the notebook's metadata."""
    source = ("from otter.test_files import test_case\n\nOK_FORMAT = False\n\nname = 'q1'\npoints = 1\n\n"
              "@test_case(points=None, hidden=False)\n"
              "def test_q1_1(f):\n    from facecourse.checks import answered\n    answered('q1', f=f)\n"
              "    assert f(2) == 4, 'f(2) should be 4'\n")
    nb = {"cells": [], "metadata": {"otter": {"OK_FORMAT": False, "assignment_name": "T", "tests": {"q1": source}}},
          "nbformat": 4, "nbformat_minor": 5}
    (tmp_path / "T.ipynb").write_text(json.dumps(nb))
    monkeypatch.chdir(tmp_path)
    grader = checks.Notebook("T.ipynb")
    list = type = np = "scratch"  # noqa: F841 - a student's names never reach a case

    def f(x):
        return 2 * x

    assert str(grader.check("q1", {"f": f, "list": list, "type": type})) == "q1 passed: the check passed."
    assert str(grader.check("q1", {"f": lambda x: x})) == "q1: 1 of 1 check failed.\n  - f(2) should be 4"
    assert str(grader.check("q1", {})).startswith("q1 is not answered yet")
    assert str(grader.check_all()).startswith("q1 is not answered yet")
