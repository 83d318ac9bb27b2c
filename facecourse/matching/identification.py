"""1:N identification on LFW: a gallery with provenance, rank-1 experiments, and the search explorer.

The explorer's logic is the plain function ``search_results``; the ipywidgets UI only calls it,
so tests exercise exactly what a student sees.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import data
from . import precomputed
from .gallery import Gallery
from . import THRESHOLD


def lfw_gallery() -> Gallery:
    """A :class:`Gallery` of every precomputed LFW face (13,232), each with its official URL as its source.

    Each record also keeps ``path`` (e.g. ``images/Alan_Ball/Alan_Ball_0001.jpg``) and ``detector``.
    People on the opt-out list are not in it (``precomputed.load`` drops them), and neither are they
    in the probes, mates and distractors of :func:`closed_set_rank1` and :func:`open_set_false_alarms`.
    Raises ``data.MissingDataError`` if the committed embeddings are missing.

    >>> g = lfw_gallery()
    >>> len(g), g.records.loc[0, "source"]   # doctest: +SKIP
    (13232, 'http://vis-www.cs.umass.edu/lfw/images/AJ_Cook/AJ_Cook_0001.jpg')
    """
    table, emb = precomputed.load()
    urls = {e.path: e.url for e in data.load_manifest("lfw")}
    g = Gallery()
    g.add_many(table["person"], emb, [urls[p] for p in table["path"]],
               provenance=[{"path": p, "detector": d} for p, d in zip(table["path"], table["detector"])])
    return g


def search_results(gallery: Gallery, probe_path: str, k: int = 5, threshold: float | None = THRESHOLD) -> pd.DataFrame:
    """Top-k candidates for one gallery photo used as the probe (the photo itself left out).

    Parameters: ``gallery`` (e.g. :func:`lfw_gallery`), ``probe_path`` (a ``path`` in its records),
    ``k`` candidates at most, and ``threshold`` (only candidates with distance ``<= threshold``;
    ``None`` for no threshold). Returns a DataFrame with columns rank, identity, same person (as
    the probe), distance (rounded to 3 decimals) and source, nearest first; fewer than ``k`` rows
    when the threshold cuts the list. Raises ``ValueError`` if the photo is not in the gallery.

    >>> search_results(g, "images/Alan_Ball/Alan_Ball_0001.jpg", k=5, threshold=0.5)   # doctest: +SKIP
       rank   identity  same person  distance                                             source
    0     1  Alan_Ball         True     0.273  http://vis-www.cs.umass.edu/lfw/images/Alan_Ba...
    """
    rows = gallery.records.index[gallery.records["path"] == probe_path]
    if len(rows) != 1:
        raise ValueError(f"{probe_path!r} is not a photo in the gallery")
    row = int(rows[0])
    probe = gallery.embeddings[row]
    truth = gallery.records.at[row, "identity"]
    matches = gallery.search(probe, k=k, threshold=threshold, exclude_source=gallery.records.at[row, "source"])
    table = gallery.results_table(matches).drop(columns="index")
    table.insert(2, "same person", table["identity"] == truth)
    table["distance"] = table["distance"].round(3)
    return table


def closed_set_rank1(gallery_sizes: list[int], seed: int = 0) -> pd.DataFrame:
    """Rank-1 accuracy as the gallery grows with distractors (returns one row per size).

    Probes: the first image of each of LFW's 1,680 people with two or more images. The gallery
    always holds their second image (the mate); distractors are images of people with only one
    image, added at random (seeded) up to each size. Returns a DataFrame with columns
    gallery size, distractors, rank-1 accuracy. Raises ``ValueError`` for a size below the
    number of mates (1,680) or above mates plus all single-image people.

    >>> closed_set_rank1([1680, 5748])["rank-1 accuracy"].round(3).tolist()   # doctest: +SKIP
    [0.936, 0.897]
    """
    table, emb = precomputed.load()
    counts = table["person"].map(table["person"].value_counts())
    multi = table[counts >= 2].sort_values(["person", "index"])
    probes = multi.groupby("person").nth(0)
    mates = multi.groupby("person").nth(1)
    singles = table[counts == 1].index.to_numpy()
    rng = np.random.default_rng(seed)
    order = rng.permutation(singles)
    P = emb[probes.index.to_numpy()]
    truth = probes["person"].to_numpy()
    rows = []
    for size in gallery_sizes:
        extra = size - len(mates)
        if extra < 0 or extra > len(order):
            raise ValueError(f"gallery size must be between {len(mates)} and {len(mates) + len(order)}")
        idx = np.concatenate([mates.index.to_numpy(), order[:extra]])
        G, who = emb[idx], table.loc[idx, "person"].to_numpy()
        d2 = (P ** 2).sum(1)[:, None] - 2 * P @ G.T + (G ** 2).sum(1)[None, :]
        best = who[np.argmin(d2, axis=1)]
        rows.append({"gallery size": size, "distractors": extra, "rank-1 accuracy": float(np.mean(best == truth))})
    return pd.DataFrame(rows)


def open_set_false_alarms(threshold: float = THRESHOLD, seed: int = 0, probes: int = 1000) -> dict:
    """Non-mated searches: people with a single LFW image searched against everyone else.

    Returns the share of those searches that return at least one candidate within ``threshold``
    (the false-positive identification rate, FPIR) and the mean number of such candidates.
    Returns a dict with keys searches, gallery size, threshold, FPIR, mean false candidates.

    >>> open_set_false_alarms(threshold=0.6)["FPIR"]   # doctest: +SKIP
    0.999
    """
    table, emb = precomputed.load()
    counts = table["person"].map(table["person"].value_counts())
    singles = table[counts == 1].index.to_numpy()
    pick = np.random.default_rng(seed).choice(singles, size=min(probes, len(singles)), replace=False)
    hits = []
    for i in pick:
        d = np.linalg.norm(emb - emb[i], axis=1)
        d[i] = np.inf
        hits.append(int((d <= threshold).sum()))
    hits = np.array(hits)
    return {"searches": len(pick), "gallery size": len(emb) - 1, "threshold": threshold,
            "FPIR": float(np.mean(hits > 0)), "mean false candidates": float(hits.mean())}


def search_explorer(gallery: Gallery, people: list[str]):
    """An ipywidgets tool: choose a person and photo, move the threshold and k, see the candidates.

    Built like the slider in lesson B5: two Dropdowns (person, photo), an IntSlider (top k) and a
    FloatSlider (threshold), wired by the course's explorer helper (:func:`facecourse.widgets.explorer`:
    an ``observe`` callback per control) to :func:`search_results`, which writes the table into an
    ``HTML`` widget. Choosing a person refills the photo list. Returns the ``VBox``; its
    ``last_table`` attribute holds the DataFrame shown now (tests read it).

    >>> ui = search_explorer(g, ["Gordon_Brown", "Tony_Blair"])   # doctest: +SKIP
    >>> ui.children[1].children[1].value = 0.5                      # doctest: +SKIP
    >>> ui.last_table   # the candidates within 0.5   # doctest: +SKIP
    """
    import ipywidgets as w

    from ..widgets import explorer

    recs = gallery.records

    def photos_of(name):
        return sorted(recs.loc[recs["identity"] == name, "path"])

    person = w.Dropdown(options=people, value=people[0], description="person")
    photo = w.Dropdown(options=photos_of(people[0]), description="photo")
    threshold = w.FloatSlider(value=THRESHOLD, min=0.3, max=1.0, step=0.05, description="threshold", readout_format=".2f")
    controls = {"person": person, "photo": photo, "k": w.IntSlider(value=5, min=1, max=20, description="top k"),
                "threshold": threshold}

    def on_person(change):  # registered before the explorer's callbacks, so the photo list is new first
        photo.options = photos_of(change["new"])
        photo.value = photo.options[0]

    person.observe(on_person, names="value")

    def render(person, photo, k, threshold):  # person only chooses the photos; the photo is the probe
        return search_results(gallery, photo, k=k, threshold=threshold)

    def show(table):
        return (table.to_html(index=False, render_links=True, escape=True) if len(table)
                else f"<p>No candidate within {threshold.value:.2f}: nobody in the gallery is close enough.</p>")

    return explorer(controls, render, show=show, rows=[["person", "photo"], ["k", "threshold"]])
