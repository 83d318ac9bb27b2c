"""Track C's altair charts: the timeline, fines, gallery-size claims, shares and concentration.

Lessons C1 and C2 first build each kind of chart in the open with altair (``alt.Chart(df).mark_...()
.encode(...)``); these functions keep the result so that every lesson draws the same facts the same
way. Every chart has a title, typed encodings, a tooltip and a description (alt text) computed from
the data it draws.

Example::

    >>> from facecourse.breach import charts, facts
    >>> spec = charts.fines_chart(facts.fines()).to_dict()
    >>> spec["mark"]["type"], spec["encoding"]["x"]["type"]
    ('bar', 'quantitative')
"""

from __future__ import annotations

import altair as alt
import pandas as pd

def _described(chart: alt.Chart, description: str) -> alt.Chart:
    return chart.properties(description=description)


# --- Track C: the breach ----------------------------------------------------------------------

def timeline_chart(events: pd.DataFrame, title: str | None = None) -> alt.Chart:
    """One dot per event, by date and kind of event; hover for the headline and the source.

    Parameters: ``events``, the table from ``facts.timeline()``; ``title`` (default: "Clearview AI:
    sourced events, <first year>-<last year>", computed from ``events``).
    Returns an ``altair.Chart`` (``mark_circle``, ``x`` = ``when:T``, ``y`` = kind of event).

    >>> timeline_chart(facts.timeline()).to_dict()["encoding"]["x"]["type"]
    'temporal'
    """
    df = events[["when", "date", "event_type", "jurisdiction", "headline", "source_name"]].copy()
    if title is None:
        title = f"Clearview AI: sourced events, {df['when'].min().year}-{df['when'].max().year}"
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
    "legislation": "governments and regulators",
}


def fines_chart(fines: pd.DataFrame, title: str = "Fines decided by data-protection regulators, in euros") -> alt.Chart:
    """Horizontal bars, one per fine decision (kind ``"fine"``), all in euros on one axis.

    Amounts in pounds and kronor are converted at the ECB's euro reference rate of the decision date
    (``amount_eur`` from ``facts.fines()``), so bar lengths compare like with like; the colour and the
    tooltip keep the currency and amount of the decision itself, and the rate used. Each bar is
    labelled with the country, the year and who was fined (not always Clearview: Sweden fined its own
    police authority). Decisions that are not final keep their ``flag`` in the tooltip.
    Parameters: ``fines`` from ``facts.fines()``; ``title``. Returns an ``altair.Chart`` (``mark_bar``).

    >>> fines_chart(facts.fines()).to_dict()["encoding"]["x"]["field"]
    'eur_millions'
    """
    df = fines[fines["kind"] == "fine"].copy()
    df["label"] = df["country"] + " (" + df["date"].str[:4] + "), fined: " + df["fined"]
    df["eur_millions"] = df["amount_eur"] / 1e6
    chart = alt.Chart(df).mark_bar().encode(
        x=alt.X("eur_millions:Q", title="amount (EUR millions, at the ECB rate of the decision date)"),
        y=alt.Y("label:N", title=None, sort="-x"),
        color=alt.Color("currency:N", title="currency of the decision"),
        tooltip=["country:N", "date:N", "fined:N", alt.Tooltip("amount:Q", format=",.0f", title="amount decided"),
                 alt.Tooltip("currency:N", title="currency decided"),
                 alt.Tooltip("eur_rate:Q", format=",.5g", title="units per euro (ECB, that day)"),
                 alt.Tooltip("amount_eur:Q", format=",.0f", title="in euros"), "flag:N",
                 alt.Tooltip("source_name:N", title="source")],
    ).properties(title=title, width=460, height=24 * len(df))
    top = df.loc[df["amount_eur"].idxmax()] if len(df) else None
    others = df.loc[df["fined"] != "Clearview AI", ["country", "fined"]].drop_duplicates()
    converted = df[df["currency"] != "EUR"]
    text = (f"{title}. One bar per decision; bar length is the amount in millions of euros, amounts in "
            f"{' and '.join(sorted(converted['currency'].unique())) or 'other currencies'} converted at the European "
            "Central Bank's reference rate of the decision date; the colour is the currency of the decision.")
    if top is not None:
        text += f" The largest is the {top['country']} {top['currency']} {top['amount'] / 1e6:g}m fine."
    for row in converted.itertuples():
        text += (f" {row.country}'s {row.currency} {row.amount / 1e6:.3g}m is EUR {row.amount_eur / 1e6:.2f}m "
                 f"({row.eur_rate:g} {row.currency} per euro on {row.date}).")
    for row in others.itertuples():
        text += f" The fine in {row.country} was imposed on the {row.fined}, not on Clearview."
    return _described(chart, text)


def size_claims_chart(sizes: pd.DataFrame, title: str = "How big is the gallery? Claimed image counts") -> alt.Chart:
    """Claimed gallery size over time on a log axis; the investor-deck target is drawn as a hollow mark.

    Parameters: ``sizes`` from ``facts.database_size()``; ``title``. Returns a layered ``altair`` chart
    (a line of claimed sizes and a diamond for each target) whose description is computed from ``sizes``.

    >>> size_claims_chart(facts.database_size()).to_dict()["layer"][0]["encoding"]["y"]["scale"]
    {'type': 'log'}
    """
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
    claims = df[df["kind"] == "claimed size"].sort_values("when")
    targets = df[df["kind"] == "target"]
    text = f"{title}. Company claims of gallery size, repeated by the press and regulators"
    if len(claims):
        first, last = claims.iloc[0], claims.iloc[-1]
        text += (f", rise from {first['billions']:g} billion images in {first['when'].year} to "
                 f"{last['billions']:g} billion in {last['when'].year} on a logarithmic axis")
    text += "."
    for row in targets.itertuples():
        text += (f" A hollow red diamond marks the {row.billions:g} billion target of {row.when.year}, "
                 "a goal, not a count.")
    return _described(chart, text)


def share_bars(table: pd.DataFrame, category: str, title: str, description: str, value: str = "searches",
               top: int = 15) -> alt.Chart:
    """Bars of ``value`` per ``category`` (the largest ``top`` rows), with the share in the tooltip.

    Parameters: ``table``, e.g. from ``explore.by(df, "sector")``, sorted largest first; ``category``,
    the column drawn on the y axis; ``title`` and ``description`` (alt text); ``value`` (default
    ``"searches"``); ``top``. Returns an ``altair.Chart`` (``mark_bar``). Charts of the synthetic
    client list must say SYNTHETIC in the title.

    >>> from facecourse.breach import clients, explore
    >>> t = explore.by(clients.synthetic_clients(), "sector")
    >>> share_bars(t, "sector", "Searches by sector (SYNTHETIC)", "Bars.").to_dict()["mark"]["type"]
    'bar'
    """
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
    """Cumulative share of searches against the share of organisations, heaviest first.

    Parameters: ``curve`` from ``explore.concentration(df)``; ``title`` and ``description`` (alt text).
    Returns an ``altair.Chart`` (``mark_line``, both axes as percentages).
    """
    step = max(1, len(curve) // 200)  # about 200 points are enough to draw the curve
    df = curve.iloc[::step]
    chart = alt.Chart(df).mark_line().encode(
        x=alt.X("top share of organisations:Q", axis=alt.Axis(format="%"), title="heaviest organisations (share)"),
        y=alt.Y("share of searches:Q", axis=alt.Axis(format="%"), title="share of all searches"),
        tooltip=[alt.Tooltip("top share of organisations:Q", format=".1%"),
                 alt.Tooltip("share of searches:Q", format=".1%")],
    ).properties(title=title, width=360, height=260)
    return _described(chart, description)
