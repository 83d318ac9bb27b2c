# %% [raw]
# # ASSIGNMENT CONFIG
# name: 00_warmup
# init_cell: true
# check_all_cell: true
# export_cell: false
# tests:
#   files: false
#   ok_format: false

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
# **Estimated time.** 25 minutes (from a trial run: see `INSTRUCTORS.md`).
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
# Write `euclidean_distance(a, b)` that returns the distance as a number (a Python or NumPy
# float). It must accept lists or NumPy arrays, and raise `ValueError` when the two vectors have
# different lengths (silently broadcasting a 2-vector against a 1-vector, or cutting the longer one
# short, would be a bug, not an answer).
#
# *Hint:* `np.asarray(a, dtype=float)` turns a list into an array; `np.sqrt`, `np.sum` and `**`
# work element by element, and `np.linalg.norm(a - b)` computes the same distance in one call.

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
def test_q1_1(euclidean_distance):
    import numpy as np
    from facecourse.checks import answered
    answered("q1", euclidean_distance=euclidean_distance)
    _d = euclidean_distance([0, 0], [3, 4])
    assert isinstance(_d, (float, np.floating)), "euclidean_distance must return a number (a float), not a list or an array"
    assert abs(_d - 5.0) < 1e-9, f"the distance from (0, 0) to (3, 4) is 5.0 (the square root of 3**2 + 4**2), you returned {_d}"

# %%
def test_q1_2(euclidean_distance):
    import numpy as np
    assert abs(euclidean_distance(np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 3.0]))) < 1e-12, \
        "the distance from a vector to itself must be 0"
    assert abs(euclidean_distance([1, 1, 1, 1], [0, 0, 0, 0]) - 2.0) < 1e-9, \
        "the distance from (1, 1, 1, 1) to the origin is 2.0: take the square root of the SUM of squared differences"

# %%
def test_q1_3(euclidean_distance):
    # neither vector at the origin: a difference of lengths, or a sum of squares without the subtraction, fails here
    _d = euclidean_distance([1.0, 2.0, -0.5], [4.0, -2.0, -0.5])
    assert abs(_d - 5.0) < 1e-9, \
        f"the distance from (1, 2, -0.5) to (4, -2, -0.5) is 5.0 (differences 3, -4 and 0), you returned {_d}: " \
        "subtract the vectors first, then take the square root of the sum of squared differences"

# %%
def test_q1_4(euclidean_distance):
    try:
        euclidean_distance([0.0, 0.0], [1.0])
        _raised = False
    except ValueError:
        _raised = True
    assert _raised, "vectors of different lengths must raise ValueError, not be broadcast or cut short"

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_q1_hidden_1(euclidean_distance):
    import numpy as np
    rng = np.random.default_rng(0)
    u, v = rng.normal(size=128), rng.normal(size=128)
    assert abs(euclidean_distance(u, v) - np.linalg.norm(u - v)) < 1e-9
    assert euclidean_distance(u, u) == 0.0
    try:
        euclidean_distance(np.zeros(128), np.zeros(127))
        _outcome = "no error"
    except ValueError as _err:
        _outcome = "ValueError"
    assert _outcome == "ValueError"

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
# `threshold` (a distance equal to the threshold is a match), else `False`. A NumPy bool is fine.

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
def test_q2_1(is_same_person):
    from facecourse.checks import answered
    answered("q2", is_same_person=is_same_person)
    assert is_same_person(0.45) == True and is_same_person(0.75) == False, \
        "with the default threshold 0.6, a distance of 0.45 is the same person and 0.75 is not"

# %%
def test_q2_2(is_same_person):
    assert is_same_person(0.6) == True, "a distance exactly at the threshold counts as the same person (at most, <=)"

# %%
def test_q2_3(is_same_person):
    assert is_same_person(0.5, threshold=0.4) == False and is_same_person(0.5, threshold=0.55) == True, \
        "is_same_person must use the threshold it is given, not always 0.6"

# %%
def test_q2_4(is_same_person):
    import numpy as np
    assert isinstance(is_same_person(0.3), (bool, np.bool_)), "is_same_person must return True or False"

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_q2_hidden_1(is_same_person):
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
# whose values are their image counts, largest first. Then store in `n_people` the number of
# different people with at least one image. Count only rows whose path starts with `images/`
# (the protocol files are not people).
#
# *Hint:* `manifest["path"].str.split("/").str[1]` gives the person's folder name;
# `Series.value_counts()` counts each value, largest first; `Series.nunique()` counts distinct values.

# %% [raw]
# # BEGIN QUESTION
# name: q3
# points: 2

# %% [raw]
# # BEGIN SOLUTION

# %%
images = manifest[manifest["path"].str.startswith("images/")]  # SOLUTION
top5 = images["path"].str.split("/").str[1].value_counts().head(5)  # SOLUTION
n_people = images["path"].str.split("/").str[1].nunique()  # SOLUTION
top5, n_people

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
def test_q3_1(top5, n_people, manifest):
    import pandas as pd
    from facecourse.checks import answered
    answered("q3", top5=top5, n_people=n_people)
    from collections import Counter as _Counter
    _counts = _Counter(p.split("/")[1] for p in manifest["path"] if p.startswith("images/"))
    assert isinstance(top5, pd.Series) and len(top5) == 5, "top5 must be a pandas Series with exactly five entries"

# %%
def test_q3_2(manifest, top5):
    from collections import Counter as _Counter
    _counts = _Counter(p.split("/")[1] for p in manifest["path"] if p.startswith("images/"))
    assert list(top5.index) == [name for name, _ in _counts.most_common(5)], \
        "top5's index must be the five people with the most images, largest first"
    assert [int(x) for x in top5.values] == [n for _, n in _counts.most_common(5)], \
        "top5's values must be each person's number of images (counts, not shares)"

# %%
def test_q3_3(manifest, n_people):
    from collections import Counter as _Counter
    _counts = _Counter(p.split("/")[1] for p in manifest["path"] if p.startswith("images/"))
    assert n_people == len(_counts), \
        "n_people must count the different people in images/ only (the protocol/ files are not people)"

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_q3_hidden_1(top5, n_people):
    assert list(top5.index) == ["George_W_Bush", "Colin_Powell", "Tony_Blair", "Donald_Rumsfeld", "Gerhard_Schroeder"]
    assert [int(x) for x in top5.values] == [530, 236, 144, 121, 109]
    assert n_people == 5748

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# Compare the first value of `top5` with the number of images: one man, George W. Bush, has far
# more photos than anyone else, while most people in LFW have a single one. Keep that skew in mind
# when Track B asks what a benchmark measured and for whom.
#
# ## Question 4: base rates
#
# In a 1:N search the probe is compared with every face in the gallery. If each comparison with a
# *different* person is wrongly accepted with probability FMR (the false match rate), the expected
# number of false candidates per search is FMR × (gallery size).
#
# Write `expected_false_matches(fmr, gallery_size)` returning that number (a float). Careful: this
# is an *expected count*, not the probability of at least one false match, which can never exceed 1.

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
def test_q4_1(expected_false_matches):
    from facecourse.checks import answered
    answered("q4", expected_false_matches=expected_false_matches)
    assert abs(expected_false_matches(1e-6, 1_000_000) - 1.0) < 1e-9, \
        "an FMR of one in a million over a million faces gives 1.0 false candidate on average"

# %%
def test_q4_2(expected_false_matches):
    assert abs(expected_false_matches(1e-5, 3_000_000_000) - 30_000.0) < 1e-3, \
        "an FMR of 1e-5 over 3 billion faces gives 30,000 expected false candidates: multiply, do not divide or cap at 1"

# %%
def test_q4_3(expected_false_matches):
    _e = expected_false_matches(0.003, 500)
    assert abs(_e - 1.5) < 1e-12, \
        f"an FMR of 0.003 over 500 faces gives 1.5 expected false candidates (an average may be fractional), " \
        f"you returned {_e}: do not round it to a whole number"

# %%
def test_q4_4(expected_false_matches):
    assert expected_false_matches(0.0, 10**10) == 0.0 and expected_false_matches(1e-3, 0) == 0.0, \
        "with an FMR of 0, or an empty gallery, there are no false candidates"

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_q4_hidden_1(expected_false_matches):
    assert abs(expected_false_matches(2e-7, 10**10) - 2000.0) < 1e-6
    assert abs(expected_false_matches(0.01, 250) - 2.5) < 1e-12

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
# **Model answer.** The 99.38% is pair accuracy on a balanced set: half the pairs are the same person, and each
# decision compares just two photos. A 1:N search makes one comparison per gallery photo, so even
# a false match rate of one in a million yields about 3,000 false candidates per search in a
# 3-billion gallery (Question 4), and the true match, if present at all, is one among them. LFW's
# pairs are also mostly well-lit news photos of adult, largely white, male public figures, so the
# error rate on an officer's blurry still of a member of the public may be much higher. The right
# question is the false match rate at the operating threshold, on data like the real probes,
# multiplied by the gallery size.
#
# **Rubric (2 points).**
# * 1 point: says what the 99.38% measures: the share of correct same/different decisions on balanced
#   pairs (half of them the same person), one comparison of two photos per decision, not a search.
# * 1 point: scales the errors to the gallery with Question 4: a search makes one comparison per gallery
#   photo, so the false candidates are the false match rate times 3 billion, many even at a tiny rate
#   (one in a million gives about 3,000). Naming that LFW's photos and people differ from police probes
#   is a good addition; on its own it earns half of this point.
#
# **Common weak answers.**
# * "99.38% means 0.62% of searches go wrong" (reads pair accuracy as an error rate per search): 0 of 2 points.
# * Says real photos are worse than LFW's (blur, bias) but never links the error rate to the gallery
#   size: 1 of 2 points.
# * Multiplies 0.62% by 3 billion: 1.5 of 2 points (scaling is the point, but accuracy mixes both
#   errors on balanced pairs; the rate to multiply is the false match rate at the threshold used).

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
