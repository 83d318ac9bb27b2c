# %% [markdown]
# # B1. Finding faces: HOG and CNN detectors
#
# **Why this matters.** A face search can only match faces it has found. Whatever a detector
# misses (small faces, turned heads, poor light) is invisible to the whole system, and whatever it
# wrongly finds becomes a "face" that can be matched.
#
# **Learning objectives.** After this lesson you can
# 1. find faces with `face_recognition.face_locations` (HOG and CNN models, upsampling) and read
#    the `(top, right, bottom, left)` boxes it returns;
# 2. run dlib's HOG and CNN detector objects yourself, turn their rectangles into boxes and draw
#    them with Pillow;
# 3. explain what upsampling does and why small faces are missed;
# 4. measure a detection rate on a set of images and list the failures;
# 5. describe the detection policy behind the course's precomputed LFW embeddings.
#
# **Prerequisites.** `lessons/00_start_here.ipynb`.
#
# **Estimated time.** 30 minutes.

# %% [markdown]
# ## Finding faces with `face_recognition`
#
# The `face_recognition` package wraps dlib's detectors in one function.
# `face_recognition.face_locations(img, number_of_times_to_upsample=1, model="hog")` takes an RGB
# image as a NumPy array (height x width x 3) and returns a list with one box per face, each a
# tuple **`(top, right, bottom, left)`** in pixels: rows first, then columns, clockwise from the
# top. The photo is large (the first line below prints its size); we shrink it to 600 pixels wide
# so that every call below takes a fraction of a second.

# %%
import time
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

full = face_recognition.load_image_file(data.example_path("knn_examples/test/obama_and_biden.jpg"))
group = np.asarray(Image.fromarray(full).resize((600, round(full.shape[0] * 600 / full.shape[1])), Image.BILINEAR))
print(f"original {full.shape}, shrunk {group.shape}, dtype {group.dtype}")

# %%
hog0 = face_recognition.face_locations(group, number_of_times_to_upsample=0, model="hog")
hog1 = face_recognition.face_locations(group, number_of_times_to_upsample=1, model="hog")
print("upsample 0:", hog0)
print("upsample 1:", hog1)

# %%
Markdown(f"Without upsampling the HOG detector finds **{len(hog0)}** faces; upsampled once it finds "
         f"**{len(hog1)}**. The extra one is the partly visible person at the lower right edge, whose face "
         f"is only {hog1[-1][2] - hog1[-1][0]} pixels tall in this shrunk copy. The detector finds *faces*, "
         "not the people a caption names.")

# %% [markdown]
# ## Drawing the boxes
#
# Pillow's `ImageDraw.rectangle` wants the corners in a different order:
# `[left, top, right, bottom]`, that is `[x0, y0, x1, y1]`. Mixing up the two orders is the most
# common bug in face code, so we unpack the tuple by name.

# %%
def draw_boxes(pixels, boxes, width=3, colour=(255, 200, 0)):
    """A Pillow image of ``pixels`` with each (top, right, bottom, left) box outlined."""
    picture = Image.fromarray(pixels)
    pen = ImageDraw.Draw(picture)
    for top, right, bottom, left in boxes:
        pen.rectangle([left, top, right, bottom], outline=colour, width=width)
    return picture


draw_boxes(group, hog1)

# %% [markdown]
# *Figure 1. Alt text: Barack Obama and Joe Biden waving on a stage, each face outlined by a
# yellow box; a third, smaller box at the lower right edge marks the partly visible face of a
# third person.*
#
# ## Under the hood: dlib's detector objects
#
# `face_locations` is a thin layer over dlib. `dlib.get_frontal_face_detector()` returns the HOG
# detector as an object you call with the image and the number of upsampling steps. It returns
# dlib `rectangle`s, which have methods `left()`, `top()`, `right()` and `bottom()`.

# %%
hog_detector = dlib.get_frontal_face_detector()
rects = hog_detector(group, 1)
print(rects)
first = rects[0]
print(f"first rectangle: left={first.left()} top={first.top()} right={first.right()} bottom={first.bottom()} "
      f"width()={first.width()}")

# %% [markdown]
# dlib's `width()` counts pixels inclusively (`right - left + 1`), so build boxes from the four
# corners, never from the width. Converting every rectangle to face_recognition's order gives
# exactly the boxes `face_locations` returned:

# %%
boxes = [(r.top(), r.right(), r.bottom(), r.left()) for r in rects]
print(boxes)
print("same as face_locations:", boxes == hog1)

# %% [markdown]
# The detector object can also report how sure it is: `run(img, upsample, threshold)` returns the
# rectangles, a score for each (higher is more face-like) and which of the detector's five
# sub-models (frontal, looking left, looking right, ...) fired.

# %%
rects, scores, submodels = hog_detector.run(group, 1, 0.0)
pd.DataFrame({"box (top, right, bottom, left)": [(r.top(), r.right(), r.bottom(), r.left()) for r in rects],
              "score": np.round(scores, 2), "sub-model": submodels})

# %% [markdown]
# The partly visible face gets by far the lowest score: it barely passed the detector's threshold
# of 0.
#
# ## The CNN detector
#
# dlib also ships a convolutional neural network detector (*MMOD*), trained on faces at more
# angles and in harder light. Its weights are a file that the `face_recognition_models` package
# installs; `dlib.cnn_face_detection_model_v1` loads it. Calling it returns `mmod_rectangle`s, each
# with a `.rect` (a dlib rectangle) and a `.confidence`. On a CPU it is far slower than HOG
# (the timings below show how much), so we try it on one small 150 x 150 LFW photo only.

# %%
cnn_detector = dlib.cnn_face_detection_model_v1(face_recognition_models.cnn_face_detector_model_location())
lfw_photo = face_recognition.load_image_file(data.lfw_image_path("Colin_Powell", 8))  # a teaching image
started = time.perf_counter()
detections = cnn_detector(lfw_photo, 1)
cnn_time = time.perf_counter() - started
for d in detections:
    r = d.rect
    print(f"CNN box {(r.top(), r.right(), r.bottom(), r.left())}, confidence {d.confidence:.2f}")
print(f"CNN detector on a {lfw_photo.shape[1]} x {lfw_photo.shape[0]} image: {cnn_time:.2f} s")

# %%
started = time.perf_counter()
print("face_locations, model='hog':", face_recognition.face_locations(lfw_photo, 1, model="hog"))
print(f"HOG: {time.perf_counter() - started:.3f} s")
print("face_locations, model='cnn':", face_recognition.face_locations(lfw_photo, 1, model="cnn"))

# %% [markdown]
# Both detectors find the face, with slightly different boxes: each was trained on its own idea
# of where a face ends. `face_locations(..., model="cnn")` runs the same dlib CNN we called by
# hand.
#
# ## The course's helper: `faces.detect`
#
# From here on the course calls `facecourse.matching.faces.detect(img, detector="hog", upsample=1)`.
# It does exactly what you just did (the same dlib detector objects, loaded once per process) and
# returns a `Face` for each detection, holding a `Box` (with `top`, `right`, `bottom`, `left`,
# `width`, `height`, `as_tuple()`), the detector's `score` and which `detector` found it. We use
# it because later steps need all three together (landmarks take the box, the precomputed
# embeddings record the detector), because boxes are clipped to the image, and because a wrong
# setting (`detector="sift"`, `upsample=9`) raises a clear `ValueError` instead of running for
# minutes. `help(faces.detect)` shows its documentation.

# %%
from facecourse.images import load_image
from facecourse.matching import faces

found = faces.detect(group)
print("same boxes as face_locations:", [f.box.as_tuple() for f in found] == hog1)
pd.DataFrame([{"top": f.box.top, "right": f.box.right, "bottom": f.box.bottom, "left": f.box.left,
               "width": f.box.width, "detector": f.detector, "score": round(f.score, 2)} for f in found])

# %% [markdown]
# ## Small faces and upsampling
#
# dlib's HOG detector scans the image with a window made for faces of about 80 x 80 pixels. To
# find smaller ones it can **upsample** the image first: each step doubles its width and height,
# so faces of about half the window's size come within reach at `upsample=1` (the default) and a
# quarter at `upsample=2`, at roughly four times the cost per step (four times the pixels). We
# shrink the LFW photo step by step and ask the detector at each setting.

# %%
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

# %%
WINDOW = 80  # the face size dlib's frontal HOG detector is built for, in pixels
face_sizes = small_faces.index.get_level_values("face size (px, about)")
smallest = {u: min(size for size, found in zip(face_sizes, small_faces[f"upsample={u}"]) if found)
            for u in (0, 1, 2)}
lfw_face = face_sizes.max()
Markdown("Reading the table: among the sizes tried, the smallest face found is "
         + ", ".join(f"about {smallest[u]} pixels at `upsample={u}`" for u in (0, 1, 2))
         + f". That is a little below the window's {WINDOW} pixels and its half and quarter "
         f"({WINDOW // 2} and {WINDOW // 4}): the detector also accepts faces somewhat smaller than its window, "
         "and a face just below the limit may still be found or lost depending on the photo. The LFW images are "
         f"150 x 150 with faces of about {lfw_face} pixels, "
         + ("right at the edge for `upsample=0`" if lfw_face <= 1.2 * smallest[0] else "found at `upsample=0`")
         + ": that is why the course uses `upsample=1`.")

# %% [markdown]
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

# %%
Markdown(f"{len(missed)} of the {len(counts)} images ({len(missed) / len(counts):.1%}) yield no face even at "
         "`upsample=1`: usually a turned head, a face partly hidden, or very dark or blurred light. More than one "
         "face is common too: LFW photos are news pictures, and other people stand nearby.")

# %%
several = counts[counts["up1"] > 1]
print(f"images with more than one face at upsample=1: {len(several)} of {len(counts)}")

# %% [markdown]
# ## The CNN detector where HOG fails
#
# We give the CNN detector the images HOG missed (through `faces.detect(..., detector="cnn")`,
# which calls the same `cnn_face_detection_model_v1` object as above).

# %%
compare, cnn_seconds = [], []
for rel in missed["path"]:
    pixels = load_image(data.require("lfw", rel))
    t0 = time.perf_counter()
    cnn = faces.detect(pixels, detector="cnn", upsample=1)
    cnn_seconds.append(time.perf_counter() - t0)
    compare.append({"image": rel.split("/")[2], "HOG faces": 0, "CNN faces": len(cnn)})
compare = pd.DataFrame(compare)
print(f"CNN detector: {sum(cnn_seconds) / max(1, len(cnn_seconds)):.2f} s per image on average")
compare

# %%
hog_ms = 1000 * seconds / (2 * len(counts))  # the timing loop above ran two HOG detections per image
Markdown(f"Here the CNN detector finds a face in **{int((compare['CNN faces'] > 0).sum())} of the {len(compare)}** "
         f"images HOG missed, at a cost of {np.mean(cnn_seconds):.2f} s per small image instead of about "
         f"{hog_ms:.0f} ms for one HOG detection. A system over billions of photos must choose: the cheap "
         "detector everywhere, or the expensive one where the cheap one fails.")

# %% [markdown]
# ## The policy behind the precomputed embeddings
#
# The course has embedded every LFW image ahead of time (Track B's later lessons load them). For
# each image it tried HOG (`upsample=1`), then the CNN detector, and as a last resort used a fixed
# box where LFW places the face. The table records which path each image took.

# %%
from facecourse.matching import precomputed

table, _ = precomputed.load()
policy = table["detector"].value_counts().rename("images").to_frame()
policy["share"] = (policy["images"] / len(table)).map("{:.2%}".format)
policy

# %%
share = table["detector"].value_counts(normalize=True)
Markdown(f"HOG found {share.get('hog', 0):.1%} of the LFW faces and the CNN detector {share.get('cnn', 0):.1%}; "
         f"{int((table['detector'] == 'fixed').sum())} images needed the fixed-box fallback, which exists because "
         "LFW's protocol requires a decision for every pair. Each row records how its face was found, so any "
         "result can be traced back to it.")

# %% [markdown]
# ## Summary
#
# * `face_recognition.face_locations` returns `(top, right, bottom, left)` boxes; dlib's detector
#   objects return rectangles you convert yourself; Pillow draws `[left, top, right, bottom]`.
# * The default HOG detector is fast but frontal-only, and misses faces much smaller than half its
#   window at `upsample=1`; the CNN detector finds more, at many times the cost.
# * Detection failures are silent: a face that is not found cannot be matched, or protected.
# * The rest of the course detects with `faces.detect`, which wraps the same dlib objects.
# * Exercise: `exercises/B1_detection.ipynb`. Next lesson: `lessons/B2_landmarks_alignment.ipynb`.
