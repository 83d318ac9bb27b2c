"""The committed LFW embeddings: complete, consistent, and equal to a fresh computation."""

from __future__ import annotations

import numpy as np
import pytest

from facecourse import data, embeddings, faces


@pytest.fixture(scope="module")
def committed():
    return embeddings.load()


def test_every_lfw_image_is_embedded_once(committed):
    table, emb = committed
    manifest = sorted(e.path for e in data.load_manifest("lfw") if e.path.startswith("images/"))
    assert sorted(table["path"]) == manifest
    assert emb.shape == (len(manifest), 128) and emb.dtype == np.float32
    assert np.isfinite(emb).all()
    assert set(table["detector"]) <= {"hog", "cnn", "fixed"}


def test_metadata_records_versions_and_settings(committed):
    meta = embeddings.metadata()
    import dlib

    assert meta["models"]["dlib"] == dlib.__version__
    assert meta["settings"]["upscale"] == embeddings.SETTINGS.upscale
    assert meta["settings"]["flip"] == embeddings.SETTINGS.flip
    assert sum(meta["detectors_used"].values()) == meta["images"]


def test_random_sample_matches_fresh_computation(committed):
    """Recompute 8 random teaching images (the ones every test run has) from the pixels."""
    table, emb = committed
    teaching = {e.path for e in data.select("lfw", "teaching")}
    rows = table[table["path"].isin(teaching)].sample(8, random_state=np.random.default_rng().integers(1 << 30))
    for i, row in rows.iterrows():
        fresh = embeddings.embed_lfw_image(data.require("lfw", row["path"]))
        assert fresh.detector == row["detector"], row["path"]
        assert fresh.box.as_tuple() == (row["top"], row["right"], row["bottom"], row["left"])
        assert faces.distance(fresh.embedding, emb[i]) < 1e-4, row["path"]


def test_pair_distances_cover_view2(committed):
    table, emb = committed
    pairs = embeddings.pair_distances(table, emb, data.read_pairs())
    assert len(pairs) == 6000 and pairs["distance"].notna().all()


def test_docstring_examples_run():
    import doctest

    from facecourse import data
    from facecourse.matching import precomputed as module

    result = doctest.testmod(module, extraglobs={"data": data})
    assert result.attempted >= 5 and result.failed == 0
