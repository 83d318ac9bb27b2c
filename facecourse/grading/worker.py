"""Grade one submission: the trusted driver, OUTSIDE the sandbox.

A :class:`Runner` runs in a child that the assignment's warm process forked for this submission
(:func:`.trusted.serve`), holding the exercise's tests and given names (:class:`.trusted.Exercise`).
``python -m facecourse.grading.worker`` runs one alone (the job as JSON on stdin, the results as
one JSON line on stdout; it prepares the exercise itself). Nothing is read back from anywhere the
student's kernel can write, and no student cell is parsed here.

Order:

1. start the sandboxed kernel and put the grader's agent into it (:mod:`.agent`);
2. run the student's code cells one by one, each with ``cell_timeout`` of its own time, of which at
   most ``cell_cpu`` computing (interrupt, then kill and restart if the kernel ignores the interrupt); the student's own ``grader.check`` cells and
   otter's init cell are skipped (every test runs once, at the end). After each cell a probe
   checks that the kernel still answers: a cell that replaced IPython's execution is noticed in
   seconds and skipped like a crash. After the notebook's last answer or ``grader.check`` cell the
   agent records the notebook's names (a *checkpoint*); errors are recorded for feedback;
3. ``settle``: names rebound after the checkpoint are put back, except the answers (scratch work
   such as ``list = [1, 2]`` or ``np = 0`` in a last cell costs nothing); then the exercise's
   provided cells that use answers run HERE, on the student's answers (by value and handles);
4. every question's cases, in this process (:mod:`.trusted`), public ones first (their sentences
   are the feedback), then hidden ones (pass/fail only); each case with ``test_timeout`` for the
   student's code it calls. A question whose first case says "not answered yet" runs no other case.

A kernel that dies (a C-level crash, the memory limit) or ignores an interrupt is killed with its
whole sandbox and a fresh one replays the cells that had finished (skipping the cell that crashed
or timed out), so a crash costs only what depends on it; after ``MAX_RESTARTS`` the remaining
cases fail. Scores are computed here with otter's point rules, only for the questions of the
autograder, and capped by :mod:`.run` at each question's maximum.
"""

from __future__ import annotations

import ast
import base64
import json
import queue
import re
import secrets
import sys
import time

from ..checks import CaseResult, CaseTimeout, QuestionResult, run_case
from .sandbox import verified_msg

MAX_RESTARTS = 3
PROBE_TIMEOUT = 10.0  # seconds a kernel may take to answer the grader's probe after a student's cell
IDLE_GRACE = 2.0  # seconds between a request's "idle" and its reply, beyond which the kernel is broken
CHECK_CELL = re.compile(r"^grader\.(check(_all)?|export)\([^()]*\)$")
# the exercise's init cell (otter's, or the course's Notebook): the grader needs no otter in the kernel
INIT_CELL = re.compile(r"^(# Initialize Otter\s*)?(import otter\s+grader = otter\.Notebook\([^()]*\)|"
                       r"from facecourse\.checks import Notebook\s+grader = Notebook\([^()]*\))$")
ERROR_CHARS = 300
MAX_REPLY_CHARS = 400 * 1024 ** 2  # what one agent reply may hold (JSON text)
BRIDGES = 4  # the grader's loopback servers that can be relayed into one kernel at once


TIME_LIMIT = "time limit: "


def time_limit(why: str | None, seconds: float) -> str:
    """The sentence for a request stopped at its time limit (``why`` from :meth:`.sandbox.Stopwatch.over`)."""
    if why == "cpu":
        return f"{TIME_LIMIT}it ran for more than {seconds:g} s of CPU time"
    if why == "wall":
        return f"{TIME_LIMIT}it waited more than {seconds:g} s (sleeping, or waiting for input or a lock)"
    return f"{TIME_LIMIT}the submission's total time ran out"


class KernelGone(BaseException):
    """The kernel died or had to be killed while running a request (a BaseException: no case's
    ``except Exception`` may swallow it)."""


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
        if given > total + 1e-9:
            raise ValueError("more points specified in test cases than allowed for the test")
        rest = (total - given) / unset if unset else 0.0
    elif given == 0 and all(p in (0, None) for p in case_points):
        rest = 1 / unset if unset else 0.0
    else:
        rest = 0.0
    return [float(p) if p is not None else rest for p in case_points]


def _parse(src: str):
    """``ast.parse(src)``, or None for code Python refuses (a syntax error, a NUL byte: SyntaxError on
    3.11.4+ and 3.12, ValueError on 3.11.0-3.11.3, RecursionError or MemoryError for deep nesting)."""
    try:
        return ast.parse(src)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _bound(src: str) -> set[str]:
    """Names a cell binds in its namespace (assignments, imports, definitions; not inside functions).

    Used on the INSTRUCTOR's cells only (never on a student's)."""
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
    """(answer names, provided cells that use no answer, provided cells that use answers).

    ``reference``: the code cells of the instructor's blank exercise; ``answer_flags``: which of them
    are answer cells; ``solution_sources``: the code of the master's solution blocks. The answer
    names are the names those answer cells and solution blocks bind. A provided cell that reads an
    answer name (or a name such a cell binds) is "late": the grader runs it after the student's
    code, on the student's answers; the others run in the grader's warm process, before any submission.
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


def _tags(cell) -> list:
    tags = cell.get("metadata", {}).get("tags", []) if isinstance(cell.get("metadata"), dict) else []
    return tags if isinstance(tags, list) else []


class Runner:
    def __init__(self, job: dict, exercise=None):
        from .sandbox import Kernel, Limits
        from .trusted import Exercise

        self.job = job
        self.Kernel, self.limits = Kernel, Limits(**job.get("limits", {}))
        self.deadline = time.monotonic() + float(job["total_timeout"])
        self.nb_bytes = base64.b64decode(job["notebook_b64"])
        self.exercise = exercise if exercise is not None else Exercise.from_job(job)
        self.agent = "_fc_" + secrets.token_hex(8)
        self.token = secrets.token_hex(16)
        self.kernel = None
        self.session = None
        self.scratch: str | None = None
        self._temp_root = job.get("temp_dir") or None
        self.restarts = 0
        self.notes: list[str] = list(self.exercise.notes)
        self.late_values: dict = {}
        self.late_failed: set[str] = set()
        self.times: dict[str, float] = {}  # seconds per phase (kernel start and cells, tests), for benchmarks
        self.excused = 0.0  # seconds the sandboxes waited for a CPU: added to the submission's deadline
        self.last_own = 0.0  # the sandbox's own seconds (not waiting for a CPU) in the last request
        self._t0 = time.monotonic()

    # -- the kernel ---------------------------------------------------------------------------
    def start(self) -> None:
        import os
        import tempfile

        from .scratch import Mirror
        from .trusted import Session

        # the kernel's files, at the same path here (.scratch): a fresh folder for every kernel
        self._remove_scratch()
        self.scratch = tempfile.mkdtemp(prefix="fc-scratch-", dir=self._temp_root)
        for sub in ("local", "tmp"):
            os.mkdir(os.path.join(self.scratch, sub))
        tempfile.tempdir = os.path.join(self.scratch, "tmp")  # the checks' temporary folders
        self.kernel = self.Kernel(self.job["notebook_name"], self.nb_bytes, self.limits,
                                  sandboxed=self.job["sandbox"], label=self.job.get("label", ""),
                                  attempt=self.restarts, bridges=BRIDGES, scratch=self.scratch,
                                  start_timeout=min(120.0, max(5.0, self.deadline + self.excused - time.monotonic())))
        status, err = self.execute(f"import facecourse.grading.agent as _fc_m\n_fc_m.install(get_ipython(), "
                                   f"{self.agent!r}, {self.token!r})\ndel _fc_m", 120)
        if status != "ok":
            raise RuntimeError(f"the grader's agent could not start in the kernel: {err}")
        self._open_comm()
        self.session = Session(self, self.agent, self.token, listeners=self.kernel.bridge_listeners)
        if self.job["sandbox"]:
            self.session.files = Mirror(self.scratch, f"/proc/{self.kernel.child_pid}/root{self.scratch}")
        ports = self.exercise.serve_sites()
        if ports:  # the sites the notebook starts are the grader's copies, relayed into the sandbox
            if self.session.listeners:
                self.session._sync_bridges()
            self._agent_op("site_ports", ports)

    def stop(self) -> None:
        if self.kernel is not None:
            self.kernel.kill()
            self.kernel = None
        self._remove_scratch()

    def _remove_scratch(self) -> None:
        import shutil
        import tempfile

        if self.scratch:
            shutil.rmtree(self.scratch, ignore_errors=True)
            self.scratch = None
            tempfile.tempdir = None

    def _open_comm(self) -> None:
        """Open the comm the agent's requests travel on (its target was registered by ``install``)."""
        kc = self.kernel.client
        self.comm_id = secrets.token_hex(16)
        msg = kc.session.msg("comm_open", {"comm_id": self.comm_id, "target_name": f"facecourse-{self.token}",
                                           "data": {}})
        kc.shell_channel.send(msg)
        end = min(time.monotonic() + 30, self.deadline)
        while not self._read_iopub(msg["header"]["msg_id"], None, [MAX_REPLY_CHARS], 0.02):
            if time.monotonic() > end or not self.kernel.alive():
                raise KernelGone("the kernel did not open the grader's channel")

    def request(self, payload: bytes, timeout: float) -> tuple[str, list]:
        """The link the trusted :class:`~.trusted.Session` uses: one request to the agent (a comm message
        whose binary frame is ``payload``); (status ok or timeout, the agent's replies).

        At ``timeout`` (the sandbox's own time: :class:`.sandbox.Stopwatch`) the kernel is interrupted
        (the student's code raises KeyboardInterrupt) and the status is ``"timeout:<why>"`` (``why`` as
        :func:`time_limit` takes it); a kernel that does not finish within 5 s more is KernelGone, as
        is one that dies."""
        from .sandbox import Stopwatch

        kc = self.kernel.client
        msg = kc.session.msg("comm_msg", {"comm_id": self.comm_id, "data": {}})
        kc.session.send(kc.shell_channel.socket, msg, buffers=[payload])
        msg_id = msg["header"]["msg_id"]
        watch = Stopwatch(self.kernel.clock, timeout)
        excused = self.excused
        interrupted_at, why = None, None
        replies: list = []
        budget = [MAX_REPLY_CHARS]
        while True:
            now = time.monotonic()
            self.excused = excused + watch.starved()
            if not self.kernel.alive():
                raise KernelGone("the kernel stopped (crash or memory limit)")
            if interrupted_at is None and (why := watch.over() or ("total" if now > self.deadline + self.excused
                                                                   else None)):
                self.kernel.interrupt()
                interrupted_at = now
            if interrupted_at is not None and now > interrupted_at + 5:
                raise KernelGone(f"{time_limit(why, timeout)} and ignored the interrupt")
            if now > self.deadline + self.excused + 5:
                raise KernelGone("the submission's total time ran out")
            if self._read_iopub(msg_id, replies, budget, 0.02):
                self.last_own = max(0.0, time.monotonic() - watch.t0 - watch.starved())
                return (f"timeout:{why}" if interrupted_at is not None else "ok"), replies

    def execute(self, code: str, timeout: float, replies: list | None = None,
                interrupt: bool = True, cpu_limit: float | None = None) -> tuple[str, str]:
        """Run ``code``; return (status, 'Ename: message'). Status: ok, error, timeout. KernelGone if it died.

        ``replies`` receives the agent's ``display_data`` replies to this request. A kernel that reports
        the request finished (status idle) but sends no reply within ``IDLE_GRACE`` s has had its
        execution machinery replaced: KernelGone at once instead of waiting for a time limit.
        ``interrupt=False``: at ``timeout`` give up at once (KernelGone), no interrupt. ``cpu_limit``: CPU
        seconds the code may use, if fewer than ``timeout`` (a cell may wait longer than it may compute).
        """
        from .sandbox import Stopwatch

        kc = self.kernel.client
        msg_id = kc.execute(code, silent=False, store_history=False, allow_stdin=False)
        # the limit counts the sandbox's own time (CPU, or waiting it chose), never time it waited for
        # a CPU; the submission's deadline moves by that waiting time too
        watch = Stopwatch(self.kernel.clock, timeout, cpu_limit)
        excused = self.excused
        interrupted_at = idle_at = None
        reply, why = None, None
        budget = [MAX_REPLY_CHARS]
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
                raise KernelGone(f"{time_limit(why, watch.cpu_limit if why == 'cpu' else timeout)} and ignored the interrupt")
            if now > self.deadline + self.excused + 5:
                raise KernelGone("the submission's total time ran out")
            if idle_at is not None and now > idle_at + IDLE_GRACE:
                raise KernelGone("the kernel finished a request without running it or answering "
                                 "(was IPython's execution replaced?)")
            if self._read_iopub(msg_id, replies, budget, 0.0):
                idle_at = idle_at or now
            try:
                msg = verified_msg(kc.get_shell_msg, 0.05)
            except queue.Empty:
                continue
            if msg.get("parent_header", {}).get("msg_id") == msg_id and msg["msg_type"] == "execute_reply":
                reply = msg["content"]
                break
        if idle_at is None:
            self._drain_iopub(msg_id, replies, budget)
        if interrupted_at is not None:
            return "timeout", time_limit(why, watch.cpu_limit if why == "cpu" else timeout)
        if reply.get("status") == "ok":
            return "ok", ""
        return "error", f"{str(reply.get('ename', 'Error'))[:100]}: {str(reply.get('evalue', ''))[:ERROR_CHARS]}"

    def _read_iopub(self, msg_id: str, replies: list | None, budget: list, timeout: float) -> bool:
        """Read the waiting iopub messages (at most 500; the first may take ``timeout`` s to come): keep
        the agent's replies to ``msg_id``; True once its "idle" status arrived."""
        from .agent import REPLY_MIME

        kc = self.kernel.client
        for i in range(500):
            try:
                msg = verified_msg(kc.get_iopub_msg, timeout if i == 0 else 0)
            except queue.Empty:
                return False
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            if msg["msg_type"] == "status" and msg["content"].get("execution_state") == "idle":
                return True
            if msg["msg_type"] == "display_data" and replies is not None:
                data = msg["content"].get("data", {})
                value = data.get(REPLY_MIME) if isinstance(data, dict) else None
                if isinstance(value, dict) and len(replies) < 4:
                    budget[0] -= len(json.dumps(value)) if budget[0] > 0 else 1
                    if budget[0] >= 0:
                        replies.append(value)
        return False

    def _drain_iopub(self, msg_id: str, replies: list | None, budget: list) -> None:
        """After the reply: read what the request published until it reports idle (1 s at most)."""
        end = time.monotonic() + 1.0
        while time.monotonic() < end:
            if self._read_iopub(msg_id, replies, budget, 0.01):
                return

    def probe(self) -> None:
        """Raise KernelGone unless the kernel still answers the grader's agent (a cell that replaced
        IPython's ``run_cell`` or the kernel's ``do_execute`` leaves a kernel that answers late or never:
        such a cell is then skipped like one that crashed the kernel)."""
        nonce = secrets.token_hex(12)
        replies: list = []
        status, _ = self.execute(f"{self.agent}.ping({nonce!r})", PROBE_TIMEOUT, replies=replies, interrupt=False)
        if status != "ok" or not any(r.get("rid") == nonce for r in replies if isinstance(r, dict)):
            raise KernelGone("the kernel did not answer the grader's probe (was IPython's execution replaced?)")

    def _agent_op(self, kind: str, *args, timeout: float = 30.0):
        from .trusted import AgentProblem

        try:
            reply = self.session.request(kind, *args, timeout=timeout)
        except AgentProblem:
            return None
        return reply.get("value") if reply.get("status") == "ok" else None

    # -- grading ------------------------------------------------------------------------------
    def run(self) -> dict:
        from .collect import _text, load_json

        ex = self.exercise
        nb = load_json(self.nb_bytes)  # read with the collector's bounds
        cells, checkpoint = [], -1
        for c in nb.get("cells", []) if isinstance(nb, dict) else []:
            if not isinstance(c, dict) or c.get("cell_type") != "code" or not isinstance(_text(c.get("source", "")), str):
                continue
            source = _text(c.get("source", ""))
            text = source.strip()
            if INIT_CELL.match(text):
                continue
            is_check = bool(CHECK_CELL.match(text))
            if is_check or {"otter_answer_cell", "otter_assign_solution_cell"} & set(_tags(c)):
                checkpoint = len(cells)
            cells.append((source, is_check))
        errors, skip = [], set()

        def step(i: int) -> None:
            src, is_check = cells[i]
            if not is_check and i not in skip:
                status, err = self.execute(src, self.job["cell_timeout"], cpu_limit=self.job.get("cell_cpu"))
                self.probe()
                if status == "timeout":
                    skip.add(i)
                    errors.append(f"cell {i + 1}: stopped: {err}")
                elif status == "error":
                    errors.append(f"cell {i + 1}: {err[:ERROR_CHARS]}")
            if i == checkpoint:
                self._agent_op("checkpoint")

        def replay(upto: int, settle: bool = False) -> None:
            self.stop()
            self.restarts += 1
            if time.monotonic() > self.deadline + self.excused:
                raise KernelGone("the submission's total time ran out")
            if self.restarts > MAX_RESTARTS:
                raise KernelGone("the kernel had to be restarted too often")
            self.start()
            for j in range(upto):
                src, is_check = cells[j]
                if not is_check and j not in skip:
                    self.execute(src, self.job["cell_timeout"], cpu_limit=self.job.get("cell_cpu"))
                if j == checkpoint:
                    self._agent_op("checkpoint")
            if settle:
                self._settle()

        self.start()
        i = 0
        while i < len(cells):
            try:
                step(i)
                i += 1
            except KernelGone as exc:
                skip.add(i)
                errors.append(f"cell {i + 1}: {exc}; the grader restarted the kernel and skipped this cell")
                i += 1
                try:
                    replay(i)
                except (KernelGone, TimeoutError, RuntimeError) as exc2:
                    return self._finish({}, errors, f"kernel failed: {exc2}")

        results: dict[tuple[str, int], CaseResult] = {}
        self.times["cells"] = round(time.monotonic() - self._t0, 3)
        try:
            self.kernel.stop_strays()  # processes the notebook left running would spend the tests' CPU time
            self._settle()
            self._run_late(errors)
        except KernelGone as exc:
            errors.append(f"the kernel stopped while the grader prepared the tests ({exc})")
            try:
                replay(len(cells), settle=True)
                self._run_late(errors)
            except (KernelGone, TimeoutError, RuntimeError) as exc2:
                return self._finish(results, errors, f"kernel failed during the tests: {exc2}")

        unanswered: set[str] = set()
        order = [(q, k) for q, spec in ex.questions.items() for k, c in enumerate(spec.cases) if not c.hidden] + \
                [(q, k) for q, spec in ex.questions.items() for k, c in enumerate(spec.cases) if c.hidden]
        for q, k in order:
            case = ex.questions[q].cases[k]
            if q in unanswered:
                results[(q, k)] = CaseResult(case, "not run", "")
                continue
            try:
                result = self.evaluate(case)
            except KernelGone as exc:
                result = CaseResult(case, "error", f"the kernel stopped during this check ({exc}).")
                try:
                    replay(len(cells), settle=True)
                    self._run_late([])
                except (KernelGone, TimeoutError, RuntimeError) as exc2:
                    results[(q, k)] = result
                    return self._finish(results, errors, f"kernel failed during the tests: {exc2}")
            results[(q, k)] = result
            if result.kind == "unanswered":
                unanswered.add(q)
        return self._finish(results, errors, None)

    def _settle(self) -> None:
        changed = self._agent_op("settle", sorted(self.exercise.answers))
        if isinstance(changed, int) and changed:
            self.notes.append(f"{changed} name(s) rebound after the notebook's last answer were put back "
                              "before the tests")
        if self.session is not None:
            self.session.pull_files()  # the notebook's files, for the checks that read them

    def _run_late(self, errors: list) -> None:
        """The exercise's provided cells that use answers, run here on the student's answers."""
        from .trusted import AgentProblem

        self.late_values, self.late_failed = {}, set()
        ex = self.exercise
        for k, src, names in ex.late:
            reads = sorted(_loads(src))
            ns = {"__name__": "__main__"}
            fetch = [n for n in reads if (n in ex.answers or n in ex.from_kernel) and n not in self.late_values]
            try:
                self.session.start_case(self.job["cell_timeout"])
                fetched = self.session.fetch(fetch)
                ns.update({n: ex.given_value(n) for n in reads if ex.is_given(n)})
                ns.update({n: v for n, v in fetched.items()})
                ns.update({n: v for n, v in self.late_values.items() if n in reads})
                exec(compile(src, f"<given cell {k + 1}>", "exec"), ns)
                self.late_values.update({n: ns[n] for n in names if n in ns})
            except KernelGone:
                raise
            except (Exception, AgentProblem, CaseTimeout) as exc:
                self.late_failed.update(names)
                first = src.strip().splitlines()[0][:60]
                errors.append(f"the exercise's given cell `{first}` (it uses your answers), run by the grader: "
                              f"{type(exc).__name__}: {str(exc)[:ERROR_CHARS]}")
            finally:
                self.session.end_case()

    def evaluate(self, case) -> CaseResult:
        """One case, decided here: the given names from the exercise, the answers from the kernel."""
        from ..checks import MISSING
        from .trusted import AgentProblem

        ex = self.exercise
        params = case.params
        # a given name whose cell failed in the grader's own run stays missing: the student's value of
        # a given name is never used in its place
        local = [p for p in params if p in self.late_values or p in self.late_failed or p in ex.unbound
                 or ex.is_given(p)]
        remote = [p for p in params if p not in local]
        try:
            self.session.start_case(float(self.job["test_timeout"]))
            values = self.session.fetch(remote)
            for p in local:
                if p in self.late_failed or (p in ex.unbound and p not in self.late_values):
                    values[p] = MISSING
                elif p in self.late_values:
                    values[p] = self.late_values[p]
                else:
                    values[p] = ex.given_value(p)
            return run_case(case, values)
        except AgentProblem as exc:
            return CaseResult(case, "error", f"the grader could not reach your notebook's values ({exc}).")
        finally:
            self.session.end_case()

    def _finish(self, results: dict, errors: list, failure: str | None) -> dict:
        out = {}
        for q, spec in self.exercise.questions.items():
            rs = [results.get((q, k)) or CaseResult(c, "not run", "not run") for k, c in enumerate(spec.cases)]
            passed = [r.passed for r in rs]
            possible = sum(c.points for c in spec.cases)
            if spec.all_or_nothing:
                score = possible if all(passed) else 0.0
            else:
                score = sum(c.points for c, ok in zip(spec.cases, passed) if ok)
            public = [r for r in rs if not r.case.hidden]
            summary = QuestionResult(q, public)
            out[q] = {"score": score, "possible": possible, "public_passed": all(r.passed for r in public),
                      "passed_all": all(passed), "public_summary": "\n".join(summary.lines()),
                      "unanswered": any(r.kind == "unanswered" for r in rs),
                      "time_limit": next((r.sentence for r in rs if r.kind == "timeout"), "")}
        if self.session is not None:
            self.times["files"] = round(self.session.files_seconds, 3)
        self.times["total"] = round(time.monotonic() - self._t0, 3)
        if "cells" in self.times:
            self.times["tests"] = round(self.times["total"] - self.times["cells"], 3)
        return {"questions": out, "errors": errors, "notes": self.notes, "failure": failure,
                "restarts": self.restarts, "times": self.times}


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
