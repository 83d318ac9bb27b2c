# %% [raw]
# # ASSIGNMENT CONFIG
# name: B2_landmarks_alignment
# init_cell: true
# check_all_cell: true
# export_cell: false
# tests:
#   files: false
#   ok_format: false

# %% [markdown]
# # Exercise B2: landmarks and alignment
#
# **Why this matters.** Alignment is what lets a face system ignore pose and scale.
#
# **Learning objectives.** Get landmarks with `face_recognition` yourself, compute eye centres and
# the head's roll with NumPy, and level a face by rotating the image.
#
# **Prerequisites.** `lessons/B2_landmarks_alignment.ipynb`.
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


def shrink(name, width):
    """The example photo ``name`` resized to ``width`` pixels wide (aspect ratio kept), as an RGB array."""
    img = face_recognition.load_image_file(data.example_path(name))
    height = round(img.shape[0] * width / img.shape[1])
    return np.asarray(Image.fromarray(img).resize((width, height), Image.BILINEAR))


def rotate(img, degrees):
    """``img`` turned counter-clockwise by ``degrees`` about its centre (Pillow's convention), same size."""
    return np.asarray(Image.fromarray(img).rotate(degrees, resample=Image.BICUBIC))


photo = shrink("obama.jpg", 300)  # one upright face
tilted = rotate(photo, 15)  # the same photo turned 15 degrees counter-clockwise
pair = shrink("two_people.jpg", 450)  # two faces
blank = np.full((120, 160, 3), 128, np.uint8)  # no face
landmarks = face_recognition.face_landmarks(photo)[0]
sorted(landmarks)


# %% [markdown]
# ## Question 1: eye centres
#
# `landmarks` is a face_recognition landmarks dictionary (as in the lesson). Write
# `eye_centres(face)` that takes such a dictionary and returns a tuple `(left, right)`: the centre
# of the **image-left** eye (`face["left_eye"]`) and of the **image-right** eye
# (`face["right_eye"]`), each a NumPy array `[x, y]` that is the mean of the eye's points.

# %% [raw]
# # BEGIN QUESTION
# name: q1
# points: 1

# %% [raw]
# # BEGIN SOLUTION

# %%
def eye_centres(face):
    # BEGIN SOLUTION
    return np.mean(face["left_eye"], axis=0), np.mean(face["right_eye"], axis=0)
    # END SOLUTION


# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
def test_q1_1(eye_centres):
    import numpy as np
    from facecourse.checks import answered
    answered("q1", eye_centres=eye_centres)
    made_up = {"left_eye": [(0, 0), (2, 0), (4, 1), (4, 3), (2, 4), (0, 3)],
               "right_eye": [(10, 2), (12, 1), (14, 2), (14, 5), (12, 6), (11, 5)]}
    centres = eye_centres(made_up)
    assert len(centres) == 2 and all(np.shape(c) == (2,) for c in centres), \
        "eye_centres should return two [x, y] points: (image-left centre, image-right centre)."
    assert np.allclose(centres[0], [2, 11 / 6]) and np.allclose(centres[1], [73 / 6, 3.5]), \
        "Each centre is the mean of the eye's points, image-left eye (face['left_eye']) first."

# %%
def test_q1_2(eye_centres, landmarks):
    left, right = eye_centres(landmarks)
    assert left[0] < right[0], "In photo the image-left eye centre should have the smaller x."

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_q1_hidden_1(eye_centres):
    import numpy as np
    l, r = eye_centres({"left_eye": [(1, 1), (3, 5)], "right_eye": [(7, 2), (9, 2), (11, 5)]})
    assert np.allclose(l, [2, 3]) and np.allclose(r, [9, 3])

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 2: the head's roll
#
# Write `roll_degrees(img)` that finds the landmarks of the face in the RGB array `img` with
# `face_recognition.face_landmarks` and returns its roll in **degrees**: the angle of the line from
# the image-left eye centre to the image-right eye centre, `np.degrees(np.arctan2(dy, dx))` with
# image coordinates (y grows downwards). If the image has no face, or more than one, raise
# `ValueError` (the roll of "the face" is then undefined). Careful: the lesson's `roll_degrees(points)`
# took the 68 landmark points; this one takes the image and finds the landmarks itself.
#
# Try it on `photo`, on `tilted`, on `pair` and on `blank`.

# %% [raw]
# # BEGIN QUESTION
# name: q2
# points: 2

# %% [raw]
# # BEGIN SOLUTION

# %%
def roll_degrees(img):
    # BEGIN SOLUTION
    found = face_recognition.face_landmarks(img)
    if len(found) != 1:
        raise ValueError(f"expected one face, found {len(found)}")
    (x1, y1), (x2, y2) = eye_centres(found[0])
    return float(np.degrees(np.arctan2(y2 - y1, x2 - x1)))
    # END SOLUTION


# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
def test_q2_1(roll_degrees, photo):
    from facecourse.checks import answered
    answered("q2", roll_degrees=roll_degrees)
    upright = roll_degrees(photo)
    assert abs(upright) < 5, \
        "The face in photo is nearly upright: measured from image-left to image-right eye, its roll is within 5 degrees of 0."

# %%
def test_q2_2(roll_degrees, photo, tilted):
    upright = roll_degrees(photo)
    assert abs(roll_degrees(tilted) - upright + 15) < 2, \
        "Turning the photo 15 degrees counter-clockwise (tilted) should lower the roll by about 15 degrees (in degrees, y downwards)."

# %%
def test_q2_3(roll_degrees, blank, pair):
    def raises_value_error(img):
        try:
            roll_degrees(img)
        except ValueError:
            return "ValueError"
        except Exception as exc:  # noqa: BLE001 - the check names what was raised instead
            return type(exc).__name__
        return "nothing"


    assert raises_value_error(blank) == "ValueError", \
        f"roll_degrees(blank) should raise ValueError, as the image has no face; it raised {raises_value_error(blank)}."
    assert raises_value_error(pair) == "ValueError", \
        f"roll_degrees(pair) should raise ValueError, as the image has two faces; it raised {raises_value_error(pair)}."

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_q2_hidden_1(roll_degrees, photo, shrink, rotate):
    upright = roll_degrees(photo)
    other = shrink("biden.jpg", 300)
    assert 10 < roll_degrees(other) < 15
    assert abs(roll_degrees(rotate(photo, -25)) - roll_degrees(photo) - 25) < 2

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 3: level the eyes
#
# Write `level(img)` that returns `img` (an RGB array with one face) rotated with Pillow,
# `Image.fromarray(img).rotate(angle, resample=Image.BICUBIC, center=...)`, so that the eyes are
# level, as a NumPy array. Use your `roll_degrees`, and rotate about the midpoint between the eyes.

# %% [raw]
# # BEGIN QUESTION
# name: q3
# points: 2

# %% [raw]
# # BEGIN SOLUTION

# %%
def level(img):
    # BEGIN SOLUTION
    roll = roll_degrees(img)
    left, right = eye_centres(face_recognition.face_landmarks(img)[0])
    centre = tuple((left + right) / 2)
    return np.asarray(Image.fromarray(img).rotate(roll, resample=Image.BICUBIC, center=centre))
    # END SOLUTION


# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
def test_q3_1(level, tilted, roll_degrees):
    import numpy as np
    from facecourse.checks import answered
    answered("q3", level=level)
    levelled = level(tilted)
    assert isinstance(levelled, np.ndarray) and levelled.ndim == 3, \
        "level should return the rotated image as an RGB NumPy array (np.asarray of the Pillow image)."
    try:
        after = roll_degrees(levelled)
    except ValueError:
        after = None
    assert after is not None, "The face detector finds no single upright face in level(tilted): was it turned too far?"
    assert abs(after) < 1.5, "After level(tilted) the eyes should be level: roll_degrees of the result within 1.5 degrees of 0."

# %%
def test_q3_2(level, tilted):
    import numpy as np
    import face_recognition

    def _midpoint(img):
        _lm = face_recognition.face_landmarks(np.ascontiguousarray(img))
        assert len(_lm) == 1, "The face detector finds no single face in level(tilted): was it turned too far?"
        return (np.mean(_lm[0]["left_eye"], axis=0) + np.mean(_lm[0]["right_eye"], axis=0)) / 2
    _before, _after = _midpoint(tilted), _midpoint(level(tilted))
    _moved = float(np.hypot(*(_after - _before)))
    assert _moved < 3, \
        f"level(tilted) moved the midpoint between the eyes by {_moved:.0f} pixels, from (x, y) = ({_before[0]:.0f}, " \
        f"{_before[1]:.0f}) to ({_after[0]:.0f}, {_after[1]:.0f}): rotate about that midpoint, center=(x, y), " \
        "not about the image's centre."

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_q3_hidden_1(roll_degrees, level, rotate, photo, shrink):
    assert abs(roll_degrees(level(rotate(photo, -25)))) < 1.5
    assert abs(roll_degrees(level(shrink("biden.jpg", 300)))) < 1.5

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 4 (written): can alignment fix everything?

# %% [raw]
# # BEGIN QUESTION
# name: q4
# manual: true
# points: 2

# %% [markdown]
# In three to five sentences: which differences between two photos of a person does alignment
# remove, and which remain for the embedding network to cope with? Give one example of a photo a
# police user might upload where alignment cannot help.

# %% [raw]
# # BEGIN SOLUTION

# %% [markdown]
# **Model answer.** Alignment removes in-plane rotation (roll), scale and position: the face is rotated and resized
# so the eyes and nose land on fixed points. It cannot undo a head turned sideways (yaw) or
# tilted up or down (pitch), nor lighting, blur, low resolution, occlusion by masks, glasses or
# hands, ageing, or expression. A still from a grainy CCTV camera showing a face in three-quarter
# profile at 30 pixels would still be aligned, but the chip would be an upscaled blur with the
# wrong geometry, and its embedding unreliable.
#
# **Rubric (2 points).**
# * 1 point: alignment removes in-plane rotation (roll), scale and position: the face is rotated and
#   resized so that the eyes and nose land on fixed points; nothing else.
# * 1 point: names what remains for the network (a head turned sideways or up and down, lighting,
#   blur, low resolution, occlusion by masks, glasses or hands, expression, ageing) and gives a
#   concrete police upload where alignment cannot help (a grainy CCTV still in three-quarter profile,
#   a masked face, a face a few dozen pixels wide).
#
# **Common weak answers.**
# * "Alignment corrects the pose": loses the first point (it cannot undo a head turn).
# * Lists what remains but gives no concrete photo: 1 of 2 points.
# * The example is a sharp frontal photo that is only rotated (alignment fixes exactly that): loses
#   the second point.

# %% [raw]
# # END SOLUTION

# %% [raw]
# # END QUESTION
