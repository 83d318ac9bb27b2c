"""facecourse.gallery: search with provenance, open-set rejection, erasure, persistence."""

from __future__ import annotations

import numpy as np
import pytest

from facecourse.gallery import Gallery


def _gallery(n_people=20, per=3, seed=0):
    rng = np.random.default_rng(seed)
    g = Gallery()
    centres = rng.normal(0, 0.3, (n_people, 128)).astype(np.float32)
    for p in range(n_people):
        for j in range(per):
            g.add(f"person_{p:02d}", centres[p] + rng.normal(0, 0.01, 128), source=f"https://site.test/p{p}/{j}.jpg")
    return g, centres


def test_search_ranks_nearest_first_with_sources():
    g, centres = _gallery()
    res = g.search(centres[7], k=5)
    assert [m.rank for m in res] == [1, 2, 3, 4, 5]
    assert [m.identity for m in res[:3]] == ["person_07"] * 3
    assert all(a.distance <= b.distance for a, b in zip(res, res[1:]))
    assert res[0].source.startswith("https://site.test/p7/")
    brute = np.linalg.norm(g.embeddings - centres[7], axis=1)
    assert res[0].distance == pytest.approx(brute.min(), abs=1e-4)


def test_open_set_rejection():
    g, _ = _gallery()
    stranger = np.full(128, 5.0, np.float32)
    assert g.identify(stranger, threshold=0.6) is None
    assert g.search(stranger, k=5, threshold=0.6) == []


def test_erasure_removes_a_person_from_every_search():
    g, centres = _gallery()
    assert g.remove("person_03") == 3
    assert "person_03" not in g.identities()
    for probe in [centres[3], *centres]:
        assert all(m.identity != "person_03" for m in g.search(probe, k=len(g)))
    assert g.remove("person_03") == 0


def test_save_load_roundtrip_keeps_erasure(tmp_path):
    g, centres = _gallery()
    g.remove("person_05")
    g.save(tmp_path / "gal")
    h = Gallery.load(tmp_path / "gal")
    assert len(h) == len(g) and h.identities() == g.identities()
    assert [m.identity for m in h.search(centres[5], k=10)] == [m.identity for m in g.search(centres[5], k=10)]


def test_bad_input():
    g = Gallery()
    assert g.search(np.zeros(128)) == []
    with pytest.raises(ValueError, match="source"):
        g.add("x", np.zeros(128), source="")
    with pytest.raises(ValueError, match="128"):
        g.add("x", np.zeros(127), source="s")
    with pytest.raises(ValueError, match="NaN"):
        g.add("x", np.full(128, np.nan), source="s")
    g.add("x", np.zeros(128), source="s")
    with pytest.raises(ValueError, match="positive int"):
        g.search(np.zeros(128), k=0)
    with pytest.raises(ValueError, match="probe"):
        g.search(np.zeros(5))


def test_load_missing_or_inconsistent(tmp_path):
    with pytest.raises(FileNotFoundError):
        Gallery.load(tmp_path / "nothing")
    g, _ = _gallery(2, 1)
    g.save(tmp_path / "g")
    (tmp_path / "g.csv").write_text("identity,source\nonly,one\n")
    with pytest.raises(ValueError, match="inconsistent"):
        Gallery.load(tmp_path / "g")


def test_exclude_source():
    g, centres = _gallery()
    first = g.search(centres[1], k=1)[0]
    again = g.search(centres[1], k=1, exclude_source=first.source)[0]
    assert again.source != first.source and again.identity == "person_01"


def test_results_table_can_carry_provenance():
    g = Gallery()
    v = np.zeros(128, np.float32)
    g.add("Ann", v, source="http://127.0.0.1/a.jpg", licence="CC BY 4.0", sha256="ab")
    plain = g.results_table(g.search(v, k=1))
    assert list(plain.columns) == ["rank", "identity", "distance", "source", "index"]
    rich = g.results_table(g.search(v, k=1), provenance=True)
    assert rich.loc[0, "licence"] == "CC BY 4.0" and rich.loc[0, "sha256"] == "ab"


def test_docstring_examples_run():
    import doctest

    from facecourse.matching import gallery as module

    result = doctest.testmod(module)
    assert result.attempted >= 15 and result.failed == 0
