# %% [raw]
# # ASSIGNMENT CONFIG
# name: C4_harms_policy
# init_cell: true
# check_all_cell: true
# export_cell: false
# tests:
#   files: false

# %% [markdown]
# # Exercise C4: harms and policy
#
# **Why this matters.** Arguments about face search turn on a few numbers: how similar two photos
# of one person stay, how much regulators have imposed, how much of a claimed benefit is
# documented. Compute them yourself.
#
# **Learning objectives.** Show that a template survives a new photo and defeats hashing; total
# fines by currency; read a benefit claim against the record.
#
# **Prerequisites.** `lessons/C4_harms_policy.ipynb`.
#
# **Estimated time.** 20 minutes.

# %%
import hashlib

import pandas as pd

from facecourse import data, faces
from facecourse.breach import facts

events = facts.timeline()
fines = facts.fines()

# %% [markdown]
# ## Question 1: the template survives a new photo
#
# Embed the two photos of Biden in the examples (`"knn_examples/train/biden/biden.jpg"` and
# `"knn_examples/train/biden/biden2.jpg"`, through `data.example_path` and `faces.embed_single`).
# Store their distance in `biden_distance` (a float) and whether they match at the 0.6 threshold
# in `still_matches` (a bool).

# %% [raw]
# # BEGIN QUESTION
# name: q1
# points: 2

# %% [raw]
# # BEGIN SOLUTION

# %%
a = b = biden_distance = still_matches = None  # your answers replace these
# BEGIN SOLUTION
a = faces.embed_single(data.example_path("knn_examples/train/biden/biden.jpg")).embedding
b = faces.embed_single(data.example_path("knn_examples/train/biden/biden2.jpg")).embedding
biden_distance = float(faces.distance(a, b))
still_matches = bool(biden_distance < 0.6)
# END SOLUTION
biden_distance, still_matches

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
assert isinstance(still_matches, bool) and 0 <= biden_distance < 2

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
_a = faces.embed_single(data.example_path("knn_examples/train/biden/biden.jpg")).embedding
_b = faces.embed_single(data.example_path("knn_examples/train/biden/biden2.jpg")).embedding
assert abs(biden_distance - float(faces.distance(_a, _b))) < 1e-4
assert still_matches is True


# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 2: hashing cannot protect a template
#
# Write `template_hash(embedding)` returning the SHA-256 hex digest of the embedding's bytes
# (`embedding.tobytes()`). Then store in `same_hash` whether the two Biden embeddings from
# question 1 have equal hashes.

# %% [raw]
# # BEGIN QUESTION
# name: q2
# points: 1

# %% [raw]
# # BEGIN SOLUTION

# %%
def template_hash(embedding):
    return hashlib.sha256(embedding.tobytes()).hexdigest()  # SOLUTION


same_hash = template_hash(a) == template_hash(b)  # SOLUTION
same_hash

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
assert len(template_hash(a)) == 64

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
import numpy as _np
assert template_hash(_np.zeros(2, _np.float32)) == hashlib.sha256(bytes(8)).hexdigest()
assert same_hash is False

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 3: fines by currency
#
# Store in `fine_totals` a dict mapping each currency to the **sum** of the amounts of kind
# `"fine"` in that currency (for example `{"EUR": ..., ...}`), and in `eur_fined_countries` the
# sorted list of countries that imposed a euro fine.

# %% [raw]
# # BEGIN QUESTION
# name: q3
# points: 2

# %% [raw]
# # BEGIN SOLUTION

# %%
final = fines[fines["kind"] == "fine"]  # SOLUTION
fine_totals = final.groupby("currency")["amount"].sum().to_dict()  # SOLUTION
eur_fined_countries = sorted(final.loc[final["currency"] == "EUR", "country"])  # SOLUTION
fine_totals, eur_fined_countries

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
assert set(fine_totals) >= {"EUR"}

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
assert fine_totals == {"EUR": 90_500_000, "GBP": 7_552_800, "SEK": 2_500_000}
assert eur_fined_countries == ["France", "Greece", "Italy", "Netherlands"]

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 4 (written): the benefit claim
#
# Clearview's defenders cite cases such as identifying victims of child abuse. Using the RCMP
# rows of the timeline (6% of searches tied to child-exploitation work, about 85% unaccounted
# for), write four to six sentences: what would an agency need to record to show the benefit is
# real, and how does that relate to the audit log of lesson C3?

# %% [raw]
# # BEGIN QUESTION
# name: q4
# manual: true
# points: 2

# %% [raw]
# # BEGIN SOLUTION

# %% [markdown]
# The RCMP could cite individual successes, but most of its searches had no recorded purpose, so
# nobody could say whether the tool was used mainly for the stated goal or for anything else. To
# show a benefit an agency would need, for every search, who ran it, under which case and legal
# basis, what the result was and whether it was confirmed by other evidence. That is an audit log
# of decisions, like the portal's, kept by the customer and open to a supervisor. Without it,
# benefit claims are anecdotes and misuse is invisible; with it, both can be counted.

# %% [raw]
# # END SOLUTION

# %% [raw]
# # END QUESTION
