# %% [markdown]
# # B6. Scale and base rates: what error rates mean at billions
#
# **Why this matters.** Clearview's gallery grew from about 3 billion photos (January 2020) to
# tens of billions. A false match rate that sounds negligible in a lab becomes thousands of
# strangers per search at that scale. This lesson does the arithmetic with numbers measured on
# this course's own pipeline.
#
# **Learning objectives.** After this lesson you can
# 1. estimate a false match rate (FMR) at several thresholds from many impostor pairs, and say
#    which rates a dataset is too small to measure;
# 2. compute the expected number of false candidates per search, FMR x gallery size, at 3, 10 and
#    30 billion;
# 3. explain why 99.38% on 6,000 pairs says nothing about that number;
# 4. describe LFW's demographic skew and why FMR differs between groups.
#
# **Prerequisites.** `lessons/B5_identification.ipynb`; warm-up question 4.
#
# **Estimated time.** 20 minutes.

# %% [markdown]
# ## Many more impostor pairs
#
# LFW View 2 has only 3,000 different-person pairs, so the smallest FMR it can show is about one in
# 3,000. With 13,232 embeddings we can form far more: here two million random pairs of different
# people (seeded, so the numbers are stable).

# %%
import numpy as np
import pandas as pd

from facecourse import charts, embeddings, metrics

table, emb = embeddings.load()
rng = np.random.default_rng(2020)
a = rng.integers(0, len(emb), 2_500_000)
b = rng.integers(0, len(emb), 2_500_000)
different = table["person"].to_numpy()[a] != table["person"].to_numpy()[b]
a, b = a[different][:2_000_000], b[different][:2_000_000]
impostor = np.concatenate([np.linalg.norm(emb[a[k:k + 250_000]] - emb[b[k:k + 250_000]], axis=1)
                           for k in range(0, len(a), 250_000)])
print(f"{len(impostor):,} impostor pairs; the smallest FMR they can resolve is about {1 / len(impostor):.0e}")

# %%
thresholds = [0.4, 0.45, 0.5, 0.55, 0.6]
fmr = metrics.rates_at([0.0], impostor, thresholds)[["threshold", "fmr"]]
fmr["impostor pairs accepted"] = (fmr["fmr"] * len(impostor)).round().astype(int)
fmr.assign(fmr=fmr["fmr"].map("{:.2e}".format))

# %% [markdown]
# At the usual 0.6 threshold, roughly one stranger pair in a hundred counts as a match; at 0.4,
# about five in a million. Lowering the threshold cuts the FMR steeply, but (lesson B4) it also
# rejects more genuine pairs.
#
# ## Multiply by the gallery
#
# Each search compares the probe with every face in the gallery, so the expected number of false
# candidates per search is FMR x N. The gallery sizes are Clearview's own claims, as repeated by
# regulators and the press: about 3 billion images in January 2020, 10 billion in October 2021
# and 30 billion by March 2023 (sources: `datasets/facts/` in Track C).

# %%
galleries = {"3 billion (Jan 2020)": 3e9, "10 billion (Oct 2021)": 1e10, "30 billion (Mar 2023)": 3e10}
scale = pd.DataFrame([{"threshold": t, "FMR": f, "gallery": name,
                       "expected false candidates per search": metrics.expected_false_candidates(f, n)}
                      for t, f in zip(fmr["threshold"], fmr["fmr"]) for name, n in galleries.items()])
scale.pivot(index="threshold", columns="gallery", values="expected false candidates per search")[list(galleries)].map(
    "{:,.0f}".format)

# %%
charts.line_chart(scale[scale["FMR"] > 0], "threshold:Q", "expected false candidates per search:Q",
                  "Expected strangers per search, by threshold and gallery size",
                  "distance threshold", "expected false candidates (log scale)",
                  "Line chart on a log scale: for each of three gallery sizes (3, 10 and 30 billion), the "
                  "expected number of false candidates per search rises from tens of thousands at threshold "
                  "0.4 to hundreds of millions at 0.6.", color="gallery:N", log_y=True)

# %% [markdown]
# *Figure 1. Alt text: three rising lines on a logarithmic vertical axis, one per gallery size;
# every point is far above one, from tens of thousands of expected false candidates at threshold
# 0.4 to hundreds of millions at 0.6.*
#
# With this model and any threshold we can measure, a search of a billion-scale gallery returns
# a flood of strangers. Clearview's own model is much stronger than dlib's, but the arithmetic
# does not change: to expect fewer than one false candidate per search among 30 billion photos,
# the FMR must be below about 3 x 10^-11: some fifteen thousand times smaller than anything two
# million pairs can measure, and seven orders of magnitude below what LFW's 3,000 impostor pairs
# resolve.

# %%
needed = 1 / 3e10
print(f"FMR needed for < 1 expected false candidate at 30 billion: {needed:.1e}")
print(f"smallest FMR measurable with LFW View 2's 3,000 impostor pairs: {1 / 3000:.1e}")
print(f"probability of at least one false candidate at FMR 1e-8, 3 billion: "
      f"{metrics.prob_at_least_one_false_match(1e-8, 3e9):.3f}")

# %% [markdown]
# ## Why 99.38% says nothing about this
#
# * It is **1:1 accuracy on a balanced set**: half the pairs are the same person. A search is 1:N,
#   and nearly every comparison in it is with a stranger.
# * It comes from **3,000 impostor pairs**, which cannot estimate the tiny FMRs that matter at
#   scale.
# * It is measured on **LFW's population**, which is not the population searched.
#
# ## Who is in LFW, and who is searched
#
# LFW is news photos of public figures from the early 2000s. One estimate (Han and Jain, 2014, as
# cited by Buolamwini and Gebru's *Gender Shades*, 2018) puts it at about 77.5% male and 83.5%
# white. Its own data shows how concentrated it is:

# %%
per_person = table["person"].value_counts()
pd.Series({
    "people": len(per_person),
    "people with a single photo": int((per_person == 1).sum()),
    "photos of the 5 most photographed people": int(per_person.head(5).sum()),
    "share of all photos that show George W. Bush": f"{per_person.iloc[0] / len(table):.1%}",
})

# %% [markdown]
# NIST's 2019 study of demographic effects (NISTIR 8280: 189 algorithms from 99 developers, 18.27
# million images of 8.49 million people) found false match rates 10 to 100 times higher for Asian
# and African American faces than for white faces in 1:1 matching for many algorithms, and 2 to 5
# times higher for women than for men; in 1:N search, false positives were higher for African
# American women. Multiply those factors into the table above: the strangers a search returns are
# not spread evenly.
#
# *Caveats:* gallery *images* are not gallery *people* (one person appears in many photos), and
# lookalike errors are correlated, so FMR x N is an approximation; the direction of the conclusion
# does not change.
#
# ## Summary
#
# * Expected false candidates per search = FMR x gallery size; at billions, only astronomically
#   small FMRs keep it below one.
# * Benchmarks like LFW cannot measure those FMRs, and their populations differ from the people
#   searched.
# * Exercise: `exercises/B6_scale_base_rates.ipynb`.
