# %% [markdown]
# # B3. Embeddings and distances
#
# **Why this matters.** A face search engine never compares photos. It compares lists of 128
# numbers, one per face, and calls two faces the same person when their lists are close. Knowing
# how close "close" is, and how often strangers are that close, is knowing the system.
#
# **Learning objectives.** After this lesson you can
# 1. compute a 128-number embedding for a face and a distance between two embeddings;
# 2. build a distance matrix for a small set of faces and read it;
# 3. compare the distributions of same-person and different-person distances, and place the 0.6
#    threshold on them;
# 4. check that precomputed embeddings agree with a fresh computation.
#
# **Prerequisites.** `lessons/B2_landmarks_alignment.ipynb`; the warm-up exercise.
#
# **Estimated time.** 25 minutes.

# %% [markdown]
# ## From a face to 128 numbers
#
# dlib's network (a 29-layer ResNet trained on about 3 million faces of 7,485 people, none of them
# in LFW) maps an aligned face chip to 128 numbers. It was trained so that any two photos of the
# same person land within a Euclidean distance of about 0.6 and photos of different people
# further apart. For LFW's small images the course enlarges the image 2x before alignment and
# averages the descriptors of the chip and its mirror image (`faces.LFW` settings; lesson B4 shows
# why).

# %%
import itertools

import numpy as np
import pandas as pd

from facecourse import charts, data, embeddings, faces

people = ["Colin_Powell", "Gordon_Brown", "Arnold_Schwarzenegger"]
table, emb = embeddings.load()
teaching = {e.path for e in data.select("lfw", "teaching")}
rows = table[table["person"].isin(people) & table["path"].isin(teaching)].groupby("person").head(2)
live = {}
for _, r in rows.iterrows():
    face = embeddings.embed_lfw_image(data.require("lfw", r["path"]))
    live[f"{r['person']}_{r['index']:04d}"] = face.embedding
print(f"{len(live)} faces embedded live; one embedding starts {np.round(next(iter(live.values()))[:5], 3)}")

# %% [markdown]
# ## A distance matrix
#
# Six faces, two of each of three people. Each cell is the distance between two embeddings.

# %%
names = list(live)
matrix = pd.DataFrame([[faces.distance(live[a], live[b]) for b in names] for a in names],
                      index=names, columns=names).round(2)
matrix

# %% [markdown]
# The diagonal is zero (a face against itself). Each person's two photos are closer to each other
# than to anyone else: Colin Powell's at about 0.48, Gordon Brown's at about 0.42. But Arnold
# Schwarzenegger's two photos sit at about 0.60, right on the threshold, while two strangers in
# this small set are only 0.65 apart. Even six faces show how thin the margin can be; the
# question is how often the threshold fails over thousands of pairs.
#
# ## Are the committed embeddings the same as fresh ones?
#
# The later lessons use embeddings computed ahead of time for all 13,232 images. Before trusting
# them, compare them with the six we just computed.

# %%
index = {f"{p}_{i:04d}": k for k, (p, i) in enumerate(zip(table["person"], table["index"]))}
gaps = {name: faces.distance(vec, emb[index[name]]) for name, vec in live.items()}
print(f"largest distance between a fresh and a committed embedding: {max(gaps.values()):.6f}")

# %% [markdown]
# Essentially zero: the committed file is what this code computes (the test suite re-checks a
# random sample on every run). Its settings and versions travel with it:

# %%
meta = embeddings.metadata()
{k: meta[k] for k in ("images", "settings", "policy")} | {"dlib": meta["models"]["dlib"]}

# %% [markdown]
# ## Same person, different people: the two distributions
#
# Now every pair among the 320 teaching images of 40 people: 1,120 same-person pairs and 49,920
# different-person pairs, from the precomputed embeddings.

# %%
subset = table[table["path"].isin(teaching)]
subset = subset[subset["person"].map(subset["person"].value_counts()) == 8]  # the 40 people, 8 photos each
vectors = emb[subset.index.to_numpy()]
who = subset["person"].to_numpy()
i, j = np.triu_indices(len(subset), k=1)
pairs = pd.DataFrame({"distance": np.linalg.norm(vectors[i] - vectors[j], axis=1), "same": who[i] == who[j]})
pairs.groupby("same")["distance"].describe()[["count", "mean", "std", "min", "max"]].round(3)

# %%
charts.distance_histogram(pairs, threshold=0.6, title="Teaching subset: distances between 320 LFW faces")

# %% [markdown]
# *Figure 1. Alt text: two overlapping histograms. Same-person distances (green) peak around 0.4
# and rarely pass 0.6; different-person distances (orange) peak around 0.78 and rarely fall below
# 0.6. A dashed vertical line at 0.6 separates them, with thin tails overlapping on both sides.*
#
# The threshold sits in the valley between the two humps. The tails that cross it are the errors:

# %%
errors = pd.Series({
    "same person, distance > 0.6 (false non-match)": (pairs.loc[pairs["same"], "distance"] > 0.6).mean(),
    "different people, distance <= 0.6 (false match)": (pairs.loc[~pairs["same"], "distance"] <= 0.6).mean(),
})
errors.map("{:.2%}".format)

# %% [markdown]
# A small share of different-person pairs fall under 0.6. Multiply that share by the size of a
# gallery and it becomes the number of strangers a search returns: lesson B6 does that arithmetic.
#
# ## Summary
#
# * An embedding is 128 numbers; the Euclidean distance between embeddings measures how alike two
#   faces look to the network.
# * Same-person and different-person distances form two overlapping distributions; the threshold
#   decides which errors you get.
# * Exercise: `exercises/B3_embeddings.ipynb`. Next: `lessons/B4_verification.ipynb`.
