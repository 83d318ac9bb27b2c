# %% [raw]
# # ASSIGNMENT CONFIG
# name: B2_landmarks_alignment
# init_cell: true
# check_all_cell: true
# export_cell: false
# tests:
#   files: false

# %% [markdown]
# # Exercise B2: landmarks and alignment
#
# **Why this matters.** Alignment is what lets a face system ignore pose and scale.
#
# **Learning objectives.** Compute geometry from landmarks; check what alignment does.
#
# **Prerequisites.** `lessons/B2_landmarks_alignment.ipynb`.
#
# **Estimated time.** 20 minutes.

# %%
import numpy as np

from facecourse import data, faces
from facecourse.images import load_image

photo = load_image(data.example_path("obama.jpg"))
box = faces.detect(photo)[0].box
points = faces.landmarks(photo, box, points=68)


# %% [markdown]
# ## Question 1: eye centres
#
# In the 68-point scheme, rows 36-41 of `points` are the right eye (image left) and rows 42-47 the
# left eye. Write `eye_centres(points)` returning a tuple `(right_eye, left_eye)` of two NumPy
# arrays `[x, y]`, each the mean of its six points.

# %% [raw]
# # BEGIN QUESTION
# name: q1
# points: 1

# %% [raw]
# # BEGIN SOLUTION

# %%
def eye_centres(points):
    # BEGIN SOLUTION
    points = np.asarray(points, dtype=float)
    return points[36:42].mean(axis=0), points[42:48].mean(axis=0)
    # END SOLUTION


# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
r, l = eye_centres(points)
assert r.shape == (2,) and l.shape == (2,)
assert r[0] < l[0], "the right eye is on the image's left"

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
fake = np.zeros((68, 2))
fake[36:42] = [1, 2]
fake[42:48] = [5, 6]
r, l = eye_centres(fake)
assert np.allclose(r, [1, 2]) and np.allclose(l, [5, 6])

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 2: inter-ocular distance
#
# The distance between the eye centres, in pixels, is a standard measure of face size (NIST asks
# for at least 90 pixels in a good-quality portrait). Compute it for this photo as a float
# `interocular`.

# %% [raw]
# # BEGIN QUESTION
# name: q2
# points: 1

# %% [raw]
# # BEGIN SOLUTION

# %%
interocular = float(np.linalg.norm(np.subtract(*eye_centres(points))))  # SOLUTION
interocular

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
assert isinstance(interocular, float) and interocular > 20

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
expected = float(np.linalg.norm(points[36:42].mean(0) - points[42:48].mean(0)))
assert abs(interocular - expected) < 1e-6

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 3: what alignment standardises
#
# Make the aligned chip of this face with `faces.aligned_chip(photo, box)`, compute the 68
# landmarks on the chip (the whole chip is the box: `faces.Box(0, 150, 150, 0)`), and store the
# chip's inter-ocular distance in `chip_interocular`. Alignment sets the face's scale, so this
# number is about the same for every face, however large it was in the photo.

# %% [raw]
# # BEGIN QUESTION
# name: q3
# points: 2

# %% [raw]
# # BEGIN SOLUTION

# %%
chip = faces.aligned_chip(photo, box)  # SOLUTION
chip_points = faces.landmarks(chip, faces.Box(0, 150, 150, 0), points=68)  # SOLUTION
chip_interocular = float(np.linalg.norm(np.subtract(*eye_centres(chip_points))))  # SOLUTION
chip_interocular

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
assert 30 < chip_interocular < 80

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
assert chip_interocular < interocular

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 4 (written): can alignment fix everything?
#
# In three to five sentences: which differences between two photos of a person does alignment
# remove, and which remain for the embedding network to cope with? Give one example of a photo a
# police user might upload where alignment cannot help.

# %% [raw]
# # BEGIN QUESTION
# name: q4
# manual: true
# points: 2

# %% [raw]
# # BEGIN SOLUTION

# %% [markdown]
# Alignment removes in-plane rotation (roll), scale and position: the face is rotated and resized
# so the eyes and nose land on fixed points. It cannot undo a head turned sideways (yaw) or
# tilted up or down (pitch), nor lighting, blur, low resolution, occlusion by masks, glasses or
# hands, ageing, or expression. A still from a grainy CCTV camera showing a face in three-quarter
# profile at 30 pixels would still be aligned, but the chip would be an upscaled blur with the
# wrong geometry, and its embedding unreliable.

# %% [raw]
# # END SOLUTION

# %% [raw]
# # END QUESTION
