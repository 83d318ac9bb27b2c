# %% [raw]
# # ASSIGNMENT CONFIG
# name: C4_harms_policy
# init_cell: true
# check_all_cell: true
# export_cell: false
# tests:
#   files: false
#   ok_format: false

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
# **Estimated time.** 25 minutes (from a trial run: see `INSTRUCTORS.md`).

# %%
import hashlib

import pandas as pd

import numpy as np

from facecourse import data
from facecourse.breach import facts
from facecourse.matching import faces

events = facts.timeline()
fines = facts.fines()

# %% [markdown]
# ## Question 1: the template survives a new photo
#
# Embed the two photos of Biden in the examples (`"knn_examples/train/biden/biden.jpg"` and
# `"knn_examples/train/biden/biden2.jpg"`, through `data.example_path` and `faces.embed_single`).
# Store their Euclidean distance in `biden_distance` (a number) and whether they match at the 0.6
# threshold (a distance **at most** 0.6 is a match) in `still_matches` (True or False; a NumPy bool
# is fine). Keep the two embeddings, the arrays of 128 numbers (each face's `.embedding`), as `a` and
# `b`: question 2 uses them.

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
still_matches = bool(biden_distance <= 0.6)
# END SOLUTION
biden_distance, still_matches

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
def test_q1_1(biden_distance, still_matches):
    import numpy as np
    from facecourse import data
    from facecourse.checks import answered
    from facecourse.matching import faces
    answered("q1", biden_distance=biden_distance, still_matches=still_matches)
    _a = faces.embed_single(data.example_path("knn_examples/train/biden/biden.jpg")).embedding
    _b = faces.embed_single(data.example_path("knn_examples/train/biden/biden2.jpg")).embedding
    _d = float(np.linalg.norm(_a - _b))
    assert abs(biden_distance - _d) < 1e-4, \
        f"biden_distance must be the Euclidean distance between the two Biden embeddings ({_d:.3f}), not {biden_distance!r}"

# %%
def test_q1_2(still_matches, biden_distance):
    import numpy as np
    assert isinstance(still_matches, (bool, np.bool_)), "still_matches must be True or False"
    assert still_matches == (biden_distance <= 0.6), \
        "still_matches must say whether the distance is at most 0.6 (a match), not the opposite"

# %%
def test_q1_3(a, b):
    import numpy as np
    for _name, _v in (("a", a), ("b", b)):
        assert isinstance(_v, np.ndarray) and _v.shape == (128,), \
            f"{_name} should be the embedding itself, an array of 128 numbers (the face's .embedding), got {type(_v).__name__}: question 2 hashes it."

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_q1_hidden_1(biden_distance, still_matches):
    from facecourse import data
    from facecourse.matching import faces
    _a = faces.embed_single(data.example_path("knn_examples/train/biden/biden.jpg")).embedding
    _b = faces.embed_single(data.example_path("knn_examples/train/biden/biden2.jpg")).embedding
    assert abs(biden_distance - float(faces.distance(_a, _b))) < 1e-4
    assert bool(still_matches) is True

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
def test_q2_1(template_hash, same_hash, a):
    import hashlib
    import numpy as np
    from facecourse.checks import answered
    answered("q2", template_hash=template_hash, same_hash=same_hash)
    assert template_hash(np.zeros(2, np.float32)) == hashlib.sha256(bytes(8)).hexdigest(), \
        "template_hash must return the full SHA-256 hex digest of embedding.tobytes()"
    assert template_hash(a) == hashlib.sha256(a.tobytes()).hexdigest(), \
        "template_hash(a) must be hashlib.sha256(a.tobytes()).hexdigest() (64 hex digits)"

# %%
def test_q2_2(same_hash, a, b):
    import hashlib
    assert same_hash == (hashlib.sha256(a.tobytes()).digest() == hashlib.sha256(b.tobytes()).digest()), \
        "same_hash must compare the hashes of the TWO different Biden embeddings a and b"

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_q2_hidden_1(template_hash, same_hash):
    import hashlib
    import numpy as np
    assert template_hash(np.ones(3)) == hashlib.sha256(np.ones(3).tobytes()).hexdigest()
    assert bool(same_hash) is False

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 3: what has Clearview been fined, for certain?
#
# In `fines`, keep only the rows that are (a) of kind `"fine"`, (b) imposed on Clearview itself
# (column `fined` equal to `"Clearview AI"`: Sweden fined its own police), and (c) not flagged as
# not final (the `flag` column does not contain `"not final"`). Store in `fine_totals` a dict
# mapping each remaining currency to the **sum** of its amounts, and in `eur_fined_countries` the
# sorted list of the countries behind those euro fines, each once.

# %% [raw]
# # BEGIN QUESTION
# name: q3
# points: 2

# %% [raw]
# # BEGIN SOLUTION

# %%
settled = fines[(fines["kind"] == "fine") & (fines["fined"] == "Clearview AI") & ~fines["flag"].str.contains("not final")]  # SOLUTION
fine_totals = settled.groupby("currency")["amount"].sum().to_dict()  # SOLUTION
eur_fined_countries = sorted(set(settled.loc[settled["currency"] == "EUR", "country"]))  # SOLUTION
fine_totals, eur_fined_countries

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
def test_q3_1(fine_totals, eur_fined_countries):
    from facecourse.checks import answered
    answered("q3", fine_totals=fine_totals, eur_fined_countries=eur_fined_countries)
    assert "SEK" not in fine_totals, "the SEK fine was imposed on the Swedish Police Authority, not on Clearview"
    assert "GBP" not in fine_totals, "no GBP amount may remain: the UK fine is flagged 'not final' and the GBP 17m was only provisional"
    assert set(fine_totals) == {"EUR"}, "after the three filters only euro fines remain"

# %%
def test_q3_2(fines, fine_totals):
    _eur = [r.amount for r in fines.itertuples()
            if r.kind == "fine" and r.fined == "Clearview AI" and r.currency == "EUR" and "not final" not in r.flag]
    assert abs(fine_totals["EUR"] - sum(_eur)) < 1e-6, \
        "fine_totals['EUR'] must be the SUM of the euro fines of kind 'fine' (no daily or liquidated penalties)"

# %%
def test_q3_3(fines, eur_fined_countries):
    _eur = [r.amount for r in fines.itertuples()
            if r.kind == "fine" and r.fined == "Clearview AI" and r.currency == "EUR" and "not final" not in r.flag]
    assert list(eur_fined_countries) == sorted({r.country for r in fines.itertuples()
                                                 if r.kind == "fine" and r.currency == "EUR"}), \
        "eur_fined_countries must list each country with a euro fine once, sorted alphabetically"

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_q3_hidden_1(fine_totals, eur_fined_countries):
    assert fine_totals == {"EUR": 90_500_000}
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
# **Model answer.** The RCMP could cite individual successes, but most of its searches had no recorded purpose, so
# nobody could say whether the tool was used mainly for the stated goal or for anything else. To
# show a benefit an agency would need, for every search, who ran it, under which case and legal
# basis, what the result was and whether it was confirmed by other evidence. That is an audit log
# of decisions, like the portal's, kept by the customer and open to a supervisor. Without it,
# benefit claims are anecdotes and misuse is invisible; with it, both can be counted.
#
# **Rubric (2 points).**
# * 1 point: what an agency must record for every search: who ran it, under which case and legal basis
#   or purpose, what came back, and whether the result was confirmed by other evidence and acted on;
#   then the share of searches used for the stated purpose, and the unaccounted share, can be counted
#   instead of told as anecdotes.
# * 1 point: the link to lesson C3's audit log: the same record of decisions, kept on the server side
#   by the customer, complete and open to a supervisor; without it benefit claims are anecdotes and
#   misuse is invisible, with it both can be counted.
#
# **Common weak answers.**
# * Lists successes (children identified) as proof of benefit: loses the first point.
# * "Record the number of searches": half of the first point (volume without purpose cannot show a
#   benefit).
# * Mentions logging without linking it to C3's audit log or to oversight: loses the second point.

# %% [raw]
# # END SOLUTION

# %% [raw]
# # END QUESTION
