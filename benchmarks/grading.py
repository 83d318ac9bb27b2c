"""Grading time: per submission with and without the sandbox, and a whole class.

    python benchmarks/grading.py                      # the slowest assignment: sandbox overhead
    python benchmarks/grading.py --class-size 30      # + a class of 30 honest and 5 hostile submissions
    python benchmarks/grading.py --survey             # first time every assignment, then use the slowest
    python benchmarks/grading.py --assignment B4_verification --repeats 3

1. With ``--survey``, every assignment's full-marks reference submission and its blank exercise
   are graded once (sandboxed) to find the slowest assignment. Without it the benchmark uses
   ``SLOWEST`` (what the last survey found) or ``--assignment``.
2. That assignment's reference is graded ``--repeats`` times with the sandbox and without it
   (``sandbox=False``, i.e. ``--no-sandbox``), alternating, one at a time; the table reports the
   median seconds and the sandbox's overhead (wall clock: on a shared machine, run it when idle).
   The assignment's warm process (its given cells, run once per grading run by the trusted side)
   is started first and timed on its own line.
3. With ``--class-size N``: N copies of the reference plus 5 hostile submissions (an infinite loop
   that ignores signals, a fork bomb, a 6 GiB allocation, a C-level crash, a CPU hog of 80 spinning
   processes) are graded by ``grade_folder`` with default settings and ``--workers`` (2); the target is
   under 10 minutes, and no honest row may lose a point.

Every timing is printed with the load average (1 minute) at its end: other work on the machine
slows the wall clock, so compare numbers taken at a similar load, or on an idle machine.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from facecourse import grading
from facecourse.grading import run
from facecourse.grading.collect import Submission

# The slowest assignment per submission, from the last survey (--survey) on the 2-core course machine:
# the capstone crawls its sites (waiting out their crawl delays) and builds indexes of the faces it
# collects; the slowest weekly assignment is A4_provenance_consent (--assignment).
SLOWEST = "D1_capstone_face_search"


def _load() -> str:
    return f"load {os.getloadavg()[0]:.1f}"


def _grade_one(assignment: str, nb: dict, sandbox: bool) -> tuple[float, dict]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{assignment}.ipynb"
        path.write_text(json.dumps(nb), encoding="utf-8")
        t0 = time.perf_counter()
        outcome = run._grade_one(Submission("bench", path.name, path, assignment), None, [], 60.0, 900.0,
                                 sandbox=sandbox)
        seconds = time.perf_counter() - t0
    points = {r["question"]: r["points"] for r in outcome.rows if r["points"] is not None}
    return seconds, points


def _hostile(reference: dict) -> dict[str, dict]:
    """Five hostile variants of the reference: each adds one code cell at the end."""
    attacks = {
        "loop_ignoring_signals": "import signal\nfor s in (signal.SIGINT, signal.SIGTERM):\n"
                                 "    signal.signal(s, signal.SIG_IGN)\nwhile True:\n    pass",
        "fork_bomb": "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass",
        "memory": "big = bytearray(6 * 2 ** 30)",
        "c_crash": "import sys\nsys.setrecursionlimit(10 ** 7)\ndef f(n):\n    return f(n + 1)\nf(0)",
        # 80 spinning processes, each in its own session, kept running while the kernel waits (issue 21:
        # without a bound on the sandbox as a whole they cost honest students graded meanwhile points)
        "cpu_hog": "import os, time\nfor _ in range(80):\n    if os.fork() == 0:\n        os.setsid()\n"
                   "        while True:\n            pass\ntime.sleep(30)",
    }
    out = {}
    for name, code in attacks.items():
        nb = copy.deepcopy(reference)
        nb["cells"].append({"cell_type": "code", "id": f"hostile-{name}".replace("_", "-"), "metadata": {},
                            "outputs": [], "execution_count": None, "source": code})
        out[name] = nb
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--assignment", default=SLOWEST, help=f"the assignment to time (default: {SLOWEST})")
    ap.add_argument("--survey", action="store_true", help="time every assignment first and use the slowest")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--class-size", type=int, default=0, help="also grade a class of N honest + 5 hostile")
    ap.add_argument("--workers", type=int, default=2, help="submissions graded at once for the class (default 2)")
    args = ap.parse_args()
    run.require_sandbox(True)
    slowest = args.assignment
    if args.survey:
        single = {}
        print("| assignment | reference (s, sandboxed) | blank exercise (s) | load |\n|---|---|---|---|")
        for sol in grading.solution_notebooks():
            run.autograder_for(sol.stem)
            sec, _ = _grade_one(sol.stem, grading.reference_submission(sol.stem), True)
            blank, _ = _grade_one(sol.stem, json.loads((grading.EXERCISES / sol.name).read_text(encoding="utf-8")),
                                  True)
            single[sol.stem] = sec + blank
            print(f"| {sol.stem} | {sec:.1f} | {blank:.1f} | {_load()} |", flush=True)
        slowest = max(single, key=single.get)
    ref = grading.reference_submission(slowest)
    run.autograder_for(slowest)
    t0 = time.perf_counter()
    run.warm_for(slowest)
    print(f"  warm process (the exercise's given cells, once per assignment and run): "
          f"{time.perf_counter() - t0:.1f} s ({_load()})", flush=True)
    timings = {True: [], False: []}
    for _ in range(args.repeats):
        for sandboxed in (True, False):
            sec, points = _grade_one(slowest, ref, sandboxed)
            timings[sandboxed].append(sec)
            print(f"  {'sandbox' if sandboxed else 'no sandbox'}: {sec:.1f} s ({_load()}), {points}", flush=True)
    if args.repeats:
        med = {k: statistics.median(v) for k, v in timings.items()}
        print(f"\nAssignment: {slowest}; median of {args.repeats} ({_load()})")
        print("| mode | seconds per submission |\n|---|---|")
        print(f"| sandbox (bubblewrap) | {med[True]:.1f} |")
        print(f"| --no-sandbox | {med[False]:.1f} |")
        print(f"| sandbox overhead | {100 * (med[True] / med[False] - 1):+.0f}% |")
    if args.class_size:
        with tempfile.TemporaryDirectory() as tmp:
            subs = Path(tmp) / "subs"
            nbs = {f"honest{i:02d}": ref for i in range(args.class_size)} | _hostile(ref)
            for student, nb in nbs.items():
                (subs / student).mkdir(parents=True)
                (subs / student / f"{slowest}.ipynb").write_text(json.dumps(nb), encoding="utf-8")
            t0 = time.perf_counter()
            book = grading.grade_folder(subs, Path(tmp) / "out", workers=args.workers)
            seconds = time.perf_counter() - t0
        honest = book[book["student"].str.startswith("honest") & (book["status"] != "awaiting manual score")]
        wrong = honest[honest["status"] != "passed"]
        print(f"\nClass of {args.class_size} honest + 5 hostile submissions of {slowest}, {args.workers} workers: "
              f"{seconds:.0f} s ({seconds / 60:.1f} min; target < 10 min; {_load()}); honest rows not full marks: "
              f"{len(wrong)}")
        hostile = book[~book["student"].str.startswith("honest")]
        print(hostile[["student", "question", "points", "status"]].to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
