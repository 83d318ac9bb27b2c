"""What a student sees: JupyterLab in a real (headless) Chromium, offline.

The test starts ``jupyter lab`` on 127.0.0.1 itself and checks two things in every case: no request
left the machine, and no JavaScript error in the console. Screenshots go to ``artifacts/browser/``
(git-ignored).

* **Run live**: the start notebook and every lesson with ipywidgets (A3, B5, C2: widgets need a
  live kernel), every cell run in the browser: no cell raised; every ipywidgets control rendered and
  responds to input; every altair chart the kernel sent drew an SVG or a canvas.
* **Stored charts**: every other notebook that stores altair charts (found from the notebooks, so a
  new lesson with a chart is covered without editing this file) is opened with its stored outputs:
  each of its charts draws, with its description as the accessible label. This costs seconds where
  running B3-B7 in the browser would cost minutes, and proves the same for charts: a chart reaches
  JupyterLab as the same Vega-Lite mimetype output whether it was stored or just sent, and JupyterLab
  draws both with the same renderer. What the cheaper check leaves to other tests is that a live
  kernel sends that mimetype: ``tests/test_offline_charts.py`` checks every kernel of the course
  environment (JupyterLab's, nbval's, the grader's) and fails any notebook cell, in lessons,
  exercises and solutions, that draws through the network; the live runs here show a live kernel's
  charts drawing.

It drives Debian's Chromium (``apt-get install chromium``) through Playwright; no browser is
downloaded. Without Chromium the test is skipped, unless ``FACECOURSE_REQUIRE_BROWSER=1`` (CI sets
it), in which case it fails.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.request import urlopen

import pytest

from facecourse import data

ROOT = data.ROOT
ARTIFACTS = ROOT / "artifacts" / "browser"
CHROMIUM = os.environ.get("FACECOURSE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-features=Translate,MediaRouter",
                 # anything not on loopback goes to a proxy that does not exist, so it cannot leave the machine
                 # (Chromium never proxies loopback); the test also records every such attempt
                 "--proxy-server=http://127.0.0.1:9"]
# notebooks run live -> (charts expected, widget boxes expected)
NOTEBOOKS = {
    "00_start_here.ipynb": (0, 0),
    "A3_careless_vs_polite.ipynb": (1, 1),
    "B5_identification.ipynb": (1, 1),
    "C2_what_leaked.ipynb": (2, 1),
}
RUN_TIMEOUT = 180  # seconds for one notebook to run all its cells
VEGALITE = "application/vnd.vegalite.v5+json"


def _stored_charts(path: Path) -> list[str]:
    """The description of every altair chart stored in a notebook's outputs, in order."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return [out["data"][VEGALITE].get("description", "") for c in cells for out in c.get("outputs", [])
            if VEGALITE in out.get("data", {})]


def _widget_lessons() -> set[str]:
    return {p.name for p in (ROOT / "lessons").glob("*.ipynb")
            if "application/vnd.jupyter.widget-view+json" in p.read_text(encoding="utf-8")}


#: lessons whose stored charts are drawn from the stored outputs (the live ones draw theirs when run)
STORED = sorted(p.name for p in (ROOT / "lessons").glob("*.ipynb") if _stored_charts(p) and p.name not in NOTEBOOKS)


def _need_browser():
    if shutil.which(CHROMIUM) or Path(CHROMIUM).is_file():
        try:
            import playwright  # noqa: F401
            return
        except ImportError:
            reason = "the playwright package is not installed (the browser extra in pyproject.toml; in requirements.lock)"
    else:
        reason = f"Chromium not found at {CHROMIUM}: install it with `apt-get install chromium`"
    if os.environ.get("FACECOURSE_REQUIRE_BROWSER") == "1":
        pytest.fail(f"browser test required but {reason}")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    _need_browser()
    data.fetch("teaching", progress=False)
    root = tmp_path_factory.mktemp("lab")
    for name in [*NOTEBOOKS, *STORED]:  # copies: autosave must never touch the committed lessons
        shutil.copy(ROOT / "lessons" / name, root / name)
    # render every cell (JupyterLab 4 otherwise virtualises off-screen cells, which then have no charts to check)
    tracker = root / "settings" / "@jupyterlab" / "notebook-extension"
    tracker.mkdir(parents=True)
    (tracker / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}))
    port, token = _free_port(), secrets.token_hex(16)
    log = open(root / "jupyter.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ServerApp.ip=127.0.0.1",
         f"--ServerApp.port={port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
         f"--ServerApp.root_dir={root}", "--LabApp.expose_app_in_browser=True",
         "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
         "--LabApp.news_url=None", f"--LabApp.workspaces_dir={root / 'workspaces'}",
         f"--LabApp.user_settings_dir={root / 'settings'}"] + (["--allow-root"] if os.geteuid() == 0 else []),
        stdout=log, stderr=subprocess.STDOUT, cwd=root)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            with urlopen(f"{base}/api/status?token={token}", timeout=2):
                break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError(f"jupyter lab did not start:\n{(root / 'jupyter.log').read_text()[-3000:]}")
            time.sleep(0.5)
    yield base, token, root
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture(scope="module")
def browser(lab):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


_STATE_JS = """() => {
  const app = window.jupyterapp;
  const panel = app && app.shell.currentWidget;
  if (!panel || !panel.content || !panel.sessionContext) return null;
  const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
  const cells = panel.content.widgets.filter(c => c.model.type === 'code');
  return {
    kernel: kernel ? kernel.status : 'none',
    total: cells.length,
    done: cells.filter(c => c.model.executionCount !== null).length,
    errors: cells.flatMap(c => c.model.outputs.toJSON().filter(o => o.output_type === 'error')
                                    .map(o => o.ename + ': ' + o.evalue)),
  };
}"""


def _open(page, base: str, token: str, name: str) -> None:
    # a workspace of its own, so that JupyterLab does not reopen the notebooks of earlier tests beside it
    page.goto(f"{base}/lab/workspaces/{Path(name).stem}/tree/{name}?token={token}")
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell.currentWidget "
                           "&& window.jupyterapp.shell.currentWidget.sessionContext", timeout=60_000)


def _run_all(page, base: str, token: str, name: str) -> dict:
    _open(page, base, token, name)
    page.wait_for_function("""() => { const s = window.jupyterapp.shell.currentWidget.sessionContext;
                           return s.session && s.session.kernel && s.session.kernel.status === 'idle'; }""",
                           timeout=60_000)
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs')")
    page.wait_for_function(f"() => ({_STATE_JS})().done === 0", timeout=30_000)
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    deadline = time.monotonic() + RUN_TIMEOUT
    while True:
        state = page.evaluate(_STATE_JS)
        if state and state["done"] == state["total"] and state["kernel"] == "idle":
            return state
        if state and state["errors"]:
            return state
        if time.monotonic() > deadline:
            raise AssertionError(f"{name}: cells still running after {RUN_TIMEOUT} s: {state}")
        time.sleep(0.5)


@pytest.mark.parametrize("name", list(NOTEBOOKS))
def test_notebook_in_a_real_browser(lab, browser, name):
    base, token, _ = lab
    charts, widgets = NOTEBOOKS[name]
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    outside, console_errors = [], []

    def watch(request):
        if not request.url.startswith((base, "ws://127.0.0.1:", "data:", "blob:")):
            outside.append(request.url)

    page.on("request", watch)
    page.on("console", lambda msg: console_errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: console_errors.append(f"uncaught: {exc}"))
    try:
        state = _run_all(page, base, token, name)
        assert state["errors"] == [], f"{name}: cells raised {state['errors']}"

        if charts:
            page.wait_for_function(
                f"() => document.querySelectorAll('.vega-embed svg, .vega-embed canvas').length >= {charts}",
                timeout=30_000)
        drawn = page.evaluate("() => Array.from(document.querySelectorAll('.vega-embed'))"
                              ".filter(e => e.querySelector('svg, canvas')).length")
        assert drawn >= charts, f"{name}: {drawn} of {charts} altair chart(s) rendered"

        if widgets:
            page.wait_for_selector(".jupyter-widgets select", timeout=30_000)
            boxes = page.locator(".jp-OutputArea-output .widget-vbox")
            assert boxes.count() >= widgets, f"{name}: {boxes.count()} widget box(es) rendered, expected {widgets}"
            select = page.locator(".jupyter-widgets select").first
            before = page.locator(".widget-html-content").all_inner_texts()
            options = select.locator("option").all_inner_texts()
            assert len(options) > 1, f"{name}: the first dropdown has nothing to choose"
            select.select_option(index=1)
            page.wait_for_function(
                "before => JSON.stringify(Array.from(document.querySelectorAll('.widget-html-content'))"
                ".map(e => e.innerText)) !== before", arg=json.dumps(before), timeout=30_000)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{Path(name).stem}.png"), full_page=False)
        if widgets:  # a second screenshot with the widget in view
            page.locator(".jp-OutputArea-output .widget-vbox").first.evaluate("e => e.scrollIntoView()")
            page.screenshot(path=str(ARTIFACTS / f"{Path(name).stem}-widget.png"))
        if charts:
            page.locator(".vega-embed").first.evaluate("e => e.scrollIntoView()")
            page.screenshot(path=str(ARTIFACTS / f"{Path(name).stem}-chart.png"))
        assert outside == [], f"{name}: requests tried to leave the machine: {outside}"
        assert console_errors == [], f"{name}: JavaScript errors: {console_errors}"
    finally:
        context.close()
        _shutdown_kernels(base, token)


def test_every_live_widget_lesson_is_run_live():
    """Widgets need a live kernel: every lesson that stores a widget is in NOTEBOOKS, run live above."""
    assert _widget_lessons() <= set(NOTEBOOKS), f"run these lessons live: {_widget_lessons() - set(NOTEBOOKS)}"
    assert len(STORED) >= 5, STORED  # the stored-chart check below is not vacuous


@pytest.mark.parametrize("name", STORED)
def test_stored_charts_draw_in_a_real_browser(lab, browser, name):
    base, token, _ = lab
    descriptions = _stored_charts(ROOT / "lessons" / name)
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    outside, console_errors = [], []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(
        (base, "ws://127.0.0.1:", "data:", "blob:")) else None)
    page.on("console", lambda msg: console_errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: console_errors.append(f"uncaught: {exc}"))
    try:
        _open(page, base, token, name)
        page.wait_for_function(
            f"() => document.querySelectorAll('.vega-embed svg, .vega-embed canvas').length >= {len(descriptions)}",
            timeout=60_000)
        drawn = page.evaluate("""() => Array.from(document.querySelectorAll('.vega-embed'))
            .map(e => e.querySelector('svg, canvas')).filter(Boolean)
            .map(g => g.getAttribute('aria-label') || (g.closest('[aria-label]') || {getAttribute: () => ''})
                 .getAttribute('aria-label') || '')""")
        assert len(drawn) == len(descriptions), f"{name}: {len(drawn)} of {len(descriptions)} stored charts drew"
        missing = [d for d in descriptions if d and not any(d in label for label in drawn)]
        assert not missing, f"{name}: charts drawn without their description as accessible label: {missing}"
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.locator(".vega-embed").first.evaluate("e => e.scrollIntoView()")
        page.screenshot(path=str(ARTIFACTS / f"{Path(name).stem}-stored-chart.png"))
        assert outside == [], f"{name}: requests tried to leave the machine: {outside}"
        assert console_errors == [], f"{name}: JavaScript errors: {console_errors}"
    finally:
        context.close()
        _shutdown_kernels(base, token)


def _shutdown_kernels(base: str, token: str) -> None:
    """Stop this notebook's kernel through the REST API (a UI command would wait on a dialog)."""
    from urllib.request import Request

    with urlopen(f"{base}/api/sessions?token={token}", timeout=10) as r:
        sessions = json.load(r)
    for sess in sessions:
        urlopen(Request(f"{base}/api/sessions/{sess['id']}?token={token}", method="DELETE"), timeout=10).close()
