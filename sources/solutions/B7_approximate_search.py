# %% [raw]
# # ASSIGNMENT CONFIG
# name: B7_approximate_search
# init_cell: true
# check_all_cell: true
# export_cell: false
# tests:
#   files: false
#   ok_format: false

# %% [markdown]
# # Exercise B7: approximate search at scale
#
# **Why this matters.** A gallery of billions is searched with an approximate index. Whoever builds
# one chooses how much recall to give up for speed and memory; whoever buys one should be able to
# check that choice.
#
# **Learning objectives.** Build, train and search a FAISS IVF index and return Euclidean
# distances; measure recall of the true match and choose the cheapest setting that meets a target;
# compute the memory of an index for a gallery size and code size.
#
# **Prerequisites.** `lessons/B7_approximate_search.ipynb`.
#
# **Estimated time.** 30 minutes (from a trial run: see `INSTRUCTORS.md`).
#
# The gallery below is **simulated** as in the lesson (`index.simulate_gallery`: fitted to LFW's
# identity centres and to the way real LFW photos of one person differ, and checked against real
# LFW identification; each probe is a second "photo" of a gallery identity; `truth[i]` is the
# gallery row of probe `i`'s identity). With 20,000 faces even exact search misses some people.
# Everything runs on one core.

# %%
import faiss
import numpy as np

from facecourse.matching import index

faiss.omp_set_num_threads(1)
stats = index.lfw_statistics()
sim = index.simulate_gallery(20_000, n_probes=200, seed=11, stats=stats)
gallery, probes, truth = sim.gallery, sim.probes, sim.truth
print(gallery.shape, gallery.dtype, probes.shape, truth[:5])


# %% [markdown]
# ## Question 1: build, train and search an IVF index
#
# Write `build_ivf(vectors, nlist)` that returns a FAISS `IndexIVFFlat` for 128-d vectors with
# `nlist` cells, **trained** on `vectors` and holding **all** of them (their ids are then the row
# numbers 0, 1, 2, ...). Then write `search_euclidean(index, probes, k)` that searches the index and
# returns the tuple `(distances, ids)`, two arrays of shape `(len(probes), k)`, with **Euclidean**
# distances (remember what FAISS's `L2` indexes return).

# %% [raw]
# # BEGIN QUESTION
# name: q1
# points: 2

# %% [raw]
# # BEGIN SOLUTION

# %%
def build_ivf(vectors, nlist):
    # BEGIN SOLUTION
    vectors = np.ascontiguousarray(vectors, dtype="float32")
    ivf = faiss.IndexIVFFlat(faiss.IndexFlatL2(128), 128, nlist)
    ivf.train(vectors)
    ivf.add(vectors)
    return ivf
    # END SOLUTION


def search_euclidean(index, probes, k):
    # BEGIN SOLUTION
    d2, ids = index.search(np.ascontiguousarray(probes, dtype="float32"), k)
    return np.sqrt(np.maximum(d2, 0)), ids
    # END SOLUTION


# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
def test_q1_1(build_ivf, search_euclidean, gallery):
    import faiss
    from facecourse.checks import answered
    answered("q1", build_ivf=build_ivf, search_euclidean=search_euclidean)
    try:
        ivf_check = build_ivf(gallery[:5000], 32)
    except Exception as exc:
        raise AssertionError(f"build_ivf(gallery[:5000], 32) failed with {type(exc).__name__}: an IVF index must be "
                             "trained (index.train(vectors)) before vectors are added.") from None
    assert isinstance(ivf_check, faiss.IndexIVF) and ivf_check.nlist == 32, "build_ivf must return a FAISS IVF index (faiss.IndexIVFFlat) with nlist cells."
    assert ivf_check.is_trained and ivf_check.ntotal == 5000, f"The index should be trained and hold all 5000 vectors, not {ivf_check.ntotal}."

# %%
def test_q1_2(build_ivf, gallery, search_euclidean, probes):
    import numpy as np
    try:
        ivf_check = build_ivf(gallery[:5000], 32)
    except Exception as exc:
        raise AssertionError(f"build_ivf(gallery[:5000], 32) failed with {type(exc).__name__}: an IVF index must be "
                             "trained (index.train(vectors)) before vectors are added.") from None
    ivf_check.nprobe = 32                     # visit every cell: the search is then exact
    d_check, i_check = search_euclidean(ivf_check, probes[:20], 3)
    assert np.shape(d_check) == (20, 3) and np.shape(i_check) == (20, 3), f"search_euclidean(index, 20 probes, k=3) must return two (20, 3) arrays (distances, ids), got shapes {np.shape(d_check)} and {np.shape(i_check)}."
    assert np.issubdtype(np.asarray(i_check).dtype, np.integer), "search_euclidean must return (distances, ids) in that order: the second array holds the integer gallery ids."
    direct = np.linalg.norm(gallery[:5000][np.asarray(i_check)[:, 0]] - probes[:20], axis=1)
    assert np.allclose(np.asarray(d_check)[:, 0], direct, atol=1e-3), "The distances must be Euclidean: FAISS's L2 indexes return squared distances, take their square root (and return (distances, ids) in that order)."

# %%
def test_q1_3(build_ivf, gallery, search_euclidean, probes):
    import numpy as np
    try:
        ivf_check = build_ivf(gallery[:5000], 32)
    except Exception as exc:
        raise AssertionError(f"build_ivf(gallery[:5000], 32) failed with {type(exc).__name__}: an IVF index must be "
                             "trained (index.train(vectors)) before vectors are added.") from None
    ivf_check.nprobe = 32                     # visit every cell: the search is then exact
    d_check, i_check = search_euclidean(ivf_check, probes[:20], 3)
    direct = np.linalg.norm(gallery[:5000][np.asarray(i_check)[:, 0]] - probes[:20], axis=1)
    exact_rows = np.argsort(np.linalg.norm(gallery[:5000][None, :, :] - probes[:20, None, :], axis=2), axis=1)[:, 0]
    assert np.array_equal(np.asarray(i_check)[:, 0], exact_rows), "With nprobe equal to nlist the first id should be the exact nearest gallery row: add all vectors, in order, so that ids are row numbers."

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_q1_hidden_1(build_ivf, gallery, search_euclidean, probes):
    import numpy as np
    try:
        ivf_check = build_ivf(gallery[:5000], 32)
    except Exception as exc:
        raise AssertionError(f"build_ivf(gallery[:5000], 32) failed with {type(exc).__name__}: an IVF index must be "
                             "trained (index.train(vectors)) before vectors are added.") from None
    ivf_check.nprobe = 32                     # visit every cell: the search is then exact
    d_check, i_check = search_euclidean(ivf_check, probes[:20], 3)
    direct = np.linalg.norm(gallery[:5000][np.asarray(i_check)[:, 0]] - probes[:20], axis=1)
    exact_rows = np.argsort(np.linalg.norm(gallery[:5000][None, :, :] - probes[:20, None, :], axis=2), axis=1)[:, 0]
    ivf_h = build_ivf(gallery[:3000].astype(np.float64), 16)
    assert ivf_h.nlist == 16 and ivf_h.ntotal == 3000
    d_h, i_h = search_euclidean(ivf_h, probes[:5], 7)
    assert np.shape(i_h) == (5, 7) and np.all(np.diff(np.asarray(d_h), axis=1) >= -1e-6)

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 2: the cheapest setting that meets a recall target
#
# The index `ivf` below holds the 20,000 gallery faces in 64 cells. Write `recall_at_10(ids, truth)`:
# the share (between 0 and 1) of probes whose **true match** `truth[i]` is among the first 10 ids
# of row `i` (`ids` may have more than 10 columns). Then fill the dict `recalls` with, for each
# `nprobe` in `settings`, the recall of `ivf` searched with that `nprobe` and `k = 10`, and store in
# `chosen_nprobe` the **smallest** `nprobe` whose recall is at least `target`. Recall is about
# finding the person: measure it against `truth`, not against exact search.

# %%
ivf = faiss.IndexIVFFlat(faiss.IndexFlatL2(128), 128, 64)
ivf.train(gallery)
ivf.add(gallery)
settings = [1, 2, 4, 8, 16, 32, 64]
target = 0.94

# %% [raw]
# # BEGIN QUESTION
# name: q2
# points: 2

# %% [raw]
# # BEGIN SOLUTION

# %%
def recall_at_10(ids, truth):
    # BEGIN SOLUTION
    ids, truth = np.asarray(ids), np.asarray(truth)
    return float(np.mean((ids[:, :10] == truth[:, None]).any(axis=1)))
    # END SOLUTION


recalls = {}
for nprobe in settings:
    # BEGIN SOLUTION
    ivf.nprobe = nprobe
    _, ids = ivf.search(probes, 10)
    recalls[nprobe] = recall_at_10(ids, truth)
    # END SOLUTION
chosen_nprobe = min(p for p in settings if recalls[p] >= target)  # SOLUTION
recalls, chosen_nprobe

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
def test_q2_1(recall_at_10, recalls, chosen_nprobe):
    import numpy as np
    from facecourse.checks import answered
    answered("q2", recall_at_10=recall_at_10, recalls=recalls, chosen_nprobe=chosen_nprobe)
    toy_ids = np.array([[4, 8, 15, 16, 23, 42, 7, 9, 11, 3, 99, 98], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
                        [5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], [6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6]])
    r = recall_at_10(toy_ids, np.array([3, 11, 5, 2]))
    assert abs(r - 0.5) < 1e-9, f"Probe 0's match is 10th (found), probe 1's is 11th (not in the top 10), probe 2's is 1st (found), probe 3's is absent: the recall is 0.5, got {r}."

# %%
def test_q2_2(recall_at_10, recalls, settings, ivf, probes, truth):
    import numpy as np
    toy_ids = np.array([[4, 8, 15, 16, 23, 42, 7, 9, 11, 3, 99, 98], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
                        [5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], [6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6]])
    r = recall_at_10(toy_ids, np.array([3, 11, 5, 2]))
    assert sorted(recalls) == settings, f"recalls needs one entry for each nprobe in {settings}."
    ref_recalls = {}
    for _p in settings:
        ivf.nprobe = _p
        ref_recalls[_p] = float(np.mean((ivf.search(probes, 10)[1] == truth[:, None]).any(axis=1)))
    wrong = [p for p in settings if abs(recalls[p] - ref_recalls[p]) > 1e-9]
    assert not wrong, f"recalls[{wrong[0]}] should be {ref_recalls[wrong[0]]:.3f} (share of probes whose true match is in the top 10 with ivf.nprobe = {wrong[0]}), got {recalls[wrong[0]]}: set ivf.nprobe before each search and compare with truth, not with exact search."

# %%
def test_q2_3(recalls, chosen_nprobe, target, settings):
    assert recalls[chosen_nprobe] >= target, f"chosen_nprobe = {chosen_nprobe} does not meet the target: its recall is {recalls[chosen_nprobe]:.3f} < {target}."
    assert all(recalls[p] < target for p in settings if p < chosen_nprobe), f"chosen_nprobe = {chosen_nprobe} is not the cheapest: a smaller nprobe already reaches the target {target}."

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_q2_hidden_1(recall_at_10, settings, ivf, probes, truth, chosen_nprobe, target):
    import numpy as np
    toy_ids = np.array([[4, 8, 15, 16, 23, 42, 7, 9, 11, 3, 99, 98], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
                        [5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], [6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6]])
    r = recall_at_10(toy_ids, np.array([3, 11, 5, 2]))
    ref_recalls = {}
    for _p in settings:
        ivf.nprobe = _p
        ref_recalls[_p] = float(np.mean((ivf.search(probes, 10)[1] == truth[:, None]).any(axis=1)))
    assert recall_at_10(np.array([[1] * 10, [2] * 10]), np.array([1, 3])) == 0.5
    assert chosen_nprobe == min(p for p in settings if ref_recalls[p] >= target)

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 3: memory at Clearview's scale
#
# An IVF-PQ index stores, for every face, a code of `code_bits` **bits** (`m` sub-vectors of
# `nbits` bits each: `code_bits = m * nbits`) and an id of `id_bytes` **bytes**. Write
# `index_memory_gb(n_faces, code_bits, id_bytes=8)` returning the memory of those codes and ids
# in gigabytes (1 GB = 10^9 bytes; ignore the cell centres and codebooks, which do not grow with
# the gallery). Then store in `pq_3b_gb` the memory of 3 billion faces in an IVF-PQ index with
# `m = 16` sub-vectors of 8 bits and 8-byte ids, and in `flat_3b_gb` the memory of 3 billion faces
# kept as full vectors (128 float32 numbers, 32 bits each) with 8-byte ids.

# %% [raw]
# # BEGIN QUESTION
# name: q3
# points: 1

# %% [raw]
# # BEGIN SOLUTION

# %%
def index_memory_gb(n_faces, code_bits, id_bytes=8):
    # BEGIN SOLUTION
    return n_faces * (code_bits / 8 + id_bytes) / 1e9
    # END SOLUTION


pq_3b_gb = index_memory_gb(3e9, 16 * 8)  # SOLUTION
flat_3b_gb = index_memory_gb(3e9, 128 * 32)  # SOLUTION
pq_3b_gb, flat_3b_gb

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
def test_q3_1(index_memory_gb, pq_3b_gb, flat_3b_gb):
    from facecourse.checks import answered
    answered("q3", index_memory_gb=index_memory_gb, pq_3b_gb=pq_3b_gb, flat_3b_gb=flat_3b_gb)
    got = index_memory_gb(1e9, 64, 8)
    assert abs(got - 16.0) < 1e-6, f"A billion faces with 64-bit (8-byte) codes and 8-byte ids take 16 GB, got {got}: code_bits are bits (divide by 8), ids are bytes, and 1 GB is 10^9 bytes."

# %%
def test_q3_2(index_memory_gb):
    got = index_memory_gb(2e9, 32)
    assert abs(got - 24.0) < 1e-6, f"index_memory_gb(2e9, 32) should use 8-byte ids by default: 2e9 x (4 + 8) bytes = 24 GB, got {got}."

# %%
def test_q3_3(pq_3b_gb, flat_3b_gb):
    assert abs(pq_3b_gb - 72.0) < 1e-6, f"pq_3b_gb: 3 billion faces x (16 sub-vectors x 8 bits = 16 bytes of code + 8 bytes of id) = 72 GB, got {pq_3b_gb}."
    assert abs(flat_3b_gb - 1560.0) < 1e-6, f"flat_3b_gb: 3 billion faces x (128 x 4 bytes + 8 bytes of id) = 1560 GB, got {flat_3b_gb}."

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_q3_hidden_1(index_memory_gb):
    assert abs(index_memory_gb(3e10, 256, 4) - 3e10 * 36 / 1e9) < 1e-6
    assert abs(index_memory_gb(1000, 8, 0) - 1e-6) < 1e-12

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 4 (written): what does a fast search of 3 billion faces give you?
#
# A vendor says its index "searches 3 billion faces in under a second with 99% recall". Using
# this exercise and lessons B6 and B7, write four to six sentences: what "99% recall" measures (and
# against what reference), what the search returns for a probe, what it misses, and which numbers
# you would ask for before trusting a result.

# %% [raw]
# # BEGIN QUESTION
# name: q4
# manual: true
# points: 2

# %% [raw]
# # BEGIN SOLUTION

# %% [markdown]
# **Model answer.** "99% recall" has to say against what: the share of probes whose true identity is in the top k
# (what matters for finding a person) or the share of exact-search neighbours the index also
# returns (which only measures what approximation loses, and was likely measured on a benchmark
# set, not on faces like the probe). A fast index is fast because it visits a few cells and
# compares compressed codes, so it returns the k most similar faces it happened to look at; with a
# false match rate of about 1% at dlib's threshold, 3 billion faces hold tens of millions of
# strangers within the threshold of any probe, so the list is mostly lookalikes ranked as
# confidently as a true match. It misses the true person in some searches even when they are
# enrolled (exact search does too, because lookalikes push them out of the top k), misses more as
# the gallery grows, and nothing in the output says which case you are in. I would ask for the recall of the true match and the false-positive identification rate
# measured at the deployed gallery size, k and threshold, on probe images like ours, and for
# how the index is re-ranked with full vectors.
#
# **Rubric (2 points).**
# * 1 point: says that "99% recall" must name its reference (the exact search's neighbours, which
#   only measures what approximation loses, often on a benchmark set; or the share of probes whose
#   true identity is in the top k) and what a search returns: the k most similar faces the index
#   happened to visit, at 3 billion faces mostly lookalikes within the threshold (false match rate x
#   gallery size, lesson B6), ranked as confidently as a true match.
# * 1 point: what it misses and what to ask for: it misses the enrolled person in some searches
#   (approximation, and lookalikes pushing them out of the top k), more as the gallery grows, without
#   saying so; ask for the recall of the true match and the false-positive identification rate at the
#   deployed gallery size, k and threshold, on probes like the police's, and how results are re-ranked.
#
# **Common weak answers.**
# * "99% recall means 99% of the results are correct": loses the first point.
# * Writes only about speed and hardware: 0 of 2 points.
# * Right about recall but asks for no number: 1 of 2 points.

# %% [raw]
# # END SOLUTION

# %% [raw]
# # END QUESTION
