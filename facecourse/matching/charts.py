"""Track B's altair charts: distance histograms and DET curves (each with a title, tooltips and a description)."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from . import THRESHOLD

def _described(chart: alt.Chart, description: str) -> alt.Chart:
    return chart.properties(description=description)


def distance_histogram(distances: pd.DataFrame, threshold: float = THRESHOLD, bins: int = 60,
                       title: str = "Distances between embeddings") -> alt.Chart:
    """Overlaid histograms of same-person vs different-person distances, with a threshold rule.

    ``distances`` has columns ``distance`` and ``same`` (bool). Binning happens here, in pandas,
    so the chart carries ``bins`` x 2 rows, not one per pair. Returns an altair layer chart with a
    title and a description (alt text).

    >>> distance_histogram(pairs, threshold=0.6, title="LFW View 2 distances")   # doctest: +SKIP
    """
    edges = np.linspace(0, max(1.2, float(distances["distance"].max())), bins + 1)
    rows = []
    for same, grp in distances.groupby("same"):
        counts, _ = np.histogram(grp["distance"], edges)
        share = counts / max(1, len(grp))
        for lo, hi, c, s in zip(edges[:-1], edges[1:], counts, share):
            rows.append({"pair": "same person" if same else "different people", "from": lo, "to": hi,
                         "pairs": int(c), "share": float(s)})
    df = pd.DataFrame(rows)
    bars = alt.Chart(df).mark_bar(opacity=0.6, binSpacing=0).encode(
        x=alt.X("from:Q", bin="binned", title="Euclidean distance between the two embeddings"),
        x2="to:Q",
        y=alt.Y("share:Q", stack=None, title="share of pairs", axis=alt.Axis(format="%")),
        color=alt.Color("pair:N", title="pair", scale=alt.Scale(domain=["same person", "different people"],
                                                                 range=["#1b9e77", "#d95f02"])),
        tooltip=["pair:N", alt.Tooltip("from:Q", format=".2f"), alt.Tooltip("to:Q", format=".2f"), "pairs:Q",
                 alt.Tooltip("share:Q", format=".1%")],
    )
    rule = alt.Chart(pd.DataFrame({"threshold": [threshold]})).mark_rule(strokeDash=[4, 4], color="black").encode(
        x="threshold:Q", tooltip=[alt.Tooltip("threshold:Q", title="threshold")])
    return _described((bars + rule).properties(title=title, width=520, height=260),
                      f"{title}. Overlaid histograms: same-person pairs (green) sit at small distances, "
                      f"different-person pairs (orange) at large ones; a dashed line marks the threshold {threshold}.")


def det_chart(curves: pd.DataFrame, title: str = "DET curve: errors of both kinds at every threshold",
              marks: pd.DataFrame | None = None) -> alt.Chart:
    """FNMR against FMR on log axes. ``curves`` has fmr, fnmr, threshold and optionally ``system``.

    Zero rates cannot be drawn on a log axis; they are left out (the lesson says so). ``marks``,
    optional, has fmr, fnmr, threshold and ``label`` columns: black dots with labels on the curve.
    Lesson B4 builds the same chart step by step with altair. Returns an altair layer chart with
    a title and a description (alt text).

    >>> det_chart(metrics.det_curve(genuine, impostor), title="DET curve")   # doctest: +SKIP
    """
    df = curves[(curves["fmr"] > 0) & (curves["fnmr"] > 0)].copy()
    if "system" not in df:
        df["system"] = "this pipeline"
    line = alt.Chart(df).mark_line(point=False).encode(
        x=alt.X("fmr:Q", scale=alt.Scale(type="log"), title="false match rate (FMR, log scale)"),
        y=alt.Y("fnmr:Q", scale=alt.Scale(type="log"), title="false non-match rate (FNMR, log scale)"),
        color=alt.Color("system:N", title=None),
        tooltip=[alt.Tooltip("threshold:Q", format=".3f"), alt.Tooltip("fmr:Q", format=".4f"),
                 alt.Tooltip("fnmr:Q", format=".4f"), "system:N"],
    )
    layers = [line]
    if marks is not None and len(marks):
        layers.append(alt.Chart(marks).mark_point(size=80, filled=True, color="black").encode(
            x="fmr:Q", y="fnmr:Q", tooltip=["label:N", alt.Tooltip("threshold:Q", format=".2f"),
                                             alt.Tooltip("fmr:Q", format=".4f"), alt.Tooltip("fnmr:Q", format=".4f")]))
        layers.append(alt.Chart(marks).mark_text(align="left", dx=8, dy=-6).encode(x="fmr:Q", y="fnmr:Q", text="label:N"))
    return _described(alt.layer(*layers).properties(title=title, width=460, height=320),
                      f"{title}. Both axes are logarithmic; moving the threshold trades false matches "
                      "(left to right) against false non-matches (top to bottom); lower-left is better.")
