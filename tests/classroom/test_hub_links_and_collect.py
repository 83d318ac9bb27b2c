"""The nbgitpuller link (`course.py link`) and collecting notebooks from hub homes (`course.py collect`)."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from facecourse.classroom import hub
from facecourse.grading.collect import MAX_NOTEBOOK_BYTES

A = "00_warmup"


def test_the_link_is_nbgitpullers_format_for_this_repository():
    link = hub.nbgitpuller_link("https://hub.example.edu/", "exercises/B4_verification.ipynb")
    parts = urlsplit(link)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "hub.example.edu", "/hub/user-redirect/git-pull")
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    repo, branch = hub.repository()
    assert repo == "https://github.com/facecourse/facecourse" and branch is None  # binder_ref HEAD: the default branch
    assert query == {"repo": repo, "urlpath": "lab/tree/facecourse/exercises/B4_verification.ipynb",
                     "targetPath": "facecourse"}


def test_a_hub_with_a_base_path_a_branch_and_a_local_remote():
    link = hub.nbgitpuller_link("https://uni.edu/jupyter", "lessons", repo="/srv/git/facecourse.git", branch="spring")
    query = {k: v[0] for k, v in parse_qs(urlsplit(link).query).items()}
    assert link.startswith("https://uni.edu/jupyter/hub/user-redirect/git-pull?")
    assert query == {"repo": "/srv/git/facecourse.git", "urlpath": "lab/tree/facecourse/lessons", "branch": "spring",
                     "targetPath": "facecourse"}  # not "facecourse.git", nbgitpuller's default for that remote
    assert hub.repository({"binder_repo": "me/fork", "binder_ref": "fall"}) == ("https://github.com/me/fork", "fall")


@pytest.mark.parametrize("hub_url, path", [("hub.example.edu", "lessons"), ("ftp://x", "lessons"),
                                           ("https://x", "../etc/passwd"), ("https://x", "/"), ("https://x", "")])
def test_bad_links_are_refused_with_a_sentence(hub_url, path):
    with pytest.raises(ValueError, match="must"):
        hub.nbgitpuller_link(hub_url, path)


def test_the_link_command_checks_the_path():
    cli = [sys.executable, "-m", "facecourse.cli", "link", "--hub", "https://hub.example.edu"]
    ok = subprocess.run(cli + ["--path", "exercises/00_warmup.ipynb"], capture_output=True, text=True)
    assert ok.returncode == 0 and ok.stdout.startswith("https://hub.example.edu/hub/user-redirect/git-pull?repo=")
    bad = subprocess.run(cli + ["--path", "exercises/nope.ipynb"], capture_output=True, text=True)
    assert bad.returncode == 2 and "is not a file or folder of the course" in bad.stderr


def _notebook(text: str) -> bytes:
    return json.dumps({"cells": [{"cell_type": "markdown", "metadata": {}, "source": text}], "metadata": {},
                       "nbformat": 4, "nbformat_minor": 5}).encode()


def _home(homes: Path, user: str, content: bytes | None = None) -> Path:
    ex = homes / user / "facecourse" / "exercises"
    ex.mkdir(parents=True)
    if content is not None:
        (ex / f"{A}.ipynb").write_bytes(content)
    return ex


def test_collect_copies_each_students_notebook_and_refuses_what_is_not_theirs(tmp_path):
    homes, out = tmp_path / "home", tmp_path / "subs"
    _home(homes, "jupyter-ann", _notebook("ann's work"))
    os.utime(homes / "jupyter-ann" / "facecourse" / "exercises" / f"{A}.ipynb", (1_700_000_000, 1_700_000_000))
    _home(homes, "jupyter-ben", _notebook("ben's work"))
    _home(homes, "jupyter-cat")  # never saved the exercise
    # dan's exercise is a symbolic link to ann's work; eve's course folder is a link to ben's home
    (_home(homes, "jupyter-dan") / f"{A}.ipynb").symlink_to(homes / "jupyter-ann" / "facecourse" / "exercises" / f"{A}.ipynb")
    (homes / "jupyter-eve").mkdir()
    (homes / "jupyter-eve" / "facecourse").symlink_to(homes / "jupyter-ben" / "facecourse")
    os.mkfifo(_home(homes, "jupyter-fay") / f"{A}.ipynb")  # would block a naive reader forever
    _home(homes, "jupyter-gus", b"{" + b" " * (MAX_NOTEBOOK_BYTES + 1) + b"}")
    if os.geteuid() == 0:  # a file of another user in hal's home (a hard link, say); only root can make one
        hal = _home(homes, "jupyter-hal", _notebook("hal"))
        os.chown(hal / f"{A}.ipynb", 4242, 4242)
    (homes / "jupyter-ivy").symlink_to(homes / "jupyter-ann")  # a home that is a link
    (homes / "README").write_text("not a home")
    (homes / "lost+found").mkdir()  # no prefix: not a student

    found = {c.student: c for c in hub.collect_from_homes(homes, A, out, prefix="jupyter-")}
    status = {s: c.status for s, c in found.items()}
    assert status == {
        "ann": "collected", "ben": "collected",
        "cat": "no notebook (the course was never pulled, or the file was renamed)",
        "dan": "symbolic link on the path: not followed, not collected",
        "eve": "symbolic link on the path: not followed, not collected",
        "fay": "not a regular file: not collected",
        "gus": f"notebook larger than {MAX_NOTEBOOK_BYTES // 2**20} MB: not collected",
        "ivy": "not a home folder (a file or a symbolic link): skipped",
    } | ({"hal": "owned by another user than the home's owner: not collected"} if os.geteuid() == 0 else {})
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == [
        f"ann/{A}.ipynb", f"ben/{A}.ipynb"]
    assert (out / "ann" / f"{A}.ipynb").read_bytes() == _notebook("ann's work")
    assert (out / "ann" / f"{A}.ipynb").stat().st_mtime == 1_700_000_000  # kept, for late flags
    assert found["ann"].modified == "2023-11-14T22:13:20+00:00"
    rows = list(csv.DictReader(io.StringIO(hub.collected_csv(list(found.values())))))
    assert [r["student"] for r in rows] == sorted(found) and rows[0]["sha256"] == found["ann"].sha256


def test_collect_refuses_an_output_folder_inside_the_homes(tmp_path):
    (tmp_path / "home").mkdir()
    with pytest.raises(ValueError, match="must not be inside the home folders"):
        hub.collect_from_homes(tmp_path / "home", A, tmp_path / "home" / "subs")
    with pytest.raises(ValueError, match="not an assignment name"):
        hub.collect_from_homes(tmp_path / "home", "../x", tmp_path / "subs")


def test_the_collect_command_writes_the_record_beside_the_folder(tmp_path):
    homes = tmp_path / "home"
    _home(homes, "ann", _notebook("ann"))
    _home(homes, "bob")
    run = subprocess.run([sys.executable, "-m", "facecourse.cli", "collect", str(homes), "--assignment", A, "--out",
                          str(tmp_path / "subs")], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "1 of 2 homes" in run.stdout and "bob: no notebook" in run.stdout
    assert (tmp_path / "subs.csv").read_text().startswith("student,home,status,file,submitted,sha256\n")
    unknown = subprocess.run([sys.executable, "-m", "facecourse.cli", "collect", str(homes), "--assignment", "Z9"],
                             capture_output=True, text=True)
    assert unknown.returncode == 2 and "no exercise called 'Z9'" in unknown.stderr
