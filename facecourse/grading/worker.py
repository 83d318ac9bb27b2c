"""Grade one submission with otter-grader's own grading engine, inside the course's guard.

Run by ``facecourse.grading`` as ``python -m facecourse.grading_worker STAGE`` with the working
folder (holding only the student's notebook) as the current directory. ``STAGE`` is a private
folder holding ``job.json``, the autograder's tests and, afterwards, ``results.json``.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import sys
import zipfile
from pathlib import Path

import nbformat

from .guard import GUARD_TEMPLATE, UNLOCK_TEMPLATE

CHECK_CELL = re.compile(r"^grader\.check(_all)?\([^()]*\)$")


def main(stage: str) -> int:
    stage_dir = Path(stage).resolve()
    job = json.loads((stage_dir / "job.json").read_text())
    work = Path.cwd().resolve()
    tests_dir = stage_dir / "tests"
    with zipfile.ZipFile(job["autograder"]) as zf:
        for name in zf.namelist():
            if name.startswith("tests/") and name.endswith(".py") and "/" not in name[6:]:
                tests_dir.mkdir(exist_ok=True)
                (tests_dir / name[6:]).write_bytes(zf.read(name))
    token = secrets.token_hex(16)
    nb = nbformat.read(work / job["notebook"], as_version=4)
    # the student's own grader.check cells: the grader runs every test once, at the end, instead
    nb.cells = [c for c in nb.cells if not (c.cell_type == "code" and CHECK_CELL.match(c.source.strip()))]
    guard = GUARD_TEMPLATE.format(private=job["private"] + [str(stage_dir)],
                                  log_path=str(stage_dir / "guard.log"),
                                  token_hash=hashlib.sha256(token.encode()).hexdigest(),
                                  cell_timeout=float(job["cell_timeout"]))
    nb.cells.insert(0, nbformat.v4.new_code_cell(guard))
    nb.cells.append(nbformat.v4.new_code_cell(UNLOCK_TEMPLATE.format(token=token)))
    guarded = stage_dir / "guarded.ipynb"  # private: the kernel cannot read the token from disk
    nbformat.write(nb, guarded)

    from otter.execute import grade_notebook

    results = grade_notebook(str(guarded), tests_glob=sorted(str(p) for p in tests_dir.glob("*.py")),
                             cwd=str(work), test_dir=str(tests_dir), ignore_errors=True)
    out = {}
    for name, tf in results.results.items():
        out[name] = {"score": float(tf.score), "possible": float(tf.possible),
                     "public_passed": bool(getattr(tf, "passed_all_public", tf.passed_all)),
                     "passed_all": bool(tf.passed_all),
                     "public_summary": tf.summary(public_only=True)}
    errors = []
    for cell in results.notebook.cells:
        for o in cell.get("outputs", []):
            if o.get("output_type") == "error":
                errors.append(f"{o.get('ename')}: {o.get('evalue')}"[:300])
    blocked = (stage_dir / "guard.log").read_text().splitlines() if (stage_dir / "guard.log").exists() else []
    catastrophic = results.catastrophic_error
    (stage_dir / "results.json").write_text(json.dumps({
        "questions": out, "errors": errors, "blocked": blocked,
        "catastrophic": None if catastrophic is None else repr(catastrophic)}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
