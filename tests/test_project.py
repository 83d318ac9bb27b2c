"""Project-level promises: two commands, pins that agree, no dataset images in git, notebook shape."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
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
    """{normalised name: version} of a lock file (uv's format: ``name==version \\`` then hashes)."""
    return {re.sub(r"[-_.]+", "-", m[1]).lower(): m[2]
            for m in re.finditer(r"^([A-Za-z0-9][\w.-]*)==(\S+)", path.read_text(), re.MULTILINE)}


def _blocks(path: Path) -> dict[str, str]:
    """{normalised name: the lock's whole entry (pin, hashes, via notes)}."""
    text = path.read_text()
    starts = [m for m in re.finditer(r"^([A-Za-z0-9][\w.-]*)==", text, re.MULTILINE)]
    return {re.sub(r"[-_.]+", "-", m[1]).lower(): text[m.start():(starts[i + 1].start() if i + 1 < len(starts) else None)]
            for i, m in enumerate(starts)}


PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
CONFIG = PYPROJECT["tool"]["facecourse"]
LOCK = ROOT / "requirements.lock"
NODEPS_LOCK = ROOT / "requirements-nodeps.lock"


def test_readme_promises_two_commands_and_ci_runs_the_test_one():
    assert RUN_COMMAND in README and TEST_COMMAND in README
    ci = (ROOT / ".ci" / "run").read_text()
    assert re.search(rf"^{re.escape(TEST_COMMAND)}$", ci, re.MULTILINE)


def test_dependencies_are_declared_once_in_pyproject():
    leftovers = sorted(p.name for p in ROOT.glob("requirements*") if p not in (LOCK, NODEPS_LOCK))
    assert leftovers == [], f"dependencies are declared in pyproject.toml only; remove {leftovers}"
    declared = PYPROJECT["project"]["dependencies"] + [
        r for extra in CONFIG["locked_extras"] for r in PYPROJECT["project"]["optional-dependencies"][extra]]
    assert not [r for r in declared if "==" in r], "pyproject.toml gives ranges; exact pins belong in the lock"
    assert "face-recognition" not in {_req_name(r) for r in declared}, (
        "face_recognition must not be a normal dependency: its metadata asks for the dlib sdist")
    from facecourse import envcheck

    names = {_req_name(r) for r in declared + CONFIG["no_deps"]}
    shown = {_req_name(p) for spec in envcheck.PACKAGES for p in spec.split("|")[:1]}
    assert shown <= names, f"the environment check shows undeclared packages: {shown - names}"


def _req_name(requirement: str) -> str:
    return re.sub(r"[-_.]+", "-", re.split(r"[<>=!~ ;\[]", requirement.strip(), maxsplit=1)[0]).lower()


def test_lock_pins_every_declared_dependency_within_its_range():
    from packaging.requirements import Requirement

    lock = {**_pins(LOCK), **_pins(NODEPS_LOCK)}
    declared = PYPROJECT["project"]["dependencies"] + CONFIG["no_deps"] + [
        r for extra in CONFIG["locked_extras"] for r in PYPROJECT["project"]["optional-dependencies"][extra]]
    for text in declared:
        req = Requirement(text)
        name = _req_name(req.name)
        assert name in lock, f"{req.name} is declared in pyproject.toml but not locked: python3 course.py lock"
        assert req.specifier.contains(lock[name], prereleases=True), (
            f"{req.name}: the lock pins {lock[name]}, outside {req.specifier}: python3 course.py lock")


def test_lock_has_hashes_and_says_why_each_pin_is_there():
    for path in (LOCK, NODEPS_LOCK):
        blocks = _blocks(path)
        assert blocks, f"{path.name} pins nothing"
        for name, block in blocks.items():
            assert "--hash=sha256:" in block, f"{path.name}: {name} has no hash"
            assert "# via" in block, f"{path.name}: {name} does not say which package pulls it in"


def test_lock_never_compiles_dlib():
    lock, nodeps = _pins(LOCK), _pins(NODEPS_LOCK)
    assert "dlib" not in lock and "dlib" not in nodeps, "dlib comes only as the prebuilt dlib-bin wheel"
    assert "dlib-bin" in lock
    assert set(nodeps) == {"face-recognition"} and "face-recognition" not in lock, (
        "face_recognition is installed with --no-deps from requirements-nodeps.lock, nowhere else")
    assert int(lock["setuptools"].split(".")[0]) < 82, (
        "setuptools 82 removed pkg_resources, which face_recognition_models needs")
    lines = LOCK.read_text().splitlines()
    assert lines.index("--only-binary :all:") < lines.index("--no-binary face-recognition-models"), (
        "wheels only (pip applies the options in order; the one sdist exception comes after)")
    install = (ROOT / "course.py").read_text()
    assert '"--no-deps", "-r", NODEPS_LOCK' in install


def test_the_pins_match_this_environment():
    """What the tests run on is what the lock says (else `python3 course.py install`)."""
    import importlib.metadata as md

    installed = {re.sub(r"[-_.]+", "-", d.metadata["Name"]).lower(): d.version for d in md.distributions()}
    lock = {**_pins(LOCK), **_pins(NODEPS_LOCK)}
    wrong = {n: (v, installed.get(n)) for n, v in lock.items() if installed.get(n) != v}
    assert wrong == {}, f"installed versions differ from the lock (pin, installed): {wrong}"


def test_environment_yml_installs_the_same_lock_and_postbuild_the_same_routine():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert env["channels"][0] == "conda-forge"
    assert sorted(env["dependencies"]) == ["pip", "python=3.11"], (
        "conda gives Python only; every package comes from the lock, through course.py install")
    post_build = (ROOT / "postBuild").read_text()
    assert re.search(r"^python3 course\.py install --current-python$", post_build, re.MULTILINE)
    assert "pip install" not in post_build, "one install routine: course.py install"


def test_the_installed_set_is_consistent():
    """pip check: every installed package has its dependencies, except face_recognition's dlib
    (installed with --no-deps; dlib-bin provides the dlib module)."""
    proc = subprocess.run([sys.executable, "-m", "pip", "check"], capture_output=True, text=True, timeout=120)
    problems = [line for line in proc.stdout.splitlines()
                if line.strip() and not line.startswith("face-recognition 1.3.0 requires dlib")]
    assert problems == [], problems


def test_jupyterlab_news_and_update_checks_are_off():
    import jupyterlab
    from jupyterlab.labapp import LabApp

    overrides = json.loads((ROOT / "jupyter_config" / "overrides.json").read_text())
    settings = overrides["@jupyterlab/apputils-extension:notification"]
    assert settings == {"fetchNews": "false", "checkForUpdates": False}
    schema = next(Path(jupyterlab.__file__).parent.glob(
        "schemas/@jupyterlab/apputils-extension/notification.json"), None)
    if schema is None:  # the schemas live under the environment's share/ folder
        schema = Path(sys.prefix) / "share/jupyter/lab/schemas/@jupyterlab/apputils-extension/notification.json"
    props = json.loads(schema.read_text())["properties"]
    assert {"false"} <= {c["const"] for c in props["fetchNews"]["oneOf"]} and "checkForUpdates" in props
    server = json.loads((ROOT / "jupyter_config" / "jupyter_lab_config.json").read_text())["LabApp"]
    assert server["news_url"] is None and LabApp.class_traits()["news_url"].allow_none
    module, _, cls = server["check_for_updates_class"].rpartition(".")
    assert getattr(__import__(module), cls)
    # and this environment has them (course.py install put them there)
    applied = json.loads((Path(sys.prefix) / "share/jupyter/lab/settings/overrides.json").read_text())
    assert applied["@jupyterlab/apputils-extension:notification"] == settings, "run `python3 course.py install`"
    lab_config = json.loads((Path(sys.prefix) / "etc/jupyter/jupyter_lab_config.json").read_text())
    assert lab_config["LabApp"] == server


def test_binder_links_come_from_the_one_setting():
    from facecourse import cli

    repo, ref = CONFIG["binder_repo"], CONFIG["binder_ref"]
    assert re.fullmatch(r"[\w.-]+/[\w.-]+", repo)
    links = re.findall(r"https://mybinder\.org/v2/gh/[^)\s]+", README)
    assert links and all(link.startswith(f"https://mybinder.org/v2/gh/{repo}/{ref}?labpath=") for link in links), (
        "README's Binder links differ from pyproject's binder_repo: run `python3 course.py badges`")
    assert cli.rewrite_badges(README) == README
    assert "binder_repo" in README, "README tells a fork where to change the Binder repository"
    other = cli.rewrite_badges(README.replace(f"/gh/{repo}/", "/gh/someone/else/"))
    assert other == README


def test_license_covers_code_and_lessons_but_not_the_photos():
    text = (ROOT / "LICENSE").read_text()
    assert "MIT License" in text and "CC BY 4.0" in text
    assert "LFW" in text and "not" in text
    assert PYPROJECT["project"]["license"] == {"text": "MIT"}


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


def test_readme_syllabus_times_are_the_notebooks_own():
    """The README's syllabus table shows each lesson's and exercise's estimated time as stated in the notebook."""
    rows = {m.group(1): m.group(0) for m in re.finditer(r"^\| \w+ \| `(lessons/[\w.-]+\.ipynb)`.*$", README, re.M)}
    for nb in syllabus.notebooks("lessons"):
        row = rows.get(nb.relpath, "")
        assert f"| {nb.minutes} min |" in row, f"README gives another time than {nb.relpath} ({nb.minutes} min)"
        exercise = ROOT / "exercises" / Path(nb.relpath).name
        if nb.relpath.endswith("00_start_here.ipynb"):
            exercise = ROOT / "exercises" / "00_warmup.ipynb"
        if exercise.is_file():
            minutes = syllabus.describe(exercise).minutes
            assert f"{minutes} min)" in row, f"README gives another time for {exercise.name} ({minutes} min)"


def test_readme_facts_counts_are_the_tables_own():
    import pandas as pd

    text = " ".join(README.split())
    for table, pattern in (("timeline", r"sourced timeline \((\d+) events\)"),
                           ("published_figures", r"published figures of the leak \((\d+)\)"),
                           ("legal_map", r"a legal map \((\d+)\)")):
        found = re.search(pattern, text)
        assert found, f"the README no longer states the size of datasets/facts/{table}.csv"
        rows = len(pd.read_csv(ROOT / "datasets" / "facts" / f"{table}.csv"))
        assert int(found.group(1)) == rows, f"README says {found.group(1)} rows for {table}.csv, which has {rows}"


def test_readme_shows_the_committed_index_benchmark():
    """The README's FAISS table and verdict are what `benchmarks/index_search.py` last wrote, line for line."""
    results = (ROOT / "benchmarks" / "results" / "index_search.md").read_text(encoding="utf-8")
    rows = [line for line in results.splitlines() if line.startswith("| ")]
    assert len(rows) > 10, "benchmarks/results/index_search.md holds no results table"
    verdict = [line for line in results.splitlines() if "target" in line]
    assert len(verdict) >= 4, "benchmarks/results/index_search.md holds no verdict on the targets"
    missing = [r for r in results.splitlines() if r.strip() and r not in README]
    assert not missing, f"README lacks {len(missing)} lines of benchmarks/results/index_search.md, e.g. {missing[0]}"
