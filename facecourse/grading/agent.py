"""The grader's agent INSIDE the student's sandboxed kernel: answers by value, calls on request.

The trusted grader (:mod:`.trusted`, outside the sandbox) decides every test; it sends the kernel
small requests, each one Jupyter comm message to the agent's comm target carrying a pickled dict
made by the grader as a binary frame (pickle only ever travels INTO the kernel; what comes back is
typed JSON, :mod:`.wire`; a comm message costs about 5 ms, an execute request about 20). Each
request gets one ``display_data`` reply of type ``REPLY_MIME``. The probe after each student cell
stays an execute request (``ping``): it checks that the kernel still runs code.

Requests (``op``): ``fetch`` the values of answer names; ``call`` a function of the notebook with
arguments (copies of the grader's values: nothing the function does to them reaches the grader);
``getattr``/``setattr``/``getitem``/``setitem``/``len``/``iter`` on an object of the notebook;
``release`` the objects handed out for one case; ``checkpoint``/``settle`` (below); ``bridge`` a
loopback port to a server of the grader's; ``site_ports`` the ports of the grader's copies of the
exercise's sites (:mod:`.sites`).

Objects without a plain form (functions, widgets, indexes, objects of the student's classes) are
handed out as numbered handles; a handle the grader sends back as an argument is the object again.
Exceptions raised by the student's code are reported by type and message.

**Scratch names cost nothing.** ``checkpoint()`` records the notebook's names after its last answer
or ``grader.check`` cell; ``settle(answers)`` runs before the tests and puts back every other name
rebound after that point (and removes names made after it that hide a built-in), so a scratch
``list = [1, 2]`` or ``np = 3`` in a last cell does not break the student's own functions. What an
answer cell imported (``import requests`` and ``from protego import Protego`` above
``fetch_politely``) is put back too.

This code runs where the student's code runs: a submission can change or replace it. That only
changes what the kernel sends for that submission's own answers (which is what answering is);
the tests, their expected values and the verdicts never enter the kernel.
"""

from __future__ import annotations

import builtins
import itertools
import pickle
import types

from . import wire

REPLY_MIME = "application/vnd.facecourse.reply+json"
MAX_ITEMS = 200_000  # items an ``iter`` request returns
_AGENTS: dict[str, "Agent"] = {}


def lookup(token: str, hid: int):
    """The object behind handle ``hid`` (used when the grader's pickled arguments are loaded)."""
    agent = _AGENTS.get(token)
    if agent is None or hid not in agent.objects:
        raise LookupError("the grader referred to an object that no longer exists in the kernel")
    return agent.objects[hid]


def generator(items):
    """A generator over ``items``: how a generator the grader passes as an argument arrives."""
    yield from items


class Agent:
    def __init__(self, shell, token: str):
        self.shell = shell
        self.token = token
        self.objects: dict[int, object] = {}
        self._ids: dict[int, int] = {}
        self._next = itertools.count(1)
        self._publish = shell.display_pub.publish
        self._hidden = set(getattr(shell, "user_ns_hidden", {})) | {"In", "Out", "exit", "quit", "get_ipython"}
        self.snapshot: dict | None = None
        self.bridges: dict[int, object] = {}  # port -> its .sites.Relay
        _AGENTS[token] = self

    # -- the request loop -----------------------------------------------------------------------
    def on_message(self, msg: dict) -> None:
        """A request of the grader: a comm message whose first binary buffer is the pickled request."""
        buffers = msg.get("buffers") or []
        self.op(bytes(buffers[0]) if buffers else b"")

    def ping(self, nonce: str) -> None:
        """The grader's probe (an execute request): proof that the kernel still runs code."""
        self._publish({REPLY_MIME: {"rid": nonce, "status": "ok", "value": None}})

    def op(self, payload: bytes) -> None:
        req = pickle.loads(payload)
        rid = req.get("rid")
        try:
            reply = {"status": "ok", "value": getattr(self, "_op_" + req["op"])(*req.get("args", ()))}
        except _Unsendable as exc:
            reply = {"status": "unsendable", "why": str(exc)[:500]}
        except BaseException as exc:  # noqa: BLE001 - the student's code raised (or was interrupted)
            reply = {"status": "raised", **self._describe(exc)}
        self._publish({REPLY_MIME: {"rid": rid, **reply}})

    @staticmethod
    def _describe(exc: BaseException) -> dict:
        bases = [c.__name__ for c in type(exc).__mro__
                 if isinstance(c, type) and getattr(builtins, c.__name__, None) is c]
        try:
            message = str(exc)
        except Exception:  # noqa: BLE001
            message = ""
        return {"type": type(exc).__name__[:100], "bases": bases[:20], "message": message[:1000]}

    def _encode(self, value):
        try:
            return wire.encode(value, self._handle)
        except wire.WireError as exc:
            raise _Unsendable(str(exc)) from None
        except RecursionError:
            raise _Unsendable("the value is nested too deeply") from None

    def _handle(self, obj) -> dict:
        hid = self._ids.get(id(obj))
        if hid is None or self.objects.get(hid) is not obj:
            hid = next(self._next)
            self.objects[hid] = obj
            self._ids[id(obj)] = hid
        from ..checks import is_placeholder_function

        name = getattr(obj, "__name__", None)
        return {wire.TAG: "handle", "id": hid, "type": wire._type_names(obj), "callable": callable(obj),
                "name": name if isinstance(name, str) else None,
                "placeholder": bool(callable(obj) and is_placeholder_function(obj))}

    def _obj(self, hid):
        if hid not in self.objects:
            raise LookupError("that object no longer exists in the kernel")
        return self.objects[hid]

    # -- operations -----------------------------------------------------------------------------
    def _op_fetch(self, names):
        out = {}
        ns = self.shell.user_ns
        for n in names:
            if n not in ns:
                out[n] = {"missing": True}
                continue
            try:
                out[n] = {"value": self._encode(ns[n])}
            except _Unsendable as exc:
                out[n] = {"unreadable": str(exc)[:500], "type": type(ns[n]).__name__[:100]}
        return out

    def _op_call(self, hid, args, kwargs):
        return self._encode(self._obj(hid)(*args, **kwargs))

    def _op_getattr(self, hid, name):
        return self._encode(getattr(self._obj(hid), name))

    def _op_setattr(self, hid, name, value):
        setattr(self._obj(hid), name, value)
        return None

    def _op_getitem(self, hid, key):
        return self._encode(self._obj(hid)[key])

    def _op_setitem(self, hid, key, value):
        self._obj(hid)[key] = value
        return None

    def _op_len(self, hid):
        return int(len(self._obj(hid)))

    def _op_iter(self, hid):
        items = list(itertools.islice(iter(self._obj(hid)), MAX_ITEMS + 1))
        if len(items) > MAX_ITEMS:
            raise _Unsendable(f"it holds more than {MAX_ITEMS:,} items")
        return self._encode(items)

    def _op_contains(self, hid, item):
        return bool(item in self._obj(hid))

    def _op_release(self):
        self.objects.clear()
        self._ids.clear()
        return None

    def _op_ping(self):
        return None

    def _names(self):
        return {k for k in self.shell.user_ns if k not in self._hidden and not k.startswith("_fc_")
                and not (k.startswith("_") and not (k.startswith("__") and k.endswith("__")))}

    def _op_checkpoint(self):
        ns = self.shell.user_ns
        self.snapshot = {k: ns[k] for k in self._names()}
        return None

    def _op_settle(self, answers):
        """Put back what changed after the checkpoint, except the answers (see the module docstring)."""
        if self.snapshot is None:
            return 0
        ns, answers, changed = self.shell.user_ns, set(answers), 0
        hide = set(dir(builtins))
        for k in self._names() | set(self.snapshot):
            if k in answers and not _imported(self.snapshot.get(k)):
                continue  # what an answer cell imported (A2 q5's `import requests`) is no answer
            if k in self.snapshot:
                if ns.get(k, self) is not self.snapshot[k]:
                    ns[k] = self.snapshot[k]
                    changed += 1
            elif k in hide:
                del ns[k]
                changed += 1
        # IPython's own stand-ins for built-ins (its `open`) are hidden names: put back what replaced them
        hidden = getattr(self.shell, "user_ns_hidden", {})
        for k in sorted(hide & set(hidden) - answers):
            if ns.get(k, self) is not hidden[k]:
                ns[k] = hidden[k]
                changed += 1
        return changed

    def _op_bridge(self, port, path):
        """Listen on 127.0.0.1:``port`` in the sandbox and relay each connection to the Unix socket ``path``
        (a :class:`.sites.Relay`)."""
        from .sites import Relay

        if port not in self.bridges:
            self.bridges[port] = Relay(int(port), path).start()
        return None

    def _op_site_ports(self, ports):
        """The ports of the grader's copies of the exercise's sites: the sites the notebook starts use them
        (:func:`.sites.next_bridged_port`)."""
        import os

        from .sites import PORTS_ENV

        os.environ[PORTS_ENV] = ",".join(str(int(p)) for p in ports)
        return None


def _imported(value) -> bool:
    """A module, or a class or function that comes from a module rather than from the notebook."""
    if isinstance(value, types.ModuleType):
        return True
    if isinstance(value, (type, types.FunctionType, types.BuiltinFunctionType)):
        return getattr(value, "__module__", None) not in ("__main__", None)
    return False


class _Unsendable(Exception):
    pass


def install(shell, name: str, token: str) -> None:
    """Put the agent into the kernel as ``name`` (a random name the grader chose), listening on the
    comm target ``facecourse-<token>``."""
    from comm import get_comm_manager

    agent = shell.user_ns[name] = Agent(shell, token)
    shell.user_ns_hidden[name] = agent

    def opened(comm, open_msg):
        comm.on_msg(agent.on_message)

    get_comm_manager().register_target(f"facecourse-{token}", opened)
