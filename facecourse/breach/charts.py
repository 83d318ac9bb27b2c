"""Track C's altair charts: the timeline, fines, gallery-size claims, shares and concentration."""

from __future__ import annotations

import altair as alt
import pandas as pd

from ..charts import _described


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
