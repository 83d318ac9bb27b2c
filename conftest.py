"""pytest configuration for the whole repository: tests and notebooks.

``python3 course.py test`` runs everything in ONE pytest session with ``--nbval`` (spread over
the cores by pytest-xdist, one notebook per worker at a time). Lessons are stored with their
outputs and nbval compares them (volatile text sanitised by ``tests/nbval_sanitize.cfg``).
Exercises and solutions are stored without outputs, so for them every cell must run and nothing
is compared: nbval's lax mode, chosen here by folder. (``--nbval-lax`` makes every notebook lax.)
In every notebook, lax or not, each cell's outputs must draw offline: a chart drawn through a CDN
fails the cell (``pytest_runtest_call`` below).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent
#: the longest test files (one xdist work unit each): scheduled first, so no worker is left with one
#: of them at the end while the others idle
LONGEST_FIRST = ("tests/test_public_checks.py", "tests/grading/test_round_trip.py", "tests/test_grading.py",
                 "tests/grading/test_hostile_submissions.py", "tests/test_browser.py", "tests/test_grade_folder.py",
                 "tests/test_exercises.py", "tests/classroom/test_cluster_grading.py", "tests/classroom/test_hub.py",
                 "tests/classroom/test_cluster_workers.py")
#: notebooks in these folders have no stored outputs to compare
LAX_FOLDERS = ("exercises", "solutions")


def compares_outputs(notebook: Path) -> bool:
    """Whether nbval compares this notebook's outputs (lessons) or only runs it (exercises, solutions)."""
    try:
        top = Path(notebook).resolve().relative_to(ROOT).parts[0]
    except (ValueError, IndexError):
        return True
    return top not in LAX_FOLDERS


def pytest_collectstart(collector):
    # nbval's notebook collector reads this attribute when it yields the cells
    if type(collector).__name__ == "IPyNbFile" and not compares_outputs(collector.path):
        collector.compare_outputs = False


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item):
    """A notebook's kernel (started by nbval in this step) gets the notebook's path as
    ``JPY_SESSION_NAME``, as JupyterLab and ``course.py build`` give it: the crawlers name their
    folders after the notebook, so two notebooks never share one and the outputs are the same."""
    notebook = getattr(item.parent, "path", None) if type(item.parent).__name__ == "IPyNbFile" else None
    old = os.environ.get("JPY_SESSION_NAME")
    if notebook is not None:
        os.environ["JPY_SESSION_NAME"] = str(notebook)
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("JPY_SESSION_NAME", None)
        else:
            os.environ["JPY_SESSION_NAME"] = old


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """A notebook cell run by nbval fails when its outputs need the network to draw (a chart sent as
    HTML that loads Vega from a CDN, chart data read from a URL): lessons, exercises and solutions
    alike, so every chart any notebook draws is checked, not only the stored ones
    (``facecourse.authoring.notebooks.online_outputs``)."""
    result = yield
    outputs = getattr(item, "test_outputs", None) if type(item).__name__ == "IPyNbCell" else None
    if outputs:
        from facecourse.authoring.notebooks import online_outputs

        problems = online_outputs(outputs)
        if problems:
            raise AssertionError(f"{item.name}: output that needs the network to draw: {'; '.join(problems)}. "
                                 "Every kernel of the course environment sends charts as Vega-Lite specs "
                                 "(facecourse.kernel_defaults): run `python3 course.py install`, and do not "
                                 "switch altair to a renderer that loads Vega from the web.")
    return result


def pytest_collection_modifyitems(config, items):
    """Run the longest test files first (a stable sort: every file keeps its own order)."""
    rank = {path: i for i, path in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::")[0], len(rank)))
