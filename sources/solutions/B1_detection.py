# %% [raw]
# # ASSIGNMENT CONFIG
# name: B1_detection
# init_cell: true
# check_all_cell: true
# export_cell: false
# tests:
#   files: false
#   ok_format: false

# %% [markdown]
# # Exercise B1: finding faces
#
# **Why this matters.** Everything downstream of the detector inherits its blind spots.
#
# **Learning objectives.** Run dlib's HOG detector yourself, through dlib and through
# `face_recognition`; turn dlib rectangles into boxes; measure a detection rate; reason about
# missed faces.
#
# **Prerequisites.** `lessons/B1_detection.ipynb`.
#
# **Estimated time.** 20 minutes (from a trial run: see `INSTRUCTORS.md`).

# %%
import warnings

import numpy as np
from PIL import Image

with warnings.catch_warnings():
    warnings.simplefilter("ignore", UserWarning)  # face_recognition_models still imports pkg_resources
    import face_recognition
import dlib

from facecourse import data


def shrink(name, width):
    """The example photo ``name`` resized to ``width`` pixels wide (aspect ratio kept), as an RGB array."""
    img = face_recognition.load_image_file(data.example_path(name))
    height = round(img.shape[0] * width / img.shape[1])
    return np.asarray(Image.fromarray(img).resize((width, height), Image.BILINEAR))


group = shrink("knn_examples/test/obama_and_biden.jpg", 600)  # the lesson's photo, 600 px wide
hog_detector = dlib.get_frontal_face_detector()
group.shape


# %% [markdown]
# ## Question 1: from a dlib rectangle to a box
#
# dlib's detectors return `dlib.rectangle` objects, with methods `left()`, `top()`, `right()` and
# `bottom()`. Write `rect_to_box(rect)` that returns the same rectangle as a tuple of four ints in
# face_recognition's order, **`(top, right, bottom, left)`**. Do not clip it to any image.
#
# You can try it on `hog_detector(group, 1)`: your boxes should then equal
# `face_recognition.face_locations(group)`.

# %% [raw]
# # BEGIN QUESTION
# name: q1
# points: 1

# %% [raw]
# # BEGIN SOLUTION

# %%
def rect_to_box(rect):
    # BEGIN SOLUTION
    return (rect.top(), rect.right(), rect.bottom(), rect.left())
    # END SOLUTION


# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
def test_q1_1(rect_to_box):
    import dlib
    from facecourse.checks import answered
    answered("q1", rect_to_box=rect_to_box)
    box = rect_to_box(dlib.rectangle(10, 20, 110, 140))  # dlib.rectangle(left, top, right, bottom)
    assert isinstance(box, (tuple, list)) and len(box) == 4, "rect_to_box should return a tuple of four numbers."
    assert tuple(box) == (20, 110, 140, 10), \
        "For dlib.rectangle(left=10, top=20, right=110, bottom=140) the box (top, right, bottom, left) is (20, 110, 140, 10)."

# %%
def test_q1_2(rect_to_box, hog_detector, group):
    import face_recognition
    found = [tuple(rect_to_box(r)) for r in hog_detector(group, 1)]
    assert found == face_recognition.face_locations(group, 1), \
        "The boxes of the HOG detector's rectangles on group should equal face_recognition.face_locations(group)."

# %%
def test_q1_3(rect_to_box):
    import dlib
    _box = rect_to_box(dlib.rectangle(-7, -3, 45, 52))  # a face cut by the image's top-left corner
    assert tuple(_box) == (-3, 45, 52, -7), \
        f"For dlib.rectangle(left=-7, top=-3, right=45, bottom=52) the box is (-3, 45, 52, -7), not {tuple(_box)}: " \
        "a face cut by the image's edge has negative coordinates; do not clip them."

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_q1_hidden_1(rect_to_box):
    import dlib
    box = rect_to_box(dlib.rectangle(10, 20, 110, 140))  # dlib.rectangle(left, top, right, bottom)
    assert tuple(rect_to_box(dlib.rectangle(-5, 3, 40, 60))) == (3, 40, 60, -5)
    assert tuple(rect_to_box(dlib.rectangle(0, 0, 0, 0))) == (0, 0, 0, 0)

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 2: how many faces, at which upsampling?
#
# Write `count_faces(img, upsample)` that returns how many faces dlib's **HOG** detector finds in
# the RGB array `img` after `upsample` upsampling steps. Use `face_recognition.face_locations`
# (with `model="hog"` and `number_of_times_to_upsample`) or `hog_detector` directly. Then look at
# `count_faces(group, 0)` and `count_faces(group, 1)`: the lesson explains the difference.

# %% [raw]
# # BEGIN QUESTION
# name: q2
# points: 2

# %% [raw]
# # BEGIN SOLUTION

# %%
def count_faces(img, upsample):
    # BEGIN SOLUTION
    return len(face_recognition.face_locations(img, number_of_times_to_upsample=upsample, model="hog"))
    # END SOLUTION


# %% [raw]
# # END SOLUTION

# %%
count_faces(group, 0), count_faces(group, 1)

# %% [raw]
# # BEGIN TESTS

# %%
def test_q2_1(count_faces, group):
    from facecourse.checks import answered
    answered("q2", count_faces=count_faces)
    assert count_faces(group, 0) == 2, \
        "Without upsampling (upsample=0) HOG finds 2 faces in group: is upsample passed on to the HOG detector?"

# %%
def test_q2_2(count_faces, group):
    assert count_faces(group, 1) == 3, "With upsample=1 HOG finds 3 faces in group (the lesson's photo)."

# %%
def test_q2_3(count_faces):
    import numpy as np
    assert count_faces(np.full((120, 160, 3), 128, np.uint8), 1) == 0, "A plain grey image has 0 faces."

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_q2_hidden_1(shrink, count_faces):
    kit = shrink("knn_examples/test/kit_with_rose.jpg", 300)
    assert (count_faces(kit, 0), count_faces(kit, 1)) == (1, 2)
    pair = shrink("two_people.jpg", 300)
    assert (count_faces(pair, 0), count_faces(pair, 1)) == (0, 2)

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 3: detection rate
#
# Write `detection_rate(counts)` that takes a list of per-image face counts (as `count_faces`
# returns them) and returns the share of images, a number from 0 to 1, with **at least one**
# face. An empty list has no rate: raise `ValueError`.

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
def test_q3_1(detection_rate):
    from facecourse.checks import answered
    answered("q3", detection_rate=detection_rate)
    assert abs(detection_rate([1, 0, 2, 1]) - 0.75) < 1e-9, \
        "Counts [1, 0, 2, 1]: 3 of 4 images have at least one face, so the rate is 0.75."

# %%
def test_q3_2(detection_rate):
    assert abs(detection_rate([0, 3, 0, 0]) - 0.25) < 1e-9, \
        "Counts [0, 3, 0, 0]: only 1 of 4 images has a face (three faces in one image still count once), so 0.25."

# %%
def test_q3_3(detection_rate):
    try:
        detection_rate([])
        raised = "nothing"
    except ValueError:
        raised = "ValueError"
    except Exception as exc:  # noqa: BLE001 - the check names what was raised instead
        raised = type(exc).__name__
    assert raised == "ValueError", f"detection_rate([]) should raise ValueError (an empty list has no rate); it raised {raised}."

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_q3_hidden_1(detection_rate):
    import numpy as np
    assert detection_rate([0, 0]) == 0.0
    assert detection_rate(np.array([3])) == 1.0
    assert abs(detection_rate([1] * 99 + [0]) - 0.99) < 1e-9

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 4 (written): who is missed?

# %% [raw]
# # BEGIN QUESTION
# name: q4
# manual: true
# points: 2

# %% [markdown]
# Detectors miss small, turned, dark or partly covered faces more often. In three to five
# sentences: in a face-search system used by police, who is harmed when the detector misses a face
# in the gallery, and who when it misses a face in the probe photo? Is a missed face "safer"?

# %% [raw]
# # BEGIN SOLUTION

# %% [markdown]
# **Model answer.** A face missed in the gallery cannot be found, which protects that person from this search but
# also means a true suspect or a missing person is not returned. A face missed in the probe photo
# gives the investigator nothing, and they may try a worse crop or a different photo, which raises
# the chance of a false match. Misses are not random: they fall more on people photographed in
# poor light, at angles or at low resolution, and detectors trained mostly on some groups miss
# others more often. So "missed" is not "safe": it shifts errors onto particular people and
# pushes operators towards lower-quality inputs.
#
# **Rubric (2 points).**
# * 1 point: separates the two misses: a face missed in the gallery cannot be found (that person is
#   spared this search, but a suspect or a missing person is not returned); a face missed in the probe
#   gives the investigator nothing, and they may try a worse crop or another photo, which raises the
#   chance of a false match.
# * 1 point: misses are not random (small, dark, turned or covered faces, and groups the detector saw
#   less in training, are missed more), so "missed" is not "safe": it shifts errors onto particular
#   people and pushes operators towards lower-quality inputs.
#
# **Common weak answers.**
# * "A missed face is safer: that person cannot be misidentified", and nothing else: 0 of 2 points.
# * Treats gallery and probe misses as the same harm: 1 of 2 points at most.
# * "The detector is biased", without who is missed or what follows: 1 of 2 points at most.

# %% [raw]
# # END SOLUTION

# %% [raw]
# # END QUESTION
