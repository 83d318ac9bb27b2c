"""Grade one submission: the trusted driver, OUTSIDE the sandbox.

Run by :mod:`.run` as ``python -m facecourse.grading.worker`` with the job as JSON on stdin; it
prints the results as one JSON line on stdout. Nothing is read back from anywhere the student's
kernel can write: the kernel lives in its own sandbox (:mod:`.sandbox`) and only answers kernel
messages; this process decides every result from those answers and writes it to its own stdout.

Order (see :mod:`.guard` for what runs inside the kernel):

1. start the sandboxed kernel; run the prelude (imports, snapshots, audit hook); then the
   exercise's PROVIDED cells that use no answer, taken from the instructor's blank exercise (not
   from the submission) into a trusted namespace, before any student code (:func:`provided_plan`);
2. run the student's code cells one by one, each with ``cell_timeout`` (interrupt, then kill and
   restart if the kernel ignores the interrupt); the student's own ``grader.check`` cells are
   skipped (every test runs once, at the end). A cell identical to a provided cell is not run
   again: the student's namespace gets copies of the trusted values (so honest notebooks do not
   pay twice for loading data). After each cell a probe (a request that must print a fresh nonce)
   checks that the kernel still executes code: a cell that replaced IPython's ``run_cell`` or the
   kernel's ``do_execute`` is noticed in seconds (a request that ends "idle" without a reply, or
   a reply without the nonce) and skipped like a crash. Every later request of the grader
   (restore, given cells, each test case) ends with its own nonce too, so a kernel that answers
   "ok" without running a test (replaced after the probe) is restarted, never credited. Errors are
   recorded for feedback;
3. ``restore()``: undo what the student's code changed in the interpreter; then the provided
   cells that use answers run again in the trusted namespace, on the student's answers;
4. the PUBLIC test cases of every question, one kernel request per case, each with
   ``test_timeout`` (a looping answer costs that case only); their failure messages go to the
   feedback. Hidden tests are still outside the kernel at this point, so nothing the student's
   code prints can contain them;
5. the HIDDEN test cases, same way; only pass/fail is kept, never their text or messages.

Every test case sees the student's namespace, overlaid with the trusted provided names (data,
helpers given in the exercise), overlaid with the student's answer names: rebinding ``pairs`` or
a given helper, editing a provided cell or changing provided data in place cannot make a wrong
answer meet a wrong expectation. Decision for honest scratch work: a notebook that reuses a provided
name for its own purposes after answering loses nothing (the tests use the exercise's value); an
answer VALUE computed from altered data is judged against the exercise's data, as the question asks.

A kernel that dies (a C-level crash, the memory limit) or ignores an interrupt is killed with its
whole sandbox and a fresh one replays the cells that had finished (skipping the cell that crashed
or timed out), so a crash costs only what depends on it; after ``MAX_RESTARTS`` the remaining
cases fail. Scores are computed here with otter's own point rules (``OKTestFile``), only for the
questions in the autograder, and capped by :mod:`.run` at each question's maximum.
"""

from __future__ import annotations

import ast
import base64
import doctest
import io
import json
import queue
import re
import secrets
import sys
import time
import zipfile

MAX_RESTARTS = 3
PROBE_TIMEOUT = 10.0  # seconds a kernel may take to run the grader's probe after a student's cell
RESTORE_TIMEOUT = 30.0
IDLE_GRACE = 2.0  # seconds between a request's "idle" and its reply, beyond which the kernel is broken
CHECK_CELL = re.compile(r"^grader\.(check(_all)?|export)\([^()]*\)$")
# otter's init cell: the grader needs no otter in the kernel (importing it costs seconds per submission)
INIT_CELL = re.compile(r"^(# Initialize Otter\s*)?import otter\s+grader = otter\.Notebook\([^()]*\)$")
ERROR_CHARS = 300


TIME_LIMIT = "time limit: "


def time_limit(why: str | None, seconds: float) -> str:
    """The sentence for a request stopped at its time limit (``why`` from :meth:`.sandbox.Stopwatch.over`)."""
    if why == "cpu":
        return f"{TIME_LIMIT}it ran for more than {seconds:g} s of CPU time"
    if why == "wall":
        return f"{TIME_LIMIT}it waited more than {seconds:g} s (sleeping, or waiting for input or a lock)"
    return f"{TIME_LIMIT}the submission's total time ran out"


class KernelGone(Exception):
    """The kernel died or had to be killed while running a request."""


def resolve_points(total, case_points: list) -> list[float]:
    """Each case's points, by otter's rules (``TestFile.resolve_test_file_points``), without importing otter.

    ``total`` is the question's ``points`` (a number, a list per case, or None); ``case_points`` the
    cases' own ``points`` (None when unset).
    """
    if isinstance(total, list):
        if len(total) != len(case_points):
            raise ValueError("points specified in a test has a different length than its cases")
        case_points, total = list(total), None
    elif total is not None and not isinstance(total, (int, float)):
        raise TypeError(f"test points have an invalid type: {type(total)}")
    given = sum(p for p in case_points if p is not None)
    unset = sum(p is None for p in case_points)
    if total is not None:
        if given > total:
            raise ValueError("more points specified in test cases than allowed for the test")
        rest = (total - given) / unset if unset else 0.0
    elif given == 0 and all(p in (0, None) for p in case_points):
        rest = 1 / unset if unset else 0.0
    else:
        rest = 0.0
    return [float(p) if p is not None else rest for p in case_points]


def load_tests(zip_bytes: bytes) -> dict[str, dict]:
    """Every question's test cases from an autograder zip: points resolved with otter's rules.

    Returns ``{question: {"cases": [(code, hidden, points)], "all_or_nothing": bool}}``. The test
    files are read as data (``ast.literal_eval``), never executed.
    """
    out = {}
    with zipfile.ZipFile(io.BytesIO(zip_bytes)) as zf:
        for name in sorted(zf.namelist()):
            if not (name.startswith("tests/") and name.endswith(".py") and "/" not in name[6:]):
                continue
            spec = None
            for node in ast.parse(zf.read(name).decode("utf-8")).body:
                if isinstance(node, ast.Assign) and [getattr(t, "id", None) for t in node.targets] == ["test"]:
                    spec = ast.literal_eval(node.value)
            if spec is None:
                raise ValueError(f"{name} in the autograder holds no test")
            raw = [c for suite in spec["suites"] for c in suite["cases"]]
            if any(suite.get("setup") or suite.get("teardown") for suite in spec["suites"]):
                raise ValueError(f"{name}: test setup/teardown code is not supported")
            points = resolve_points(spec.get("points"), [c.get("points") for c in raw])
            cases = []
            for c, pts in zip(raw, points):
                src = []
                for ex in doctest.DocTestParser().get_examples(c["code"]):
                    if ex.want.strip():
                        raise ValueError(f"{name}: doctest output comparisons are not supported; use assert")
                    src.append(ex.source)
                cases.append(("".join(src), bool(c.get("hidden", False)), pts))
            out[spec["name"]] = {"cases": cases, "all_or_nothing": bool(spec.get("all_or_nothing", False))}
    return out


MAX_PARSED_CELL = 20_000  # characters of one student cell the grader parses (ast costs ~640 bytes per character)
MAX_PARSED_TOTAL = 200_000  # characters of student code parsed in all: a few hundred MB at most


def _parse(src: str):
    """``ast.parse(src)``, or None for code Python refuses (a syntax error, a NUL byte: SyntaxError on
    3.11.4+ and 3.12, ValueError on 3.11.0-3.11.3, RecursionError or MemoryError for deep nesting)."""
    try:
        return ast.parse(src)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _imports(sources: list[str]) -> tuple[set[str], dict[str, tuple[str, str | None]]]:
    """Modules imported by ``sources`` and the names they bind (alias -> (module, attribute or None)).

    Cells longer than ``MAX_PARSED_CELL`` characters, and cells beyond ``MAX_PARSED_TOTAL`` in all,
    are not parsed (their imports are only not imported ahead): the grader's memory stays bounded.
    """
    mods, aliases = set(), {}
    budget = MAX_PARSED_TOTAL
    for src in sources:
        if len(src) > MAX_PARSED_CELL or len(src) > budget:
            continue
        budget -= len(src)
        tree = _parse(src)
        if tree is None:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for a in node.names:
                    mods.add(a.name)
                    if a.asname:
                        aliases[a.asname] = (a.name, None)
                    else:
                        aliases[a.name.split(".")[0]] = (a.name.split(".")[0], None)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                mods.add(node.module)
                for a in node.names:
                    if a.name != "*":
                        mods.add(f"{node.module}.{a.name}")
                        aliases[a.asname or a.name] = (f"{node.module}.{a.name}", None)
    return mods, aliases


def _bound(src: str) -> set[str]:
    """Names a cell binds in its namespace (assignments, imports, definitions; not inside functions)."""
    tree = _parse(src)
    if tree is None:
        return set()
    names = set()

    def visit(node):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(child.name)
                continue
            if isinstance(child, (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
                continue
            if isinstance(child, ast.Name) and isinstance(child.ctx, (ast.Store, ast.Del)):
                names.add(child.id)
            elif isinstance(child, (ast.Import, ast.ImportFrom)):
                names.update((a.asname or a.name).split(".")[0] for a in child.names if a.name != "*")
            visit(child)

    visit(tree)
    return names


def _loads(src: str) -> set[str]:
    """Every name a cell reads (anywhere in it, function bodies included)."""
    tree = _parse(src)
    if tree is None:
        return set()
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def provided_plan(reference: list[str], answer_flags: list[bool] | None, solution_sources: list[str] = ()) \
        -> tuple[set[str], list[tuple[int, str]], list[tuple[int, str]]]:
    """(answer names, provided cells run before the student's code, provided cells run after it).

    ``reference``: the code cells of the instructor's blank exercise; ``answer_flags``: which of them
    are answer cells; ``solution_sources``: the code of the master's solution blocks. The answer
    names are the names those answer cells and solution blocks bind. A provided cell that reads an
    answer name (or a name such a cell binds) runs after the student's code, on the student's answers;
    the others run before any student code, so nothing the student did can change them.
    """
    if answer_flags is None or len(answer_flags) != len(reference):
        return set(), [], []
    answers = set().union(*[_bound(s) for s, a in zip(reference, answer_flags) if a],
                          *[_bound(s) for s in solution_sources])
    early, late, late_names = [], [], set()
    for k, (src, is_answer) in enumerate(zip(reference, answer_flags)):
        text = src.strip()
        if is_answer or not text or CHECK_CELL.match(text) or INIT_CELL.match(text):
            continue
        if _loads(src) & (answers | late_names):
            late.append((k, src))
            late_names |= _bound(src)
        else:
            early.append((k, src))
    return answers, early, late


class Runner:
    def __init__(self, job: dict):
        from .sandbox import Kernel, Limits

        self.job = job
        self.Kernel, self.limits = Kernel, Limits(**job.get("limits", {}))
        self.deadline = time.monotonic() + float(job["total_timeout"])
        self.nb_bytes = base64.b64decode(job["notebook_b64"])
        self.harness = "__facecourse_" + secrets.token_hex(8)
        self.kernel = None
        self.restarts = 0
        self.notes: list[str] = []
        self.undone: dict = {}
        self.answers, self.early, self.late = provided_plan(job.get("reference_sources", []),
                                                            job.get("reference_answer"),
                                                            job.get("solution_sources", []))
        self.adoptable: dict[str, int] = {}
        self._nonce: str | None = None
        self.excused = 0.0  # seconds the sandboxes waited for a CPU: added to the submission's deadline

    # -- the kernel ---------------------------------------------------------------------------
    def start(self, preimports, aliases) -> None:
        from .guard import prelude

        self.kernel = self.Kernel(self.job["notebook_name"], self.nb_bytes, self.limits,
                                  sandboxed=self.job["sandbox"], label=self.job.get("label", ""),
                                  attempt=self.restarts,
                                  start_timeout=min(120.0, max(5.0, self.deadline + self.excused - time.monotonic())))
        status, err = self.execute(prelude(self.harness, preimports, aliases, sorted(self.answers)), 300)
        if status != "ok":
            raise RuntimeError(f"the grader's prelude failed in the kernel: {err}")
        # the exercise's own provided cells, from the instructor's exercise, before any student code:
        # the tests see these values whatever the notebook later binds to the same names
        self.adoptable = {}
        for k, src in self.early:
            names = sorted(_bound(src))
            status, err = self.execute(f"{self.harness}.provide({k}, {src!r}, {names!r}, early=True)",
                                       self.job["cell_timeout"])
            if status == "ok":
                self.adoptable[src.strip()] = k
            elif len(self.notes) < 20:
                self.notes.append(f"provided cell {k + 1} of the exercise failed in the grader's run: {err[:200]}")

    def stop(self) -> None:
        if self.kernel is not None:
            self.kernel.kill()
            self.kernel = None

    def run_cell(self, src: str) -> tuple[str, str]:
        """One cell of the student's notebook; an unchanged provided cell binds copies of the trusted values."""
        k = self.adoptable.get(src.strip())
        if k is not None:
            status, err = self.execute(f"{self.harness}.adopt({k})", self.job["cell_timeout"])
            if status == "ok":
                return status, err
        return self.execute(src, self.job["cell_timeout"])

    def execute(self, code: str, timeout: float, output: list | None = None, nonce: str | None = None,
                interrupt: bool = True) -> tuple[str, str]:
        """Run ``code``; return (status, 'Ename: message'). Status: ok, error, timeout. KernelGone if it died.

        ``output``, if given, receives the text the request printed (only used for the grader's own code).
        ``nonce``: text the request must print (see :meth:`probe`). A kernel that reports the request
        finished (status idle) but sends no reply within ``IDLE_GRACE`` s, or finishes without the
        nonce, has had its execution machinery replaced: KernelGone at once instead of waiting for a
        time limit. ``interrupt=False``: at ``timeout`` give up at once (KernelGone), no interrupt.
        """
        from .sandbox import Stopwatch

        kc = self.kernel.client
        msg_id = kc.execute(code, silent=False, store_history=False, allow_stdin=False)
        # the limit counts the sandbox's own time (CPU, or waiting it chose), never time it waited for
        # a CPU; the submission's deadline moves by that waiting time too
        watch = Stopwatch(self.kernel.clock, timeout)
        excused = self.excused
        interrupted_at = idle_at = None
        reply, why = None, None
        seen = [nonce is None]
        while True:
            now = time.monotonic()
            self.excused = excused + watch.starved()
            if not self.kernel.alive():
                raise KernelGone("the kernel stopped (crash or memory limit)")
            if interrupted_at is None and (why := watch.over() or ("total" if now > self.deadline + self.excused
                                                                   else None)):
                if not interrupt:
                    raise KernelGone(f"the kernel did not answer the grader's probe within {timeout:.0f} s")
                self.kernel.interrupt()
                interrupted_at = now
            if interrupted_at is not None and now > interrupted_at + 5:
                raise KernelGone(f"{time_limit(why, timeout)} and ignored the interrupt")
            if now > self.deadline + self.excused + 5:
                raise KernelGone("the submission's total time ran out")
            if idle_at is not None and now > idle_at + IDLE_GRACE:
                raise KernelGone("the kernel finished a request without running it or answering "
                                 "(was IPython's execution replaced?)")
            if self._read_iopub(msg_id, output, seen, 0.0):
                idle_at = idle_at or now
            try:
                msg = kc.get_shell_msg(timeout=0.05)
            except queue.Empty:
                continue
            if msg.get("parent_header", {}).get("msg_id") == msg_id and msg["msg_type"] == "execute_reply":
                reply = msg["content"]
                break
        if idle_at is None:
            self._drain_iopub(msg_id, output, seen)
        else:
            self._read_iopub(msg_id, output, seen, 0.0)
        if reply.get("status") == "ok":
            if not seen[0]:
                raise KernelGone("the kernel answered the grader's request without running it "
                                 "(was IPython's execution replaced?)")
            return "ok", ""
        err = f"{str(reply.get('ename', 'Error'))[:100]}: {str(reply.get('evalue', ''))[:ERROR_CHARS]}"
        if interrupted_at is not None:
            return "timeout", time_limit(why, timeout)
        return "error", err

    def _read_iopub(self, msg_id: str, output: list | None, seen: list, timeout: float) -> bool:
        """Read the waiting iopub messages (at most 500): collect output, note the nonce; True once idle."""
        kc = self.kernel.client
        idle = False
        for _ in range(500):
            try:
                msg = kc.get_iopub_msg(timeout=timeout)
            except queue.Empty:
                break
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            if msg["msg_type"] == "status" and msg["content"].get("execution_state") == "idle":
                idle = True
            elif msg["msg_type"] == "stream":
                text = msg["content"].get("text", "")
                if self._nonce is not None and self._nonce in text:
                    seen[0] = True
                if output is not None and sum(map(len, output)) < 20000:
                    output.append(text)
        return idle

    def _drain_iopub(self, msg_id: str, output: list | None, seen: list | None = None) -> None:
        """After the reply: read what the request printed until it reports idle (1 s at most)."""
        end = time.monotonic() + 1.0
        seen = seen if seen is not None else [True]
        while time.monotonic() < end:
            if self._read_iopub(msg_id, output, seen, 0.01):
                return

    def probe(self) -> None:
        """Raise KernelGone unless the kernel still runs code: a request with a nonce that must come back.

        A cell that replaced IPython's ``run_cell`` (or the kernel's ``do_execute``) leaves a kernel
        that answers late, never, or without running anything; this finds out in a moment (at most
        ``PROBE_TIMEOUT`` s), so such a cell is skipped like one that crashed the kernel.
        """
        self._nonce = secrets.token_hex(12)
        try:
            status, err = self.execute(f"{self.harness}.ping({self._nonce!r})", PROBE_TIMEOUT, nonce=self._nonce,
                                       interrupt=False)
        finally:
            self._nonce = None
        if status != "ok":
            raise KernelGone(f"the kernel failed the grader's probe ({err[:100]})")

    def checked(self, code: str, timeout: float, output: list | None = None) -> tuple[str, str]:
        """``execute`` for the grader's own requests after the student's code: ``code`` ends by printing
        a fresh nonce, so a reply "ok" without it (a kernel whose execution was replaced, even after the
        last probe) is KernelGone, never a pass."""
        self._nonce = secrets.token_hex(12)
        try:
            return self.execute(f"{code}\n{self.harness}.ping({self._nonce!r})", timeout, output, nonce=self._nonce)
        finally:
            self._nonce = None

    # -- grading ------------------------------------------------------------------------------
    def run(self) -> dict:
        from .collect import code_cells

        tests = load_tests(base64.b64decode(self.job["autograder_b64"]))
        cells = [c for c in code_cells(self.nb_bytes)
                 if not CHECK_CELL.match(c.strip()) and not INIT_CELL.match(c.strip())]
        test_sources = [code for q in tests.values() for code, _, _ in q["cases"]]
        mods, _ = _imports(cells + test_sources)
        _, aliases = _imports(self.job.get("reference_sources", []) + test_sources)
        aliases = {k: v for k, v in aliases.items() if v[0] != "otter"}
        preimports = sorted(m for m in mods | {a[0] for a in aliases.values()} | {"numpy", "pandas"}
                            if re.fullmatch(r"[\w.]+", m) and m.split(".")[0] != "otter")
        errors, skip = [], set()

        def replay(upto: int) -> None:
            self.stop()
            self.restarts += 1
            if time.monotonic() > self.deadline + self.excused:
                raise KernelGone("the submission's total time ran out")
            if self.restarts > MAX_RESTARTS:
                raise KernelGone("the kernel had to be restarted too often")
            self.start(preimports, aliases)
            for j in range(upto):
                if j not in skip:
                    self.run_cell(cells[j])

        self.start(preimports, aliases)
        i = 0
        while i < len(cells):
            try:
                status, err = self.run_cell(cells[i])
                self.probe()
                if status == "timeout":
                    skip.add(i)
                    errors.append(f"cell {i + 1}: stopped: {err}")
                elif status == "error":
                    errors.append(f"cell {i + 1}: {err[:ERROR_CHARS]}")
                i += 1
            except KernelGone as exc:
                skip.add(i)
                errors.append(f"cell {i + 1}: {exc}; the grader restarted the kernel and skipped this cell")
                i += 1
                try:
                    replay(i)
                except (KernelGone, TimeoutError, RuntimeError) as exc2:
                    return self._finish(tests, {}, errors, f"kernel failed: {exc2}")
        results: dict[tuple[str, int], tuple[bool, str]] = {}
        restored = False
        order = [(q, k, False) for q in tests for k, c in enumerate(tests[q]["cases"]) if not c[1]] + \
                [(q, k, True) for q in tests for k, c in enumerate(tests[q]["cases"]) if c[1]]
        failed_late: set[int] = set()

        def prepare() -> None:
            """restore(), then the provided cells that use answers, run again on the student's answers."""
            self.kernel.stop_strays()  # processes the notebook left running would spend the tests' CPU time
            printed = []
            status, err = self.checked(f"print(__import__('json').dumps({self.harness}.restore()))",
                                       RESTORE_TIMEOUT, printed)
            if status != "ok":
                self.notes.append("the grader could not reset the kernel before the tests")
            elif self.restarts == 0 or not self.undone:
                try:
                    self.undone = json.loads([ln for ln in "".join(printed).splitlines() if ln.startswith("{")][-1])
                except (ValueError, IndexError):
                    self.undone = {}
            if self.late:
                self.checked(f"{self.harness}.take_answers()", RESTORE_TIMEOUT)
            for k, src in self.late:
                if k in failed_late:
                    status, err = self.checked(f"{self.harness}.provide({k}, 'raise RuntimeError', "
                                               f"{sorted(_bound(src))!r})", RESTORE_TIMEOUT)
                    continue
                try:
                    status, err = self.checked(f"{self.harness}.provide({k}, {src!r}, {sorted(_bound(src))!r})",
                                               self.job["cell_timeout"])
                except KernelGone:
                    failed_late.add(k)
                    raise
                if status != "ok":
                    failed_late.add(k)
                    first = src.strip().splitlines()[0][:60]
                    errors.append(f"the exercise's given cell `{first}` (it uses your answers), run again by the "
                                  f"grader: {err[:ERROR_CHARS]}")

        for q, k, hidden in order:
            code = tests[q]["cases"][k][0]
            while not restored:
                try:
                    prepare()
                    restored = True
                except KernelGone as exc:
                    errors.append(f"the kernel stopped while the grader prepared the tests ({exc})")
                    try:
                        replay(len(cells))
                    except (KernelGone, TimeoutError, RuntimeError) as exc2:
                        return self._finish(tests, results, errors, f"kernel failed during the tests: {exc2}")
            try:
                status, err = self.checked(f"{self.harness}.case({code!r}, {q!r})", self.job["test_timeout"])
                if status == "ok":
                    results[(q, k)] = (True, "")
                elif status == "timeout":
                    results[(q, k)] = (False, err)
                else:
                    results[(q, k)] = (False, err)
            except KernelGone as exc:
                results[(q, k)] = (False, f"the kernel stopped during this test ({exc})")
                try:
                    replay(len(cells))
                    restored = False
                except (KernelGone, TimeoutError, RuntimeError) as exc2:
                    return self._finish(tests, results, errors, f"kernel failed during the tests: {exc2}")
        return self._finish(tests, results, errors, None)

    def _finish(self, tests, results, errors, failure) -> dict:
        out = {}
        for q, spec in tests.items():
            passed = [results.get((q, k), (False, ""))[0] for k in range(len(spec["cases"]))]
            possible = sum(p for _, _, p in spec["cases"])
            if spec["all_or_nothing"]:
                score = possible if all(passed) else 0.0
            else:
                score = sum(p for (_, _, p), ok in zip(spec["cases"], passed) if ok)
            public = [(k, results.get((q, k), (False, "not run"))) for k, c in enumerate(spec["cases"]) if not c[1]]
            summary = "\n".join(f"test {k + 1}: {msg[:500] or 'failed'}" for k, (ok, msg) in public if not ok)
            timed = [results.get((q, k), (False, ""))[1] for k in range(len(spec["cases"]))]
            out[q] = {"score": score, "possible": possible, "public_passed": all(ok for _, (ok, _) in public),
                      "passed_all": all(passed), "public_summary": summary,
                      "time_limit": next((m for m in timed if m.startswith(TIME_LIMIT)), "")}
        return {"questions": out, "errors": errors, "notes": self.notes, "undone": self.undone, "failure": failure,
                "restarts": self.restarts}


def main() -> int:
    from .sandbox import _die_with_parent

    _die_with_parent()
    job = json.loads(sys.stdin.read())
    runner = Runner(job)
    try:
        result = runner.run()
    except Exception as exc:  # noqa: BLE001 - reported as this submission's grader error
        result = {"questions": {}, "errors": [], "notes": runner.notes, "failure": f"{type(exc).__name__}: {exc}"}
    finally:
        runner.stop()
    sys.stdout.write(json.dumps(result) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
