"""The public checks check, and speak plainly, run exactly as a student's ``grader.check`` runs them.

``tests/wrong_answers/<assignment>.py`` holds, per auto-graded question, wrong answers written as
a weak student would write them (``WRONG``) and right answers in other forms that must pass
(``RIGHT``, e.g. numpy scalars where the question does not ask for a Python type).

For each exercise this test starts one real kernel in ``exercises/`` (where a student's notebook
runs) and walks the GENERATED exercise notebook cell by cell, its answer cells filled with the
solution's answers; its first cell makes the course's checker (``facecourse.checks.Notebook``),
which reads the public cases from the notebook's own metadata and runs each case on its own. At
each ``grader.check("qN")`` cell it

1. runs the check as the cell would: every public case must pass on the solution's answers;
2. for each wrong answer: executes it on top of the namespace (it rebinds the names the question
   asks for), runs ``grader.check("qN")``, and requires that a case fails with a plain sentence
   (at most 5 lines, no traceback, no interpreter path, no "not answered yet"); then restores the
   namespace;
3. for each right answer in another form: the check must pass.

After the last cell, each of ``AT_END`` (code a student may run at the end of the notebook, with the
questions whose checks must still pass after it, e.g. the capstone's tables read again after the erasure)
is executed and those checks run, the namespace restored after each.

A second walk runs the exercise notebook as generated (nothing answered): every auto-graded
question's check must say only "qN is not answered yet: ...", in one line.

Hidden tests are not used here: a student sees only the public ones (the round trip in
``tests/grading/test_round_trip.py`` grades with them).
"""

from __future__ import annotations

import importlib.util
import json
import queue
import re
from functools import lru_cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions"
EXERCISES = ROOT / "exercises"
WRONG_DIR = Path(__file__).resolve().parent / "wrong_answers"
#: at least this many wrong answers per auto-graded question, by track letter (issue 12)
MINIMUM = {"B": 4}
DEFAULT_MINIMUM = 3
MUTANT_SECONDS = 60
CHECK = re.compile(r'^grader\.check\("(\w+)"\)$')
NOISE = ("Traceback", 'File "', "Error at line", "site-packages", "Trying:", "Expecting", "<ipython-input",
         )


def _src(cell: dict) -> str:
    s = cell.get("source", "")
    return "".join(s) if isinstance(s, list) else s


def _answers_module(assignment: str):
    path = WRONG_DIR / f"{assignment}.py"
    if not path.is_file():
        return None
    spec = importlib.util.spec_from_file_location(f"wrong_answers_{assignment}", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def load_answers(assignment: str) -> tuple[dict, dict]:
    mod = _answers_module(assignment)
    return getattr(mod, "WRONG", {}), getattr(mod, "RIGHT", {})


def load_at_end(assignment: str) -> dict:
    return getattr(_answers_module(assignment), "AT_END", {})


def exercise_cells(assignment: str, answered: bool) -> list[tuple[str, str | None]]:
    """The exercise's code cells as (code, question checked there or None), answers filled in if asked."""
    from facecourse import grading

    nb = json.loads((EXERCISES / f"{assignment}.ipynb").read_text(encoding="utf-8"))
    fills = []
    if answered:
        ref = grading.reference_submission(assignment)
        fills = [_src(c) for c in ref["cells"] if c["cell_type"] == "code"
                 and "otter_assign_solution_cell" in c["metadata"].get("tags", [])]
    out, k = [], 0
    for c in nb["cells"]:
        if c["cell_type"] != "code":
            continue
        src = _src(c)
        if "otter_answer_cell" in c["metadata"].get("tags", []):
            src = fills[k] if answered else src
            k += 1
        m = CHECK.match(src.strip())
        out.append((src, m.group(1) if m else None))
    if answered and k != len(fills):
        raise AssertionError(f"{assignment}: {k} answer cells but {len(fills)} solution cells")
    return out


ASSIGNMENTS = sorted(p.stem for p in SOLUTIONS.glob("*.ipynb"))

# Runs inside the kernel: try one answer against the question's public cases, as grader.check does
# (the course's Notebook), then restore the namespace.
_TRY = r'''
def __fc_try(answer, question, seconds):
    import json as _json, signal as _signal
    g = globals()
    saved = dict(g)

    def _alarm(signum, frame):
        raise TimeoutError(f"took more than {seconds} s")

    old = _signal.signal(_signal.SIGALRM, _alarm)
    _signal.alarm(seconds)
    try:
        if answer is not None:
            try:
                exec(compile(answer, "<answer>", "exec"), g)
            except BaseException as exc:
                return print("__FC__" + _json.dumps(["answer-raised", f"{type(exc).__name__}: {exc}"]))
        result = g["grader"].check(question)
        print("__FC__" + _json.dumps(["checked", [[r.kind, r.sentence] for r in result.results], str(result)]))
    except BaseException as exc:
        print("__FC__" + _json.dumps(["check-raised", f"{type(exc).__name__}: {exc}"]))
    finally:
        _signal.alarm(0)
        _signal.signal(_signal.SIGALRM, old)
        g.clear()
        g.update(saved)
'''


class Kernel:
    def __init__(self, cwd: Path):
        from jupyter_client.manager import start_new_kernel

        self.km, self.kc = start_new_kernel(kernel_name="python3", cwd=str(cwd))

    def run(self, code: str, timeout: float = 600) -> tuple[str, list[str]]:
        """Execute ``code``; return (status, stdout lines); status "error: ..." on an exception."""
        out: list[str] = []
        err: list[str] = []

        def hook(msg):
            t, c = msg["msg_type"], msg["content"]
            if t == "stream" and c.get("name") == "stdout":
                out.append(c["text"])
            elif t == "error":
                err.append(f"{c['ename']}: {c['evalue']}")

        try:
            reply = self.kc.execute_interactive(code, timeout=timeout, output_hook=hook, allow_stdin=False)
        except (TimeoutError, queue.Empty):
            return "error: timed out", out
        if reply["content"]["status"] != "ok":
            return "error: " + ("; ".join(err) or reply["content"].get("ename", "?")), out
        return "ok", "".join(out).splitlines()

    def close(self):
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=True)


def _result(lines: list[str]) -> list:
    for ln in reversed(lines):
        if ln.startswith("__FC__"):
            return json.loads(ln[len("__FC__"):])
    return ["no-result", "\n".join(lines[-5:])]


def walk(assignment: str, answered: bool, tries: dict | None = None) -> dict:
    """Run the exercise in a kernel in exercises/; at each check cell, the check (and ``tries``)."""
    result = {"questions": {}, "setup_error": None, "at_end": {}}
    kernel = Kernel(EXERCISES)
    try:
        kernel.run(_TRY)
        call = "__fc_try({!r}, {!r}, {})"
        for code, question in exercise_cells(assignment, answered):
            if question is None:
                status, _ = kernel.run(code)
                if status != "ok" and answered:
                    result["setup_error"] = f"the exercise failed while running: {status}"
                    return result
                continue
            q = {"correct": _result(kernel.run(call.format(None, question, MUTANT_SECONDS))[1]),
                 "wrong": {}, "right": {}}
            for kind in ("wrong", "right"):
                for label, answer in (tries or {}).get(kind, {}).get(question, {}).items():
                    q[kind][label] = _result(kernel.run(call.format(answer, question, MUTANT_SECONDS))[1])
            result["questions"][question] = q
        for label, (answer, questions) in (tries or {}).get("at_end", {}).items():
            result["at_end"][label] = {question: _result(kernel.run(call.format(answer, question, MUTANT_SECONDS))[1])
                                       for question in questions}
    finally:
        kernel.close()
    return result


@lru_cache(maxsize=None)
def outcomes(assignment: str) -> dict:
    wrong, right = load_answers(assignment)
    return walk(assignment, True, {"wrong": wrong, "right": right, "at_end": load_at_end(assignment)})


def plain(sentence: str) -> str | None:
    """Why ``sentence`` is not a plain sentence a student can act on (None: it is)."""
    if not sentence.strip():
        return "it is empty"
    if len(sentence.splitlines()) > 5:
        return f"it has {len(sentence.splitlines())} lines (at most 5)"
    noise = [n for n in NOISE if n in sentence]
    return f"it shows {noise}" if noise else None


@pytest.mark.slow
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_public_checks_pass_the_solution_and_fail_every_wrong_answer(assignment):
    res = outcomes(assignment)
    assert res["setup_error"] is None, res["setup_error"]
    wrong, right = load_answers(assignment)
    problems = []
    minimum = MINIMUM.get(assignment[0], DEFAULT_MINIMUM)
    for name, q in res["questions"].items():
        correct = q["correct"]
        if correct[0] != "checked" or not correct[1] or any(kind != "passed" for kind, _ in correct[1]):
            problems.append(f"{name}: the solution itself does not pass its public checks: {correct}")
        if len(wrong.get(name, {})) < minimum:
            problems.append(f"{name}: tests/wrong_answers/{assignment}.py holds {len(wrong.get(name, {}))} wrong "
                            f"answers; at least {minimum} are required")
        for label, r in q["wrong"].items():
            if r[0] == "answer-raised":
                problems.append(f"{name}: the wrong answer '{label}' itself raised {r[1]}: write it so that it runs")
                continue
            if r[0] != "checked":
                problems.append(f"{name}: wrong answer '{label}': grader.check raised or gave nothing: {r[1]}")
                continue
            failing = [(kind, s) for kind, s in r[1] if kind != "passed"]
            if not failing:
                problems.append(f"{name}: wrong answer ACCEPTED by the public checks: {label}")
                continue
            kind, sentence = failing[0]
            why = plain(sentence)
            if kind == "unanswered" or kind == "not run":
                problems.append(f"{name}: wrong answer '{label}' is told it is not answered yet")
            elif why:
                problems.append(f"{name}: wrong answer '{label}': the failure is not a plain sentence ({why}): "
                                f"{sentence[:300]!r}")
            for ln in r[2].splitlines():
                if any(n in ln for n in NOISE[:4]):
                    problems.append(f"{name}: wrong answer '{label}': the check shows {ln[:200]!r}")
        for label, r in q["right"].items():
            if r[0] != "checked" or any(kind != "passed" for kind, _ in r[1]):
                problems.append(f"{name}: a right answer in another form is REJECTED ({label}): {r[1:]}")
    for label, checked in res["at_end"].items():
        for name, r in checked.items():
            if r[0] != "checked" or any(kind != "passed" for kind, _ in r[1]):
                problems.append(f"{name}: its check fails after '{label}' at the end of the notebook: {r[1:]}")
    unknown = (set(wrong) | set(right)) - set(res["questions"])
    for name in sorted(unknown):
        problems.append(f"{name}: wrong_answers lists a question the exercise does not check (or a manual one)")
    assert not problems, f"{assignment}:\n  " + "\n  ".join(problems)


@pytest.mark.slow
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_an_unanswered_exercise_is_told_not_answered_yet_and_nothing_else(assignment):
    from facecourse import grading

    res = walk(assignment, False)
    auto = [q.name for q in grading.questions(assignment) if not q.manual]
    assert sorted(res["questions"]) == sorted(auto), "every auto-graded question has its grader.check cell"
    for name, q in res["questions"].items():
        r = q["correct"]
        assert r[0] == "checked", (name, r)
        text = r[2]
        assert text.startswith(f"{name} is not answered yet: ") and len(text.splitlines()) == 1, (name, text)
        assert text in (f"{name} is not answered yet: replace the `...` in the cell above.",) or \
            "is not defined; replace the `...` in the cell above and run that cell." in text, (name, text)
