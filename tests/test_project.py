"""Project-level promises: two commands, pins that agree, no dataset images in git, notebook shape."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from facecourse import data, syllabus
from facecourse.authoring.notebooks import IMAGE_MIMES

ROOT = data.ROOT
README = (ROOT / "README.md").read_text(encoding="utf-8")
RUN_COMMAND = "python3 course.py lab"
TEST_COMMAND = "python3 course.py test"


def _pins(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, _, version = line.partition("==")
            assert version, f"{path.name}: not an exact pin: {line!r}"
            pins[re.sub(r"[-_.]+", "-", name).lower()] = version
    return pins


def test_readme_promises_two_commands_and_ci_runs_the_test_one():
    assert RUN_COMMAND in README and TEST_COMMAND in README
    ci = (ROOT / ".ci" / "run").read_text()
    assert re.search(rf"^{re.escape(TEST_COMMAND)}$", ci, re.MULTILINE)


def test_requirements_are_exact_and_never_compile_dlib():
    lock = _pins(ROOT / "requirements.txt")
    assert "dlib" not in lock and "face-recognition" not in lock
    assert set(_pins(ROOT / "requirements-dlib.txt")) == {"dlib-bin"}, "dlib comes only as the prebuilt wheel"
    assert _pins(ROOT / "requirements-nodeps.txt") == {"face-recognition": "1.3.0"}
    major = int(lock["setuptools"].split(".")[0])
    assert major < 82, "setuptools 82 removed pkg_resources, which face_recognition_models needs"
    for line in (ROOT / "requirements.in").read_text().splitlines():
        name = re.split(r"[<>=!~ #]", line.strip(), maxsplit=1)[0]
        if name:
            assert re.sub(r"[-_.]+", "-", name).lower() in lock, f"{name} (requirements.in) is not pinned"


def test_environment_yml_parses_and_agrees_with_the_pip_pins():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert env["channels"][0] == "conda-forge"
    conda = {}
    pip_section = []
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            pip_section = dep["pip"]
        else:
            name, _, version = dep.partition("=")
            conda[name] = version
    assert conda["python"] == "3.11"
    dlib_bin = _pins(ROOT / "requirements-dlib.txt")["dlib-bin"]
    assert conda["dlib"] == dlib_bin.split(".post")[0], "conda dlib and pip dlib-bin must be the same release"
    lock = _pins(ROOT / "requirements.txt")
    for name, version in conda.items():
        if name in lock:
            assert version == lock[name], f"{name}: conda {version} vs pip {lock[name]}"
    assert "-r requirements.txt" in pip_section, "conda must install the same pip pins"
    assert (ROOT / "postBuild").read_text().count("requirements-nodeps.txt") == 1


def _tracked_files() -> list[str]:
    try:
        out = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    return out.splitlines()


def test_no_dataset_image_is_tracked():
    tracked = _tracked_files()
    images = [f for f in tracked if f.lower().endswith((".jpg", ".jpeg", ".png", ".gif", ".bmp"))]
    assert images == []
    known = {e.sha256 for ds in data.DATASETS for e in data.load_manifest(ds)}
    for f in tracked:
        p = ROOT / f
        if p.is_file() and p.stat().st_size < 2_000_000:
            assert data.sha256_file(p) not in known, f"{f} is a copy of a dataset file"


def _all_notebooks() -> list[Path]:
    return sorted(p for d in ("lessons", "exercises", "solutions") for p in (ROOT / d).glob("*.ipynb"))


@pytest.mark.parametrize("nb", _all_notebooks(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_notebooks_store_no_raster_images(nb):
    cells = json.loads(nb.read_text(encoding="utf-8"))["cells"]
    for cell in cells:
        for out in cell.get("outputs", []):
            assert not set(out.get("data", {})) & set(IMAGE_MIMES), "strip images: python3 course.py lessons"


@pytest.mark.parametrize("nb", [p for p in _all_notebooks() if "solutions" not in p.parts],
                         ids=lambda p: p.relative_to(ROOT).as_posix())
def test_notebooks_open_with_objectives_prerequisites_and_time(nb):
    assert syllabus.missing_header_parts(nb) == []
    assert syllabus.describe(nb).minutes


def test_readme_lists_every_lesson_and_links_only_existing_notebooks():
    for nb in syllabus.notebooks("lessons"):
        assert nb.relpath in README, f"README syllabus lacks {nb.relpath}"
    for link in re.findall(r"((?:lessons|exercises|solutions)/[\w.-]+\.ipynb)", README):
        assert (ROOT / link).is_file(), f"README links {link}, which does not exist"


def test_every_binder_badge_opens_an_existing_notebook_and_every_lesson_has_one():
    from urllib.parse import unquote

    targets = [unquote(t) for t in re.findall(r"mybinder\.org/v2/gh/[^)\s]*?labpath=([^)\s&]+)", README)]
    assert targets, "the README has no Binder badge"
    for t in targets:
        assert (ROOT / t).is_file(), f"Binder badge opens {t}, which does not exist"
    for nb in syllabus.notebooks("lessons"):
        assert nb.relpath in targets, f"{nb.relpath} has no Binder badge"


def test_course_map_lists_lessons_with_times():
    text = syllabus.course_map()
    for nb in syllabus.notebooks("lessons"):
        assert nb.relpath in text
    assert "**total**" in text


def test_downloaded_data_and_build_outputs_are_ignored():
    ignore = (ROOT / ".gitignore").read_text()
    for pattern in ("datasets/cache/", "build/", ".venv/"):
        assert pattern in ignore


def test_every_lesson_and_solution_notebook_is_built_from_its_text_source():
    from facecourse.authoring import notebooks

    assert notebooks.sources("lessons") and notebooks.sources("solutions"), "sources/ holds no text sources"
    assert notebooks.check() == [], "run `python3 course.py build` (see CONTRIBUTING.md)"


def test_a_changed_source_is_reported(tmp_path, monkeypatch):
    from facecourse.authoring import notebooks

    src = notebooks.sources("solutions")[0]
    (tmp_path / "solutions").mkdir()
    (tmp_path / "solutions" / (src.stem + ".ipynb")).write_text(
        notebooks.notebook_path(src).read_text(encoding="utf-8"), encoding="utf-8")
    for kind in notebooks.KINDS:
        (tmp_path / "sources" / kind).mkdir(parents=True)
    (tmp_path / "sources" / "solutions" / src.name).write_text(
        src.read_text(encoding="utf-8") + "\n# %%\nprint('a new cell')\n", encoding="utf-8")
    monkeypatch.setattr(notebooks, "SOURCES", tmp_path / "sources")
    monkeypatch.setattr(notebooks, "ROOT", tmp_path)
    problems = notebooks.check()
    assert len(problems) == 1 and "differs from" in problems[0], problems
