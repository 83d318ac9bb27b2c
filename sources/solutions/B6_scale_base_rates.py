# %% [raw]
# # ASSIGNMENT CONFIG
# name: B6_scale_base_rates
# init_cell: true
# check_all_cell: true
# export_cell: false
# tests:
#   files: false
#   ok_format: false

# %% [markdown]
# # Exercise B6: scale and base rates
#
# **Why this matters.** The base-rate calculation is the single most important number for judging
# a mass face search, and it fits on one line.
#
# **Learning objectives.** Compute the probability of any false candidate without losing
# precision, the FMR a gallery size demands, the impostor pairs needed to measure it, and the
# probability that a returned candidate is the right person; chart the scale arithmetic with
# altair on a log scale.
#
# **Prerequisites.** `lessons/B6_scale_base_rates.ipynb`.
#
# **Estimated time.** 40 minutes (from a trial run: see `INSTRUCTORS.md`).

# %%
import math

import numpy as np


# %% [markdown]
# ## Question 1: probability of at least one false candidate
#
# If each of `n` comparisons falsely matches independently with probability `fmr`, the probability
# that a search returns at least one false candidate is 1 - (1 - fmr)^n. Write `p_any_false(fmr, n)`.
# It must stay accurate for tiny `fmr` and huge `n`: the plain `1 - (1 - fmr) ** n` loses precision
# (for fmr = 1e-17 it returns 0), so use `np.log1p` and `np.expm1` (or `math.log1p`/`math.expm1`)
# as in the lesson. Raise `ValueError` if `fmr` is not between 0 and 1.

# %% [raw]
# # BEGIN QUESTION
# name: q1
# points: 2

# %% [raw]
# # BEGIN SOLUTION

# %%
def p_any_false(fmr, n):
    # BEGIN SOLUTION
    if not 0 <= fmr <= 1:
        raise ValueError("fmr is a rate between 0 and 1")
    if fmr == 1:
        return 1.0
    return -math.expm1(n * math.log1p(-fmr))
    # END SOLUTION


# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
def test_q1_1(p_any_false):
    from facecourse.checks import answered
    answered("q1", p_any_false=p_any_false)
    p = p_any_false(0.001, 200)
    assert abs(p - 0.18143) < 1e-4, f"p_any_false(0.001, 200) should be about 0.1814 (Daugman's worked example), got {p}."

# %%
def test_q1_2(p_any_false):
    p = p_any_false(0.5, 2)
    assert abs(p - 0.75) < 1e-12, f"p_any_false(0.5, 2) is exactly 1 - 0.5**2 = 0.75, got {p}: compute 1 - (1 - fmr)**n, not an approximation."

# %%
def test_q1_3(p_any_false):
    for fmr, n in ((1e-17, 1e6), (1e-20, 1000)):
        p = p_any_false(fmr, n)
        assert abs(p - fmr * n) / (fmr * n) < 1e-9, f"p_any_false({fmr}, {n:g}) should be {fmr * n:g} to 9 digits, got {p}: 1 - (1 - fmr)**n and 1 - exp(...) lose the tiny fmr; use -expm1(n * log1p(-fmr))."

# %%
def test_q1_4(p_any_false):
    p = p_any_false(1e-12, 1000)
    assert abs(p - 1e-9) / 1e-9 < 1e-7, f"p_any_false(1e-12, 1000) should be 9.9999999995e-10 to 7 digits, got {p}: the naive formula is off in the fifth digit; use log1p and expm1."

# %%
def test_q1_5(p_any_false):
    for bad in (1.5, -0.1):
        try:
            p_any_false(bad, 10)
        except ValueError:
            pass
        else:
            raise AssertionError(f"p_any_false({bad}, 10) must raise ValueError: an FMR is between 0 and 1.")

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_q1_hidden_1(p_any_false):
    import numpy as np
    assert abs(p_any_false(0.001, 2000) - 0.865) < 0.001
    assert p_any_false(0.0, 10**10) == 0.0
    assert p_any_false(1.0, 3) == 1.0
    assert abs(p_any_false(np.float64(1e-10), np.int64(3_000_000_000)) - 0.2591817793) < 1e-9

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 2: how small must the FMR be?
#
# Write `fmr_for(expected_false, gallery_size)`: the false match rate at which a search of
# `gallery_size` images returns `expected_false` false candidates on average (expected false
# candidates = FMR x gallery size). Raise `ValueError` if `gallery_size` is not positive or
# `expected_false` is negative. Then store in `fmr_30b` the FMR needed for **0.01** expected false
# candidates per search in a gallery of **30 billion** images (one stranger in a hundred searches).

# %% [raw]
# # BEGIN QUESTION
# name: q2
# points: 1

# %% [raw]
# # BEGIN SOLUTION

# %%
def fmr_for(expected_false, gallery_size):
    # BEGIN SOLUTION
    if gallery_size <= 0 or expected_false < 0:
        raise ValueError("gallery_size must be positive and expected_false not negative")
    return expected_false / gallery_size
    # END SOLUTION


fmr_30b = fmr_for(0.01, 30e9)  # SOLUTION
fmr_30b

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
def test_q2_1(fmr_for, fmr_30b):
    from facecourse.checks import answered
    answered("q2", fmr_for=fmr_for, fmr_30b=fmr_30b)
    assert abs(fmr_for(1, 1000) - 0.001) < 1e-15 and abs(fmr_for(5, 1e6) - 5e-6) < 1e-18, "fmr_for(1, 1000) should be 0.001 and fmr_for(5, 1e6) 5e-6: expected false candidates divided by gallery size."

# %%
def test_q2_2(fmr_for):
    for args in ((1, 0), (1, -5), (-1, 1000)):
        try:
            fmr_for(*args)
        except ValueError:
            pass
        else:
            raise AssertionError(f"fmr_for{args} must raise ValueError (gallery_size must be positive, expected_false not negative).")

# %%
def test_q2_3(fmr_30b):
    assert abs(fmr_30b * 30e9 - 0.01) < 1e-9, f"fmr_30b times 30 billion should give 0.01 expected false candidates, got {fmr_30b * 30e9:.3g}: check the gallery size (30e9) and the target (0.01)."

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_q2_hidden_1(fmr_30b, fmr_for):
    assert abs(fmr_30b - 1e-2 / 3e10) / (1e-2 / 3e10) < 1e-9
    assert fmr_for(0, 10) == 0

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 3: how many impostor pairs to measure it?
#
# To see even one false match at a rate `fmr` you need, on average, 1/fmr impostor comparisons;
# to estimate it with roughly 10% precision you need about 100 observed false matches. Write
# `pairs_needed(fmr, errors=100)` returning the number of impostor pairs needed (a float), and
# store in `lfw_ratio` the number of impostor pairs needed to measure `fmr_30b` (with the default 100
# errors) divided by LFW View 2's 3,000 impostor pairs: how many LFWs it would take.

# %% [raw]
# # BEGIN QUESTION
# name: q3
# points: 1

# %% [raw]
# # BEGIN SOLUTION

# %%
def pairs_needed(fmr, errors=100):
    return errors / fmr  # SOLUTION


lfw_ratio = pairs_needed(fmr_30b) / 3000  # SOLUTION
lfw_ratio

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
def test_q3_1(pairs_needed, lfw_ratio):
    from facecourse.checks import answered
    answered("q3", pairs_needed=pairs_needed, lfw_ratio=lfw_ratio)
    assert abs(pairs_needed(0.01) - 10_000) < 1e-6, f"pairs_needed(0.01) should be 10,000 (100 errors at 1 in 100), got {pairs_needed(0.01)}."

# %%
def test_q3_2(pairs_needed):
    assert abs(pairs_needed(1e-6, errors=10) - 1e7) < 1e-3, "pairs_needed(1e-6, errors=10) should be 10 million: use the errors argument."

# %%
def test_q3_3(lfw_ratio, pairs_needed, fmr_30b):
    assert abs(lfw_ratio - pairs_needed(fmr_30b) / 3000) / lfw_ratio < 1e-9 and lfw_ratio > 1e9, "lfw_ratio should be pairs_needed(fmr_30b) divided by LFW's 3,000 impostor pairs (a number far above 1)."

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_q3_hidden_1(lfw_ratio):
    assert abs(lfw_ratio - (100 / (1e-2 / 3e10)) / 3000) / lfw_ratio < 1e-9

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 4: is the returned candidate the right person?
#
# Write `ppv(prior, hit_rate, false_alarm_rate)`: the probability that a returned candidate is the
# person searched for, by Bayes' rule as in the lesson, where `prior` is the probability that the
# person is in the gallery at all, `hit_rate` the probability an enrolled person is returned, and
# `false_alarm_rate` the probability a search for someone not enrolled returns a stranger (FPIR).
# Then store in `ppv_rare` that probability for a prior of 0.01, a hit rate of 0.99 and the FPIR of
# a 3-billion-image gallery at an FMR of 1e-10 (use `p_any_false`).

# %% [raw]
# # BEGIN QUESTION
# name: q4
# points: 2

# %% [raw]
# # BEGIN SOLUTION

# %%
def ppv(prior, hit_rate, false_alarm_rate):
    # BEGIN SOLUTION
    hits = prior * hit_rate
    return hits / (hits + (1 - prior) * false_alarm_rate)
    # END SOLUTION


ppv_rare = ppv(0.01, 0.99, p_any_false(1e-10, 3e9))  # SOLUTION
ppv_rare

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
def test_q4_1(ppv, ppv_rare):
    from facecourse.checks import answered
    answered("q4", ppv=ppv, ppv_rare=ppv_rare)
    v = ppv(0.5, 0.9, 0.1)
    assert abs(v - 0.9) < 1e-9, f"ppv(0.5, 0.9, 0.1) = 0.45 / (0.45 + 0.05) = 0.9, got {v}."

# %%
def test_q4_2(ppv):
    v = ppv(0.1, 0.9, 0.1)
    assert abs(v - 0.5) < 1e-9, f"ppv(0.1, 0.9, 0.1) = 0.09 / (0.09 + 0.09) = 0.5, got {v}: weigh the hit rate by the prior and the false alarms by 1 - prior."

# %%
def test_q4_3(ppv):
    v = ppv(0.2, 0.5, 0.25)
    assert abs(v - 1 / 3) < 1e-9, f"ppv(0.2, 0.5, 0.25) = 0.1 / (0.1 + 0.2) = 1/3, got {v}."

# %%
def test_q4_4(ppv_rare, ppv, p_any_false):
    assert abs(ppv_rare - ppv(0.01, 0.99, p_any_false(1e-10, 3e9))) < 1e-9 and 0.03 < ppv_rare < 0.045, f"ppv_rare should be ppv(0.01, 0.99, p_any_false(1e-10, 3e9)), about 0.037, got {ppv_rare}."

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_q4_hidden_1(ppv):
    import numpy as np
    assert abs(ppv(0.9, 0.99, 0.2591817793) - 0.9717) < 1e-3
    assert abs(ppv(np.float64(0.3), 1.0, 0.0) - 1.0) < 1e-12

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 5: the chart, with altair
#
# The cell below measures the FMR at each threshold of `thresholds` on 500,000 random pairs of
# different LFW people (seeded, as in the lesson) and builds `scale`: one row per threshold and gallery size,
# with the expected false candidates per search. Build an altair chart `strangers_plot` of `scale`,
# as the lesson did: a **line** mark; `threshold` on the x axis (quantitative); `expected false
# candidates` on the y axis (quantitative, on a **log** scale: the values span several powers of
# ten); one colour per `gallery` (nominal); a tooltip that shows the gallery and the expected false
# candidates; a title; and a description (the alt text).

# %%
import altair as alt
import pandas as pd

from facecourse.matching import precomputed

table, emb = precomputed.load()
rng = np.random.default_rng(2020)
a, b = rng.integers(0, len(emb), 600_000), rng.integers(0, len(emb), 600_000)
keep = table["person"].to_numpy()[a] != table["person"].to_numpy()[b]
a, b = a[keep][:500_000], b[keep][:500_000]
impostor = np.concatenate([np.linalg.norm(emb[a[k:k + 100_000]] - emb[b[k:k + 100_000]], axis=1)
                           for k in range(0, len(a), 100_000)])
thresholds = [0.45, 0.5, 0.55, 0.6]
fmr_table = pd.DataFrame({"threshold": thresholds, "fmr": [np.mean(impostor <= t) for t in thresholds]})
galleries = pd.DataFrame({"gallery": ["3 billion", "10 billion", "30 billion"], "images": [3e9, 1e10, 3e10]})
scale = fmr_table.merge(galleries, how="cross")
scale["expected false candidates"] = scale["fmr"] * scale["images"]
scale.head()

# %% [raw]
# # BEGIN QUESTION
# name: q5
# points: 2

# %% [raw]
# # BEGIN SOLUTION

# %%
# BEGIN SOLUTION
strangers_plot = alt.Chart(scale).mark_line(point=True).encode(
    x=alt.X("threshold:Q", title="distance threshold"),
    y=alt.Y("expected false candidates:Q", scale=alt.Scale(type="log"), title="expected false candidates (log scale)"),
    color=alt.Color("gallery:N"),
    tooltip=["gallery:N", "threshold:Q", alt.Tooltip("expected false candidates:Q", format=",.0f")],
).properties(title="Expected strangers per search", description="Three rising lines on a log scale, one per gallery size.")
strangers_plot.properties(width=460, height=260)  # shown wider; strangers_plot itself is graded
# END SOLUTION

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
def test_q5_1(strangers_plot):
    from facecourse.checks import answered
    answered("q5", strangers_plot=strangers_plot)
    from facecourse.charts import spec_summary  # reads the chart's Vega-Lite spec (chart.to_dict())
    _s5 = spec_summary(strangers_plot, "strangers_plot")
    assert _s5["mark"] == "line", f"strangers_plot should use a line mark (mark_line), got {_s5['mark']!r}."

# %%
def test_q5_2(strangers_plot):
    from facecourse.charts import spec_summary  # reads the chart's Vega-Lite spec (chart.to_dict())
    _s5 = spec_summary(strangers_plot, "strangers_plot")
    _x5, _y5 = _s5["encoding"].get("x", {}), _s5["encoding"].get("y", {})
    assert _x5.get("field") == "threshold" and _x5["type"] == "quantitative", "Put threshold on the x axis, as a quantitative field (':Q')."
    assert _y5.get("field") == "expected false candidates" and _y5["type"] == "quantitative", "Put 'expected false candidates' on the y axis, as a quantitative field (':Q')."

# %%
def test_q5_3(strangers_plot):
    from facecourse.charts import spec_summary, expect_domain_shows_all
    _s5 = spec_summary(strangers_plot, "strangers_plot")
    _x5, _y5 = _s5["encoding"].get("x", {}), _s5["encoding"].get("y", {})
    assert _y5["scale"] == "log", "The expected false candidates span several powers of ten: use a log scale on y, alt.Scale(type='log')."
    for _ch in ("x", "y", "color"):
        expect_domain_shows_all(_s5, _ch, "strangers_plot")

# %%
def test_q5_4(strangers_plot):
    from facecourse.charts import spec_summary, drawn_rows  # reads the chart's Vega-Lite spec (chart.to_dict())
    _s5 = spec_summary(strangers_plot, "strangers_plot")
    _c5 = _s5["encoding"].get("color", {})
    assert _c5.get("field") == "gallery" and _c5["type"] == "nominal", "Give each gallery size its own colour: color='gallery:N'."
    assert {"gallery", "expected false candidates"} <= _s5["tooltip"], \
        f"Add a tooltip that shows the gallery and the expected false candidates; it shows {sorted(_s5['tooltip'])}."
    _columns = set().union(*(r.keys() for r in drawn_rows(_s5, "strangers_plot")))
    _unknown = sorted(_s5["tooltip"] - _columns)
    assert not _unknown, f"The tooltip names {_unknown}, which the charted data does not have: it would show nothing."

# %%
def test_q5_5(strangers_plot):
    from facecourse.charts import spec_summary, expect_titled  # reads the chart's Vega-Lite spec (chart.to_dict())
    expect_titled(spec_summary(strangers_plot, "strangers_plot"), "strangers_plot")

# %%
def test_q5_6(strangers_plot, fmr_table, galleries):
    import numpy as np
    from facecourse.charts import spec_summary, drawn_rows  # reads the chart's Vega-Lite spec (chart.to_dict())
    _s5 = spec_summary(strangers_plot, "strangers_plot")
    _rows = drawn_rows(_s5, "strangers_plot")
    # scale as the cell above builds it (FMR x gallery size), not `scale` itself, which an answer may have changed
    _want = {(g, round(float(t), 9)): f * n for t, f in zip(fmr_table["threshold"], fmr_table["fmr"])
             for g, n in zip(galleries["gallery"], galleries["images"])}
    _lost = [g for g in galleries["gallery"] if not any(r.get("gallery") == g for r in _rows)]
    assert not _lost, f"strangers_plot draws no line for the {', '.join(_lost)} gallery: chart every gallery size (no filter)."
    assert len(_rows) == len(_want), \
        f"Chart all {len(_want)} rows of scale (every threshold for every gallery size), got {len(_rows)}."
    _got = {(r.get("gallery"), round(float(r.get("threshold", float("nan"))), 9)): r.get("expected false candidates") for r in _rows}
    assert set(_got) == set(_want) and all(_got[k] is not None and np.isclose(_got[k], v, rtol=1e-9) for k, v in _want.items()), \
        "Chart scale's own 'expected false candidates' (FMR x gallery size), unchanged; if you changed scale, run the cell that builds it again."

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_q5_hidden_1(strangers_plot, galleries):
    from facecourse.charts import spec_summary, drawn_rows  # reads the chart's Vega-Lite spec (chart.to_dict())
    _s5 = spec_summary(strangers_plot, "strangers_plot")
    assert sorted({r["gallery"] for r in drawn_rows(_s5, "strangers_plot")}) == sorted(galleries["gallery"])

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 6 (written): gallery images, not gallery people
#
# Clearview counts photos, and one person can appear in hundreds of them. In four to six
# sentences: how does this change the FMR x N estimate, and does it make a false match of an
# innocent person more or less likely to be *believed*?

# %% [raw]
# # BEGIN QUESTION
# name: q6
# manual: true
# points: 2

# %% [raw]
# # BEGIN SOLUTION

# %% [markdown]
# **Model answer.** If N counts photos, the number of distinct strangers who can falsely match is smaller than N,
# so FMR x N overstates the number of *different* people returned; but each lookalike stranger
# then tends to appear several times, in different photos. Errors are correlated: a person who
# resembles the probe resembles it in many of their photos. Several photos of the same stranger
# at the top of a list look like corroboration, so a reviewer is more likely to believe the
# false match. The estimate of distinct false people may fall, while the persuasiveness of each
# false candidate rises.
#
# **Rubric (2 points).**
# * 1 point: with N counting photos, FMR x N counts falsely matching photos, not people: the number of
#   different strangers returned is smaller, while each lookalike tends to appear several times,
#   because errors are correlated (whoever resembles the probe resembles it in many of their photos).
# * 1 point: belief: several photos of the same stranger near the top of the list look like
#   corroboration, so a reviewer is more likely to believe the false match.
#
# **Common weak answers.**
# * "More photos per person means more chances, so more false matches" (photos and people not told
#   apart): loses the first point.
# * "Fewer distinct false people, so the system is safer": loses the second point (it ignores how
#   persuasive repeated lookalikes are).
# * Both conclusions stated without the reason (correlated errors): 1 of 2 points.

# %% [raw]
# # END SOLUTION

# %% [raw]
# # END QUESTION
