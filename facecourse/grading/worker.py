"""Grade one submission: the trusted driver, OUTSIDE the sandbox.

Run by :mod:`.run` as ``python -m facecourse.grading.worker`` with the job as JSON on stdin; it
prints the results as one JSON line on stdout. Nothing is read back from anywhere the student's
kernel can write: the kernel lives in its own sandbox (:mod:`.sandbox`) and only answers kernel
messages; this process decides every result from those answers and writes it to its own stdout.

Order (see :mod:`.guard` for what runs inside the kernel):

1. start the sandboxed kernel; run the prelude (imports, snapshots, audit hook);
2. run the student's code cells one by one, each with ``cell_timeout`` (interrupt, then kill and
   restart if the kernel ignores the interrupt); the student's own ``grader.check`` cells are
   skipped (every test runs once, at the end). Errors are recorded for feedback;
3. ``restore()``: undo what the student's code changed in the interpreter;
4. the PUBLIC test cases of every question, one kernel request per case, each with
   ``test_timeout`` (a looping answer costs that case only); their failure messages go to the
   feedback. Hidden tests are still outside the kernel at this point, so nothing the student's
   code prints can contain them;
5. the HIDDEN test cases, same way; only pass/fail is kept, never their text or messages.

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
CHECK_CELL = re.compile(r"^grader\.(check(_all)?|export)\([^()]*\)$")
# otter's init cell: the grader needs no otter in the kernel (importing it costs seconds per submission)
INIT_CELL = re.compile(r"^(# Initialize Otter\s*)?import otter\s+grader = otter\.Notebook\([^()]*\)$")
ERROR_CHARS = 300


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


def _imports(sources: list[str]) -> tuple[set[str], dict[str, tuple[str, str | None]]]:
    """Modules imported by ``sources`` and the names they bind (alias -> (module, attribute or None))."""
    mods, aliases = set(), {}
    for src in sources:
        try:
            tree = ast.parse(src)
        except SyntaxError:
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

    # -- the kernel ---------------------------------------------------------------------------
    def start(self, preimports, aliases) -> None:
        from .guard import prelude

        self.kernel = self.Kernel(self.job["notebook_name"], self.nb_bytes, self.limits,
                                  sandboxed=self.job["sandbox"], label=self.job.get("label", ""),
                                  attempt=self.restarts,
                                  start_timeout=min(120.0, max(5.0, self.deadline - time.monotonic())))
        status, err = self.execute(prelude(self.harness, preimports, aliases), 300)
        if status != "ok":
            raise RuntimeError(f"the grader's prelude failed in the kernel: {err}")

    def stop(self) -> None:
        if self.kernel is not None:
            self.kernel.kill()
            self.kernel = None

    def execute(self, code: str, timeout: float, output: list | None = None) -> tuple[str, str]:
        """Run ``code``; return (status, 'Ename: message'). Status: ok, error, timeout. KernelGone if it died.

        ``output``, if given, receives the text the request printed (only used for the grader's own code).
        """
        kc = self.kernel.client
        msg_id = kc.execute(code, silent=False, store_history=False, allow_stdin=False)
        limit = min(time.monotonic() + timeout, self.deadline)
        interrupted_at = None
        reply = None
        while True:
            now = time.monotonic()
            if not self.kernel.alive():
                raise KernelGone("the kernel stopped (crash or memory limit)")
            if now > limit and interrupted_at is None:
                self.kernel.interrupt()
                interrupted_at = now
            if interrupted_at is not None and now > interrupted_at + 5:
                raise KernelGone(f"ran for more than {timeout:.0f} s and ignored the interrupt")
            if now > self.deadline + 5:
                raise KernelGone("the submission's total time ran out")
            try:
                msg = kc.get_shell_msg(timeout=0.2)
            except queue.Empty:
                continue
            if msg.get("parent_header", {}).get("msg_id") == msg_id and msg["msg_type"] == "execute_reply":
                reply = msg["content"]
                break
        self._drain_iopub(msg_id, output)
        if reply.get("status") == "ok":
            return "ok", ""
        err = f"{reply.get('ename', 'Error')}: {reply.get('evalue', '')}"
        if interrupted_at is not None:
            return "timeout", err
        return "error", err

    def _drain_iopub(self, msg_id: str, output: list | None) -> None:
        kc = self.kernel.client
        while True:
            try:
                msg = kc.get_iopub_msg(timeout=0.01)
            except queue.Empty:
                return
            if output is not None and msg.get("parent_header", {}).get("msg_id") == msg_id \
                    and msg["msg_type"] == "stream" and sum(map(len, output)) < 20000:
                output.append(msg["content"].get("text", ""))

    # -- grading ------------------------------------------------------------------------------
    def run(self) -> dict:
        import nbformat

        tests = load_tests(base64.b64decode(self.job["autograder_b64"]))
        nb = nbformat.reads(self.nb_bytes.decode("utf-8"), as_version=4)
        cells = [c.source for c in nb.cells if c.cell_type == "code" and isinstance(c.source, str)
                 and not CHECK_CELL.match(c.source.strip()) and not INIT_CELL.match(c.source.strip())]
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
            if time.monotonic() > self.deadline:
                raise KernelGone("the submission's total time ran out")
            if self.restarts > MAX_RESTARTS:
                raise KernelGone("the kernel had to be restarted too often")
            self.start(preimports, aliases)
            for j in range(upto):
                if j not in skip:
                    self.execute(cells[j], self.job["cell_timeout"])

        self.start(preimports, aliases)
        i = 0
        while i < len(cells):
            try:
                status, err = self.execute(cells[i], self.job["cell_timeout"])
                if status == "timeout":
                    skip.add(i)
                    errors.append(f"cell {i + 1}: stopped after {self.job['cell_timeout']:.0f} s ({err[:100]})")
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
        for q, k, hidden in order:
            code = tests[q]["cases"][k][0]
            try:
                if not restored:
                    printed = []
                    status, err = self.execute(f"print(__import__('json').dumps({self.harness}.restore()))", 60,
                                               printed)
                    restored = True
                    if status != "ok":
                        self.notes.append("the grader could not reset the kernel before the tests")
                    elif self.restarts == 0 or not self.undone:
                        try:
                            self.undone = json.loads("".join(printed).strip().splitlines()[-1])
                        except (ValueError, IndexError):
                            self.undone = {}
                status, err = self.execute(f"{self.harness}.case({code!r}, {q!r})", self.job["test_timeout"])
                if status == "ok":
                    results[(q, k)] = (True, "")
                elif status == "timeout":
                    results[(q, k)] = (False, f"a test took more than {self.job['test_timeout']:.0f} s and was stopped")
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
            out[q] = {"score": score, "possible": possible, "public_passed": all(ok for _, (ok, _) in public),
                      "passed_all": all(passed), "public_summary": summary}
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
