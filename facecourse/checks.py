"""Checks that speak plainly: the exercises' test cases, how they run, and what a student reads.

Every question of an exercise is checked by a few **test cases**. A case is a function whose
parameters name the notebook values it reads, and which imports what it needs itself::

    def test_distance(pair_distance, pair, pair_boxes, obama, obama_box):
        import numpy as np
        from facecourse.checks import close
        got = pair_distance(pair, pair_boxes[0], obama, obama_box)
        close(got, 0.351, 0.005, "the distance from Obama in `pair` to the Obama portrait")

The case's globals are its test file's, never the notebook's: a student's variable called
``list``, ``type`` or ``np`` cannot change what the case's code means. A case passes when it
returns; it fails with the sentence of the ``assert`` (or helper) that stopped it. Every
question's FIRST case is the "not answered yet" gate, :func:`answered`: while an answer is still
the exercise's ``...`` (or ``None``, or an empty function) it says so, and no other case of that
question is shown.

The same test file serves two runs:

* the student's ``grader.check("q1")`` (:class:`Notebook`, a thin subclass of ``otter.Notebook``):
  the public cases run in the student's own kernel, on their values, and print one line when they
  pass, else one plain sentence per failing case (at most 5 lines each, no traceback);
* the instructor's grader (:mod:`facecourse.grading.trusted`): public AND hidden cases run in a
  trusted process outside the student's sandbox; the student's values arrive by value and their
  functions are called through the kernel.

Helpers for writing cases, each with an example: :func:`answered`, :func:`expect`, :func:`close`,
:func:`type_name`. ``CONTRIBUTING.md`` says how to write a question's cases.

    >>> def test_share(share):
    ...     expect(0 <= share <= 1, f"share should be between 0 and 1, not {share}")
    >>> print(run_question("q1", [Case("q1", "test_share", test_share)], {"share": 42}.get))
    q1: 1 of 1 check failed.
      - share should be between 0 and 1, not 42
"""

from __future__ import annotations

import dis
import html
import inspect
import math
import types
from dataclasses import dataclass, field
from typing import Callable

MAX_LINES = 5  # lines of one failure sentence
MAX_CHARS = 700


class NotAnswered(AssertionError):
    """Raised by :func:`answered`: the question still holds the exercise's placeholder."""


class AnswerError(TypeError):
    """An answer that is not the kind of value a check can use; the message is a plain sentence
    (raised by course code such as ``charts.spec_summary``, and for objects the grader cannot read)."""


class StudentRaised(Exception):
    """An exception raised by the student's code while a case ran (the grader re-raises it as a
    subclass of this and of the matching built-in exception, so ``except ValueError`` still works).

    ``function``: the name of the student's function that raised, when known.
    """

    function: str | None = None


class CaseTimeout(BaseException):
    """A case ran past its time limit (the grader stopped the student's code). A ``BaseException``,
    so that a case's own ``except Exception`` cannot swallow it."""


class _Missing:
    """A name the notebook does not define (yet): what a case receives instead of a value."""

    _instance = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self):
        return "<not defined>"

    def __bool__(self):
        return False


MISSING = _Missing()


def is_placeholder_function(f) -> bool:
    """True for a function whose body is only ``...`` (or ``pass``, or ``return None``): unanswered."""
    code = getattr(f, "__code__", None)
    if not isinstance(code, types.CodeType):
        return False
    ops = [(i.opname, i.argval) for i in dis.get_instructions(code) if i.opname not in ("RESUME", "NOP", "CACHE")]
    return ops in ([("LOAD_CONST", None), ("RETURN_VALUE", None)], [("RETURN_CONST", None)])


def is_placeholder(value) -> bool:
    """True when ``value`` is still what an unanswered exercise holds: ``...``, ``None``, an empty function.

    >>> is_placeholder(...), is_placeholder(None), is_placeholder(0), is_placeholder(lambda: None)
    (True, True, False, True)
    """
    if value is Ellipsis or value is None or value is MISSING:
        return True
    if getattr(type(value), "_facecourse_remote", False):  # a function in the student's kernel
        return bool(value._info.get("placeholder"))
    return isinstance(value, types.FunctionType) and is_placeholder_function(value)


def answered(question: str, **answers) -> None:
    """Fail with "``question`` is not answered yet" while any of ``answers`` is still a placeholder.

    Every question's first case calls it with the names the question asks for; when it fails no
    other case of the question is shown. A placeholder is ``...``, ``None``, a function whose body
    is ``...``, or a name the notebook does not define.

    >>> answered("q1", total=3)
    >>> answered("q2", share=...)
    Traceback (most recent call last):
    ...
    facecourse.checks.NotAnswered: q2 is not answered yet: replace the `...` in the cell above.
    """
    for name, value in answers.items():
        if value is MISSING:
            raise NotAnswered(f"{question} is not answered yet: `{name}` is not defined; replace the `...` in "
                              "the cell above and run that cell.")
    for name, value in answers.items():
        if is_placeholder(value):
            raise NotAnswered(f"{question} is not answered yet: replace the `...` in the cell above.")


def expect(condition, sentence: str) -> None:
    """Fail with ``sentence`` unless ``condition`` is true (``condition`` must be a plain truth value).

    Write the sentence for the student: what was expected, what came back, what to try.

    >>> expect(2 + 2 == 4, "2 + 2 should be 4")
    >>> expect([], "the list should not be empty")
    Traceback (most recent call last):
    ...
    AssertionError: the list should not be empty
    """
    if not condition:
        raise AssertionError(sentence)


def type_name(value) -> str:
    """A short name of ``value``'s type for a sentence (a value from the student's kernel included).

    >>> type_name(3.0), type_name([1]), type_name(None)
    ('float', 'list', 'None')
    """
    if value is None:
        return "None"
    if value is MISSING:
        return "nothing (the name is not defined)"
    cls = getattr(value, "__class__", type(value))
    return getattr(cls, "__name__", type(value).__name__)


def _number(x) -> float | None:
    try:
        if isinstance(x, (bool, str, bytes)) or x is None:
            return None
        f = float(x)
    except (TypeError, ValueError, OverflowError):
        return None
    return f


def close(got, want: float, tol: float, what: str, hint: str = "") -> None:
    """Fail unless ``got`` is a number within ``tol`` of ``want``; the sentence names both values.

    ``what`` names the value in words (the sentence reads "``what`` should be about ``want``
    (within ``tol``), not ``got``"); ``hint`` adds what to try.

    >>> close(0.3512, 0.351, 0.005, "the distance")
    >>> close(0.123, 0.351, 0.005, "the distance", "use the Euclidean distance, not its square")
    Traceback (most recent call last):
    ...
    AssertionError: the distance should be about 0.351 (within 0.005), not 0.123: use the Euclidean distance, not its square.
    """
    g = _number(got)
    shown = _short(got)
    tail = f": {hint.rstrip('.')}." if hint else "."
    if g is None or getattr(got, "ndim", 0) != 0:
        raise AssertionError(f"{what} should be one number, about {want:g}, not {shown} ({type_name(got)}){tail}")
    if not (math.isfinite(g) and abs(g - want) <= tol):
        raise AssertionError(f"{what} should be about {want:g} (within {tol:g}), not {shown}{tail}")


def _short(value, limit: int = 120) -> str:
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 - a value whose repr fails is still shown
        text = f"<{type_name(value)}>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


# ---------------------------------------------------------------------------------------------
# Running cases and saying what happened
# ---------------------------------------------------------------------------------------------

@dataclass
class Case:
    """One test case of a question: its function, points, and whether it is hidden."""

    question: str
    name: str
    func: Callable
    hidden: bool = False
    points: float = 0.0

    @property
    def params(self) -> list[str]:
        return list(inspect.signature(self.func).parameters)


@dataclass
class CaseResult:
    case: Case
    kind: str  # passed, unanswered, failed, error, timeout, not run
    sentence: str = ""

    @property
    def passed(self) -> bool:
        return self.kind == "passed"


def clip(sentence: str) -> str:
    """At most ``MAX_LINES`` lines and ``MAX_CHARS`` characters: a sentence, never a transcript."""
    lines = [ln.rstrip() for ln in str(sentence).strip().splitlines() if ln.strip()] or [""]
    text = "\n".join(lines[:MAX_LINES])
    if len(lines) > MAX_LINES or len(text) > MAX_CHARS:
        text = text[:MAX_CHARS].rstrip() + " [...]"
    return text


def _student_frame(tb, own_globals):
    """The name of the first function of the student's notebook in the traceback (or None)."""
    if own_globals is None:
        return None
    while tb is not None:
        if tb.tb_frame.f_globals is own_globals:
            return tb.tb_frame.f_code.co_name
        tb = tb.tb_next
    return None


def describe(exc: BaseException, question: str, own_globals: dict | None = None) -> tuple[str, str]:
    """(kind, sentence) for an exception that stopped a case of ``question``."""
    if isinstance(exc, NotAnswered):
        return "unanswered", clip(str(exc))
    if isinstance(exc, CaseTimeout):
        return "timeout", clip(str(exc) or f"a check of {question} took too long and was stopped")
    message = str(exc).strip()
    who = exc.function if isinstance(exc, StudentRaised) else _student_frame(exc.__traceback__, own_globals)
    if isinstance(exc, StudentRaised) or who is not None:
        name = type(exc).__name__
        where = f"your `{who}`" if who and who != "<module>" else "your code"
        return "error", clip(f"{where} raised {name}" + (f": {message}" if message else "")
                             + f" (while the check of {question} ran it).")
    if isinstance(exc, (AssertionError, AnswerError)):
        return "failed", clip(message or f"a check of {question} failed.")
    return "error", clip(f"the check of {question} could not use your answer: {type(exc).__name__}"
                         + (f": {message}" if message else "") + ". Check that each answer is the kind of "
                         "value the question asks for.")


def run_case(case: Case, values: dict, own_globals: dict | None = None) -> CaseResult:
    """Call ``case.func`` with ``values`` (one per parameter); what happened, as a sentence."""
    try:
        case.func(**values)
    except (Exception, CaseTimeout) as exc:  # noqa: BLE001 - every failure becomes a sentence
        kind, sentence = describe(exc, case.question, own_globals)
        return CaseResult(case, kind, sentence)
    return CaseResult(case, "passed")


def run_question(question: str, cases: list[Case], lookup: Callable[[str], object],
                 own_globals: dict | None = None) -> "QuestionResult":
    """Run ``cases`` in order with values from ``lookup(name)``; stop after "not answered yet".

    ``lookup`` returns a notebook value by name (:data:`MISSING` when it is not defined).
    """
    results = []
    for case in cases:
        values = {p: lookup(p) for p in case.params}
        result = run_case(case, values, own_globals)
        results.append(result)
        if result.kind == "unanswered":
            results += [CaseResult(c, "not run", result.sentence) for c in cases[len(results):]]
            break
    return QuestionResult(question, results)


@dataclass
class QuestionResult:
    """The results of one question's cases, shown as one line (passed) or plain sentences."""

    name: str
    results: list[CaseResult] = field(default_factory=list)

    @property
    def passed_all(self) -> bool:
        return all(r.passed for r in self.results)

    @property
    def score(self) -> float:
        return sum(r.case.points for r in self.results if r.passed)

    @property
    def possible(self) -> float:
        return sum(r.case.points for r in self.results)

    def lines(self, public_only: bool = True) -> list[str]:
        shown = [r for r in self.results if not (public_only and r.case.hidden)]
        unanswered = next((r for r in shown if r.kind == "unanswered"), None)
        if unanswered is not None:
            return [unanswered.sentence]
        failed = [r for r in shown if not r.passed]
        if not failed:
            n = len(shown)
            return [f"{self.name} passed: {'the check' if n == 1 else f'all {n} checks'} passed."]
        head = f"{self.name}: {len(failed)} of {len(shown)} check{'s' if len(shown) != 1 else ''} failed."
        sentences = list(dict.fromkeys(r.sentence for r in failed))  # a sentence several cases share: once
        return [head] + ["  - " + s.replace("\n", "\n    ") for s in sentences]

    def __str__(self):
        return "\n".join(self.lines())

    __repr__ = __str__

    def _repr_html_(self):
        lines = self.lines()
        colour = "green" if self.passed_all else ("#b35900" if len(lines) == 1 else "#b30000")
        head = f"<p style='color: {colour}'><strong>{html.escape(lines[0])}</strong></p>"
        items = "".join(f"<li style='white-space: pre-wrap'>{html.escape(ln.strip()[2:])}</li>" for ln in lines[1:])
        return head + (f"<ul>{items}</ul>" if items else "")


@dataclass
class AllResults:
    """``grader.check_all()``: one line per question."""

    questions: list[QuestionResult]

    def __str__(self):
        return "\n".join(ln for q in self.questions for ln in q.lines())

    __repr__ = __str__

    def _repr_html_(self):
        return "".join(q._repr_html_() for q in self.questions)


# ---------------------------------------------------------------------------------------------
# Test files (otter's exception-based format) and the student's grader
# ---------------------------------------------------------------------------------------------

def load_test_file(source: str, path: str = "<test file>") -> tuple[str, list[Case], bool, object]:
    """(question, cases in file order, all_or_nothing, points) of an exception-based test file.

    The file (written by ``otter assign`` from the solution's test cells) defines ``name``,
    ``points`` and one ``@test_case(points=..., hidden=...)`` function per case; it runs in a
    namespace of its own, which becomes the cases' globals.
    """
    env: dict = {"__name__": f"facecourse_tests_{abs(hash(path))}"}
    exec(compile(source, path, "exec"), env)
    question = env.get("name")
    if not isinstance(question, str):
        raise ValueError(f"the test file {path} defines no question name")
    cases = []
    for value in env.values():
        func = getattr(value, "test_func", None)
        if type(value).__name__ == "test_case" and callable(func):
            cases.append(Case(question, func.__name__, func, bool(value.hidden), value.points))
    if not cases:
        raise ValueError(f"the test file {path} has no test case")
    return question, cases, bool(env.get("all_or_nothing", False)), env.get("points")


def _notebook_class():
    import inspect as _inspect
    import os

    import otter
    from otter.check.utils import list_available_tests, resolve_test_info

    class Notebook(otter.Notebook):
        """``otter.Notebook`` whose checks speak plainly (see :mod:`facecourse.checks`).

        ``grader.check("q1")`` runs q1's public cases on the notebook's values and shows one line
        when they pass, else one sentence per failing case; ``grader.check_all()`` does every
        question. Example (the first cell of every exercise)::

            from facecourse.checks import Notebook
            grader = Notebook("B3_embeddings.ipynb")
        """

        def _cases(self, question: str) -> list[Case]:
            path, name = resolve_test_info(self._tests_dir, self._notebook, self._tests_url_prefix, question)
            if name is None:
                with open(path, encoding="utf-8") as fh:
                    source = fh.read()
            else:
                tests = self._nbmeta_config.tests or {}
                if question not in tests or not isinstance(tests[question], str):
                    raise FileNotFoundError(f"Test {question} does not exist")
                source = tests[question]
            _, cases, _, _ = load_test_file(source, f"<tests of {question}>")
            return [c for c in cases if not c.hidden]

        def check(self, question: str, global_env: dict | None = None) -> QuestionResult:
            if global_env is None:
                global_env = _inspect.currentframe().f_back.f_globals
            cases = self._cases(question)
            return run_question(question, cases, lambda n: global_env.get(n, MISSING), own_globals=global_env)

        def check_all(self) -> AllResults:
            global_env = _inspect.currentframe().f_back.f_globals
            names = list_available_tests(self._tests_dir if os.path.isdir(self._tests_dir) else None,
                                         self._nbmeta_config)
            return AllResults([self.check(q, global_env) for q in names])

    return Notebook


def __getattr__(name: str):
    # ``Notebook`` imports otter (about half a second): only when an exercise asks for it
    if name == "Notebook":
        cls = _notebook_class()
        globals()["Notebook"] = cls
        return cls
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
