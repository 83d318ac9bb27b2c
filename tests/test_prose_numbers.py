"""Numbers in lesson prose come from the data (CONTRIBUTING.md, "Numbers in prose").

Every number typed by hand in a lesson's prose (its markdown cells, the literal text of its
``Markdown(...)`` calls, its chart descriptions) must be either a literal of the lesson's own code (a
parameter it sets, such as the threshold 0.6) or declared in ``tests/prose_numbers.toml`` with its
kind (definition, citation, parameter, structure, illustration) and the reason it may be typed. A
result (a count, a rate, a measured size) is never typed: it is computed in a ``Markdown(f"...")``
cell from the data the output beside it shows. ``facecourse.authoring.prose`` says what counts as a
number.
"""

from __future__ import annotations

import json
import tomllib

import pytest

from facecourse.authoring import prose
from facecourse.paths import ROOT

REGISTRY = ROOT / "tests" / "prose_numbers.toml"
KINDS = ("definition", "citation", "parameter", "structure", "illustration")
LESSONS = sorted((ROOT / "lessons").glob("*.ipynb"))


def _registry() -> dict:
    return tomllib.loads(REGISTRY.read_text(encoding="utf-8"))


def _undeclared(nb: dict, declared: dict) -> list[prose.Typed]:
    literals = prose.code_literals(nb)
    return [t for t in prose.typed_numbers(nb) if not prose.accepted_by_code(t, literals) and t.key not in declared]


@pytest.mark.parametrize("path", LESSONS, ids=[p.stem for p in LESSONS])
def test_every_number_typed_in_a_lesson_is_computed_or_declared(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    declared = _registry().get(path.stem, {})
    undeclared = _undeclared(nb, declared)
    assert not undeclared, (
        f"{path.name}: numbers typed in prose that the data does not back. Compute each in a Markdown(f\"...\") cell "
        "from the data (a result), or, if it is a definition, a citation, a parameter, the text's structure or an "
        "illustration, declare it in tests/prose_numbers.toml with the reason:\n"
        + "\n".join(f"  cell {t.cell} ({t.where}): {t.text!r} in \"...{t.context}...\"" for t in undeclared))
    typed = {t.key for t in prose.typed_numbers(nb)}
    stale = sorted(set(declared) - typed)
    assert not stale, f"tests/prose_numbers.toml [{path.stem}] declares numbers the lesson no longer types: {stale}"


def test_every_declared_number_says_its_kind_and_why():
    registry = _registry()
    assert set(registry) <= {p.stem for p in LESSONS}, f"sections for lessons that do not exist: {set(registry) - {p.stem for p in LESSONS}}"
    for lesson, entries in registry.items():
        for number, why in entries.items():
            kind, _, reason = why.partition(":")
            assert kind in KINDS and len(reason.strip()) >= 15, \
                f"[{lesson}] {number!r}: write \"<kind>: <reason>\" with kind one of {KINDS}, not {why!r}"
            assert kind != "result", "a result is computed, never declared"


def _nb(*cells) -> dict:
    return {"cells": [{"cell_type": kind, "source": text} for kind, text in cells]}


@pytest.mark.parametrize("cells, caught", [
    # the examples: each typed number describes a result, and none is a parameter of the code
    ([("markdown", "The cell below measures the FMR at five thresholds on 500,000 random pairs."),
      ("code", "thresholds = [0.45, 0.5, 0.55, 0.6]\nn = 500_000")], ["five"]),
    ([("markdown", "Forty-nine refusals in a row from one user is not an accident."),
      ("code", "statuses = [get(i) for i in range(1, 51)]")], ["forty-nine"]),
    ([("markdown", "Faces down to about 40 pixels are found at `upsample=1`."),
      ("code", "for size in (150, 100, 75, 50, 35):\n    pass")], ["40"]),
    ([("code", 'Markdown(f"{n} of the next four are strangers, the nearest {d:.2f} away")')], ["four"]),
    ([("code", 'chart.properties(description="Same-person distances peak around 0.4, others around 0.78.")')],
     ["0.4", "0.78"]),
    ([("markdown", "Accuracy at the fixed threshold is 99.15%, the fitted one 99.12%.")], ["99.15%", "99.12%"]),
])
def test_the_check_catches_numbers_typed_about_results(cells, caught):
    assert [t.key for t in _undeclared(_nb(*cells), {})] == caught


def test_the_check_accepts_parameters_dates_names_and_computed_text():
    nb = _nb(("markdown", "At the usual 0.6 threshold (RFC 9309, Article 5(1)(e), lesson B4, in 2021, on "
                          "18 January 2020, at 127.0.0.1:8000), see `x = 12` and [a link](https://a.b/c/7)."),
             ("code", 'match = d <= 0.6\nMarkdown(f"{n:,} pairs, {size / 1e9:g} billion images, {rate:.2%}")'))
    assert _undeclared(nb, {}) == []
    # a declared number is accepted, and only in that lesson's section
    typed = _nb(("markdown", "LFW View 2 has 6,000 pairs."))
    assert _undeclared(typed, {"6,000": "definition: LFW's protocol"}) == []
    assert [t.key for t in _undeclared(typed, {})] == ["6,000"]


def test_the_scan_reads_the_lessons_prose():
    """Not vacuous: the scanner finds the typed numbers of every kind of prose in the real lessons."""
    found = [t for p in LESSONS for t in prose.typed_numbers(json.loads(p.read_text(encoding="utf-8")))]
    assert len(found) >= 200
    assert {"markdown", "Markdown(...)", "chart description"} <= {t.where for t in found}
    assert sum(len(v) for v in _registry().values()) >= 50
