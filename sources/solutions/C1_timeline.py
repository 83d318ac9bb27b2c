# %% [raw]
# # ASSIGNMENT CONFIG
# name: C1_timeline
# init_cell: true
# check_all_cell: true
# export_cell: false
# tests:
#   files: false
#   ok_format: false

# %% [markdown]
# # Exercise C1: reading the timeline
#
# **Why this matters.** Numbers about surveillance get repeated until nobody remembers who said
# them. These questions make you compute from the sourced table, draw it honestly, and keep its
# doubts.
#
# **Learning objectives.** Filter and count a dated facts table; compare amounts within one
# currency, and across currencies only in euros; compute growth from claims; summarise events with a pivot table; build an altair chart
# with typed encodings, a tooltip that carries the source, a title and a description; say what a
# flag means for how a number may be used.
#
# **Prerequisites.** `lessons/C1_timeline.ipynb` (it shows every pandas and altair call used here).
#
# **Estimated time.** 35 minutes (from a trial run: see `INSTRUCTORS.md`).

# %%
import altair as alt
import pandas as pd

from facecourse.breach import facts

events = facts.timeline()
fines = facts.fines()
sizes = facts.database_size()

# %% [markdown]
# ## Question 1: the year everything happened
#
# Store in `events_2020` the number of events in the timeline dated in 2020, and in
# `letters_2020` the number of **platform cease-and-desist letters** (`event_type` equal to
# `"platform_cease_and_desist"`) in 2020.

# %% [raw]
# # BEGIN QUESTION
# name: q1
# points: 2

# %% [raw]
# # BEGIN SOLUTION

# %%
events_2020 = int((events["year"] == 2020).sum())  # SOLUTION
letters_2020 = int(((events["year"] == 2020) & (events["event_type"] == "platform_cease_and_desist")).sum())  # SOLUTION
events_2020, letters_2020

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
def test_q1_1(events_2020, letters_2020, events):
    from facecourse.checks import answered
    answered("q1", events_2020=events_2020, letters_2020=letters_2020)
    assert events_2020 == events["date"].str.startswith("2020").sum(), \
        "events_2020 must count the timeline rows dated in 2020 (and only those)"

# %%
def test_q1_2(letters_2020, events):
    assert letters_2020 == len(events.query("year == 2020 and event_type == 'platform_cease_and_desist'")), \
        "letters_2020 must count the 2020 rows whose event_type is 'platform_cease_and_desist'"

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_q1_hidden_1(events_2020, letters_2020):
    assert events_2020 == 34
    assert letters_2020 == 4

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 2: the largest fines, currency by currency
#
# Using `fines`, keep only rows of kind `"fine"` (not provisional amounts, daily penalties or
# liquidated penalties). Store in `largest_by_currency` a dict mapping each currency to its **largest**
# fine (for example `{"EUR": ..., "GBP": ..., ...}`), and in `largest_eur_country` the country
# that imposed the largest euro fine.
#
# *Hint:* `groupby("currency")["amount"].max()` and `Series.idxmax()`, as in the lesson.

# %% [raw]
# # BEGIN QUESTION
# name: q2
# points: 2

# %% [raw]
# # BEGIN SOLUTION

# %%
decided = fines[fines["kind"] == "fine"]  # SOLUTION
largest_by_currency = decided.groupby("currency")["amount"].max().to_dict()  # SOLUTION
eur = decided[decided["currency"] == "EUR"]  # SOLUTION
largest_eur_country = eur.loc[eur["amount"].idxmax(), "country"]  # SOLUTION
largest_by_currency, largest_eur_country

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
def test_q2_1(largest_by_currency, largest_eur_country, fines):
    from facecourse.checks import answered
    answered("q2", largest_by_currency=largest_by_currency, largest_eur_country=largest_eur_country)
    _decided = fines.query("kind == 'fine'")
    assert set(largest_by_currency) == set(_decided["currency"]), \
        "largest_by_currency needs one entry per currency of the fines of kind 'fine'"
    _gbp, _want = largest_by_currency["GBP"], _decided.query("currency == 'GBP'")["amount"].max()
    if "amount_eur" in fines and _gbp != _want and _gbp == _decided.query("currency == 'GBP'")["amount_eur"].max():
        raise AssertionError(f"largest_by_currency['GBP'] is {_gbp}, the fine in euros: give each largest fine in its own currency (the amount column), {_want}.")
    assert _gbp == _want, \
        (f"largest_by_currency['GBP'] is {_gbp}, the provisional GBP 17m: keep only rows of kind 'fine'."
         if _gbp == fines.query("currency == 'GBP'")["amount"].max() else
         f"largest_by_currency['GBP'] should be the largest GBP fine of kind 'fine' ({_want}), got {_gbp}.")
    assert all(largest_by_currency[c] == _decided.query("currency == @c")["amount"].max() for c in largest_by_currency), \
        "each value of largest_by_currency must be the LARGEST fine in that currency, not a sum or a first value"

# %%
def test_q2_2(fines, largest_eur_country):
    _decided = fines.query("kind == 'fine'")
    assert largest_eur_country == _decided.sort_values("amount").query("currency == 'EUR'")["country"].iloc[-1], \
        "largest_eur_country must be the country whose euro fine is the largest"

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_q2_hidden_1(largest_by_currency, largest_eur_country):
    assert largest_by_currency == {"EUR": 30_500_000, "GBP": 7_552_800, "SEK": 2_500_000}
    assert largest_eur_country == "Netherlands"

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 3: how fast did the claims grow?
#
# Using `sizes`, and only the rows of kind `"claimed size"` (a target is not a size): store in
# `growth` the ratio of the largest claimed size to the size claimed in the New York Times report
# of January 2020 (the row dated `2020-01-18`), and in `years` the number of years between those
# two claims as a float (days / 365.25).

# %% [raw]
# # BEGIN QUESTION
# name: q3
# points: 2

# %% [raw]
# # BEGIN SOLUTION

# %%
claims = sizes[sizes["kind"] == "claimed size"]  # SOLUTION
start = claims[claims["date"] == "2020-01-18"].iloc[0]  # SOLUTION
end = claims.loc[claims["images"].idxmax()]  # SOLUTION
growth = float(end["images"] / start["images"])  # SOLUTION
years = (end["when"] - start["when"]).days / 365.25  # SOLUTION
growth, years

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
def test_q3_1(growth, years, sizes):
    from facecourse.checks import answered
    answered("q3", growth=growth, years=years)
    _claims = sizes.query("kind == 'claimed size'").sort_values("images")
    _start = sizes.set_index("date").loc["2020-01-18"]
    assert abs(growth - _claims["images"].iloc[-1] / _start["images"]) < 1e-9, \
        "growth must be the largest CLAIMED size (not the target) divided by the January 2020 claim"

# %%
def test_q3_2(sizes, years):
    _claims = sizes.query("kind == 'claimed size'").sort_values("images")
    _start = sizes.set_index("date").loc["2020-01-18"]
    assert abs(years - (_claims["when"].iloc[-1] - _start["when"]).days / 365.25) < 1e-6, \
        "years must be the days between the January 2020 claim and the largest claim, divided by 365.25"

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_q3_hidden_1(growth, years):
    assert abs(growth - 20) < 1e-9
    assert abs(years - 5.78) < 0.01

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 4: who acted, and when (a pivot table)
#
# Build `regulator_years`: a pivot table of the timeline's **regulator** events (`event_type`
# equal to `"regulator"`), with one row per `jurisdiction` code as written (a joint action such as
# `GB;AU` keeps its own row), one column per `year`, and the number of events in each cell (0, not
# NaN, where there were none).
#
# *Hint:* `DataFrame.pivot_table(index=..., columns=..., values=..., aggfunc="count", fill_value=0)`.

# %% [raw]
# # BEGIN QUESTION
# name: q4
# points: 2

# %% [raw]
# # BEGIN SOLUTION

# %%
regulator_years = None  # your pivot table replaces this
# BEGIN SOLUTION
regulator_years = events[events["event_type"] == "regulator"].pivot_table(
    index="jurisdiction", columns="year", values="headline", aggfunc="count", fill_value=0)
# END SOLUTION
regulator_years

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
def test_q4_1(regulator_years, events):
    import pandas as pd
    from facecourse.checks import answered
    answered("q4", regulator_years=regulator_years)
    _reg = events[events["event_type"] == "regulator"]
    assert isinstance(regulator_years, pd.DataFrame), "regulator_years must be a DataFrame (a pivot table)"
    assert not regulator_years.isna().any().any(), "empty cells must hold 0, not NaN: use fill_value=0"
    assert set(regulator_years.index) == set(_reg["jurisdiction"]) and set(regulator_years.columns) == set(_reg["year"]), \
        "rows must be the jurisdictions and columns the years of the regulator events only"

# %%
def test_q4_2(events, regulator_years):
    _reg = events[events["event_type"] == "regulator"]
    regulator_years = regulator_years.fillna(0)  # empty cells left as NaN are q4_1's sentence, not this one's
    assert regulator_years.to_numpy().sum() == len(_reg), \
        "the cells must count regulator events (their total is the number of regulator rows)"
    assert regulator_years.loc["NL", 2024] == ((_reg["jurisdiction"] == "NL") & (_reg["year"] == 2024)).sum(), \
        "each cell must count the regulator events of that jurisdiction in that year"

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_q4_hidden_1(regulator_years):
    assert regulator_years.loc["CA", 2021] == 3
    assert regulator_years.loc["FR"].sum() == 4
    assert regulator_years.shape == (11, 5)

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 5: draw the fines honestly
#
# The fines were decided in euros, pounds and Swedish kronor: raw amounts on one axis would draw
# kronor, pounds and euros as if they were the same money. Compare like with like, as the lesson did:
# build `fines_bars`, an altair chart of the fines of kind `"fine"` (only those rows), with
#
# * bars (`mark_bar`), one per decision;
# * `x`: the amount **in euros**, `amount_eur` (converted at the ECB rate of the decision date), as a
#   quantitative field; `y`: the `country` as a nominal field;
# * `color`: the `currency` of the decision as a nominal field (the reader still sees which fines
#   were converted);
# * a `tooltip` that includes `fined` (who was fined: not always Clearview), the decided `amount`
#   and its `currency`, and `source_url`;
# * a title and a description (alt text) set with `.properties(title=..., description=...)`.
#
# The lesson built its charts the same way (`alt.Chart(df).mark_...().encode(...)`).

# %% [raw]
# # BEGIN QUESTION
# name: q5
# points: 3

# %% [raw]
# # BEGIN SOLUTION

# %%
fines_bars = None  # your chart replaces this
# BEGIN SOLUTION
_decided_rows = fines[fines["kind"] == "fine"]
fines_bars = alt.Chart(_decided_rows).mark_bar().encode(
    x=alt.X("amount_eur:Q", title="amount in euros (ECB rate of the decision date)"),
    y=alt.Y("country:N", sort="-x", title=None),
    color=alt.Color("currency:N", title="currency of the decision"),
    tooltip=["country:N", "fined:N", "date:N", alt.Tooltip("amount:Q", format=",.0f", title="amount decided"),
             "currency:N", alt.Tooltip("amount_eur:Q", format=",.0f", title="in euros"), "source_url:N"],
).properties(title="Fines decided by regulators, in euros",
             description="Bar chart: one bar per fine decision, length is the amount in euros at the European "
                         "Central Bank's rate of the decision date, coloured by the currency of the decision; "
                         "the Swedish fine was imposed on the police.")
# END SOLUTION
fines_bars

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
def test_q5_1(fines_bars):
    from facecourse.checks import answered
    answered("q5", fines_bars=fines_bars)
    from facecourse.charts import spec_summary  # reads the chart's Vega-Lite spec (chart.to_dict())
    _s = spec_summary(fines_bars, "fines_bars")
    _enc = _s["encoding"]
    assert _s["mark"] == "bar", f"fines_bars must draw bars (mark_bar), not {_s['mark']!r}"

# %%
def test_q5_2(fines_bars, fines):
    from facecourse.charts import spec_summary  # reads the chart's Vega-Lite spec (chart.to_dict())
    _s = spec_summary(fines_bars, "fines_bars")
    _enc = _s["encoding"]
    _x = _enc.get("x", {}).get("field")
    assert _x != "amount", (
        "x draws `amount`, each fine in its own currency, as if kronor, pounds and euros were the same money: "
        "put the euro amounts on x, 'amount_eur:Q'")
    assert _x == "amount_eur" and _enc["x"]["type"] == "quantitative", \
        f"x must encode the euro amounts 'amount_eur' as quantitative ('amount_eur:Q'), not {_x!r}"
    assert _enc.get("y", {}).get("field") == "country" and _enc["y"]["type"] in ("nominal", "ordinal"), \
        "y must encode the field 'country' as nominal ('country:N')"
    assert _enc.get("color", {}).get("field") == "currency" and _enc["color"]["type"] == "nominal", \
        "color must encode the field 'currency' as nominal, so that the reader sees which fines were converted"

# %%
def test_q5_3(fines_bars):
    from facecourse.charts import spec_summary  # reads the chart's Vega-Lite spec (chart.to_dict())
    _s = spec_summary(fines_bars, "fines_bars")
    _missing = sorted({"fined", "amount", "currency", "source_url"} - _s["tooltip"])
    assert not _missing, f"the tooltip must include 'fined', 'amount', 'currency' and 'source_url'; it lacks {_missing}"

# %%
def test_q5_4(fines_bars):
    from facecourse.charts import spec_summary, expect_titled  # reads the chart's Vega-Lite spec (chart.to_dict())
    expect_titled(spec_summary(fines_bars, "fines_bars"), "fines_bars")

# %%
def test_q5_5(fines_bars, fines):
    from facecourse.charts import spec_summary  # reads the chart's Vega-Lite spec (chart.to_dict())
    _s = spec_summary(fines_bars, "fines_bars")
    _rows = _s["rows"]
    assert len(_rows) == (fines["kind"] == "fine").sum() and {r.get("kind") for r in _rows} == {"fine"}, \
        "the chart's data must be exactly the rows of kind 'fine'"
    _want = fines[fines["kind"] == "fine"]
    _got = sorted((r["country"], r["currency"], float(r["amount"]), round(float(r["amount_eur"]), 2)) for r in _rows)
    assert _got == sorted(zip(_want["country"], _want["currency"], _want["amount"].astype(float),
                              _want["amount_eur"].astype(float).round(2))), \
        "each fine must keep its own amount, currency and amount_eur, as in fines: do not change or relabel them"

# %%
def test_q5_6(fines_bars, fines):
    from facecourse.charts import spec_summary, drawn_rows, expect_bars_from_zero, expect_domain_shows_all
    _s = spec_summary(fines_bars, "fines_bars")
    expect_bars_from_zero(_s, "x", "fines_bars")
    expect_domain_shows_all(_s, "x", "fines_bars")
    _drawn = sorted(round(float(r["amount_eur"]), 2) for r in drawn_rows(_s, "fines_bars"))
    _want = sorted(fines.loc[fines["kind"] == "fine", "amount_eur"].astype(float).round(2))
    assert len(_drawn) <= len(_want), \
        (f"fines_bars draws {len(_drawn)} bars for the {len(_want)} fines: draw only the rows of kind 'fine' "
         "(the others were not decided fines)")
    assert _drawn == _want, \
        (f"fines_bars draws {len(_drawn)} bars; every one of the {len(_want)} fines must be drawn (a transform_filter "
         "or a pandas filter that leaves a fine out hides a decision)")

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_q5_hidden_1(fines_bars, fines):
    from facecourse.charts import spec_summary  # reads the chart's Vega-Lite spec (chart.to_dict())
    _s = spec_summary(fines_bars, "fines_bars")
    _rows = _s["rows"]
    assert _s["encoding"]["x"]["field"] == "amount_eur"
    assert sorted(round(float(r["amount_eur"]), 2) for r in _rows) == \
        sorted(fines.loc[fines["kind"] == "fine", "amount_eur"].astype(float).round(2))
    assert "SE" in {r["jurisdiction"] for r in _rows}

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 6 (written): a claim is a fact about a claim
#
# The 60-billion figure comes from the company, repeated by a complainant and by the press. In
# three to five sentences: how should a journalist or a regulator use such a number, and why did
# the course keep the 100-billion *target* in the table instead of deleting it?

# %% [raw]
# # BEGIN QUESTION
# name: q6
# manual: true
# points: 2

# %% [raw]
# # BEGIN SOLUTION

# %% [markdown]
# **Model answer.** It should be reported as the company's claim, attributed, with the date it was made, not as a
# measured size: nobody outside the company counted the images. It is still useful, because the
# company has an incentive to sound large to investors and customers and regulators can hold it to
# its own statements. The target stays in the table, marked as a target, because the ambition
# itself is a fact about the business (it shows the plan was to keep scraping at a massive rate);
# deleting it would lose that, while plotting it as a size would mislead.
#
# **Rubric (2 points).**
# * 1 point: use the number as the company's claim, attributed and dated, never as a measured size
#   (nobody outside the company counted the images); it is still useful as a statement the company can
#   be held to, and it shows what the company wanted investors and customers to believe.
# * 1 point: the 100-billion target stays, labelled as a target, because the ambition is itself a
#   fact about the business (the plan to keep scraping at scale); deleting it would lose that, and
#   plotting it as a size would mislead.
#
# **Common weak answers.**
# * "The company may be lying, so the number should be ignored": loses the first point.
# * Treats 60 billion as verified because a complainant and the press repeated it: 0 of 2 points
#   unless the target is explained (then 1).
# * Keeps the target "because more data is better", or without saying it must be labelled as a target:
#   loses the second point.

# %% [raw]
# # END SOLUTION

# %% [raw]
# # END QUESTION
