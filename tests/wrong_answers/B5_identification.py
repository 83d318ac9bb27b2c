"""Wrong answers a weak student would give in exercise B5; each must fail its public check."""

WRONG = {
    "q1": {
        "squared distances (no square root)": '''
def distance_matrix(P, G):
    P, G = np.asarray(P, dtype=float), np.asarray(G, dtype=float)
    return ((P[:, None, :] - G[None, :, :]) ** 2).sum(axis=2)
D = distance_matrix(probe_embs, gallery_embs)
''',
        "gallery by probe (transposed)": '''
def distance_matrix(P, G):
    P, G = np.asarray(P, dtype=float), np.asarray(G, dtype=float)
    return np.linalg.norm(G[:, None, :] - P[None, :, :], axis=2)
D = distance_matrix(probe_embs, gallery_embs)
''',
        "norm over the wrong axis": '''
def distance_matrix(P, G):
    P, G = np.asarray(P, dtype=float), np.asarray(G, dtype=float)
    return np.linalg.norm(P[:, None, :] - G[None, :, :], axis=1)
D = distance_matrix(probe_embs, gallery_embs)
''',
        "Manhattan distance": '''
def distance_matrix(P, G):
    P, G = np.asarray(P, dtype=float), np.asarray(G, dtype=float)
    return np.abs(P[:, None, :] - G[None, :, :]).sum(axis=2)
D = distance_matrix(probe_embs, gallery_embs)
''',
        "dot products (similarity) instead of distances": '''
def distance_matrix(P, G):
    return np.asarray(P, dtype=float) @ np.asarray(G, dtype=float).T
D = distance_matrix(probe_embs, gallery_embs)
''',
        "D of the gallery against itself": '''
D = distance_matrix(gallery_embs, gallery_embs)
''',
    },
    "q2": {
        "[:k+1]: one candidate too many": '''
def top_k(distances, k, exclude=None):
    d = np.array(distances, dtype=float)
    if exclude is not None:
        d[exclude] = np.inf
    if k < 1 or k > d.size - (exclude is not None):
        raise ValueError("bad k")
    return np.argsort(d)[:k + 1]
''',
        "ignores k: returns the whole ranking": '''
def top_k(distances, k, exclude=None):
    d = np.array(distances, dtype=float)
    if exclude is not None:
        d[exclude] = np.inf
    if k < 1 or k > d.size - (exclude is not None):
        raise ValueError("bad k")
    return np.argsort(d)
''',
        "largest distances first (reversed ranking)": '''
def top_k(distances, k, exclude=None):
    d = np.array(distances, dtype=float)
    if exclude is not None:
        d[exclude] = -np.inf
    if k < 1 or k > d.size - (exclude is not None):
        raise ValueError("bad k")
    return np.argsort(d)[::-1][:k]
''',
        "argpartition without sorting the k": '''
def top_k(distances, k, exclude=None):
    d = np.array(distances, dtype=float)
    if exclude is not None:
        d[exclude] = np.inf
    if k < 1 or k > d.size - (exclude is not None):
        raise ValueError("bad k")
    return np.argpartition(d, k - 1)[:k][::-1]
''',
        "probe not excluded": '''
def top_k(distances, k, exclude=None):
    d = np.array(distances, dtype=float)
    if k < 1 or k > d.size:
        raise ValueError("bad k")
    return np.argsort(d)[:k]
''',
        "no ValueError for a bad k": '''
def top_k(distances, k, exclude=None):
    d = np.array(distances, dtype=float)
    if exclude is not None:
        d[exclude] = np.inf
    return np.argsort(d)[:k]
''',
        "returns the sorted distances instead of indices": '''
def top_k(distances, k, exclude=None):
    d = np.array(distances, dtype=float)
    if exclude is not None:
        d[exclude] = np.inf
    if k < 1 or k > d.size - (exclude is not None):
        raise ValueError("bad k")
    return np.sort(d)[:k]
''',
    },
    "q3": {
        "[:k+1] in the hit rate": '''
def hit_rate(D, probe_labels, gallery_labels, k):
    nearest = np.asarray(gallery_labels)[np.argsort(np.asarray(D), axis=1)[:, :k + 1]]
    return float(np.mean([t in row for t, row in zip(probe_labels, nearest)]))
rank1 = hit_rate(D, probe_labels, gallery_labels, 1)
rank5 = hit_rate(D, probe_labels, gallery_labels, 5)
''',
        "ignores k: any gallery face counts": '''
def hit_rate(D, probe_labels, gallery_labels, k):
    return float(np.mean([t in list(gallery_labels) for t in probe_labels]))
rank1 = hit_rate(D, probe_labels, gallery_labels, 1)
rank5 = hit_rate(D, probe_labels, gallery_labels, 5)
''',
        "farthest faces instead of nearest": '''
def hit_rate(D, probe_labels, gallery_labels, k):
    nearest = np.asarray(gallery_labels)[np.argsort(-np.asarray(D), axis=1)[:, :k]]
    return float(np.mean([t in row for t, row in zip(probe_labels, nearest)]))
rank1 = hit_rate(D, probe_labels, gallery_labels, 1)
rank5 = hit_rate(D, probe_labels, gallery_labels, 5)
''',
        "sorted along the wrong axis (columns)": '''
def hit_rate(D, probe_labels, gallery_labels, k):
    D = np.asarray(D)
    nearest = np.asarray(gallery_labels)[np.argsort(D, axis=0)[:k, :].T % len(gallery_labels)]
    return float(np.mean([t in row for t, row in zip(probe_labels, nearest)]))
rank1 = hit_rate(D, probe_labels, gallery_labels, 1)
rank5 = hit_rate(D, probe_labels, gallery_labels, 5)
''',
        "a count of hits instead of a share": '''
def hit_rate(D, probe_labels, gallery_labels, k):
    nearest = np.asarray(gallery_labels)[np.argsort(np.asarray(D), axis=1)[:, :k]]
    return int(sum(t in row for t, row in zip(probe_labels, nearest)))
rank1 = hit_rate(D, probe_labels, gallery_labels, 1)
rank5 = hit_rate(D, probe_labels, gallery_labels, 5)
''',
        "rank1 and rank5 swapped": '''
rank1, rank5 = hit_rate(D, probe_labels, gallery_labels, 5), hit_rate(D, probe_labels, gallery_labels, 1)
''',
    },
    "q4": {
        "label filled once, never connected with observe": '''
slider = widgets.FloatSlider(value=0.6, min=0.3, max=1.0, step=0.01)
label = widgets.Label(value=f"{int(np.sum(probe_d <= 0.6))} candidates within 0.60")
''',
        "strict < at the threshold": '''
slider = widgets.FloatSlider(value=0.6, min=0.3, max=1.0, step=0.01)
label = widgets.Label()
def show_count(change=None):
    label.value = f"{int(np.sum(probe_d < slider.value))} candidates within {slider.value:.2f}"
slider.observe(show_count, names="value")
show_count()
''',
        "uses the old value of the change": '''
slider = widgets.FloatSlider(value=0.6, min=0.3, max=1.0, step=0.01)
label = widgets.Label(value=f"{int(np.sum(probe_d <= 0.6))} candidates within 0.60")
def show_count(change):
    label.value = f"{int(np.sum(probe_d <= change['old']))} candidates within {change['old']:.2f}"
slider.observe(show_count, names="value")
''',
        "counts the faces beyond the threshold": '''
slider = widgets.FloatSlider(value=0.6, min=0.3, max=1.0, step=0.01)
label = widgets.Label()
def show_count(change=None):
    label.value = f"{int(np.sum(probe_d > slider.value))} candidates within {slider.value:.2f}"
slider.observe(show_count, names="value")
show_count()
''',
        "slider stops at 0.8": '''
slider = widgets.FloatSlider(value=0.6, min=0.3, max=0.8, step=0.01)
label = widgets.Label()
def show_count(change=None):
    label.value = f"{int(np.sum(probe_d <= slider.value))} candidates within {slider.value:.2f}"
slider.observe(show_count, names="value")
show_count()
''',
        "threshold first in the label": '''
slider = widgets.FloatSlider(value=0.6, min=0.3, max=1.0, step=0.01)
label = widgets.Label()
def show_count(change=None):
    label.value = f"threshold {slider.value:.2f}: {int(np.sum(probe_d <= slider.value))} candidates"
slider.observe(show_count, names="value")
show_count()
''',
        "an IntSlider (thresholds are not integers)": '''
slider = widgets.IntSlider(value=1, min=0, max=1)
label = widgets.Label()
def show_count(change=None):
    label.value = f"{int(np.sum(probe_d <= slider.value))} candidates"
slider.observe(show_count, names="value")
show_count()
''',
    },
}

# Right answers in another form that must PASS (numpy scalars, lists instead of arrays, ...):
RIGHT = {
    "q1": {
        "the lesson's line as is (arrays, as the question says: no np.asarray)": '''
def distance_matrix(P, G):
    return np.linalg.norm(P[:, None, :] - G[None, :, :], axis=2)
D = distance_matrix(probe_embs, gallery_embs)
''',
        "the dot-product expansion": '''
def distance_matrix(P, G):
    P, G = np.asarray(P, dtype=float), np.asarray(G, dtype=float)
    d2 = (P ** 2).sum(1)[:, None] - 2 * P @ G.T + (G ** 2).sum(1)[None, :]
    return np.sqrt(np.maximum(d2, 0))
D = distance_matrix(probe_embs, gallery_embs)
''',
    },
    "q2": {
        "argsort with a Python list result": '''
def top_k(distances, k, exclude=None):
    d = list(map(float, distances))
    order = [i for i in np.argsort(d, kind="stable") if i != exclude]
    if not 1 <= k <= len(order):
        raise ValueError("k out of range")
    return [int(i) for i in order[:k]]
''',
    },
    "q3": {
        "numpy mean, numpy scalars": '''
def hit_rate(D, probe_labels, gallery_labels, k):
    idx = np.argsort(np.asarray(D), axis=1)[:, :k]
    g = np.asarray(gallery_labels)
    return np.mean((g[idx] == np.asarray(probe_labels)[:, None]).any(axis=1))
rank1 = hit_rate(D, probe_labels, gallery_labels, 1)
rank5 = hit_rate(D, probe_labels, gallery_labels, 5)
''',
    },
    "q4": {
        "callback reads change['new'], short label": '''
slider = widgets.FloatSlider(value=0.6, min=0.3, max=1.0)
label = widgets.Label()
def update(change):
    label.value = f"{np.count_nonzero(probe_d <= change['new'])} candidates"
slider.observe(update, names="value")
update({"new": slider.value})
''',
    },
}

# issue 22: repeated distances, the slider's promised range, arrays as the prompt says
WRONG["q2"]["indices looked up by value (repeated distances return one face twice)"] = '''
def top_k(distances, k, exclude=None):
    d = [float(x) for x in distances]
    if exclude is not None:
        d[exclude] = float("inf")
    if k < 1 or k > len(d) - (exclude is not None):
        raise ValueError("bad k")
    return [d.index(v) for v in sorted(d)[:k]]
'''
WRONG["q4"]["slider from 0 to 2 (not the promised 0.3 to 1.0)"] = '''
slider = widgets.FloatSlider(value=0.6, min=0.0, max=2.0, step=0.01)
label = widgets.Label()
def _show(change=None):
    label.value = f"{int(np.sum(probe_d <= slider.value))} candidates within {slider.value:.2f}"
slider.observe(_show, names="value")
_show()
'''
RIGHT["q3"]["numpy only: fancy indexing and broadcasting on the label arrays"] = '''
def hit_rate(D, probe_labels, gallery_labels, k):
    nearest = gallery_labels[np.argsort(D, axis=1)[:, :k]]
    return (nearest == probe_labels[:, None]).any(axis=1).mean()
rank1 = hit_rate(D, probe_labels, gallery_labels, 1)
rank5 = hit_rate(D, probe_labels, gallery_labels, 5)
'''
