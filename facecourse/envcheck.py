"""Is this environment ready for the course? Package versions, face_recognition, datasets.

``print_report()`` is what the start notebook shows. ``import_face_recognition()`` is how the
rest of the course imports face_recognition: on failure it raises ``EnvironmentProblem`` with
the real cause, instead of face_recognition's own message, which blames the models package
whatever went wrong and then quits the interpreter.
"""

from __future__ import annotations

import importlib
import importlib.metadata as md
import platform
import re
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path

from . import data
from .paths import ROOT

# The packages the report shows (distribution names, as pip knows them). This is a view, not a
# second list of dependencies: they are declared in pyproject.toml and pinned in requirements.lock
# (a test checks each name here is declared there), and each installed version is compared with
# the lock.
PACKAGES = (
    "numpy", "pandas", "pillow", "dlib-bin", "face_recognition", "face_recognition_models",
    "setuptools", "jupyterlab", "ipywidgets", "altair", "vl-convert-python", "otter-grader",
    "nbval", "protego", "beautifulsoup4",
)
LOCK_FILES = (ROOT / "requirements.lock", ROOT / "requirements-nodeps.lock")
INSTALL_FIX = "python3 course.py install (it installs the locked packages)"


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def locked_versions() -> dict[str, str]:
    """{normalised distribution name: version} pinned by the course's lock files ({} if absent)."""
    pins = {}
    for path in LOCK_FILES:
        if path.is_file():
            for m in re.finditer(r"^([A-Za-z0-9][\w.-]*)==(\S+)", path.read_text(encoding="utf-8"), re.MULTILINE):
                pins[_norm(m[1])] = m[2]
    return pins


class EnvironmentProblem(RuntimeError):
    """The course environment is broken; the message gives the cause and the fix."""


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""


def package_version(spec: str) -> str | None:
    """Installed version of the first distribution in ``"a|b"`` that is installed, else None."""
    for name in spec.split("|"):
        try:
            return md.version(name)
        except md.PackageNotFoundError:
            continue
    return None


def check_packages() -> list[Check]:
    """Python 3.11, and each of PACKAGES installed at the version the lock pins."""
    checks = [Check("python", sys.version_info[:2] == (3, 11), platform.python_version(),
                    "" if sys.version_info[:2] == (3, 11) else "the course is tested on Python 3.11")]
    pins = locked_versions()
    for spec in PACKAGES:
        v = package_version(spec)
        name = spec.split("|")[0]
        pinned = pins.get(_norm(name))
        if v is None:
            checks.append(Check(name, False, "not installed", INSTALL_FIX))
        elif pinned and v != pinned:
            checks.append(Check(name, False, f"{v} (the course is tested on {pinned})", INSTALL_FIX))
        else:
            checks.append(Check(name, True, v))
    return checks


def diagnose_face_recognition() -> Check:
    """Import face_recognition's dependencies one by one and name the first that fails."""
    name = "import face_recognition"
    try:
        import dlib  # noqa: F401
    except Exception as exc:  # ImportError, or a broken shared library
        return Check(name, False, f"dlib cannot be imported: {exc}",
                     "python3 course.py install (dlib comes as the prebuilt dlib-bin wheel, never compiled)")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import pkg_resources  # noqa: F401
    except ImportError:
        st = package_version("setuptools") or "(not installed)"
        return Check(
            name, False,
            f"pkg_resources is missing (setuptools {st}; setuptools 82 removed it). "
            "face_recognition_models imports it, and face_recognition then wrongly reports "
            "'Please install face_recognition_models' and quits.",
            "pip install 'setuptools<82'",
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import face_recognition_models as frm
        missing = [p for p in (frm.pose_predictor_model_location(), frm.face_recognition_model_location(),
                               frm.pose_predictor_five_point_model_location(), frm.cnn_face_detector_model_location())
                   if not Path(p).is_file()]
        if missing:
            return Check(name, False, f"face_recognition_models is installed but model files are missing: {missing}",
                         "pip install --force-reinstall face_recognition_models==0.3.0")
    except Exception as exc:
        return Check(name, False, f"face_recognition_models cannot be imported: {exc!r}",
                     "pip install face_recognition_models==0.3.0")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            importlib.import_module("face_recognition")
    except SystemExit:
        return Check(name, False, "face_recognition quit while importing (its models check failed)",
                     "reinstall: python3 course.py install (face_recognition with --no-deps)")
    except Exception as exc:
        return Check(name, False, f"face_recognition cannot be imported: {exc!r}",
                     "python3 course.py install (never plain `pip install face_recognition`, "
                     "which compiles dlib for ~25 minutes)")
    return Check(name, True, f"ok (face_recognition {package_version('face_recognition')}, dlib {dlib.__version__})")


def import_face_recognition():
    """Import and return face_recognition, or raise EnvironmentProblem with the real cause."""
    check = diagnose_face_recognition()
    if not check.ok:
        raise EnvironmentProblem(f"{check.detail}\nFix: {check.fix}")
    return sys.modules["face_recognition"]


def check_data(subset: str = "teaching") -> Check:
    report = data.verify(subset)
    name = f"data ({subset} subset + examples)"
    if report.ok:
        return Check(name, True, f"{report.already_ok} files verified (sha256)")
    bad = sorted(report.problems.items())
    listed = "; ".join(f"{p}: {w}" for p, w in bad[:3]) + (f"; and {len(bad) - 3} more" if len(bad) > 3 else "")
    return Check(name, False, f"{len(bad)} of {report.checked} files missing or corrupt: {listed}",
                 f"python3 course.py data --subset {subset}")


def run_checks(subset: str = "teaching") -> list[Check]:
    return [*check_packages(), diagnose_face_recognition(), check_data(subset)]


def print_report(checks: list[Check] | None = None) -> bool:
    """Print one line per check; return True when everything is ready."""
    checks = checks if checks is not None else run_checks()
    width = max(len(c.name) for c in checks)
    for c in checks:
        print(f"{'OK ' if c.ok else 'FIX'}  {c.name:<{width}}  {c.detail}")
        if not c.ok and c.fix:
            print(f"{'':<{width + 5}}  -> {c.fix}")
    ready = all(c.ok for c in checks)
    print("\nReady: every check passed." if ready else "\nNot ready: fix the lines marked FIX, then re-run this cell.")
    return ready
