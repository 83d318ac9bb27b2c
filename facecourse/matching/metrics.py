"""Evaluation the way face-recognition evaluations report it (distances: smaller = more alike).

Vocabulary (ISO/IEC 19795-1, NIST FRVT):

* a *genuine* (mated) comparison pairs two images of the same person; an *impostor*
  (non-mated) comparison pairs two different people;
* at a threshold ``t`` a comparison is a match when ``distance <= t``;
* **FMR** (false match rate): share of impostor comparisons that match;
* **FNMR** (false non-match rate): share of genuine comparisons that do not match;
* a **DET** curve plots FNMR against FMR, both on log axes; **ROC** plots 1 - FNMR against FMR;
* **EER**: the error rate where FMR = FNMR.

``lfw_view2`` applies LFW's View 2 protocol: 10 folds; for each fold a threshold is fitted on
the other nine (the one with the best accuracy there) and accuracy is measured on the held-out
fold; mean and spread over the 10 folds are reported.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import THRESHOLD


def _check(genuine, impostor) -> tuple[np.ndarray, np.ndarray]:
    g = np.asarray(genuine, dtype=np.float64).ravel()
    i = np.asarray(impostor, dtype=np.float64).ravel()
    if g.size == 0 or i.size == 0:
        raise ValueError("need at least one genuine and one impostor distance")
    if not (np.isfinite(g).all() and np.isfinite(i).all()):
        raise ValueError("distances must be finite numbers (a NaN usually means a face was not embedded)")
    return g, i


def rates_at(genuine, impostor, thresholds) -> pd.DataFrame:
    """FMR and FNMR at each threshold (a match is ``distance <= threshold``).

    Parameters: ``genuine``, the distances of same-person pairs; ``impostor``, those of
    different-person pairs; ``thresholds``, one number or a list. Returns a DataFrame with columns
    ``threshold``, ``fmr`` (share of impostor distances ``<= threshold``) and ``fnmr`` (share of
    genuine distances ``> threshold``). Raises ``ValueError`` if either list is empty or holds a NaN.

    >>> rates_at([0.1, 0.3, 0.7], [0.5, 0.6, 0.9, 1.0], [0.6])
       threshold  fmr      fnmr
    0        0.6  0.5  0.333333
    """
    g, i = _check(genuine, impostor)
    t = np.atleast_1d(np.asarray(thresholds, dtype=np.float64))
    gs, is_ = np.sort(g), np.sort(i)
    fmr = np.searchsorted(is_, t, side="right") / is_.size
    fnmr = 1.0 - np.searchsorted(gs, t, side="right") / gs.size
    return pd.DataFrame({"threshold": t, "fmr": fmr, "fnmr": fnmr})


def det_curve(genuine, impostor, max_points: int | None = 2000) -> pd.DataFrame:
    """FMR and FNMR at every distinct threshold (thinned to ``max_points`` rows for plotting).

    Returns a DataFrame with columns threshold, fmr, fnmr, tmr (= 1 - fnmr, the ROC's y axis),
    thresholds increasing. Raises ``ValueError`` as :func:`rates_at` does.

    >>> det_curve([0.1, 0.3], [0.5, 0.9])["fmr"].tolist()
    [0.0, 0.0, 0.5, 1.0]
    """
    g, i = _check(genuine, impostor)
    thresholds = np.unique(np.concatenate([g, i]))
    if max_points and thresholds.size > max_points:
        thresholds = np.unique(np.quantile(thresholds, np.linspace(0, 1, max_points)))
    df = rates_at(g, i, thresholds)
    df["tmr"] = 1.0 - df["fnmr"]
    return df


roc_curve = det_curve  # the same points; ROC and DET differ only in how they are drawn


def eer(genuine, impostor) -> tuple[float, float]:
    """(equal error rate, threshold), interpolated where FMR and FNMR cross.

    >>> eer([0.1, 0.2, 0.6], [0.5, 0.8, 0.9])   # one genuine and one impostor pair overlap
    (0.3333333333333333, 0.5)
    """
    df = det_curve(genuine, impostor, max_points=None)
    diff = df["fmr"].to_numpy() - df["fnmr"].to_numpy()
    k = int(np.argmax(diff >= 0))  # first threshold where FMR >= FNMR
    if k == 0:
        return float((df["fmr"].iloc[0] + df["fnmr"].iloc[0]) / 2), float(df["threshold"].iloc[0])
    d0, d1 = diff[k - 1], diff[k]
    w = d0 / (d0 - d1) if d1 != d0 else 0.5
    rate = (1 - w) * (df["fmr"].iloc[k - 1] + df["fnmr"].iloc[k - 1]) / 2 + w * (df["fmr"].iloc[k] + df["fnmr"].iloc[k]) / 2
    thr = (1 - w) * df["threshold"].iloc[k - 1] + w * df["threshold"].iloc[k]
    return float(rate), float(thr)


def threshold_for_fmr(impostor, target_fmr: float) -> float:
    """The largest threshold whose FMR does not exceed ``target_fmr`` on these impostor distances.

    Raises ``ValueError`` if ``target_fmr`` is not between 0 and 1.

    >>> round(threshold_for_fmr([0.5, 0.6, 0.7, 0.8], 0.25), 6)   # one impostor in four may match
    0.6
    """
    i = np.sort(np.asarray(impostor, dtype=np.float64).ravel())
    if not 0 <= target_fmr <= 1:
        raise ValueError("target_fmr is a rate between 0 and 1")
    k = int(np.floor(target_fmr * i.size))  # at most k impostors may match
    return float(np.nextafter(i[k], -np.inf)) if k < i.size else float(i[-1])


def accuracy(distances, same, threshold: float) -> float:
    """Share of pairs classified correctly when "same person" means ``distance <= threshold``.

    Raises ``ValueError`` if the two lists differ in length or are empty.

    >>> accuracy([0.2, 0.9, 0.5, 0.7], [True, False, False, True], 0.6)
    0.5
    """
    d = np.asarray(distances, dtype=np.float64)
    s = np.asarray(same, dtype=bool)
    if d.shape != s.shape or d.size == 0:
        raise ValueError("distances and same-person labels must be non-empty and of equal length")
    return float(np.mean((d <= threshold) == s))


def best_threshold(distances, same) -> float:
    """Threshold with the highest accuracy on these pairs (midpoint between neighbouring distances).

    Fit it on training pairs only: measured on the pairs it was fitted on, accuracy is optimistic.

    >>> best_threshold([0.1, 0.2, 0.5, 0.6], [True, True, False, False])
    0.35
    """
    d = np.asarray(distances, dtype=np.float64)
    s = np.asarray(same, dtype=bool)
    order = np.argsort(d, kind="stable")
    d, s = d[order], s[order]
    # accuracy if the threshold sits just after position k: genuine matched up to k, impostors after
    correct = np.concatenate([[np.sum(~s)], np.sum(~s) + np.cumsum(np.where(s, 1, -1))])
    k = int(np.argmax(correct))
    if k == 0:
        return float(d[0] - 1e-6)
    if k == d.size:
        return float(d[-1] + 1e-6)
    return float((d[k - 1] + d[k]) / 2)


def lfw_view2(distances, same, folds, fixed_threshold: float = THRESHOLD) -> pd.DataFrame:
    """LFW View 2: per-fold accuracy with the threshold fitted on the other folds, and at ``fixed_threshold``.

    Parameters: per pair its ``distances``, ``same`` (bool) and ``folds`` label (LFW: 0-9). For
    each fold k, :func:`best_threshold` is fitted on the pairs of every other fold and applied to
    fold k. Returns one row per fold: ``fold`` (the label as given, so 0-9 for LFW),
    ``threshold``, ``accuracy`` (fitted) and ``accuracy_fixed``. Raises ``ValueError`` on unequal
    lengths or a non-finite distance.

    >>> per_fold = lfw_view2(pairs["distance"], pairs["same"], pairs["fold"])   # doctest: +SKIP
    >>> summarise_view2(per_fold)["accuracy"]["mean"]                           # doctest: +SKIP
    """
    d = np.asarray(distances, dtype=np.float64)
    s = np.asarray(same, dtype=bool)
    f = np.asarray(folds)
    if not (d.shape == s.shape == f.shape):
        raise ValueError("distances, same and folds must have equal length")
    if not np.isfinite(d).all():
        raise ValueError("every pair needs a finite distance; LFW's protocol has no 'skip' option")
    rows = []
    for k in np.unique(f):
        train, test = f != k, f == k
        t = best_threshold(d[train], s[train])
        rows.append({"fold": int(k), "threshold": t, "accuracy": accuracy(d[test], s[test], t),
                     "accuracy_fixed": accuracy(d[test], s[test], fixed_threshold)})
    return pd.DataFrame(rows)


def summarise_view2(per_fold: pd.DataFrame) -> dict:
    """Mean, sample standard deviation and standard error over folds (LFW reports mean ± SE).

    Returns ``{"accuracy": {"mean", "std", "se"}, "accuracy_fixed": {...}}``.

    >>> per_fold = pd.DataFrame({"accuracy": [0.99, 0.98, 1.0], "accuracy_fixed": [0.99, 0.99, 0.99]})
    >>> {k: round(v, 4) for k, v in summarise_view2(per_fold)["accuracy"].items()}
    {'mean': 0.99, 'std': 0.01, 'se': 0.0058}
    """
    out = {}
    for col in ("accuracy", "accuracy_fixed"):
        v = per_fold[col].to_numpy()
        sd = float(np.std(v, ddof=1)) if v.size > 1 else 0.0
        out[col] = {"mean": float(v.mean()), "std": sd, "se": float(sd / np.sqrt(v.size))}
    return out


def expected_false_candidates(fmr: float, gallery_size: float) -> float:
    """Expected number of false candidates (gallery *images*, not people) one 1:N search returns.

    Each of the ``gallery_size`` comparisons of a probe with a non-mated gallery image matches
    with probability ``fmr``, so the expected count is ``fmr * gallery_size``. One stranger with
    many photos can account for several of them, so the number of distinct wrong people is
    smaller or equal.

    >>> round(expected_false_candidates(1e-5, 3e9))   # FMR 1 in 100,000, 3 billion images
    30000
    """
    return float(fmr) * float(gallery_size)


def prob_at_least_one_false_match(fmr: float, gallery_size: float) -> float:
    """Probability that a search of ``gallery_size`` non-mated images returns at least one false match.

    ``1 - (1 - fmr) ** n`` assuming independent comparisons, computed as
    ``-expm1(n * log1p(-fmr))``: the naive formula rounds ``1 - fmr`` to 1.0 when ``fmr`` is below
    about 1e-16 and loses digits well before that. Raises ``ValueError`` if ``fmr`` is not in [0, 1].

    >>> round(prob_at_least_one_false_match(0.001, 200), 3)   # Daugman's worked example
    0.181
    >>> f"{prob_at_least_one_false_match(1e-17, 1e6):.3g}"      # the naive formula gives 0.0
    '1e-11'
    """
    if not 0 <= fmr <= 1:
        raise ValueError("fmr is a rate between 0 and 1")
    return float(-np.expm1(gallery_size * np.log1p(-fmr))) if fmr < 1 else 1.0


def positive_predictive_value(prior: float, hit_rate: float, false_alarm_rate: float) -> float:
    """Probability that a returned candidate is the right person (Bayes' rule).

    Parameters: ``prior``, the probability that the searched person is in the gallery at all;
    ``hit_rate``, the probability the search returns them when they are (1 - FNIR);
    ``false_alarm_rate``, the probability it returns a stranger when they are not (FPIR).
    Returns ``prior * hit_rate / (prior * hit_rate + (1 - prior) * false_alarm_rate)``.
    Raises ``ValueError`` if a rate is outside [0, 1] or nothing is ever returned.

    >>> round(positive_predictive_value(0.01, 0.99, 0.10), 3)   # rare mates, 10% false alarms
    0.091
    """
    for name, v in (("prior", prior), ("hit_rate", hit_rate), ("false_alarm_rate", false_alarm_rate)):
        if not 0 <= v <= 1:
            raise ValueError(f"{name} is a probability between 0 and 1")
    hits, alarms = prior * hit_rate, (1 - prior) * false_alarm_rate
    if hits + alarms == 0:
        raise ValueError("with these rates the search never returns anyone")
    return float(hits / (hits + alarms))
