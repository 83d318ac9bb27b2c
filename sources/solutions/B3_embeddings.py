# %% [raw]
# # ASSIGNMENT CONFIG
# name: B3_embeddings
# init_cell: true
# check_all_cell: true
# export_cell: false
# tests:
#   files: false
#   ok_format: false

# %% [markdown]
# # Exercise B3: embeddings and distances
#
# **Why this matters.** Every decision a face-search system makes is a distance compared with a
# threshold.
#
# **Learning objectives.** Encode faces with `face_recognition` yourself, compute Euclidean
# distances with NumPy broadcasting, and separate same-person from different-person pairs.
#
# **Prerequisites.** `lessons/B3_embeddings.ipynb`.
#
# **Estimated time.** 25 minutes (from a trial run: see `INSTRUCTORS.md`).

# %%
import warnings

import numpy as np
from PIL import Image

with warnings.catch_warnings():
    warnings.simplefilter("ignore", UserWarning)  # face_recognition_models still imports pkg_resources
    import face_recognition

from facecourse import data
from facecourse.matching import precomputed


def shrink(name, width):
    """The example photo ``name`` resized to ``width`` pixels wide (aspect ratio kept), as an RGB array."""
    img = face_recognition.load_image_file(data.example_path(name))
    return np.asarray(Image.fromarray(img).resize((width, round(img.shape[0] * width / img.shape[1])), Image.BILINEAR))


pair = shrink("two_people.jpg", 600)
pair_boxes = sorted(face_recognition.face_locations(pair), key=lambda box: box[3])  # left to right: Obama, Biden
obama = shrink("obama.jpg", 300)
obama_box = face_recognition.face_locations(obama)[0]

table, emb = precomputed.load()
# 30 faces: 10 photos each of three people, from the precomputed embeddings
chosen = table[table["person"].isin(["Tony_Blair", "Hugo_Chavez", "Junichiro_Koizumi"])].groupby("person").head(10)
X = emb[chosen.index.to_numpy()]
labels = chosen["person"].to_numpy()
pair_boxes, obama_box, X.shape


# %% [markdown]
# ## Question 1: encode two faces and compare them
#
# Write `pair_distance(img_a, box_a, img_b, box_b)` that encodes the face in box `box_a` of image
# `img_a` and the face in box `box_b` of image `img_b` with `face_recognition.face_encodings`,
# passing each box as a known face location (boxes are `(top, right, bottom, left)`), and returns
# the **Euclidean** distance between the two encodings, as one number.
#
# Try `pair_distance(pair, pair_boxes[0], obama, obama_box)` and
# `pair_distance(pair, pair_boxes[1], obama, obama_box)`: which one is the same person?

# %% [raw]
# # BEGIN QUESTION
# name: q1
# points: 2

# %% [raw]
# # BEGIN SOLUTION

# %%
def pair_distance(img_a, box_a, img_b, box_b):
    # BEGIN SOLUTION
    a = face_recognition.face_encodings(img_a, known_face_locations=[tuple(box_a)])[0]
    b = face_recognition.face_encodings(img_b, known_face_locations=[tuple(box_b)])[0]
    return float(np.linalg.norm(a - b))
    # END SOLUTION


# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
def test_q1_1(pair_distance, pair, pair_boxes, obama, obama_box):
    import numpy as np
    from facecourse.checks import answered
    answered("q1", pair_distance=pair_distance)
    same_person = pair_distance(pair, pair_boxes[0], obama, obama_box)
    assert np.ndim(same_person) == 0, "pair_distance should return one number, not an array or a list."
    assert abs(same_person - 0.351) < 0.005, \
        "Obama in pair (pair_boxes[0]) and the Obama portrait are about 0.351 apart (the Euclidean distance, not its square)."

# %%
def test_q1_2(pair_distance, pair, pair_boxes, obama, obama_box):
    same_person = pair_distance(pair, pair_boxes[0], obama, obama_box)
    assert abs(pair_distance(pair, pair_boxes[1], obama, obama_box) - 0.856) < 0.005, \
        "Biden (pair_boxes[1]) and the Obama portrait are about 0.856 apart: encode the face in the box you are given."

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_q1_hidden_1(pair_distance, pair, pair_boxes, obama, obama_box, shrink):
    import face_recognition
    same_person = pair_distance(pair, pair_boxes[0], obama, obama_box)
    assert abs(pair_distance(obama, obama_box, pair, pair_boxes[1]) - 0.856) < 0.005
    assert pair_distance(obama, obama_box, obama, obama_box) < 1e-6
    biden = shrink("biden.jpg", 300)
    assert abs(pair_distance(pair, pair_boxes[1], biden, face_recognition.face_locations(biden)[0]) - 0.061) < 0.005

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 2: a distance matrix by broadcasting
#
# Write `distance_matrix(A, B)` that takes two NumPy arrays of embeddings, `A` of shape `(n, d)`
# and `B` of shape `(m, d)`, and returns the `(n, m)` array whose entry `[i, j]` is the Euclidean
# distance between `A[i]` and `B[j]`. Use broadcasting, as in the lesson; no Python loop is needed.

# %% [raw]
# # BEGIN QUESTION
# name: q2
# points: 2

# %% [raw]
# # BEGIN SOLUTION

# %%
def distance_matrix(A, B):
    # BEGIN SOLUTION
    A, B = np.asarray(A, dtype=np.float64), np.asarray(B, dtype=np.float64)
    return np.linalg.norm(A[:, None] - B[None], axis=-1)
    # END SOLUTION


# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
def test_q2_1(distance_matrix, X):
    import numpy as np
    from facecourse.checks import answered
    answered("q2", distance_matrix=distance_matrix)
    D = distance_matrix(X[:3], X[3:8])
    assert isinstance(D, np.ndarray), \
        f"distance_matrix should return a NumPy array (the prompt's (n, m) array), not a {type(D).__name__}: " \
        "compute it with broadcasting, or wrap the result in np.asarray."
    assert np.shape(D) == (3, 5), \
        "distance_matrix(A, B) has one row per row of A and one column per row of B: shape (3, 5) for X[:3] and X[3:8]."

# %%
def test_q2_2(distance_matrix, X):
    import face_recognition
    import numpy as np
    D = distance_matrix(X[:3], X[3:8])
    assert np.allclose(D[1], face_recognition.face_distance(X[3:8], X[1]), atol=1e-5), \
        "Row i should hold the Euclidean distances from A[i] to every row of B, as face_recognition.face_distance(B, A[i])."

# %%
def test_q2_3(distance_matrix):
    import numpy as np
    assert np.allclose(distance_matrix(np.array([[0, 0], [3, 4]]), np.array([[0, 0], [6, 8]])), [[0, 10], [5, 5]]), \
        "For A = [[0, 0], [3, 4]] and B = [[0, 0], [6, 8]] the distances are [[0, 10], [5, 5]] (Euclidean, not squared)."

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_q2_hidden_1(distance_matrix, X):
    import numpy as np
    M = distance_matrix(X, X)
    assert isinstance(M, np.ndarray) and M.shape == (30, 30) and np.allclose(np.diag(M), 0, atol=1e-5) and np.allclose(M, M.T, atol=1e-6)
    assert abs(M[0, 5] - np.linalg.norm(X[0] - X[5])) < 1e-5
    assert np.shape(distance_matrix(X[:1], X)) == (1, 30)

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 3: same-person and different-person distances
#
# Write `split_pairs(D, labels)` that takes a square distance matrix of `n` faces and their `n`
# labels, and returns a tuple `(genuine, impostor)` of 1-D arrays: the distances of every
# same-person pair and of every different-person pair. Count each unordered pair once and leave
# out a face paired with itself (hint: `np.triu_indices(n, k=1)`, as in the lesson).
#
# Then try `split_pairs(distance_matrix(X, X), labels)`.

# %% [raw]
# # BEGIN QUESTION
# name: q3
# points: 1

# %% [raw]
# # BEGIN SOLUTION

# %%
def split_pairs(D, labels):
    # BEGIN SOLUTION
    D, labels = np.asarray(D), np.asarray(labels)
    i, j = np.triu_indices(len(labels), k=1)
    same = labels[i] == labels[j]
    return D[i, j][same], D[i, j][~same]
    # END SOLUTION


# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
def test_q3_1(split_pairs):
    import numpy as np
    from facecourse.checks import answered
    answered("q3", split_pairs=split_pairs)
    toy = np.array([[0, 1, 2, 4], [1, 0, 3, 5], [2, 3, 0, 6], [4, 5, 6, 0]], dtype=float)
    toy_genuine, toy_impostor = split_pairs(toy, np.array(["a", "a", "b", "b"]))
    assert sorted(np.asarray(toy_genuine).tolist()) == [1, 6], \
        "Faces of people a, a, b, b: the same-person pairs are (0, 1) and (2, 3), so genuine holds 1 and 6, each once."
    assert sorted(np.asarray(toy_impostor).tolist()) == [2, 3, 4, 5], \
        "Faces of people a, a, b, b: the four different-person pairs have distances 2, 3, 4 and 5, each once."

# %%
def test_q3_2(split_pairs, distance_matrix, X, labels):
    genuine, impostor = split_pairs(distance_matrix(X, X), labels)
    assert (len(genuine), len(impostor)) == (135, 300), \
        "30 faces of 3 people (10 each) give 3 x 45 = 135 same-person pairs and 300 different-person pairs."

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_q3_hidden_1(split_pairs, distance_matrix, X, labels):
    import numpy as np
    toy = np.array([[0, 1, 2, 4], [1, 0, 3, 5], [2, 3, 0, 6], [4, 5, 6, 0]], dtype=float)
    toy_genuine, toy_impostor = split_pairs(toy, np.array(["a", "a", "b", "b"]))
    genuine, impostor = split_pairs(distance_matrix(X, X), labels)
    gg, ii = split_pairs(distance_matrix(X, X), labels)
    assert np.mean(gg) < np.mean(ii) and min(gg) > 0
    g2, i2 = split_pairs(np.zeros((3, 3)), ["x", "y", "z"])
    assert len(g2) == 0 and len(i2) == 3

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 4 (written): moving the threshold

# %% [raw]
# # BEGIN QUESTION
# name: q4
# manual: true
# points: 2

# %% [markdown]
# In a cell of your own, compute for t = 0.5, 0.6 and 0.7 the share of `genuine` distances above
# t (false non-matches, `np.mean(genuine > t)`) and the share of `impostor` distances at or below
# t (false matches, `np.mean(impostor <= t)`). In three to five sentences: what happens to each
# error as the threshold rises, and which error would you rather keep small in a police face
# search, and why?

# %% [raw]
# # BEGIN SOLUTION

# %% [markdown]
# **Model answer.** Raising the threshold accepts more pairs as matches: false non-matches fall and false matches
# rise; lowering it does the opposite. In a police search a false match puts an innocent person
# on a candidate list, where a human may "confirm" the resemblance and act on it, so the false
# match rate should be kept very small even at the cost of missing some true matches. A missed
# match costs an investigative lead; a false match can cost a stranger their liberty.
#
# **Rubric (2 points).**
# * 1 point: the direction, backed by the numbers the student's own cell computed at 0.5, 0.6 and 0.7:
#   as the distance threshold rises, false non-matches fall and false matches rise (lowering it does
#   the opposite).
# * 1 point: chooses which error to keep small in a police search, with who bears it: false matches,
#   because a false match puts an innocent person on a candidate list where a human may "confirm" the
#   resemblance and act on it, while a miss costs a lead. A reasoned case for the other side earns the
#   point only if it says who bears the extra false matches.
#
# **Common weak answers.**
# * "A higher threshold is stricter, so both errors fall" (reads the distance threshold as a similarity
#   score): 0 of 2 points, or 1 if the choice of error is well argued.
# * The right direction with no numbers computed: 1.5 of 2 points.
# * "Keep both errors small", choosing neither: loses the second point.

# %% [raw]
# # END SOLUTION

# %% [raw]
# # END QUESTION
