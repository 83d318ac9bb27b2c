#!/usr/bin/env python3
"""facecourse: the one entry point.

    python3 course.py lab      # set up what is missing, fetch + verify data, start JupyterLab
    python3 course.py test     # every test: unit tests and every notebook under nbval

This file uses only the standard library. ``--help`` (of any command) is answered here, at once,
without creating anything. Every other command first makes sure the virtual environment
``.venv`` exists and matches the lock (``requirements.lock`` + ``requirements-nodeps.lock``,
compiled from ``pyproject.toml`` by ``python3 course.py lock``), then runs the command there
(``facecourse.cli``) in your current directory, so relative paths mean what you expect.

``install(python)`` below is the one install routine: ``.venv`` here, CI through ``course.py``,
and the Binder build (``postBuild``: ``python3 course.py install --current-python``) all use it.
Set ``FACECOURSE_USE_CURRENT_PYTHON=1`` to run the commands with the Python that runs this file
(Binder and conda users, whose environment is already installed).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import time
import tomllib
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
PYPROJECT = ROOT / "pyproject.toml"
LOCK = ROOT / "requirements.lock"
NODEPS_LOCK = ROOT / "requirements-nodeps.lock"
JUPYTER_SETTINGS = ROOT / "jupyter_config"
STAMP_NAME = ".facecourse-lock.sha256"
HUB_DIR = ROOT / "hub"  # the classroom hub: jupyterhub_config.py, and the proxy's npm lock (package*.json)
# what install() depends on: a change to any of these reinstalls on the next command
INSTALL_INPUTS = (LOCK, NODEPS_LOCK, PYPROJECT, JUPYTER_SETTINGS / "overrides.json",
                  JUPYTER_SETTINGS / "jupyter_lab_config.json", JUPYTER_SETTINGS / "ipython_kernel_config.json")


def _say(msg: str) -> None:
    print(f"[facecourse] {msg}", flush=True)


def _run(cmd: list, **kw) -> None:
    _say("$ " + " ".join(str(c) for c in cmd))
    rc = subprocess.call([str(c) for c in cmd], **kw)
    if rc != 0:
        sys.exit(f"[facecourse] FAILED (exit {rc}): {' '.join(str(c) for c in cmd)}")


def config() -> dict:
    """``[tool.facecourse]`` of pyproject.toml (binder_repo, no_deps, locked_extras, lock_tool...)."""
    return tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["tool"]["facecourse"]


# --------------------------------------------------------------------------------------------
# install: the one routine that puts the locked pins into an environment


def _digest(python: Path) -> str:
    version = subprocess.check_output([str(python), "-c", "import sys; print(sys.version)"], text=True)
    h = hashlib.sha256(version.encode())
    for path in INSTALL_INPUTS:
        if path == PYPROJECT:  # only the package's own metadata matters, not tool settings
            h.update(json.dumps(tomllib.loads(path.read_text(encoding="utf-8"))["project"], sort_keys=True).encode())
        else:
            h.update(path.read_bytes())
    return h.hexdigest()


def _prefix(python: Path) -> Path:
    return Path(subprocess.check_output([str(python), "-c", "import sys; print(sys.prefix)"], text=True).strip())


def apply_jupyter_settings(prefix: Path) -> list[Path]:
    """Put the course's Jupyter settings into the environment at ``prefix``; return the files written.

    * ``jupyter_config/overrides.json`` into ``share/jupyter/lab/settings/overrides.json`` (the
      Notifications plugin's defaults: ``fetchNews`` "false", so students are never asked about
      news; ``checkForUpdates`` false);
    * ``jupyter_config/jupyter_lab_config.json`` into ``etc/jupyter/jupyter_lab_config.json`` (the
      server side: ``LabApp.news_url`` null, ``NeverCheckForUpdate``);
    * ``jupyter_config/ipython_kernel_config.json`` into ``etc/ipython/ipython_kernel_config.json``,
      which IPython reads in every kernel this environment's Python runs (JupyterLab, Binder,
      nbval, the grader): it loads ``facecourse.kernel_defaults``, which makes altair draw charts
      offline (its ``mimetype`` renderer) whatever the notebook imports.

    Other keys of existing files are kept; lists (IPython's ``extensions``) gain the course's
    entries and keep their own.
    """
    written = []
    for source, target in (("overrides.json", prefix / "share" / "jupyter" / "lab" / "settings" / "overrides.json"),
                           ("jupyter_lab_config.json", prefix / "etc" / "jupyter" / "jupyter_lab_config.json"),
                           ("ipython_kernel_config.json", prefix / "etc" / "ipython" / "ipython_kernel_config.json")):
        merged = json.loads(target.read_text(encoding="utf-8")) if target.is_file() else {}
        for section, settings in json.loads((JUPYTER_SETTINGS / source).read_text(encoding="utf-8")).items():
            current = merged.setdefault(section, {})
            for key, value in settings.items():
                if isinstance(value, list) and isinstance(current.get(key), list):
                    value = current[key] + [v for v in value if v not in current[key]]
                current[key] = value
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(merged, indent=2) + "\n", encoding="utf-8")
        written.append(target)
    return written


def install(python: Path) -> None:
    """Install the course into the environment of ``python``: the locked pins, then the package.

    1. ``requirements.lock``: every package with its exact version and hashes (pip checks them;
       the lock is complete, so no dependency resolution: ``--no-deps``),
       wheels only (the file says ``--only-binary=:all:``; ``face_recognition_models``, pure data,
       is published only as a source archive and needs no compiler). dlib is the ``dlib-bin`` wheel.
    2. ``requirements-nodeps.lock`` with ``--no-deps``: face_recognition, whose metadata asks for
       the dlib source distribution (a 25-minute compile) although dlib-bin already provides dlib.
    3. this repository, editable and without dependencies, so notebooks anywhere can ``import facecourse``.
    4. Jupyter settings: no news or update notifications, and charts that draw offline in every
       kernel (``apply_jupyter_settings``).
    """
    python = Path(python)
    pip = [python, "-m", "pip", "install", "--disable-pip-version-check", "--no-input"]
    started = time.perf_counter()
    # --no-deps: the lock is already the complete set (uv resolved it), and pip's own resolver in
    # hash-checking mode trips over extras (jsonschema[format-nongpl]) when it upgrades a package
    _run(pip + ["--no-deps", "-r", LOCK])
    _run(pip + ["--no-deps", "-r", NODEPS_LOCK])
    _run(pip + ["--no-deps", "--no-build-isolation", "-e", ROOT])
    for path in apply_jupyter_settings(_prefix(python)):
        _say(f"wrote {path}")
    _say(f"installed in {time.perf_counter() - started:.0f} s")


def _missing_hub_tools() -> list[str]:
    import shutil

    return [tool for tool in ("node", "npm", "git") if shutil.which(tool) is None]


def install_hub(python: Path) -> Path:
    """Install what a classroom JupyterHub needs beside the locked Python packages; return the proxy.

    JupyterHub (in the lock, extra ``hub``) starts its proxy, ``configurable-http-proxy``, a Node.js
    program from npm. This installs Node.js, npm and git from the system's packages when they are
    missing (``[tool.facecourse.hub] apt``; as root with apt-get, else it says what to run), then the
    proxy exactly as ``hub/package-lock.json`` pins it (``npm ci``: versions and integrity hashes,
    no install scripts) into the environment's ``share/facecourse-hub``, linked as
    ``bin/configurable-http-proxy`` beside ``python``, where ``hub/jupyterhub_config.py`` finds it.
    Nothing is done again while the lock is unchanged. Used by ``python3 course.py install --hub``
    (CI runs it before the tests).
    """
    import shutil

    python = Path(python)
    missing = _missing_hub_tools()
    if missing:
        packages = {"node": "nodejs", "npm": "npm", "git": "git"}
        wanted = [pkg for pkg in config()["hub"]["apt"] if pkg in {packages[t] for t in missing}]
        if hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
            _run(["apt-get", "update", "-qq"])
            _run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", *wanted],
                 env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
        else:
            sys.exit(f"[facecourse] the hub needs {', '.join(missing)}: install them first "
                     f"(Debian/Ubuntu: sudo apt-get install -y {' '.join(wanted)}), then run this again")
    lock_file = HUB_DIR / "package-lock.json"
    target = _prefix(python) / "share" / "facecourse-hub"
    proxy = python.parent / "configurable-http-proxy"
    stamp = target / ".facecourse-hub.sha256"
    digest = hashlib.sha256(lock_file.read_bytes() + (HUB_DIR / "package.json").read_bytes()).hexdigest()
    if not (stamp.is_file() and stamp.read_text().strip() == digest and proxy.exists()):
        target.mkdir(parents=True, exist_ok=True)
        for name in ("package.json", "package-lock.json"):
            (target / name).write_bytes((HUB_DIR / name).read_bytes())
        _run(["npm", "ci", "--prefix", target, "--ignore-scripts", "--no-audit", "--no-fund", "--omit=dev"])
        if proxy.is_symlink() or proxy.exists():
            proxy.unlink()
        proxy.symlink_to(os.path.relpath(target / "node_modules" / ".bin" / "configurable-http-proxy", proxy.parent))
        stamp.write_text(digest + "\n")
    version = subprocess.check_output([str(proxy), "--version"], text=True).strip()
    _say(f"hub: configurable-http-proxy {version} at {proxy}")
    return proxy


def _venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def ensure_environment(force: bool = False) -> Path:
    """Return the Python to run the course with, creating/updating ``.venv`` if needed (or ``force``)."""
    if os.environ.get("FACECOURSE_USE_CURRENT_PYTHON") == "1":
        return Path(sys.executable)
    if sys.version_info[:2] != (3, 11):
        _say(f"warning: the lock is made and tested for Python 3.11; this is {sys.version.split()[0]}")
    py = _venv_python()
    stamp = VENV / STAMP_NAME
    if not force and py.exists() and stamp.exists() and stamp.read_text().strip() == _digest(py):
        return py
    if not py.exists():
        _say(f"creating a virtual environment in {VENV}")
        try:
            venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
        except Exception as exc:  # e.g. Debian's python3 without python3-venv
            sys.exit(f"[facecourse] could not create {VENV}: {exc}\n"
                     "On Debian/Ubuntu install venv support first:  apt-get install -y python3-venv")
    _say("installing the locked packages (prebuilt wheels only; a few minutes the first time)")
    install(py)
    stamp.write_text(_digest(py) + "\n")
    return py


# --------------------------------------------------------------------------------------------
# lock: resolve pyproject.toml into requirements.lock with uv (maintainers)

_BLOCK_START = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==")


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _split_blocks(text: str) -> tuple[list[str], list[tuple[str, str]]]:
    """Split uv's output into header lines and (normalised name, block text) per pinned package."""
    header, blocks = [], []
    for line in text.splitlines(keepends=True):
        m = _BLOCK_START.match(line)
        if m:
            blocks.append([_norm(m.group(1)), line])
        elif blocks:
            blocks[-1][1] += line
        else:
            header.append(line)
    return header, [(n, b) for n, b in blocks]


def lock(upgrade: list[str] | None = None, upgrade_all: bool = False) -> None:
    """Re-resolve pyproject.toml into requirements.lock and requirements-nodeps.lock.

    Runs ``tool.facecourse.lock_tool`` (uv, installed into ``build/lock-tool``, never into
    ``.venv``) for ``lock_python`` on ``lock_platform``, with hashes and ``# via`` notes. The
    versions already in the lock are kept unless ``upgrade`` names the packages to move (or
    ``upgrade_all``). The packages in ``no_deps`` are resolved with their dependencies, minus
    the ones ``no_deps_drop`` lists (dlib: dlib-bin provides it), and written to
    requirements-nodeps.lock, which ``install`` installs with ``--no-deps``.
    """
    cfg = config()
    tool_dir = ROOT / "build" / "lock-tool"
    uv = tool_dir / "bin" / "uv"
    if not uv.exists() or not (tool_dir / f"{cfg['lock_tool']}.stamp").exists():
        venv.EnvBuilder(with_pip=True, clear=True).create(tool_dir)
        _run([tool_dir / "bin" / "python", "-m", "pip", "install", "-q", "--disable-pip-version-check",
              cfg["lock_tool"]])
        (tool_dir / f"{cfg['lock_tool']}.stamp").write_text("")
    work = ROOT / "build" / "lock"
    work.mkdir(parents=True, exist_ok=True)
    (work / "no-deps.in").write_text("\n".join(cfg["no_deps"]) + "\n")
    (work / "overrides.txt").write_text("".join(f"{n} ; sys_platform == 'never'\n" for n in cfg["no_deps_drop"]))
    out = work / "requirements.lock"
    if LOCK.exists():  # the current pins are uv's preferences: nothing moves unless it must
        out.write_text(LOCK.read_text() + NODEPS_LOCK.read_text() if NODEPS_LOCK.exists() else LOCK.read_text())
    cmd = [uv, "pip", "compile", "pyproject.toml", *(f"--extra={e}" for e in cfg["locked_extras"]),
           "build/lock/no-deps.in", "--overrides", "build/lock/overrides.txt",
           "--python-version", cfg["lock_python"], "--python-platform", cfg["lock_platform"],
           "--generate-hashes", "--only-binary", ":all:",
           *(a for pkg in cfg["sdist_only"] for a in ("--no-binary", pkg)),
           "--emit-build-options", "--no-header", "-o", "build/lock/requirements.lock"]
    cmd += ["--upgrade"] if upgrade_all else [a for pkg in (upgrade or []) for a in ("--upgrade-package", pkg)]
    _run(cmd, cwd=ROOT)
    header, blocks = _split_blocks(out.read_text())
    nodeps = {_norm(re.split(r"[<>=!~ ;]", r, maxsplit=1)[0]) for r in cfg["no_deps"]}
    # pip applies these in order: wheels only for everything, then the sdist exceptions
    build_options = "".join(sorted((line for line in header if line.startswith("--")),
                                   key=lambda line: not line.startswith("--only-binary")))

    def fix(block: str) -> str:
        return (block.replace("-r build/lock/no-deps.in", "tool.facecourse.no_deps (pyproject.toml)")
                .replace("facecourse (pyproject.toml)", "pyproject.toml [project.dependencies]"))

    note = ("# Generated by `python3 course.py lock` from pyproject.toml with {tool} for Python {py} on\n"
            "# {platform}. Do not edit: change pyproject.toml and re-lock (CONTRIBUTING.md).\n"
            "# `# via` names what pulls each pin in. {what}\n").format(
        tool=cfg["lock_tool"], py=cfg["lock_python"], platform=cfg["lock_platform"], what="{what}")
    LOCK.write_text(note.format(what="Installed by `python3 course.py install` (pip checks every hash).\n")
                    + build_options + "".join(fix(b) for n, b in blocks if n not in nodeps))
    NODEPS_LOCK.write_text(note.format(what="Installed WITH --no-deps: face_recognition's metadata asks for the\n"
                                       "# dlib sdist; dlib-bin (requirements.lock) provides dlib. Its other "
                                       "dependencies are in requirements.lock.\n")
                           + build_options + "".join(fix(b) for n, b in blocks if n in nodeps))
    _say(f"wrote {LOCK.name} ({sum(n not in nodeps for n, _ in blocks)} pins) and {NODEPS_LOCK.name}")
    lock_hub(upgrade_all or bool(upgrade))


def lock_hub(upgrade: bool = False) -> None:
    """Write ``hub/package.json`` from ``[tool.facecourse.hub] npm`` and pin it in ``hub/package-lock.json``.

    npm resolves it (versions, integrity hashes; the pins already in the lock are kept unless
    ``upgrade``); ``install_hub`` installs exactly that lock with ``npm ci``. Needs npm and the registry.
    """
    import shutil

    if shutil.which("npm") is None:
        _say("npm not found: hub/package-lock.json left as it is (install Node.js and npm to re-lock it)")
        return
    deps = {}
    for spec in config()["hub"]["npm"]:
        name, _, version = spec.rpartition("@")
        deps[name] = version
    package = {"name": "facecourse-hub", "private": True,
               "description": "Generated by `python3 course.py lock` from pyproject.toml [tool.facecourse.hub] npm: "
                              "do not edit. JupyterHub's proxy, installed by `python3 course.py install --hub`.",
               "dependencies": deps}
    HUB_DIR.mkdir(exist_ok=True)
    (HUB_DIR / "package.json").write_text(json.dumps(package, indent=2) + "\n", encoding="utf-8")
    if upgrade and (HUB_DIR / "package-lock.json").exists():
        (HUB_DIR / "package-lock.json").unlink()
    _run(["npm", "install", "--package-lock-only", "--ignore-scripts", "--no-audit", "--no-fund"], cwd=HUB_DIR)
    _say("wrote hub/package.json and hub/package-lock.json")


# --------------------------------------------------------------------------------------------


def _cli():
    """The command-line parser; it lives in facecourse/cli.py, which imports only the stdlib."""
    sys.path.insert(0, str(ROOT))
    try:
        from facecourse import cli
    finally:
        sys.path.pop(0)
    return cli


def main(argv: list[str]) -> int:
    cli = _cli()
    if not argv:
        cli.build_parser().print_help()
        return 2
    args, _ = cli.parse_args(argv)  # --help and usage errors end here, before any environment exists
    if args.cmd == "install":
        if args.current_python:
            install(Path(sys.executable))
            python = Path(sys.executable)
        else:
            python = ensure_environment(force=not args.hub)  # --hub alone: the proxy, and the lock if it changed
        if args.hub:
            install_hub(python)
        return 0
    if args.cmd == "lock":
        lock(args.upgrade_package, args.upgrade)
        return 0
    py = ensure_environment()
    # the user's current directory: paths on the command line are theirs
    return subprocess.call([str(py), "-m", "facecourse.cli", *argv])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
