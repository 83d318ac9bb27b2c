"""The numpy port of dlib's face network: same descriptors as dlib, correct derivatives, clear errors."""

from __future__ import annotations

import time

import numpy as np
import pytest

from facecourse import data
from facecourse.matching import dlibnet, faces, precomputed

#: largest Euclidean distance allowed between the port's descriptor and dlib's for one chip. dlib
#: computes in float32 (about 7 significant digits); measured: at most 1.3e-6 over the 400
#: teaching images, 1e-5 leaves room for other CPUs' float32 rounding and is 60,000 times smaller
#: than the 0.6 threshold.
TOLERANCE = 1e-5


@pytest.fixture(scope="module")
def net():
    return dlibnet.load()


def _teaching_chips():
    """The DOCUMENTED-pipeline chip of every LFW teaching image (5-point alignment, no upscale),
    at the face the committed table located (so no detector runs here)."""
    table, _ = precomputed.load()
    teaching = [e.path for e in data.select("lfw", "teaching") if e.path.startswith("images/")]
    rows = table.set_index("path").loc[teaching]
    chips = [faces.aligned_chip(data.require("lfw", path), (r.top, r.right, r.bottom, r.left))
             for path, r in rows.iterrows()]
    return teaching, np.stack(chips)


@pytest.mark.slow
def test_descriptors_match_dlib_on_every_teaching_image(net):
    """All 400 LFW teaching images: the port's descriptor equals dlib's compute_face_descriptor."""
    paths, chips = _teaching_chips()
    assert len(paths) == 400
    encoder = faces._Models.get("encoder")
    t0 = time.perf_counter()
    ref = np.array([encoder.compute_face_descriptor(c) for c in chips])
    t_dlib = time.perf_counter() - t0
    t0 = time.perf_counter()
    ours = net.descriptors(chips)
    t_ours = time.perf_counter() - t0
    gap = np.linalg.norm(ours - ref, axis=1)
    worst = int(np.argmax(gap))
    assert gap.max() < TOLERANCE, f"{paths[worst]}: the port is {gap.max():.2e} from dlib"
    # the same nearest neighbours as dlib, too (what a search returns)
    d_ref = np.linalg.norm(ref[:, None] - ref[None], axis=-1)
    d_ours = np.linalg.norm(ours[:, None] - ours[None], axis=-1)
    assert np.abs(d_ref - d_ours).max() < 2 * TOLERANCE
    print(f"max gap {gap.max():.2e}, median {np.median(gap):.2e}; dlib {t_dlib / len(chips) * 1e3:.0f} ms "
          f"per chip, port {t_ours / len(chips) * 1e3:.0f} ms")


def test_a_single_chip_and_a_batch_agree(net):
    rng = np.random.default_rng(1)
    chips = rng.integers(0, 256, (3, 150, 150, 3), dtype=np.uint8)
    batch = net.descriptors(chips)
    one = net.forward(chips[1])
    assert one.shape == (1, 128)
    np.testing.assert_allclose(one[0], batch[1], rtol=0, atol=1e-12)
    np.testing.assert_allclose(net.descriptors(chips, batch=1), batch, rtol=0, atol=1e-12)


def _lfw_chip():
    img = data.require("lfw", "images/Gordon_Brown/Gordon_Brown_0007.jpg")
    return faces.aligned_chip(img, faces.detect(img)[0].box).astype(np.float64)


def test_input_gradient_matches_finite_differences(net):
    """<backward(g), v> is the derivative of <descriptor, g> along v (central differences)."""
    rng = np.random.default_rng(0)
    x = _lfw_chip()[None]
    g = rng.normal(size=(1, 128))
    d, tape = net.forward(x, record=True)
    dx = net.backward(tape, g)
    assert dx.shape == x.shape
    for _ in range(3):
        v = rng.normal(size=x.shape)
        analytic = (dx * v).sum()
        # two step sizes: a ReLU or max-pooling switch crossed by one step is rarely crossed by both
        errors = [abs(((net.forward(x + h * v) - net.forward(x - h * v)) * g).sum() / (2 * h) - analytic)
                  for h in (1e-4, 1e-5)]
        assert min(errors) <= 1e-6 * abs(analytic), (analytic, errors)


@pytest.mark.parametrize("name", ["stem.conv.w", "stem.aff.gamma", "block4.conv1.w", "block11.aff2.beta",
                                  "block14.conv2.b", "fc.w"])
def test_weight_gradients_match_finite_differences(net, name):
    rng = np.random.default_rng(2)
    x = _lfw_chip()[None]
    g = rng.normal(size=(1, 128))
    _, tape = net.forward(x, record=True)
    _, grads = net.backward(tape, g, params=True)
    assert set(grads) == set(net.params())
    w = net.params()[name]
    v = rng.normal(size=w.shape)
    analytic = float((grads[name] * v).sum())
    errors = []
    for rel in (1e-5, 1e-6):  # steps relative to the weights' size; two, as above
        h = rel * max(1e-3, float(np.abs(w).mean()))
        w += h * v
        up = (net.forward(x) * g).sum()
        w -= 2 * h * v
        down = (net.forward(x) * g).sum()
        w += h * v
        errors.append(abs((up - down) / (2 * h) - analytic))
    assert min(errors) <= 1e-6 * abs(analytic), (name, analytic, errors)


def test_partial_runs_compose(net):
    """Stages 0-10 then 11-15 give the whole network's result, and backward from a later stage works."""
    chips = np.random.default_rng(3).integers(0, 256, (2, 150, 150, 3), dtype=np.uint8)
    feats = net.features(chips, stop=11)
    assert feats.shape == (2, 8, 8, 128)
    np.testing.assert_allclose(net.forward(feats, start=11), net.descriptors(chips), rtol=0, atol=1e-12)
    d, tape = net.forward(feats, start=11, record=True)
    dfeat, grads = net.backward(tape, np.ones_like(d), params=True)
    assert dfeat.shape == feats.shape
    assert "fc.w" in grads and "block11.conv1.w" in grads and "block10.conv1.w" not in grads


def test_load_returns_independent_copies(net):
    a, b = dlibnet.load(), dlibnet.load()
    a.params()["fc.w"][:] = 0
    assert np.abs(b.params()["fc.w"]).sum() > 0


def test_bad_input_gets_a_clear_error(net, tmp_path):
    with pytest.raises(ValueError, match="150 x 150"):
        net.forward(np.zeros((1, 100, 100, 3)))
    with pytest.raises(ValueError, match="stages run from 0"):
        net.forward(np.zeros((1, 150, 150, 3)), start=5, stop=3)
    with pytest.raises(ValueError, match="record=True"):
        net.backward(dlibnet.Tape(0, 16), np.zeros((1, 128)))
    real = dlibnet.model_path().read_bytes()
    cut = tmp_path / "cut.dat"
    cut.write_bytes(real[: len(real) // 2])
    with pytest.raises(dlibnet.ModelFileError, match="ends early|not a dlib"):
        dlibnet.load(cut)
    other = tmp_path / "other.dat"
    other.write_bytes(b"\x01\x01\x05hello")
    with pytest.raises(dlibnet.ModelFileError, match="not dlib's face recognition network"):
        dlibnet.load(other)
    with pytest.raises(dlibnet.ModelFileError, match="cannot read"):
        dlibnet.load(tmp_path / "missing.dat")


def test_docstring_examples_run():
    import doctest

    result = doctest.testmod(dlibnet, extraglobs={"np": np})
    assert result.attempted >= 5 and result.failed == 0
