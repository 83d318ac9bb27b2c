# %% [raw]
# # ASSIGNMENT CONFIG
# name: B3_embeddings
# init_cell: true
# check_all_cell: true
# export_cell: false
# tests:
#   files: false

# %% [markdown]
# # Exercise B3: embeddings and distances
#
# **Why this matters.** Every decision a face-search system makes is a distance compared with a
# threshold.
#
# **Learning objectives.** Build distance matrices, separate genuine from impostor pairs, and
# measure error rates at a threshold.
#
# **Prerequisites.** `lessons/B3_embeddings.ipynb`.
#
# **Estimated time.** 25 minutes.

# %%
import numpy as np
import pandas as pd

from facecourse import embeddings

table, emb = embeddings.load()
# 30 images: 10 photos each of three people, from the precomputed embeddings
chosen = table[table["person"].isin(["Tony_Blair", "Hugo_Chavez", "Junichiro_Koizumi"])].groupby("person").head(10)
X = emb[chosen.index.to_numpy()]
labels = chosen["person"].to_numpy()
X.shape


# %% [markdown]
# ## Question 1: distance matrix
#
# Write `distance_matrix(X)` that returns the n x n matrix of Euclidean distances between the rows
# of `X` (an n x 128 array). Use NumPy; no Python loop over pairs is needed (hint: broadcasting
# `X[:, None, :] - X[None, :, :]`).

# %% [raw]
# # BEGIN QUESTION
# name: q1
# points: 2

# %% [raw]
# # BEGIN SOLUTION

# %%
def distance_matrix(X):
    # BEGIN SOLUTION
    X = np.asarray(X, dtype=np.float64)
    return np.sqrt(((X[:, None, :] - X[None, :, :]) ** 2).sum(axis=2))
    # END SOLUTION


# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
D = distance_matrix(X)
assert D.shape == (30, 30)
assert np.allclose(np.diag(D), 0)

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
M = distance_matrix(X)
assert np.allclose(M, M.T)
assert abs(M[0, 5] - np.linalg.norm(X[0] - X[5])) < 1e-5

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 2: genuine and impostor distances
#
# From `D = distance_matrix(X)` and `labels`, build two 1-D arrays: `genuine`, the distances of
# every same-person pair, and `impostor`, the distances of every different-person pair. Count
# each unordered pair once and leave out a face paired with itself (hint: `np.triu_indices(n, k=1)`).

# %% [raw]
# # BEGIN QUESTION
# name: q2
# points: 2

# %% [raw]
# # BEGIN SOLUTION

# %%
# BEGIN SOLUTION NO PROMPT
dists = distance_matrix(X)
upper_i, upper_j = np.triu_indices(len(X), k=1)
same_pair = labels[upper_i] == labels[upper_j]
# END SOLUTION
genuine = dists[upper_i, upper_j][same_pair]  # SOLUTION
impostor = dists[upper_i, upper_j][~same_pair]  # SOLUTION

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
assert len(genuine) + len(impostor) == 30 * 29 // 2

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
assert len(genuine) == 3 * 45 and len(impostor) == 300
assert genuine.mean() < impostor.mean()


# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 3: errors at a threshold
#
# Write `error_rates(genuine, impostor, threshold)` returning a tuple `(fnmr, fmr)`: the share of
# genuine distances **above** the threshold and the share of impostor distances **at or below** it.

# %% [raw]
# # BEGIN QUESTION
# name: q3
# points: 1

# %% [raw]
# # BEGIN SOLUTION

# %%
def error_rates(genuine, impostor, threshold):
    # BEGIN SOLUTION
    genuine, impostor = np.asarray(genuine), np.asarray(impostor)
    return float(np.mean(genuine > threshold)), float(np.mean(impostor <= threshold))
    # END SOLUTION


# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
assert error_rates([0.1, 0.7], [0.5, 0.9], 0.6) == (0.5, 0.5)

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
assert error_rates([0.6], [0.6], 0.6) == (0.0, 1.0)
assert error_rates([0.1, 0.2, 0.3, 0.9], [0.95, 1.0], 0.5) == (0.25, 0.0)

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 4 (written): moving the threshold
#
# Compute `error_rates(genuine, impostor, t)` for t = 0.5, 0.6 and 0.7 in a cell of your own. In
# three to five sentences: what happens to each error as the threshold rises, and which error
# would you rather keep small in a police face search, and why?

# %% [raw]
# # BEGIN QUESTION
# name: q4
# manual: true
# points: 2

# %% [raw]
# # BEGIN SOLUTION

# %% [markdown]
# Raising the threshold accepts more pairs as matches: false non-matches fall and false matches
# rise; lowering it does the opposite. In a police search a false match puts an innocent person
# on a candidate list, where a human may "confirm" the resemblance and act on it, so the false
# match rate should be kept very small even at the cost of missing some true matches. A missed
# match costs an investigative lead; a false match can cost a stranger their liberty.

# %% [raw]
# # END SOLUTION

# %% [raw]
# # END QUESTION
