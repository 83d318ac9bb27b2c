# %% [markdown]
# # B7. Approximate search: from 13 thousand to 3 billion faces
#
# **Why this matters.** Lesson B5 searched LFW's 13,232 faces by computing every distance. Clearview
# claims a gallery of about 3 billion photos (2020), later 30 billion. Nobody compares a probe with
# 30 billion vectors: such galleries run on *approximate* nearest-neighbour indexes that look at a
# small part of the gallery. This lesson builds those indexes with FAISS, measures what they give
# up, and joins the result with B6's false-match arithmetic.
#
# **Learning objectives.** After this lesson you can
# 1. measure the time and memory of exact search and extrapolate them to billions;
# 2. explain inverted lists (IVF), product quantisation (PQ) and graph indexes (HNSW) with a picture
#    of each;
# 3. build, train and search FAISS indexes yourself (`IndexIVFFlat`, `IndexIVFPQ`, `IndexHNSWFlat`),
#    remembering that FAISS returns *squared* distances;
# 4. measure recall (of the true match, and agreement with exact search), work per probe and bytes
#    per face as `nprobe` / `efSearch` change, and choose a setting;
# 5. say what a fast approximate search of 3 billion faces returns and what it misses.
#
# **Prerequisites.** `lessons/B5_identification.ipynb` (exact 1:N search) and
# `lessons/B6_scale_base_rates.ipynb` (expected false candidates = FMR x gallery size).
#
# **Estimated time.** 30 minutes.

# %% [markdown]
# ## Exact search, measured
#
# We use FAISS (Facebook AI Similarity Search, `pip install faiss-cpu`), the open-source library
# most large vector searches are built on. Timings depend on the machine, so the notebook prints
# them but computes every conclusion that is stored in it from counts (how many vectors a probe is
# compared with), which do not.
#
# **Reproducible on every machine.** Training an index runs k-means, and k-means amplifies the
# tiniest rounding difference: if one face sits almost exactly between two cell centres, a
# difference in the 8th digit of a distance sends it to the other cell, that cell's centre moves,
# and after a few rounds the cells differ. FAISS computes distances differently depending on the
# CPU (generic code, AVX2 or AVX-512 instructions, each adding the 128 products in another order),
# on the number of threads, and, for large batches, in the machine's BLAS library, whose kernels
# differ by CPU too. So this lesson fixes all three: **one thread**, FAISS's **generic code
# path** (the same instructions on every x86-64 CPU) and FAISS's **own distance loops** instead
# of BLAS. It costs speed (a few times slower here), and buys the same cells, codes and results on
# every machine (`tests/matching/test_reproducible.py` checks it with 1, 2 and 4 threads and each
# code path). A production system does the opposite: it trains once, saves the index, and loads
# the saved copy everywhere.

# %%
import time

import altair as alt
import faiss
import numpy as np
import pandas as pd
from IPython.display import Markdown

from facecourse.matching import THRESHOLD, index, precomputed

alt.renderers.enable("mimetype")  # charts as Vega-Lite specs: JupyterLab draws them offline
faiss.omp_set_num_threads(1)                              # one thread
faiss.SIMDConfig.set_level(faiss.SIMDLevel_NONE)          # the generic code path, not AVX2 / AVX-512
faiss.cvar.distance_compute_blas_threshold = 2**31 - 1    # FAISS's own distance loops, never BLAS
print("FAISS", faiss.__version__, "on", faiss.omp_get_max_threads(), "thread, code path",
      faiss.SIMDConfig.get_level_name())
table, emb = precomputed.load()
print(f"LFW: {len(emb):,} embeddings of {table['person'].nunique():,} people, {emb.dtype}, "
      f"{emb.nbytes / 1e6:.1f} MB")

# %% [markdown]
# LFW is far too small to show what happens at scale, and there is no public gallery of millions of
# labelled faces (which is the point of this course). So we **simulate** one, fitted to LFW's own
# statistics, and check the simulation against LFW before trusting it. `index.simulate_gallery`
# (seeded) builds it in three steps:
#
# 1. **identity centres** (what a person's photos average to) are drawn around LFW's mean face with
#    the full 128 x 128 covariance of LFW's identity centres (people with two or more photos),
#    each stretched or shrunk by a random factor: some simulated people are generic-looking (near
#    the average face, with many lookalikes), others distinctive. How heavy that spread is, is the
#    one parameter of the simulation, calibrated on the check below;
# 2. every **gallery face is a photo**, not a centre: its centre plus the deviation of a real LFW
#    photo from its own person's average, drawn at random (so bad lighting and profile shots come
#    at LFW's rate);
# 3. each **probe is a second photo** of a random gallery identity: same centre, another deviation.
#
# The vectors keep dlib's scale (dlib embeddings are not unit length, and neither are these). No
# real person is in the simulated gallery.
#
# The check: put one photo of each LFW person in a gallery (`index.lfw_one_photo_gallery`) and use
# a second photo of each person who has one as a probe. Exact search then finds each probe's person
# first (rank 1) or in the top 10 at some rate; a simulated gallery of the same size must do the
# same. We average three random draws, and add the plain Gaussian fit (same mean and covariances,
# no spread factor, Gaussian photo noise), the obvious first try.

# %%
stats = index.lfw_statistics(table, emb)
plain = {k: v for k, v in stats.items() if k != "residuals"}   # without real deviations: Gaussian photo noise


def identification(make, seeds=(0, 1, 2)):
    """Mean rank-1 and top-10 rates of exact search, and median distances, over seeded galleries."""
    out = []
    for seed in seeds:
        g = make(seed)
        _, ids = index.exact_search(g.gallery, g.probes, k=10)
        others = np.roll(np.arange(len(g.gallery)), 1)[g.truth]          # someone else's gallery photo
        out.append({"rank 1": index.recall_at_k(ids, g.truth, 1), "top 10": index.recall_at_k(ids, g.truth, 10),
                    "same person (median distance)": np.median(np.linalg.norm(g.gallery[g.truth] - g.probes, axis=1)),
                    "different people (median distance)": np.median(np.linalg.norm(g.gallery[others] - g.probes, axis=1))})
    return pd.DataFrame(out).mean()


real = index.lfw_one_photo_gallery(table, emb)
n_people, n_mates = len(real.gallery), len(real.probes)                # simulate galleries of the same size
check = pd.DataFrame({
    "LFW (real)": identification(lambda seed: index.lfw_one_photo_gallery(table, emb, seed=seed)),
    "simulated (used here)": identification(lambda seed: index.simulate_gallery(n_people, n_mates, seed=seed, stats=stats)),
    "plain Gaussian fit": identification(lambda seed: index.simulate_gallery(n_people, n_mates, seed=seed, stats=plain,
                                                                             lookalike_df=None)),
}).T.round(3)
check

# %%
real_row, sim_row, gauss_row = check.loc["LFW (real)"], check.loc["simulated (used here)"], check.loc["plain Gaussian fit"]
Markdown(f"With {n_people:,} people in the gallery and {n_mates:,} probes, real LFW finds the probe's person first for {real_row['rank 1']:.1%} "
         f"of probes and in the top 10 for {real_row['top 10']:.1%}; the simulation gives {sim_row['rank 1']:.1%} and "
         f"{sim_row['top 10']:.1%}, and the median distances agree ({sim_row['same person (median distance)']:.2f} "
         f"against LFW's {real_row['same person (median distance)']:.2f} for the same person, "
         f"{sim_row['different people (median distance)']:.2f} against {real_row['different people (median distance)']:.2f} "
         f"for different people). The plain Gaussian fit gets "
         f"{gauss_row['rank 1']:.1%} and {gauss_row['top 10']:.1%}: real faces have more lookalikes and worse "
         f"photos than a Gaussian, and a simulation that forgets it makes every search look easier than it is. "
         f"(The spread parameter was chosen on this check at three gallery sizes; `tests/test_index.py` repeats "
         f"it.) Beyond LFW's size the simulation is an extrapolation: treat its numbers as the behaviour of a "
         f"model fitted to LFW, not as measurements of real people.")

# %%
sim = index.simulate_gallery(100_000, n_probes=300, seed=7, stats=stats)
rng = np.random.default_rng(7)
same = table.groupby("person").filter(lambda g: len(g) >= 2).groupby("person").head(2).index.to_numpy()
lfw_genuine = np.linalg.norm(emb[same[0::2]] - emb[same[1::2]], axis=1)
a, b = rng.integers(0, len(emb), (2, 20_000))
lfw_impostor = np.linalg.norm(emb[a] - emb[b], axis=1)[table["person"].to_numpy()[a] != table["person"].to_numpy()[b]]
print(f"simulated gallery: {sim.gallery.shape[0]:,} faces, {len(sim.probes)} probes (second photos of gallery identities)")

# %% [markdown]
# Exact search compares the probe with every face. We time it at four gallery sizes with numpy
# (300 probes at once), count the memory (128 float32 numbers are 512 bytes per face), and at each
# size ask how often the true match is still in the top 10 (for the probes whose person is in
# that part of the gallery).

# %%
def timed_exact_search(gallery, probes):
    """Exact top-10 ids of every probe, and the time per probe in milliseconds."""
    t0 = time.perf_counter()
    _, ids = index.exact_search(gallery, probes, k=10)
    return ids, 1000 * (time.perf_counter() - t0) / len(probes)


sizes = [12_500, 25_000, 50_000, 100_000]
exact_rows = []
for n in sizes:
    ids, ms = timed_exact_search(sim.gallery[:n], sim.probes)
    inside = sim.truth < n                                   # probes whose person is among the first n faces
    exact_rows.append({"faces": n, "ms": ms, "probes": int(inside.sum()),
                       "true match in top 10": index.recall_at_k(ids[inside], sim.truth[inside], 10)})
exact = pd.DataFrame(exact_rows)
exact["memory (MB)"] = exact["faces"] * 512 / 1e6
slope_ms = float(np.polyfit(exact["faces"], exact["ms"], 1)[0])  # ms per probe per face
for _, r in exact.iterrows():
    print(f"{r['faces']:>7,.0f} faces, {r['memory (MB)']:5.1f} MB of vectors: {r['ms']:.2f} ms per probe")
exact[["faces", "memory (MB)", "probes", "true match in top 10"]].round(3)

# %%
Markdown(f"Time and memory both grow in proportion to the gallery (twice the faces, twice the work). And even "
         f"exact search finds the true match less often as the gallery grows: in the top 10 for "
         f"{exact['true match in top 10'].iloc[0]:.1%} of the {exact['probes'].iloc[0]} probes whose person is among the "
         f"first {sizes[0]:,} faces, "
         f"{exact['true match in top 10'].iloc[-1]:.1%} of all {exact['probes'].iloc[-1]} at {sizes[-1]:,}, because every added stranger is one more "
         f"chance of a lookalike closer than the person's own second photo. No index can do better than "
         f"exact search at this; the best an approximate index can do is keep what exact search finds. A "
         f"straight-line fit extrapolates the time to Clearview's sizes (one core of this machine):")

# %%
def duration(seconds):
    """A time in words: '45 seconds' up to 90 seconds, then '3 minutes'."""
    return f"{seconds:.0f} seconds" if seconds < 90 else f"{seconds / 60:.0f} minutes"


claims = {"3 billion": 3e9, "30 billion": 3e10}
for name, n in claims.items():
    print(f"{name}: {n * 512 / 1e12:,.1f} TB of float32 vectors; one probe = "
          f"{duration(slope_ms * n / 1000)} of one core")

# %% [markdown]
# Terabytes of vectors that must sit in memory, and that much core time for every single probe.
# Splitting the gallery over machines (sharding) divides the time but not the total work or
# memory. Approximate indexes attack both: look at a small part of the gallery (IVF, HNSW) and
# store each face in a few bytes (PQ).
#
# ## Idea 1: inverted lists (IVF)
#
# Cluster the gallery into `nlist` cells with k-means (this is the **training**: it learns the cell
# centres). Each face is stored in the list of its nearest centre. A search compares the probe with
# the centres, then only with the faces in the `nprobe` nearest cells. A 2-D toy shows it: 2,000
# points, 12 cells, one probe that visits its 2 nearest cells.

# %%
toy_rng = np.random.default_rng(0)
toy = np.concatenate([toy_rng.normal(c, 0.6, (400, 2)) for c in [(0, 0), (3, 1), (1, 4), (4, 4), (-2, 3)]]).astype("float32")
toy_ivf = faiss.IndexIVFFlat(faiss.IndexFlatL2(2), 2, 12)
toy_ivf.train(toy)                                     # k-means: 12 centres
toy_ivf.add(toy)
_, cell = toy_ivf.quantizer.search(toy, 1)             # which cell each point is stored in
toy_probe = np.array([[2.2, 2.4]], dtype="float32")
_, visited = toy_ivf.quantizer.search(toy_probe, 2)    # nprobe = 2 nearest centres
centres = toy_ivf.quantizer.reconstruct_n(0, 12)
points = pd.DataFrame({"x": toy[:, 0], "y": toy[:, 1], "cell": cell[:, 0].astype(str),
                       "searched": np.isin(cell[:, 0], visited[0])})
print(f"with nprobe=2 the probe is compared with {points['searched'].sum()} of {len(points)} points")

# %%
base = alt.Chart(points).mark_circle(size=14).encode(
    x=alt.X("x:Q", title=None), y=alt.Y("y:Q", title=None),
    color=alt.Color("cell:N", legend=None),
    opacity=alt.condition("datum.searched", alt.value(0.9), alt.value(0.15)))
marks = alt.Chart(pd.DataFrame({"x": np.r_[centres[:, 0], toy_probe[0, 0]], "y": np.r_[centres[:, 1], toy_probe[0, 1]],
                                "what": ["cell centre"] * 12 + ["probe"]})).mark_point(
    filled=True, size=120, shape="cross").encode(x="x:Q", y="y:Q", color=alt.value("black"),
                                                   shape=alt.Shape("what:N", title=None))
(base + marks).properties(
    title="IVF: a probe is compared only with the points of its 2 nearest cells", width=420, height=320,
    description="Scatter plot of 2,000 two-dimensional points coloured by the k-means cell (12 cells) they "
                "are stored in, with black crosses at the cell centres. The points of the two cells nearest the "
                "probe are drawn solid, all others faint: only they are compared with the probe.")

# %% [markdown]
# *Figure 1. Alt text: coloured clusters of points with black crosses at 12 cell centres; the two
# cells nearest the probe are solid, the rest faded.* The probe's true nearest neighbour can sit just
# across a border in a cell that is not visited: that is the error IVF makes, and raising `nprobe`
# reduces it at the cost of more comparisons.
#
# ### IVF on 100,000 simulated faces, by hand
#
# Training needs a sample (FAISS asks for at least 39 points per cell), then the gallery is added.
# Forgetting `train` is an error: an IVF index without centres has nowhere to put a face.

# %%
nlist = 256
quantizer = faiss.IndexFlatL2(128)                  # finds the nearest cell centre
ivf = faiss.IndexIVFFlat(quantizer, 128, nlist)
ivf.train(sim.gallery[:20_000])                     # k-means on a sample: the 256 centres
ivf.add(sim.gallery)                                # each face goes to its cell's list; ids 0, 1, 2...
ivf.nprobe = 8
d2, ids = ivf.search(sim.probes, 10)                # 10 nearest per probe: SQUARED distances, ids
print("FAISS returned", d2[0, 0].round(4), "; the Euclidean distance is",
      np.linalg.norm(sim.gallery[ids[0, 0]] - sim.probes[0]).round(4), "= its square root", np.sqrt(d2[0, 0]).round(4))

# %% [markdown]
# FAISS's `L2` indexes return **squared** Euclidean distances (the square root is skipped because it
# does not change the order). Before comparing with the 0.6 threshold, take the square root.
#
# Two different questions measure an approximate search, and they must not be mixed up:
# * **recall of the true match**: is the probe's real identity (`sim.truth`) in the top 10? This is
#   what matters for a face search, and even exact search misses a few;
# * **agreement with exact search**: is the first result the one exact search returns? This
#   isolates what the index gives up.
#
# FAISS counts how many gallery vectors each search compared (`faiss.cvar.indexIVF_stats.ndis`):
# the work per probe, which unlike a time is the same on every machine.

# %%
_, exact_ids = index.exact_search(sim.gallery, sim.probes, k=10)
exact_recall = index.recall_at_k(exact_ids, sim.truth, 10)


def nprobe_sweep(ivf_index, name, nprobes=(1, 2, 4, 8, 16, 32, 64, 128)):
    """Search the probes with each nprobe; one row per setting: recall, agreement, work, time, memory."""
    rows = []
    for nprobe in nprobes:
        ivf_index.nprobe = nprobe
        faiss.cvar.indexIVF_stats.reset()               # FAISS counts the vectors each search compares
        t0 = time.perf_counter()
        _, ids = ivf_index.search(sim.probes, 10)
        seconds = time.perf_counter() - t0
        rows.append({"index": name, "setting": f"nprobe {nprobe}",
                     "true match in top 10": np.mean((ids == sim.truth[:, None]).any(axis=1)),
                     "same top-1 as exact": np.mean(ids[:, 0] == exact_ids[:, 0]),
                     "vectors compared per probe": faiss.cvar.indexIVF_stats.ndis / len(sim.probes),
                     "time per probe": f"{1000 * seconds / len(sim.probes):.3f} ms",
                     "bytes per face": index.bytes_per_face(ivf_index)})
    print("time per probe:", ", ".join(f"{r['setting']}: {r['time per probe']}" for r in rows))
    return pd.DataFrame(rows).drop(columns="time per probe")   # times vary by machine: not kept in the table


ivf_table = nprobe_sweep(ivf, "IVF256,Flat")
ivf_table.round(3)

# %%
TARGET = 0.99                  # ask an index to find the true match for 99% of the probes exact search finds


def first_meeting(t, column="true match in top 10"):
    """The first (cheapest) row of a sweep that reaches TARGET x exact search's recall, else the best row."""
    hit = t[t[column] >= TARGET * exact_recall]
    return hit.iloc[0] if len(hit) else t.loc[t[column].idxmax()]


ok = first_meeting(ivf_table)
def meets(row):
    """How a setting from first_meeting relates to the target, as words for the prose."""
    if row["true match in top 10"] >= TARGET * exact_recall:
        return f"The cheapest setting that keeps {TARGET:.0%} of that"
    return f"No setting keeps {TARGET:.0%} of that; the closest"


Markdown(f"Exact search finds the true match in the top 10 for {exact_recall:.1%} of the probes, comparing each "
         f"with all {len(sim.gallery):,} faces. {meets(ok)}, IVF with **{ok['setting']}**, finds it for "
         f"{ok['true match in top 10']:.1%} while comparing {ok['vectors compared per probe']:,.0f} vectors per probe, "
         f"{ok['vectors compared per probe'] / len(sim.gallery):.1%} of the gallery. With nprobe 1 the true match is "
         f"found for only {ivf_table['true match in top 10'].iloc[0]:.1%}: the mate often lives in a neighbouring "
         f"cell. Memory did not shrink: {ivf_table['bytes per face'].iloc[0]:.0f} bytes per face, the full vector "
         f"plus an id.")

# %% [markdown]
# ## Idea 2: product quantisation (PQ)
#
# PQ shrinks each face. Cut the 128 numbers into `m` sub-vectors (here 8 of 16 numbers); for each
# sub-vector position learn 256 typical values by k-means (the **codebooks**, this is training
# again); store a face as the numbers (0-255, one byte each) of its nearest typical sub-vectors.
# 8 sub-vectors give an 8-byte code instead of 512 bytes. Here is one LFW face and what its 8 bytes
# decode to.

# %%
pq = faiss.ProductQuantizer(128, 8, 8)             # 128 dims, m = 8 sub-vectors, 8 bits each
pq.train(emb)                                       # 8 codebooks of 256 centroids, on real LFW faces
face = emb[:1]
code = pq.compute_codes(face)                       # 8 bytes
decoded = pq.decode(code)
print("code:", code[0].tolist(), f"({code.nbytes} bytes instead of {face.nbytes})")
print(f"the decoded face is {np.linalg.norm(decoded - face):.3f} away from the original; two photos of one person "
      f"are about {np.median(lfw_genuine):.2f} apart, two strangers about {np.median(lfw_impostor):.2f}")

# %%
pq_pic = pd.DataFrame({"dimension": np.tile(np.arange(128), 2), "value": np.r_[face[0], decoded[0]],
                       "vector": ["original (512 bytes)"] * 128 + ["decoded from 8 bytes"] * 128,
                       "sub-vector": np.tile(np.arange(128) // 16, 2)})
lines = alt.Chart(pq_pic).mark_line(point=alt.OverlayMarkDef(size=12)).encode(
    x=alt.X("dimension:Q", title="embedding dimension (8 sub-vectors of 16)"),
    y=alt.Y("value:Q", title="value"), color=alt.Color("vector:N", title=None),
    tooltip=["dimension:Q", "sub-vector:Q", "value:Q"])
borders = alt.Chart(pd.DataFrame({"dimension": np.arange(16, 128, 16)})).mark_rule(strokeDash=[3, 3], color="gray").encode(x="dimension:Q")
(lines + borders).properties(
    title="PQ: a face as 8 bytes, one codebook entry per 16-number sub-vector", width=560, height=220,
    description="Line chart of the 128 values of one LFW embedding and of its reconstruction from an 8-byte "
                "product-quantisation code; dashed lines mark the 8 sub-vectors. The decoded line follows the "
                "original's shape in every sub-vector but misses its finer detail.")

# %% [markdown]
# *Figure 2. Alt text: two lines over 128 dimensions, the original embedding and its 8-byte
# reconstruction, close in shape but not identical; dashed lines separate the 8 sub-vectors.*
#
# The decoded face is only close to the original, so distances computed from codes are estimates:
# with more bytes (`m` = 16 or 32) they get better. **IVF-PQ** combines both ideas: cells to look
# at few faces, codes to store them small. We reuse the trained cell centres of the IVF index (so
# only the codebooks are trained) and use `m = 16` bytes per face. Left to itself, FAISS would also
# keep a table of distances between cell centres and codebook entries (nlist x m x 256 float32
# numbers: 256 x 16 x 256 x 4 bytes = 4 MiB here, never saved to disk) to save a little time per
# search; `index.bytes_per_face` counts such a table, and we turn it off so that the bytes
# measured are what the faces cost.

# %%
ivfpq = faiss.IndexIVFPQ(quantizer, 128, nlist, 16, 8)   # same 256 cells; 16 bytes per code
ivfpq.use_precomputed_table = -1                          # no table of precomputed distances
ivfpq.train(sim.gallery[:20_000])                         # the cells are trained already: learns the codebooks
ivfpq.add(sim.gallery)
pq_table = nprobe_sweep(ivfpq, "IVF256,PQ16")
pq_table.round(3)

# %%
best_pq = pq_table.iloc[pq_table["true match in top 10"].idxmax()]
Markdown(f"IVF-PQ stores **{pq_table['bytes per face'].iloc[0]:.1f} bytes per face** (16 bytes of code, an 8-byte id and "
         f"a share of the centres and codebooks) instead of {ivf_table['bytes per face'].iloc[0]:.0f}, and with "
         f"{best_pq['setting']} finds the true match in the top 10 for {best_pq['true match in top 10']:.1%} of probes. "
         f"But its first result agrees with exact search for only {best_pq['same top-1 as exact']:.1%}: the compressed "
         f"distances reorder near neighbours. Real systems therefore re-rank the short list with full vectors "
         f"kept on disk, or with a second short code.")

# %% [markdown]
# ### Re-ranking with a second code
#
# When even the full vectors on disk are too slow to fetch, a second short code can re-rank the
# list instead (IVFADC+R, Jegou et al., "Searching in one billion vectors: re-rank with source
# coding", ICASSP 2011). Each face gets a first PQ code, as above, and a second PQ code of what
# the first one missed (the face minus its cell centre minus its decoded first code). The first
# code ranks the faces of the visited cells; the best `k_factor x k` of them are ranked again
# with both codes. FAISS calls it `IndexIVFPQR`; here with two 16-byte codes and the same cells.

# %%
ivfpqr = faiss.IndexIVFPQR(quantizer, 128, nlist, 16, 8, 16, 8)  # cells; 16-byte code; 16-byte re-ranking code
ivfpqr.use_precomputed_table = -1
ivfpqr.train(sim.gallery[:20_000])                              # learns both codebooks
ivfpqr.add(sim.gallery)
ivfpqr.k_factor = 8                                             # re-rank the best 8 x 10 of each probe
pqr_table = nprobe_sweep(ivfpqr, "IVF256,PQ16+16")
pqr_table.round(3)

# %%
pq_at, pqr_at = pq_table.set_index("setting"), pqr_table.set_index("setting")
setting = best_pq["setting"]
Markdown(f"With {setting}, the first result agrees with exact search for "
         f"{pqr_at.loc[setting, 'same top-1 as exact']:.1%} of probes after re-ranking, against "
         f"{pq_at.loc[setting, 'same top-1 as exact']:.1%} with the first code alone, and the true match is in the "
         f"top 10 for {pqr_at.loc[setting, 'true match in top 10']:.1%} (first code alone: "
         f"{pq_at.loc[setting, 'true match in top 10']:.1%}), for {pqr_table['bytes per face'].iloc[0]:.1f} bytes "
         f"per face. FAISS cannot remove a face from this index (`remove_ids` is not implemented), so a gallery "
         f"that honours erasure would have to rebuild it after every request: the course's `Gallery` keeps plain "
         f"IVF-PQ. `benchmarks/index_search.py` measures a 30-byte version at a million faces (see the README).")

# %% [markdown]
# ## Idea 3: a graph of neighbours (HNSW)
#
# A Hierarchical Navigable Small World graph links every face to about `M` near neighbours, with a
# few long links on sparse upper layers. A search starts at the top, walks greedily towards the
# probe, and on the bottom layer keeps the `efSearch` best candidates seen. No training, fast and
# accurate, but it stores the full vectors plus the links, and a face cannot be deleted from the
# graph without breaking its neighbours' links. The toy again, with `M = 4`:

# %%
toy_hnsw = faiss.IndexHNSWFlat(2, 4)
toy_hnsw.add(toy[::4])                                   # 500 toy points
h = toy_hnsw.hnsw
offsets, links = faiss.vector_to_array(h.offsets).astype(int), faiss.vector_to_array(h.neighbors)
cum, levels = faiss.vector_to_array(h.cum_nneighbor_per_level).astype(int), faiss.vector_to_array(h.levels)
edges = []
for node in range(toy_hnsw.ntotal):
    for level in range(levels[node]):
        for nb in links[offsets[node] + cum[level]: offsets[node] + cum[level + 1]]:
            if nb >= 0 and nb > node:
                edges.append({"x": toy[::4][node, 0], "y": toy[::4][node, 1], "x2": toy[::4][nb, 0],
                              "y2": toy[::4][nb, 1], "layer": "upper layers (long links)" if level else "bottom layer"})
edges = pd.DataFrame(edges)
print(f"{toy_hnsw.ntotal} points, {(edges['layer'] == 'bottom layer').sum()} bottom-layer links, "
      f"{(edges['layer'] != 'bottom layer').sum()} upper-layer links on {int((levels > 1).sum())} points")

# %%
alt.Chart(edges).mark_rule().encode(
    x=alt.X("x:Q", title=None), y=alt.Y("y:Q", title=None), x2="x2:Q", y2="y2:Q",
    color=alt.Color("layer:N", title=None, scale=alt.Scale(range=["lightgray", "crimson"])),
    strokeWidth=alt.condition("datum.layer == 'bottom layer'", alt.value(0.7), alt.value(2.0)),
).properties(title="HNSW: every point linked to near neighbours, a few long links on upper layers",
             width=420, height=320,
             description="Graph drawn over 500 two-dimensional points: thin grey segments join each point to its "
                         "nearest neighbours on the bottom layer; thicker red segments are the upper-layer links "
                         "between a few points, which let a search cross the plane in a few steps.")

# %% [markdown]
# *Figure 3. Alt text: a dense mesh of short grey links between nearby points, with a sparse
# network of longer red links on top.*
#
# ### HNSW on the real LFW embeddings
#
# Here the gallery is real: LFW minus one photo of each of 300 people who have two or more; those
# photos are the probes, and a search succeeds if any photo of the same person is in the top 10.

# %%
multi = table.groupby("person").filter(lambda g: len(g) >= 2)
probe_rows = np.sort(multi.groupby("person").head(1).sample(300, random_state=7).index.to_numpy())
gallery_rows = np.setdiff1d(np.arange(len(emb)), probe_rows)
lfw_gallery, lfw_probes = emb[gallery_rows], emb[probe_rows]
gallery_person = table["person"].to_numpy()[gallery_rows]
probe_person = table["person"].to_numpy()[probe_rows]

hnsw = faiss.IndexHNSWFlat(128, 16)                      # M = 16 links per face; no training
hnsw.add(lfw_gallery)
_, lfw_exact = index.exact_search(lfw_gallery, lfw_probes, k=10)
rows = [{"index": "exact (numpy)", "setting": "", "efSearch": None,
         "person found in top 10": np.mean((gallery_person[lfw_exact] == probe_person[:, None]).any(axis=1)),
         "same top-1 as exact": 1.0, "vectors compared per probe": float(len(lfw_gallery))}]
for ef in [10, 20, 40, 80]:
    hnsw.hnsw.efSearch = ef
    faiss.cvar.hnsw_stats.reset()
    _, ids = hnsw.search(lfw_probes, 10)
    rows.append({"index": "HNSW16", "setting": f"efSearch {ef}", "efSearch": ef,
                 "person found in top 10": np.mean((gallery_person[ids] == probe_person[:, None]).any(axis=1)),
                 "same top-1 as exact": np.mean(ids[:, 0] == lfw_exact[:, 0]),
                 "vectors compared per probe": faiss.cvar.hnsw_stats.ndis / len(lfw_probes)})
hnsw_table = pd.DataFrame(rows)
hnsw_bytes = index.bytes_per_face(hnsw)
hnsw_table.drop(columns="efSearch").round(3)

# %%
h40 = hnsw_table[hnsw_table["efSearch"] == 40].iloc[0]
Markdown(f"On real LFW faces, HNSW with efSearch 40 finds a photo of the right person in the top 10 for "
         f"{h40['person found in top 10']:.1%} of probes (exact search: {hnsw_table['person found in top 10'].iloc[0]:.1%}), "
         f"and agrees with exact search's first result for {h40['same top-1 as exact']:.1%}, comparing "
         f"{h40['vectors compared per probe']:,.0f} vectors per probe instead of {len(lfw_gallery):,}. It costs "
         f"{hnsw_bytes:.0f} bytes per face, more than the vectors alone. (Building HNSW is the slow part, "
         f"which is why it is not built on the 100,000 simulated faces here: see `benchmarks/index_search.py`.)")

# %% [markdown]
# From here on the course uses `facecourse.matching.index`, which wraps exactly these calls
# (`index.build("ivf-pq", vectors, nlist=256, m=16)`, `index.set_search(idx, nprobe=16)`,
# `index.search(idx, probes, k)`) and adds what we did by hand: it checks the input (128 float32
# columns, no NaN, a trained index), returns **Euclidean** distances instead of squared ones, and
# erases faces (`index.remove`; for HNSW by rebuilding the graph without them). `help(index)` has
# the details. The course's `Gallery` (lesson B5) can search through such an index too:
# `gallery.use_index("ivf-pq", nlist=256, m=16, nprobe=32)` keeps the same results (identity,
# Euclidean distance, source link) and the same erasure (`gallery.remove(name)` also removes that
# person's vectors from the index); exact search stays the default and the reference.
#
# ## The trade-off in one picture

# %%
trade = pd.concat([ivf_table, pq_table]).assign(recall=lambda t: t["true match in top 10"])
trade = pd.concat([trade, pd.DataFrame([{"index": "exact (numpy)", "recall": exact_recall, "setting": "every face",
                                         "vectors compared per probe": float(len(sim.gallery)), "bytes per face": 512.0}])])
trade = trade[["index", "setting", "recall", "vectors compared per probe", "bytes per face"]].round(4)
alt.Chart(trade).mark_line(point=True).encode(
    x=alt.X("vectors compared per probe:Q", scale=alt.Scale(type="log"), title="vectors compared per probe (log scale)"),
    y=alt.Y("recall:Q", title="true match in the top 10 (share of probes)", scale=alt.Scale(zero=False)),
    color=alt.Color("index:N", title="index"),
    tooltip=["index:N", "setting:N", "recall:Q", "vectors compared per probe:Q", "bytes per face:Q"],
).properties(title="More cells visited, more true matches found: 100,000 simulated faces",
             width=460, height=280,
             description="Line chart on a log x axis: for IVF-Flat and IVF-PQ, the share of 300 probes whose true "
                         "match is in the top 10 rises steeply with the number of vectors compared per probe "
                         "(nprobe 1 to 128) and levels off near exact search, the single point at 100,000 comparisons.")

# %%
first_pq = first_meeting(pq_table)
Markdown(f"*Figure 4. Alt text: two rising curves that reach the exact-search level at the right.* "
         f"Recall climbs fast with nprobe and then flattens: IVF-PQ with {first_pq['setting']} finds the true "
         f"match for {first_pq['true match in top 10']:.1%} of probes (exact search: {exact_recall:.1%}) while comparing "
         f"{first_pq['vectors compared per probe'] / len(sim.gallery):.1%} of the gallery and storing "
         f"{first_pq['bytes per face']:.1f} bytes per face instead of 512, "
         f"{512 / first_pq['bytes per face']:.0f} times less.")

# %% [markdown]
# ## Back to 3 and 30 billion
#
# Now the same arithmetic at Clearview's claimed sizes. Assumptions (change them and re-run): a
# server with 512 GB of memory for the index; vectors compared per probe scale with the gallery
# at the same share as the IVF-PQ setting above; the false match rate at 0.6 is the one measured
# on the LFW impostor pairs above (lesson B6 did this with 2 million pairs).

# %%
fmr = float(np.mean(lfw_impostor <= THRESHOLD))
n_strangers = len(lfw_impostor)
fmr_margin = 1.96 * np.sqrt(fmr * (1 - fmr) / n_strangers)     # 95% sampling margin of that share
share = first_pq["vectors compared per probe"] / len(sim.gallery)
server_gb = 512
scale = pd.DataFrame([{
    "gallery": name,
    "exact: memory (TB)": n * 512 / 1e12,
    "exact: servers": int(np.ceil(n * 512 / (server_gb * 1e9))),
    "IVF-PQ16: memory (TB)": n * first_pq["bytes per face"] / 1e12,
    "IVF-PQ16: servers": int(np.ceil(n * first_pq["bytes per face"] / (server_gb * 1e9))),
    "IVF-PQ16: vectors compared per probe (millions)": n * share / 1e6,
    "expected false candidates within 0.6 (millions)": fmr * n / 1e6,
} for name, n in claims.items()]).set_index("gallery")
scale.round(2)

# %%
n3 = claims["3 billion"]
Markdown(
    f"At 3 billion faces, exact search needs {scale.loc['3 billion', 'exact: memory (TB)']:,.2f} TB of vectors "
    f"({scale.loc['3 billion', 'exact: servers']} servers of {server_gb} GB); IVF-PQ with 16-byte codes fits "
    f"in {scale.loc['3 billion', 'IVF-PQ16: memory (TB)']:,.3f} TB (servers: {scale.loc['3 billion', 'IVF-PQ16: servers']}) "
    f"and, visiting the same share of the gallery as here, compares about {n3 * share / 1e6:,.0f} million codes per "
    f"probe instead of 3,000 million (an upper bound: billion-scale indexes use far more cells, so a probe visits a "
    f"smaller share). "
    f"At 30 billion, multiply by ten. Compact codes are what make such a search possible at all: "
    f"{scale.loc['3 billion', 'exact: servers']} servers' worth of full vectors shrink to "
    f"{scale.loc['3 billion', 'IVF-PQ16: servers']}. Fast is another matter: the cell after this one prices "
    f"those comparisons in seconds of one core of this machine. To answer in about a second, a system needs "
    f"about that many cores working on each probe at once, or an index with far more cells, so that each "
    f"probe reads a much smaller share of the codes (real systems do both).\n\n"
    f"What it returns is the other half of the story. With the FMR of dlib's model at 0.6 measured above "
    f"({fmr:.2%} of the {n_strangers:,} stranger pairs among 20,000 random LFW pairs; a sample this "
    f"size is good to about ±{fmr_margin:.2%}, which is why lesson B6, with 2 million pairs, finds a slightly "
    f"different share), B6's "
    f"arithmetic gives {fmr * n3:,.0f} strangers within the threshold of any probe at 3 billion. The index does not filter them: it returns the top k of them, the "
    f"closest lookalikes, ranked as confidently as a true match. And what it misses: in this simulation "
    f"the true match was not in the top 10 for {1 - first_pq['true match in top 10']:.1%} of probes "
    f"whose person *is* in the gallery ({1 - exact_recall:.1%} for exact search), and at 3 billion there "
    f"are far more lookalikes to push the person out of the top 10. A fast search of billions "
    f"therefore returns a short list of the most similar faces, mostly strangers, and silently drops "
    f"some true matches. Nothing in the result says which is which.")

# %%
for name, n in claims.items():
    print(f"{name}: exact search, one core: {duration(slope_ms * n / 1000)} per probe; "
          f"IVF-PQ16 at the same share of the gallery: about "
          f"{slope_ms * n * share / 1000:.0f} seconds of comparisons on one core (before spreading over servers)")

# %% [markdown]
# The time estimate is rough: it prices a compressed code at the cost of a full-vector comparison
# (PQ comparisons are cheaper), and it visits the same share of the gallery as our 256 cells do.
# Divide it by the number of cores that share a probe to see what answering within a second
# takes. The memory and work counts above do not depend on this machine; the times do.
#
# ## Summary
#
# * Exact search costs time and memory in proportion to the gallery: at billions, terabytes and
#   minutes per probe.
# * IVF visits a few cells (`nprobe`), PQ stores a few bytes per face (`m`), HNSW walks a graph
#   (`efSearch`). All trade recall for speed and memory; measure recall against the **true match**
#   and agreement against **exact search**, and remember FAISS's squared distances.
# * PQ's compressed distances reorder near neighbours; re-ranking (full vectors on disk, or a second
#   code as in `IndexIVFPQR`) puts them back in order. FAISS cannot erase a face from
#   `IndexIVFPQR`, which is why the course's `Gallery` keeps plain IVF-PQ.
# * k-means magnifies rounding differences: results are the same on every machine only when the
#   thread count, FAISS's code path and its distance loops are fixed (or the trained index is saved).
# * An approximate index makes billion-face search feasible; it does not make it accurate. Expected
#   false candidates = FMR x gallery size still holds, and some true matches fall out of the list.
# * Exercise: `exercises/B7_approximate_search.ipynb`.
