"""Grader code that runs INSIDE the sandboxed kernel: a prelude before the student's cells and a
test harness after them (see :mod:`.worker` for the order and :mod:`.sandbox` for the boundary).

The sandbox is the security boundary; this code only keeps a submission from forging its OWN
results with code left behind in its kernel:

* ``PRELUDE`` runs first, before any student code. It imports the modules the notebook and the
  tests use, then snapshots every loaded module's namespace, every class those modules define,
  ``sys.modules``, the interpreter hooks (``sys.displayhook``/``excepthook``, ``sys.meta_path``,
  stdout/stderr), signal handlers and IPython's callbacks, input and AST transformers and custom
  exception handlers. It installs an audit hook (PEP 578) that refuses what a forger needs and no
  exercise does: adding audit hooks, walking the garbage collector (``gc.get_objects``,
  ``get_referrers``, ``get_referents``), ``sys._current_frames`` and raw ``ctypes`` symbol and
  pointer access. It leaves one object, the harness, under a random name.
* ``harness.restore()`` runs after the last student cell, before any test: it puts back every
  module attribute that existed before (new ones are left), every class attribute (new ones on
  library classes are removed), ``sys.modules`` entry, hook, signal handler and IPython callback
  back as the snapshot had it (so a patched ``doctest``, ``numpy.testing``, ``numpy.allclose``,
  ``pandas.Series.__eq__``, ``builtins.isinstance``, ``IPython``'s ``run_cell``... are gone),
  stops tracing/profiling and timers, and reports what it had to undo.
* ``harness.provide(k, code, names)`` runs provided cell ``k`` of the INSTRUCTOR'S blank exercise
  (sent by the worker, never taken from the submission) in a trusted namespace: the cells that use
  no answer before any student code, the others after ``restore()`` on the student's answers
  (``take_answers``). ``harness.adopt(k)`` serves a student's unchanged copy of such a cell: deep
  copies of the trusted values made before any student code (functions rebuilt on the student's
  globals), so the cell is not computed twice and the student's code never holds a trusted
  object. ``harness.ping(nonce)`` is the worker's probe that the kernel still executes code.
* ``harness.case(code)`` runs one test case (already turned from doctest into plain code by the
  grader) in a copy of the student's namespace, overlaid with the trusted provided names (the
  exercise's data and helpers as the exercise defines them) and then with the student's answer
  names, whose ``__builtins__`` are the real builtins and whose module aliases (``np``, ``pd``,
  ``portal``...) are the real modules. The case's syntax tree is rewritten so that every
  comparison, ``assert``, ``not``, ``and``/``or``, ``if`` test and ``in`` first checks that its
  operands are plain values: Python built-ins (containers checked element by element), and
  objects of classes defined by the course's libraries (numpy, pandas, facecourse...) as they
  were before the student's code ran. An object of a class the student defined (an always-true
  ``__eq__``, a float subclass, an object array of them) makes the case fail with a plain message
  instead of passing. ``is``/``is not`` compare identities and need no check. A case passes only
  if it ends without an exception.

What this cannot stop (and the sandbox makes harmless to everyone else): code written to attack
this harness in its own kernel by deliberately reaching its objects (replacing the harness found
under its random name among the globals, or the trusted namespace through the harness's closures,
reading the test's frame from a function the test calls, a replaced ``do_execute`` written to
echo the nonce the worker puts in each request, or C-level tampering without ``ctypes``) could
still fake its own result. Also not covered: a provided object that cannot be deep-copied
(a live server, a lock) is shared with the student's namespace and could be changed in place;
a provided cell's effects outside its namespace (global random state, files) are those of the
one trusted run; module-level caches a library keeps are not reset by ``restore``.

Evaluating the tests OUTSIDE the kernel (issue 13's ideal), assessed: the course's tests call the
student's functions, build the expected value from the exercise's data with course code
(``metrics.accuracy(pairs...)``), call ``to_dict()`` on altair charts and set widget values; all of
that must run in the kernel, so a worker-side comparison only helps when the worker knows the
expected value without the kernel. A kernel that has beaten this harness returns whatever operands
make the comparison pass whenever the expected value is computed in the kernel or written in the
code sent to it (``abs(r[0] - 0.25) < 1e-9`` shows 0.25 to the kernel). A sound design therefore
needs (1) expected values computed in a SECOND, trusted kernel that runs the exercise and the
reference parts of each test but no student code, and (2) a test format that marks which
expressions are the student's (sent to the student's kernel, their values returned as JSON or
``.npy`` bytes, never pickle) and compares them in the worker with the tolerance stated in the
test. That changes every test cell of the 16 assignments and doubles the kernels per submission;
it is not done. What is done instead: the trusted provided names above (expected values no longer
depend on names the student can rebind or change in place), plain-operand comparisons, and the
record of what ``restore`` undid, so attempts show in the grader's results.
"""

PRELUDE = r'''
def __facecourse_prelude(preimports, aliases, answers):
    import ast, builtins, copy, importlib, operator, signal, sys, threading, types
    for _name in preimports:
        try:
            importlib.import_module(_name)
        except BaseException:
            pass
    shell = get_ipython()
    HEAP = 1 << 9  # Py_TPFLAGS_HEAPTYPE: classes whose attributes can be changed
    modules = {}
    classes = {}

    def note_class(cls):
        if id(cls) in classes or not (cls.__flags__ & HEAP):
            return
        try:
            classes[id(cls)] = (cls, dict(vars(cls)))
        except TypeError:
            return
        for v in list(vars(cls).values()):
            if isinstance(v, type):
                note_class(v)

    for name, mod in list(sys.modules.items()):
        d = getattr(mod, "__dict__", None)
        if mod is None or not isinstance(d, dict) or d is shell.user_ns or name == "__main__":
            continue
        modules[name] = (mod, dict(d))
        for v in list(d.values()):
            if isinstance(v, type):
                note_class(v)
    for obj in (shell, getattr(shell, "kernel", None)):
        if obj is not None:
            for c in type(obj).__mro__:
                note_class(c)
    trusted_types = {id(c) for c, _ in classes.values()}
    state = {
        "sys": {k: getattr(sys, k) for k in ("displayhook", "excepthook", "stdout", "stderr", "stdin",
                                              "breakpointhook", "unraisablehook")},
        "meta_path": list(sys.meta_path), "path_hooks": list(sys.path_hooks), "path": list(sys.path),
        "signals": {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGALRM, signal.SIGTERM,
                                                     signal.SIGVTALRM, signal.SIGPROF, signal.SIGUSR1,
                                                     signal.SIGUSR2, signal.SIGCHLD)},
        "events": {k: list(v) for k, v in shell.events.callbacks.items()},
        "input_transformers_post": list(shell.input_transformers_post),
        "input_transformers_cleanup": list(shell.input_transformers_cleanup),
        "ast_transformers": list(shell.ast_transformers),
        "threads": {t.ident for t in threading.enumerate()},
    }
    BLOCKED = {"sys.addaudithook", "gc.get_objects", "gc.get_referrers", "gc.get_referents",
               "sys._current_frames", "ctypes.dlsym", "ctypes.dlsym/handle", "ctypes.PyObj_FromPtr",
               "ctypes.addressof", "ctypes.string_at", "ctypes.wstring_at", "ctypes.cdata"}

    def audit(event, args):
        if event in BLOCKED:
            raise PermissionError(f"the grader does not allow {event} in a graded notebook")

    sys.addaudithook(audit)

    PLAIN_SCALARS = (type(None), bool, int, float, complex, str, bytes)
    PLAIN_CONTAINERS = (tuple, list, set, frozenset)
    numpy = sys.modules.get("numpy")

    def trusted(cls):
        # classes written in C cannot be changed from Python; others must predate the student's code
        return not (cls.__flags__ & HEAP) or id(cls) in trusted_types

    def check(value, depth=0):
        cls = type(value)
        if cls in PLAIN_SCALARS:
            return value
        if depth > 8:
            raise AssertionError("the answer is nested too deeply for the grader to compare")
        if cls in PLAIN_CONTAINERS:
            for item in value:
                check(item, depth + 1)
            return value
        if cls is dict:
            for k, v in value.items():
                check(k, depth + 1)
                check(v, depth + 1)
            return value
        if not all(trusted(c) for c in cls.__mro__ if c is not object):
            raise AssertionError(f"the answer is an object of type {cls.__name__!r} defined in the notebook, "
                                 "which the grader does not compare; return a plain value")
        dtype = getattr(value, "dtype", None)
        if numpy is not None and isinstance(dtype, numpy.dtype) and dtype == object and hasattr(value, "ravel"):
            items = value.ravel() if isinstance(value, numpy.ndarray) else value.tolist()
            for item in list(items)[:100000]:
                check(item, depth + 1)
        elif numpy is not None and type(value).__name__ == "DataFrame":
            for col in value.columns:
                check(col, depth + 1)
                if value[col].dtype == object:
                    check(value[col], depth + 1)
        return value

    OPS = {"Eq": operator.eq, "NotEq": operator.ne, "Lt": operator.lt, "LtE": operator.le, "Gt": operator.gt,
           "GtE": operator.ge, "Is": operator.is_, "IsNot": operator.is_not,
           "In": lambda a, b: operator.contains(b, a), "NotIn": lambda a, b: not operator.contains(b, a)}

    def compare(left, ops, thunks):
        result = True
        for i, (op, thunk) in enumerate(zip(ops, thunks)):
            right = thunk()
            if op not in ("Is", "IsNot"):
                check(left)
                check(right)
            result = OPS[op](left, right)
            if i < len(ops) - 1:
                if not truth(result):
                    return result
                left = right
        return result

    def compare1(op, left, right):
        if op not in ("Is", "IsNot"):
            check(left)
            check(right)
        return OPS[op](left, right)

    def truth(value):
        check(value)
        return builtins.bool(value)

    class Rewrite(ast.NodeTransformer):
        def visit_Compare(self, node):
            self.generic_visit(node)
            if len(node.ops) == 1:  # evaluated in place (pandas' query('... @name') reads the caller's frame)
                return ast.copy_location(ast.Call(ast.Name("__fc_compare1", ast.Load()),
                                                  [ast.Constant(type(node.ops[0]).__name__), node.left,
                                                   node.comparators[0]], []), node)
            thunks = [ast.Lambda(ast.arguments([], [], None, [], [], None, []), c) for c in node.comparators]
            return ast.copy_location(ast.Call(ast.Name("__fc_compare", ast.Load()),
                                              [node.left, ast.Tuple([ast.Constant(type(o).__name__)
                                                                     for o in node.ops], ast.Load()),
                                               ast.Tuple(thunks, ast.Load())], []), node)

        def _check(self, expr):
            return ast.copy_location(ast.Call(ast.Name("__fc_check", ast.Load()), [expr], []), expr)

        def visit_Assert(self, node):
            self.generic_visit(node)
            node.test = self._check(node.test)
            return node

        def visit_BoolOp(self, node):
            self.generic_visit(node)
            node.values = [self._check(v) for v in node.values]
            return node

        def visit_UnaryOp(self, node):
            self.generic_visit(node)
            if isinstance(node.op, ast.Not):
                node.operand = self._check(node.operand)
            return node

        def visit_If(self, node):
            self.generic_visit(node)
            node.test = self._check(node.test)
            return node

        visit_While = visit_If

        def visit_IfExp(self, node):
            self.generic_visit(node)
            node.test = self._check(node.test)
            return node

    snapshot_builtins = modules["builtins"][1]
    answer_names = frozenset(answers)
    # the exercise's provided cells, run by the grader from the instructor's exercise (see `provide`)
    given = {"__builtins__": builtins, "__name__": "__main__"}
    bound = {}  # provided cell index -> the names it bound in `given`
    unbound = set()  # names a provided cell should have bound but did not (it failed)
    out = state["sys"]["stdout"]

    def plain_name(name):
        return not (name.startswith("__") and name.endswith("__"))

    copies = {}  # provided cell index -> the student's copies of its values

    def student_copies(names):
        # deep copies, so the student's code never holds a trusted object (one that cannot be copied,
        # a live server or a lock, is shared); functions rebuilt on the student's globals
        memo, out_ = {}, {}
        for n in names:
            v = given[n]
            if type(v) is types.FunctionType and v.__globals__ is given:
                f = types.FunctionType(v.__code__, shell.user_ns, v.__name__, v.__defaults__, v.__closure__)
                f.__kwdefaults__, f.__doc__, f.__qualname__ = v.__kwdefaults__, v.__doc__, v.__qualname__
                v = f
            else:
                try:
                    v = copy.deepcopy(v, memo)
                except Exception:
                    pass
            out_[n] = v
        return out_

    class Harness:
        namespaces = {}

        def ping(self, nonce):
            # the worker's probe: proof that the kernel still executes code (see worker.Runner.probe)
            out.write(nonce + "\n")
            out.flush()

        def provide(self, k, code, names, early=False):
            # run provided cell k of the INSTRUCTOR'S exercise in the trusted namespace; `names` are the
            # names it binds (from its syntax), removed from the tests' view if the cell fails. `early`
            # (before any student code): also prepare the student's copies of its values now, while
            # copy.deepcopy and the libraries' __deepcopy__ are still as the prelude found them
            before = dict(given)
            try:
                exec(builtins.compile(shell.transform_cell(code), f"<provided cell {k}>", "exec"), given)
            except BaseException:
                unbound.update(n for n in names if n not in given or given[n] is before.get(n))
                raise
            finally:
                bound[k] = [n for n in given if plain_name(n) and (n not in before or given[n] is not before[n])]
            unbound.difference_update(bound[k])
            if early:
                copies[k] = student_copies(bound[k])
            return True

        def adopt(self, k):
            # the student's copy of provided cell k, unchanged: bind the copies of the trusted values
            # prepared before any student code instead of computing them again
            shell.user_ns.update(copies[k])
            return True

        def take_answers(self):
            # before the provided cells that use answers run again: the student's answers, as left
            for n in answer_names:
                if n in shell.user_ns:
                    given[n] = shell.user_ns[n]
            return True

        def restore(self):
            undone = []
            sys.settrace(None)
            sys.setprofile(None)
            threading.settrace(None)
            threading.setprofile(None)
            try:
                signal.setitimer(signal.ITIMER_REAL, 0)
                signal.setitimer(signal.ITIMER_VIRTUAL, 0)
                signal.setitimer(signal.ITIMER_PROF, 0)
            except (AttributeError, OSError):
                pass
            for name, (mod, saved) in modules.items():
                if sys.modules.get(name) is not mod:
                    sys.modules[name] = mod
                    undone.append(f"sys.modules[{name!r}]")
                d = mod.__dict__
                for k, v in saved.items():
                    if k not in d or d[k] is not v:
                        d[k] = v
                        undone.append(f"{name}.{k}")
            for cls, saved in classes.values():
                current = vars(cls)
                for k, v in saved.items():
                    if k in ("__dict__", "__weakref__", "__doc__"):
                        continue
                    if k not in current or current[k] is not v:
                        try:
                            type.__setattr__(cls, k, v)
                            undone.append(f"{cls.__module__}.{cls.__qualname__}.{k}")
                        except (TypeError, AttributeError):
                            pass
                for k in [k for k in current if k not in saved]:
                    try:
                        type.__delattr__(cls, k)
                        undone.append(f"{cls.__module__}.{cls.__qualname__}.{k} (added)")
                    except (TypeError, AttributeError):
                        pass
            for k, v in state["sys"].items():
                if getattr(sys, k) is not v:
                    setattr(sys, k, v)
                    undone.append(f"sys.{k}")
            for attr in ("meta_path", "path_hooks"):
                if getattr(sys, attr) != state[attr]:
                    getattr(sys, attr)[:] = state[attr]
                    undone.append(f"sys.{attr}")
            sys.path[:] = state["path"]
            for s, h in state["signals"].items():
                if signal.getsignal(s) is not h and h is not None:
                    signal.signal(s, h)
                    undone.append(f"signal handler {s}")
            for k, v in shell.events.callbacks.items():
                keep = state["events"].get(k, [])
                if list(v) != keep:
                    v[:] = keep
                    undone.append(f"IPython {k} callbacks")
            for attr in ("input_transformers_post", "input_transformers_cleanup", "ast_transformers"):
                if list(getattr(shell, attr)) != state[attr]:
                    getattr(shell, attr)[:] = state[attr]
                    undone.append(f"IPython {attr}")
            if shell.custom_exceptions:
                shell.set_custom_exc((), None)
                undone.append("IPython custom exception handler")
            for obj in (shell, getattr(shell, "kernel", None), getattr(getattr(shell, "kernel", None), "session", None)):
                if obj is None:
                    continue
                for k in [k for k, v in vars(obj).items() if callable(v) and hasattr(type(obj), k)
                          and callable(getattr(type(obj), k))]:
                    if type(getattr(type(obj), k)).__name__ == "function":
                        delattr(obj, k)
                        undone.append(f"{type(obj).__name__}.{k} (instance)")
            extra = [t for t in threading.enumerate() if t.ident not in state["threads"]]
            return {"undone": undone[:50], "threads": len(extra)}

        def case(self, code, question):
            # the cases of one question share a namespace (a later case may use an earlier one's names),
            # a copy of the student's: a case cannot change what another question sees
            ns = self.namespaces.get(question)
            if ns is None:
                # the student's names, then the provided ones as the exercise defines them (whatever the
                # notebook bound to those names later), then the student's answers
                ns = self.namespaces[question] = dict(shell.user_ns)
                for n in unbound:
                    ns.pop(n, None)
                ns.update({n: v for n, v in given.items() if n not in answer_names and plain_name(n)})
                ns.update({n: shell.user_ns[n] for n in answer_names if n in shell.user_ns})
            ns["__builtins__"] = builtins
            for alias, (modname, attr) in aliases.items():
                entry = modules.get(modname)
                mod = entry[0] if entry else sys.modules.get(modname)
                if mod is None:
                    continue
                if attr is None:
                    ns[alias] = mod
                elif entry is not None and attr in entry[1]:
                    ns[alias] = entry[1][attr]
            ns["__fc_compare"], ns["__fc_compare1"], ns["__fc_check"] = compare, compare1, check
            tree = Rewrite().visit(ast.parse(code, "<grader test>", "exec"))
            ast.fix_missing_locations(tree)
            exec(builtins.compile(tree, "<grader test>", "exec"), ns)
            return True

    return Harness()
'''


def prelude(harness_name: str, preimports: list[str], aliases: dict[str, tuple[str, str | None]],
            answers: list[str] | tuple = ()) -> str:
    """The first cell the kernel runs: the prelude, leaving the harness as ``harness_name``.

    ``answers``: the names the exercise's answers bind; every other name a provided cell binds is
    shown to the tests as the trusted run of the exercise made it.
    """
    return (PRELUDE + f"\n{harness_name} = __facecourse_prelude({sorted(preimports)!r}, {aliases!r}, "
            f"{sorted(answers)!r})\ndel __facecourse_prelude\n")
