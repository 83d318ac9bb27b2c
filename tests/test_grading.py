"""facecourse.grading: the sandbox, results a submission cannot forge, and limits that cost one question."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from facecourse import grading

SOLUTIONS = grading.solution_notebooks()

# ---------------------------------------------------------------------------------------------
# The sandbox and the unforgeable results, on a tiny private assignment (seconds per submission).
# ---------------------------------------------------------------------------------------------

from concurrent.futures import ThreadPoolExecutor  # noqa: E402

import nbformat  # noqa: E402

from facecourse.grading import run as grading_run  # noqa: E402
from facecourse.grading import sandbox  # noqa: E402
from facecourse.grading.collect import Submission  # noqa: E402

TINY = "T0_tiny"
HIDDEN_MARK = "double(-50505)"  # text that appears only in a hidden test
# the exercise's provided cell: data and a helper the hidden test of q2 computes its expectation with
PROVIDED = "import numpy as np\nBASE = 3\nWEIGHTS = [1.0]\n\n\ndef times_base(x):\n    return BASE * x * WEIGHTS[0]"
# a given cell after q1 (it uses the answer: the grader runs it after the student's code) and a hidden case of q1
LATE = "DOUBLE_BASE = double(BASE)"
LATE_TEST = "def test_q1_hidden_2(DOUBLE_BASE):\n    assert DOUBLE_BASE == 6"


def _raw(text):
    return nbformat.v4.new_raw_cell(text)


def _code(text):
    return nbformat.v4.new_code_cell(text)


def _question(name, answers, solution, public, hidden, points=1, more_hidden=()):
    """A question in the course's test format: one function per case, the first one the "not answered" gate."""
    gate = ", ".join(f"{a}={a}" for a in answers)
    first = (f"def test_{name}_1({', '.join(answers)}):\n    from facecourse.checks import answered\n"
             f"    answered({name!r}, {gate})\n" + "\n".join("    " + ln for ln in public.splitlines()))
    return [_raw(f"# BEGIN QUESTION\nname: {name}\npoints: {points}"), _raw("# BEGIN SOLUTION"), _code(solution),
            _raw("# END SOLUTION"), _raw("# BEGIN TESTS"), _code(first),
            *[_code('""" # BEGIN TEST CONFIG\nhidden: true\n""" # END TEST CONFIG\n' + h)
              for h in (hidden, *more_hidden)],
            _raw("# END TESTS"), _raw("# END QUESTION")]


@pytest.fixture(scope="module")
def tiny_solutions(tmp_path_factory):
    """A private solutions folder with one small assignment (3 auto-graded questions + a written one)."""
    folder = tmp_path_factory.mktemp("private") / "solutions"
    folder.mkdir()
    cells = [_raw(f"# ASSIGNMENT CONFIG\nname: {TINY}\ninit_cell: true\ncheck_all_cell: false\nexport_cell: false\n"
                  "tests:\n  files: false\n  ok_format: false"),
             nbformat.v4.new_markdown_cell("# Tiny"), _code(PROVIDED)]
    cells += _question("q1", ["double"], "def double(x):\n    return 2 * x",
                       'assert double(2) == 4, "double(2) should be 4"',
                       f"def test_q1_hidden_1(double):\n    assert {HIDDEN_MARK} == -101010\n    assert double(0.5) == 1.0",
                       more_hidden=[LATE_TEST])
    cells += [_code(LATE)]  # given code that uses the answer to q1: the grader runs it after the student's code
    cells += _question("q2", ["answer"], "answer = BASE * 14",
                       'assert isinstance(answer, int), "answer should be an int"',
                       "def test_q2_hidden_1(answer, times_base):\n    assert answer == times_base(14)")
    cells += _question("q3", ["total"], "def total(xs):\n    return float(np.sum(xs))",
                       'assert total([1, 2]) == 3.0, "total([1, 2]) should be 3.0"',
                       "def test_q3_hidden_1(total):\n    import numpy as np\n    assert np.allclose(total(np.arange(4)), 6.0)\n"
                       "    assert total([]) == 0")
    cells += [_raw("# BEGIN QUESTION\nname: q4\nmanual: true\npoints: 1"),
              nbformat.v4.new_markdown_cell("_Type your answer here, replacing this text._"),
              _raw("# END QUESTION")]
    nbformat.write(nbformat.v4.new_notebook(cells=cells, metadata={"kernelspec": {
        "name": "python3", "display_name": "Python 3", "language": "python"}}), folder / f"{TINY}.ipynb")
    grading_run.autograder_for(TINY, folder)  # build once
    return folder


RIGHT = {"q1": "def double(x):\n    return 2 * x", "q2": "answer = BASE * 14",
         "q3": "def total(xs):\n    return float(np.sum(xs))"}


def _notebook(*cells: str) -> dict:
    return nbformat.v4.new_notebook(cells=[_code(PROVIDED)] + [_code(c) for c in cells])


def _grade(nb: dict, solutions: Path, tmp: Path, name: str, **kw) -> grading_run.Outcome:
    path = tmp / f"{name}.ipynb"
    nbformat.write(nbformat.from_dict(nb), path)
    kw.setdefault("cell_timeout", 10.0)
    kw.setdefault("total_timeout", 120.0)
    kw.setdefault("test_timeout", 3.0)
    sub = Submission(name, path.name, path, TINY)
    LABELS.add(grading_run.label_of(sub))
    return grading_run._grade_one(sub, None, [], solutions=solutions, **kw)


def _points(outcome) -> dict:
    return {r["question"]: r["points"] for r in outcome.rows if r["points"] is not None}


LABELS = set()


def _sandbox_processes() -> list[str]:
    """Processes of this module's submissions (their FACECOURSE_SUBMISSION label) still running."""
    out = []
    marks = [f"FACECOURSE_SUBMISSION={label}".encode() for label in LABELS]
    for d in Path("/proc").glob("[0-9]*"):
        try:
            environ = (d / "environ").read_bytes()
            cmd = (d / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if ".venv/bin/python" in cmd and sys.prefix not in cmd:
            continue  # another clone's grader on a shared machine (same label for the same test)
        if any(m in environ for m in marks) or "sleep 1234567" in cmd:
            out.append(f"{d.name} {cmd}")
    return out


needs_sandbox = pytest.mark.skipif(sandbox.problem() is not None, reason=f"no sandbox here: {sandbox.problem()}")

HOSTILE = {
    # each probe turns what it observed into the value of `answer` (q2): 42 only if the protection held
    "network": ("import socket\ntry:\n    socket.create_connection(('127.0.0.1', PORT), timeout=3)\n    answer = 0\n"
                "except OSError:\n    answer = 42"),
    "files": ("import os\nseen = [p for p in ('SOLUTIONS', 'AUTOGRADERS', 'SUBS', 'TESTS', '/root/.bash_history')"
              " if os.path.exists(p)]\n"
              "answer = 42 if not seen and os.listdir('.') == ['T0_tiny.ipynb'] else 0"),
    "readonly": ("import os\nbad = 0\nfor p in ('FACECOURSE/x.py', 'VENV/x', '/etc/x', '/usr/x'):\n"
                 "    try:\n        open(p, 'w').write('x'); bad += 1\n    except OSError:\n        pass\n"
                 "open('mine.txt', 'w').write('ok')\nanswer = 42 if bad == 0 and os.getuid() != 0 else 0"),
    "processes": ("import os, time\npids, limited = [], False\nfor i in range(400):\n    try:\n"
                  "        pid = os.fork()\n    except OSError:\n        limited = True\n        break\n"
                  "    if pid == 0:\n        time.sleep(60)\n        os._exit(0)\n    pids.append(pid)\n"
                  "for p in pids:\n    os.kill(p, 9)\n    os.waitpid(p, 0)\nanswer = 42 if limited else 0"),
    "memory": "try:\n    big = bytearray(6 * 2 ** 30)\n    answer = 0\nexcept MemoryError:\n    answer = 42",
    "file_size": ("try:\n    with open('/tmp/big', 'wb') as fh:\n        fh.write(b'0' * (80 * 2 ** 20))\n    answer = 0\n"
                  "except OSError:\n    answer = 42"),
}


@pytest.fixture(scope="module")
def hostile(tiny_solutions, tmp_path_factory):
    """Every probe graded once (2 at a time): name -> Outcome."""
    import socket

    tmp = tmp_path_factory.mktemp("hostile")
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    listener.setblocking(False)
    port = listener.getsockname()[1]
    repl = {"PORT": str(port), "'SOLUTIONS'": repr(str(tiny_solutions)), "'AUTOGRADERS'": repr(str(grading.AUTOGRADERS)),
            "'SUBS'": repr(str(tmp)), "'TESTS'": repr(str(Path(__file__).parent)),
            "FACECOURSE": str(grading.SOLUTIONS.parent / "facecourse"), "VENV": sys.prefix}
    nbs = {}
    for name, probe in HOSTILE.items():
        for k, v in repl.items():
            probe = probe.replace(k, v)
        nbs[name] = _notebook(RIGHT["q1"], probe, RIGHT["q3"])
    with ThreadPoolExecutor(2) as pool:
        futures = {n: pool.submit(_grade, nb, tiny_solutions, tmp, n) for n, nb in nbs.items()}
        outcomes = {n: f.result() for n, f in futures.items()}
    try:
        listener.accept()
        outcomes["network_connected"] = True
    except BlockingIOError:
        outcomes["network_connected"] = False
    listener.close()
    return outcomes


@needs_sandbox
def test_the_honest_reference_gets_full_marks_and_the_blank_zero_from_a_private_solutions_folder(tiny_solutions, tmp_path):
    right = _grade(_notebook(*RIGHT.values()), tiny_solutions, tmp_path, "honest")
    assert _points(right) == {"q1": 1.0, "q2": 1.0, "q3": 1.0}, right.feedback
    blank = _grade(_notebook("def double(x):\n    ...", "answer = ...", "def total(xs):\n    ..."),
                   tiny_solutions, tmp_path, "blank")
    assert _points(blank) == {"q1": 0.0, "q2": 0.0, "q3": 0.0}
    assert [f for f in blank.feedback if f.startswith("**q")] == [
        f"**{q}** (0/1): {q} is not answered yet: replace the `...` in the cell above." for q in ("q1", "q2", "q3")]
    wrong = _grade(_notebook("def double(x):\n    return x", "answer = 3.5", "def total(xs):\n    return 3.0"),
                   tiny_solutions, tmp_path, "wrong")
    assert _points(wrong) == {"q1": 0.0, "q2": 0.0, "q3": 0.5}
    assert any("double(2) should be 4" in f for f in wrong.feedback)  # public sentences reach the student
    assert any("answer should be an int" in f for f in wrong.feedback)
    assert not any(HIDDEN_MARK in f or "-101010" in f for f in blank.feedback + wrong.feedback)


@needs_sandbox
@pytest.mark.parametrize("probe", sorted(HOSTILE))
def test_the_sandbox_holds(hostile, probe):
    assert _points(hostile[probe]) == {"q1": 1.0, "q2": 1.0, "q3": 1.0}, hostile[probe].feedback
    assert _sandbox_processes() == []


@needs_sandbox
def test_no_connection_reached_the_host(hostile):
    assert hostile["network_connected"] is False


FORGERIES = {
    "patched doctest and otter": (
        "import doctest, otter\n"
        "doctest.DocTestRunner.run = lambda *a, **k: doctest.TestResults(0, 0)\n"
        "from otter.test_files import abstract_test\n"
        "abstract_test.TestFile.passed_all = property(lambda self: True)\n"
        "abstract_test.TestFile.score = property(lambda self: 1000)\n"
        "def double(x):\n    return x\n"),
    "patched builtins and numpy": (
        "import builtins, numpy, numpy.testing\n"
        "builtins.isinstance = lambda *a: True\nbuiltins.abs = lambda x: 0\n"
        "numpy.allclose = lambda *a, **k: True\nnumpy.testing.assert_allclose = lambda *a, **k: None\n"
        "answer = 'forty-two'\ndef total(xs):\n    return -1.0\n"),
    "always-true objects": (
        "class Yes:\n    def __eq__(self, other):\n        return True\n    __bool__ = lambda self: True\n"
        "class Int(int):\n    def __eq__(self, other):\n        return True\n    __hash__ = int.__hash__\n"
        "def double(x):\n    return Yes()\nanswer = Int(7)\n"
        "def total(xs):\n    return numpy.array([Yes()], dtype=object)\nimport numpy\n"),
    "shadowed names and IPython hooks": (
        "import types\nnp = types.SimpleNamespace(allclose=lambda *a, **k: True, sum=lambda xs: 0)\n"
        "ip = get_ipython()\n"
        "ip.set_custom_exc((AssertionError, NameError), lambda *a, **k: None)\n"
        "ip.events.register('pre_run_cell', lambda *a: None)\n"
        "from IPython.core.interactiveshell import InteractiveShell\n"
        "InteractiveShell.run_cell = lambda self, *a, **k: None\n"
        "def double(x):\n    return 0\nanswer = 0\ndef total(xs):\n    return 0.0\n"),
    # the kernel answers "ok" to every request without running it: full marks for the grader before issue 13
    "replaced do_execute": (
        "ip = get_ipython()\n"
        "async def fake(*a, **k):\n"
        "    return {'status': 'ok', 'execution_count': 1, 'user_expressions': {}, 'payload': []}\n"
        "ip.kernel.do_execute = fake\n"
        "def double(x):\n    return 0\nanswer = 0\ndef total(xs):\n    return 0.0\n"),
    # the same, but the next request (the grader's probe of this cell) still runs: the tests' requests
    # do not go through do_execute, so they meet the real answers (only `answer = 0` is an int)
    "do_execute replaced after the probe": (
        "ip = get_ipython()\nreal, calls = ip.kernel.do_execute, []\n"
        "async def fake(*a, **k):\n"
        "    calls.append(1)\n"
        "    if len(calls) == 1:\n        return await real(*a, **k)\n"
        "    return {'status': 'ok', 'execution_count': 1, 'user_expressions': {}, 'payload': []}\n"
        "ip.kernel.do_execute = fake\n"
        "def double(x):\n    return 0\nanswer = 0\ndef total(xs):\n    return 0.0\n"),
    "results files and audit hooks": (
        "import json, os, sys, gc\n"
        "for d in ('.', '/tmp'):\n"
        "    open(os.path.join(d, 'results.json'), 'w').write(json.dumps({'questions': {}}))\n"
        "    open(os.path.join(d, 'results.pkl'), 'wb').write(b'cos\\nsystem\\n(S\"true\"\\ntR.')\n"
        "try:\n    sys.addaudithook(lambda e, a: None)\nexcept PermissionError:\n    pass\n"
        "try:\n    gc.get_objects()\nexcept PermissionError:\n    pass\n"
        "def double(x):\n    return 0\n"),
}


@needs_sandbox
@pytest.mark.parametrize("name", sorted(FORGERIES))
def test_code_left_behind_cannot_turn_a_failure_into_a_pass(tiny_solutions, tmp_path, name):
    # patched builtins break the kernel's replies: that cell ends at its time limit (+5 s for the
    # interrupt), so it gets 5 s, not 10 (its code takes milliseconds)
    cell_timeout = 5.0 if "builtins.isinstance" in FORGERIES[name] else 10.0
    outcome = _grade(_notebook(FORGERIES[name]), tiny_solutions, tmp_path, "forger", total_timeout=60.0,
                     cell_timeout=cell_timeout)
    points = _points(outcome)
    if "run_cell" in FORGERIES[name] or FORGERIES[name].count("do_execute =") and "calls" not in FORGERIES[name]:
        # noticed by the grader's probe in seconds (not at the time limit)
        assert any("IPython's execution replaced" in f for f in outcome.feedback), outcome.feedback
    # no answer is right; an int subclass travels as the int it holds, so only q2's public type check
    # (half of q2) may pass; tests never run in the kernel, so no patch there changes a verdict
    half = ("always-true objects", "do_execute replaced after the probe")
    expected = {"q1": 0.0, "q2": 0.5 if name in half else 0.0, "q3": 0.0}
    assert points == expected, (points, outcome.feedback)
    assert all(r["points"] is None or r["points"] <= r["max"] for r in outcome.rows)


# q2's hidden test computes its expectation with the exercise's data (BASE, WEIGHTS) and helper
# (times_base): a wrong answer must not pass by changing them. (cells, q2's expected points)
SHADOWING = {
    "rebound data": (["BASE = 1\nanswer = 14"], 0.5),
    "a fake helper": (["def times_base(x):\n    return 7\n\n\nanswer = 7"], 0.5),
    "data changed in place": (["WEIGHTS[0] = 1 / 3\nanswer = 14"], 0.5),
    "an edited provided cell": (["answer = BASE * 14"], 0.5),  # with BASE = 1 in the notebook's first cell
    # copy.deepcopy disabled before the given cell, so that the student would hold the trusted list
    "deepcopy patched, then data changed in place": (["WEIGHTS[0] = 1 / 3\nanswer = 14"], 0.5),
    # q1 wrong only at 3 (its public case and first hidden case pass): the given cell after q1 computes
    # DOUBLE_BASE from the student's double, whatever the notebook binds to that name (2 of 3 cases)
    "a rebound result of given code": (["def double(x):\n    return 0 if x == 3 else 2 * x\n\n\nDOUBLE_BASE = 6",
                                        "answer = BASE * 14"], 1.0),
    "a failing given cell": (["def double(x):\n    if x == 3:\n        raise ValueError\n    return 2 * x\n\n\n"
                              "DOUBLE_BASE = 6", "answer = BASE * 14"], 1.0),
    # honest: the answer is right; reusing a provided name for scratch work afterwards costs nothing
    "honest scratch work": (["answer = BASE * 14", "BASE = 100  # trying another base\nWEIGHTS.append(2)"], 1.0),
}


@pytest.fixture(scope="module")
def shadowing(tiny_solutions, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("shadowing")
    nbs = {}
    for name, (cells, _) in SHADOWING.items():
        nb = _notebook(*([] if "given c" in name else [RIGHT["q1"]]), *cells, RIGHT["q3"])
        if name == "an edited provided cell":
            nb.cells[0].source = PROVIDED.replace("BASE = 3", "BASE = 1")
        if name.startswith("deepcopy patched"):
            nb.cells.insert(0, _code("import copy\ncopy.deepcopy = lambda value, memo=None: value"))
        nbs[name] = nb
    with ThreadPoolExecutor(2) as pool:
        futures = {n: pool.submit(_grade, nb, tiny_solutions, tmp, n.replace(" ", "_")) for n, nb in nbs.items()}
        return {n: f.result() for n, f in futures.items()}


@needs_sandbox
@pytest.mark.parametrize("name", sorted(SHADOWING))
def test_tests_see_the_exercises_own_data_and_helpers(shadowing, name):
    points = _points(shadowing[name])
    q1 = round(2 / 3, 4) if "given c" in name else 1.0
    assert points == {"q1": q1, "q2": SHADOWING[name][1], "q3": 1.0}, (points, shadowing[name].feedback)


def test_the_grader_tells_provided_cells_from_answers():
    from facecourse.grading.worker import provided_plan

    reference = ["import otter\ngrader = otter.Notebook('x.ipynb')", "import numpy as np\ndata = np.arange(3)",
                 "def f(x):\n    ...\n\n\nvalue = ...", "grader.check('q1')", "shown = f(data)\nlabel = 'ok'",
                 "more = shown + 1", "other = data * 2", "..."]
    flags = [False, False, True, False, False, False, False, True]
    answers, early, late = provided_plan(reference, flags, ["def f(x):\n    return x", "chart = 1"])
    assert answers == {"f", "value", "chart"}
    assert [k for k, _ in early] == [1, 6]  # run before the student's code
    assert [k for k, _ in late] == [4, 5]  # use answers (directly or through `shown`): run after it
    assert provided_plan(reference, None) == (set(), [], [])  # no flags: the old behaviour


@pytest.mark.parametrize("solution", SOLUTIONS, ids=lambda p: p.stem)
def test_no_exercise_both_gives_and_asks_for_a_name(solution):
    """A name bound by a given cell and by an answer would reach the tests as the student's value."""
    from facecourse.grading.worker import _bound, provided_plan

    _, reference = grading_run.autograder_for(solution.stem)
    answers, early, late = provided_plan(reference["reference_sources"], reference["reference_answer"],
                                         reference["solution_sources"])
    assert answers and early, "the grader found no answer or no given cell in this exercise"
    given = set().union(*[_bound(src) for _, src in early + late])
    assert not answers & given, f"names both given and answered: {sorted(answers & given)}"


@needs_sandbox
def test_a_looping_answer_costs_only_its_question_and_no_process_survives(tiny_solutions, tmp_path):
    looping = "def double(x):\n    while True:\n        pass"
    # the given cell that calls double() after the student's code loops too: stopped at cell_timeout
    outcome = _grade(_notebook(looping, RIGHT["q2"], RIGHT["q3"]), tiny_solutions, tmp_path, "loop",
                     cell_timeout=5.0)
    assert _points(outcome) == {"q1": 0.0, "q2": 1.0, "q3": 1.0}, outcome.feedback
    assert _sandbox_processes() == []


@needs_sandbox
def test_a_cell_that_computes_is_stopped_at_its_cpu_limit_and_one_that_waits_at_its_own_time(tiny_solutions, tmp_path):
    spin = "import time\nt = time.process_time()\nwhile time.process_time() - t < 8:\n    pass"
    wait = "import time\ntime.sleep(4)"
    t0 = time.monotonic()
    outcome = _grade(_notebook(RIGHT["q1"], spin, wait, RIGHT["q2"], RIGHT["q3"]), tiny_solutions, tmp_path, "cpu",
                     cell_timeout=6.0, cell_cpu=2.0)
    assert _points(outcome) == {"q1": 1.0, "q2": 1.0, "q3": 1.0}, outcome.feedback
    said = " ".join(outcome.feedback)
    assert "more than 2 s of CPU time" in said, said      # the spinning cell: its CPU limit, not its 6 s
    assert "waited more than" not in said, said             # the 4 s sleep is within the cell's own time
    assert time.monotonic() - t0 < 60


@needs_sandbox
def test_a_crash_costs_only_what_depends_on_it(tiny_solutions, tmp_path):
    crash_cell = "import sys\nsys.setrecursionlimit(10 ** 7)\ndef f(n):\n    return f(n + 1)\nf(0)"
    crash_in_test = "import os, signal\ndef total(xs):\n    os.kill(os.getpid(), signal.SIGKILL)"
    outcome = _grade(_notebook(RIGHT["q1"], crash_cell, RIGHT["q2"], crash_in_test), tiny_solutions, tmp_path, "crash")
    assert _points(outcome) == {"q1": 1.0, "q2": 1.0, "q3": 0.0}, outcome.feedback
    assert any("restarted the kernel" in f for f in outcome.feedback)


@needs_sandbox
def test_the_wall_clock_kills_the_whole_sandbox_whatever_it_does_with_signals(tiny_solutions, tmp_path):
    stubborn = ("import os, signal, subprocess\n"
                "for s in (signal.SIGINT, signal.SIGTERM, signal.SIGALRM):\n    signal.signal(s, signal.SIG_IGN)\n"
                "subprocess.Popen(['sleep', '1234567'], start_new_session=True)\n"
                "if os.fork() == 0:\n    os.setsid()\n    while True:\n        pass\n"
                "while True:\n    pass")
    t0 = time.monotonic()
    outcome = _grade(_notebook(RIGHT["q1"], stubborn), tiny_solutions, tmp_path, "stubborn",
                     cell_timeout=4.0, total_timeout=25.0)
    # the limits count the sandbox's own time: on a loaded machine, time it waited for a CPU while
    # getting less than its core extends them (at most the backstop, 3 x the total + 120 s)
    assert time.monotonic() - t0 < 3 * 25 + 120
    assert _sandbox_processes() == []
    assert all(r["points"] in (None, 0.0) or r["question"] == "q1" for r in outcome.rows)


@needs_sandbox
def test_hidden_tests_never_reach_the_feedback(tiny_solutions, tmp_path):
    spy = ("import sys\ndef double(x):\n    frame = sys._getframe(1)\n"
           "    raise AssertionError(repr(frame.f_locals) + repr(frame.f_globals.get('code')))")
    outcome = _grade(_notebook(spy), tiny_solutions, tmp_path, "spy")
    assert outcome.feedback and not any(HIDDEN_MARK in f or "-101010" in f for f in outcome.feedback)


def test_grading_refuses_without_a_sandbox_unless_told(monkeypatch):
    monkeypatch.setattr(sandbox.shutil, "which", lambda name: None)
    sandbox.problem.cache_clear()
    try:
        with pytest.raises(grading.GradingError, match="bubblewrap.*--no-sandbox"):
            grading_run.require_sandbox(True)
        grading_run.require_sandbox(False)  # --no-sandbox: accepted
    finally:
        monkeypatch.undo()
        sandbox.problem.cache_clear()


@pytest.mark.parametrize("solution", SOLUTIONS, ids=lambda p: p.stem)
def test_the_grader_reads_points_and_cases_as_otter_does(solution):
    import zipfile

    from otter.test_files.exception_test import ExceptionTestFile

    from facecourse.grading import trusted

    zip_path = grading.autograder_zip(solution.stem)
    ours = trusted.load_tests(zip_path.read_bytes())
    with zipfile.ZipFile(zip_path) as zf:
        for name in [n for n in zf.namelist() if n.startswith("tests/") and n.endswith(".py")]:
            tf = ExceptionTestFile.from_string(zf.read(name).decode(), path=name)  # as otter reads it
            mine = ours[tf.name]
            assert [(bool(tc.hidden), round(float(tc.points), 9)) for tc in tf.test_cases] == \
                [(c.hidden, round(c.points, 9)) for c in mine.cases]
            assert [tc.body.test_func.__name__ for tc in tf.test_cases] == [c.name for c in mine.cases]
            assert tf.all_or_nothing == mine.all_or_nothing


@needs_sandbox
def test_killing_the_grader_ends_every_process_of_the_run(tiny_solutions, tmp_path):
    import signal
    import subprocess

    path = tmp_path / "busy.ipynb"
    nbformat.write(nbformat.from_dict(_notebook("import subprocess\nsubprocess.Popen(['sleep', '1234567'])\n"
                                                "while True:\n    pass")), path)
    sub = Submission("busy", path.name, path, TINY)
    LABELS.add(grading_run.label_of(sub))
    script = ("import sys\nfrom pathlib import Path\nfrom facecourse.grading import run\n"
              "from facecourse.grading.collect import Submission\n"
              f"run._grade_one(Submission('busy', {path.name!r}, Path({str(path)!r}), {TINY!r}), None, [], 60, 300, "
              f"solutions={str(tiny_solutions)!r})\n")
    grader = subprocess.Popen([sys.executable, "-c", script])
    deadline = time.monotonic() + 120
    while not any("sleep 1234567" in p for p in _sandbox_processes()) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert _sandbox_processes(), "the submission never started"
    grader.send_signal(signal.SIGKILL)
    grader.wait()
    deadline = time.monotonic() + 15
    while _sandbox_processes() and time.monotonic() < deadline:
        time.sleep(0.5)
    assert _sandbox_processes() == []


@needs_sandbox
def test_a_fork_bomb_after_the_answers_costs_nothing_else(tiny_solutions, tmp_path):
    bomb = "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass"
    outcome = _grade(_notebook(*RIGHT.values(), bomb), tiny_solutions, tmp_path, "bomb", cell_timeout=5.0)
    assert _points(outcome) == {"q1": 1.0, "q2": 1.0, "q3": 1.0}, outcome.feedback
    assert _sandbox_processes() == []
