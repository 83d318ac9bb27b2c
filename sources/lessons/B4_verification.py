# %% [markdown]
# # B4. Verification, measured like NIST: LFW View 2
#
# **Why this matters.** "99.38% accurate" is the number quoted for dlib's face model, and similar
# numbers were quoted for Clearview. This lesson reproduces such a number from scratch and shows
# what it does and does not measure.
#
# **Learning objectives.** After this lesson you can
# 1. run the LFW View 2 protocol: 6,000 pairs in 10 folds, threshold fitted on 9 folds, tested on the 10th;
# 2. report accuracy as mean and spread over folds, at a fitted and at the fixed 0.6 threshold;
# 3. draw and read a DET curve (FNMR against FMR on log axes) and find the equal error rate;
# 4. explain honestly why this pipeline's number differs from the published 99.38%.
#
# **Prerequisites.** `lessons/B3_embeddings.ipynb`.
#
# **Estimated time.** 30 minutes.

# %% [markdown]
# ## The protocol
#
# `pairs.txt` lists 10 folds of 600 pairs: 300 of the same person, 300 of different people. For
# each fold, a threshold is chosen on the other nine folds (the one that classifies them best),
# then used on the held-out fold. The ten accuracies are summarised by their mean and spread. We
# use the precomputed embeddings of all 7,701 images the pairs name.

# %%
import pandas as pd

from facecourse import charts, data, embeddings, metrics

table, emb = embeddings.load()
pairs = embeddings.pair_distances(table, emb, data.read_pairs())
print(f"{len(pairs):,} pairs in {pairs['fold'].nunique()} folds; {pairs['same'].sum():,} same-person")
pairs.head()

# %%
per_fold = metrics.lfw_view2(pairs["distance"], pairs["same"], pairs["fold"], fixed_threshold=0.6)
per_fold.round(4)

# %%
summary = metrics.summarise_view2(per_fold)
for key, label in (("accuracy", "threshold fitted on the other 9 folds"), ("accuracy_fixed", "fixed threshold 0.6")):
    s = summary[key]
    print(f"{label:>38}: {s['mean']:.2%} (standard deviation {s['std']:.2%}, standard error {s['se']:.2%})")

# %% [markdown]
# ## Beside the published figure
#
# dlib's model card reports **99.38%** (mean 0.993833, standard deviation 0.0027) on the same
# 6,000 pairs. Our pipeline lands within a few tenths of a point of it, and the differences have
# causes we can name:
#
# * **Image size.** The published figure was measured on LFW's 250 x 250 originals. The mirror the
#   course uses serves 150 x 150 copies, so each face spans about 70 pixels instead of about 115;
#   the aligned 150-pixel chip is then an upscaled, softer image. Enlarging the image before
#   alignment and averaging the chip with its mirror image (the `faces.LFW` settings) recover part
#   of the loss; the next cell measures what each choice is worth.
# * **Faces the detector missed.** About 50 of the 7,701 images in the pairs were found only by the
#   slower CNN detector; such faces are often turned or badly lit, so their pairs are harder. We
#   keep them, as the protocol requires.
# * **Threshold.** The model card does not say whether 0.6 was fixed or fitted; we report both.
#
# ### What the pipeline choices are worth
#
# The table below was measured once on all 6,000 pairs with four variants of the pipeline
# (`benchmarks/lfw_settings.py` reproduces it in about 40 minutes on two cores; too slow to run
# live). The committed embeddings use the last row.

# %%
variants = pd.read_csv(embeddings.OUT_DIR / "lfw_settings_comparison.csv")
variants

# %% [markdown]
# Neither change alone moves the fitted-threshold accuracy much; together they add about 0.2
# points and lift it above 99%. The mirror average matters most at the fixed 0.6 threshold
# (98.65% to 99.1%): it makes distances less noisy, so the model's intended threshold fits
# better. Each descriptor costs about 0.12 s with the prebuilt dlib, so the better setting doubles
# the cost of embedding: one reason the course computes embeddings ahead of time.

# %% [markdown]
# ## Errors of both kinds: the DET curve
#
# Accuracy hides *which* mistakes are made. NIST instead reports the false match rate (FMR,
# strangers accepted) and the false non-match rate (FNMR, the same person rejected) at each
# threshold, and draws one against the other on log axes.

# %%
genuine = pairs.loc[pairs["same"], "distance"]
impostor = pairs.loc[~pairs["same"], "distance"]
curve = metrics.det_curve(genuine, impostor)
eer, eer_threshold = metrics.eer(genuine, impostor)
at = metrics.rates_at(genuine, impostor, [0.5, 0.55, 0.6])
at["label"] = "t = " + at["threshold"].astype(str)
print(f"equal error rate {eer:.2%} at threshold {eer_threshold:.3f}")
at.round(4)

# %%
charts.det_chart(curve, title="LFW View 2 DET curve (6,000 pairs, this pipeline)", marks=at)

# %% [markdown]
# *Figure 1. Alt text: a DET curve on log-log axes falling from the upper left to the lower right;
# black dots mark thresholds 0.5, 0.55 and 0.6, moving right (more false matches) and down (fewer
# false non-matches) as the threshold rises.*
#
# Read the curve from any point: at the threshold 0.6, about one stranger pair in a hundred is
# accepted (the FMR) while nearly every same-person pair is (a low FNMR). The curve stops at an
# FMR of about 1/3,000: with only 3,000 different-person pairs, LFW cannot measure smaller false
# match rates. Lesson B6 shows why those smaller rates are exactly the ones that matter for search.
#
# ## Summary
#
# * LFW View 2 is a 1:1 verification test on 6,000 balanced pairs; its headline is an accuracy
#   averaged over 10 folds.
# * This pipeline's number sits close to dlib's 99.38%; the remaining gap comes from the smaller
#   images, not from the model.
# * A DET curve shows the trade-off between false matches and false non-matches; LFW's few
#   impostor pairs cannot resolve the tiny false match rates a large search needs.
# * Exercise: `exercises/B4_verification.ipynb`. Next: `lessons/B5_identification.ipynb`.
