"""Charts draw offline in every notebook: every kernel of the course environment sends altair charts as
Vega-Lite specs (``application/vnd.vegalite.v5+json``, drawn by JupyterLab's own Vega), never as HTML
that loads Vega from a CDN, whatever the notebook imports.

How it is made (``facecourse.kernel_defaults``): ``course.py install`` writes the environment's
``etc/ipython/ipython_kernel_config.json``, which loads the extension in every IPython kernel of the
environment; the extension enables altair's ``mimetype`` renderer when altair is first imported.
These tests check each link: the file, the extension, a kernel started as JupyterLab and nbval start
theirs, a grader's kernel, the notebooks' stored outputs, and the nbval hook that fails any cell that
draws through the network (``conftest.py``). ``tests/test_browser.py`` checks that JupyterLab then
draws the specs in a real browser with no request leaving the machine.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from facecourse.authoring import notebooks
from facecourse.paths import ROOT

VEGALITE = "application/vnd.vegalite.v5+json"
NOTEBOOK_FOLDERS = ("lessons", "solutions", "exercises")


def test_the_environment_loads_the_extension_in_every_kernel():
    config = Path(sys.prefix) / "etc" / "ipython" / "ipython_kernel_config.json"
    assert config.is_file(), f"{config} is missing: run `python3 course.py install`"
    wanted = json.loads((ROOT / "jupyter_config" / "ipython_kernel_config.json").read_text())
    assert wanted == {"InteractiveShellApp": {"extensions": ["facecourse.kernel_defaults"]}}
    assert "facecourse.kernel_defaults" in json.loads(config.read_text())["InteractiveShellApp"]["extensions"]
    from IPython.core.application import ENV_CONFIG_DIRS

    assert str(config.parent) in ENV_CONFIG_DIRS, "IPython no longer reads <prefix>/etc/ipython"


def _python(code: str) -> str:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          timeout=120).stdout.strip()


def test_the_extension_waits_for_altair_and_a_later_choice_wins():
    # without it: altair's own default, which draws through a CDN (what the extension exists to change)
    assert _python("import altair; print(altair.renderers.active)") == "default"
    out = _python("import sys\nfrom facecourse import kernel_defaults as k\nk.load_ipython_extension(None)\n"
                  "print('altair' in sys.modules)\nimport altair\nprint(altair.renderers.active)\n"
                  "altair.renderers.enable('svg')\nimport altair\nprint(altair.renderers.active)\n"
                  "k.enable_when_imported()\nk.enable_when_imported()\n"
                  "print(sum(type(f).__name__ == '_EnableAfterImport' for f in sys.meta_path))")
    assert out.split() == ["False", "mimetype", "svg", "1"], out  # not imported early; once; later choices win
    # loaded after altair: enabled at once
    assert _python("import altair\nfrom facecourse import kernel_defaults as k\nk.load_ipython_extension(None)\n"
                   "print(altair.renderers.active)") == "mimetype"


def _execute(client, code: str, timeout: float = 120) -> list[dict]:
    """Run ``code``; return its display and result messages' contents (an error fails the test)."""
    msg_id = client.execute(code)
    outputs = []
    while True:
        msg = client.get_iopub_msg(timeout=timeout)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        kind = msg["msg_type"]
        if kind == "error":
            pytest.fail(f"{code!r} raised {msg['content']['ename']}: {msg['content']['evalue']}")
        if kind in ("execute_result", "display_data"):
            outputs.append(msg["content"])
        if kind == "status" and msg["content"]["execution_state"] == "idle":
            return outputs


CHART = ("from facecourse.breach import facts\nimport altair as alt\n"
         "alt.Chart(facts.fines()).mark_bar().encode(x='amount:Q', y='country:N')")


def _check_kernel(client) -> None:
    first = _execute(client, "import sys\n'altair' in sys.modules")
    assert first[0]["data"]["text/plain"] == "False", "the kernel imports altair before the notebook does"
    # exercise C1's case: the notebook imports only facts and altair, no course chart module
    [chart] = _execute(client, CHART)
    assert VEGALITE in chart["data"] and "text/html" not in chart["data"], sorted(chart["data"])
    assert notebooks.online_outputs([chart]) == []


@pytest.mark.slow
def test_a_kernel_started_as_jupyterlab_and_nbval_start_theirs_draws_offline():
    from jupyter_client.manager import start_new_kernel

    km, client = start_new_kernel(kernel_name="python3")
    try:
        _check_kernel(client)
    finally:
        client.stop_channels()
        km.shutdown_kernel(now=True)


@pytest.mark.slow
def test_a_graders_kernel_draws_offline():
    from facecourse.grading import sandbox

    kernel = sandbox.Kernel("offline.ipynb", b"{}", sandbox.Limits(), sandboxed=sandbox.problem() is None)
    try:
        _check_kernel(kernel.client)
    finally:
        kernel.kill()


def _stored_notebooks() -> list[Path]:
    return sorted(p for folder in NOTEBOOK_FOLDERS for p in (ROOT / folder).glob("*.ipynb"))


def test_every_stored_chart_is_a_vegalite_spec_that_draws_offline():
    charts, drawing = 0, set()
    for path in _stored_notebooks():
        nb = json.loads(path.read_text(encoding="utf-8"))
        assert notebooks.online_cells(nb) == [], f"{path.relative_to(ROOT)}: {notebooks.online_cells(nb)}"
        for cell in nb["cells"]:
            for out in cell.get("outputs", []):
                mimes = [m for m in out.get("data", {}) if notebooks.VEGALITE_MIME.fullmatch(m)]
                assert mimes in ([], [VEGALITE]), f"{path.name}: a chart as {mimes} (the course draws Vega-Lite 5)"
                if mimes:
                    charts += 1
                    drawing.add(path.stem)
                    spec = out["data"][VEGALITE]
                    assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/v5"), path.name
    # not vacuous: the lessons that build charts with altair do store them
    lessons_with_charts = {p.stem for p in (ROOT / "lessons").glob("*.ipynb")
                           if ".mark_" in "".join("".join(c["source"]) for c in json.loads(p.read_text())["cells"]
                                                  if c["cell_type"] == "code")}
    assert len(lessons_with_charts) >= 6 and lessons_with_charts <= drawing, lessons_with_charts - drawing
    assert charts >= 15


def test_the_online_output_detector_catches_altairs_cdn_html():
    import altair as alt
    import pandas as pd

    chart = alt.Chart(pd.DataFrame({"a": [1]})).mark_bar().encode(x="a:Q")
    with alt.renderers.enable("default"):  # altair's HTML, which loads Vega from cdn.jsdelivr.net
        bundle = chart._repr_mimebundle_()
    bundle = bundle[0] if isinstance(bundle, tuple) else bundle
    [problem] = notebooks.online_outputs([{"data": bundle}])
    assert "cdn.jsdelivr.net" in problem
    with alt.renderers.enable("mimetype"):
        bundle = chart._repr_mimebundle_()
    bundle = bundle[0] if isinstance(bundle, tuple) else bundle
    assert notebooks.online_outputs([{"data": bundle}]) == []
    remote = {"data": {VEGALITE: {"data": {"url": "https://example.org/fines.csv"}}}}
    assert notebooks.online_outputs([remote]) == ["a chart reads its data from the network: https://example.org/fines.csv"]


@pytest.mark.slow
def test_nbval_fails_a_cell_that_draws_through_a_cdn(tmp_path):
    """The conftest hook checks what every notebook run under nbval draws, exercises included."""
    import nbformat

    cells = ["import altair as alt\nimport pandas as pd\nchart = alt.Chart(pd.DataFrame({'a': [1]})).mark_bar()",
             "chart", "alt.renderers.enable('default')\nchart"]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = tmp_path / "cdn.ipynb"
    nbformat.write(nb, path)
    proc = subprocess.run([sys.executable, "-m", "pytest", "-p", "conftest", "--nbval-lax", "-q", "-p",
                           "no:cacheprovider", "-o", "addopts=", str(path)], capture_output=True, text=True,
                          cwd=tmp_path, env={**__import__("os").environ, "PYTHONPATH": str(ROOT)}, timeout=300)
    assert "2 passed" in proc.stdout and "1 failed" in proc.stdout, proc.stdout[-2000:]
    assert "needs the network to draw" in proc.stdout and "cdn.jsdelivr.net" in proc.stdout
