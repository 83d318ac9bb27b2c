"""Numbers in a lesson's prose must come from its data: finding the ones typed by hand.

The course's rule (CONTRIBUTING.md, "Numbers in prose"): a number a lesson states about its data or
results is computed, in a ``Markdown(f"...")`` cell, never typed. A number may be typed only when
it is not a result: a parameter the lesson's code sets (the threshold 0.6), a definition or a fact
of a standard or tool (LFW View 2 has 6,000 pairs; an embedding has 128 numbers), a cited figure
with its source (dlib's published 99.38%), or the text's own structure. This module lists every
number typed in a notebook's prose, so that a test can require each to be one of those:

* the prose is every markdown cell, plus the literal text of every ``Markdown(...)`` call and of
  every chart ``description=`` in the code cells (the text around the computed ``{...}`` parts);
* a number is a run of digits (``13,232``, ``0.6``, ``99.38%``, ``1e-16``, ``3 billion``, ``2.5m``) or a number word from
  *three* up (``five``, ``forty-nine``, ``hundred``, ``twentyfold``: *one* and *two* are left out,
  they serve as pronouns and articles too often);
* not numbers: what sits in code spans, links and addresses, names with digits (``B7``, ``q3``,
  ``RFC 9309``, ``Article 5(1)(e)``, ``NISTIR 8280``), dates (``18 January 2020``, a year alone),
  list markers and the header's ``Estimated time``.

:func:`typed_numbers` returns them; :func:`accepted_by_code` says whether a typed number is a
literal of the notebook's own code (a parameter the lesson sets, such as ``threshold=0.6``).
``tests/test_prose_numbers.py`` checks every lesson against ``tests/prose_numbers.toml``, the list
of the other numbers typed on purpose, each with its kind and reason.

Example::

    >>> [t.text for t in typed_numbers({"cells": [{"cell_type": "markdown",
    ...     "source": "Lesson B4 measured 0.77% on 3,000 pairs in 2021; forty-nine refusals, `x = 12`."}]})]
    ['0.77%', '3,000', 'forty-nine']
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from dataclasses import dataclass

WORDS = {"three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11,
         "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17,
         "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
         "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100, "thousand": 1_000, "million": 1e6,
         "billion": 1e9, "dozen": 12}
UNITS = {"one": 1, "two": 2, **{w: v for w, v in WORDS.items() if v < 10}}
MONTHS = ("January|February|March|April|May|June|July|August|September|October|November|December|"
          "Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec")
_SCALE = {"thousand": 1e3, "million": 1e6, "billion": 1e9}
_DIGITS = re.compile(r"(?<![\w.\-/#$§])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(?:e-?\d+)?(%|m\b|bn\b)?(?![\w])"
                     r"(?:\s+(thousand|million|billion)\b)?")
_WORD = re.compile(r"\b(" + "|".join(sorted(WORDS, key=len, reverse=True)) + r")(?:-(" + "|".join(UNITS)
                   + r"))?(fold)?\b", re.I)
_REMOVE = [
    re.compile(r"```.*?```", re.S),                       # fenced code
    re.compile(r"`[^`\n]*`"),                             # code spans
    re.compile(r"\]\([^)]*\)"),                           # link targets
    re.compile(r"(?:https?|ftp)://\S+|\b[\w.-]+\.(?:py|csv|ipynb|json|txt|toml|md|zip)\b"),  # addresses, files
    re.compile(r"\b\d+\.\d+\.\d+\.\d+(?::\d+)?\b"),  # IP addresses (127.0.0.1)
    re.compile(r"\*\*Estimated time\.?\*\*[^\n]*"),       # the header's time (checked by the syllabus test)
    re.compile(r"^\s*(?:\d+\.|[-*])\s", re.M),            # list markers
    re.compile(r"\b(?:RFC|NISTIR|ISO|FRVT|API\d?|Article|Articles|Chapter|Regulation \(EU\)|Decision|"
               r"Public Act|SB|Figure|Steps?|Questions?|Table|Part|section|View|lessons?|exercises?)\s*"
               r"[\d/().,a-z\-]*\d[\d/()a-z]*(?:\s*(?:to|and|-|,)\s*\d+)*", re.I),
    re.compile(rf"\b\d{{1,2}}\s+(?:{MONTHS})\b|\b(?:{MONTHS})\s+\d{{1,2}}\b"),  # day and month
    re.compile(r"\b\d{4}-\d\d(?:-\d\d)?\b"),              # ISO dates
    re.compile(r"<[^>]+>"),                               # HTML tags
]


@dataclass(frozen=True)
class Typed:
    """One number typed in prose: its ``text`` as typed, its ``value``, where it is (``cell`` index,
    ``where``: "markdown", "Markdown(...)" or "chart description") and a few words around it."""
    text: str
    value: float
    cell: int
    where: str
    context: str

    @property
    def key(self) -> str:
        """The text as a registry key: number words in lower case."""
        text = " ".join(self.text.split())
        return text.lower() if text[0].isalpha() else text


def _is_year(match: re.Match) -> bool:
    number, decimals, percent = match.group(1), match.group(2), match.group(3)
    return decimals is None and percent is None and "," not in number and 1900 <= int(number) <= 2100


def numbers_in(text: str) -> list[tuple[str, float, str]]:
    """``(as typed, value, context)`` for each number typed in ``text`` (the rules in the module's docstring)."""
    for pattern in _REMOVE:
        text = pattern.sub(lambda m: " " * len(m.group()), text)
    found = []
    for m in _DIGITS.finditer(text):
        if _is_year(m):
            continue
        raw = m.group()
        scale = _SCALE.get((m.group(4) or "").lower(), 1.0) * {"m": 1e6, "bn": 1e9}.get(m.group(3) or "", 1.0)
        value = float(re.sub(r"\s.*", "", raw).rstrip("%mbn").replace(",", "")) * scale
        found.append((m.start(), raw, value))
    taken = [(start, start + len(raw)) for start, raw, _ in found]
    for m in _WORD.finditer(text):
        if any(a <= m.start() < b for a, b in taken):  # the scale word of "3 billion"
            continue
        if m.group(1).lower() in _SCALE and re.search(r"§\s*$", text[:m.start()]):  # "{n} billion": computed
            continue
        tens, unit = WORDS[m.group(1).lower()], UNITS.get((m.group(2) or "").lower(), 0)
        found.append((m.start(), m.group(), float(tens + unit)))
    out = []
    for start, raw, value in sorted(found):
        context = " ".join(text[max(0, start - 40):start + len(raw) + 30].split())
        out.append((raw, value, context))
    return out


def _markdown_texts(code: str) -> list[tuple[str, str]]:
    """The literal text of ``Markdown(...)`` calls and chart ``description=`` arguments in ``code``."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return []

    def literal(node) -> str:
        """The text a string expression writes, each computed ``{...}`` part shown as ``§``."""
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.JoinedStr):
            return "".join(v.value if isinstance(v, ast.Constant) else "§" for v in node.values)
        if isinstance(node, ast.BinOp):
            return literal(node.left) + literal(node.right)
        if isinstance(node, (ast.Call, ast.GeneratorExp, ast.ListComp, ast.IfExp, ast.Tuple, ast.List)):
            return " ".join(literal(c) for c in ast.iter_child_nodes(node) if isinstance(c, ast.expr)) or "§"
        return "§"

    texts = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name == "Markdown":
                texts += [("Markdown(...)", literal(arg)) for arg in node.args]
            texts += [("chart description", literal(kw.value)) for kw in node.keywords if kw.arg == "description"]
        elif isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "description" for t in node.targets):
            texts.append(("chart description", literal(node.value)))
    return texts


def typed_numbers(nb: dict) -> list[Typed]:
    """Every number typed by hand in a notebook's prose (markdown cells, ``Markdown(...)`` text, chart descriptions)."""
    found = []
    for i, cell in enumerate(nb.get("cells", [])):
        source = "".join(cell.get("source", ""))
        if cell.get("cell_type") == "markdown":
            texts = [("markdown", source)]
        elif cell.get("cell_type") == "code":
            texts = _markdown_texts(source)
        else:
            continue
        for where, text in texts:
            found += [Typed(raw, value, i, where, context) for raw, value, context in numbers_in(text)]
    return found


def code_literals(nb: dict) -> set[float]:
    """The numeric literals written in a notebook's code cells (``0.6``, ``20``, ``2_000_000``, ``1e-10``)."""
    values = set()
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        source = "".join(cell.get("source", ""))
        try:
            tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
        except (tokenize.TokenError, IndentationError, SyntaxError):
            continue
        for tok in tokens:
            if tok.type == tokenize.NUMBER:
                try:
                    values.add(float(tok.string.replace("_", "").rstrip("jJ")))
                except ValueError:
                    pass
    return values


def accepted_by_code(typed: Typed, literals: set[float]) -> bool:
    """Whether a typed digit number is a literal of the notebook's code: a parameter the lesson itself sets.

    A percentage matches its fraction too (``25%`` and ``0.25``). Number words never match: a word is
    prose, and "five thresholds" must be checked against the data, not against any 5 in the code.
    """
    if typed.text[0].isalpha():
        return False
    candidates = {typed.value} | ({typed.value / 100} if typed.text.endswith("%") else set())
    return any(abs(c - lit) <= 1e-12 * max(1.0, abs(lit)) for c in candidates for lit in literals)
