"""The trusted side of grading: tests decided outside the student's code.

Every test case of every question (public and hidden) runs HERE, in a trusted process outside the
sandbox that holds no student code: the case's function (from the exercise's exception-based test
file, :func:`facecourse.checks.load_test_file`) is called with

* the exercise's **given** names (data and helpers of the instructor's blank exercise, its
  provided cells run in this process: :class:`Exercise`), a fresh copy for each case;
* the student's **answers**, fetched from the sandboxed kernel **by value** (:mod:`.wire`: JSON,
  ``.npy`` bytes, a typed encoding of pandas objects, a chart's Vega-Lite dict; never pickle);
* the student's **functions and objects** (a widget, a ledger; a FAISS index travels by value) as :class:`Remote`
  handles: calling one sends the arguments into the kernel by value (the student's code gets
  copies), runs it there within the case's time limit and brings the result back by value;
  attribute and item access likewise.

A verdict is decided by the case's own code in this process; comparisons never reach the kernel
(a handle is equal only to itself, and refuses to be used as a truth value).

**Warm exercises.** Running the provided cells (loading embeddings, crawling the sandbox site) is
done once per assignment and grading run: :func:`serve` prepares the :class:`Exercise` in a
long-lived process, then FORKS one child per submission, which starts that submission's kernel
(:mod:`.worker`) and grades it against its copy-on-write copy of the given names. The process is
single-threaded when it forks (checked); the given cells run with ``FACECOURSE_LOCAL`` pointing at
a private temporary folder, so no key or file of the instructor's installation reaches a kernel.

**Servers.** A case may start one of the course's loopback servers (a portal, the sandbox site)
in this process and call a student function that talks to it: the sandboxed kernel has no
network, so each server is bridged into it (Unix sockets the grader made in the kernel's socket
folder before it was sealed, and a relay the agent opens on the same 127.0.0.1 port inside the
sandbox). Every request reaches the trusted server, whose logs the case then reads. A site the
exercise's provided cells start (D1's ``site``) is served by each grading child too, and the kernel's
``site`` stands in for it (:mod:`.sites`).

**Files.** The kernel's files (``FACECOURSE_LOCAL`` and ``TMPDIR``) are at a scratch path that is the
same string here, where a copy made by value is kept up to date around every call of a student
function (:mod:`.scratch`); given names that are paths into the notebook's own folder (D1's
``folder``) are the kernel's values.
"""

from __future__ import annotations

import base64
import copy
import ctypes
import io
import itertools
import json
import os
import pickle
import re
import secrets
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
import zipfile
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass, field

from ..checks import MISSING, AnswerError, Case, CaseTimeout, StudentRaised
from . import wire
from .agent import REPLY_MIME


class AgentProblem(BaseException):
    """The kernel did not answer a request of the grader (the agent was broken or replaced). A
    ``BaseException``: a case's ``except Exception`` must not turn it into a verdict."""


# ---------------------------------------------------------------------------------------------
# Handles: the student's objects, used from here
# ---------------------------------------------------------------------------------------------

_CLASSES: dict[tuple, type] = {}


def _resolve(mro: list[tuple[str, str]]) -> type:
    """The trusted class a handle presents (for ``isinstance``): the first class of its MRO that this
    process has loaded, outside ``builtins`` (built-in values always travel by value); otherwise a
    subclass of :class:`Remote` named after the student's class."""
    for module, qualname in mro:
        if module in ("builtins", "") or not qualname or "<" in qualname:
            continue
        for mod_name, path in ((module, qualname.split(".")), (module.split(".")[0], qualname.split(".")[-1:])):
            obj = sys.modules.get(mod_name)
            for part in path:
                obj = getattr(obj, part, None) if obj is not None else None
            if isinstance(obj, type) and obj.__name__ == qualname.split(".")[-1] and obj is not object:
                return obj
    name = (mro[0][1].split(".")[-1] if mro else "object")[:80] or "object"
    key = ("remote", name)
    if key not in _CLASSES:
        _CLASSES[key] = type(name, (Remote,), {"__slots__": (), "__module__": "notebook"})
    return _CLASSES[key]


class Remote:
    """An object that lives in the student's kernel (a function, a widget, an index...).

    Calls, attribute and item access are forwarded to the kernel, arguments and results by value.
    A handle is equal only to itself and is never true or false: a check cannot be satisfied by
    an object whose ``__eq__`` or ``__bool__`` the student wrote.
    """

    __slots__ = ("_session", "_id", "_info")
    _facecourse_remote = True

    def __init__(self, session: "Session", info: dict):
        object.__setattr__(self, "_session", session)
        object.__setattr__(self, "_id", info["id"])
        object.__setattr__(self, "_info", info)

    @property
    def __class__(self):  # noqa: D105 - isinstance(handle, widgets.Dropdown) asks this
        return _resolve(self._info["mro"])

    @property
    def _label(self) -> str:
        name = self._info.get("name")
        return f"`{name}`" if name else f"your {self.__class__.__name__}"

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return self._session.op("getattr", self._id, name, doing=f"reading `.{name}` of {self._label}")

    def __setattr__(self, name, value):
        if name in Remote.__slots__:
            raise AttributeError("a handle's own fields cannot be changed")
        self._session.op("setattr", self._id, name, value, doing=f"setting `.{name}` of {self._label}")

    def __call__(self, *args, **kwargs):
        return self._session.op("call", self._id, args, kwargs, function=self._info.get("name") or "function")

    def __getitem__(self, key):
        return self._session.op("getitem", self._id, key, doing=f"reading an item of {self._label}")

    def __setitem__(self, key, value):
        self._session.op("setitem", self._id, key, value, doing=f"setting an item of {self._label}")

    def __len__(self):
        n = self._session.op("len", self._id, doing=f"taking the length of {self._label}")
        if type(n) is not int or n < 0:
            raise TypeError("the kernel gave a length that is not a whole number")
        return n

    def __iter__(self):
        items = self._session.op("iter", self._id, doing=f"going through {self._label}")
        if type(items) is not list:
            raise TypeError("the kernel did not list the items")
        return iter(items)

    def __contains__(self, item):
        return self._session.op("contains", self._id, item, doing=f"looking into {self._label}") is True

    def __bool__(self):
        raise AnswerError(f"{self._label} is a {self.__class__.__name__} object of your notebook, not a plain "
                        "value (True, False, a number...) the check can use")

    def __eq__(self, other):
        return type(other) is type(self) and other._session is self._session and other._id == self._id

    def __ne__(self, other):
        return not self.__eq__(other)

    def __hash__(self):
        return hash((id(self._session), self._id))

    def __repr__(self):
        return f"<{self.__class__.__name__} object of your notebook>"

    def __reduce__(self):  # an argument sent back into the kernel: the kernel's own object again
        from .agent import lookup

        return (lookup, (self._session.token, self._id))

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self


_EXCEPTIONS: dict[tuple, type] = {}


def student_exception(type_name: str, bases: list, message: str, function: str | None) -> Exception:
    """An exception raised by the student's code, re-raised here: a :class:`StudentRaised` that is also
    the built-in exception it derives from (``except ValueError`` in a case still catches it)."""
    import builtins

    base = Exception
    for b in bases if isinstance(bases, list) else []:
        cls = getattr(builtins, b, None) if isinstance(b, str) else None
        if isinstance(cls, type) and issubclass(cls, Exception):
            base = cls
            break
    name = type_name if isinstance(type_name, str) and type_name.isidentifier() else "Exception"
    key = (name, base)
    if key not in _EXCEPTIONS:
        try:
            _EXCEPTIONS[key] = type(name, (StudentRaised, base), {"__module__": "notebook"})
        except TypeError:
            _EXCEPTIONS[key] = type(name, (StudentRaised,), {"__module__": "notebook"})
    cls = _EXCEPTIONS[key]
    try:
        exc = cls(message)
    except Exception:  # noqa: BLE001 - bases with other constructors (UnicodeDecodeError)
        exc = StudentRaised(message)
    exc.function = function
    return exc


# ---------------------------------------------------------------------------------------------
# The session: requests to the agent in the kernel
# ---------------------------------------------------------------------------------------------

class Session:
    """Requests to the student's kernel for one submission.

    ``link.request(payload, timeout)`` sends one request (``payload``, the pickled request) to the
    agent and returns ``(status, replies)``: "ok" or ``"timeout:<cpu|wall|total>"``, and the agent's
    ``display_data`` replies; it raises the worker's ``KernelGone`` when the kernel dies.
    ``link.last_own``: the sandbox's own seconds in that request (a case's limit counts these). ``agent`` is the agent's name in the kernel, ``token`` its key for handles.
    """

    def __init__(self, link, agent: str, token: str, limits: wire.Limits | None = None,
                 listeners: list | None = None):
        self.link, self.agent, self.token = link, agent, token
        self.limits = limits or wire.Limits()
        self.lock = threading.RLock()
        self.deadline: float | None = None
        self.timeout = 30.0
        self.listeners = list(listeners or [])  # (path in the sandbox, listening socket): see _sync_bridges
        self.targets: dict[int, int] = {}
        self.bridged: set[int] = set()
        self.notes: list[str] = []
        self.files = None  # the kernel's scratch folder, mirrored here (.scratch.Mirror), when sandboxed
        self.files_seconds = 0.0  # spent mirroring it (benchmarks)

    # one case's time limit: what the student's code may use of it in all, counted in the sandbox's
    # own time (CPU, or waiting it chose; never time it waited for a CPU: .sandbox.Stopwatch)
    def start_case(self, seconds: float) -> None:
        self.timeout = seconds
        self.deadline = seconds

    def end_case(self) -> None:
        self.deadline = None

    def _remaining(self) -> float:
        if self.deadline is None:
            return 60.0
        if self.deadline <= 0:
            from .worker import time_limit

            raise CaseTimeout(time_limit("cpu", self.timeout))
        return self.deadline

    def _handle(self, info: dict):
        return Remote(self, info)

    def request(self, kind: str, *args, timeout: float | None = None):
        """Send one request; the agent's reply dict (``status`` ok, raised or unsendable)."""
        rid = secrets.token_hex(8)
        try:
            buf = io.BytesIO()
            _Pickler(buf, protocol=pickle.HIGHEST_PROTOCOL).dump({"rid": rid, "op": kind, "args": args})
            payload = buf.getvalue()
        except Exception as exc:  # noqa: BLE001 - a test passes something that cannot be copied
            raise TypeError(f"the grader could not copy its arguments into your kernel ({type(exc).__name__}: "
                            f"{exc}); this is a problem of the check, not of your answer") from None
        with self.lock:
            status, replies = self.link.request(payload, timeout if timeout is not None else self._remaining())
            if self.deadline is not None and timeout is None:
                self.deadline -= getattr(self.link, "last_own", 0.0)
        if status != "ok":  # "timeout:<why>": the student's code hit the case's time limit
            from .worker import time_limit

            raise CaseTimeout(time_limit(status.partition(":")[2] or None, timeout or self.timeout))
        reply = next((r for r in replies if isinstance(r, dict) and r.get("rid") == rid), None)
        if reply is None:
            raise AgentProblem(f"the kernel did not answer the grader's request ({status})")
        return reply

    def op(self, kind: str, *args, function: str | None = None, doing: str | None = None):
        if self.listeners and kind in ("call", "setattr", "setitem", "getattr"):
            try:
                self._sync_bridges()
            except (OSError, AgentProblem) as exc:  # the student's code will then not reach the server
                self.notes.append(f"a server could not be bridged into the kernel: {exc}")
        if kind in ("call", "setattr", "setitem"):  # the student's code sees the checks' files, and
            self._files("push")                      # the checks see what it wrote
            try:
                reply = self.request(kind, *args)
            finally:
                self._files("pull")
        else:
            reply = self.request(kind, *args)
        status = reply.get("status")
        if status == "ok":
            return self.decode(reply.get("value"))
        if status == "raised":
            if reply.get("type") == "KeyboardInterrupt":
                from .worker import time_limit

                raise CaseTimeout(time_limit("cpu", self.timeout))
            message = str(reply.get("message", ""))[:1000]
            if doing and function is None:
                message = f"{message} (while the check was {doing})" if message else f"(while the check was {doing})"
            raise student_exception(reply.get("type"), reply.get("bases"), message, function)
        if status == "unsendable":
            why = str(reply.get("why", ""))[:300]
            return wire.Unreadable("result", f"your code returned a value the grader cannot read: {why}")
        raise AgentProblem("the kernel answered the grader's request with something it does not understand")

    def pull_files(self) -> None:
        """Bring the kernel's files here (before the checks read them)."""
        self._files("pull")

    def _files(self, direction: str) -> None:
        if self.files is None:
            return
        from .scratch import MirrorError

        t0 = time.monotonic()
        try:
            getattr(self.files, direction)()
        except (OSError, MirrorError) as exc:
            note = f"the notebook's files could not be copied for the checks ({type(exc).__name__}: {str(exc)[:200]})"
            if note not in self.notes:
                self.notes.append(note)
        finally:
            self.files_seconds += time.monotonic() - t0

    def decode(self, data):
        try:
            return wire.decode(data, self._handle, self.limits)
        except wire.WireError as exc:
            return wire.Unreadable("value", str(exc))
        except RecursionError:
            return wire.Unreadable("value", "it is nested too deeply")

    def fetch(self, names: list[str]) -> dict:
        """The student's values of ``names`` (``MISSING`` when the notebook does not define one)."""
        if not names:
            return {}
        reply = self.request("fetch", list(names), timeout=min(60.0, max(5.0, self.timeout)))
        if reply.get("status") != "ok" or not isinstance(reply.get("value"), dict):
            raise AgentProblem("the kernel did not send the answers the grader asked for")
        out = {}
        for n in names:
            item = reply["value"].get(n)
            if not isinstance(item, dict) or item.get("missing"):
                out[n] = MISSING
            elif "value" in item:
                out[n] = self.decode(item["value"])
            else:
                out[n] = wire.Unreadable(str(item.get("type", "value"))[:100],
                                         f"`{n}` cannot be sent to the grader: {str(item.get('unreadable'))[:300]}")
        return out

    # -- bridges to the grader's loopback servers ------------------------------------------------
    def _sync_bridges(self) -> None:
        """Relay every loopback server running in this process into the kernel, at the same port.

        The sandbox has its own (empty) loopback: for each server the agent listens on 127.0.0.1:PORT in
        the sandbox and connects to one of the Unix sockets the grader made in the kernel's socket
        folder before it was sealed (``bridge_listeners``); here each connection there is relayed to
        the server. A listener whose server has stopped is used again for the next one.
        """
        from ..webserver import LoopbackServer

        live = set()
        for server in list(LoopbackServer.live):
            try:
                live.add(server.port)
            except RuntimeError:
                continue
        for port in sorted(live - self.bridged):
            free = next((i for i in range(len(self.listeners)) if self.targets.get(i) not in live), None)
            if free is None:
                self.notes.append("more servers ran at once than the grader can bridge into the kernel")
                return
            if free not in self.targets:
                threading.Thread(target=_relay_accept, args=(self.listeners[free][1], self.targets, free),
                                 daemon=True).start()
            self.targets[free] = port
            self.bridged.add(port)
            self.request("bridge", port, self.listeners[free][0], timeout=10.0)


def _relay_accept(listener: socket.socket, targets: dict, i: int) -> None:
    """Relay each connection to bridge ``i``'s listener to the loopback server it currently serves."""
    from .sites import _Closer, _pump

    while True:
        try:
            conn, _ = listener.accept()
        except OSError:
            return
        try:
            upstream = socket.create_connection(("127.0.0.1", targets[i]), timeout=10)
            upstream.settimeout(None)
        except OSError:
            conn.close()
            continue
        done = _Closer(conn, upstream)
        for a, b in ((conn, upstream), (upstream, conn)):
            threading.Thread(target=_pump, args=(a, b, done), daemon=True).start()


class _Pickler(pickle.Pickler):
    """Pickles the grader's arguments for the kernel; a generator (or a built-in iterator) travels as
    its items and arrives as a generator over them (a case that passes one tests exactly that)."""

    def reducer_override(self, obj):
        import collections.abc
        import types

        if isinstance(obj, types.GeneratorType) or (isinstance(obj, collections.abc.Iterator)
                                                    and type(obj).__module__ == "builtins"):
            from .agent import generator

            return generator, (list(itertools.islice(obj, 10_000_000)),)
        return NotImplemented


# ---------------------------------------------------------------------------------------------
# The exercise: its questions, cases, answer names and given names
# ---------------------------------------------------------------------------------------------

@dataclass
class Question:
    name: str
    cases: list[Case]
    all_or_nothing: bool = False


@dataclass
class Exercise:
    """What the grader knows of one assignment before any submission: tests and given names."""

    questions: dict[str, Question]
    answers: set[str]
    late: list[tuple[int, str, list[str]]]  # provided cells that read answers: (index, code, names bound)
    given: dict = field(default_factory=dict)
    unbound: set[str] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)
    #: the course sites the given cells started (D1's ``site``): stopped once the given cells have run,
    #: served again by each submission's grading process (:meth:`serve_sites`) on an address of its own
    sites: list = field(default_factory=list)
    #: given names whose values the checks take from the kernel: paths into the folder where a notebook
    #: keeps its files (D1's ``folder``, ``key_file``: the same files here, .scratch), and values whose
    #: provided cell declares them the student's run with a comment ``# graded on the student's run: a, b``
    #: (A3's crawls: how many requests a crawler that never waits sends within the site's rate window
    #: depends on the machine's load, so the grader's own run, at another moment, can differ: A3's
    #: reference lost points on q4 under load). Declared by name, so that no other given value leaves the grader.
    from_kernel: set[str] = field(default_factory=set)

    @classmethod
    def from_job(cls, job: dict, run_given: bool = True) -> "Exercise":
        from .worker import _bound, provided_plan

        questions = load_tests(base64.b64decode(job["autograder_b64"]))
        answers, early, late = provided_plan(job.get("reference_sources", []), job.get("reference_answer"),
                                             job.get("solution_sources", []))
        ex = cls(questions, set(answers), [(k, src, sorted(_bound(src))) for k, src in late if _bound(src)])
        if run_given:
            ex.run_given(early)
        return ex

    def run_given(self, early: list[tuple[int, str]]) -> None:
        """Run the exercise's provided cells (from the instructor's blank exercise) in ``self.given``."""
        from .worker import _bound

        ns = self.given
        ns.setdefault("__name__", "__main__")
        sink = io.StringIO()
        declared: set[str] = set()
        for k, src in early:
            declared |= own_run_names(src)
            before = dict(ns)
            try:
                with redirect_stdout(sink), redirect_stderr(sink):
                    exec(compile(_python(src), f"<given cell {k + 1}>", "exec"), ns)
            except BaseException as exc:  # noqa: BLE001 - a failing given cell is noted, grading goes on
                self.unbound.update(n for n in _bound(src) if n not in ns or ns[n] is before.get(n))
                self.notes.append(f"provided cell {k + 1} of the exercise failed in the grader's run: "
                                  f"{type(exc).__name__}: {str(exc)[:200]}")
            sink.seek(0)
            sink.truncate()
        from pathlib import PurePath

        from ..paths import local_dir
        from .sites import given_sites

        local = str(local_dir())
        self.from_kernel = {n for n, v in ns.items() if isinstance(v, (str, PurePath)) and not n.startswith("__")
                             and (str(v) == local or str(v).startswith(local + os.sep))} | declared
        self.sites = given_sites(ns)
        for site in self.sites:  # no server thread survives a fork: each grading process serves its own
            site.stop()

    def serve_sites(self) -> list[int]:
        """Serve the given sites in this process (one submission's grading process), each with the control
        requests of the kernel's stand-in (:func:`.sites.control_app`); their ports, in order."""
        from ..webserver import LoopbackServer
        from .sites import control_app

        ports = []
        for site in self.sites:
            if not site._server.running:
                site._server = LoopbackServer(control_app(site)).start()
            ports.append(site._server.port)
        return ports

    def given_value(self, name: str):
        value = self.given[name]
        if isinstance(value, type(sys)) or callable(value) and not hasattr(value, "__dict__"):
            return value
        try:
            return copy.deepcopy(value)
        except Exception:  # noqa: BLE001 - a server, a lock, an index: shared, as the exercise made it
            return value

    def is_given(self, name: str) -> bool:
        return (name in self.given and name not in self.answers and name not in self.unbound
                and name not in self.from_kernel)


#: the comment that names a provided cell's names whose values the checks take from the student's run
OWN_RUN = re.compile(r"^\s*# graded on the student's run:\s*(.+)$", re.M)


def own_run_names(src: str) -> set[str]:
    """The names a provided cell declares as the student's own run (see ``Exercise.from_kernel``).

    >>> sorted(own_run_names("log = site.access_log()  \\n# graded on the student's run: log, crawl\\n"))
    ['crawl', 'log']
    """
    return {n.strip() for m in OWN_RUN.finditer(src) for n in m.group(1).split(",") if n.strip().isidentifier()}


def _python(src: str) -> str:
    """A cell's code as Python (IPython's syntax, such as ``%magic``, turned into calls)."""
    try:
        compile(src, "<cell>", "exec")
        return src
    except SyntaxError:
        from IPython.core.inputtransformer2 import TransformerManager

        return TransformerManager().transform_cell(src)


def load_tests(zip_bytes: bytes) -> dict[str, Question]:
    """Every question's cases from an autograder zip (exception-based test files, ``tests/qN.py``)."""
    from ..checks import load_test_file
    from .worker import resolve_points

    out = {}
    with zipfile.ZipFile(io.BytesIO(zip_bytes)) as zf:
        for name in sorted(zf.namelist()):
            if not (name.startswith("tests/") and name.endswith(".py") and "/" not in name[6:]):
                continue
            question, cases, all_or_nothing, total = load_test_file(zf.read(name).decode("utf-8"), name)
            points = resolve_points(total, [c.points for c in cases])
            for c, p in zip(cases, points):
                c.points = p
            out[question] = Question(question, cases, all_or_nothing)
    return out


# ---------------------------------------------------------------------------------------------
# The warm process: prepare the exercise once, fork one grading child per submission
# ---------------------------------------------------------------------------------------------

def _die_with_parent() -> None:
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


#: process names (``/proc/PID/comm``, what ``ps -o comm`` and ``psutil.Process.name()`` show) of the warm
#: process and of the children that grade one submission each (their command line is the warm one's)
WARM_NAME, CHILD_NAME = b"fc-warm", b"fc-grading"


def _name(name: bytes) -> None:
    try:
        ctypes.CDLL(None, use_errno=True).prctl(15, ctypes.c_char_p(name), 0, 0, 0)  # PR_SET_NAME
    except (OSError, AttributeError):
        pass


def _send(conn: socket.socket, obj) -> None:
    data = json.dumps(obj).encode()
    conn.sendall(len(data).to_bytes(8, "big") + data)


def _receive(conn: socket.socket, limit: int = 512 * 1024 ** 2):
    head = _exactly(conn, 8)
    n = int.from_bytes(head, "big")
    if n > limit:
        raise ValueError("message too large")
    return json.loads(_exactly(conn, n))


def _exactly(conn: socket.socket, n: int) -> bytes:
    chunks, got = [], 0
    while got < n:
        chunk = conn.recv(min(n - got, 1 << 20))
        if not chunk:
            raise EOFError("the connection closed")
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def _reachable(path: str) -> str:
    """``path``, or the same socket named through ``/proc/self/fd`` when it is too long for a Unix socket
    address (108 bytes: an output folder deep in a home or a test's temporary folder). The folder's
    descriptor stays open for the life of the process."""
    if len(os.fsencode(path)) < 100:
        return path
    folder, name = os.path.split(path)
    fd = _FOLDERS.get(folder)
    if fd is None:
        fd = _FOLDERS[folder] = os.open(folder, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
    return f"/proc/self/fd/{fd}/{name}"


_FOLDERS: dict[str, int] = {}


def serve(sock_path: str) -> int:
    """The warm process (``python -m facecourse.grading.trusted SOCKET``): the exercise on stdin as JSON."""
    _die_with_parent()
    _name(WARM_NAME)
    job = json.loads(sys.stdin.buffer.read())
    local = tempfile.mkdtemp(prefix="facecourse-given-", dir=job.get("temp_dir") or None)
    os.environ["FACECOURSE_LOCAL"] = local  # the given cells' keys and files: private, thrown away
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    cwd = os.getcwd()
    os.chdir(local)
    try:
        exercise = Exercise.from_job(job)
    finally:
        os.chdir(cwd)
    import jupyter_client  # noqa: F401 - imported once here, not in every child (no ZMQ context yet)
    import nbformat  # noqa: F401

    from .worker import Runner  # noqa: F401

    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(_reachable(sock_path))
    listener.listen(64)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel
    if threading.active_count() > 1:  # a given cell left a thread running: forking copies none of them
        exercise.notes.append(f"the exercise's given cells left {threading.active_count() - 1} thread(s) running")
    sys.stdout.write(json.dumps({"ready": True, "notes": exercise.notes}) + "\n")
    sys.stdout.flush()
    try:
        while True:
            conn, _ = listener.accept()
            pid = os.fork()
            if pid == 0:
                listener.close()
                _child(conn, exercise)
            conn.close()
    finally:
        shutil.rmtree(local, ignore_errors=True)


def _child(conn: socket.socket, exercise: Exercise) -> None:
    code = 0
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        os.setsid()
        _die_with_parent()
        _name(CHILD_NAME)
        _send(conn, {"pid": os.getpid()})
        job = _receive(conn)
        from .worker import Runner

        runner = Runner(job, exercise)
        try:
            result = runner.run()
        except Exception as exc:  # noqa: BLE001 - reported as this submission's grader error
            result = {"questions": {}, "errors": [], "notes": runner.notes,
                      "failure": f"{type(exc).__name__}: {exc}"}
        finally:
            runner.stop()
        _send(conn, result)
    except BaseException:  # noqa: BLE001 - the parent sees the closed connection
        code = 1
    finally:
        try:
            conn.close()
        finally:
            os._exit(code)


class Warm:
    """A warm process for one assignment (client side, in the grader): ``run(job, timeout)``."""

    def __init__(self, exercise_job: dict, start_timeout: float = 900.0):
        self.dir = tempfile.mkdtemp(prefix="facecourse-warm-", dir=exercise_job.get("temp_dir") or None)
        self.sock = os.path.join(self.dir, "s")
        env = {k: v for k, v in os.environ.items() if k != "JPY_PARENT_PID"}
        self.proc = __import__("subprocess").Popen(
            [sys.executable, "-m", "facecourse.grading.trusted", self.sock], stdin=-1, stdout=-1,
            stderr=-3, start_new_session=True, env=env)
        self.proc.stdin.write(json.dumps(exercise_job).encode())
        self.proc.stdin.close()
        line = _readline(self.proc.stdout, start_timeout)
        try:
            info = json.loads(line)
        except ValueError:
            self.close()
            raise RuntimeError("the grader's warm process for this assignment did not start") from None
        self.notes = list(info.get("notes", []))

    def alive(self) -> bool:
        return self.proc.poll() is None

    def run(self, job: dict, timeout: float) -> tuple[str | None, dict]:
        """Grade one submission in a fresh child; (status or None, results)."""
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        pid = None
        try:
            conn.settimeout(60)
            conn.connect(_reachable(self.sock))
            pid = _receive(conn)["pid"]
            _send(conn, job)
            conn.settimeout(timeout)
            return None, _receive(conn)
        except (socket.timeout, TimeoutError):
            return f"timed out: grading took more than {timeout - 120:.0f} s", {}
        except (OSError, EOFError, ValueError) as exc:
            return f"grader error: the grading process ended without a result ({type(exc).__name__})", {}
        finally:
            conn.close()
            if pid is not None:
                try:
                    os.killpg(pid, signal.SIGKILL)
                except OSError:
                    pass

    def close(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except OSError:
            pass
        try:
            self.proc.wait(timeout=30)
        except Exception:  # noqa: BLE001
            pass
        shutil.rmtree(self.dir, ignore_errors=True)


def _readline(stream, timeout: float) -> bytes:
    import selectors

    sel = selectors.DefaultSelector()
    sel.register(stream, selectors.EVENT_READ)
    buf = b""
    end = time.monotonic() + timeout
    while b"\n" not in buf:
        left = end - time.monotonic()
        if left <= 0 or not sel.select(left):
            break
        chunk = os.read(stream.fileno(), 65536)
        if not chunk:
            break
        buf += chunk
    return buf.split(b"\n", 1)[0]


if __name__ == "__main__":
    sys.exit(serve(sys.argv[1]))
