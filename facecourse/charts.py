"""Altair charts the lessons share. Each has a title, axis labels, tooltips and a text description
(rendered as the SVG's accessible label), and embeds only small, pre-aggregated data.

Rendering is offline: JupyterLab draws Vega-Lite itself, and ``save_static`` uses vl-convert.
"""

from __future__ import annotations

from pathlib import Path

import altair as alt
import numpy as np
import pandas as pd

# Emit the Vega-Lite spec itself (no HTML, no <script> from a CDN): JupyterLab renders it with its
# bundled Vega, offline, and nbval compares a deterministic JSON spec.
alt.renderers.enable("mimetype")


def _described(chart: alt.Chart, description: str) -> alt.Chart:
    return chart.properties(description=description)


def distance_histogram(distances: pd.DataFrame, threshold: float = 0.6, bins: int = 60,
                       title: str = "Distances between embeddings") -> alt.Chart:
    """Overlaid histograms of same-person vs different-person distances, with a threshold rule.

    ``distances`` has columns ``distance`` and ``same`` (bool). Binning happens here, in pandas,
    so the chart carries ``bins`` x 2 rows, not one per pair.
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

    Zero rates cannot be drawn on a log axis; they are left out (the lesson says so).
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


def line_chart(df: pd.DataFrame, x: str, y: str, title: str, x_title: str, y_title: str, description: str,
               color: str | None = None, log_x: bool = False, log_y: bool = False, y_format: str | None = None) -> alt.Chart:
    enc = dict(
        x=alt.X(x, title=x_title, scale=alt.Scale(type="log") if log_x else alt.Undefined),
        y=alt.Y(y, title=y_title, scale=alt.Scale(type="log") if log_y else alt.Undefined,
                axis=alt.Axis(format=y_format) if y_format else alt.Undefined),
        tooltip=list(df.columns),
    )
    if color:
        enc["color"] = alt.Color(color)
    return _described(alt.Chart(df).mark_line(point=True).encode(**enc).properties(title=title, width=460, height=260),
                      description)


def save_static(chart: alt.Chart, path: str | Path) -> Path:
    """Export a chart to SVG or PNG without a browser or network (vl-convert)."""
    path = Path(path)
    chart.save(str(path))
    return path


# --- Track C: the breach ----------------------------------------------------------------------

def timeline_chart(events: pd.DataFrame, title: str = "Clearview AI: sourced events, 2017-2026") -> alt.Chart:
    """One dot per event, by year and kind of event; hover for the headline and the source."""
    df = events[["when", "date", "event_type", "jurisdiction", "headline", "source_name"]].copy()
    df["kind"] = df["event_type"].map(_EVENT_KINDS).fillna("other")
    chart = alt.Chart(df).mark_circle(size=70, opacity=0.75).encode(
        x=alt.X("when:T", title="date"),
        y=alt.Y("kind:N", title=None, sort=list(dict.fromkeys(_EVENT_KINDS.values()))),
        color=alt.Color("kind:N", legend=None),
        tooltip=["date:N", "kind:N", "jurisdiction:N", "headline:N", alt.Tooltip("source_name:N", title="source")],
    ).properties(title=title, width=560, height=240)
    return _described(chart, f"{title}. Dots mark {len(df)} events by date, grouped by kind: the company's "
                             "claims, media and leak reports, platform letters, lawsuits and court rulings, and "
                             "regulators' decisions. Most legal and regulatory events follow the January 2020 "
                             "reporting and the February 2020 breach.")


_EVENT_KINDS = {
    "founding": "company and claims", "funding": "company and claims", "adoption_claim": "company and claims",
    "accuracy_claim": "company and claims", "database_size": "company and claims",
    "database_growth": "company and claims", "usage_claim": "company and claims", "usage_spike": "company and claims",
    "business_change": "company and claims", "leadership": "company and claims", "nist_frvt": "company and claims",
    "media_report": "reporting and leak", "breach": "reporting and leak", "breach_exposed_fields": "reporting and leak",
    "leak_analysis": "reporting and leak", "named_customer": "reporting and leak",
    "private_sector_count": "reporting and leak", "regional_count": "reporting and leak",
    "response_breakdown": "reporting and leak", "response_breakdown_derived": "reporting and leak",
    "security_lapse": "reporting and leak",
    "platform_cease_and_desist": "platforms", "platform_demand": "platforms", "platform_action": "platforms",
    "lawsuit": "courts and settlements", "court_ruling": "courts and settlements", "settlement": "courts and settlements",
    "settlement_proposed": "courts and settlements", "settlement_approved": "courts and settlements",
    "tribunal": "courts and settlements", "criminal_complaint": "courts and settlements",
    "regulator": "governments and regulators", "government_action": "governments and regulators",
    "government_statement": "governments and regulators", "government_contract": "governments and regulators",
}


def fines_chart(fines: pd.DataFrame, title: str = "Fines decided by data-protection regulators") -> alt.Chart:
    """Horizontal bars, one per final or contested fine, in the decision's own currency (not converted)."""
    df = fines[fines["kind"] == "fine"].copy()
    df["label"] = df["country"] + " (" + df["date"].str[:4] + ")"
    df["millions"] = df["amount"] / 1e6
    chart = alt.Chart(df).mark_bar().encode(
        x=alt.X("millions:Q", title="amount (millions, in the currency of the decision)"),
        y=alt.Y("label:N", title=None, sort="-x"),
        color=alt.Color("currency:N", title="currency"),
        tooltip=["country:N", "date:N", "fined:N", alt.Tooltip("amount:Q", format=",.0f"), "currency:N", "flag:N",
                 alt.Tooltip("source_name:N", title="source")],
    ).properties(title=title, width=460, height=24 * len(df))
    return _described(chart, f"{title}. One bar per decision; bar length is the amount in millions of the "
                             "decision's currency (EUR, GBP, SEK: not converted). The largest is the Dutch "
                             "EUR 30.5m fine; the Swedish fine was imposed on the police, not on Clearview.")


def size_claims_chart(sizes: pd.DataFrame, title: str = "How big is the gallery? Claimed image counts") -> alt.Chart:
    """Claimed gallery size over time on a log axis; the investor-deck target is drawn as a hollow mark."""
    df = sizes.copy()
    df["billions"] = df["images"] / 1e9
    base = alt.Chart(df).encode(
        x=alt.X("when:T", title="date of the claim"),
        y=alt.Y("billions:Q", scale=alt.Scale(type="log"), title="images (billions, log scale)"),
        tooltip=["date:N", alt.Tooltip("billions:Q", format=",.1f", title="billions"), "kind:N", "actor:N",
                 alt.Tooltip("source_name:N", title="source")],
    )
    line = base.transform_filter(alt.datum.kind == "claimed size").mark_line(point=True)
    target = base.transform_filter(alt.datum.kind == "target").mark_point(size=120, shape="diamond", filled=False,
                                                                           color="firebrick")
    chart = (line + target).properties(title=title, width=460, height=260)
    return _described(chart, f"{title}. Company claims of gallery size, repeated by the press and regulators, rise "
                             "from 2.8 billion images in 2019 to more than 60 billion in 2025 on a logarithmic "
                             "axis; a hollow red diamond marks the 100 billion target from an investor deck, "
                             "which was a goal, not a count.")


def share_bars(table: pd.DataFrame, category: str, title: str, description: str, value: str = "searches",
               top: int = 15) -> alt.Chart:
    """Bars of ``value`` per ``category`` (largest ``top``), with the share in the tooltip."""
    df = table.head(top).copy()
    total = table[value].sum()
    df["share"] = df[value] / total if total else 0.0
    chart = alt.Chart(df).mark_bar().encode(
        x=alt.X(f"{value}:Q", title=value),
        y=alt.Y(f"{category}:N", title=None, sort="-x"),
        tooltip=[f"{category}:N", alt.Tooltip(f"{value}:Q", format=","), alt.Tooltip("share:Q", format=".1%")]
        + [c for c in ("organisations:Q",) if "organisations" in df],
    ).properties(title=title, width=420, height=max(60, 20 * len(df)))
    return _described(chart, description)


def concentration_chart(curve: pd.DataFrame, title: str, description: str) -> alt.Chart:
    """Cumulative share of searches against the share of organisations, heaviest first."""
    step = max(1, len(curve) // 200)  # about 200 points are enough to draw the curve
    df = curve.iloc[::step]
    chart = alt.Chart(df).mark_line().encode(
        x=alt.X("top share of organisations:Q", axis=alt.Axis(format="%"), title="heaviest organisations (share)"),
        y=alt.Y("share of searches:Q", axis=alt.Axis(format="%"), title="share of all searches"),
        tooltip=[alt.Tooltip("top share of organisations:Q", format=".1%"),
                 alt.Tooltip("share of searches:Q", format=".1%")],
    ).properties(title=title, width=360, height=260)
    return _described(chart, description)


# --- Track A: scraping ------------------------------------------------------------------------

def collected_by_setting_chart(by_setting: pd.DataFrame,
                               title: str = "Photos collected, by the privacy setting of the person") -> alt.Chart:
    """Bars per crawler within each privacy setting. ``by_setting``: index = setting, one column per crawler."""
    df = by_setting.reset_index().melt(by_setting.index.name or "setting", var_name="crawler", value_name="photos")
    df = df.rename(columns={by_setting.index.name or "setting": "setting"})
    chart = alt.Chart(df).mark_bar().encode(
        x=alt.X("photos:Q", title="photos collected"),
        y=alt.Y("crawler:N", title=None),
        color=alt.Color("crawler:N", legend=None),
        row=alt.Row("setting:N", title="profile's privacy setting"),
        tooltip=["setting:N", "crawler:N", "photos:Q"],
    ).properties(title=title, width=360, height=40)
    return _described(chart, f"{title}. Bar chart: both crawlers collect the same photos of public profiles; only "
                             "the careless crawler collects photos of people whose profiles are members-only, "
                             "marked noindex, or opted out of collection.")
