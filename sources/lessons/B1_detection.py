# %% [markdown]
# # B1. Finding faces: HOG and CNN detectors
#
# **Why this matters.** A face search can only match faces it has found. Whatever a detector
# misses (small faces, turned heads, poor light) is invisible to the whole system, and whatever it
# wrongly finds becomes a "face" that can be matched.
#
# **Learning objectives.** After this lesson you can
# 1. run dlib's HOG and CNN face detectors and read the boxes they return;
# 2. explain what upsampling does and why small faces are missed;
# 3. measure a detection rate on a set of images and list the failures;
# 4. describe the detection policy behind the course's precomputed LFW embeddings.
#
# **Prerequisites.** `lessons/00_start_here.ipynb`.
#
# **Estimated time.** 25 minutes.

# %% [markdown]
# ## Boxes around faces
#
# `faces.detect` runs a detector and returns one `Face` per detection, with its `box` as
# `(top, right, bottom, left)` in pixels and the detector's confidence `score`. The default is
# dlib's **HOG** detector: it slides a window over the image and scores how well the pattern of
# edge directions (a *histogram of oriented gradients*) looks like a frontal face.

# %%
import time

import pandas as pd
from PIL import Image, ImageDraw

from facecourse import data, faces
from facecourse.images import load_image

group = load_image(data.example_path("knn_examples/test/obama_and_biden.jpg"))
found = faces.detect(group)
pd.DataFrame([{"top": f.box.top, "right": f.box.right, "bottom": f.box.bottom, "left": f.box.left,
               "width": f.box.width, "score": round(f.score, 2)} for f in found])


# %% [markdown]
# Three faces in a photo of two people: the third is the partly visible person at the lower right
# edge. The detector finds *faces*, not the people a caption names. Let us draw the boxes.

# %%
def draw_boxes(pixels, found_faces, width=5):
    picture = Image.fromarray(pixels)
    pen = ImageDraw.Draw(picture)
    for f in found_faces:
        b = f.box
        pen.rectangle([b.left, b.top, b.right, b.bottom], outline=(255, 200, 0), width=width)
    picture.thumbnail((520, 520))
    return picture


draw_boxes(group, found)

# %% [markdown]
# *Figure 1. Alt text: Barack Obama and Joe Biden waving on a stage, each face outlined by a
# yellow box; a third, smaller box at the lower right edge marks the partly visible face of a
# third person.*
#
# ## Small faces and upsampling
#
# The HOG detector looks for faces of about 80 x 80 pixels. To find smaller ones it can
# **upsample** the image first: each step doubles its size, so faces down to about 40 pixels are
# found at `upsample=1` (the default) and about 20 pixels at `upsample=2`, at roughly four times
# the cost per step. We shrink one LFW photo step by step and ask the detector at each setting.

# %%
lfw_photo = load_image(data.lfw_image_path("Colin_Powell", 8))  # one of the teaching images
rows = []
for size in (150, 100, 75, 50, 35):
    small = faces.as_rgb_array(Image.fromarray(lfw_photo).resize((size, size), Image.BILINEAR))
    for upsample in (0, 1, 2):
        hits = faces.detect(small, upsample=upsample)
        rows.append({"image size (px)": size, "face size (px, about)": round(size * 0.47),
                     "upsample": upsample, "faces found": len(hits)})
small_faces = pd.DataFrame(rows).pivot(index=["image size (px)", "face size (px, about)"],
                                       columns="upsample", values="faces found")
small_faces.columns = [f"upsample={u}" for u in small_faces.columns]
small_faces

# %% [markdown]
# Reading the table: with no upsampling, the face is lost once it is smaller than about 70
# pixels; each upsampling step rescues smaller faces. The LFW images are 150 x 150 with faces of
# about 70 pixels, right at the edge for `upsample=0`: that is why the course uses `upsample=1`.
#
# ## Detection rate on the teaching images
#
# How often does the detector find the labelled face? We run HOG on the 400 teaching images at
# `upsample` 0 and 1 and count the images where it finds at least one face.

# %%
teaching = [e.path for e in data.select("lfw", "teaching") if e.path.startswith("images/")]
started = time.perf_counter()
counts = []
for rel in teaching:
    pixels = load_image(data.require("lfw", rel))
    counts.append({"path": rel, "up0": len(faces.detect(pixels, upsample=0)),
                   "up1": len(faces.detect(pixels, upsample=1))})
counts = pd.DataFrame(counts)
seconds = time.perf_counter() - started
rate = pd.Series({"upsample=0": (counts["up0"] > 0).mean(), "upsample=1": (counts["up1"] > 0).mean()})
print(f"{len(counts)} images, both settings: {seconds:.1f} s")
rate.map("{:.1%}".format)

# %%
missed = counts[counts["up1"] == 0]
print(f"missed at upsample=1: {len(missed)} of {len(counts)}")
print(missed["path"].str.split("/").str[2].tolist())

# %% [markdown]
# About one image in a hundred yields no face even at `upsample=1`: usually a turned head, a face
# partly hidden, or very dark or blurred light. More than one face is common too: LFW photos are
# news pictures, and other people stand nearby.

# %%
several = counts[counts["up1"] > 1]
print(f"images with more than one face at upsample=1: {len(several)} of {len(counts)}")

# %% [markdown]
# ## The CNN detector
#
# dlib also ships a convolutional neural network detector (*MMOD*). It finds faces at more angles
# and in harder light than HOG, but costs far more on a CPU. We compare both on the images HOG
# missed.

# %%
compare, cnn_seconds = [], []
for rel in missed["path"]:
    pixels = load_image(data.require("lfw", rel))
    t0 = time.perf_counter()
    cnn = faces.detect(pixels, detector="cnn", upsample=1)
    cnn_seconds.append(time.perf_counter() - t0)
    compare.append({"image": rel.split("/")[2], "HOG faces": 0, "CNN faces": len(cnn)})
print(f"CNN detector: {sum(cnn_seconds) / max(1, len(cnn_seconds)):.2f} s per image on average")
pd.DataFrame(compare)

# %% [markdown]
# Here the CNN detector finds a face in every image HOG missed, at a cost of the better part of a
# second per small image instead of about 15 milliseconds. A system over billions of photos must choose: the
# cheap detector everywhere, or the expensive one where the cheap one fails.
#
# ## The policy behind the precomputed embeddings
#
# The course has embedded every LFW image ahead of time (Track B's later lessons load them). For
# each image it tried HOG (`upsample=1`), then the CNN detector, and as a last resort used a fixed
# box where LFW places the face. The table records which path each image took.

# %%
from facecourse import embeddings

table, _ = embeddings.load()
policy = table["detector"].value_counts().rename("images").to_frame()
policy["share"] = (policy["images"] / len(table)).map("{:.2%}".format)
policy

# %% [markdown]
# HOG found 99.4% of the LFW faces and the CNN detector the remaining 0.6%; with these settings no
# image needed the fixed-box fallback, which exists because LFW's protocol requires a decision for
# every pair. Each row records how its face was found, so any result can be traced back to it.
#
# ## Summary
#
# * A detector returns boxes; the default HOG detector is fast but frontal-only and misses faces
#   below about 40 pixels at `upsample=1`.
# * Detection failures are silent: a face that is not found cannot be matched, or protected.
# * Exercise: `exercises/B1_detection.ipynb`. Next lesson: `lessons/B2_landmarks_alignment.ipynb`.
