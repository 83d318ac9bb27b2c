# %% [raw]
# # ASSIGNMENT CONFIG
# name: B4_verification
# init_cell: true
# check_all_cell: true
# export_cell: false
# tests:
#   files: false
#   ok_format: false

# %% [markdown]
# # Exercise B4: verification on LFW View 2
#
# **Why this matters.** Knowing how an accuracy figure is computed is the only defence against
# being impressed by it.
#
# **Learning objectives.** Compute pair accuracy, FMR and FNMR with numpy; fit a threshold on
# training folds only (the View 2 protocol); draw a DET curve with altair; explain a published
# figure.
#
# **Prerequisites.** `lessons/B4_verification.ipynb`.
#
# **Estimated time.** 40 minutes (from a trial run: see `INSTRUCTORS.md`).

# %%
import altair as alt
import numpy as np
import pandas as pd

from facecourse import data
from facecourse.matching import metrics, precomputed


table, emb = precomputed.load()
pairs = precomputed.pair_distances(table, emb, data.read_pairs())
genuine = pairs.loc[pairs["same"], "distance"].to_numpy()
impostor = pairs.loc[~pairs["same"], "distance"].to_numpy()
pairs.head(3)


# %% [markdown]
# ## Question 1: accuracy at a threshold
#
# Write `pair_accuracy(distances, same, threshold)`: the share of pairs classified correctly when
# a pair is called "same person" if its distance is **at most** `threshold` (a distance equal to
# the threshold counts as "same person"). `distances` and `same` may be lists, numpy arrays or
# pandas Series. Return a number between 0 and 1.

# %% [raw]
# # BEGIN QUESTION
# name: q1
# points: 1

# %% [raw]
# # BEGIN SOLUTION

# %%
def pair_accuracy(distances, same, threshold):
    # BEGIN SOLUTION
    distances, same = np.asarray(distances), np.asarray(same, dtype=bool)
    return float(np.mean((distances <= threshold) == same))
    # END SOLUTION


# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
def test_q1_1(pair_accuracy):
    from facecourse.checks import answered
    answered("q1", pair_accuracy=pair_accuracy)
    acc = pair_accuracy([0.2, 0.9, 0.5, 0.7, 0.3], [True, False, False, True, True], 0.6)
    assert abs(acc - 0.6) < 1e-9, f"Expected 0.6 (3 of 5 pairs right: 0.2 and 0.3 matched, 0.9 rejected), got {acc}."

# %%
def test_q1_2(pair_accuracy):
    assert abs(pair_accuracy([0.6, 0.8], [True, False], 0.6) - 1.0) < 1e-9, "A distance equal to the threshold must count as 'same person' (use <=, not <)."

# %%
def test_q1_3(pair_accuracy):
    acc = pair_accuracy([0.2, 0.9, 0.5, 0.7, 0.3], [True, False, False, True, True], 0.8)
    assert abs(acc - 0.8) < 1e-9, f"At the threshold 0.8 expected 0.8 (4 of 5 pairs right), got {acc}: use the threshold argument, not a fixed 0.6."

# %%
def test_q1_4(pair_accuracy):
    import pandas as pd
    assert abs(pair_accuracy(pd.Series([0.1, 0.7]), pd.Series([True, True]), 0.5) - 0.5) < 1e-9, "pair_accuracy must accept pandas Series and return a share between 0 and 1, not a count or a percentage."

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_q1_hidden_1(pair_accuracy, pairs):
    import numpy as np
    from facecourse.matching import metrics
    assert pair_accuracy(np.array([0.1, 0.2]), np.array([False, False]), 0.05) == 1.0
    assert abs(pair_accuracy(pairs["distance"], pairs["same"], 0.55) - metrics.accuracy(pairs["distance"], pairs["same"], 0.55)) < 1e-12

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 2: FMR and FNMR at a threshold
#
# Write `fmr_fnmr(genuine, impostor, threshold)` returning the tuple `(fmr, fnmr)` **in that
# order**: the false match rate (share of impostor distances `<= threshold`) and the false
# non-match rate (share of genuine distances `> threshold`), as shares between 0 and 1. Then
# store in `rates_06` the two rates of LFW View 2 at the threshold 0.6 (the arrays `genuine` and
# `impostor` are defined above).

# %% [raw]
# # BEGIN QUESTION
# name: q2
# points: 1

# %% [raw]
# # BEGIN SOLUTION

# %%
def fmr_fnmr(genuine, impostor, threshold):
    # BEGIN SOLUTION
    genuine, impostor = np.asarray(genuine), np.asarray(impostor)
    return float(np.mean(impostor <= threshold)), float(np.mean(genuine > threshold))
    # END SOLUTION


rates_06 = fmr_fnmr(genuine, impostor, 0.6)  # SOLUTION
rates_06

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
def test_q2_1(fmr_fnmr, rates_06):
    from facecourse.checks import answered
    import numpy as np
    answered("q2", fmr_fnmr=fmr_fnmr, rates_06=rates_06)
    r = fmr_fnmr(np.array([0.1, 0.3, 0.7, 0.8]), np.array([0.4, 0.9, 1.0, 1.1, 1.2]), 0.5)
    assert len(r) == 2 and abs(r[0] - 0.2) < 1e-9 and abs(r[1] - 0.5) < 1e-9, f"For genuine [0.1, 0.3, 0.7, 0.8] and impostor [0.4, 0.9, 1.0, 1.1, 1.2] at 0.5 expected (fmr, fnmr) = (0.2, 0.5) in that order, got {r}."

# %%
def test_q2_2(fmr_fnmr):
    import numpy as np
    r = fmr_fnmr(np.array([0.5, 0.7]), np.array([0.5, 0.9]), 0.5)
    assert abs(r[0] - 0.5) < 1e-9 and abs(r[1] - 0.5) < 1e-9, "An impostor at exactly the threshold is a false match and a genuine pair at exactly the threshold is not a false non-match (match means distance <= threshold)."

# %%
def test_q2_3(genuine, impostor, rates_06):
    from facecourse.matching import metrics
    ref = metrics.rates_at(genuine, impostor, [0.6]).iloc[0]
    assert abs(rates_06[0] - ref["fmr"]) < 1e-9 and abs(rates_06[1] - ref["fnmr"]) < 1e-9, "rates_06 should hold (fmr, fnmr) of the View 2 genuine and impostor distances at the threshold 0.6."

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_q2_hidden_1(fmr_fnmr):
    import numpy as np
    import pandas as pd
    r = fmr_fnmr(np.array([0.2, 0.4, 0.6]), pd.Series([0.3, 0.5, 0.7, 0.9]), 0.45)
    assert abs(r[0] - 0.25) < 1e-9 and abs(r[1] - 1 / 3) < 1e-9

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 3: fit on nine folds, test on the tenth
#
# Write `fit_threshold(distances, same)` that returns the threshold with the best accuracy on the
# given pairs (trying every observed distance, or every midpoint between neighbours, as a
# candidate is enough). Then write `held_out(pairs, k)` for a DataFrame with columns `fold`,
# `distance` and `same`: fit the threshold on the pairs of **every fold except k**, and return the
# tuple `(threshold, accuracy on fold k)`. Folds are labelled as in the DataFrame (0-9 for LFW).
# Finally store in `view2_mean` the mean of the ten held-out accuracies of LFW View 2.

# %% [raw]
# # BEGIN QUESTION
# name: q3
# points: 2

# %% [raw]
# # BEGIN SOLUTION

# %%
def fit_threshold(distances, same):
    # BEGIN SOLUTION
    distances, same = np.asarray(distances), np.asarray(same, dtype=bool)
    candidates = np.unique(distances)
    scores = [np.mean((distances <= t) == same) for t in candidates]
    return float(candidates[int(np.argmax(scores))])
    # END SOLUTION


def held_out(pairs, k):
    # BEGIN SOLUTION
    train, test = pairs[pairs["fold"] != k], pairs[pairs["fold"] == k]
    t = fit_threshold(train["distance"], train["same"])
    return t, pair_accuracy(test["distance"], test["same"], t)
    # END SOLUTION


view2_mean = np.mean([held_out(pairs, k)[1] for k in range(10)])  # SOLUTION
view2_mean

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
def test_q3_1(fit_threshold, held_out, view2_mean):
    from facecourse.checks import answered
    answered("q3", fit_threshold=fit_threshold, held_out=held_out, view2_mean=view2_mean)
    t = fit_threshold([0.1, 0.2, 0.3, 0.4], [True, True, False, False])
    assert 0.2 <= t < 0.3, f"On genuine distances 0.1, 0.2 and impostor distances 0.3, 0.4 the best threshold lies in [0.2, 0.3), got {t}: fit it on the data, do not hard-code 0.6."

# %%
def test_q3_2(held_out):
    import pandas as pd
    toy = pd.DataFrame({"fold": [0] * 12 + [1] * 4 + [2] * 4,
                        "distance": [0.5, 0.51, 0.52, 0.53, 0.54, 0.55, 0.6, 0.61, 0.62, 0.63, 0.64, 0.65,
                                     0.1, 0.2, 0.3, 0.4, 0.12, 0.22, 0.32, 0.42],
                        "same": [True] * 6 + [False] * 6 + [True, True, False, False] * 2})
    t, a = held_out(toy, 0)
    assert 0.2 <= t < 0.3, f"held_out(toy, 0) must fit the threshold on folds 1 and 2 only (best threshold there is in [0.2, 0.3)), got {t}: never fit on the held-out fold."
    assert abs(a - 0.5) < 1e-9, f"With that threshold fold 0 has 6 of 12 pairs right (accuracy 0.5), got {a}."

# %%
def test_q3_3(view2_mean):
    from facecourse.checks import close
    close(view2_mean, 0.99, 0.005, "view2_mean, the mean of the ten held-out accuracies of LFW View 2,")

# %%
def test_q3_4(view2_mean, held_out, pairs):
    import numpy as np
    _folds = sorted(pairs["fold"].unique())
    _accs = [float(held_out(pairs, k)[1]) for k in _folds]
    _mean = float(np.mean(_accs))
    # every fold counts: the mean over 9 folds (0.99111) or the accuracy of one threshold fitted on all 6,000
    # pairs (0.99167) differ from the 10-fold mean by 6e-5 and 5e-4, far more than 3 x 1e-9
    assert abs(float(view2_mean) - _mean) <= 1e-9, \
        f"view2_mean is {float(view2_mean):.6f}, but the mean of held_out(pairs, k)[1] over the {len(_folds)} folds is " \
        f"{_mean:.6f}: average the held-out accuracies of every fold, each with the threshold fitted on the other nine " \
        "(not 9 folds, not one threshold fitted on all pairs)."

# %%
def test_q3_5(held_out, pairs):
    import numpy as np
    # the threshold of fold 3 must be fitted on the nine other folds only: the best accuracy there
    _train = pairs[pairs["fold"] != 3]
    _d, _same = _train["distance"].to_numpy(), _train["same"].to_numpy(bool)
    _best = max(np.mean((_d <= t) == _same) for t in np.unique(_d))
    _t = float(held_out(pairs, 3)[0])
    _got = float(np.mean((_d <= _t) == _same))
    assert _got >= _best - 1e-12, \
        f"held_out(pairs, 3) returns the threshold {_t:.4f}, whose accuracy on the other nine folds is {_got:.5f}; the " \
        f"best there is {_best:.5f}: fit the threshold on the pairs of every fold except k, and only on those."

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_q3_hidden_1(pairs, fit_threshold, view2_mean, held_out):
    import numpy as np
    import pandas as pd
    from facecourse.matching import metrics
    toy = pd.DataFrame({"fold": [0] * 12 + [1] * 4 + [2] * 4,
                        "distance": [0.5, 0.51, 0.52, 0.53, 0.54, 0.55, 0.6, 0.61, 0.62, 0.63, 0.64, 0.65,
                                     0.1, 0.2, 0.3, 0.4, 0.12, 0.22, 0.32, 0.42],
                        "same": [True] * 6 + [False] * 6 + [True, True, False, False] * 2})
    tr = pairs[pairs["fold"] != 3]
    t_ref = metrics.best_threshold(tr["distance"], tr["same"])
    assert abs(metrics.accuracy(tr["distance"], tr["same"], fit_threshold(tr["distance"], tr["same"]))
               - metrics.accuracy(tr["distance"], tr["same"], t_ref)) < 1e-9
    ref = metrics.lfw_view2(pairs["distance"], pairs["same"], pairs["fold"])
    assert abs(view2_mean - ref["accuracy"].mean()) < 0.002   # ties between equally good thresholds move it by 0.001
    assert abs(view2_mean - np.mean([held_out(pairs, k)[1] for k in range(10)])) <= 1e-9
    for k in (0, 7):
        tr = pairs[pairs["fold"] != k]
        assert metrics.accuracy(tr["distance"], tr["same"], held_out(pairs, k)[0]) >= \
            metrics.accuracy(tr["distance"], tr["same"], metrics.best_threshold(tr["distance"], tr["same"])) - 1e-12
    other = pd.DataFrame({"fold": [7] * 8 + [5] * 4 + [6] * 4,
                          "distance": [0.45, 0.47, 0.49, 0.5, 0.7, 0.72, 0.74, 0.76, 0.05, 0.15, 0.35, 0.45, 0.08, 0.18, 0.38, 0.48],
                          "same": [True] * 4 + [False] * 4 + [True, True, False, False] * 2})
    t, a = held_out(other, 7)
    assert 0.18 <= t < 0.35 and abs(a - 0.5) < 1e-9

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 4: a DET curve with altair
#
# The DataFrame `det` below holds, for 241 thresholds, the FMR and FNMR of View 2. Build an altair
# chart `det_plot` of it, as the lesson did: a **line** mark; `fmr` on the x axis and `fnmr` on the
# y axis, both quantitative and both on a **log** scale; a tooltip that shows the `threshold`; a
# title; and a description (the alt text: a sentence saying what the curve shows). Leave out the
# rows where a rate is 0 (a log axis cannot show 0), in pandas or with `transform_filter`, and
# keep every other row of `det` as it is: the whole curve, its own values.

# %%
thresholds = np.linspace(0.3, 0.9, 241)
det = pd.DataFrame({"threshold": thresholds,
                    "fmr": (impostor[None, :] <= thresholds[:, None]).mean(axis=1),
                    "fnmr": (genuine[None, :] > thresholds[:, None]).mean(axis=1)})

# %% [raw]
# # BEGIN QUESTION
# name: q4
# points: 2

# %% [raw]
# # BEGIN SOLUTION

# %%
# BEGIN SOLUTION
drawable = det[(det["fmr"] > 0) & (det["fnmr"] > 0)]
det_plot = alt.Chart(drawable).mark_line().encode(
    x=alt.X("fmr:Q", scale=alt.Scale(type="log"), title="false match rate (log scale)"),
    y=alt.Y("fnmr:Q", scale=alt.Scale(type="log"), title="false non-match rate (log scale)"),
    tooltip=["threshold:Q", "fmr:Q", "fnmr:Q"],
).properties(title="DET curve of LFW View 2",
             description="FNMR against FMR on log axes; the curve falls from upper left to lower right.")
det_plot
# END SOLUTION

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
def test_q4_1(det_plot):
    from facecourse.checks import answered
    answered("q4", det_plot=det_plot)
    from facecourse.charts import spec_summary  # reads the chart's Vega-Lite spec (chart.to_dict())
    _s = spec_summary(det_plot, "det_plot")
    assert _s["mark"] == "line", f"det_plot should use a line mark (mark_line), got {_s['mark']!r}."

# %%
def test_q4_2(det_plot):
    from facecourse.charts import spec_summary  # reads the chart's Vega-Lite spec (chart.to_dict())
    _s = spec_summary(det_plot, "det_plot")
    _x, _y = _s["encoding"].get("x", {}), _s["encoding"].get("y", {})
    assert _x.get("field") == "fmr" and _y.get("field") == "fnmr", "Put fmr on the x axis and fnmr on the y axis."
    assert _x["type"] == "quantitative" and _y["type"] == "quantitative", "Both rates are numbers: encode them as quantitative (':Q')."

# %%
def test_q4_3(det_plot):
    from facecourse.charts import spec_summary, expect_domain_shows_all
    _s = spec_summary(det_plot, "det_plot")
    _x, _y = _s["encoding"].get("x", {}), _s["encoding"].get("y", {})
    assert _x["scale"] == "log" and _y["scale"] == "log", "A DET curve uses a log scale on both axes: alt.Scale(type='log')."
    expect_domain_shows_all(_s, "x", "det_plot")
    expect_domain_shows_all(_s, "y", "det_plot")

# %%
def test_q4_4(det_plot):
    from facecourse.charts import spec_summary, drawn_rows  # reads the chart's Vega-Lite spec (chart.to_dict())
    _s = spec_summary(det_plot, "det_plot")
    assert "threshold" in _s["tooltip"], \
        f"Add a tooltip that shows the threshold of each point (tooltip=['threshold:Q', ...]); it shows {sorted(_s['tooltip'])}."
    _columns = set().union(*(r.keys() for r in drawn_rows(_s, "det_plot")))
    _unknown = sorted(_s["tooltip"] - _columns)
    assert not _unknown, f"The tooltip names {_unknown}, which the charted data does not have: it would show nothing."

# %%
def test_q4_5(det_plot):
    from facecourse.charts import spec_summary, expect_titled  # reads the chart's Vega-Lite spec (chart.to_dict())
    expect_titled(spec_summary(det_plot, "det_plot"), "det_plot")

# %%
def test_q4_6(det_plot, pairs):
    import numpy as np
    from facecourse.charts import spec_summary, drawn_rows  # reads the chart's Vega-Lite spec (chart.to_dict())
    _s = spec_summary(det_plot, "det_plot")
    _rows = [r for r in drawn_rows(_s, "det_plot") if r.get("fmr") is not None and r.get("fnmr") is not None]
    assert _rows and min(min(r["fmr"], r["fnmr"]) for r in _rows) > 0, \
        "Leave out the rows where fmr or fnmr is 0: a log axis cannot show them."
    # det as the cell above builds it, from the View 2 distances (not from `det`, which an answer may have changed)
    _t = np.linspace(0.3, 0.9, 241)
    _g = pairs.loc[pairs["same"], "distance"].to_numpy()
    _i = pairs.loc[~pairs["same"], "distance"].to_numpy()
    _fmr = (_i[None, :] <= _t[:, None]).mean(axis=1)
    _fnmr = (_g[None, :] > _t[:, None]).mean(axis=1)
    _curve = {(round(float(a), 9), round(float(b), 9)) for a, b in zip(_fmr, _fnmr)}
    _off = [r for r in _rows if (round(float(r["fmr"]), 9), round(float(r["fnmr"]), 9)) not in _curve]
    assert not _off, \
        f"det_plot draws points that are not on View 2's DET curve (e.g. fmr={_off[0]['fmr']:.3g}, fnmr={_off[0]['fnmr']:.3g}): " \
        "chart det's own fmr and fnmr, unchanged (the DET curve plots the false non-match rate itself); " \
        "if you changed det, run the cell that builds it again."
    _keep = (_fmr > 0) & (_fnmr > 0)
    _n = int(_keep.sum())
    _lo, _hi = min(r["fmr"] for r in _rows), max(r["fmr"] for r in _rows)
    assert len(_rows) == _n, \
        f"det_plot draws {len(_rows)} points (FMR {_lo:.2g} to {_hi:.2g}); the whole curve has {_n} (FMR {_fmr[_keep].min():.2g} " \
        f"to {_fmr[_keep].max():.2g}): keep every row of det where fmr and fnmr are both above 0, and only those."

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_q4_hidden_1(det_plot, det):
    from facecourse.charts import spec_summary, drawn_rows  # reads the chart's Vega-Lite spec (chart.to_dict())
    _s = spec_summary(det_plot, "det_plot")
    assert len(drawn_rows(_s, "det_plot")) == int(((det["fmr"] > 0) & (det["fnmr"] > 0)).sum())

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 5 (written): one paragraph for a procurement report
#
# A vendor's brochure says its face matcher is "99.4% accurate". Using what you measured, write
# four to six sentences for a city council: what that figure measures, what it leaves out, and
# which numbers you would ask the vendor for instead.

# %% [raw]
# # BEGIN QUESTION
# name: q5
# manual: true
# points: 2

# %% [raw]
# # BEGIN SOLUTION

# %% [markdown]
# **Model answer.** A figure like 99.4% is usually LFW View 2 accuracy: the share of 6,000 photo pairs, half of them
# the same person, that the system labels correctly, averaged over ten folds with a threshold
# fitted on the other nine. It measures one-to-one comparisons of mostly good-quality news photos
# of adult public figures, most of them white men. It says nothing about searching one photo
# against millions (where false matches multiply with gallery size), about low-quality CCTV or
# phone images, or about how errors differ between demographic groups, and 3,000 impostor pairs
# cannot measure a false match rate below about 1 in 3,000. I would ask for the false match rate
# and false non-match rate at the threshold the police will actually use, measured on images like
# theirs, ideally from NIST's FRTE 1:N and demographic tests, and for the false-positive
# identification rate at the gallery size they will search.
#
# **Rubric (2 points).**
# * 1 point: what the figure measures and leaves out: accuracy on balanced one-to-one pairs (LFW View 2:
#   6,000 pairs, half of them the same person, threshold fitted in ten-fold cross-validation) of mostly
#   good-quality news photos of adult public figures; it leaves out search against a large gallery,
#   low-quality probes, differences between groups of people, and false match rates smaller than its
#   impostor pairs can measure (any two of these).
# * 1 point: asks for the numbers that matter instead: false match and false non-match rates at the
#   threshold the police will use, measured on images like theirs; the false-positive identification
#   rate at the gallery size they will search (NIST's FRTE 1:N); the differences between demographic
#   groups.
#
# **Common weak answers.**
# * "99.4% means it is wrong 6 times in 1,000 searches": loses the first point.
# * Criticises "accuracy" in general (bias, privacy) but asks for no specific number: 1 of 2 points.
# * Asks only for "a higher accuracy" or "a test on more data": loses the second point.

# %% [raw]
# # END SOLUTION

# %% [raw]
# # END QUESTION
