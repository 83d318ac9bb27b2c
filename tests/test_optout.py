"""The LFW opt-out list (issue 15): a listed person is not fetched, not loaded, not enrollable, never found."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np
import pytest

from facecourse import data
from facecourse.matching import gallery as G
from facecourse.matching import identification, precomputed

WHO = "Alvaro_Uribe"  # a real LFW identity in the teaching subset and in View 2's pairs


def _write_list(path: Path, *identities: str) -> Path:
    path.write_text("identity,date,note\n" + "".join(f"{n},2026-12-01,test entry\n" for n in identities))
    return path


@pytest.fixture
def optout(tmp_path, monkeypatch):
    """Opt WHO out through FACECOURSE_OPTOUT, without touching the committed list."""
    monkeypatch.setenv("FACECOURSE_OPTOUT", str(_write_list(tmp_path / "extra.csv", WHO)))
    return WHO


def test_the_committed_list_parses_and_names_nobody():
    committed = data.OPTOUT_DIR / "lfw.csv"
    assert committed.is_file() and (data.OPTOUT_DIR / "README.md").is_file()
    assert data.read_optout_list(committed) == [], "nobody has asked: the committed list must stay empty"
    if not os.environ.get("FACECOURSE_OPTOUT"):
        assert data.opted_out("lfw") == frozenset()


def test_extra_lists_add_names_and_malformed_lists_fail(optout, tmp_path, monkeypatch):
    assert data.opted_out("lfw") == {WHO}
    assert data.is_opted_out(WHO) and data.is_opted_out("alvaro  uribe") and not data.is_opted_out("Colin_Powell")
    second = _write_list(tmp_path / "second.csv", "Colin_Powell")
    monkeypatch.setenv("FACECOURSE_OPTOUT", os.pathsep.join([str(tmp_path / "extra.csv"), str(second)]))
    assert data.opted_out("lfw") == {WHO, "Colin_Powell"}
    bad = tmp_path / "bad.csv"
    for text, what in (("identity,date\nX,2026-01-01\n", "lacks column"), ("identity,date,note\n../x,2026-01-01,\n", "not an identity"),
                       ("identity,date,note\nX,1 Dec,\n", "YYYY-MM-DD")):
        bad.write_text(text)
        monkeypatch.setenv("FACECOURSE_OPTOUT", str(bad))
        with pytest.raises(data.DataError, match=what):
            data.opted_out("lfw")
    monkeypatch.setenv("FACECOURSE_OPTOUT", str(tmp_path / "no-such.csv"))
    with pytest.raises(data.DataError, match="does not exist"):
        data.opted_out("lfw")


def test_a_listed_person_is_not_fetched_is_removed_from_the_cache_and_verify_says_excluded(optout, tmp_path, monkeypatch):
    mirror = os.environ.get("FACECOURSE_MIRROR") or "/work/shared/datasets"
    if not Path(mirror, "lfw").is_dir():
        pytest.skip("needs a local mirror of the datasets (FACECOURSE_MIRROR)")
    theirs = [p for p in data._read_subset_list("teaching") if p.split("/")[1] == WHO]
    assert len(theirs) == 8
    assert not {e.path for e in data.select("lfw", "teaching")} & set(theirs)
    cache = tmp_path / "cache"
    stale = cache / "lfw" / theirs[0]  # fetched before the request arrived
    stale.parent.mkdir(parents=True)
    stale.write_bytes(Path(mirror, "lfw", theirs[0]).read_bytes())
    monkeypatch.setenv("FACECOURSE_DATA", str(cache))
    monkeypatch.setenv("FACECOURSE_MIRROR", mirror)
    report = data.fetch("teaching", progress=False, workers=2)
    assert report.ok and report.excluded == len(theirs)
    assert not (cache / "lfw" / "images" / WHO).exists(), "the listed person's images must be deleted from the cache"
    checked = data.verify("teaching")
    assert checked.ok and checked.excluded == len(theirs) and "excluded" in checked.summary()
    assert not [p for p in checked.problems if WHO in p]
    with pytest.raises(data.OptedOutError, match="left out"):
        data.lfw_image_path(WHO, 1)
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"x")
    assert "opted out but still in the cache" in data.verify("teaching").problems[f"lfw/{theirs[0]}"]


def test_a_listed_person_is_not_loaded_and_their_pairs_are_dropped_with_a_warning(optout):
    table, emb = precomputed.load()
    assert WHO not in set(table["person"]) and len(emb) == len(table) < precomputed.metadata()["images"]
    with pytest.warns(UserWarning, match="opt-out list"):
        pairs = data.read_pairs()
    assert pairs and all(WHO not in (p[0][0], p[1][0]) for p in pairs) and len(pairs) < 6000
    assert len(data.read_pairs(include_opted_out=True)) == 6000
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # pairs already without them: no second warning
        distances = precomputed.pair_distances(table, emb, pairs)
    assert len(distances) == len(pairs)


def test_the_loader_drops_exactly_the_listed_rows(tmp_path, monkeypatch):
    full, full_emb = precomputed.load()
    n = int((full["person"] == WHO).sum())
    monkeypatch.setenv("FACECOURSE_OPTOUT", str(_write_list(tmp_path / "x.csv", WHO)))
    table, emb = precomputed.load()
    assert n >= 8 and len(table) == len(full) - n
    keep = (full["person"] != WHO).to_numpy()
    assert np.array_equal(emb, full_emb[keep]) and list(table["path"]) == list(full.loc[keep, "path"])


def test_a_gallery_refuses_them_drops_them_on_load_and_search_never_returns_them(tmp_path, monkeypatch):
    rng = np.random.default_rng(0)
    v = rng.normal(size=(3, 128)).astype(np.float32)
    g = G.Gallery()  # built before the request arrived
    g.add_many([WHO, "Alvaro Uribe", "Colin_Powell"], v, ["a.jpg", "b.jpg", "c.jpg"])
    g.save(tmp_path / "g")
    monkeypatch.setenv("FACECOURSE_OPTOUT", str(_write_list(tmp_path / "extra.csv", WHO)))
    for spelling in (WHO, "alvaro uribe"):
        with pytest.raises(ValueError, match="opt-out list"):
            G.Gallery().add(spelling, v[0], source="x.jpg")
    with pytest.raises(data.OptedOutError):
        G.Gallery().add_many(["Colin_Powell", WHO], v[:2], ["c.jpg", "a.jpg"])
    hits = g.search(v[0], k=3)
    assert [m.identity for m in hits] == ["Colin_Powell"], "search must never return a listed person"
    assert g.identify(v[1], threshold=0.01) is None
    g.use_index("flat")
    assert [m.identity for m in g.search(v[0], k=3)] == ["Colin_Powell"]
    assert G.Gallery.load(tmp_path / "g").identities() == ["Colin_Powell"]


def test_the_lfw_gallery_and_the_crawl_gallery_leave_them_out(optout):
    from facecourse.scraping import collect
    from facecourse.scraping.ledger import Ledger

    lfw = identification.lfw_gallery()
    assert WHO not in lfw.identities()
    led = Ledger()
    _ = led.record("http://127.0.0.1/photos/alvaro-uribe/1.jpg", "collected", kind="photo", subject="Alvaro Uribe",
                   file="/nonexistent.jpg")
    gallery, problems = collect.gallery_from_ledger(led)
    assert len(gallery) == 0 and "opt-out list" in problems["problem"].iloc[0]
