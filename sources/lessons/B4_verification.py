# %% [markdown]
# # B4. Verification, measured like NIST: LFW View 2
#
# **Why this matters.** "99.38% accurate" is the number quoted for dlib's face model, and similar
# numbers were quoted for Clearview. This lesson reproduces such a number from scratch, with numpy
# and pandas in the open, and shows what it does and does not measure.
#
# **Learning objectives.** After this lesson you can
# 1. run the LFW View 2 protocol yourself: 6,000 pairs in 10 folds (numbered 0-9), a threshold
#    fitted on 9 folds and tested on the 10th;
# 2. say why fitting the threshold on the test fold itself (leakage) flatters the result;
# 3. compute the false match rate (FMR) and false non-match rate (FNMR) at a threshold by hand;
# 4. draw a DET curve with altair (FNMR against FMR on log axes) and read it;
# 5. explain honestly why this pipeline's number differs from the published 99.38%.
#
# **Prerequisites.** `lessons/B3_embeddings.ipynb` (embeddings and Euclidean distances).
#
# **Estimated time.** 35 minutes.

# %% [markdown]
# ## The pairs
#
# `pairs.txt` lists 10 folds of 600 pairs: 300 of the same person, 300 of different people. We
# use the precomputed embeddings of every image the pairs name (lesson B3 showed how one is
# computed; the cell after the table says how long doing all of them live would take), and one
# Euclidean distance per pair. The folds are numbered 0 to 9 everywhere in this course.

# %%
import altair as alt
import numpy as np
import pandas as pd
from IPython.display import Markdown

from facecourse import data
from facecourse.matching import metrics, precomputed

table, emb = precomputed.load()
pairs = precomputed.pair_distances(table, emb, data.read_pairs())
pairs.head()

# %%
SECONDS_PER_EMBEDDING = 0.12  # one descriptor with the prebuilt dlib, one core (README, "Track B results")
named_images = len(set(pairs["a"]) | set(pairs["b"]))
Markdown(f"The pairs name {named_images:,} different images; embedding them live at about "
         f"{SECONDS_PER_EMBEDDING} s per descriptor, two descriptors per face with the course's LFW settings "
         f"(lesson B3), would take about {named_images * 2 * SECONDS_PER_EMBEDDING / 60:.0f} minutes.")

# %%
pairs.groupby("fold")["same"].agg(pairs="size", same_person="sum").T

# %% [markdown]
# ## Accuracy at one threshold, by hand
#
# A pair is called "same person" when its distance is **at most** the threshold (`<=`). Accuracy is
# the share of pairs where that call agrees with the truth: one comparison of two boolean arrays.

# %%
d = pairs["distance"].to_numpy()
same = pairs["same"].to_numpy()
called_same = d <= 0.6
print(f"accuracy at 0.6 on all 6,000 pairs: {np.mean(called_same == same):.2%}")

# %% [markdown]
# ## Fitting a threshold on nine folds
#
# 0.6 is dlib's recommended threshold, but the View 2 protocol lets each method *fit* its own on
# training data. To fit one, try candidate thresholds (the midpoints between neighbouring observed
# distances) and keep the one with the best accuracy. Broadcasting compares every candidate with
# every pair at once: a (candidates x pairs) boolean array.

# %%
def fit_threshold(distances, same):
    """The midpoint threshold with the best accuracy on these pairs."""
    distances, same = np.asarray(distances), np.asarray(same, dtype=bool)
    values = np.unique(distances)                      # sorted, without repeats
    candidates = (values[:-1] + values[1:]) / 2
    acc = ((distances[None, :] <= candidates[:, None]) == same[None, :]).mean(axis=1)
    return float(candidates[np.argmax(acc)])


# %% [markdown]
# One step of the protocol: hold out fold 0, fit on folds 1-9, test on fold 0.

# %%
train, test = pairs[pairs["fold"] != 0], pairs[pairs["fold"] == 0]
t0 = fit_threshold(train["distance"], train["same"])
acc0 = np.mean((test["distance"] <= t0) == test["same"])
Markdown(f"Fitted on folds 1-9 ({len(train):,} pairs), the threshold is **{t0:.4f}**; on the held-out "
         f"fold 0 ({len(test)} pairs) it classifies **{acc0:.2%}** correctly.")

# %% [markdown]
# The whole protocol repeats that step for each of the ten folds, in a plain loop that collects
# one row per fold into a pandas DataFrame:

# %%
rows = []
for k in range(10):
    train, test = pairs[pairs["fold"] != k], pairs[pairs["fold"] == k]
    t = fit_threshold(train["distance"], train["same"])
    rows.append({"fold": k, "threshold": t,
                 "accuracy": np.mean((test["distance"] <= t) == test["same"]),
                 "accuracy at 0.6": np.mean((test["distance"] <= 0.6) == test["same"])})
by_hand = pd.DataFrame(rows)
by_hand.round(4)

# %%
mean, sd = by_hand["accuracy"].mean(), by_hand["accuracy"].std()
Markdown(f"Mean accuracy over the ten held-out folds: **{mean:.2%}**, standard deviation {sd:.2%}, "
         f"standard error {sd / np.sqrt(10):.2%}; at the fixed 0.6 threshold: "
         f"**{by_hand['accuracy at 0.6'].mean():.2%}**. LFW asks for the mean and its standard error.")

# %%
fitted_right = int(round((by_hand["accuracy"] * 600).sum()))
fixed_right = int(round((by_hand["accuracy at 0.6"] * 600).sum()))
better = by_hand[by_hand["accuracy at 0.6"] > by_hand["accuracy"]]["fold"].tolist()
worse = by_hand[by_hand["accuracy at 0.6"] < by_hand["accuracy"]]["fold"].tolist()
se = sd / np.sqrt(10)
if fixed_right > fitted_right:
    verdict = (f"The fixed 0.6 beats the fitted thresholds here, by {fixed_right - fitted_right} of "
               f"{len(pairs):,} pairs. ")
elif fixed_right < fitted_right:
    verdict = f"The fitted thresholds beat the fixed 0.6 here, by {fitted_right - fixed_right} of {len(pairs):,} pairs. "
else:
    verdict = "The fitted thresholds and the fixed 0.6 get the same number of pairs right here. "
Markdown(verdict + "Fitting does not promise a better held-out score: each fitted threshold is the best one for the "
         f"nine *training* folds, and on the held-out fold it can land on the wrong side of a few pairs (0.6 did "
         f"better on fold{'s' if len(better) != 1 else ''} {', '.join(map(str, better)) or 'none'}, worse on "
         f"{', '.join(map(str, worse)) or 'none'}). 0.6 was never fitted on LFW (dlib chose it when training the "
         "model), so it is an honest held-out number too. The gap, "
         f"{abs(by_hand['accuracy at 0.6'].mean() - mean):.2%}, is "
         + (f"well under one standard error ({se:.2%}): on {len(pairs):,} pairs the two are the same result. "
            if abs(by_hand["accuracy at 0.6"].mean() - mean) < se else
            f"at least one standard error ({se:.2%}): on these pairs the difference is real. ")
         + "Report the protocol's fitted figure, and say which one you report.")

# %% [markdown]
# ### Why never fit on the test fold
#
# What if we fitted each threshold on the fold we then test on? The loop below does exactly that
# mistake (leakage: the answer key was used to set the threshold).

# %%
leaky = [np.mean((f["distance"] <= fit_threshold(f["distance"], f["same"])) == f["same"])
         for _, f in pairs.groupby("fold")]
Markdown(f"Fitted on the test fold itself, the mean accuracy becomes **{np.mean(leaky):.2%}** instead of "
         f"{mean:.2%}: higher in {sum(l > a for l, a in zip(leaky, by_hand['accuracy']))} of 10 folds and "
         "lower in none, because each threshold was chosen to suit exactly the pairs it is graded on. "
         "A vendor that tunes on its test set reports the flattering number.")

# %% [markdown]
# ### The helper the rest of the course uses
#
# `metrics.lfw_view2` does the same loop; `metrics.best_threshold` finds the same thresholds with a
# cumulative sum over sorted distances instead of the (candidates x pairs) array, so it also works
# for millions of pairs, and both check their input (equal lengths, no NaN distances). Its table
# must agree with ours:

# %%
per_fold = metrics.lfw_view2(pairs["distance"], pairs["same"], pairs["fold"], fixed_threshold=0.6)
assert list(per_fold["fold"]) == list(range(10))
gap = float(np.abs(per_fold["accuracy"] - by_hand["accuracy"]).max())
print(f"largest difference in fold accuracy, helper vs by hand: {gap:.1e}")
per_fold.round(4)

# %% [markdown]
# ## Beside the published figure
#
# dlib's model card reports **99.38%** (mean 0.993833, standard deviation 0.0027) on the same
# 6,000 pairs. Our pipeline lands a few tenths of a point below it, and the differences have
# causes we can name:
#
# * **Image size.** The published figure was measured on LFW's 250 x 250 originals. The mirror the
#   course uses serves 150 x 150 copies, so each face spans about 70 pixels instead of about 115;
#   the aligned 150-pixel chip is then an upscaled, softer image. Enlarging the image before
#   alignment and averaging the chip with its mirror image (the `faces.LFW` settings) recover part
#   of the loss; the next cell shows what each choice is worth.
# * **Faces the detector missed.** Some images in the pairs were found only by the slower CNN
#   detector (counted below); such faces are often turned or badly lit, so their pairs are harder.
#   We keep them, as the protocol requires.
# * **Threshold.** The model card does not say whether 0.6 was fixed or fitted; we report both.

# %%
named = set(pairs["a"]) | set(pairs["b"])
used = table.assign(key=table["person"] + "_" + table["index"].map("{:04d}".format))
used[used["key"].isin(named)]["detector"].value_counts().rename("images in the pairs, by detector")

# %% [markdown]
# ### What the pipeline choices are worth
#
# The table below was measured once on all 6,000 pairs with four variants of the pipeline
# (`benchmarks/lfw_settings.py` reproduces it in about 40 minutes on two cores; too slow to run
# live). The committed embeddings use the last row.

# %%
variants = pd.read_csv(precomputed.OUT_DIR / "lfw_settings_comparison.csv")
variants

# %%
fitted_col, fixed_col = "accuracy, fitted threshold (mean of 10 folds)", "accuracy at 0.6"
base, best = variants.iloc[0], variants.iloc[-1]
Markdown(f"Neither change alone moves the fitted-threshold accuracy much ({base[fitted_col]:.2%} for the documented "
         "settings; " + ", ".join(f"{v:.2%} with {name.removeprefix('+ ')}" for name, v in
                                  zip(variants["variant"].iloc[1:-1], variants[fitted_col].iloc[1:-1]))
         + f"); together they reach {best[fitted_col]:.2%}. The mirror average matters most at the fixed 0.6 "
         f"threshold ({base[fixed_col]:.2%} to {variants[fixed_col].iloc[1]:.2%} alone): it makes distances less "
         f"noisy, so the model's intended threshold fits better. Each descriptor costs about {SECONDS_PER_EMBEDDING} s "
         f"with the prebuilt dlib, so the better setting ({best['descriptors per face']} descriptors per face) "
         "doubles the cost of embedding: one reason the course computes embeddings ahead of time.")

# %% [markdown]
# ## Errors of both kinds, by hand
#
# Accuracy hides *which* mistakes are made. NIST instead reports two rates at a threshold `t`:
#
# * **FMR**, the false match rate: the share of *different-person* (impostor) pairs with distance `<= t`;
# * **FNMR**, the false non-match rate: the share of *same-person* (genuine) pairs with distance `> t`.

# %%
genuine = pairs.loc[pairs["same"], "distance"].to_numpy()
impostor = pairs.loc[~pairs["same"], "distance"].to_numpy()
fmr_06 = np.mean(impostor <= 0.6)
fnmr_06 = np.mean(genuine > 0.6)
se_06 = np.sqrt(fmr_06 * (1 - fmr_06) / impostor.size)
Markdown(f"At 0.6: FMR = {np.sum(impostor <= 0.6)} of {impostor.size:,} impostor pairs = **{fmr_06:.2%}**; "
         f"FNMR = {np.sum(genuine > 0.6)} of {genuine.size:,} genuine pairs = **{fnmr_06:.2%}**.")

# %% [markdown]
# `metrics.rates_at` returns the same two numbers for many thresholds at once (it sorts once and
# uses `np.searchsorted`, which is what a DET curve with thousands of thresholds needs):

# %%
at = metrics.rates_at(genuine, impostor, [0.5, 0.55, 0.6])
assert np.isclose(at["fmr"].iloc[-1], fmr_06) and np.isclose(at["fnmr"].iloc[-1], fnmr_06)
at.round(4)

# %%
Markdown(f"""**Why the FMR at 0.6 takes a different value in each lesson.** Lessons B3 to B7 each report an
FMR at the threshold 0.6 for the same model, and each gets another value, because each counts a different set of
different-person pairs:

* B3: every pair of two different people among the teaching subset's photos: many pairs, but few people, so a
  handful of lookalike couples weigh heavily.
* B4 (here): the {impostor.size:,} impostor pairs that LFW's authors chose for View 2. With so few pairs the
  estimate {fmr_06:.2%} has a standard error of about {se_06:.2%} (`sqrt(p(1 - p) / n)`): the true rate could
  easily be a few tenths of a point either side.
* B5: every comparison made by searching the whole gallery for people who appear only once in LFW.
* B6: a large seeded sample of random pairs of different people drawn from all of LFW.
* B7: its own simulated gallery, with the sampling margin it states.

Each lesson states its value and its pairs where it measures it. They disagree by sampling noise and because they
sample different people: an FMR is a property of a model *and* of the pairs it is measured on.""")

# %% [markdown]
# ## The DET curve, built with altair
#
# A DET curve draws FNMR against FMR at every threshold, both on log axes, so that small error
# rates are visible. First the points, one row per threshold (computed with the same broadcasting
# as above):

# %%
thresholds = np.linspace(0.3, 0.9, 241)
det = pd.DataFrame({
    "threshold": thresholds,
    "fmr": (impostor[None, :] <= thresholds[:, None]).mean(axis=1),
    "fnmr": (genuine[None, :] > thresholds[:, None]).mean(axis=1),
})
drawable = det[(det["fmr"] > 0) & (det["fnmr"] > 0)]  # log(0) cannot be drawn
print(f"{len(drawable)} of {len(det)} thresholds have both rates above zero")

# %% [markdown]
# Then the chart: a line mark, both fields typed quantitative (`:Q`), log scales, a tooltip that
# shows the threshold behind each point, a title, and a description that screen readers use as
# alt text. A second layer marks three thresholds.

# %%
marks = at.assign(label="t = " + at["threshold"].astype(str))
line = alt.Chart(drawable).mark_line().encode(
    x=alt.X("fmr:Q", scale=alt.Scale(type="log"), title="false match rate (FMR, log scale)"),
    y=alt.Y("fnmr:Q", scale=alt.Scale(type="log"), title="false non-match rate (FNMR, log scale)"),
    tooltip=[alt.Tooltip("threshold:Q", format=".3f"), alt.Tooltip("fmr:Q", format=".4f"),
             alt.Tooltip("fnmr:Q", format=".4f")],
)
points = alt.Chart(marks).mark_point(filled=True, size=80, color="black").encode(
    x="fmr:Q", y="fnmr:Q", tooltip=["label:N", alt.Tooltip("fmr:Q", format=".4f"), alt.Tooltip("fnmr:Q", format=".4f")])
labels = alt.Chart(marks).mark_text(align="left", dx=8, dy=-6).encode(x="fmr:Q", y="fnmr:Q", text="label:N")
det_plot = (line + points + labels).properties(
    title="LFW View 2 DET curve (6,000 pairs, this pipeline)", width=460, height=320,
    description="DET curve on log-log axes: false non-match rate falls from upper left to lower right as the "
                "false match rate rises; black dots mark thresholds 0.5, 0.55 and 0.6.")
det_plot

# %%
eer, eer_threshold = metrics.eer(genuine, impostor)
Markdown(f"*Figure 1. Alt text: {det_plot.description}*\n\n"
         f"Read the curve from any point: at 0.6 about {fmr_06:.1%} of stranger pairs are accepted (the FMR) "
         f"while {fnmr_06:.1%} of same-person pairs are rejected (the FNMR). Where the two rates are equal, the "
         f"equal error rate, is {eer:.2%} at threshold {eer_threshold:.3f} (`metrics.eer`). The curve stops at an FMR "
         f"of 1/{impostor.size:,}: with only {impostor.size:,} different-person pairs, LFW cannot measure smaller "
         "false match rates. Lesson B6 shows why those smaller rates are exactly the ones that matter for search.\n\n"
         "`facecourse.matching.charts.det_chart(curve, title, marks)` packages this chart (the same encodings, "
         "zero rates removed, several systems in colour); later lessons call it to save space.")

# %% [markdown]
# ## Summary
#
# * LFW View 2 is a 1:1 verification test on 6,000 balanced pairs in 10 folds (0-9); its headline
#   is an accuracy averaged over the folds, each with a threshold fitted on the other nine.
# * Fitting on the test fold (leakage) inflates the figure; a hard-coded threshold is a different,
#   also legitimate, number: say which one you report.
# * FMR and FNMR are shares of impostor and genuine pairs on the wrong side of the threshold; the
#   DET curve shows their trade-off on log axes, and LFW's few impostor pairs cannot resolve the
#   tiny false match rates a large search needs.
# * Exercise: `exercises/B4_verification.ipynb` (you write the accuracy, FMR/FNMR, the fold-wise
#   fit and a DET chart yourself). Next: `lessons/B5_identification.ipynb`.
