# %% [raw]
# # ASSIGNMENT CONFIG
# name: 00_warmup
# init_cell: true
# check_all_cell: true
# export_cell: false
# tests:
#   files: false

# %% [markdown]
# # Warm-up: distances, thresholds and base rates
#
# **Why this matters.** Every face-search system, Clearview's included, comes down to three ideas
# you will practise here: a face becomes a vector, two faces "match" when their vectors are closer
# than a threshold, and a tiny error rate multiplied by a huge gallery is a large number of wrong
# names.
#
# **Learning objectives.** After this warm-up you can
# 1. compute the Euclidean distance between two face embeddings with NumPy;
# 2. turn a distance into a same/different decision with a threshold;
# 3. summarise a dataset manifest with pandas;
# 4. estimate how many innocent people a 1:N search flags, from an error rate and a gallery size.
#
# **Prerequisites.** `lessons/00_start_here.ipynb`; basic Python (functions, lists).
#
# **Estimated time.** 20 minutes.
#
# **How feedback works.** After each answer, run the `grader.check(...)` cell below it. It runs the
# *public* tests at once and tells you what failed. Your instructor grades with further *hidden*
# tests, so make your answer correct in general, not only for the cases shown. The last question is
# a written answer that your instructor reads.

# %%
import numpy as np
import pandas as pd

from facecourse.data import MANIFEST_DIR


# %% [markdown]
# ## Question 1: distance between two embeddings
#
# dlib describes a face by 128 numbers, an *embedding*. Two photos of the same person should give
# embeddings that are close together. "Close" here means the ordinary straight-line (Euclidean)
# distance: the square root of the sum of squared differences.
#
# Write `euclidean_distance(a, b)` that returns the distance as a Python `float`. It must accept
# lists or NumPy arrays, and raise `ValueError` when the two vectors have different lengths
# (silently broadcasting a 128-vector against a 127-vector would be a bug, not an answer).

# %% [raw]
# # BEGIN QUESTION
# name: q1
# points: 2

# %% [raw]
# # BEGIN SOLUTION

# %%
def euclidean_distance(a, b):
    # BEGIN SOLUTION
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    if a.shape != b.shape:
        raise ValueError(f"vectors differ in shape: {a.shape} vs {b.shape}")
    return float(np.sqrt(np.sum((a - b) ** 2)))
    # END SOLUTION


# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
assert isinstance(euclidean_distance([0, 0], [3, 4]), float)

# %%
assert abs(euclidean_distance([0, 0], [3, 4]) - 5.0) < 1e-9

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
rng = np.random.default_rng(0)
u, v = rng.normal(size=128), rng.normal(size=128)
assert abs(euclidean_distance(u, v) - np.linalg.norm(u - v)) < 1e-9
assert euclidean_distance(u, u) == 0.0
try:
    euclidean_distance(np.zeros(128), np.zeros(127))
    raised = False
except ValueError:
    raised = True
assert raised, "a length mismatch must raise ValueError"


# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 2: from a distance to a decision
#
# dlib's model was trained so that photos of one person fall within a distance of about **0.6** of
# each other, and `face_recognition` calls two faces a match when their distance is *at most* its
# `tolerance`, 0.6 by default.
#
# Write `is_same_person(distance, threshold=0.6)` that returns `True` when `distance` is at most
# `threshold`, else `False`.

# %% [raw]
# # BEGIN QUESTION
# name: q2
# points: 1

# %% [raw]
# # BEGIN SOLUTION

# %%
def is_same_person(distance, threshold=0.6):
    return bool(distance <= threshold)  # SOLUTION


# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
assert is_same_person(0.45) is True
assert is_same_person(0.75) is False

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
assert is_same_person(0.6) is True
assert is_same_person(0.5, threshold=0.4) is False
assert is_same_person(0.5, threshold=0.55) is True

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 3: who is in the dataset?
#
# The course's manifest of Labeled Faces in the Wild (LFW) lists every image with its checksum. Its
# `path` column looks like `images/<Person>/<Person>_0001.jpg`; the protocol files live under
# `protocol/`. The cell below loads it.

# %%
manifest = pd.read_csv(MANIFEST_DIR / "lfw.csv")
manifest.head(3)

# %% [markdown]
# Build `top5`: a pandas Series whose index is the five people with the most images in LFW and
# whose values are their image counts, largest first. Count only rows whose path starts with
# `images/`.
#
# *Hint:* `manifest["path"].str.split("/").str[1]` gives the person's folder name.

# %% [raw]
# # BEGIN QUESTION
# name: q3
# points: 2

# %% [raw]
# # BEGIN SOLUTION

# %%
images = manifest[manifest["path"].str.startswith("images/")]  # SOLUTION
top5 = images["path"].str.split("/").str[1].value_counts().head(5)  # SOLUTION
top5

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
assert isinstance(top5, pd.Series) and len(top5) == 5

# %%
assert top5.index[0] == "George_W_Bush"

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
assert list(top5.index) == ["George_W_Bush", "Colin_Powell", "Tony_Blair", "Donald_Rumsfeld", "Gerhard_Schroeder"]
assert [int(x) for x in top5.values] == [530, 236, 144, 121, 109]


# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# One man, George W. Bush, has 530 of LFW's 13,233 images: 4% of the dataset. Keep that skew in
# mind when Track B asks what a benchmark measured and for whom.
#
# ## Question 4: base rates
#
# In a 1:N search the probe is compared with every face in the gallery. If each comparison with a
# *different* person is wrongly accepted with probability FMR (the false match rate), the expected
# number of false candidates per search is FMR × (gallery size).
#
# Write `expected_false_matches(fmr, gallery_size)` returning that number as a float.

# %% [raw]
# # BEGIN QUESTION
# name: q4
# points: 1

# %% [raw]
# # BEGIN SOLUTION

# %%
def expected_false_matches(fmr, gallery_size):
    return float(fmr) * float(gallery_size)  # SOLUTION


# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
assert abs(expected_false_matches(1e-6, 1_000_000) - 1.0) < 1e-9

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
assert abs(expected_false_matches(1e-5, 3_000_000_000) - 30_000.0) < 1e-6
assert expected_false_matches(0.0, 10**10) == 0.0

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 5 (written): what does "99.38%" promise?

# %% [raw]
# # BEGIN QUESTION
# name: q5
# manual: true
# points: 2

# %% [markdown]
# dlib's face model is reported as 99.38% accurate on LFW: it labels 6,000 photo pairs as
# same/different person and gets 99.38% right. In three to five sentences, explain why that number
# does **not** tell a police officer how often a search of a 3-billion-photo gallery will put the
# wrong person on the candidate list. Use your answer to Question 4.

# %% [raw]
# # BEGIN SOLUTION

# %% [markdown]
# The 99.38% is pair accuracy on a balanced set: half the pairs are the same person, and each
# decision compares just two photos. A 1:N search makes one comparison per gallery photo, so even
# a false match rate of one in a million yields about 3,000 false candidates per search in a
# 3-billion gallery (Question 4), and the true match, if present at all, is one among them. LFW's
# pairs are also mostly well-lit news photos of adult, largely white, male public figures, so the
# error rate on an officer's blurry still of a member of the public may be much higher. The right
# question is the false match rate at the operating threshold, on data like the real probes,
# multiplied by the gallery size.

# %% [raw]
# # END SOLUTION

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Summary
#
# - An embedding distance plus a threshold is a face matcher; the threshold is a policy choice.
# - pandas turns a manifest into facts about a dataset in one line.
# - Error rates must be multiplied by gallery sizes before they mean anything for 1:N search.
#
# Next: `lessons/00_start_here.ipynb` lists the tracks; Track B builds these pieces for real.
