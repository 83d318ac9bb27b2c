# %% [markdown]
# # B3. Embeddings and distances
#
# **Why this matters.** A face search engine never compares photos. It compares lists of 128
# numbers, one per face, and calls two faces the same person when their lists are close. Knowing
# how close "close" is, and how often strangers are that close, is knowing the system.
#
# **Learning objectives.** After this lesson you can
# 1. compute a 128-number embedding with `face_recognition.face_encodings`, for a face whose box
#    you already know;
# 2. compute Euclidean distances between many embeddings at once with NumPy broadcasting, and
#    check them against `face_recognition.face_distance`;
# 3. build a distance matrix for a small set of faces and read it;
# 4. draw the distributions of same-person and different-person distances with altair, and place
#    the 0.6 threshold on them;
# 5. check that precomputed embeddings agree with a fresh computation.
#
# **Prerequisites.** `lessons/B2_landmarks_alignment.ipynb`; the warm-up exercise.
#
# **Estimated time.** 30 minutes.

# %% [markdown]
# ## From a face to 128 numbers
#
# dlib's network (a 29-layer ResNet trained on about 3 million faces of 7,485 people, none of them
# in LFW) maps an aligned face chip (lesson B2) to 128 numbers. It was trained so that any two
# photos of the same person land within a Euclidean distance of about 0.6 and photos of different
# people further apart.
#
# `face_recognition.face_encodings(img, known_face_locations=None, num_jitters=1, model="small")`
# returns one 128-number NumPy array per face. Give it the boxes you already have, as a list of
# `(top, right, bottom, left)` tuples: it then places the 5 landmarks, aligns and encodes exactly
# those faces.

# %%
import time
import warnings

import altair as alt
import numpy as np
import pandas as pd
from IPython.display import Markdown
from PIL import Image

with warnings.catch_warnings():
    warnings.simplefilter("ignore", UserWarning)  # face_recognition_models still imports pkg_resources
    import face_recognition

from facecourse import data


def shrink(name, width):
    """The example photo ``name`` resized to ``width`` pixels wide (aspect ratio kept), as an RGB array."""
    img = face_recognition.load_image_file(data.example_path(name))
    return np.asarray(Image.fromarray(img).resize((width, round(img.shape[0] * width / img.shape[1])), Image.BILINEAR))


pair = shrink("two_people.jpg", 600)  # Barack Obama (left) and Joe Biden (right)
boxes = face_recognition.face_locations(pair)
encodings = face_recognition.face_encodings(pair, known_face_locations=boxes)
print(f"boxes {boxes}")
print(f"{len(encodings)} encodings of shape {encodings[0].shape}; the first starts {np.round(encodings[0][:5], 3)}")

# %% [markdown]
# **Why pass the boxes?** Without `known_face_locations`, `face_encodings` runs the HOG detector
# again, which costs time, and returns one encoding per face *it* finds, in its own order. In a
# photo with several faces, `face_encodings(img)[0]` is simply the first face found, not
# necessarily the one you meant. Here we want Joe Biden, the face in the box we chose:

# %%
biden_box = max(boxes, key=lambda b: b[3])  # the face furthest to the right
obama = shrink("obama.jpg", 300)
obama_encoding = face_recognition.face_encodings(obama)[0]  # a portrait with one face

t0 = time.perf_counter()
chosen = face_recognition.face_encodings(pair, known_face_locations=[biden_box])[0]
t_known = time.perf_counter() - t0
t0 = time.perf_counter()
first_found = face_recognition.face_encodings(pair)[0]
t_again = time.perf_counter() - t0
print(f"with the known box: {t_known:.2f} s; detecting again: {t_again:.2f} s")
pd.DataFrame({"encoding": ["face_encodings(pair, known_face_locations=[biden_box])[0]", "face_encodings(pair)[0]"],
              "distance to the Obama portrait": [np.linalg.norm(chosen - obama_encoding),
                                                 np.linalg.norm(first_found - obama_encoding)]}).round(3)

# %% [markdown]
# The second line is not Biden at all: the detector listed Obama first, so the "same" call
# encoded another person, who is much closer to the Obama portrait. Passing the box you mean
# avoids both the second detection and this silent mix-up.
#
# ## Distances with NumPy
#
# The distance between two embeddings `a` and `b` is the Euclidean norm of their difference,
# `np.linalg.norm(a - b)`: the square root of the sum of the squared differences. Not the squared
# distance: the 0.6 threshold is on the distance itself. `face_recognition.face_distance(list_of_encodings,
# one_encoding)` computes the distances from one face to many:

# %%
a, b = encodings
print("np.linalg.norm(a - b):            ", round(float(np.linalg.norm(a - b)), 6))
print("np.sqrt(((a - b) ** 2).sum()):    ", round(float(np.sqrt(((a - b) ** 2).sum())), 6))
print("face_recognition.face_distance:   ", np.round(face_recognition.face_distance([b], a), 6))
print("squared distance (NOT the metric):", round(float(((a - b) ** 2).sum()), 6))

# %% [markdown]
# For many faces at once, **broadcasting** avoids a Python loop. With `A` of shape `(n, 128)` and
# `B` of shape `(m, 128)`, `A[:, None]` has shape `(n, 1, 128)` and `B[None]` has shape
# `(1, m, 128)`; their difference is stretched to `(n, m, 128)`, every row of `A` minus every row
# of `B`, and the norm over the last axis leaves the `(n, m)` matrix of distances:
#
#     D = np.linalg.norm(A[:, None] - B[None], axis=-1)
#
# Row `i` of `D` is what `face_recognition.face_distance(B, A[i])` returns. The intermediate
# array has `n * m * 128` numbers: fine for hundreds of faces; for a large gallery, work in chunks
# (lesson B5).

# %%
A = np.stack([a, b, obama_encoding])
B = np.stack([obama_encoding, b])
D = np.linalg.norm(A[:, None] - B[None], axis=-1)
print("A", A.shape, "B", B.shape, "D", D.shape)
print(np.round(D, 3))
print("row 0 equals face_distance(B, A[0]):", np.allclose(D[0], face_recognition.face_distance(B, A[0])))

# %% [markdown]
# ## The course's helpers
#
# The rest of the course embeds faces with `facecourse.matching.faces`: `faces.embed_box(img, box)`
# for a face whose box you know (what you just did with `known_face_locations`),
# `faces.embed_single(img)` for a photo that must hold exactly one face (it raises a clear error
# otherwise) and `faces.distance(a, b)` for distances. With the default settings they give
# face_recognition's numbers exactly; they also keep the box, the landmarks and the photo's
# source with the embedding, and they accept settings that suit LFW's small images better (the
# image enlarged 2x before alignment, and the descriptor averaged with that of the mirror image:
# `faces.LFW`; lesson B4 measures why). Track B's precomputed embeddings use those settings.

# %%
from facecourse.matching import faces, precomputed

ours = faces.embed_box(pair, biden_box).embedding
print("largest difference from face_encodings:", float(np.abs(ours - chosen).max()))
print("faces.distance == np.linalg.norm:", np.isclose(faces.distance(a, b), np.linalg.norm(a - b)))

# %% [markdown]
# ## A distance matrix of LFW faces
#
# Six LFW faces, two of each of three people, embedded live with the LFW settings
# (`precomputed.embed_lfw_image`). Each cell is the distance between two embeddings, computed
# with the broadcasting formula.

# %%
people = ["Colin_Powell", "Gordon_Brown", "Arnold_Schwarzenegger"]
table, emb = precomputed.load()
teaching = {e.path for e in data.select("lfw", "teaching")}
rows = table[table["person"].isin(people) & table["path"].isin(teaching)].groupby("person").head(2)
live = {}
for _, r in rows.iterrows():
    face = precomputed.embed_lfw_image(data.require("lfw", r["path"]))
    live[f"{r['person']}_{r['index']:04d}"] = face.embedding
names = list(live)
V = np.stack([live[n] for n in names])
matrix = pd.DataFrame(np.linalg.norm(V[:, None] - V[None], axis=-1), index=names, columns=names).round(2)
matrix

# %%
same_mask = np.array([[x.rsplit("_", 1)[0] == y.rsplit("_", 1)[0] for y in names] for x in names])
np.fill_diagonal(same_mask, False)
own = {p: matrix.values[[i for i, n in enumerate(names) if n.startswith(p)][0],
                        [i for i, n in enumerate(names) if n.startswith(p)][1]] for p in people}
strangers = matrix.values[~same_mask & ~np.eye(len(names), dtype=bool)]
Markdown("The diagonal is zero (a face against itself). Each person's two photos are "
         + ", ".join(f"{d:.2f} apart for {p.replace('_', ' ')}" for p, d in own.items())
         + f"; the closest two strangers in this small set are {strangers.min():.2f} apart. Even six faces show "
         "how thin the margin around 0.6 can be; the question is how often the threshold fails over thousands "
         "of pairs.")

# %% [markdown]
# ## Are the committed embeddings the same as fresh ones?
#
# The later lessons use embeddings computed ahead of time for every LFW image of the course's
# mirror. Before trusting them, compare them with the six we just computed.

# %%
index = {f"{p}_{i:04d}": k for k, (p, i) in enumerate(zip(table["person"], table["index"]))}
gaps = {name: faces.distance(vec, emb[index[name]]) for name, vec in live.items()}
print(f"largest distance between a fresh and a committed embedding: {max(gaps.values()):.6f}")

# %% [markdown]
# Essentially zero: the committed file is what this code computes (the test suite re-checks a
# random sample on every run). Its settings and versions travel with it:

# %%
meta = precomputed.metadata()
{k: meta[k] for k in ("images", "settings", "policy")} | {"dlib": meta["models"]["dlib"]}

# %% [markdown]
# ## Same person, different people: the two distributions
#
# Now every pair among the teaching images of the people with 8 photos in the teaching subset,
# from the precomputed embeddings. `np.triu_indices(n, k=1)` lists each unordered pair once,
# without a face paired with itself.

# %%
subset = table[table["path"].isin(teaching)]
subset = subset[subset["person"].map(subset["person"].value_counts()) == 8]  # the people with 8 photos each
vectors = emb[subset.index.to_numpy()]
who = subset["person"].to_numpy()
dist = np.linalg.norm(vectors[:, None] - vectors[None], axis=-1)  # 320 x 320
i, j = np.triu_indices(len(subset), k=1)
pairs = pd.DataFrame({"distance": dist[i, j], "same": who[i] == who[j]})
pairs.groupby("same")["distance"].describe()[["count", "mean", "std", "min", "max"]].round(3)

# %% [markdown]
# ### Drawing it with altair
#
# An altair chart is built from a DataFrame in three steps: `alt.Chart(df)` names the data, a
# `mark_*` method says how each row is drawn, and `encode` maps columns to the chart's channels,
# each with its type (`:Q` quantitative, `:N` nominal). `alt.X(..., bin=...)` groups the
# distances into bins and `count()` counts the rows in each. There are far more different-person
# pairs than same-person ones, so we draw all same-person pairs and an equally large random
# (seeded) sample of the others: equal counts make the two humps comparable. `properties` sets the
# title and the `description`, the text a screen reader says instead of the picture.
#
# How the chart reaches your screen is altair's *renderer*. This course sends every chart as its
# Vega-Lite specification (the `mimetype` renderer), which JupyterLab draws with the copy of Vega it
# ships: no network needed, offline or on a locked-down hub. Every kernel of the course environment
# starts with it (`course.py install` sets that up); altair's own default would load Vega from a web
# server instead. Outside the course, `alt.renderers.enable("mimetype")` does the same.

# %%
alt.renderers.active

# %%
rng = np.random.default_rng(0)
genuine = pairs[pairs["same"]]
impostor = pairs[~pairs["same"]].iloc[np.sort(rng.choice((~pairs["same"]).sum(), size=len(genuine), replace=False))]
sample = pd.concat([genuine, impostor])
sample = pd.DataFrame({"distance": sample["distance"].round(3),
                       "pair": np.where(sample["same"], "same person", "different people")})
bars = alt.Chart(sample).mark_bar(opacity=0.6, binSpacing=0).encode(
    alt.X("distance:Q", bin=alt.Bin(step=0.025), title="Euclidean distance between the two embeddings"),
    alt.Y("count():Q", stack=None, title="pairs"),
    alt.Color("pair:N", title="pair", scale=alt.Scale(domain=["same person", "different people"],
                                                     range=["#1b9e77", "#d95f02"])),
)
threshold = alt.Chart(pd.DataFrame({"threshold": [0.6]})).mark_rule(strokeDash=[4, 4], color="black").encode(
    x="threshold:Q")
histogram = (bars + threshold).properties(
    title=f"{len(genuine):,} same-person pairs and {len(impostor):,} sampled different-person pairs",
    description=("Two overlapping histograms of distances between LFW face embeddings: same-person pairs (green) "
                 "at small distances, different-person pairs (orange) at large ones, a dashed line at the 0.6 "
                 "threshold between them."),
    width=520, height=260)
histogram

# %%
centre = pairs.groupby("same")["distance"].median()
Markdown(f"*Figure 1. Alt text: two overlapping histograms. Same-person distances (green) centre near "
         f"{centre[True]:.2f} and rarely pass 0.6; different-person distances (orange) centre near "
         f"{centre[False]:.2f} and rarely fall below 0.6. A dashed vertical line at 0.6 separates them, with thin "
         "tails overlapping on both sides.*")

# %% [markdown]
# Every row of `sample` travels inside the chart (altair embeds the data in the notebook), which
# is why we sampled. The course's helper `facecourse.matching.charts.distance_histogram(pairs)`
# draws the same chart for **all** pairs: it bins the distances in pandas first, so the chart
# carries one row per bin instead of one per pair, and shows shares instead of counts so that
# groups of different sizes compare. Later lessons use it.

# %%
from facecourse import charts  # the shared chart module; the function lives in facecourse.matching.charts

charts.distance_histogram(pairs, threshold=0.6, title="Teaching subset: distances between 320 LFW faces")

# %% [markdown]
# *Figure 2. Alt text: the same two overlapping histograms over all pairs, as shares of each group.*
#
# The threshold sits in the valley between the two humps. The tails that cross it are the errors:

# %%
errors = pd.Series({
    "same person, distance > 0.6 (false non-match)": (pairs.loc[pairs["same"], "distance"] > 0.6).mean(),
    "different people, distance <= 0.6 (false match)": (pairs.loc[~pairs["same"], "distance"] <= 0.6).mean(),
})
errors.map("{:.2%}".format)

# %%
impostor_pairs = int((~pairs["same"]).sum())
fmr_here = (pairs.loc[~pairs["same"], "distance"] <= 0.6).mean()
Markdown(f"A small share of different-person pairs fall under 0.6: **{fmr_here:.2%}**, the false match rate (FMR) "
         f"at 0.6 on *these* pairs: all {impostor_pairs:,} pairs of photos of two different people among the "
         f"{len(subset)} teaching images, {subset['person'].nunique()} people with {len(subset) // subset['person'].nunique()} "
         "photos each. With so few people, a handful of lookalike couples weigh on every one of their photos' "
         "pairs. Lessons B4 to B7 measure the FMR at 0.6 again on other pairs (LFW's official pairs, a search "
         "of the whole gallery, random pairs drawn from all of LFW, a simulated gallery) and get other values: an error rate "
         "is always *on which pairs*. Multiply such a share by the size of a gallery and it becomes the number of "
         "strangers a search returns: lesson B6 does that arithmetic.")

# %% [markdown]
#
# ## Summary
#
# * `face_recognition.face_encodings(img, known_face_locations=[box])` encodes exactly the faces
#   you name; without the boxes it detects again and may encode someone else.
# * The Euclidean distance `np.linalg.norm(a - b)` (not its square) measures how alike two faces
#   look to the network; `np.linalg.norm(A[:, None] - B[None], axis=-1)` gives all of them at once.
# * Same-person and different-person distances form two overlapping distributions; the threshold
#   decides which errors you get.
# * Exercise: `exercises/B3_embeddings.ipynb`. Next: `lessons/B4_verification.ipynb`.
