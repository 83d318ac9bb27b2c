"""Commands of ``python3 course.py`` once the environment exists (run as ``python -m facecourse.cli``)."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from . import data

ROOT = data.ROOT
NOTEBOOK_DIRS = ("lessons", "exercises", "solutions")
SANITIZE = ROOT / "tests" / "nbval_sanitize.cfg"


def _fetch(subset: str, mirror: str | None) -> None:
    try:
        report = data.fetch(subset, mirror)
    except data.DataError as exc:
        sys.exit(f"[facecourse] data problem: {exc}")
    print(f"[facecourse] data verified in {data.cache_dir()}: {report.summary()}", flush=True)


def cmd_lab(args) -> int:
    _fetch(args.subset, args.mirror)
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


def _pytest(args: list[str]) -> int:
    cmd = [sys.executable, "-m", "pytest", *args]
    print("[facecourse] $ " + " ".join(cmd), flush=True)
    return subprocess.call(cmd, cwd=ROOT)


def cmd_test(args) -> int:
    _fetch("teaching", args.mirror)
    extra = list(args.pytest_args)
    # 1. unit tests and the lessons, whose stored outputs nbval compares (volatile parts sanitised)
    rc1 = _pytest(["tests", "lessons", "--nbval", "--nbval-sanitize-with", str(SANITIZE), *extra])
    # 2. exercises and solutions: every cell must run; they are stored without outputs.
    #    (Solution notebooks contain the real tests, public and hidden, as assert cells.)
    rc2 = _pytest(["exercises", "solutions", "--nbval-lax", *extra])
    failed = [name for name, rc in (("unit tests + lessons", rc1), ("exercises + solutions", rc2)) if rc]
    if failed:
        print(f"[facecourse] FAILED: {', '.join(failed)}", file=sys.stderr, flush=True)
        return 1
    print("[facecourse] all tests passed", flush=True)
    return 0


def cmd_data(args) -> int:
    _fetch(args.subset, args.mirror)
    return 0


def cmd_verify(args) -> int:
    return data.main(["verify", "--subset", args.subset])


def cmd_exercises(args) -> int:
    """Generate exercises/ from solutions/ (all, or the names given), or --check them."""
    from .authoring import exercises

    try:
        if args.check:
            problems = exercises.check_exercises(args.names or None)
            for p in problems:
                print(p, file=sys.stderr)
            if problems:
                print("[facecourse] exercises/ is out of date: run `python3 course.py exercises`", file=sys.stderr)
                return 1
            print("[facecourse] exercises/ matches a fresh generation from solutions/")
            return 0
        for nb in exercises.generate_exercises(args.names or None):
            print(f"[facecourse] wrote {nb.relative_to(ROOT)}")
    except exercises.ExerciseError as exc:
        print(f"[facecourse] {exc}", file=sys.stderr)
        return 2
    return 0


def cmd_build(args) -> int:
    """Build lessons/ and solutions/ from sources/ (then the exercises of changed solutions), or --check."""
    from .authoring import exercises, notebooks

    try:
        chosen = notebooks.find(args.names or None)
    except ValueError as exc:
        print(f"[facecourse] {exc}", file=sys.stderr)
        return 2
    if args.check:
        problems = notebooks.check(args.names or None)
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
        if source.parent.name == "solutions" and (what != "unchanged" or args.names):
            changed_solutions.append(source.stem)
    if changed_solutions:
        for nb in exercises.generate_exercises(changed_solutions, run_tests=False):
            print(f"[facecourse] {nb.relative_to(ROOT)}: generated", flush=True)
    return 0


def cmd_grade(args) -> int:
    """Grade a folder of submissions into a gradebook, feedback files and manual-scoring sheets."""
    from . import grading

    try:
        book = grading.grade_folder(args.submissions, args.out, assignment=args.assignment, workers=args.workers,
                                    cell_timeout=args.cell_timeout, total_timeout=args.timeout)
    except grading.GradingError as exc:
        print(f"[facecourse] {exc}", file=sys.stderr)
        return 2
    out = Path(args.out)
    graded = book[book["question"] != ""]
    print(f"[facecourse] {book['file'].nunique()} files, {graded['student'].nunique()} students graded; "
          f"wrote {out / 'gradebook.csv'}, {out / 'feedback'}/, {out / 'manual'}/")
    ungraded = book[book["question"] == ""]
    for _, r in ungraded.iterrows():
        print(f"  not graded: {r['file']}: {r['status']}")
    return 0


def cmd_lessons(args) -> int:
    """Re-execute lessons from their sources so their stored outputs are fresh (maintainers)."""
    from .authoring import notebooks

    try:
        chosen = notebooks.find(args.notebooks or None, kinds=("lessons",))
    except ValueError as exc:
        print(f"[facecourse] {exc}", file=sys.stderr)
        return 2
    for source in chosen:
        path, what = notebooks.build(source, force=True)
        print(f"[facecourse] {path.relative_to(ROOT)}: {what}", flush=True)
    return 0


def cmd_embeddings(args) -> int:
    """Rebuild datasets/embeddings/ from all LFW images (parallel over cores, resumable)."""
    from . import embeddings

    _fetch("all", args.mirror)
    meta = embeddings.build(workers=args.workers)
    print(f"[facecourse] wrote {embeddings.OUT_DIR.relative_to(ROOT)}: {meta['images']} images, "
          f"detectors {meta['detectors_used']}, {meta['build_seconds_this_run']} s on {meta['workers']} workers")
    return 0


ACCEL_VENV = ROOT / ".venv-accel"
WHEELS = ROOT / "build" / "wheels"


def cmd_accel_dlib(args) -> int:
    """Optional: build dlib from source against OpenBLAS (~16 min on 2 cores) into .venv-accel.

    Never part of the default setup or CI. The wheel is cached in build/wheels/, so a second run
    only recreates the environment. Compare with `python benchmarks/pipeline.py`.
    """
    import glob
    import shutil
    import venv

    dlib_version = (ROOT / "requirements-dlib.txt").read_text().split("==")[1].split(".post")[0].strip()
    wheel = sorted(glob.glob(str(WHEELS / f"dlib-{dlib_version}-*.whl")))
    if not wheel:
        have_blas = any(glob.glob(pattern) for pattern in ("/usr/include/*/cblas.h", "/usr/include/cblas.h",
                                                           "/usr/include/*/openblas*/cblas.h"))
        if not (have_blas and shutil.which("cmake")):
            if hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
                subprocess.call(["apt-get", "update", "-qq"])
                if subprocess.call(["apt-get", "install", "-y", "-qq", "cmake", "libopenblas-dev"]):
                    return 1
            else:
                print("[facecourse] needs cmake and OpenBLAS: sudo apt-get install -y cmake libopenblas-dev",
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
    pip = [str(py), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    for cmd in (pip + ["-r", str(ROOT / "requirements.txt"), wheel[-1]],
                pip + ["--no-deps", "-r", str(ROOT / "requirements-nodeps.txt")],
                pip + ["--no-deps", "--no-build-isolation", "-e", str(ROOT)]):
        if subprocess.call(cmd):
            return 1
    out = subprocess.check_output([str(py), "-c", "import dlib; print(dlib.__version__, dlib.DLIB_USE_BLAS)"],
                                  text=True)
    print(f"[facecourse] .venv-accel ready: dlib {out.strip()} (version, uses BLAS)")
    return 0


def cmd_lock(args) -> int:
    """Re-resolve requirements.in into the exact pins of requirements.txt in a scratch venv."""
    import tempfile
    import venv

    with tempfile.TemporaryDirectory() as tmp:
        venv.EnvBuilder(with_pip=True).create(tmp)
        py = Path(tmp) / "bin" / "python"
        subprocess.check_call([py, "-m", "pip", "install", "-q", "-r", ROOT / "requirements.in",
                               "-r", ROOT / "requirements-dlib.txt"])
        frozen = subprocess.check_output([py, "-m", "pip", "freeze", "--all", "--exclude", "pip",
                                          "--exclude", "dlib-bin"], text=True)
    header = ("# Exact pins for the course (pip). Generated from requirements.in by `python3 course.py lock`;\n"
              "# do not edit by hand. dlib-bin: requirements-dlib.txt; face_recognition: requirements-nodeps.txt.\n")
    (ROOT / "requirements.txt").write_text(header + frozen)
    print("[facecourse] wrote requirements.txt; update environment.yml's conda pins to match (a test checks)")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python3 course.py")
    sub = ap.add_subparsers(dest="cmd", required=True)

    def add(name, func, text):
        p = sub.add_parser(name, help=text, description=text)
        p.set_defaults(func=func)
        return p

    def mirror(p):
        p.add_argument("--mirror", help="local folder/archive with lfw/ and examples/ (default $FACECOURSE_MIRROR)")

    p = add("lab", cmd_lab, "fetch and verify the data, then start JupyterLab on 127.0.0.1")
    p.add_argument("--subset", default="teaching", choices=data.LFW_SUBSETS)
    p.add_argument("--port", type=int, default=8888)
    p.add_argument("--no-browser", action="store_true")
    mirror(p)
    p = add("test", cmd_test, "run every test: unit tests and all notebooks under nbval")
    p.add_argument("pytest_args", nargs=argparse.REMAINDER, help="extra pytest arguments, e.g. -x -k data")
    mirror(p)
    p = add("data", cmd_data, "fetch and verify course data")
    p.add_argument("--subset", default="teaching", choices=data.LFW_SUBSETS)
    mirror(p)
    p = add("verify", cmd_verify, "verify the data in the cache (exit 1 naming each bad file)")
    p.add_argument("--subset", default="teaching", choices=data.LFW_SUBSETS)
    p = add("build", cmd_build, "build lessons/ and solutions/ from sources/*.py, then the changed exercises")
    p.add_argument("names", nargs="*", help="notebook names such as B4_verification (default: all)")
    p.add_argument("--check", action="store_true", help="only report notebooks that differ from their source")
    p.add_argument("--force", action="store_true", help="re-execute lessons even if their cells did not change")
    p.add_argument("--no-execute", action="store_true", help="write changed lessons without outputs (drafts)")
    p = add("exercises", cmd_exercises, "generate exercises/ from solutions/ (or --check that it is current)")
    p.add_argument("names", nargs="*", help="exercise names such as B4_verification (default: all)")
    p.add_argument("--check", action="store_true")
    p = add("grade", cmd_grade, "grade a folder of submissions (gradebook.csv, feedback/, manual/)")
    p.add_argument("submissions", help="folder: one sub-folder per student, or <student>__<name>.ipynb/.zip files")
    p.add_argument("--out", default="grades", help="output folder (default: grades/)")
    p.add_argument("--assignment", help="grade only this assignment (others are listed as wrong assignment)")
    p.add_argument("--workers", type=int, default=None, help="parallel submissions (default: all cores)")
    p.add_argument("--cell-timeout", type=float, default=60.0, help="seconds one cell may run (default 60)")
    p.add_argument("--timeout", type=float, default=900.0, help="seconds one submission may take (default 900)")
    p = add("lessons", cmd_lessons, "re-execute lessons from their sources (refresh stored outputs)")
    p.add_argument("notebooks", nargs="*", help="lesson names (default: all)")
    p = add("embeddings", cmd_embeddings, "recompute the committed LFW embeddings (about 30 min on 2 cores)")
    p.add_argument("--workers", type=int, default=None, help="processes (default: all cores)")
    mirror(p)
    add("accel-dlib", cmd_accel_dlib, "optional: build dlib against OpenBLAS into .venv-accel (~16 min)")
    add("lock", cmd_lock, "regenerate requirements.txt from requirements.in")
    args = ap.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
