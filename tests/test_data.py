"""facecourse.data: manifests, fetch from mirror / archive / HTTP, verification, bad input."""

from __future__ import annotations

import csv
import functools
import hashlib
import http.server
import os
import socket
import tarfile
import threading
import zipfile
from pathlib import Path

import pytest

from facecourse import data
from facecourse.data import Entry


def _entry(ds: str, path: str, content: bytes, url: str = "") -> Entry:
    return Entry(ds, path, hashlib.sha256(content).hexdigest(), len(content), url)


FILES = {
    "images/Ann/Ann_0001.jpg": b"\xff\xd8 first image bytes" * 50,
    "images/Bob/Bob_0001.jpg": b"\xff\xd8 second image" * 70,
    "protocol/pairs.txt": b"1\nAnn\t1\t1\n",
}


@pytest.fixture
def mirror(tmp_path: Path) -> Path:
    """A mirror folder laid out as <dataset>/<path>, for a toy dataset 'toy'."""
    root = tmp_path / "mirror"
    for rel, content in FILES.items():
        p = root / "toy" / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(content)
    return root


@pytest.fixture
def entries() -> list[Entry]:
    return [_entry("toy", rel, c, url=f"http://127.0.0.1:9/{rel}") for rel, c in FILES.items()]


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    return tmp_path / "cache"


# ----------------------------------------------------------------------------- fetching


def test_fetch_from_mirror_folder_then_resume(mirror, entries, cache):
    report = data.fetch_entries(entries, mirror=mirror, root=cache, progress=False)
    assert report.ok and report.fetched == 3
    for e in entries:
        assert (cache / "toy" / e.path).read_bytes() == FILES[e.path]
    again = data.fetch_entries(entries, mirror=mirror, root=cache, progress=False)
    assert again.fetched == 0 and again.already_ok == 3


@pytest.mark.parametrize("kind", ["zip", "tar.gz"])
def test_fetch_from_archive(mirror, entries, cache, tmp_path, kind):
    archive = tmp_path / f"datasets.{kind}"
    if kind == "zip":
        with zipfile.ZipFile(archive, "w") as zf:
            for rel, c in FILES.items():
                zf.writestr(f"datasets/toy/{rel}", c)  # with a top folder: accepted
    else:
        with tarfile.open(archive, "w:gz") as tf:
            tf.add(mirror / "toy", arcname="toy")
    report = data.fetch_entries(entries, mirror=archive, root=cache, progress=False)
    assert report.ok and report.fetched == 3
    assert data.verify_entries(entries, root=cache).ok


def test_corrupt_and_truncated_cache_files_are_detected_and_refetched(mirror, entries, cache):
    data.fetch_entries(entries, mirror=mirror, root=cache, progress=False)
    corrupt = cache / "toy" / "images/Ann/Ann_0001.jpg"
    corrupt.write_bytes(b"X" * len(FILES["images/Ann/Ann_0001.jpg"]))  # same size, wrong bytes
    truncated = cache / "toy" / "images/Bob/Bob_0001.jpg"
    truncated.write_bytes(FILES["images/Bob/Bob_0001.jpg"][:10])
    report = data.verify_entries(entries, root=cache)
    assert set(report.problems) == {"toy/images/Ann/Ann_0001.jpg", "toy/images/Bob/Bob_0001.jpg"}
    assert all("corrupt" in why for why in report.problems.values())
    fixed = data.fetch_entries(entries, mirror=mirror, root=cache, progress=False)
    assert fixed.fetched == 2 and fixed.already_ok == 1
    assert data.verify_entries(entries, root=cache).ok


def test_missing_file_is_named(entries, cache):
    report = data.verify_entries(entries, root=cache)
    assert not report.ok
    assert report.problems["toy/protocol/pairs.txt"] == "missing"
    assert "toy/protocol/pairs.txt: missing" in report.summary()


def test_checksum_mismatch_from_mirror_writes_nothing(mirror, entries, cache):
    target = cache / "toy" / "images/Ann/Ann_0001.jpg"
    target.parent.mkdir(parents=True)
    target.write_bytes(b"old local bytes")  # an existing (bad) file must stay untouched
    (mirror / "toy" / "images/Ann/Ann_0001.jpg").write_bytes(b"tampered" * 100)
    report = data.fetch_entries(entries, mirror=mirror, root=cache, progress=False)
    why = report.problems["toy/images/Ann/Ann_0001.jpg"]
    assert "checksum mismatch" in why and "nothing was written" in why
    assert target.read_bytes() == b"old local bytes"
    assert not list(cache.rglob("*.part-*")), "no temporary files may be left behind"
    assert report.fetched == 2  # the other files still arrive


def test_oversized_source_is_refused(mirror, entries, cache):
    (mirror / "toy" / "protocol/pairs.txt").write_bytes(FILES["protocol/pairs.txt"] + b"extra" * 1000)
    report = data.fetch_entries(entries, mirror=mirror, root=cache, progress=False)
    assert "more than" in report.problems["toy/protocol/pairs.txt"]
    assert not (cache / "toy" / "protocol/pairs.txt").exists()


def test_interrupted_copy_leaves_no_half_file(entries, cache, monkeypatch):
    class Exploding:
        def describe(self):
            return "a source that dies mid-file"

        def open(self, entry):
            class R:
                n = 0

                def read(self, size):
                    R.n += 1
                    if R.n > 1:
                        raise KeyboardInterrupt  # like Ctrl-C in the middle of a file
                    return b"partial"

                def __enter__(self):
                    return self

                def __exit__(self, *a):
                    return False

            return R()

    dest = cache / "toy" / "images/Ann/Ann_0001.jpg"
    with pytest.raises(KeyboardInterrupt):
        data._copy_verified(entries[0], Exploding(), dest)
    assert not dest.exists()
    assert not list(cache.rglob("*.part-*"))


def test_stray_partial_files_are_cleaned(mirror, entries, cache):
    stray = cache / "toy" / "images" / "Ann" / ".Ann_0001.jpg.part-999-1"
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"half")
    data.fetch_entries(entries, mirror=mirror, root=cache, progress=False)
    assert not stray.exists()


def test_missing_mirror_folder_is_a_clear_error(entries, cache, tmp_path):
    with pytest.raises(data.SourceUnavailable, match="does not exist"):
        data.fetch_entries(entries, mirror=tmp_path / "nope", root=cache, progress=False)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_no_network_and_no_mirror_gives_one_clear_message(cache, monkeypatch):
    monkeypatch.delenv("FACECOURSE_MIRROR", raising=False)
    port = _closed_port()
    offline = [_entry("toy", rel, c, url=f"http://127.0.0.1:{port}/{rel}") for rel, c in FILES.items()]
    with pytest.raises(data.SourceUnavailable) as err:
        data.fetch_entries(offline, root=cache, progress=False)
    text = str(err.value)
    assert "No network and no mirror" in text and "FACECOURSE_MIRROR" in text
    assert text.count("No network") == 1
    assert not list(cache.rglob("*.jpg"))


@pytest.fixture
def http_mirror(mirror):
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(mirror / "toy"))
    handler.log_message = lambda *a: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()
    thread.join(5)


def test_download_over_http_verifies_and_names_404(http_mirror, cache, monkeypatch):
    monkeypatch.delenv("FACECOURSE_MIRROR", raising=False)
    web = [_entry("toy", rel, c, url=http_mirror + rel) for rel, c in FILES.items()]
    web.append(_entry("toy", "images/Gone/Gone_0001.jpg", b"never there", url=http_mirror + "images/Gone/Gone_0001.jpg"))
    report = data.fetch_entries(web, root=cache, progress=False, workers=2)
    assert report.fetched == 3
    assert "HTTP 404" in report.problems["toy/images/Gone/Gone_0001.jpg"]


# ----------------------------------------------------------------------------- manifests and paths


@pytest.mark.parametrize("bad", ["../escape.jpg", "a/../../b.jpg", "/etc/passwd", "C:/x.jpg", "a\\b.jpg",
                                 "", "./a.jpg", "a//b.jpg", "images/.."])
def test_unsafe_paths_are_refused(bad):
    with pytest.raises(data.ManifestError):
        data.safe_relpath(bad)


def _write_manifest(folder: Path, rows: list[dict]) -> None:
    with open(folder / "evil.csv", "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=["path", "sha256", "bytes", "url"])
        w.writeheader()
        w.writerows(rows)


@pytest.mark.parametrize("path", ["../../outside.txt", "/tmp/absolute.txt"])
def test_manifest_entry_escaping_the_data_folder_is_refused(tmp_path, path):
    _write_manifest(tmp_path, [{"path": path, "sha256": "0" * 64, "bytes": 1, "url": ""}])
    with pytest.raises(data.ManifestError, match="refusing"):
        data.load_manifest("evil", manifest_dir=tmp_path)


def test_malformed_manifest_rows_are_reported_with_line(tmp_path):
    _write_manifest(tmp_path, [{"path": "a.jpg", "sha256": "xyz", "bytes": 1, "url": ""}])
    with pytest.raises(data.ManifestError, match=r"evil.csv:2: malformed sha256"):
        data.load_manifest("evil", manifest_dir=tmp_path)
    with pytest.raises(data.ManifestError, match="no manifest"):
        data.load_manifest("nonexistent", manifest_dir=tmp_path)


def test_a_manifest_is_parsed_once_until_it_changes(tmp_path, monkeypatch):
    parsed = []
    parse = data._parse_manifest
    monkeypatch.setattr(data, "_parse_manifest", lambda *a: parsed.append(a) or parse(*a))
    row = {"path": "a.jpg", "sha256": "0" * 64, "bytes": 1, "url": ""}
    _write_manifest(tmp_path, [row])
    first = data.load_manifest("evil", manifest_dir=tmp_path)
    first.clear()  # a caller's list is its own: the cache is not changed through it
    again = data.load_manifest("evil", manifest_dir=tmp_path)
    assert [e.path for e in again] == ["a.jpg"] and len(parsed) == 1
    _write_manifest(tmp_path, [row, {**row, "path": "b.jpg"}])
    assert [e.path for e in data.load_manifest("evil", manifest_dir=tmp_path)] == ["a.jpg", "b.jpg"]
    assert len(parsed) == 2


def test_course_manifests_are_complete_and_safe():
    lfw = data.load_manifest("lfw")
    images = [e for e in lfw if e.path.startswith("images/")]
    assert len(images) == 13232  # the mirror lacks Betsy_Coffin_0001 (see the mirror's README)
    assert len({e.path.split("/")[1] for e in images}) == 5748
    proto = {e.path: e.sha256 for e in lfw if e.path.startswith("protocol/")}
    assert proto["protocol/pairs.txt"] == "ea42330c62c92989f9d7c03237ed5d591365e89b3e649747777b70e692dc1592"
    assert len(proto) == 7
    assert all(e.url.startswith("http://vis-www.cs.umass.edu/lfw/") for e in lfw)
    examples = data.load_manifest("examples")
    assert len(examples) == 17 and all(e.url.startswith("https://") for e in examples)


def test_subsets():
    teaching = data.select("lfw", "teaching")
    assert sum(e.path.startswith("images/") for e in teaching) == 400
    pairs = data.select("lfw", "pairs")  # needs protocol/pairs.txt, fetched by the test command
    assert sum(e.path.startswith("images/") for e in pairs) == 7701
    with pytest.raises(data.DataError, match="unknown subset"):
        data.select("lfw", "everything")


def test_read_pairs_view2():
    pairs = data.read_pairs()
    assert len(pairs) == 6000
    assert {fold for *_, fold in pairs} == set(range(10))
    assert sum(same for _, _, same, _ in pairs) == 3000
    assert pairs[0] == (("Abel_Pacheco", 1), ("Abel_Pacheco", 4), True, 0)


@pytest.mark.parametrize("person,index", [("", 1), ("../x", 1), ("Ann", 0), ("Ann", "1"), ("Ann", True), (None, 1)])
def test_lfw_image_relpath_rejects_bad_input(person, index):
    with pytest.raises(ValueError):
        data.lfw_image_relpath(person, index)


def test_require_missing_file_says_how_to_fetch(tmp_path, monkeypatch):
    monkeypatch.setenv("FACECOURSE_DATA", str(tmp_path))
    with pytest.raises(data.MissingDataError, match="course.py data"):
        data.lfw_image_path("Ann", 1)


def test_verify_cli_exits_nonzero_naming_each_bad_file(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("FACECOURSE_DATA", str(tmp_path))
    real = Path(data.ROOT / "datasets" / "cache")
    # copy the protocol + examples so only a few named files are bad
    for e in data.required_entries("teaching")[:5]:
        src = real / e.dataset / e.path
        dst = tmp_path / e.dataset / e.path
        dst.parent.mkdir(parents=True, exist_ok=True)
        dst.write_bytes(src.read_bytes())
    first = data.required_entries("teaching")[0]
    (tmp_path / first.dataset / first.path).write_bytes(b"corrupted")
    rc = data.main(["verify", "--subset", "teaching"])
    out = capsys.readouterr()
    assert rc == 1
    assert f"{first.dataset}/{first.path}: corrupt" in out.out
    assert "missing" in out.out and "python3 course.py data" in out.err


def test_fetch_cli_offline_message(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("FACECOURSE_DATA", str(tmp_path))
    rc = data.main(["fetch", "--quiet", "--mirror", str(tmp_path / "no-such-mirror")])
    assert rc == 2
    assert "does not exist" in capsys.readouterr().err
    assert not os.listdir(tmp_path)
