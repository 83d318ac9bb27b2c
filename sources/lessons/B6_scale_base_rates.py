# %% [markdown]
# # B6. Scale and base rates: what error rates mean at billions
#
# **Why this matters.** Clearview's gallery grew from about 3 billion photos (January 2020) to
# tens of billions. A false match rate that sounds negligible in a lab becomes a flood of
# strangers per search at that scale, and whether a returned face is the right person depends as
# much on *who is searched for* as on the algorithm. This lesson does the arithmetic, in numpy, with
# numbers measured on this course's own pipeline.
#
# **Learning objectives.** After this lesson you can
# 1. estimate a false match rate (FMR) at several thresholds from many impostor pairs, and say
#    which rates a dataset is too small to measure;
# 2. compute the expected number of false candidates per search, FMR x gallery size, at 3, 10 and
#    30 billion, and the probability of at least one, without losing precision;
# 3. draw the result with altair on a log scale;
# 4. compute the probability that a returned candidate is the right person (Bayes' rule with a
#    base rate);
# 5. explain why error rates differ between demographic groups, and what NIST found.
#
# **Prerequisites.** `lessons/B4_verification.ipynb` (FMR, thresholds) and
# `lessons/B5_identification.ipynb` (1:N search, FPIR).
#
# **Estimated time.** 30 minutes.

# %% [markdown]
# ## Many more impostor pairs
#
# LFW View 2 has only 3,000 different-person pairs, so the smallest FMR it can show is one in
# 3,000. With every LFW embedding we can form far more: here 2,000,000 random pairs of different
# people (seeded, so the numbers are stable), their distances computed in chunks of 250,000 to
# keep memory small.

# %%
import altair as alt
import numpy as np
import pandas as pd
from IPython.display import Markdown

from facecourse import data
from facecourse.matching import metrics, precomputed

table, emb = precomputed.load()
rng = np.random.default_rng(2020)
a = rng.integers(0, len(emb), 2_500_000)
b = rng.integers(0, len(emb), 2_500_000)
different = table["person"].to_numpy()[a] != table["person"].to_numpy()[b]
a, b = a[different][:2_000_000], b[different][:2_000_000]
impostor = np.concatenate([np.linalg.norm(emb[a[k:k + 250_000]] - emb[b[k:k + 250_000]], axis=1)
                           for k in range(0, len(a), 250_000)])
print(f"{len(impostor):,} impostor pairs; the smallest FMR they can resolve is about {1 / len(impostor):.0e}")

# %% [markdown]
# The FMR at a threshold is the share of these distances at or below it, one `np.mean` per
# threshold (`metrics.rates_at` computes the same for many thresholds at once with a single sort):

# %%
thresholds = [0.4, 0.45, 0.5, 0.55, 0.6]
fmr = pd.DataFrame({"threshold": thresholds, "fmr": [np.mean(impostor <= t) for t in thresholds]})
fmr["impostor pairs accepted"] = [int(np.sum(impostor <= t)) for t in thresholds]
assert np.allclose(fmr["fmr"], metrics.rates_at([0.0], impostor, thresholds)["fmr"])
fmr.assign(fmr=fmr["fmr"].map("{:.2e}".format))

# %%
view2 = precomputed.pair_distances(table, emb, data.read_pairs())
fmr_view2 = np.mean(view2.loc[~view2["same"], "distance"] <= 0.6)
f06, f04 = fmr["fmr"].iloc[-1], fmr["fmr"].iloc[0]
Markdown(f"At the usual 0.6 threshold, **{f06:.2%}** of random stranger pairs count as a match (about one "
         f"in {1 / f06:.0f}); at 0.4, {f04 * 1e6:.0f} in a million. Lowering the threshold cuts the FMR steeply, but "
         f"(lesson B4) it also rejects more genuine pairs. This FMR counts {len(impostor):,} random pairs of two different "
         f"people drawn from all of LFW. LFW View 2's {int((~view2['same']).sum()):,} impostor pairs, chosen by LFW's "
         f"authors, gave {fmr_view2:.2%} at 0.6 (lesson B4); lesson B3's teaching subset and lesson B5's search of the "
         "whole gallery gave other figures: each estimate comes from a different set of pairs, and lesson B4 lists "
         "them and says why they differ.")

# %% [markdown]
# ## Multiply by the gallery
#
# Each search compares the probe with every image in the gallery. If the person searched for is
# not there, each comparison is an impostor comparison, a false match with probability FMR, so the
# expected number of false candidates per search is **FMR x N**. Gallery sizes are Clearview's own
# claims, as repeated by regulators and the press, read from the course's facts tables (track C;
# each row with its source):

# %%
from facecourse.breach import facts

claims = facts.database_size()
chosen = claims[claims["date"].isin(["2020-01-18", "2021-10", "2023-03-28"])]  # the claims of 2020, 2021, 2023
galleries = pd.DataFrame({"gallery": [f"{r.images / 1e9:g} billion ({r.when:%b %Y})" for r in chosen.itertuples()],
                          "images": chosen["images"].to_numpy()})
Markdown("Clearview's claims: " + "; ".join(f"about {r.images / 1e9:g} billion images in {r.when:%B %Y}, reported by "
                                            f"{r.source_name}" for r in chosen.itertuples()) + ".")

# %%
scale = fmr.merge(galleries, how="cross")
scale["expected false candidates"] = scale["fmr"] * scale["images"]
scale.pivot(index="threshold", columns="gallery", values="expected false candidates")[list(galleries["gallery"])].map(
    "{:,.0f}".format)

# %% [markdown]
# `metrics.expected_false_candidates(fmr, n)` is this one multiplication, named so that later code
# says what it computes. Note what it counts: gallery **images**, not people; one stranger with many
# photos in the gallery can be several of them.

# %%
assert np.isclose(metrics.expected_false_candidates(f06, 3e9), scale["expected false candidates"].iloc[-3])

# %% [markdown]
# ### The chart, built with altair
#
# One line per gallery size, the expected false candidates on a **log** y axis (the values span
# several powers of ten), a tooltip with the exact numbers, a title, and a description written from
# the data.

# %%
lo, hi = scale["expected false candidates"].min(), scale["expected false candidates"].max()
sizes = [f"{v / 1e9:g}" for v in galleries["images"]]
sizes_text = ", ".join(sizes[:-1]) + " and " + sizes[-1]
description = (f"Line chart on a log scale: for each of {len(galleries)} gallery sizes ({sizes_text} billion images), "
               f"the expected number of false candidates per search rises with the threshold, from {lo:,.0f} "
               f"({galleries['images'].min() / 1e9:g} billion, threshold {thresholds[0]}) to {hi:,.0f} "
               f"({galleries['images'].max() / 1e9:g} billion, threshold {thresholds[-1]}).")
strangers_chart = alt.Chart(scale).mark_line(point=True).encode(
    x=alt.X("threshold:Q", title="distance threshold"),
    y=alt.Y("expected false candidates:Q", scale=alt.Scale(type="log"),
            title="expected false candidates per search (log scale)"),
    color=alt.Color("gallery:N", sort=list(galleries["gallery"]), title="gallery"),
    tooltip=["gallery:N", "threshold:Q", alt.Tooltip("fmr:Q", format=".2e"),
             alt.Tooltip("expected false candidates:Q", format=",.0f")],
).properties(title="Expected strangers per search, by threshold and gallery size", width=460, height=260,
             description=description)
strangers_chart

# %%
largest = galleries["images"].max()
needed = 1 / largest
view2_impostors = int((~view2["same"]).sum())
Markdown(f"*Figure 1. Alt text: {description}*\n\n"
         f"Every point is far above one: at the 0.6 threshold a search of {largest / 1e9:g} billion images expects "
         f"**{f06 * largest / 1e6:,.1f} million** false candidates. Clearview's own model is much stronger than "
         f"dlib's, but the arithmetic does not change: to expect fewer than one false candidate per search among "
         f"{largest / 1e9:g} billion images, the FMR must be below 1/{largest / 1e9:g} billion = {needed:.1e}, some "
         f"{(1 / len(impostor)) / needed:,.0f} times smaller than anything {len(impostor):,} pairs can measure and "
         f"{(1 / view2_impostors) / needed:,.0f} times below what LFW's {view2_impostors:,} impostor pairs resolve.")

# %% [markdown]
# ## At least one false candidate, without losing precision
#
# If the N comparisons fail independently, the probability that a search returns **at least one**
# false candidate is 1 - (1 - FMR)^N. Typed as it reads, that formula breaks for the tiny FMRs that
# matter: `1 - fmr` is rounded to the nearest float, which near 1 is spaced about 1e-16 apart, so
# digits of `fmr` are lost before the power is taken. `np.log1p(x)` computes log(1 + x) and
# `np.expm1(x)` computes exp(x) - 1 accurately for small x, so write it as
# `-np.expm1(n * np.log1p(-fmr))`:

# %%
cases = pd.DataFrame({"fmr": [1e-12, 1e-17, 1e-10], "n": [1e3, 1e6, 3e9]})
cases["naive 1 - (1 - fmr)**n"] = 1 - (1 - cases["fmr"]) ** cases["n"]
cases["-expm1(n * log1p(-fmr))"] = -np.expm1(cases["n"] * np.log1p(-cases["fmr"]))
cases["relative error of naive"] = (cases["naive 1 - (1 - fmr)**n"] / cases["-expm1(n * log1p(-fmr))"] - 1).abs()
cases

# %%
r = cases["relative error of naive"]
Markdown(f"For FMR 1e-12 the naive formula is already off by a relative {r.iloc[0]:.1e}, far above the "
         "1e-16 a float can hold; "
         "for 1e-17 it returns exactly 0, because `1 - 1e-17` rounds to 1.0. "
         "`metrics.prob_at_least_one_false_match(fmr, n)` uses the stable form (and rejects an FMR outside [0, 1]).")

# %% [markdown]
# ## Base rates: is the returned face the right person?
#
# Suppose a search returns a candidate. How likely is it to be the person in the probe? That
# depends on something no benchmark reports: how likely it was, **before** the search, that the
# person is in the gallery at all (the *prior*, or base rate). Bayes' rule puts it together:
#
# P(right person | a candidate is returned) =
# prior x hit rate / (prior x hit rate + (1 - prior) x false-alarm rate)
#
# where the hit rate is the chance that a person who *is* enrolled is found, and the false-alarm
# rate (FPIR, lesson B5) is the chance that a search for someone who is *not* enrolled returns a
# stranger anyway. Take a far better algorithm than ours, with an FMR of 1e-10, and a 3 billion
# image gallery:

# %%
fpir = -np.expm1(3e9 * np.log1p(-1e-10))         # P(at least one false candidate), non-mated search
hit_rate = 0.99
priors = pd.DataFrame({"prior: person is in the gallery": [0.9, 0.5, 0.1, 0.01]})
p = priors["prior: person is in the gallery"]
priors["P(returned candidate is right)"] = p * hit_rate / (p * hit_rate + (1 - p) * fpir)
assert np.isclose(priors.iloc[2, 1], metrics.positive_predictive_value(0.1, hit_rate, fpir))
priors.round(3)

# %%
ppv = priors["P(returned candidate is right)"]
Markdown(f"Even with {metrics.expected_false_candidates(1e-10, 3e9):.1f} expected false candidates per search (FPIR {fpir:.0%}), a candidate returned for a "
         f"search where the person was in the gallery with probability 0.5 is right {ppv.iloc[1]:.0%} of the time; "
         f"if only one search in ten is for someone enrolled, {ppv.iloc[2]:.0%}; at one in a hundred, "
         f"{ppv.iloc[3]:.0%}. This is the **positive predictive value** "
         "(`metrics.positive_predictive_value(prior, hit_rate, false_alarm_rate)`). A police search of a "
         "scraped gallery has no way to know its prior, and a returned face looks the same whether the prior was "
         "0.9 or 0.01. (Simplification: when the person *is* enrolled a stranger may also be returned; the "
         "direction of the conclusion does not change.)")

# %% [markdown]
# ## Why 99.38% says nothing about this
#
# * It is **1:1 accuracy on a balanced set**: half the pairs are the same person. A search is 1:N,
#   and nearly every comparison in it is with a stranger; the prior is nowhere near one half.
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
# ## Why error rates differ between groups
#
# An FMR is measured on a population; a different population gives a different FMR. Two causes
# are well documented:
#
# * **Capture conditions.** Cameras, exposure and lighting are often tuned on lighter skin;
#   under-exposed or low-contrast images of darker faces carry less detail, and probe images
#   (CCTV, phones) differ from the enrolment photos in ways that differ between groups.
# * **Training data.** A model learns to separate the faces it saw most; if a group is rare in its
#   training data, faces of that group sit closer together in the embedding space, so strangers in
#   that group fall under the threshold more often (a higher FMR for that group).
#
# NIST's 2019 study of demographic effects (NISTIR 8280: 189 algorithms from 99 developers, 18.27
# million images of 8.49 million people) found false match rates 10 to 100 times higher for Asian
# and African American faces than for white faces in 1:1 matching for many algorithms, and higher
# for women than for men; in 1:N search, false positives were higher for African American women.
# It also found that these **differentials vary strongly from algorithm to algorithm**, and are
# small for the most accurate ones (for some 1:N algorithms NIST could not detect them). So "face
# recognition is biased" and "this algorithm is fair" are both claims to check per algorithm, per
# threshold and per population. Multiply a group's FMR into the table above: the strangers a
# search returns are not spread evenly.
#
# *Caveats:* gallery *images* are not gallery *people* (one person appears in many photos), and
# lookalike errors are correlated, so FMR x N is an approximation; the direction of the conclusion
# does not change.
#
# ## Summary
#
# * Expected false candidates per search = FMR x gallery size (images, not people); at billions,
#   only astronomically small FMRs keep it below one.
# * P(at least one) = 1 - (1 - FMR)^N, computed as `-np.expm1(n * np.log1p(-fmr))`.
# * Whether a returned face is the right person depends on the base rate: with a low prior, most
#   returned candidates are strangers even for a good algorithm.
# * Benchmarks like LFW cannot measure those FMRs, their populations differ from the people
#   searched, and demographic differentials depend on the algorithm.
# * Exercise: `exercises/B6_scale_base_rates.ipynb`.
