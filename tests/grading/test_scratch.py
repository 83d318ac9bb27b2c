"""The kernel's files, mirrored by value at the same path (``facecourse.grading.scratch``): what is copied,
what is never followed, and changes in both directions."""

from __future__ import annotations

import os

from facecourse.grading.scratch import Mirror


def test_pull_copies_files_and_folders_and_never_follows_a_link(tmp_path):
    mine, kernel = tmp_path / "grader", tmp_path / "kernel"
    mine.mkdir()
    (kernel / "local" / "collection" / "photos").mkdir(parents=True)
    (kernel / "local" / "collection" / "ledger.csv").write_text("url,sha256\n")
    (kernel / "local" / "collection" / "photos" / "a.jpg").write_bytes(b"\xff\xd8photo")
    secret = tmp_path / "secret.txt"
    secret.write_text("the instructor's")
    os.symlink(secret, kernel / "local" / "collection" / "faces.csv")   # a link to a grader's file
    os.symlink(tmp_path, kernel / "local" / "up")                        # a link to a folder above
    m = Mirror(str(mine), str(kernel))
    m.pull()
    got = sorted(str(p.relative_to(mine)) for p in mine.rglob("*"))
    assert got == ["local", "local/collection", "local/collection/ledger.csv", "local/collection/photos",
                   "local/collection/photos/a.jpg"]
    assert (mine / "local/collection/photos/a.jpg").read_bytes() == b"\xff\xd8photo"
    assert not any(p.is_symlink() for p in mine.rglob("*"))


def test_changes_travel_both_ways_and_removals_too(tmp_path):
    mine, kernel = tmp_path / "grader", tmp_path / "kernel"
    mine.mkdir()
    (kernel / "local").mkdir(parents=True)
    (kernel / "local" / "record.txt").write_text("v1")
    m = Mirror(str(mine), str(kernel))
    m.pull()
    (mine / "tmp" / "check").mkdir(parents=True)                # a check's own folder, for the student's code
    (mine / "tmp" / "check" / "ref.csv").write_text("a,b\n")
    m.push()
    assert (kernel / "tmp" / "check" / "ref.csv").read_text() == "a,b\n"
    assert oct((kernel / "tmp" / "check").stat().st_mode & 0o777) == "0o777"   # the sandbox's user may write
    (kernel / "local" / "record.txt").write_text("v2, longer")     # the student's code changes and removes
    (kernel / "tmp" / "check" / "ref.csv").unlink()
    (kernel / "tmp" / "check" / "faces.csv").write_text("face_id\n0\n")
    m.pull()
    assert (mine / "local" / "record.txt").read_text() == "v2, longer"
    assert sorted(p.name for p in (mine / "tmp" / "check").iterdir()) == ["faces.csv"]
    (mine / "local" / "record.txt").unlink()                       # a check removes a file
    m.push()
    assert not (kernel / "local" / "record.txt").exists() and (kernel / "tmp" / "check" / "faces.csv").exists()


def test_a_file_the_kernel_replaces_with_a_link_is_removed_here(tmp_path):
    mine, kernel = tmp_path / "grader", tmp_path / "kernel"
    mine.mkdir()
    (kernel / "local").mkdir(parents=True)
    (kernel / "local" / "ledger.csv").write_text("x")
    m = Mirror(str(mine), str(kernel))
    m.pull()
    (kernel / "local" / "ledger.csv").unlink()
    os.symlink("/etc/passwd", kernel / "local" / "ledger.csv")
    m.pull()
    assert not (mine / "local" / "ledger.csv").exists()


def test_a_pulled_file_keeps_its_permissions(tmp_path):
    mine, kernel = tmp_path / "grader", tmp_path / "kernel"
    mine.mkdir()
    (kernel / "local").mkdir(parents=True)
    (kernel / "local" / "erasure.key").write_bytes(b"k" * 32)
    os.chmod(kernel / "local" / "erasure.key", 0o600)
    Mirror(str(mine), str(kernel)).pull()
    assert oct((mine / "local" / "erasure.key").stat().st_mode & 0o777) == "0o600"
