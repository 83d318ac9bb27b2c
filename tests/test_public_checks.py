"""The public checks check: every wrong answer a weak student would give fails its public check.

``tests/wrong_answers/<assignment>.py`` holds, per auto-graded question, wrong answers written as
a weak student would write them (``WRONG``) and right answers in other forms that must pass
(``RIGHT``, e.g. numpy scalars where the question does not ask for a Python type).

For each solution notebook this test starts one real kernel in ``solutions/`` (as a student's
exercise runs) and walks the notebook in order. Right after a question's solution cells it

1. runs that question's public tests: the correct answer must pass them;
2. for each wrong answer: executes it on top of the namespace (it rebinds the names the question
   asks for), runs the public tests, and requires that one of them fails with an
   ``AssertionError`` carrying a plain-sentence message (any other exception, or a bare
   ``assert``, would show the student a traceback instead of saying what is wrong); then
   restores the namespace;
3. for each right answer in another form: the public tests must pass.

Hidden tests are not used here: a student sees only the public ones.
"""

from __future__ import annotations

import importlib.util
import json
import queue
from functools import lru_cache
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions"
WRONG_DIR = Path(__file__).resolve().parent / "wrong_answers"
#: at least this many wrong answers per auto-graded question, by track letter (issue 12)
MINIMUM = {"B": 4}
DEFAULT_MINIMUM = 3
MUTANT_SECONDS = 60


def _src(cell: dict) -> str:
    s = cell.get("source", "")
    return "".join(s) if isinstance(s, list) else s


def parse_solution(path: Path) -> list[tuple]:
    """The notebook as a list of steps: ("run", code) and ("question", name, manual, public_tests)."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    steps: list[tuple] = []
    question = None
    mode = None  # None, "solution", "tests"
    public: list[str] = []
    for cell in cells:
        src = _src(cell)
        head = src.strip()
        if cell["cell_type"] == "raw":
            if head.startswith("# BEGIN QUESTION"):
                conf = yaml.safe_load(head.split("\n", 1)[1]) or {}
                question = (str(conf["name"]), bool(conf.get("manual", False)))
                public = []
            elif head == "# BEGIN SOLUTION":
                mode = "solution"
            elif head == "# END SOLUTION":
                mode = None
            elif head == "# BEGIN TESTS":
                mode = "tests"
            elif head == "# END TESTS":
                mode = None
            elif head == "# END QUESTION":
                if question is not None:
                    steps.append(("question", question[0], question[1], list(public)))
                question = None
            continue
        if cell["cell_type"] != "code":
            continue
        if mode == "tests":
            if "# BEGIN TEST CONFIG" in src:
                conf_text = src.split('""" # BEGIN TEST CONFIG', 1)[1].split('""" # END TEST CONFIG', 1)[0]
                if (yaml.safe_load(conf_text) or {}).get("hidden", False):
                    continue
                src = src.split('""" # END TEST CONFIG', 1)[1]
            public.append(src)
        else:
            steps.append(("run", src))
    return steps


def load_answers(assignment: str) -> tuple[dict, dict]:
    path = WRONG_DIR / f"{assignment}.py"
    if not path.is_file():
        return {}, {}
    spec = importlib.util.spec_from_file_location(f"wrong_answers_{assignment}", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return getattr(mod, "WRONG", {}), getattr(mod, "RIGHT", {})


ASSIGNMENTS = sorted(p.stem for p in SOLUTIONS.glob("*.ipynb"))

# Runs inside the kernel: try one answer against the public tests, then restore the namespace.
_TRY = r'''
def __fc_try(answer, tests, seconds):
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
        for i, test in enumerate(tests):
            try:
                # each case in its own copy of the namespace, as otter's grader.check runs it (doctest
                # copies the globals for every case): a case cannot use a name an earlier case made
                exec(compile(test, f"<public test {i + 1}>", "exec"), dict(g))
            except AssertionError as exc:
                return print("__FC__" + _json.dumps(["assert", str(exc), i + 1]))
            except BaseException as exc:
                return print("__FC__" + _json.dumps(["error", f"{type(exc).__name__}: {exc}", i + 1]))
        print("__FC__" + _json.dumps(["passed", ""]))
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


@lru_cache(maxsize=None)
def outcomes(assignment: str) -> dict:
    """Run one assignment's solution with every wrong and right answer; return what happened."""
    wrong, right = load_answers(assignment)
    steps = parse_solution(SOLUTIONS / f"{assignment}.ipynb")
    result = {"questions": {}, "setup_error": None}
    kernel = Kernel(SOLUTIONS)
    try:
        kernel.run(_TRY)
        for step in steps:
            if step[0] == "run":
                status, _ = kernel.run(step[1])
                if status != "ok":
                    result["setup_error"] = f"the solution notebook failed while running: {status}"
                    return result
                continue
            _, name, manual, public = step
            if manual:
                continue
            q = {"public_tests": len(public), "correct": None, "wrong": {}, "right": {}}
            call = "__fc_try({!r}, {!r}, {})"
            q["correct"] = _result(kernel.run(call.format(None, public, MUTANT_SECONDS))[1])
            for label, code in wrong.get(name, {}).items():
                q["wrong"][label] = _result(kernel.run(call.format(code, public, MUTANT_SECONDS))[1])
            for label, code in right.get(name, {}).items():
                q["right"][label] = _result(kernel.run(call.format(code, public, MUTANT_SECONDS))[1])
            result["questions"][name] = q
    finally:
        kernel.close()
    return result


def _cases():
    for a in ASSIGNMENTS:
        yield pytest.param(a, id=a)


@pytest.mark.slow
@pytest.mark.parametrize("assignment", list(_cases()))
def test_public_checks_pass_the_solution_and_fail_every_wrong_answer(assignment):
    res = outcomes(assignment)
    assert res["setup_error"] is None, res["setup_error"]
    wrong, right = load_answers(assignment)
    problems = []
    minimum = MINIMUM.get(assignment[0], DEFAULT_MINIMUM)
    for name, q in res["questions"].items():
        if q["public_tests"] == 0:
            problems.append(f"{name}: has no public test at all")
        if q["correct"][0] != "passed":
            problems.append(f"{name}: the solution itself fails its public tests: {q['correct']}")
        if len(wrong.get(name, {})) < minimum:
            problems.append(f"{name}: tests/wrong_answers/{assignment}.py holds {len(wrong.get(name, {}))} wrong "
                            f"answers; at least {minimum} are required")
        for label, r in q["wrong"].items():
            kind = r[0]
            if kind == "passed":
                problems.append(f"{name}: wrong answer ACCEPTED by the public checks: {label}")
            elif kind == "answer-raised":
                problems.append(f"{name}: the wrong answer '{label}' itself raised {r[1]}: write it so that it runs")
            elif kind == "error":
                problems.append(f"{name}: wrong answer '{label}' fails public test {r[2]} with {r[1]!r} instead "
                                "of an assert with a plain-sentence message")
            elif kind == "assert" and not r[1].strip():
                problems.append(f"{name}: wrong answer '{label}' fails public test {r[2]} on a bare assert: "
                                "add a message saying what is wrong")
            elif kind == "no-result":
                problems.append(f"{name}: wrong answer '{label}': the harness got no result ({r[1]})")
        for label, r in q["right"].items():
            if r[0] != "passed":
                problems.append(f"{name}: a right answer in another form is REJECTED ({label}): {r[1]}")
    unknown = (set(wrong) | set(right)) - set(res["questions"])
    for name in sorted(unknown):
        problems.append(f"{name}: wrong_answers lists a question the solution does not have (or a manual one)")
    assert not problems, f"{assignment}:\n  " + "\n  ".join(problems)


def test_the_parser_finds_public_tests_and_skips_hidden_ones():
    steps = parse_solution(SOLUTIONS / "B4_verification.ipynb")
    questions = [s for s in steps if s[0] == "question"]
    assert questions and all(isinstance(s[3], list) for s in questions)
    for s in questions:
        for test in s[3]:
            assert "hidden: true" not in test
