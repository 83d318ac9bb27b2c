"""facecourse.metrics: FMR/FNMR, DET, EER and the LFW View 2 protocol, checked on known numbers."""

from __future__ import annotations

import numpy as np
import pytest

from facecourse import metrics


def test_rates_at_counts_matches_as_distance_at_most_threshold():
    genuine = [0.1, 0.3, 0.5, 0.7]
    impostor = [0.4, 0.6, 0.8, 0.9, 1.0]
    r = metrics.rates_at(genuine, impostor, [0.5, 0.6])
    assert r["fnmr"].tolist() == [0.25, 0.25]  # only 0.7 misses
    assert r["fmr"].tolist() == [0.2, 0.4]  # 0.4; then 0.4 and 0.6


def test_eer_on_symmetric_example():
    genuine = np.array([0.1, 0.2, 0.3, 0.45, 0.55])
    impostor = np.array([0.45, 0.55, 0.7, 0.8, 0.9])
    rate, thr = metrics.eer(genuine, impostor)
    assert rate == pytest.approx(0.2, abs=0.05)
    assert 0.4 <= thr <= 0.6


def test_det_curve_is_monotone():
    rng = np.random.default_rng(1)
    df = metrics.det_curve(rng.normal(0.4, 0.1, 500), rng.normal(0.9, 0.1, 5000))
    assert df["fmr"].is_monotonic_increasing and df["fnmr"].is_monotonic_decreasing
    assert len(df) <= 2000


def test_threshold_for_fmr():
    impostor = np.arange(1, 1001) / 1000.0  # 0.001 .. 1.0
    t = metrics.threshold_for_fmr(impostor, 0.01)
    assert metrics.rates_at([0.0], impostor, [t])["fmr"].iloc[0] <= 0.01
    assert t == pytest.approx(0.01, abs=0.0011)


def test_best_threshold_and_view2():
    rng = np.random.default_rng(0)
    folds = np.repeat(np.arange(10), 600)
    same = np.tile(np.r_[np.ones(300, bool), np.zeros(300, bool)], 10)
    d = np.where(same, rng.normal(0.4, 0.08, same.size), rng.normal(0.8, 0.08, same.size))
    per_fold = metrics.lfw_view2(d, same, folds)
    assert list(per_fold["fold"]) == list(range(10))  # the labels as given: LFW numbers its folds 0-9
    assert per_fold["threshold"].between(0.5, 0.7).all()
    s = metrics.summarise_view2(per_fold)
    assert 0.98 < s["accuracy"]["mean"] <= 1.0
    assert s["accuracy"]["se"] == pytest.approx(s["accuracy"]["std"] / np.sqrt(10))


def test_best_threshold_separates_perfectly():
    assert 0.3 < metrics.best_threshold([0.1, 0.2, 0.5, 0.6], [True, True, False, False]) < 0.5


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="finite"):
        metrics.rates_at([0.1, np.nan], [0.5], [0.6])
    with pytest.raises(ValueError, match="at least one"):
        metrics.eer([], [0.5])
    with pytest.raises(ValueError):
        metrics.accuracy([0.1, 0.2], [True], 0.5)
    with pytest.raises(ValueError, match="finite"):
        metrics.lfw_view2([np.nan], [True], [0])


def test_base_rates():
    assert metrics.expected_false_candidates(1e-5, 3e9) == pytest.approx(30_000)
    assert metrics.prob_at_least_one_false_match(1e-6, 1e6) == pytest.approx(1 - np.exp(-1), rel=1e-3)


def test_view2_keeps_the_fold_labels_and_matches_a_plain_loop():
    rng = np.random.default_rng(3)
    folds = np.repeat(np.arange(10), 60)
    same = np.tile(np.r_[np.ones(30, bool), np.zeros(30, bool)], 10)
    d = np.where(same, rng.normal(0.45, 0.1, same.size), rng.normal(0.75, 0.1, same.size))
    per_fold = metrics.lfw_view2(d, same, folds)
    for k in range(10):  # the loop lesson B4 writes by hand: fit on the other nine folds only
        t = metrics.best_threshold(d[folds != k], same[folds != k])
        row = per_fold[per_fold["fold"] == k].iloc[0]
        assert row["threshold"] == t
        assert row["accuracy"] == metrics.accuracy(d[folds == k], same[folds == k], t)


def test_probability_of_a_false_match_keeps_its_precision_and_refuses_bad_rates():
    assert metrics.prob_at_least_one_false_match(1e-17, 1e6) == pytest.approx(1e-11, rel=1e-9)
    assert 1 - (1 - 1e-17) ** 1e6 == 0.0  # the naive formula the lesson warns about
    assert metrics.prob_at_least_one_false_match(1.0, 5) == 1.0
    with pytest.raises(ValueError, match="between 0 and 1"):
        metrics.prob_at_least_one_false_match(1.5, 10)


def test_positive_predictive_value_is_bayes_rule():
    assert metrics.positive_predictive_value(0.5, 0.9, 0.1) == pytest.approx(0.9)
    assert metrics.positive_predictive_value(0.1, 0.9, 0.1) == pytest.approx(0.5)
    assert metrics.positive_predictive_value(0.01, 0.99, 0.1) == pytest.approx(0.0099 / (0.0099 + 0.099))
    with pytest.raises(ValueError, match="probability"):
        metrics.positive_predictive_value(1.2, 0.9, 0.1)
    with pytest.raises(ValueError, match="never returns"):
        metrics.positive_predictive_value(0.0, 0.9, 0.0)


def test_docstring_examples_run():
    import doctest

    from facecourse.matching import metrics as module

    result = doctest.testmod(module)
    assert result.attempted >= 8 and result.failed == 0
