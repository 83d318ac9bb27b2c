"""The commands of ``python3 course.py`` (run as ``python -m facecourse.cli`` inside the environment).

This module imports only the standard library at the top (``data`` does too): ``course.py`` builds
its parser with the system Python to answer ``--help`` and reject bad usage before any
environment exists. Each command imports what it needs when it runs.

Paths typed by the user (``grade ./subs``, ``--out``, ``--mirror ../x``, ``lessons path/X.ipynb``,
test paths after ``test``) mean paths from the user's current directory; they are made absolute
here, before anything runs with the repository as its working directory.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

from . import data
from .paths import BUILD, ROOT

NOTEBOOK_DIRS = ("lessons", "exercises", "solutions")
SANITIZE = ROOT / "tests" / "nbval_sanitize.cfg"
# environment variables that name paths; made absolute so child processes in ROOT agree
PATH_VARIABLES = ("FACECOURSE_MIRROR", "FACECOURSE_DATA", "FACECOURSE_LOCAL")
PATH_LIST_VARIABLES = ("FACECOURSE_OPTOUT",)  # several paths, separated by os.pathsep


def _course():
    """``course.py`` as a module (its install routine, lock, Jupyter settings); stdlib only."""
    spec = importlib.util.spec_from_file_location("facecourse_course_py", ROOT / "course.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _fetch(subset: str, mirror: str | None) -> None:
    try:
        report = data.fetch(subset, mirror)
    except data.DataError as exc:
        sys.exit(f"[facecourse] data problem: {exc}")
    print(f"[facecourse] data verified in {data.cache_dir()}: {report.summary()}", flush=True)


# --------------------------------------------------------------------------------------------
# lab


def cmd_lab(args, extra=()) -> int:
    _fetch(args.subset, args.mirror)
    for path in _course().apply_jupyter_settings(Path(sys.prefix)):  # no news/update popups
        print(f"[facecourse] JupyterLab settings: {path}", flush=True)
    cmd = [
        sys.executable, "-m", "jupyter", "lab",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={args.port}",
        f"--ServerApp.root_dir={ROOT}",
    ]
    if args.no_browser:
        cmd.append("--no-browser")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")  # containers often run as root
    cmd.append("lessons/00_start_here.ipynb")
    print("[facecourse] starting JupyterLab on 127.0.0.1 (Ctrl-C twice to stop)", flush=True)
    return subprocess.call(cmd, cwd=ROOT)


# --------------------------------------------------------------------------------------------
# test: pytest, with the user's options passed through

# pytest options (core, xdist, nbval) whose value is the next word when not written as --opt=value
_VALUE_OPTIONS = {
    "-k", "-m", "-p", "-c", "-o", "-W", "-r", "-n", "--maxfail", "--durations", "--durations-min", "--deselect",
    "--ignore", "--ignore-glob", "--rootdir", "--basetemp", "--tb", "--dist", "--numprocesses", "--maxprocesses",
    "--junitxml", "--junit-xml", "--confcutdir", "--override-ini", "--capture", "--import-mode", "--log-level",
    "--log-file", "--log-cli-level", "--color", "--code-highlight", "--pythonwarnings", "--config-file",
    "--nbval-sanitize-with", "--nbval-cell-timeout", "--nbval-kernel-name", "--timeout", "--inifile",
}
# ...of which these values are paths (the part before ``::`` for node ids)
_PATH_OPTIONS = {"--deselect", "--ignore", "--ignore-glob", "--rootdir", "--basetemp", "-c", "--junitxml",
                 "--junit-xml", "--confcutdir", "--log-file", "--config-file", "--nbval-sanitize-with", "--inifile"}


def _absolute(path: str, cwd: Path | None = None) -> str:
    """``path`` (or ``path::node``) from the user's directory, made absolute."""
    head, sep, node = path.partition("::")
    return str(((cwd or Path.cwd()) / Path(head).expanduser()).resolve()) + sep + node


def split_pytest_args(words: list[str], cwd: Path | None = None) -> tuple[list[str], list[str]]:
    """Split ``course.py test`` words into (pytest options, test paths), paths made absolute.

    A word is a test path when it does not start with ``-`` and is not the value of an option
    that takes one (``-k data``: ``data`` is a keyword expression, not a path). Path-valued
    options (``--ignore``, ``--deselect``, ``--basetemp``...) are made absolute too.
    Example: ``split_pytest_args(["-x", "-k", "data", "tests/test_data.py"])`` gives
    ``(["-x", "-k", "data"], ["/abs/.../tests/test_data.py"])``.
    """
    options, paths = [], []
    words = list(words)
    i = 0
    while i < len(words):
        w = words[i]
        if w.startswith("--") and "=" in w:
            name, value = w.split("=", 1)
            options.append(f"{name}={_absolute(value, cwd)}" if name in _PATH_OPTIONS else w)
        elif w in _VALUE_OPTIONS or (w[:2] in _VALUE_OPTIONS and len(w) == 2):
            options.append(w)
            if i + 1 < len(words):
                i += 1
                options.append(_absolute(words[i], cwd) if w in _PATH_OPTIONS else words[i])
        elif w.startswith("-"):
            options.append(w)  # a flag, or a short option with its value attached (-kdata, -n2)
        else:
            paths.append(_absolute(w, cwd))
        i += 1
    return options, paths


def test_paths(paths: list[str]) -> list[str]:
    """What one ``course.py test`` runs: the given paths, or the whole course.

    Everything runs in ONE pytest session with ``--nbval``: unit tests, lessons (stored outputs
    compared, volatile parts sanitised) and exercises and solutions (stored without outputs: every
    cell must run; ``conftest.py`` at the top of the repository puts them in nbval's lax mode).
    """
    return paths or [str(ROOT / d) for d in ("tests", "lessons", "exercises", "solutions")]


def _parallel_options(options: list[str], paths: list[str]) -> list[str]:
    """``-n <cores + 1> --dist loadfile`` (one file per worker, whole notebooks on one kernel; one worker
    more than cores, because the track A notebooks and the grading tests spend seconds waiting on
    the sandbox site's Crawl-delay, and the extra worker fills those waits), unless the
    user chose (``-n``, ``-p no:xdist``), is debugging (``--pdb``, ``--trace``) or runs one file."""
    chosen = {o.split("=")[0] for o in options} | {o[:2] for o in options if o.startswith("-n")}
    if chosen & {"-n", "--numprocesses", "--pdb", "--trace"} or "no:xdist" in options:
        return []
    if len(paths) == 1 and Path(paths[0].partition("::")[0]).is_file():
        return []
    return ["-n", str((os.cpu_count() or 1) + 1), "--dist", "loadfile"]


def _pytest(args: list[str]) -> int:
    cmd = [sys.executable, "-m", "pytest", *args]
    print("[facecourse] $ " + " ".join(cmd), flush=True)
    return subprocess.call(cmd, cwd=ROOT)


def cmd_test(args, extra=()) -> int:
    _fetch("teaching", args.mirror)
    options, paths = split_pytest_args(list(extra))
    paths = test_paths(paths)
    nbval = [] if "--nbval-lax" in options else ["--nbval", "--nbval-sanitize-with", str(SANITIZE)]
    rc = _pytest([*paths, *nbval, *_parallel_options(options, paths), *options])
    if rc == 0:
        print("[facecourse] all tests passed", flush=True)
    elif rc == 5:
        print("[facecourse] no test matched", file=sys.stderr, flush=True)
    else:
        print(f"[facecourse] FAILED (pytest exit {rc})", file=sys.stderr, flush=True)
    return rc


# --------------------------------------------------------------------------------------------
# data, notebooks, grading


def cmd_data(args, extra=()) -> int:
    _fetch(args.subset, args.mirror)
    return 0


def cmd_verify(args, extra=()) -> int:
    return data.main(["verify", "--subset", args.subset])


def notebook_names(words: list[str], cwd: Path | None = None) -> list[str]:
    """Notebook names from the command line: a name (``B4_verification``) stays a name; a path
    (``lessons/B4_verification.ipynb``, ``../sources/lessons/B4_verification.py``) is read from the
    user's directory and must be one of the course's notebooks or sources (ValueError otherwise)."""
    names = []
    for w in words:
        if "/" not in w and os.sep not in w and not w.endswith((".ipynb", ".py")):
            names.append(w)
            continue
        path = Path(_absolute(w, cwd))
        try:
            rel = path.relative_to(ROOT)
        except ValueError:
            raise ValueError(f"{w} ({path}) is not in the course repository {ROOT}") from None
        if not path.is_file():
            raise ValueError(f"{w}: no such file ({path})")
        if rel.parts[0] not in (*NOTEBOOK_DIRS, "sources"):
            raise ValueError(f"{w} is not a course notebook or source (lessons/, solutions/, exercises/, sources/)")
        names.append(path.stem)
    return names


def cmd_exercises(args, extra=()) -> int:
    """Generate exercises/ from solutions/ (all, or the names given), or --check them."""
    from .authoring import exercises

    try:
        names = notebook_names(args.names) or None
        if args.check:
            problems = exercises.check_exercises(names)
            for p in problems:
                print(p, file=sys.stderr)
            if problems:
                print("[facecourse] exercises/ is out of date: run `python3 course.py exercises`", file=sys.stderr)
                return 1
            print("[facecourse] exercises/ matches a fresh generation from solutions/")
            return 0
        for nb in exercises.generate_exercises(names):
            print(f"[facecourse] wrote {nb.relative_to(ROOT)}")
    except (exercises.ExerciseError, ValueError) as exc:
        print(f"[facecourse] {exc}", file=sys.stderr)
        return 2
    return 0


def cmd_build(args, extra=()) -> int:
    """Build lessons/ and solutions/ from sources/ (then the exercises of changed solutions), or --check."""
    from .authoring import exercises, notebooks

    try:
        names = notebook_names(args.names) or None
        chosen = notebooks.find(names)
    except ValueError as exc:
        print(f"[facecourse] {exc}", file=sys.stderr)
        return 2
    if args.check:
        problems = notebooks.check(names)
        for p in problems:
            print(p, file=sys.stderr)
        if problems:
            return 1
        print(f"[facecourse] {len(chosen)} notebooks match their text sources")
        return 0
    changed_solutions = []
    for source in chosen:
        path, what = notebooks.build(source, execute_changed=not args.no_execute, force=args.force)
        print(f"[facecourse] {path.relative_to(ROOT)}: {what}", flush=True)
        if source.parent.name == "solutions" and (what != "unchanged" or names):
            changed_solutions.append(source.stem)
    if changed_solutions:
        for nb in exercises.generate_exercises(changed_solutions, run_tests=False):
            print(f"[facecourse] {nb.relative_to(ROOT)}: generated", flush=True)
    return 0


def cmd_grade(args, extra=()) -> int:
    """Grade a folder of submissions into a gradebook, feedback files and manual-scoring sheets."""
    from . import grading
    from .grading.collect import visible

    try:
        note = grading.solutions_note(args.solutions)
        if note:
            print(f"[facecourse] {note}", file=sys.stderr, flush=True)
        if not args.no_sandbox:
            from .grading import cgroups

            print(f"[facecourse] sandbox limits: {cgroups.backend().note}", file=sys.stderr, flush=True)
        book = grading.grade_folder(args.submissions, args.out, assignment=args.assignment, workers=args.workers,
                                    cell_timeout=args.cell_timeout, total_timeout=args.timeout,
                                    test_timeout=args.test_timeout, cell_cpu=args.cell_cpu, sandbox=not args.no_sandbox,
                                    solutions=args.solutions, scheduler=args.scheduler)
    except grading.GradingError as exc:
        print(f"[facecourse] {exc}", file=sys.stderr)
        return 2
    out = Path(args.out)
    graded = book[book["question"] != ""]
    print(f"[facecourse] {book['file'].nunique()} files, {graded['student'].nunique()} students graded; "
          f"wrote {out / 'gradebook.csv'}, {out / 'feedback'}/, {out / 'manual'}/")
    ungraded = book[book["question"] == ""]
    for _, r in ungraded.iterrows():
        print(f"  not graded: {visible(str(r['file']))}: {visible(str(r['status']))}")  # no terminal escapes
    return 0


def cmd_grade_worker(args, extra=()) -> int:
    """Run a dask worker that grades submissions for ``grade --scheduler`` (after checking this machine)."""
    import shutil
    import tempfile

    from .classroom import cluster
    from .grading import GradingError, require_sandbox

    _fetch("teaching", args.mirror)  # the exercises read the course data: verified before any grading
    try:
        require_sandbox(True)  # a grading worker always sandboxes students' code
    except GradingError as exc:
        print(f"[facecourse] this machine cannot grade: {exc}", file=sys.stderr)
        return 2
    scratch = tempfile.mkdtemp(prefix="facecourse-dask-")  # private (0700); dask keeps its lock files here
    cmd, env = cluster.worker_command(args.scheduler, args.nthreads, args.name, scratch)
    print(f"[facecourse] grading worker for {args.scheduler} (course fingerprint {cluster.fingerprint()}); "
          "Ctrl-C to stop", flush=True)
    try:
        return subprocess.call(cmd, env=env)
    except KeyboardInterrupt:
        return 130
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def cmd_link(args, extra=()) -> int:
    """Print the nbgitpuller link that pulls the course into a student's hub home and opens a notebook."""
    from .classroom import hub

    path = args.path.strip("/")
    if args.repo is None and not (ROOT / path).exists():
        print(f"[facecourse] {path} is not a file or folder of the course", file=sys.stderr)
        return 2
    try:
        print(hub.nbgitpuller_link(args.hub, path, repo=args.repo, branch=args.branch, target=args.target))
    except ValueError as exc:
        print(f"[facecourse] {exc}", file=sys.stderr)
        return 2
    return 0


def cmd_collect(args, extra=()) -> int:
    """Copy one assignment's notebook out of every student's hub home into a submissions folder."""
    from .classroom import hub
    from .grading.collect import visible
    from .grading.report import write_atomic

    if not (ROOT / "exercises" / f"{args.assignment}.ipynb").is_file():
        print(f"[facecourse] no exercise called {args.assignment!r} (see exercises/)", file=sys.stderr)
        return 2
    try:
        found = hub.collect_from_homes(args.homes, args.assignment, args.out, folder=args.folder, prefix=args.prefix)
    except ValueError as exc:
        print(f"[facecourse] {exc}", file=sys.stderr)
        return 2
    record = Path(args.record) if args.record else Path(str(Path(args.out).resolve()) + ".csv")
    write_atomic(record, hub.collected_csv(found))
    got = [c for c in found if c.status == "collected"]
    print(f"[facecourse] {len(got)} of {len(found)} homes: {args.assignment}.ipynb copied to {args.out}/<student>/; "
          f"record in {record}")
    for c in found:
        if c.status != "collected":
            print(f"  {visible(c.home)}: {c.status}")
    return 0


def cmd_export(args, extra=()) -> int:
    """Write the gradebook as a Canvas import CSV and Gradescope-style results.json files, with late flags."""
    from .classroom import lms
    from .grading.collect import visible

    if not (args.canvas or args.gradescope):
        print("[facecourse] say what to export: --canvas, --gradescope, or both", file=sys.stderr)
        return 2
    columns = {}
    for spec in args.canvas_column or []:
        assignment, sep, column = spec.partition("=")
        if not sep or not assignment or not column:
            print(f"[facecourse] --canvas-column takes ASSIGNMENT=COLUMN, not {spec!r}", file=sys.stderr)
            return 2
        columns[assignment] = column
    try:
        done = lms.export(args.grades, args.out, roster=args.roster, match=args.match, canvas=args.canvas,
                          gradescope=args.gradescope, deadline=args.deadline, submitted=args.submitted,
                          penalty_per_day=args.penalty_per_day, visibility=args.hidden_visibility, columns=columns)
    except (lms.ExportError, OSError) as exc:
        print(f"[facecourse] {exc}", file=sys.stderr)
        return 2
    for path in done.files[:3]:
        print(f"[facecourse] wrote {path}")
    if len(done.files) > 3:
        print(f"[facecourse] ... and {len(done.files) - 3} more files")
    if args.deadline:
        print(f"[facecourse] {done.late} late submission(s) (late.csv)")
    for what, names in (("not in the roster, left out", done.not_in_roster),
                        ("no submission time, not flagged", done.no_submission_time)):
        if names:
            print(f"[facecourse] {what}: {', '.join(visible(n) for n in names)}", file=sys.stderr)
    if done.pending:
        print(f"[facecourse] {done.pending} grade(s) leave out written questions still awaiting a manual score "
              "(fill in grades/manual/, run grade again, then export)", file=sys.stderr)
    return 0


def cmd_lessons(args, extra=()) -> int:
    """Re-execute lessons from their sources so their stored outputs are fresh (maintainers)."""
    from .authoring import notebooks

    try:
        chosen = notebooks.find(notebook_names(args.notebooks) or None, kinds=("lessons",))
    except ValueError as exc:
        print(f"[facecourse] {exc}", file=sys.stderr)
        return 2
    for source in chosen:
        path, what = notebooks.build(source, force=True)
        print(f"[facecourse] {path.relative_to(ROOT)}: {what}", flush=True)
    return 0


def cmd_embeddings(args, extra=()) -> int:
    """Rebuild datasets/embeddings/ from all LFW images (parallel over cores, resumable)."""
    from .matching import precomputed

    _fetch("all", args.mirror)
    meta = precomputed.build(workers=args.workers)
    print(f"[facecourse] wrote {precomputed.OUT_DIR.relative_to(ROOT)}: {meta['images']} images, "
          f"detectors {meta['detectors_used']}, {meta['build_seconds_this_run']} s on {meta['workers']} workers")
    return 0


# --------------------------------------------------------------------------------------------
# maintainers: badges, optional accelerated dlib

README = ROOT / "README.md"


def binder_url(notebook: str, repo: str | None = None, ref: str | None = None) -> str:
    """The Binder link that opens ``notebook`` (a repository path) in JupyterLab.

    ``repo``/``ref`` default to ``[tool.facecourse] binder_repo``/``binder_ref`` in pyproject.toml,
    the one place a fork changes. Example: ``binder_url("lessons/B1_detection.ipynb")``.
    """
    from urllib.parse import quote

    cfg = _course().config()
    return (f"https://mybinder.org/v2/gh/{repo or cfg['binder_repo']}/{ref or cfg['binder_ref']}"
            f"?labpath={quote(notebook, safe='')}")


_BADGE_URL = r"https://mybinder\.org/v2/gh/[^)\s?]+\?labpath=([^)\s&]+)"


def rewrite_badges(text: str) -> str:
    """``text`` with every Binder link pointing at the configured repository and ref."""
    import re
    from urllib.parse import unquote

    return re.sub(_BADGE_URL, lambda m: binder_url(unquote(m.group(1))), text)


def cmd_badges(args, extra=()) -> int:
    """Point the README's Binder badges at ``[tool.facecourse] binder_repo`` (or --check them)."""
    text = README.read_text(encoding="utf-8")
    new = rewrite_badges(text)
    if args.check:
        if new != text:
            print("[facecourse] README's Binder links differ from pyproject's binder_repo: "
                  "run `python3 course.py badges`", file=sys.stderr)
            return 1
        print("[facecourse] README's Binder links match pyproject.toml")
        return 0
    README.write_text(new, encoding="utf-8")
    print(f"[facecourse] README Binder links now point at {binder_url('').split('?')[0]}")
    return 0


ACCEL_VENV = ROOT / ".venv-accel"
WHEELS = BUILD / "wheels"


def cmd_accel_dlib(args, extra=()) -> int:
    """Optional: build dlib from source against OpenBLAS (~16 min on 2 cores) into .venv-accel.

    Never part of the default setup or CI. The wheel is cached in build/wheels/, so a second run
    only recreates the environment. Compare with `python benchmarks/pipeline.py`. The system
    packages it needs are ``[tool.facecourse.accelerated] apt`` in pyproject.toml.
    """
    import glob
    import re
    import shutil
    import venv

    course = _course()
    apt = course.config()["accelerated"]["apt"]
    pin = re.search(r"^dlib-bin==([\w.]+)", course.LOCK.read_text(), re.MULTILINE)
    dlib_version = pin.group(1).split(".post")[0]
    wheel = sorted(glob.glob(str(WHEELS / f"dlib-{dlib_version}-*.whl")))
    if not wheel:
        have_blas = any(glob.glob(pattern) for pattern in ("/usr/include/*/cblas.h", "/usr/include/cblas.h",
                                                           "/usr/include/*/openblas*/cblas.h"))
        if not (have_blas and shutil.which("cmake")):
            if hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
                subprocess.call(["apt-get", "update", "-qq"])
                if subprocess.call(["apt-get", "install", "-y", "-qq", *apt]):
                    return 1
            else:
                print(f"[facecourse] needs cmake and OpenBLAS: sudo apt-get install -y {' '.join(apt)}",
                      file=sys.stderr)
                return 1
        print(f"[facecourse] building dlib {dlib_version} from source with OpenBLAS (about 16 minutes)...", flush=True)
        rc = subprocess.call([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-binary", "dlib",
                              "-w", str(WHEELS), f"dlib=={dlib_version}"])
        if rc:
            return rc
        wheel = sorted(glob.glob(str(WHEELS / f"dlib-{dlib_version}-*.whl")))
    venv.EnvBuilder(with_pip=True, clear=True).create(ACCEL_VENV)
    py = ACCEL_VENV / "bin" / "python"
    course.install(py)  # the same locked pins as .venv, then dlib-bin swapped for the source build
    pip = [str(py), "-m", "pip", "--disable-pip-version-check"]
    for cmd in (pip + ["uninstall", "-y", "dlib-bin"], pip + ["install", "-q", "--no-deps", wheel[-1]]):
        if subprocess.call(cmd):
            return 1
    out = subprocess.check_output([str(py), "-c", "import dlib; print(dlib.__version__, dlib.DLIB_USE_BLAS)"],
                                  text=True)
    print(f"[facecourse] .venv-accel ready: dlib {out.strip()} (version, uses BLAS)")
    return 0


def cmd_install(args, extra=()) -> int:
    """Install the locked pins (course.py does this itself; here for `python -m facecourse.cli`)."""
    course = _course()
    course.install(Path(sys.executable))
    if args.hub:
        course.install_hub(Path(sys.executable))
    return 0


def cmd_lock(args, extra=()) -> int:
    _course().lock(args.upgrade_package, args.upgrade)
    return 0


# --------------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="python3 course.py", allow_abbrev=False,
        description="The facecourse command. `python3 course.py lab` runs the course; "
                    "`python3 course.py test` runs every test. Paths are read from your current directory.")
    sub = ap.add_subparsers(dest="cmd", required=True, metavar="COMMAND")

    def add(name, func, text, epilog=None):
        p = sub.add_parser(name, help=text, description=text, epilog=epilog, allow_abbrev=False,
                           formatter_class=argparse.RawDescriptionHelpFormatter)
        p.set_defaults(func=func)
        return p

    def mirror(p):
        p.add_argument("--mirror", help="local folder/archive with lfw/ and examples/ (default $FACECOURSE_MIRROR)")

    p = add("lab", cmd_lab, "fetch and verify the data, then start JupyterLab on 127.0.0.1")
    p.add_argument("--subset", default="teaching", choices=data.LFW_SUBSETS)
    p.add_argument("--port", type=int, default=8888)
    p.add_argument("--no-browser", action="store_true")
    mirror(p)
    p = add("test", cmd_test, "run every test: unit tests and all notebooks under nbval",
            epilog="Any other option or path goes to pytest, e.g.\n"
                   "  python3 course.py test -x -k data tests/test_data.py\n"
                   "  python3 course.py test lessons/B1_detection.ipynb     (nbval, stored outputs compared)\n"
                   "  python3 course.py test solutions/B1_detection.ipynb   (nbval-lax: every cell runs)\n"
                   "With test paths only those run; without, everything: tests/, lessons/ (stored outputs\n"
                   "compared), exercises/ and solutions/ (every cell runs), in one pytest session on all\n"
                   "cores (pytest-xdist; -n 0 for one process).")
    mirror(p)
    p = add("data", cmd_data, "fetch and verify course data")
    p.add_argument("--subset", default="teaching", choices=data.LFW_SUBSETS)
    mirror(p)
    p = add("verify", cmd_verify, "verify the data in the cache (exit 1 naming each bad file)")
    p.add_argument("--subset", default="teaching", choices=data.LFW_SUBSETS)
    p = add("build", cmd_build, "build lessons/ and solutions/ from sources/*.py, then the changed exercises")
    p.add_argument("names", nargs="*", help="notebook names such as B4_verification, or paths (default: all)")
    p.add_argument("--check", action="store_true", help="only report notebooks that differ from their source")
    p.add_argument("--force", action="store_true", help="re-execute lessons even if their cells did not change")
    p.add_argument("--no-execute", action="store_true", help="write changed lessons without outputs (drafts)")
    p = add("exercises", cmd_exercises, "generate exercises/ from solutions/ (or --check that it is current)")
    p.add_argument("names", nargs="*", help="exercise names such as B4_verification, or paths (default: all)")
    p.add_argument("--check", action="store_true")
    p = add("grade", cmd_grade, "grade a folder of submissions (gradebook.csv, feedback/, manual/)")
    p.add_argument("submissions", help="folder: one sub-folder per student, or <student>__<name>.ipynb/.zip files")
    p.add_argument("--out", default="grades", help="output folder (default: grades/)")
    p.add_argument("--assignment", help="grade only this assignment (others are listed as wrong assignment)")
    p.add_argument("--workers", type=int, default=None,
                   help="parallel submissions (default: all cores; with --scheduler, the cluster's threads)")
    p.add_argument("--cell-timeout", type=float, default=60.0, help="seconds one cell may run (default 60)")
    p.add_argument("--timeout", type=float, default=900.0, help="seconds one submission may take (default 900)")
    p.add_argument("--test-timeout", type=float, default=None,
                   help="seconds one test case may run (default: the cell timeout, at most 30)")
    p.add_argument("--cell-cpu", type=float, default=None,
                   help="CPU seconds one cell may compute (default: the cell timeout, at most 30)")
    p.add_argument("--solutions", metavar="FOLDER",
                   help="your PRIVATE solutions folder (<assignment>.ipynb with hidden tests); default: the "
                        "repository's solutions/, whose hidden tests are public")
    p.add_argument("--no-sandbox", action="store_true",
                   help="grade without bubblewrap: students' code then runs with YOUR rights (accept the risk)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="grade on a dask.distributed cluster (tcp://HOST:8786; workers: `course.py grade-worker`); "
                        "the gradebook and feedback are written here, as in a local run")
    p = add("grade-worker", cmd_grade_worker,
            "run a dask worker that grades submissions for `grade --scheduler` (checks the sandbox and data first)")
    p.add_argument("scheduler", help="the dask scheduler's address, e.g. tcp://10.0.0.5:8786")
    p.add_argument("--nthreads", type=int, default=None, help="submissions graded at once (default: all cores)")
    p.add_argument("--name", help="the worker's name on the scheduler (default: host name and process id)")
    mirror(p)
    p = add("link", cmd_link, "print the nbgitpuller link that opens a course notebook on a JupyterHub")
    p.add_argument("--hub", required=True, help="the hub's address, e.g. https://hub.example.edu")
    p.add_argument("--path", default="lessons/00_start_here.ipynb",
                   help="the notebook or folder to open (default: lessons/00_start_here.ipynb)")
    p.add_argument("--repo", help="the git repository to pull (default: pyproject's binder_repo on GitHub)")
    p.add_argument("--branch", help="its branch (default: binder_ref, or the repository's default branch)")
    p.add_argument("--target", help="the folder in each student's home (default: the repository's name)")
    p = add("collect", cmd_collect, "copy an assignment's notebook from every student's hub home (for grade)")
    p.add_argument("homes", help="the folder holding the students' homes (e.g. /home)")
    p.add_argument("--assignment", required=True, help="the exercise, e.g. B4_verification")
    p.add_argument("--out", default="submissions", help="submissions folder to write (default: submissions/)")
    p.add_argument("--folder", default="facecourse",
                   help="where the course sits in each home (the link's target; default: facecourse)")
    p.add_argument("--prefix", default="", help="user-name prefix to strip, e.g. jupyter- (The Littlest JupyterHub)")
    p.add_argument("--record", help="the collection record CSV (default: the --out folder's name + .csv)")
    p = add("export", cmd_export, "write the gradebook for Canvas (CSV) and Gradescope (results.json), with late flags")
    p.add_argument("grades", help="the folder `grade` wrote (gradebook.csv, feedback/)")
    p.add_argument("--out", help="where to write (default: GRADES/export/)")
    p.add_argument("--canvas", action="store_true", help="canvas.csv in Canvas's gradebook import format")
    p.add_argument("--gradescope", action="store_true",
                   help="gradescope/<assignment>/<student>/results.json (Gradescope's autograder results format)")
    p.add_argument("--roster", help="CSV mapping gradebook names to the LMS (a Canvas gradebook export works)")
    p.add_argument("--match", default="SIS Login ID",
                   help="the roster column holding the gradebook's student names (default: SIS Login ID)")
    p.add_argument("--canvas-column", action="append", metavar="ASSIGNMENT=COLUMN",
                   help="the Canvas column of an assignment, e.g. 'B4_verification=B4 (12345)' (repeatable)")
    p.add_argument("--deadline", help="flag work handed in after this time (ISO 8601, e.g. 2026-12-01T23:59:00+01:00)")
    p.add_argument("--submitted", help="submission times: the record `collect` wrote, a CSV (student, submitted), "
                                       "or the submissions folder (file times)")
    p.add_argument("--penalty-per-day", type=float, default=0.0, metavar="PERCENT",
                   help="take PERCENT of the points off per started day late (default 0: only flag)")
    p.add_argument("--hidden-visibility", default="after_published", choices=("hidden", "after_due_date",
                                                                                "after_published", "visible"),
                   help="Gradescope visibility of question scores, which include hidden tests (default after_published)")
    p = add("lessons", cmd_lessons, "re-execute lessons from their sources (refresh stored outputs)")
    p.add_argument("notebooks", nargs="*", help="lesson names or paths (default: all)")
    p = add("embeddings", cmd_embeddings, "recompute the committed LFW embeddings (about 30 min on 2 cores)")
    p.add_argument("--workers", type=int, default=None, help="processes (default: all cores)")
    mirror(p)
    add("accel-dlib", cmd_accel_dlib, "optional: build dlib against OpenBLAS into .venv-accel (~16 min)")
    p = add("install", cmd_install, "create/update .venv from the lock (the other commands do this when needed)")
    p.add_argument("--current-python", action="store_true",
                   help="install into the Python running course.py instead of .venv (Binder, conda)")
    p.add_argument("--hub", action="store_true",
                   help="also what a classroom JupyterHub needs: Node.js, npm and git (apt, when missing) and "
                        "the hub's proxy (configurable-http-proxy, from hub/package-lock.json)")
    p = add("lock", cmd_lock, "re-resolve pyproject.toml into requirements.lock (maintainers; needs PyPI)")
    p.add_argument("--upgrade-package", "-P", action="append", metavar="NAME",
                   help="let this package move to its newest allowed version (repeatable)")
    p.add_argument("--upgrade", action="store_true", help="let every package move (a new lock)")
    p = add("badges", cmd_badges, "point the README's Binder links at pyproject's binder_repo (or --check)")
    p.add_argument("--check", action="store_true")
    return ap


# arguments whose value is a path from the user's directory (grade's folders and --solutions, --mirror)
_PATH_ARGUMENTS = ("submissions", "out", "mirror", "solutions", "homes", "record", "grades", "roster", "submitted")


def parse_args(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    """Parse ``argv``; return (arguments, words passed through to pytest). Exits on bad usage.

    Only ``test`` passes unknown words on (to pytest); for other commands they are an error.
    Path arguments are made absolute from the current directory.
    """
    ap = build_parser()
    args, extra = ap.parse_known_args(argv)
    if extra and args.cmd != "test":
        ap.error(f"unrecognized arguments: {' '.join(extra)}")
    for name in _PATH_ARGUMENTS:
        value = getattr(args, name, None)
        if isinstance(value, str) and value:
            setattr(args, name, _absolute(value))
    return args, extra


def main(argv: list[str] | None = None) -> int:
    for var in PATH_VARIABLES:
        if os.environ.get(var):
            os.environ[var] = _absolute(os.environ[var])
    for var in PATH_LIST_VARIABLES:
        if os.environ.get(var):
            os.environ[var] = os.pathsep.join(_absolute(p) for p in os.environ[var].split(os.pathsep) if p)
    args, extra = parse_args(sys.argv[1:] if argv is None else argv)
    return args.func(args, extra)


if __name__ == "__main__":
    sys.exit(main())
