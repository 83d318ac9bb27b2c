# %% [markdown]
# # B2. Landmarks and alignment
#
# **Why this matters.** Before comparing two faces, a system puts them in the same pose: eyes
# level, same size, same place. Without this step, head tilt and distance from the camera would
# swamp the differences between people.
#
# **Learning objectives.** After this lesson you can
# 1. compute 68-point and 5-point facial landmarks with `face_recognition.face_landmarks` and with
#    dlib's shape predictor;
# 2. compute the eye centres and the head's tilt (roll) from the landmarks with NumPy, and rotate
#    the image so the eyes are level;
# 3. produce the aligned 150 x 150 "face chip" that dlib's embedding network expects, and check that
#    alignment removed the tilt.
#
# **Prerequisites.** `lessons/B1_detection.ipynb`.
#
# **Estimated time.** 25 minutes.

# %% [markdown]
# ## Landmarks with `face_recognition`
#
# A *shape predictor* places points on a face that a detector found: dlib's 68-point model
# outlines the jaw, brows, eyes, nose and mouth. `face_recognition.face_landmarks(img)` detects
# the faces (HOG, as in lesson B1) and returns one dictionary per face, from feature name to a
# list of `(x, y)` points. Landmarks are `(x, y)`, column first, unlike the `(top, right, bottom,
# left)` boxes. We work on a 400 x 400 copy of the photo to keep every step fast.

# %%
import warnings

import numpy as np
import pandas as pd
from IPython.display import Markdown
from PIL import Image, ImageDraw

with warnings.catch_warnings():
    warnings.simplefilter("ignore", UserWarning)  # face_recognition_models still imports pkg_resources
    import face_recognition
    import face_recognition_models
import dlib

from facecourse import data

photo = face_recognition.load_image_file(data.example_path("knn_examples/train/biden/biden2.jpg"))
photo = np.asarray(Image.fromarray(photo).resize((400, 400), Image.BILINEAR))
marks = face_recognition.face_landmarks(photo)
print(f"{len(marks)} face(s)")
pd.DataFrame({"feature": list(marks[0]), "points": [len(v) for v in marks[0].values()],
              "first point (x, y)": [v[0] for v in marks[0].values()]})


# %%
def draw_points(pixels, points, radius=2, colour=(255, 60, 60)):
    """A Pillow image of ``pixels`` with a dot at every (x, y) point."""
    picture = Image.fromarray(pixels)
    pen = ImageDraw.Draw(picture)
    for x, y in points:
        pen.ellipse([x - radius, y - radius, x + radius, y + radius], fill=colour)
    return picture


draw_points(photo, [p for feature in marks[0].values() for p in feature]).crop((110, 60, 330, 320))

# %% [markdown]
# *Figure 1. Alt text: a close crop of Joe Biden's face with 68 small red dots along his jaw line,
# eyebrows, eyelids, nose and lips.*
#
# `face_landmarks` returns one dictionary per face it finds: an empty list for a photo without a
# face, several dictionaries for a group photo. Code that measures "the" face must check how many
# it got (and say so with a `ValueError`) rather than take `[0]` blindly.
#
# **Which eye is "left"?** face_recognition names the features as they appear in the image:
# `"left_eye"` is the eye on the image's left, which is the person's *right* eye. The course always
# says "image-left" and "image-right" to avoid the confusion.
#
# ## Under the hood: dlib's shape predictor
#
# face_recognition calls dlib's `shape_predictor`, loaded from a model file that the
# `face_recognition_models` package installs. You give it the image and the face's rectangle as a
# `dlib.rectangle(left, top, right, bottom)` (lesson B1's order conversion, backwards), and it
# returns a `full_object_detection` whose `parts()` are the points.

# %%
predictor68 = dlib.shape_predictor(face_recognition_models.pose_predictor_model_location())
top, right, bottom, left = face_recognition.face_locations(photo)[0]
shape = predictor68(photo, dlib.rectangle(left, top, right, bottom))
points68 = np.array([(p.x, p.y) for p in shape.parts()])
print(f"{shape.num_parts} parts, array shape {points68.shape}")
print("points 36-41 are face_recognition's left_eye:", [tuple(map(int, p)) for p in points68[36:42]] == marks[0]["left_eye"])
print("points 42-47 are face_recognition's right_eye:", [tuple(map(int, p)) for p in points68[42:48]] == marks[0]["right_eye"])

# %% [markdown]
# In the 68-point scheme, points 36-41 trace the image-left eye and 42-47 the image-right eye.
# dlib also has a **5-point** model (outer and inner corner of each eye, bottom of the nose): enough
# to align a face, and quicker to place. face_recognition calls it `model="small"`.

# %%
predictor5 = dlib.shape_predictor(face_recognition_models.pose_predictor_five_point_model_location())
points5 = np.array([(p.x, p.y) for p in predictor5(photo, dlib.rectangle(left, top, right, bottom)).parts()])
print("dlib 5-point:", points5.tolist())
print("face_recognition model='small':", face_recognition.face_landmarks(photo, [(top, right, bottom, left)], model="small"))

# %% [markdown]
# Passing the known box as the second argument (`face_locations=[box]`) skips the detection step:
# the landmarks are placed in that box.
#
# ## Head roll with NumPy
#
# The tilt of the head in the image plane, its **roll**, is the angle of the line from the
# image-left eye centre to the image-right eye centre. Each centre is the mean of the eye's six
# points; `np.arctan2(dy, dx)` gives the angle in radians (and handles `dx = 0`), `np.degrees`
# converts it. Image y grows *downwards*, so a positive angle means the image-right eye is lower.

# %%
left_eye = points68[36:42].mean(axis=0)  # the mean of the six (x, y) rows: axis=0 averages down the rows
right_eye = points68[42:48].mean(axis=0)
dx, dy = right_eye - left_eye
print(f"eye centres {np.round(left_eye, 1)} and {np.round(right_eye, 1)}; dx = {dx:.1f}, dy = {dy:.1f}")
print(f"roll: {np.arctan2(dy, dx):.4f} radians = {np.degrees(np.arctan2(dy, dx)):.1f} degrees")
print("same centre from face_recognition's dict:", np.allclose(np.mean(marks[0]["left_eye"], axis=0), left_eye))

# %% [markdown]
# We will measure the roll of several images, so we wrap the two steps (landmarks with dlib, then
# the angle) in functions:


# %%
def landmarks68(img):
    """The 68 landmarks, an (68, 2) array, of the first face HOG finds in the RGB array ``img``."""
    top, right, bottom, left = face_recognition.face_locations(img)[0]
    return np.array([(p.x, p.y) for p in predictor68(img, dlib.rectangle(left, top, right, bottom)).parts()])


def roll_degrees(points):
    """Roll in degrees from a (68, 2) landmark array: rows 36-41 image-left eye, 42-47 image-right eye."""
    (x1, y1), (x2, y2) = points[36:42].mean(axis=0), points[42:48].mean(axis=0)
    return float(np.degrees(np.arctan2(y2 - y1, x2 - x1)))


print(f"roll of the photo: {roll_degrees(landmarks68(photo)):.1f} degrees")

# %% [markdown]
# ## Levelling the eyes by hand
#
# We tilt the photo by 20 degrees on purpose, measure the roll again, and undo it. Pillow's
# `Image.rotate(angle)` turns the picture **counter-clockwise** by `angle` degrees; on screen,
# with y pointing down, that lifts the image-right side, so rotating by the measured roll levels
# the eyes. Rotating about the midpoint between the eyes keeps the face in place.

# %%
tilted = np.asarray(Image.fromarray(photo).rotate(20, resample=Image.BICUBIC, expand=True))
tilted_points = landmarks68(tilted)
roll = roll_degrees(tilted_points)
eyes = np.array([tilted_points[36:42].mean(axis=0), tilted_points[42:48].mean(axis=0)])
centre = tuple(eyes.mean(axis=0))  # the midpoint between the two eye centres
levelled = np.asarray(Image.fromarray(tilted).rotate(roll, resample=Image.BICUBIC, center=centre))
rolls = pd.DataFrame({"image": ["original", "tilted 20 degrees", "tilted, then rotated by its roll"],
                      "roll (degrees)": [roll_degrees(landmarks68(i)) for i in (photo, tilted, levelled)]})
rolls.round(1)

# %%
original_roll, tilted_roll, levelled_roll = rolls["roll (degrees)"]
Markdown(f"Why does the copy we tilted by 20 degrees measure {tilted_roll:.1f}, not 20? Two reasons, both visible "
         f"here. The sign: a counter-clockwise turn lifts the image-right eye, and a lifted image-right eye is a "
         f"*negative* roll in image coordinates (y grows downwards). The size: the photo was not level to begin with "
         f"({original_roll:.1f} degrees), and the turn takes 20 from that: {original_roll:.1f} - 20 = "
         f"{original_roll - 20:.1f}, "
         + ("what the landmarks on the rotated picture measure. " if f"{tilted_roll:.1f}" == f"{original_roll - 20:.1f}"
            else f"and the landmarks on the rotated picture measure {tilted_roll:.1f} (placing them again on new "
                 "pixels moves them a little). ")
         + f"Rotating back by the measured roll leaves {levelled_roll:.1f} degrees: landmarks placed on the "
         "re-sampled picture never land exactly where they were.")

# %% [markdown]
# The same rotation can be applied to the landmark points themselves with a 2 x 2 rotation
# matrix, which is what alignment code does before it ever touches pixels. In image coordinates
# (y down) a counter-clockwise turn by `a` maps a point offset `(dx, dy)` from the centre to
# `(cos a * dx + sin a * dy, -sin a * dx + cos a * dy)`:

# %%
a = np.radians(roll)
rotation = np.array([[np.cos(a), np.sin(a)], [-np.sin(a), np.cos(a)]])
level_eyes = (eyes - centre) @ rotation.T + centre
print("eye centres before:", np.round(eyes, 1).tolist())
print("after rotating the points:", np.round(level_eyes, 1).tolist())

# %% [markdown]
# After the rotation both eye centres have the same y: the eyes are level.
#
# ## Alignment: the course's helpers
#
# Levelling is only half of alignment: the embedding network also expects every face at the same
# **size** and **position**, in a 150 x 150 image. dlib does all three in one call,
# `dlib.get_face_chip(img, shape_5_points, size=150, padding=0.25)`, which maps the 5 landmarks to
# fixed positions with 25% padding around the face: exactly the input the network was trained on.
#
# From here on the course uses `facecourse.matching.faces`: `faces.detect` (lesson B1),
# `faces.landmarks(img, box, points=68 or 5)` (the shape predictor above, returning the `(n, 2)`
# array) and `faces.aligned_chip(img, box)` (the 5-point model and `get_face_chip`). They load each
# dlib model once per process, take the course's `Box` or a plain `(top, right, bottom, left)`
# tuple, and use the same chip settings as the precomputed embeddings, so a chip made in a lesson
# and one made for the embeddings cannot differ by accident.

# %%
from facecourse.matching import faces

face = faces.detect(photo)[0]
print("faces.landmarks gives dlib's points:", np.array_equal(faces.landmarks(photo, face.box, points=68), points68))


tilted_box = faces.detect(tilted, upsample=1)[0]
rows = []
for name, pixels, f in (("original", photo, face), ("tilted 20 degrees", tilted, tilted_box)):
    chip = faces.aligned_chip(pixels, f.box)
    before = roll_degrees(faces.landmarks(pixels, f.box, points=68))
    after = roll_degrees(faces.landmarks(chip, faces.Box(0, 150, 150, 0), points=68))
    rows.append({"image": name, "roll before (deg)": round(before, 1), "roll after alignment (deg)": round(after, 1),
                 "chip": f"{chip.shape[1]} x {chip.shape[0]}"})
alignment = pd.DataFrame(rows)
alignment

# %%
worst = alignment["roll after alignment (deg)"].abs().max()
Markdown(f"Alignment turns a 20-degree tilt into a chip whose eyes are level to within {worst:.1f} degrees (the "
         "remaining angle comes from re-measuring landmarks on the small chip). Both chips now show the face "
         "at the same size and position, so their embeddings can be compared fairly.")

# %%
chips = [faces.aligned_chip(photo, face.box), faces.aligned_chip(tilted, tilted_box.box)]
Image.fromarray(np.hstack(chips))

# %% [markdown]
# *Figure 2. Alt text: two 150-pixel square close-ups of the same face side by side, one made from
# the original photo and one from the tilted copy; after alignment they look almost identical,
# eyes level in both.*
#
# Alignment is why the tilted copy still matches the original:

# %%
e1 = faces.embed_box(photo, face.box).embedding
e2 = faces.embed_box(tilted, tilted_box.box).embedding
gap = faces.distance(e1, e2)
Markdown(f"The distance between the embeddings of the original and the tilted copy is **{gap:.3f}**, far below "
         "the 0.6 threshold that separates people: rotating a photo does not hide a face from this system. "
         "Profile views are a different matter: the 5 landmarks cannot be placed on a face turned sideways, "
         "and the HOG detector does not find it in the first place.")

# %% [markdown]
# ## Summary
#
# * `face_recognition.face_landmarks` and dlib's `shape_predictor` place 68 (or 5) points;
#   face_recognition's `"left_eye"` is the image-left eye.
# * The roll is `np.degrees(np.arctan2(dy, dx))` between the eye centres; rotating by it levels the
#   eyes.
# * Alignment (`faces.aligned_chip`, dlib's `get_face_chip`) also fixes size and position: every
#   face lands in the same 150 x 150 frame.
# * Exercise: `exercises/B2_landmarks_alignment.ipynb`. Next: `lessons/B3_embeddings.ipynb`.
