# %% [raw]
# # ASSIGNMENT CONFIG
# name: B5_identification
# init_cell: true
# check_all_cell: true
# export_cell: false
# tests:
#   files: false

# %% [markdown]
# # Exercise B5: 1:N identification
#
# **Why this matters.** Search quality is measured differently from verification, and the
# difference is where innocent people get hurt.
#
# **Learning objectives.** Compute rank-1 and rank-k hit rates and the false-positive
# identification rate.
#
# **Prerequisites.** `lessons/B5_identification.ipynb`.
#
# **Estimated time.** 25 minutes.

# %%
import numpy as np

from facecourse import embeddings

table, emb = embeddings.load()
people = table["person"].value_counts()
five = people[people >= 5].index[:50]  # 50 people with at least 5 photos
rows = table[table["person"].isin(five)].sort_values(["person", "index"])
probe_rows = rows.groupby("person").nth(0)
gallery_rows = rows.groupby("person").nth([1, 2, 3])
probe_embs, probe_labels = emb[probe_rows.index.to_numpy()], probe_rows["person"].to_numpy()
gallery_embs, gallery_labels = emb[gallery_rows.index.to_numpy()], gallery_rows["person"].to_numpy()
probe_embs.shape, gallery_embs.shape


# %% [markdown]
# ## Question 1: rank-1 accuracy
#
# Write `rank1_accuracy(probe_embs, probe_labels, gallery_embs, gallery_labels)`: for each probe,
# find the nearest gallery embedding (Euclidean distance); return the share of probes whose
# nearest gallery face has the probe's label.

# %% [raw]
# # BEGIN QUESTION
# name: q1
# points: 2

# %% [raw]
# # BEGIN SOLUTION

# %%
def rank1_accuracy(probe_embs, probe_labels, gallery_embs, gallery_labels):
    # BEGIN SOLUTION
    P, G = np.asarray(probe_embs, float), np.asarray(gallery_embs, float)
    d = np.linalg.norm(P[:, None, :] - G[None, :, :], axis=2)
    nearest = np.asarray(gallery_labels)[np.argmin(d, axis=1)]
    return float(np.mean(nearest == np.asarray(probe_labels)))
    # END SOLUTION


# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
assert 0.8 < rank1_accuracy(probe_embs, probe_labels, gallery_embs, gallery_labels) <= 1.0

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
G = np.eye(128)[:3]
assert rank1_accuracy(np.eye(128)[[0, 2]], ["a", "c"], G, ["a", "b", "c"]) == 1.0
assert rank1_accuracy(np.eye(128)[[0, 2]], ["a", "b"], G, ["a", "b", "c"]) == 0.5


# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 2: a hit within the top k
#
# Investigators look at a list, not just the first name. Write `hit_at_k(ranked_identities, truth, k)`
# returning `True` when `truth` appears among the first `k` entries of the ranked list.

# %% [raw]
# # BEGIN QUESTION
# name: q2
# points: 1

# %% [raw]
# # BEGIN SOLUTION

# %%
def hit_at_k(ranked_identities, truth, k):
    return truth in list(ranked_identities)[:k]  # SOLUTION


# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
assert hit_at_k(["b", "a", "c"], "a", 2) is True

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
assert hit_at_k(["b", "a", "c"], "a", 1) is False
assert hit_at_k([], "a", 5) is False
assert hit_at_k(("a",), "a", 1) is True


# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 3: false-positive identification rate
#
# In an open-set test each search is for someone *not* in the gallery, and `counts` holds how many
# candidates each search returned within the threshold. Write `fpir(counts)`: the share of searches
# that returned at least one candidate.

# %% [raw]
# # BEGIN QUESTION
# name: q3
# points: 1

# %% [raw]
# # BEGIN SOLUTION

# %%
def fpir(counts):
    # BEGIN SOLUTION
    counts = np.asarray(counts)
    return float(np.mean(counts > 0))
    # END SOLUTION


# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
assert fpir([0, 0, 3, 1]) == 0.5

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
assert fpir([0]) == 0.0
assert fpir(np.array([2, 2])) == 1.0

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 4 (written): the list always has a first name
#
# Clearview shows a ranked list of faces for every upload. In four to six sentences: why can a
# high rank-1 accuracy measured on mated searches (say, 99.85% on a mugshot gallery, as NIST
# reported for Clearview in 2021) coexist with innocent people appearing at rank 1, and what
# should a search tool show when nobody in the gallery is close enough?

# %% [raw]
# # BEGIN QUESTION
# name: q4
# manual: true
# points: 2

# %% [raw]
# # BEGIN SOLUTION

# %% [markdown]
# Rank-1 accuracy on mated searches is computed only over probes whose person is in the gallery:
# it asks whether the true mate beats every stranger. It says nothing about searches for people who
# are not enrolled, where whoever is nearest is by definition a stranger, yet still appears at rank
# 1 if the tool always fills its list. At billions of faces there is almost always a close
# lookalike, so those strangers can be very similar and a human reviewer may "confirm" them. A
# responsible tool applies a threshold calibrated to a very low false match rate and shows "no
# candidate above threshold" when nothing qualifies, rather than a ranked list of strangers.

# %% [raw]
# # END SOLUTION

# %% [raw]
# # END QUESTION
