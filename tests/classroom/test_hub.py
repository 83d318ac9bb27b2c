"""A real JupyterHub on 127.0.0.1, two students in Chromium, and the instructor grading their work.

The hub runs the repository's ``hub/jupyterhub_config.py`` (loaded by a test config that swaps in
DummyAuthenticator and SimpleLocalProcessSpawner, as JupyterHub's own tests do, free ports and a
temporary home folder per user) with its proxy, configurable-http-proxy, from
``python3 course.py install --hub``. The course comes from a local git remote: a bare repository
holding this checkout's HEAD.

Then, in headless Chromium (Debian's, through Playwright), each of two students follows the link
``python3 course.py link`` prints, logs in, lets nbgitpuller clone the course into their home and
open ``exercises/00_warmup.ipynb`` in JupyterLab, runs the notebook, types an answer to question 1
(ann the right one, ben the Manhattan distance the exercise warns about), runs ``grader.check("q1")``
and saves; ann also writes the written answer of question 5. Finally the instructor runs
``course.py collect`` on the hub's home folders and ``course.py grade`` (sandboxed) on what it
collected: ann gets question 1's points, ben none, and ann's written answer is in the manual sheet;
``course.py export`` then writes the Canvas CSV and flags ben's work, saved after ann's, as late
against a deadline set at ann's save.

Skipped without Chromium, Playwright or the hub's proxy, unless ``FACECOURSE_REQUIRE_HUB=1`` (CI),
in which case it fails.
"""

from __future__ import annotations

import csv
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.request import urlopen

import pytest

from facecourse import data
from facecourse.grading import sandbox

ROOT = data.ROOT
CHROMIUM = os.environ.get("FACECOURSE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-features=Translate,MediaRouter",
                 "--proxy-server=http://127.0.0.1:9"]  # anything not on loopback goes nowhere
ENV_BIN = Path(sys.executable).parent
PROXY = ENV_BIN / "configurable-http-proxy"
ARTIFACTS = ROOT / "artifacts" / "hub"
EXERCISE = "exercises/00_warmup.ipynb"
ANSWER_CELL, CHECK_CELL, WRITTEN_CELL = 4, 5, 19  # code cells of q1 and its check; q5's written answer
RIGHT = ("def euclidean_distance(a, b):\n    a = np.asarray(a, dtype=float)\n    b = np.asarray(b, dtype=float)\n"
         "    if a.shape != b.shape:\n        raise ValueError(f'shapes differ: {a.shape} vs {b.shape}')\n"
         "    return float(np.sqrt(np.sum((a - b) ** 2)))")
MANHATTAN = ("def euclidean_distance(a, b):\n"
             "    return float(np.sum(np.abs(np.asarray(a, dtype=float) - np.asarray(b, dtype=float))))")
WRITTEN = "A 0.62% error rate on 6,000 pairs says nothing about a gallery of billions."
STUDENTS = {"ann": RIGHT, "ben": MANHATTAN}


def _need(what: str) -> None:
    if os.environ.get("FACECOURSE_REQUIRE_HUB") == "1":
        pytest.fail(f"hub test required (FACECOURSE_REQUIRE_HUB=1) but {what}")
    pytest.skip(what)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _git(*args, cwd=None) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    if not (shutil.which(CHROMIUM) or Path(CHROMIUM).is_file()):
        _need(f"Chromium not found at {CHROMIUM}: install it with `apt-get install chromium`")
    try:
        import playwright  # noqa: F401
    except ImportError:
        _need("the playwright package is not installed (the browser extra, in requirements.lock)")
    if not PROXY.exists() or shutil.which("git") is None:
        _need("the hub's proxy or git is missing: run `python3 course.py install --hub`")
    data.fetch("teaching", progress=False)
    root = tmp_path_factory.mktemp("hub")
    # the course's git remote: a bare repository holding this checkout's HEAD as branch main
    remote = root / "remote" / "facecourse.git"
    _git("init", "--quiet", "--bare", str(remote))
    _git("push", "--quiet", str(remote), "HEAD:refs/heads/main", cwd=ROOT)
    _git("symbolic-ref", "HEAD", "refs/heads/main", cwd=remote)
    port, password = _free_port(), secrets.token_urlsafe(12)
    config = root / "jupyterhub_config.py"
    config.write_text(f"""c = get_config()  # noqa
load_subconfig({str(ROOT / 'hub' / 'jupyterhub_config.py')!r})  # the course's configuration, then test settings
c.JupyterHub.bind_url = "http://127.0.0.1:{port}"
c.JupyterHub.hub_bind_url = "http://127.0.0.1:{_free_port()}"
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{_free_port()}"
c.ConfigurableHTTPProxy.pid_file = {str(root / 'proxy.pid')!r}
c.JupyterHub.db_url = "sqlite:///{root / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = {str(root / 'cookie_secret')!r}
c.JupyterHub.authenticator_class = "dummy"
c.DummyAuthenticator.password = {password!r}
c.Authenticator.allowed_users = {set(STUDENTS)!r}
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = {str(root / 'home' / '{username}')!r}
# the test's students are this process's user (root in CI); window.jupyterapp lets the test read cell states
c.Spawner.args = ["--LabApp.expose_app_in_browser=True"] + (["--allow-root"] if {os.geteuid() == 0} else [])
""", encoding="utf-8")
    log = open(root / "hub.log", "w")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTERHUB_", "JPY_"))}
    proc = subprocess.Popen([str(ENV_BIN / "jupyterhub"), "-f", str(config)], cwd=root, stdout=log,
                            stderr=subprocess.STDOUT, env=env, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    started = time.monotonic()
    while True:
        try:
            with urlopen(f"{base}/hub/api/", timeout=2) as r:
                version = json.load(r)["version"]
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() - started > 90:
                proc.kill()
                raise RuntimeError(f"JupyterHub did not start:\n{(root / 'hub.log').read_text()[-3000:]}")
            time.sleep(0.5)
    yield {"base": base, "password": password, "root": root, "remote": remote, "version": version,
           "started": time.monotonic() - started}
    os.killpg(proc.pid, signal.SIGTERM)  # the hub stops the proxy and every student's server
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    log.close()


_STATE_JS = """() => {
  const app = window.jupyterapp;
  const panel = app && app.shell.currentWidget;
  if (!panel || !panel.content || !panel.sessionContext || !panel.context) return null;
  const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
  const cells = panel.content.widgets.filter(c => c.model.type === 'code');
  return {
    path: panel.context.path,
    kernel: kernel ? kernel.status : 'none',
    total: cells.length,
    done: cells.filter(c => c.model.executionCount !== null).length,
    errors: cells.flatMap(c => c.model.outputs.toJSON().filter(o => o.output_type === 'error')
                                    .map(o => o.ename + ': ' + o.evalue)),
    dirty: panel.context.model.dirty,
  };
}"""

_CELL_JS = """i => {
  const cell = window.jupyterapp.shell.currentWidget.content.widgets[i];
  return {count: cell.model.executionCount, source: cell.model.sharedModel.getSource(),
          outputs: cell.model.type === 'code' ? cell.model.outputs.toJSON() : []};
}"""


def _wait(page, predicate, what: str, timeout: float = 120.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        state = page.evaluate(_STATE_JS)
        if state and predicate(state):
            return state
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: still waiting after {timeout:.0f} s ({state})")
        time.sleep(0.25)


def _click_into(page, index: int, double: bool = False) -> None:
    """Click into cell ``index``'s editor as a student would (a double click opens a rendered markdown cell)."""
    page.evaluate("i => window.jupyterapp.shell.currentWidget.content.scrollToItem(i)", index)
    cell = page.evaluate_handle("i => window.jupyterapp.shell.currentWidget.content.widgets[i].node", index)
    if double:
        cell.as_element().dblclick()  # a rendered markdown cell shows its editor
    editor = cell.as_element().query_selector(".jp-InputArea-editor")
    editor.scroll_into_view_if_needed()
    editor.click()
    page.wait_for_function("i => { const nb = window.jupyterapp.shell.currentWidget.content;"
                           " return nb.activeCellIndex === i && nb.mode === 'edit'; }", arg=index, timeout=10_000)


def _text(outputs: list[dict]) -> str:
    parts = []
    for o in outputs:
        if "text" in o:
            parts.append("".join(o["text"]))
        for kind in ("text/plain", "text/html"):
            value = o.get("data", {}).get(kind)
            if value:
                parts.append("".join(value))
    return "\n".join(parts)


def _student_session(browser, hub: dict, user: str, answer: str, link: str) -> dict:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    outside = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(
        (hub["base"], "ws://127.0.0.1:", "data:", "blob:")) else None)
    try:
        t0 = time.monotonic()
        page.goto(link)  # not logged in: the hub's login page, which returns to the link afterwards
        page.fill("#username_input", user)
        page.fill("#password_input", hub["password"])
        page.click("#login_submit")
        # the hub starts the student's server; nbgitpuller clones the course and opens the exercise
        page.wait_for_url(f"**/user/{user}/lab/tree/facecourse/{EXERCISE}*", timeout=180_000)
        state = _wait(page, lambda s: s["kernel"] == "idle" and s["path"] == f"facecourse/{EXERCISE}",
                      f"{user}: the exercise opened with its kernel", 180)
        opened = time.monotonic() - t0
        page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
        state = _wait(page, lambda s: s["done"] == s["total"] and s["kernel"] == "idle", f"{user}: run all", 180)
        assert state["errors"] == [], f"{user}: the untouched exercise raised {state['errors']}"
        before = page.evaluate(_CELL_JS, CHECK_CELL)
        assert "q1" in _text(before["outputs"]) and "passed" not in _text(before["outputs"])  # not answered yet
        # the student types the answer into question 1's cell, runs it and the check below it
        _click_into(page, ANSWER_CELL)
        page.keyboard.press("Control+A")
        page.keyboard.insert_text(answer)  # as pasted: no auto-indentation on the way
        page.keyboard.press("Shift+Enter")  # runs the answer, moves to the grader.check("q1") cell
        page.keyboard.press("Shift+Enter")  # runs the check
        _wait(page, lambda s: page.evaluate(_CELL_JS, CHECK_CELL)["count"] not in (None, before["count"])
              and s["kernel"] == "idle", f"{user}: grader.check('q1')")
        check = page.evaluate(_CELL_JS, CHECK_CELL)
        if user == "ann":  # and the written answer of question 5 (a markdown cell)
            _click_into(page, WRITTEN_CELL, double=True)
            page.keyboard.press("Control+A")
            page.keyboard.insert_text(WRITTEN)
            page.keyboard.press("Shift+Enter")  # renders it
        page.keyboard.press("Control+S")
        _wait(page, lambda s: not s["dirty"], f"{user}: saved")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.evaluate("i => window.jupyterapp.shell.currentWidget.content.scrollToItem(i)", CHECK_CELL)
        page.screenshot(path=str(ARTIFACTS / f"{user}-check.png"))
        answer_cell = page.evaluate(_CELL_JS, ANSWER_CELL)
        return {"check": _text(check["outputs"]), "answer": answer_cell["source"], "opened": opened,
                "seconds": time.monotonic() - t0, "outside": outside, "errors": page.evaluate(_STATE_JS)["errors"]}
    except BaseException:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{user}-failure.png"))
        print(page.evaluate("""() => window.jupyterapp.shell.currentWidget.content.widgets.map(
            (c, i) => [i, c.model.type, c.model.type === 'code' ? c.model.executionCount : null,
                       c.model.sharedModel.getSource().slice(0, 50)])"""))
        raise
    finally:
        context.close()


@pytest.mark.slow
def test_two_students_on_a_hub_then_the_instructor_collects_and_grades(hub, tmp_path):
    from playwright.sync_api import sync_playwright

    if sandbox.problem() is not None and os.environ.get("FACECOURSE_REQUIRE_SANDBOX") != "1":
        pytest.skip(f"no grading sandbox here: {sandbox.problem()}")
    t0 = time.monotonic()
    cli = [sys.executable, "-m", "facecourse.cli"]
    link = subprocess.run(cli + ["link", "--hub", hub["base"], "--path", EXERCISE, "--repo", str(hub["remote"]),
                                 "--branch", "main"], capture_output=True, text=True, check=True).stdout.strip()
    assert link.startswith(hub["base"] + "/hub/user-redirect/git-pull?repo=")
    sessions = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            for user, answer in STUDENTS.items():
                sessions[user] = _student_session(browser, hub, user, answer, link)
        finally:
            browser.close()
    students_done = time.monotonic() - t0
    for user, s in sessions.items():
        assert s["outside"] == [], f"{user}: requests tried to leave the machine: {s['outside']}"
        assert s["errors"] == [], f"{user}: cells raised {s['errors']}"
        assert s["answer"] == STUDENTS[user]  # what the student typed is what the notebook holds
    assert "q1" in sessions["ann"]["check"] and "passed" in sessions["ann"]["check"], sessions["ann"]["check"]
    assert "you returned 7.0" in sessions["ben"]["check"], sessions["ben"]["check"]  # the check's plain sentence

    # what nbgitpuller put in each home is a clone of the course, with the student's saved work
    homes = hub["root"] / "home"
    for user in STUDENTS:
        clone = homes / user / "facecourse"
        assert _git("rev-parse", "HEAD", cwd=clone) == _git("rev-parse", "HEAD", cwd=hub["remote"])
        saved = json.loads((clone / EXERCISE).read_text(encoding="utf-8"))
        assert "".join(saved["cells"][ANSWER_CELL]["source"]) == STUDENTS[user]

    # the instructor: collect from the homes, grade with a private copy of the solutions, in the sandbox
    private = tmp_path / "private"
    private.mkdir()
    shutil.copy(ROOT / "solutions" / "00_warmup.ipynb", private)
    collected = subprocess.run(cli + ["collect", str(homes), "--assignment", "00_warmup", "--out",
                                      str(tmp_path / "submissions")], capture_output=True, text=True)
    assert collected.returncode == 0, collected.stderr
    assert "2 of 2 homes" in collected.stdout
    with open(tmp_path / "submissions.csv", newline="", encoding="utf-8") as fh:
        record = {r["student"]: r for r in csv.DictReader(fh)}
    assert {u: r["status"] for u, r in record.items()} == {"ann": "collected", "ben": "collected"}
    graded = subprocess.run(cli + ["grade", str(tmp_path / "submissions"), "--out", str(tmp_path / "grades"),
                                   "--solutions", str(private)], capture_output=True, text=True, timeout=600)
    assert graded.returncode == 0, graded.stderr
    with open(tmp_path / "grades" / "gradebook.csv", newline="", encoding="utf-8") as fh:
        book = {(r["student"], r["question"]): (r["points"], r["status"]) for r in csv.DictReader(fh)}
    assert book[("ann", "q1")] == ("2", "passed")
    assert book[("ben", "q1")] == ("0", "failed")
    for user in STUDENTS:
        for q in ("q2", "q3", "q4"):
            assert book[(user, q)] == ("0", "failed")  # never answered
        assert book[(user, "q5")] == ("", "awaiting manual score")
    assert WRITTEN in (tmp_path / "grades" / "manual" / "00_warmup" / "q5_answers.md").read_text(encoding="utf-8")

    # and exports them for the LMS: the deadline fell between ann's save and ben's
    roster = tmp_path / "roster.csv"
    roster.write_text('Student,ID,SIS User ID,SIS Login ID,Section\n"Smith, Ann",101,S1,ann,A\n'
                      '"Brown, Ben",102,S2,ben,A\n', encoding="utf-8")  # as a Canvas gradebook export
    exported = subprocess.run(cli + ["export", str(tmp_path / "grades"), "--canvas", "--gradescope", "--roster",
                                     str(roster), "--deadline", record["ann"]["submitted"], "--submitted",
                                     str(tmp_path / "submissions.csv")], capture_output=True, text=True)
    assert exported.returncode == 0, exported.stderr
    canvas = list(csv.reader(open(tmp_path / "grades" / "export" / "canvas.csv", newline="", encoding="utf-8")))
    assert canvas[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "00_warmup"]
    assert canvas[2:] == [["Brown, Ben", "102", "S2", "ben", "A", "0"], ["Smith, Ann", "101", "S1", "ann", "A", "2"]]
    late = list(csv.DictReader(open(tmp_path / "grades" / "export" / "late.csv", newline="", encoding="utf-8")))
    assert [r["student"] for r in late] == ["ben"]
    print(f"\nhub {hub['version']} up in {hub['started']:.1f} s; ann's exercise open in {sessions['ann']['opened']:.1f} s "
          f"(server start + clone), both students done in {students_done:.1f} s; collected and graded in "
          f"{time.monotonic() - t0 - students_done:.1f} s")
