"""Wrong answers a weak student would give in exercise C1; each must fail its public check."""

WRONG = {
    "q1": {
        "every event in the timeline, not only 2020": '''
events_2020 = len(events)
letters_2020 = int((events["event_type"] == "platform_cease_and_desist").sum())
''',
        "letters counted over all years (no year filter)": '''
events_2020 = int((events["year"] == 2020).sum())
letters_2020 = int((events["event_type"].str.startswith("platform")).sum())
''',
        "events from 2020 onwards (>= instead of ==)": '''
events_2020 = int((events["year"] >= 2020).sum())
letters_2020 = int(((events["year"] >= 2020) & (events["event_type"] == "platform_cease_and_desist")).sum())
''',
        "all platform events in 2020, not only cease-and-desist letters": '''
events_2020 = int((events["year"] == 2020).sum())
letters_2020 = int(((events["year"] == 2020) & events["event_type"].str.startswith("platform")).sum())
''',
    },
    "q2": {
        "the euro amounts (amount_eur) instead of each currency's own": '''
_d = fines[fines["kind"] == "fine"]
largest_by_currency = _d.groupby("currency")["amount_eur"].max().to_dict()
largest_eur_country = _d.loc[_d[_d["currency"] == "EUR"]["amount"].idxmax(), "country"]
''',
        "no filter on kind: the provisional GBP 17m counts as a fine": '''
largest_by_currency = fines.groupby("currency")["amount"].max().to_dict()
largest_eur_country = "Netherlands"
''',
        "sum instead of largest": '''
_d = fines[fines["kind"] == "fine"]
largest_by_currency = _d.groupby("currency")["amount"].sum().to_dict()
largest_eur_country = _d.loc[_d["amount"].idxmax(), "country"]
''',
        "first fine per currency instead of the largest": '''
_d = fines[fines["kind"] == "fine"]
largest_by_currency = _d.groupby("currency")["amount"].first().to_dict()
largest_eur_country = _d[_d["currency"] == "EUR"]["country"].iloc[0]
''',
        "only the euro fines in the dict": '''
_d = fines[(fines["kind"] == "fine") & (fines["currency"] == "EUR")]
largest_by_currency = {"EUR": _d["amount"].max()}
largest_eur_country = _d.loc[_d["amount"].idxmax(), "country"]
''',
        "country of the smallest euro fine (idxmin)": '''
_d = fines[fines["kind"] == "fine"]
largest_by_currency = _d.groupby("currency")["amount"].max().to_dict()
_e = _d[_d["currency"] == "EUR"]
largest_eur_country = _e.loc[_e["amount"].idxmin(), "country"]
''',
    },
    "q3": {
        "the 100-billion target counted as a size": '''
_start = sizes[sizes["date"] == "2020-01-18"].iloc[0]
_end = sizes.loc[sizes["images"].idxmax()]
growth = float(_end["images"] / _start["images"])
years = (_end["when"] - _start["when"]).days / 365.25
''',
        "ratio upside down": '''
_c = sizes[sizes["kind"] == "claimed size"]
_start = _c[_c["date"] == "2020-01-18"].iloc[0]
_end = _c.loc[_c["images"].idxmax()]
growth = float(_start["images"] / _end["images"])
years = (_end["when"] - _start["when"]).days / 365.25
''',
        "from the first claim (2019) instead of January 2020": '''
_c = sizes[sizes["kind"] == "claimed size"]
_start = _c.iloc[0]
_end = _c.loc[_c["images"].idxmax()]
growth = float(_end["images"] / _start["images"])
years = (_end["when"] - _start["when"]).days / 365.25
''',
        "difference of calendar years instead of days / 365.25": '''
_c = sizes[sizes["kind"] == "claimed size"]
_start = _c[_c["date"] == "2020-01-18"].iloc[0]
_end = _c.loc[_c["images"].idxmax()]
growth = float(_end["images"] / _start["images"])
years = float(_end["when"].year - _start["when"].year)
''',
    },
    "q4": {
        "all events, not only regulators": '''
regulator_years = events.pivot_table(index="jurisdiction", columns="year", values="headline", aggfunc="count",
                                     fill_value=0)
''',
        "no fill_value: NaN where nothing happened": '''
regulator_years = events[events["event_type"] == "regulator"].pivot_table(
    index="jurisdiction", columns="year", values="headline", aggfunc="count")
''',
        "rows and columns swapped": '''
regulator_years = events[events["event_type"] == "regulator"].pivot_table(
    index="year", columns="jurisdiction", values="headline", aggfunc="count", fill_value=0)
''',
        "sums the figures instead of counting events": '''
regulator_years = events[events["event_type"] == "regulator"].pivot_table(
    index="jurisdiction", columns="year", values="figure", aggfunc="sum", fill_value=0)
''',
        "counts only events that have a figure": '''
regulator_years = events[events["event_type"] == "regulator"].pivot_table(
    index="jurisdiction", columns="year", values="figure", aggfunc="count", fill_value=0)
''',
    },
    "q5": {
        "every row of fines charted, not only the decided fines": '''
fines_bars = alt.Chart(fines).mark_bar().encode(
    x="amount_eur:Q", y="country:N", color="currency:N", tooltip=["fined:N", "amount:Q", "currency:N", "source_url:N"]
).properties(title="Fines decided over Clearview, in euros", description="One bar per fine, in euros.")
''',
        "the raw mixed-currency amount on x (kronor, pounds and euros on one axis)": '''
fines_bars = alt.Chart(fines[fines["kind"] == "fine"]).mark_bar().encode(
    x="amount:Q", y="country:N", color="currency:N", tooltip=["fined:N", "amount:Q", "currency:N", "source_url:N"]
).properties(title="Fines", description="One bar per fine.")
''',
        "every fine relabelled as euros (the amount untouched)": '''
fines_bars = alt.Chart(fines[fines["kind"] == "fine"].assign(currency="EUR")).mark_bar().encode(
    x="amount_eur:Q", y="country:N", color="currency:N", tooltip=["fined:N", "amount:Q", "currency:N", "source_url:N"]
).properties(title="Fines", description="One bar per fine.")
''',
        "amounts overwritten with the euros": '''
fines_bars = alt.Chart(fines[fines["kind"] == "fine"].assign(amount=lambda d: d["amount_eur"])).mark_bar().encode(
    x="amount_eur:Q", y="country:N", color="currency:N", tooltip=["fined:N", "amount:Q", "currency:N", "source_url:N"]
).properties(title="Fines", description="One bar per fine.")
''',
        "the exchange rate on x instead of the euros": '''
fines_bars = alt.Chart(fines[fines["kind"] == "fine"]).mark_bar().encode(
    x="eur_rate:Q", y="country:N", color="currency:N", tooltip=["fined:N", "amount:Q", "currency:N", "source_url:N"]
).properties(title="Fines", description="One bar per fine.")
''',
        "points instead of bars": '''
fines_bars = alt.Chart(fines[fines["kind"] == "fine"]).mark_point().encode(
    x="amount_eur:Q", y="country:N", color="currency:N", tooltip=["fined:N", "amount:Q", "currency:N", "source_url:N"]
).properties(title="Fines", description="One point per fine.")
''',
        "euros encoded as nominal": '''
fines_bars = alt.Chart(fines[fines["kind"] == "fine"]).mark_bar().encode(
    x="amount_eur:N", y="country:N", color="currency:N", tooltip=["fined:N", "amount:Q", "currency:N", "source_url:N"]
).properties(title="Fines", description="One bar per fine.")
''',
        "no colour for the currency: converted and euro fines look alike": '''
fines_bars = alt.Chart(fines[fines["kind"] == "fine"]).mark_bar().encode(
    x="amount_eur:Q", y="country:N", tooltip=["fined:N", "amount:Q", "currency:N", "source_url:N"]
).properties(title="Fines", description="One bar per fine.")
''',
        "a log scale on the bar lengths (a fine ten times larger looks a little longer)": '''
fines_bars = alt.Chart(fines[fines["kind"] == "fine"]).mark_bar().encode(
    x=alt.X("amount_eur:Q", scale=alt.Scale(type="log")), y="country:N", color="currency:N",
    tooltip=["fined:N", "amount:Q", "currency:N", "source_url:N"]
).properties(title="Fines in euros", description="One bar per fine decision, in euros.")
''',
        "zero=False: the axis starts near the smallest fine": '''
fines_bars = alt.Chart(fines[fines["kind"] == "fine"]).mark_bar().encode(
    x=alt.X("amount_eur:Q", scale=alt.Scale(zero=False)), y="country:N", color="currency:N",
    tooltip=["fined:N", "amount:Q", "currency:N", "source_url:N"]
).properties(title="Fines in euros", description="One bar per fine decision, in euros.")
''',
        "an altair filter that drops the fine imposed on the Swedish police": '''
fines_bars = alt.Chart(fines[fines["kind"] == "fine"]).mark_bar().encode(
    x="amount_eur:Q", y="country:N", color="currency:N", tooltip=["fined:N", "amount:Q", "currency:N", "source_url:N"]
).transform_filter(alt.datum.jurisdiction != "SE").properties(
    title="Fines in euros", description="One bar per fine decision, in euros.")
''',
        "a placeholder title": '''
fines_bars = alt.Chart(fines[fines["kind"] == "fine"]).mark_bar().encode(
    x="amount_eur:Q", y="country:N", color="currency:N", tooltip=["fined:N", "amount:Q", "currency:N", "source_url:N"]
).properties(title="Title", description="One bar per fine decision, in euros.")
''',
        "tooltip without the source": '''
fines_bars = alt.Chart(fines[fines["kind"] == "fine"]).mark_bar().encode(
    x="amount_eur:Q", y="country:N", color="currency:N", tooltip=["country:N", "fined:N", "amount:Q", "currency:N"]
).properties(title="Fines", description="One bar per fine.")
''',
        "tooltip without the amount decided (only the euros)": '''
fines_bars = alt.Chart(fines[fines["kind"] == "fine"]).mark_bar().encode(
    x="amount_eur:Q", y="country:N", color="currency:N", tooltip=["fined:N", "amount_eur:Q", "source_url:N"]
).properties(title="Fines", description="One bar per fine.")
''',
        "no description (alt text)": '''
fines_bars = alt.Chart(fines[fines["kind"] == "fine"]).mark_bar().encode(
    x="amount_eur:Q", y="country:N", color="currency:N", tooltip=["fined:N", "amount:Q", "currency:N", "source_url:N"]
).properties(title="Fines")
''',
        "every money row, including provisional amounts and daily penalties": '''
fines_bars = alt.Chart(fines).mark_bar().encode(
    x="amount_eur:Q", y="country:N", color="currency:N", tooltip=["fined:N", "amount:Q", "currency:N", "source_url:N"]
).properties(title="Fines", description="One bar per fine.")
''',
    },
}

# Right answers in another form that must PASS.
RIGHT = {
    "q1": {"NumPy integers from sum()": '''
events_2020 = (events["when"].dt.year == 2020).sum()
letters_2020 = events.query("year == 2020")["event_type"].eq("platform_cease_and_desist").sum()
'''},
    "q2": {"sort and drop_duplicates": '''
_d = fines[fines["kind"] == "fine"].sort_values("amount", ascending=False)
largest_by_currency = dict(zip(_d.drop_duplicates("currency")["currency"], _d.drop_duplicates("currency")["amount"]))
largest_eur_country = _d[_d["currency"] == "EUR"]["country"].iloc[0]
'''},
    "q4": {"pd.crosstab": '''
_r = events[events["event_type"] == "regulator"]
regulator_years = pd.crosstab(_r["jurisdiction"], _r["year"])
'''},
    "q5": {"encodings as strings, ordinal y": '''
fines_bars = alt.Chart(fines.query("kind == 'fine'")).mark_bar(opacity=0.8).encode(
    x="amount_eur:Q", y="country:O", color="currency:N", tooltip=["country", "fined", "amount", "currency", "source_url"]
).properties(title="Fines in euros", description="Bars, one per fine decision, in euros.")
''',
        "alt.X objects, a sorted axis and every column in the tooltip": '''
_d = fines[fines["kind"] == "fine"]
fines_bars = alt.Chart(_d).mark_bar().encode(
    x=alt.X("amount_eur", type="quantitative", title="EUR"), y=alt.Y("country", type="nominal", sort="-x"),
    color=alt.Color("currency", type="nominal"), tooltip=list(_d.columns),
).properties(title="Fines in euros", description="One bar per fine decision, in euros.")
'''},
}
