# %% [markdown]
# # B2. Landmarks and alignment
#
# **Why this matters.** Before comparing two faces, a system puts them in the same pose: eyes
# level, same size, same place. Without this step, head tilt and distance from the camera would
# swamp the differences between people.
#
# **Learning objectives.** After this lesson you can
# 1. compute 68-point and 5-point facial landmarks for a detected face;
# 2. measure head tilt from the eye landmarks;
# 3. produce the aligned 150 x 150 "face chip" that dlib's embedding network expects, and check that
#    alignment removed the tilt.
#
# **Prerequisites.** `lessons/B1_detection.ipynb`.
#
# **Estimated time.** 20 minutes.

# %% [markdown]
# ## Landmarks
#
# A *shape predictor* places points on the face: dlib's 68-point model outlines the jaw, brows,
# eyes, nose and mouth; its 5-point model marks only the outer and inner corners of both eyes and
# the bottom of the nose. The 5 points are enough to align a face, and about three times faster.

# %%
import numpy as np
import pandas as pd
from PIL import Image, ImageDraw

from facecourse import data, faces
from facecourse.images import load_image

photo = load_image(data.example_path("knn_examples/train/biden/biden2.jpg"))
face = faces.detect(photo)[0]
points68 = faces.landmarks(photo, face.box, points=68)
points5 = faces.landmarks(photo, face.box, points=5)
print(f"face box {face.box.as_tuple()}, 68-point shape {points68.shape}, 5-point shape {points5.shape}")


# %%
def draw_points(pixels, box, points, radius=4):
    picture = Image.fromarray(pixels).crop((box.left - 40, box.top - 60, box.right + 40, box.bottom + 40))
    pen = ImageDraw.Draw(picture)
    for x, y in points:
        x, y = x - (box.left - 40), y - (box.top - 60)
        pen.ellipse([x - radius, y - radius, x + radius, y + radius], fill=(255, 60, 60))
    picture.thumbnail((360, 360))
    return picture


draw_points(photo, face.box, points68)


# %% [markdown]
# *Figure 1. Alt text: a close crop of Joe Biden's face with 68 small red dots along his jaw line,
# eyebrows, eyelids, nose and lips.*
#
# In the 68-point scheme, points 36-41 trace the person's right eye (on the left of the image) and
# 42-47 the left eye. The angle of the line between the two eye centres is the head's **roll**, its
# tilt in the image plane.

# %%
def eye_angle(points):
    """Degrees the line from one eye centre to the other makes with the horizontal."""
    right_eye, left_eye = points[36:42].mean(axis=0), points[42:48].mean(axis=0)
    dx, dy = left_eye - right_eye
    return float(np.degrees(np.arctan2(dy, dx)))


print(f"head roll in the photo: {eye_angle(points68):.1f} degrees")

# %% [markdown]
# ## Alignment
#
# `faces.aligned_chip` rotates, scales and crops the face so that the 5 landmarks land on fixed
# positions in a 150 x 150 image, with 25% padding around the face: exactly the input dlib's
# embedding network was trained on. We tilt the photo by 20 degrees on purpose and align it again.

# %%
tilted = np.asarray(Image.fromarray(photo).rotate(20, resample=Image.BICUBIC, expand=True, fillcolor=(0, 0, 0)))
tilted_face = faces.detect(tilted, upsample=1)[0]
rows = []
for name, pixels, f in (("original", photo, face), ("tilted 20 degrees", tilted, tilted_face)):
    chip = faces.aligned_chip(pixels, f.box)
    before = eye_angle(faces.landmarks(pixels, f.box, points=68))
    after = eye_angle(faces.landmarks(chip, faces.Box(0, 150, 150, 0), points=68))
    rows.append({"image": name, "roll before (deg)": round(before, 1), "roll after alignment (deg)": round(after, 1),
                 "chip": f"{chip.shape[1]} x {chip.shape[0]}"})
alignment = pd.DataFrame(rows)
alignment

# %% [markdown]
# Alignment turns a 20-degree tilt into a chip whose eyes are level to within a degree or two (the
# remaining angle comes from re-measuring landmarks on the small chip). Both chips now show the
# face at the same size and position, so their embeddings can be compared fairly.

# %%
chips = [faces.aligned_chip(photo, face.box), faces.aligned_chip(tilted, tilted_face.box)]
Image.fromarray(np.hstack(chips))

# %% [markdown]
# *Figure 2. Alt text: two 150-pixel square close-ups of the same face side by side, one made from
# the original photo and one from the tilted copy; after alignment they look almost identical,
# eyes level in both.*
#
# Alignment is why the tilted copy still matches the original:

# %%
e1 = faces.embed_box(photo, face.box).embedding
e2 = faces.embed_box(tilted, tilted_face.box).embedding
print(f"distance between the embeddings of the original and the tilted copy: {faces.distance(e1, e2):.3f}")

# %% [markdown]
# That distance is far below the 0.6 threshold that separates people: rotating a photo does not
# hide a face from this system. Profile views are a different matter: the 5 landmarks cannot be
# placed on a face turned sideways, and the HOG detector does not find it in the first place.
#
# ## Summary
#
# * Landmarks locate the eyes, nose and mouth; 5 points suffice for alignment.
# * Alignment maps every face to the same 150 x 150 frame, removing tilt and scale.
# * Exercise: `exercises/B2_landmarks_alignment.ipynb`. Next: `lessons/B3_embeddings.ipynb`.
