# %% [raw]
# # ASSIGNMENT CONFIG
# name: B1_detection
# init_cell: true
# check_all_cell: true
# export_cell: false
# tests:
#   files: false

# %% [markdown]
# # Exercise B1: finding faces
#
# **Why this matters.** Everything downstream of the detector inherits its blind spots.
#
# **Learning objectives.** Practise reading detector output, measuring a detection rate and
# reasoning about missed faces.
#
# **Prerequisites.** `lessons/B1_detection.ipynb`.
#
# **Estimated time.** 20 minutes.

# %%
import numpy as np
import pandas as pd

from facecourse import data, faces
from facecourse.images import load_image


# %% [markdown]
# ## Question 1: box sizes
#
# Boxes are `(top, right, bottom, left)`. Write `box_area(box)` returning the area in pixels of a
# box given as such a 4-tuple. A box with `right < left` or `bottom < top` is malformed: raise
# `ValueError`.

# %% [raw]
# # BEGIN QUESTION
# name: q1
# points: 1

# %% [raw]
# # BEGIN SOLUTION

# %%
def box_area(box):
    # BEGIN SOLUTION
    top, right, bottom, left = box
    if right < left or bottom < top:
        raise ValueError(f"malformed box {box}")
    return (right - left) * (bottom - top)
    # END SOLUTION


# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
assert box_area((10, 50, 40, 20)) == 900

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
assert box_area((0, 0, 0, 0)) == 0
try:
    box_area((10, 5, 40, 20))
    ok = False
except ValueError:
    ok = True
assert ok

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 2: how many faces?
#
# Use `faces.detect` (HOG, `upsample=1`) to count the faces in each of these example photos, and
# store the counts in a dict `face_counts` mapping the file name to the count.

# %%
photos = ["knn_examples/test/kit_with_rose.jpg", "knn_examples/test/obama1.jpg", "two_people.jpg"]

# %% [raw]
# # BEGIN QUESTION
# name: q2
# points: 2

# %% [raw]
# # BEGIN SOLUTION

# %%
face_counts = {p: len(faces.detect(load_image(data.example_path(p)))) for p in photos}  # SOLUTION
face_counts

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
assert isinstance(face_counts, dict) and set(face_counts) == set(photos)

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
assert face_counts == {"knn_examples/test/kit_with_rose.jpg": 2, "knn_examples/test/obama1.jpg": 1, "two_people.jpg": 2}


# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 3: detection rate
#
# Write `detection_rate(counts)` that takes a list of per-image face counts and returns the share
# of images (a float from 0 to 1) with **at least one** face. An empty list has no rate: raise
# `ValueError`.

# %% [raw]
# # BEGIN QUESTION
# name: q3
# points: 1

# %% [raw]
# # BEGIN SOLUTION

# %%
def detection_rate(counts):
    # BEGIN SOLUTION
    counts = list(counts)
    if not counts:
        raise ValueError("no images")
    return sum(1 for c in counts if c > 0) / len(counts)
    # END SOLUTION


# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
assert detection_rate([1, 0, 2, 1]) == 0.75

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
assert detection_rate([0, 0]) == 0.0
assert detection_rate(np.array([3])) == 1.0
try:
    detection_rate([])
    ok = False
except ValueError:
    ok = True
assert ok

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 4 (written): who is missed?
#
# Detectors miss small, turned, dark or partly covered faces more often. In three to five
# sentences: in a face-search system used by police, who is harmed when the detector misses a face
# in the gallery, and who when it misses a face in the probe photo? Is a missed face "safer"?

# %% [raw]
# # BEGIN QUESTION
# name: q4
# manual: true
# points: 2

# %% [raw]
# # BEGIN SOLUTION

# %% [markdown]
# A face missed in the gallery cannot be found, which protects that person from this search but
# also means a true suspect or a missing person is not returned. A face missed in the probe photo
# gives the investigator nothing, and they may try a worse crop or a different photo, which raises
# the chance of a false match. Misses are not random: they fall more on people photographed in
# poor light, at angles or at low resolution, and detectors trained mostly on some groups miss
# others more often. So "missed" is not "safe": it shifts errors onto particular people and
# pushes operators towards lower-quality inputs.

# %% [raw]
# # END SOLUTION

# %% [raw]
# # END QUESTION
