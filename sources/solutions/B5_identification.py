# %% [raw]
# # ASSIGNMENT CONFIG
# name: B5_identification
# init_cell: true
# check_all_cell: true
# export_cell: false
# tests:
#   files: false
#   ok_format: false

# %% [markdown]
# # Exercise B5: 1:N identification
#
# **Why this matters.** Search quality is measured differently from verification, and the
# difference is where innocent people get hurt.
#
# **Learning objectives.** Compute a probe-by-gallery distance matrix with numpy broadcasting,
# rank it with `argsort`/`argpartition` leaving the probe out, compute rank-k hit rates, and wire
# a threshold slider to a search with ipywidgets.
#
# **Prerequisites.** `lessons/B5_identification.ipynb`.
#
# **Estimated time.** 35 minutes (from a trial run: see `INSTRUCTORS.md`).

# %%
import ipywidgets as widgets
import numpy as np

from facecourse.matching import precomputed

table, emb = precomputed.load()
# 200 probes: the first photo of 200 people (seeded choice) who have 2-4 photos in LFW.
# Gallery: each probe person's second photo (the mate) plus 1,000 distractors, people with one photo.
counts = table["person"].map(table["person"].value_counts())
multi = table[counts.between(2, 4)].sort_values(["person", "index"])
rng = np.random.default_rng(0)
chosen = rng.choice(multi["person"].unique(), 200, replace=False)
rows = multi[multi["person"].isin(chosen)]
probe_rows, mate_rows = rows.groupby("person").nth(0), rows.groupby("person").nth(1)
distractors = rng.choice(table[counts == 1].index.to_numpy(), 1000, replace=False)
gallery_index = np.concatenate([mate_rows.index.to_numpy(), distractors])
probe_embs, probe_labels = emb[probe_rows.index.to_numpy()], probe_rows["person"].to_numpy()
gallery_embs, gallery_labels = emb[gallery_index], table.loc[gallery_index, "person"].to_numpy()
probe_embs.shape, gallery_embs.shape


# %% [markdown]
# ## Question 1: a probe-by-gallery distance matrix
#
# Write `distance_matrix(P, G)` for a (p x 128) array of probe embeddings and a (g x 128) array of
# gallery embeddings: return the (p x g) array whose entry `[i, j]` is the **Euclidean** distance
# between probe `i` and gallery face `j` (use broadcasting, as the lesson did). Then store in `D`
# the distance matrix of `probe_embs` against `gallery_embs`.

# %% [raw]
# # BEGIN QUESTION
# name: q1
# points: 1

# %% [raw]
# # BEGIN SOLUTION

# %%
def distance_matrix(P, G):
    # BEGIN SOLUTION
    P, G = np.asarray(P, dtype=float), np.asarray(G, dtype=float)
    return np.linalg.norm(P[:, None, :] - G[None, :, :], axis=2)
    # END SOLUTION


D = distance_matrix(probe_embs, gallery_embs)  # SOLUTION
np.shape(D)

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
def test_q1_1(distance_matrix, D):
    import numpy as np
    from facecourse.checks import answered
    answered("q1", distance_matrix=distance_matrix, D=D)
    M = np.asarray(distance_matrix(np.array([[0.0, 0.0]]), np.array([[3.0, 4.0], [0.0, 1.0]])))
    assert M.shape == (1, 2), f"One probe and two gallery faces give a (1, 2) matrix: probes are rows, gallery faces columns; got shape {M.shape}."
    assert np.allclose(M, [[5.0, 1.0]]), f"The distance from (0, 0) to (3, 4) is 5 (the square root of the sum of squares), got {M[0, 0]}."

# %%
def test_q1_2(distance_matrix):
    import numpy as np
    M = np.asarray(distance_matrix(np.eye(3)[:2], np.eye(3)))
    assert M.shape == (2, 3) and np.allclose(M, [[0, 2 ** 0.5, 2 ** 0.5], [2 ** 0.5, 0, 2 ** 0.5]]), "For probes e1, e2 and gallery e1, e2, e3 expected [[0, 1.414, 1.414], [1.414, 0, 1.414]]."

# %%
def test_q1_3(distance_matrix, D, probe_embs, gallery_embs):
    import numpy as np
    assert np.shape(D) == (200, 1200) and abs(float(np.asarray(D)[0, 0]) - float(np.linalg.norm(probe_embs[0] - gallery_embs[0]))) < 1e-5, "D should be distance_matrix(probe_embs, gallery_embs), of shape (200, 1200)."

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_q1_hidden_1(distance_matrix, probe_embs, gallery_embs, D):
    import numpy as np
    ref = np.sqrt(((probe_embs[:, None, :].astype(float) - gallery_embs[None, :, :]) ** 2).sum(axis=2))
    assert np.allclose(D, ref, atol=1e-5)

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 2: the top k, leaving the probe out
#
# Write `top_k(distances, k, exclude=None)` for a 1-D array of distances from one probe to every
# gallery face: return the indices of the `k` smallest distances, **nearest first**, as a list or
# array of `k` integers. If `exclude` is an index (the probe's own row, when the probe is also in
# the gallery), that entry is never returned. Raise `ValueError` if `k` is less than 1 or larger
# than the number of entries that can be returned. (`np.argsort`, or `np.argpartition` plus a small
# sort, as in the lesson.)

# %% [raw]
# # BEGIN QUESTION
# name: q2
# points: 2

# %% [raw]
# # BEGIN SOLUTION

# %%
def top_k(distances, k, exclude=None):
    # BEGIN SOLUTION
    d = np.array(distances, dtype=float)
    if exclude is not None:
        d[exclude] = np.inf
    available = d.size - (exclude is not None)
    if k < 1 or k > available:
        raise ValueError(f"k must be between 1 and {available}, got {k}")
    idx = np.argpartition(d, k - 1)[:k]
    return idx[np.argsort(d[idx], kind="stable")]
    # END SOLUTION


# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
def test_q2_1(top_k):
    from facecourse.checks import answered
    answered("q2", top_k=top_k)
    r = [int(i) for i in top_k([0.5, 0.1, 0.9, 0.3], 2)]
    assert r == [1, 3], f"top_k([0.5, 0.1, 0.9, 0.3], 2) should be [1, 3]: exactly k indices, nearest first; got {r}."

# %%
def test_q2_2(top_k):
    import numpy as np
    r = [int(i) for i in top_k(np.array([0.5, 0.1, 0.9, 0.3, 0.2]), 3)]
    assert r == [1, 4, 3], f"top_k([0.5, 0.1, 0.9, 0.3, 0.2], 3) should be [1, 4, 3], got {r}."

# %%
def test_q2_3(top_k):
    r = [int(i) for i in top_k([0.0, 0.4, 0.2], 2, exclude=0)]
    assert r == [2, 1], f"With exclude=0 the probe's own entry (distance 0) must be left out: expected [2, 1], got {r}."

# %%
def test_q2_4(top_k):
    import numpy as np
    _d = np.array([0.4, 0.2, 0.4, 0.2, 0.9, 0.4])   # repeated distances: faces at exactly the same distance
    r = [int(i) for i in top_k(_d, 4)]
    assert len(set(r)) == 4 and sorted(r[:2]) == [1, 3] and set(r[2:]) <= {0, 2, 5}, \
        f"top_k([0.4, 0.2, 0.4, 0.2, 0.9, 0.4], 4) should give 4 different indices, 1 and 3 (0.2) then two of 0, 2, 5 (0.4), " \
        f"got {r}: with equal distances, each face is still returned once (look indices up by position, not by value)."

# %%
def test_q2_5(top_k):
    for bad_k, args in ((0, ([0.1, 0.2],)), (3, ([0.0, 0.4, 0.2],))):
        try:
            top_k(*args, bad_k, exclude=0 if bad_k == 3 else None)
        except ValueError:
            pass
        else:
            raise AssertionError(f"top_k must raise ValueError for k={bad_k} (k below 1, or more than the entries left after excluding the probe).")

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_q2_hidden_1(top_k):
    import numpy as np
    r = [int(i) for i in top_k(np.array([0.5, 0.1, 0.9, 0.3, 0.2]), 3)]
    rng = np.random.default_rng(5)
    x = rng.random(1000)
    assert [int(i) for i in top_k(x, 10, exclude=int(np.argmin(x)))] == list(np.argsort(x)[1:11])
    assert [int(i) for i in top_k(x, 1000)] == list(np.argsort(x))

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 3: rank-k hit rate
#
# Investigators look at a list, not just the first name. Write
# `hit_rate(D, probe_labels, gallery_labels, k)`: the share of probes (rows of `D`) whose own
# label appears among the labels of the `k` nearest gallery faces. `D` is a NumPy array (p x g, as
# from Question 1) and the labels are NumPy arrays of names, like `probe_labels` and
# `gallery_labels` above. Then store in `rank1` and
# `rank5` the hit rates of `D` (Question 1) at k = 1 and k = 5.

# %% [raw]
# # BEGIN QUESTION
# name: q3
# points: 1

# %% [raw]
# # BEGIN SOLUTION

# %%
def hit_rate(D, probe_labels, gallery_labels, k):
    # BEGIN SOLUTION
    D, gallery_labels = np.asarray(D, dtype=float), np.asarray(gallery_labels)
    nearest = gallery_labels[np.argsort(D, axis=1)[:, :k]]
    return float(np.mean([truth in row for truth, row in zip(probe_labels, nearest)]))
    # END SOLUTION


rank1 = hit_rate(D, probe_labels, gallery_labels, 1)  # SOLUTION
rank5 = hit_rate(D, probe_labels, gallery_labels, 5)  # SOLUTION
rank1, rank5

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
def test_q3_1(hit_rate, rank1, rank5):
    from facecourse.checks import answered
    answered("q3", hit_rate=hit_rate, rank1=rank1, rank5=rank5)
    import numpy as np
    toy_D = np.array([[0.2, 0.1, 0.9], [0.8, 0.3, 0.4], [0.5, 0.6, 0.1]])
    _probes, _gallery = np.array(["a", "c", "b"]), np.array(["a", "b", "c"])
    h1, h2 = hit_rate(toy_D, _probes, _gallery, 1), hit_rate(toy_D, _probes, _gallery, 2)
    assert abs(h1 - 0.0) < 1e-9 and abs(h2 - 2 / 3) < 1e-9, f"On the 3 x 3 example expected a rank-1 hit rate of 0 and a rank-2 hit rate of 2/3, got {h1} and {h2}: take exactly the k nearest (smallest distances) of each row."

# %%
def test_q3_2(hit_rate):
    import numpy as np
    toy_D = np.array([[0.2, 0.1, 0.9], [0.8, 0.3, 0.4], [0.5, 0.6, 0.1]])
    _probes, _gallery = np.array(["a", "c", "b"]), np.array(["a", "b", "c"])
    h1, h2 = hit_rate(toy_D, _probes, _gallery, 1), hit_rate(toy_D, _probes, _gallery, 2)
    assert abs(hit_rate(toy_D, np.array(["b", "c", "c"]), _gallery, 1) - 2 / 3) < 1e-9, "A probe counts as a hit when its label is among the k nearest gallery labels; the result is a share of probes, between 0 and 1."

# %%
def test_q3_3(rank1, hit_rate, D, probe_labels, gallery_labels, rank5):
    assert abs(rank1 - hit_rate(D, probe_labels, gallery_labels, 1)) < 1e-9 and abs(rank5 - hit_rate(D, probe_labels, gallery_labels, 5)) < 1e-9, "rank1 and rank5 should be hit_rate of D at k = 1 and at k = 5."
    assert 0.85 < rank1 < rank5 <= 1.0, f"On this gallery the rank-1 hit rate is about 0.9 and the rank-5 one higher, got {rank1} and {rank5}."

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_q3_hidden_1(gallery_labels, D, probe_labels, rank1, hit_rate):
    import numpy as np
    ref1 = np.mean(gallery_labels[np.argmin(D, axis=1)] == probe_labels)
    assert abs(rank1 - ref1) < 1e-9
    D3 = np.array([[0.7, 0.2, 0.4], [0.1, 0.9, 0.3], [0.6, 0.5, 0.8]])
    _p3, _g3 = np.array(["a", "b", "a"]), np.array(["a", "b", "c"])  # NumPy arrays of names, as the question says
    assert hit_rate(D3, _p3, _g3, 3) == 1.0
    assert abs(hit_rate(D3, _p3, _g3, 2) - 1 / 3) < 1e-9

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 4: a threshold slider
#
# `probe_d` below holds the distances from Alan Ball's first photo to every LFW face (his own photo
# set to infinity, so it is left out). Build, as the lesson did:
#
# * `slider`: a `widgets.FloatSlider` for the threshold, starting at 0.6, from 0.3 to 1.0;
# * `label`: a `widgets.Label` whose `value` **starts with the number of candidates** within the
#   threshold (distance `<=` threshold), e.g. `"32 candidates within 0.60"`;
# * a function connected with `slider.observe(..., names="value")` so that the label is updated
#   every time the slider's value changes (and call it once so the label is filled at the start).
#
# Show the slider above the label in a `widgets.VBox`.

# %%
p = int(table.index[table["path"] == "images/Alan_Ball/Alan_Ball_0001.jpg"][0])
probe_d = np.linalg.norm(emb - emb[p], axis=1).astype(float)
probe_d[p] = np.inf

# %% [raw]
# # BEGIN QUESTION
# name: q4
# points: 2

# %% [raw]
# # BEGIN SOLUTION

# %%
# BEGIN SOLUTION
slider = widgets.FloatSlider(value=0.6, min=0.3, max=1.0, step=0.01, description="threshold")
label = widgets.Label()


def show_count(change=None):
    n = int(np.sum(probe_d <= slider.value))
    label.value = f"{n} {'candidate' if n == 1 else 'candidates'} within {slider.value:.2f}"


slider.observe(show_count, names="value")
show_count()
widgets.VBox([slider, label])
# END SOLUTION

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
def test_q4_1(label, slider, probe_d):
    import ipywidgets as widgets
    import numpy as np
    from facecourse.checks import answered
    answered("q4", label=label, slider=slider)
    def _count_shown():
        words = str(label.value).split()
        return int(words[0]) if words and words[0].isdigit() else None


    assert isinstance(slider, widgets.FloatSlider) and isinstance(label, widgets.Label), "slider should be a widgets.FloatSlider and label a widgets.Label."
    assert abs(slider.min - 0.3) < 1e-9 and abs(slider.max - 1.0) < 1e-9, \
        f"The slider should run from 0.3 to 1.0 (min=0.3, max=1.0), not from {slider.min} to {slider.max}."
    slider.value = 0.6
    assert _count_shown() == int(np.sum(probe_d <= 0.6)), f"At 0.6 the label should start with {int(np.sum(probe_d <= 0.6))} (candidates with distance <= 0.6), got {label.value!r}."

# %%
def test_q4_2(label, slider, probe_d):
    import numpy as np
    def _count_shown():
        words = str(label.value).split()
        return int(words[0]) if words and words[0].isdigit() else None
    slider.value = 0.6
    for t in (0.5, 0.7, 0.9):
        slider.value = t
        assert _count_shown() == int(np.sum(probe_d <= t)), f"After slider.value = {t} the label should start with {int(np.sum(probe_d <= t))}, got {label.value!r}: update the label in a function connected with slider.observe(..., names='value'), using the new value."
    slider.value = 0.6

# %%
def test_q4_3(label, slider, probe_d):
    import numpy as np
    def _count_shown():
        words = str(label.value).split()
        return int(words[0]) if words and words[0].isdigit() else None
    slider.value = 0.6
    for t in (0.5, 0.7, 0.9):
        slider.value = t
        assert _count_shown() == int(np.sum(probe_d <= t)), f"After slider.value = {t} the label should start with {int(np.sum(probe_d <= t))}, got {label.value!r}: update the label in a function connected with slider.observe(..., names='value'), using the new value."
    slider.value = 0.6
    edge = float(np.sort(probe_d)[40])
    slider.value = edge
    assert _count_shown() == 41, f"A face exactly at the threshold is a candidate (distance <= threshold): at {edge:.6f} expected 41, got {label.value!r}."
    slider.value = 0.6

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_q4_hidden_1(label, slider, probe_d):
    import numpy as np
    def _count_shown():
        words = str(label.value).split()
        return int(words[0]) if words and words[0].isdigit() else None
    slider.value = 0.6
    for t in (0.5, 0.7, 0.9):
        slider.value = t
        assert _count_shown() == int(np.sum(probe_d <= t)), f"After slider.value = {t} the label should start with {int(np.sum(probe_d <= t))}, got {label.value!r}: update the label in a function connected with slider.observe(..., names='value'), using the new value."
    slider.value = 0.6
    edge = float(np.sort(probe_d)[40])
    slider.value = edge
    slider.value = 0.6
    for thr in (0.35, 0.55, 0.65, 1.0, 0.6):
        slider.value = thr
        shown = str(label.value).split()
        assert shown and shown[0] == str(int(np.sum(probe_d <= thr)))

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 5 (written): the list always has a first name
#
# Clearview shows a ranked list of faces for every upload. In four to six sentences: why can a
# high rank-1 accuracy measured on mated searches (say, 99.85% on a mugshot gallery, as NIST
# reported for Clearview in 2021) coexist with innocent people appearing at rank 1, and what
# should a search tool show when nobody in the gallery is close enough?

# %% [raw]
# # BEGIN QUESTION
# name: q5
# manual: true
# points: 2

# %% [raw]
# # BEGIN SOLUTION

# %% [markdown]
# **Model answer.** Rank-1 accuracy on mated searches is computed only over probes whose person is in the gallery:
# it asks whether the true mate beats every stranger. It says nothing about searches for people who
# are not enrolled, where whoever is nearest is by definition a stranger, yet still appears at rank
# 1 if the tool always fills its list. At billions of faces there is almost always a close
# lookalike, so those strangers can be very similar and a human reviewer may "confirm" them. A
# responsible tool applies a threshold calibrated to a very low false match rate and shows "no
# candidate above threshold" when nothing qualifies, rather than a ranked list of strangers.
#
# **Rubric (2 points).**
# * 1 point: rank-1 accuracy on mated searches counts only probes whose person is in the gallery; for
#   a probe of someone not enrolled, whoever ranks first is a stranger by definition, and at billions
#   of faces a close lookalike, so a high rank-1 accuracy and innocent people at rank 1 coexist.
# * 1 point: what to show instead: a threshold calibrated to a very low false match rate, and "no
#   candidate above the threshold" when nobody qualifies, rather than a ranked list of strangers;
#   candidates shown with their distances, as leads, never as identifications.
#
# **Common weak answers.**
# * "99.85% means only 0.15% of the people at rank 1 are wrong": loses the first point.
# * "Show fewer results, a top 3 instead of a top 10": loses the second point (a shorter list still
#   always has a first name).
# * Explains mated and non-mated searches well but gives no rule for an empty result: 1 of 2 points.

# %% [raw]
# # END SOLUTION

# %% [raw]
# # END QUESTION
