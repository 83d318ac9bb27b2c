# %% [raw]
# # ASSIGNMENT CONFIG
# name: B4_verification
# init_cell: true
# check_all_cell: true
# export_cell: false
# tests:
#   files: false

# %% [markdown]
# # Exercise B4: verification on LFW View 2
#
# **Why this matters.** Knowing how an accuracy figure is computed is the only defence against
# being impressed by it.
#
# **Learning objectives.** Compute pair accuracy, fit a threshold on training folds, and explain
# a published figure.
#
# **Prerequisites.** `lessons/B4_verification.ipynb`.
#
# **Estimated time.** 30 minutes.

# %%
import numpy as np
import pandas as pd

from facecourse import data, embeddings

table, emb = embeddings.load()
pairs = embeddings.pair_distances(table, emb, data.read_pairs())
pairs.head(3)


# %% [markdown]
# ## Question 1: accuracy at a threshold
#
# Write `pair_accuracy(distances, same, threshold)`: the share of pairs classified correctly when
# a pair is called "same person" if its distance is at most `threshold`.

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
assert pair_accuracy([0.2, 0.9, 0.5, 0.7], [True, False, False, True], 0.6) == 0.5

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
assert pair_accuracy([0.6], [True], 0.6) == 1.0
assert pair_accuracy(np.array([0.1, 0.2]), np.array([False, False]), 0.05) == 1.0

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 2: fold 1 at the fixed threshold
#
# `pairs["fold"]` numbers the folds 0 to 9. Store in `fold0_fixed` the accuracy on fold 0 at the
# fixed threshold 0.6.

# %% [raw]
# # BEGIN QUESTION
# name: q2
# points: 1

# %% [raw]
# # BEGIN SOLUTION

# %%
fold0 = pairs[pairs["fold"] == 0]  # SOLUTION
fold0_fixed = pair_accuracy(fold0["distance"], fold0["same"], 0.6)  # SOLUTION
fold0_fixed

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
assert 0.9 < fold0_fixed <= 1.0

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
f0 = pairs[pairs["fold"] == 0]
assert abs(fold0_fixed - np.mean((f0["distance"] <= 0.6) == f0["same"])) < 1e-12


# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 3: fit a threshold on nine folds
#
# Write `fit_threshold(distances, same)` that returns the threshold with the best accuracy on the
# given pairs. Trying every observed distance as a candidate is enough here. Then store in
# `fold0_fitted` the accuracy on fold 0 of the threshold fitted on folds 1-9: this is one step of
# the View 2 protocol.

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


train = pairs[pairs["fold"] != 0]  # SOLUTION
fold0_fitted = pair_accuracy(fold0["distance"], fold0["same"], fit_threshold(train["distance"], train["same"]))  # SOLUTION
fold0_fitted

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
assert 0.3 <= fit_threshold([0.2, 0.3, 0.8, 0.9], [True, True, False, False]) < 0.8

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
from facecourse import metrics
tr = pairs[pairs["fold"] != 0]
te = pairs[pairs["fold"] == 0]
t_ref = metrics.best_threshold(tr["distance"], tr["same"])
assert abs(metrics.accuracy(tr["distance"], tr["same"], fit_threshold(tr["distance"], tr["same"]))
           - metrics.accuracy(tr["distance"], tr["same"], t_ref)) < 1e-9
assert abs(fold0_fitted - metrics.accuracy(te["distance"], te["same"], fit_threshold(tr["distance"], tr["same"]))) < 1e-9

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 4 (written): one paragraph for a procurement report
#
# A vendor's brochure says its face matcher is "99.4% accurate". Using what you measured, write
# four to six sentences for a city council: what that figure measures, what it leaves out, and
# which numbers you would ask the vendor for instead.

# %% [raw]
# # BEGIN QUESTION
# name: q4
# manual: true
# points: 2

# %% [raw]
# # BEGIN SOLUTION

# %% [markdown]
# A figure like 99.4% is usually LFW View 2 accuracy: the share of 6,000 photo pairs, half of them
# the same person, that the system labels correctly, averaged over ten folds. It measures
# one-to-one comparisons of mostly good-quality news photos of adult public figures, most of them
# white men. It says nothing about searching one photo against millions (where false matches
# multiply with gallery size), about low-quality CCTV or phone images, or about how errors differ
# between demographic groups. I would ask for the false match rate and false non-match rate at
# the threshold the police will actually use, measured on images like theirs, ideally from NIST's
# FRVT 1:N and demographic tests, and for the false-positive identification rate at the gallery
# size they will search.

# %% [raw]
# # END SOLUTION

# %% [raw]
# # END QUESTION
