"""Seconds per submission when grading, for the slowest assignment, one worker vs all cores.

    python benchmarks/grading.py [--copies 8]

Each assignment is graded once from its full-marks reference submission to find the slowest;
then ``--copies`` copies of it are graded with 1 worker and with every core.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from facecourse import grading


def _grade(nbs: dict[str, dict], workers: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        subs = Path(tmp) / "subs"
        for student, nb in nbs.items():
            (subs / student).mkdir(parents=True)
            (subs / student / "submission.ipynb").write_text(json.dumps(nb))
        t0 = time.perf_counter()
        book = grading.grade_folder(subs, Path(tmp) / "out", workers=workers)
        seconds = time.perf_counter() - t0
        bad = book[book["status"].str.startswith(("failed", "partial", "timed", "grader"))]
        if len(bad):
            raise SystemExit(f"reference submissions did not get full marks:\n{bad}")
        return seconds


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--copies", type=int, default=8)
    args = ap.parse_args()
    refs = {s.stem: grading.reference_submission(s.stem) for s in grading.solution_notebooks()}
    single = {a: _grade({"student": nb}, 1) for a, nb in refs.items()}
    print("| assignment | seconds for one submission |\n|---|---|")
    for a, sec in single.items():
        print(f"| {a} | {sec:.1f} |")
    slowest = max(single, key=single.get)
    copies = {f"student{i:02d}": refs[slowest] for i in range(args.copies)}
    cores = os.cpu_count() or 1
    one = _grade(copies, 1)
    many = _grade(copies, cores)
    print(f"\nSlowest assignment: {slowest}; {args.copies} submissions")
    print(f"| workers | seconds | seconds per submission |\n|---|---|---|")
    print(f"| 1 | {one:.1f} | {one / args.copies:.1f} |")
    print(f"| {cores} | {many:.1f} | {many / args.copies:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
