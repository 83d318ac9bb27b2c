"""facecourse.envcheck: the environment check shows real causes, not face_recognition's message."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from facecourse import envcheck

# Simulates setuptools >= 82 (no pkg_resources) or a missing dlib, in a fresh interpreter.
BLOCK = textwrap.dedent(
    """
    import sys
    class Block:
        def find_spec(self, name, path=None, target=None):
            if name in {blocked!r}:
                raise ImportError("No module named " + name)
    sys.meta_path.insert(0, Block())
    """
)


def _run(blocked: set[str], body: str) -> subprocess.CompletedProcess:
    code = BLOCK.format(blocked=blocked) + textwrap.dedent(body)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)


def test_ready_environment_passes():
    checks = envcheck.run_checks()
    assert [c for c in checks if not c.ok] == []
    assert envcheck.import_face_recognition().__name__ == "face_recognition"


def test_setuptools_82_symptom_is_misleading_and_the_check_names_the_real_cause():
    # What students see without the check: a message that blames the wrong package.
    raw = _run({"pkg_resources"}, "import face_recognition")
    assert "Please install `face_recognition_models`" in raw.stdout + raw.stderr
    # What the course shows instead.
    res = _run({"pkg_resources"}, """
        from facecourse import envcheck
        c = envcheck.diagnose_face_recognition()
        print(c.ok); print(c.detail); print(c.fix)
        try:
            envcheck.import_face_recognition()
        except envcheck.EnvironmentProblem as exc:
            print("RAISED", exc)
    """)
    out = res.stdout
    assert out.startswith("False")
    assert "pkg_resources is missing" in out and "setuptools 82" in out
    assert "pip install 'setuptools<82'" in out
    assert "RAISED" in out


def test_missing_dlib_is_reported_with_the_prebuilt_fix():
    res = _run({"dlib", "_dlib_pybind11"}, """
        from facecourse import envcheck
        c = envcheck.diagnose_face_recognition()
        print(c.ok, c.detail, c.fix)
    """)
    assert res.stdout.startswith("False dlib cannot be imported")
    assert "dlib-bin" in res.stdout


def test_report_marks_problems_with_a_fix(capsys):
    ready = envcheck.print_report([envcheck.Check("thing", True, "fine"),
                                   envcheck.Check("other", False, "broken", "do this")])
    out = capsys.readouterr().out
    assert ready is False
    assert "FIX  other  broken" in out and "-> do this" in out


def test_data_check_names_missing_files(tmp_path, monkeypatch):
    monkeypatch.setenv("FACECOURSE_DATA", str(tmp_path))
    c = envcheck.check_data()
    assert not c.ok and "missing" in c.detail and c.fix == "python3 course.py data --subset teaching"
