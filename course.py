#!/usr/bin/env python3
"""facecourse: the one entry point.

    python3 course.py lab      # set up what is missing, fetch + verify data, start JupyterLab
    python3 course.py test     # every test: unit tests and every notebook under nbval

Other commands: data, verify, exercises, lessons, lock (``python3 course.py --help``).

This file uses only the standard library. It creates a virtual environment in ``.venv``
(once, and again whenever the pinned requirements change), installs the exact pins with
prebuilt wheels only (dlib comes from the ``dlib-bin`` wheel, never compiled), then runs the
command inside that environment (``facecourse.cli``).

Set ``FACECOURSE_USE_CURRENT_PYTHON=1`` to skip the virtual environment and use the Python
that runs this file (Binder and conda users, where ``environment.yml`` already installed
everything).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
REQUIREMENTS = ["requirements.txt", "requirements-dlib.txt", "requirements-nodeps.txt", "pyproject.toml"]
STAMP = VENV / ".facecourse-requirements.sha256"


def _say(msg: str) -> None:
    print(f"[facecourse] {msg}", flush=True)


def _venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _requirements_digest() -> str:
    h = hashlib.sha256(sys.version.split()[0].encode())
    for name in REQUIREMENTS:
        h.update((ROOT / name).read_bytes())
    return h.hexdigest()


def _run(cmd: list, **kw) -> None:
    _say("$ " + " ".join(str(c) for c in cmd))
    rc = subprocess.call([str(c) for c in cmd], **kw)
    if rc != 0:
        sys.exit(f"[facecourse] FAILED (exit {rc}): {' '.join(str(c) for c in cmd)}")


def ensure_environment() -> Path:
    """Return the Python to run the course with, creating/updating ``.venv`` if needed."""
    if os.environ.get("FACECOURSE_USE_CURRENT_PYTHON") == "1":
        return Path(sys.executable)
    if sys.version_info[:2] != (3, 11):
        _say(f"warning: the pins are tested on Python 3.11; this is {sys.version.split()[0]}")
    digest = _requirements_digest()
    py = _venv_python()
    if py.exists() and STAMP.exists() and STAMP.read_text().strip() == digest:
        return py
    if not py.exists():
        _say(f"creating a virtual environment in {VENV}")
        try:
            venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
        except Exception as exc:  # e.g. Debian's python3 without python3-venv
            sys.exit(
                f"[facecourse] could not create {VENV}: {exc}\n"
                "On Debian/Ubuntu install venv support first:  apt-get install -y python3-venv"
            )
    _say("installing the pinned packages (prebuilt wheels only; a few minutes the first time)")
    # Wheels only, so nothing is ever compiled; face_recognition_models (pure data, 100 MB of
    # model files) is published only as a source archive that needs no compiler.
    pip = [py, "-m", "pip", "install", "--disable-pip-version-check",
           "--only-binary=:all:", "--no-binary=face_recognition_models"]
    _run(pip + ["-r", ROOT / "requirements.txt", "-r", ROOT / "requirements-dlib.txt"])
    # face_recognition declares a dependency on the dlib sdist, which pip would compile for
    # ~25 minutes; dlib-bin already provides dlib, so install it without dependencies.
    _run(pip + ["--no-deps", "-r", ROOT / "requirements-nodeps.txt"])
    # the course's own package, editable, so notebooks in any folder can `import facecourse`
    _run([py, "-m", "pip", "install", "--disable-pip-version-check", "--no-deps", "--no-build-isolation",
          "-e", ROOT])
    STAMP.write_text(digest + "\n")
    return py


def main(argv: list[str]) -> int:
    if argv[:1] in (["-h"], ["--help"], []):
        print(__doc__)
        if not argv:
            return 2
        argv = ["--help"]
    py = ensure_environment()
    return subprocess.call([str(py), "-m", "facecourse.cli", *argv], cwd=ROOT)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
