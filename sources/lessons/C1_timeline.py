# %% [markdown]
# # C1. The timeline: from a secret app to fines across Europe
#
# **Why this matters.** Clearview's story is unusual because so much of it is on the record:
# newspaper investigations, company documents seen by reporters, cease-and-desist letters, court filings and regulators'
# decisions. Reading that record carefully (who said what, when, and how sure we can be) is the
# first skill of anyone who wants to judge a surveillance technology.
#
# **Learning objectives.** After this lesson you can
# 1. load a sourced timeline with pandas and count events by kind and year;
# 2. draw it with altair (dates on a time axis, tooltips that carry the source);
# 3. compare regulators' fines in one currency, converting openly at a sourced exchange rate of each decision's date;
# 4. plot claims that grow by orders of magnitude on a log scale, and keep a target apart from a measurement;
# 5. tell a company claim, a derived number and a final decision apart in a facts table.
#
# **Prerequisites.** `lessons/00_start_here.ipynb`; basic pandas (filtering, `groupby`).
#
# **Estimated time.** 30 minutes.

# %% [markdown]
# ## The facts table
#
# Every row in `datasets/facts/timeline.csv` is one sourced event: a date (at the precision the
# source supports: a year, a month or a day), the kind of event, the jurisdiction, a one-line
# headline written for this course, a figure if there is one, a `flag` for known doubts, and its
# **primary source** (`source_name`, `source_title`, `source_url`: the original article, decision
# or court text). Where the course read a repost or a summary instead, that is kept as the
# **secondary source** (`secondary_name`, `secondary_url`), and the flag says when the original
# itself could not be read. The figures were compiled by the course's research pack and checked
# against their originals where those could be found; check a source before you quote it.

# %%
import altair as alt
import pandas as pd
from IPython.display import Markdown, display

from facecourse.breach import charts, facts

events = facts.timeline()
print(f"{len(events)} events from {events['date'].iloc[0]} to {events['date'].iloc[-1]}")
events[["date", "event_type", "jurisdiction", "headline", "source_name"]].head(8)

# %% [markdown]
# The dates have different precisions. `facts.timeline()` parses them with
# `pd.to_datetime(..., format="ISO8601")`, which puts `2019-10` on 1 October 2019, and keeps the
# precision in its own column so that nobody mistakes "some time in 2017" for "1 January 2017":

# %%
events["precision"].value_counts()

# %% [markdown]
# ## What happened, and when
#
# Counting events by year shows the shape of the story: almost nothing is public before the
# New York Times report of 18 January 2020, then a burst of letters, lawsuits and leak analyses,
# then years of regulatory decisions.

# %%
per_year = events.groupby("year").size().rename("events")
per_year.to_frame().T

# %% [markdown]
# ### Drawing it with altair
#
# An altair chart is built from a DataFrame in three steps: `alt.Chart(df)` names the data, a
# `mark_...()` says what to draw (bars, points, lines), and `encode(...)` maps columns to visual
# channels. Each field carries a **type** after a colon: `:Q` quantitative (a number on a scale),
# `:O` ordinal (ordered categories, such as years drawn as separate bars), `:N` nominal (unordered
# categories), `:T` temporal (dates). The `tooltip` lists what a reader sees on hover, and
# `.properties(title=..., description=...)` gives the chart a title and the text a screen reader
# reads out (its alt text). The description below is computed from the data, like every number
# in this course.
#
# How the chart reaches your screen is altair's *renderer*. This course sends every chart as its
# Vega-Lite specification (the `mimetype` renderer), which JupyterLab draws with the copy of Vega it
# ships: no network needed, on a laptop offline or on a locked-down hub. Every kernel of the course
# environment starts with it (`course.py install` sets that up); altair's own default would load
# Vega from a web server instead. Outside the course, `alt.renderers.enable("mimetype")` does the same.

# %%
alt.renderers.active

# %%
per_year_df = per_year.reset_index()
busiest = per_year_df.loc[per_year_df["events"].idxmax()]
per_year_chart = alt.Chart(per_year_df).mark_bar().encode(
    x=alt.X("year:O", title="year"),
    y=alt.Y("events:Q", title="sourced events"),
    tooltip=["year:O", "events:Q"],
).properties(
    title="Sourced events per year",
    description=f"Bar chart of the number of sourced events per year from {per_year_df['year'].min()} to "
                f"{per_year_df['year'].max()}; the busiest year is {busiest['year']} with {busiest['events']} events.",
    width=420, height=200,
)
per_year_chart

# %% [markdown]
# `chart.to_dict()` shows the Vega-Lite specification altair wrote: the mark, each encoding with
# its field and type, the title and the description. The exercise checks your charts this way,
# through `facecourse.charts.spec_summary` (lesson A2).

# %%
spec = per_year_chart.to_dict()
spec["mark"], spec["encoding"]["x"], spec["encoding"]["y"], spec["description"][:40]

# %% [markdown]
# ### A pivot table: precision by year
#
# `pivot_table` counts rows in a grid: one row per value of `index`, one column per value of
# `columns`, and `aggfunc` applied to `values` in each cell; `fill_value=0` writes 0 where no row
# falls (otherwise the cell would be NaN). Here: how precisely each year's events are dated.

# %%
events.pivot_table(index="year", columns="precision", values="headline", aggfunc="count", fill_value=0)

# %% [markdown]
# The early years are known only to the month or the year; from 2020 on, almost every event has a
# day, because it was reported, filed or decided on a known date.
#
# ### The course's timeline chart
#
# The timeline has dozens of `event_type` values. The rest of the course draws it with
# `facecourse.breach.charts.timeline_chart`, which groups those types into six kinds, puts each
# event on a time axis (`when:T`) and carries the headline and the source in every tooltip: the
# same altair calls as above, written once so that every lesson shows the events the same way.

# %%
chart = charts.timeline_chart(events)
chart

# %% [markdown]
# *Figure: each dot is one event, placed by date and grouped by kind; hover over a dot for its
# headline and source. The rows for platforms and for the leak reporting are crowded into early
# 2020; court and regulator dots run on until the most recent year in the table.*
#
# ## The breach itself
#
# On 26 February 2020 Clearview told its customers that an intruder had obtained its whole
# client list, the number of user accounts each client had set up and the number of searches each
# had run. The next day BuzzFeed News published figures from internal Clearview documents it said
# it had reviewed; its report does not say how it obtained them, so this course does not call them
# the intruder's haul.

# %%
breach = events[events["date"].between("2020-02-26", "2020-02-28")]
breach[["date", "event_type", "headline", "figure", "figure_unit"]]

# %% [markdown]
# Notice the units: "2,228 entities" is BuzzFeed's exact tally of organisations with at least
# one account and one search, while "about 2,900 institutions" counts every name in the documents,
# including some that never logged in. Two true numbers, two different definitions; lesson C2
# builds on the first.
#
# ## The platforms object
#
# Within weeks of the New York Times story the platforms whose photos had been scraped protested,
# mostly by letter. None of these letters, by itself, made Clearview delete anything:

# %%
platforms = events[events["event_type"].str.startswith("platform")]
story_day = events.loc[events["event_type"] == "media_report", "when"].min()
letters_only = platforms[platforms["event_type"] != "platform_action"]
display(platforms[["date", "actor", "event_type", "headline"]])
Markdown(f"The {len(letters_only)} letters and demands came within {(letters_only['when'].max() - story_day).days} "
         f"days of the story; {platforms.loc[platforms['event_type'] == 'platform_action', 'actor'].iloc[0]} acted "
         f"{(platforms['when'].max() - story_day).days} days after it.")

# %% [markdown]
# ## Fines: compare like with like
#
# Regulators in Europe fined Clearview for processing people's biometric data without a legal
# basis. The amounts are in euros, pounds and Swedish kronor, so before any amount is drawn on an
# axis they must be put in one currency. `facts.fines()` keeps each amount in the currency of the
# decision (`amount`, `currency`) and adds the same amount in euros (`amount_eur`), converted at the
# European Central Bank's reference rate of the decision date (`eur_rate`, units of the currency one
# euro bought that day; 1 for euros):

# %%
fines = facts.fines()
fines[["date", "country", "fined", "kind", "amount", "currency", "eur_rate", "amount_eur", "flag"]]

# %% [markdown]
# The rates come from their own small table, each with its source, and the conversion is a
# division you can redo: look up the rate of the decision's date, divide the amount by it.

# %%
rates = facts.exchange_rates()
display(rates[["date", "currency", "per_eur", "source_name", "source_url"]])
sweden = fines[fines["country"] == "Sweden"].iloc[0]
sweden_rate = rates.set_index(["date", "currency"]).loc[(sweden["date"], sweden["currency"]), "per_eur"]
sweden["amount"] / sweden_rate, sweden["amount_eur"]

# %%
eur20 = fines.loc[(fines["kind"] == "fine") & (fines["currency"] == "EUR") & (fines["amount"] == 20e6)].iloc[0]
Markdown(f"So the Swedish decision of {sweden['currency']} {sweden['amount'] / 1e6:g}m was worth about EUR "
         f"{sweden['amount_eur'] / 1e6:.2f}m on {sweden['date']}, about 1/{eur20['amount'] / sweden['amount_eur']:.0f} "
         f"of the EUR {eur20['amount'] / 1e6:g}m fines, although the two numbers, read without their currencies, "
         f"look only {eur20['amount'] / sweden['amount']:g} times apart. Another date's rate would give slightly "
         "different euros; the decision date is the choice the chart states.")

# %% [markdown]
# `groupby` with several aggregations at once (`agg`) summarises the table per currency and kind:
# how many decisions, their total and the largest. Amounts are added up only within one currency,
# or in euros after conversion.

# %%
fines.groupby(["currency", "kind"])["amount"].agg(["count", "sum", "max"])

# %% [markdown]
# Before drawing amounts, see what kinds of money decision there are and when they came. A
# `color` encoding on a nominal field (`currency:N`) gives each currency its own colour; the
# tooltip carries who was fined and the full source address.

# %%
kinds = alt.Chart(fines).mark_point(size=90, filled=True).encode(
    x=alt.X("when:T", title="date of the decision"),
    y=alt.Y("kind:N", title=None),
    color=alt.Color("currency:N", title="currency"),
    tooltip=["date:N", "country:N", "fined:N", "kind:N", alt.Tooltip("amount:Q", format=",.0f"), "currency:N",
             "source_url:N"],
).properties(
    title="Money decisions by kind and date",
    description=f"Dot chart of {len(fines)} money decisions from {fines['when'].min():%Y} to "
                f"{fines['when'].max():%Y}, one row per kind ({', '.join(sorted(fines['kind'].unique()))}), "
                f"coloured by currency ({', '.join(sorted(fines['currency'].unique()))}).",
    width=460, height=160,
)
kinds

# %% [markdown]
# Now the amounts, on one axis in euros (`amount_eur`); the colour still says which currency each
# decision was made in, and the tooltip shows the amount decided, the rate and the euros:

# %%
charts.fines_chart(fines)

# %%
decided = fines[fines["kind"] == "fine"]
top = decided.loc[decided["amount_eur"].idxmax()]
twenty = sorted(decided.loc[(decided["currency"] == "EUR") & (decided["amount"] == 20e6), "country"])
not_final = decided[decided["flag"].str.contains("not final")]
converted = decided[decided["currency"] != "EUR"]
Markdown(f"*Figure: one bar per fine decision, length in millions of euros at the ECB rate of each decision's date. "
         f"The {top['country']} {top['currency']} {top['amount'] / 1e6:g}m fine is the largest; "
         f"{', '.join(twenty[:-1])} and {twenty[-1]} each imposed EUR 20m; "
         + "; ".join(f"{r.country}'s {r.currency} {r.amount / 1e6:.3g}m is EUR {r.amount_eur / 1e6:.2f}m"
                     for r in converted.itertuples())
         + ". The fine" + ("s" if len(not_final) > 1 else "") + " of "
         + "; ".join(f"{r.currency} {r.amount:,.0f} ({r.country})" for r in not_final.itertuples())
         + " carr" + ("y" if len(not_final) > 1 else "ies") + " a flag because it is not final.*")

# %% [markdown]
# `idxmax` returns the index label of the largest value, and `.loc[...]` then reads that row: that
# is how the caption above finds the largest fine instead of typing it.
#
# Two details are easy to miss. First, the Swedish fine was imposed on the Swedish Police Authority
# for *using* Clearview, not on the company (the `fined` column). Second, several fines are
# reported as unpaid: a decision, even a penalty made payable, is not a payment. The table keeps
# the flags, the chart shows them in its tooltip.
#
# ## How big is the gallery?
#
# The company's gallery-size claims grew by more than an order of magnitude in a few years (the
# table below). On a linear axis the early points would sit flat on the floor; a log axis shows
# each step as a constant factor.

# %%
sizes = facts.database_size()
sizes[["date", "images", "kind", "actor"]]

# %% [markdown]
# Careful with `idxmax` here: the largest row is the *target*, not a claimed size. Filter first.

# %%
claims = sizes[sizes["kind"] == "claimed size"]
sizes.loc[sizes["images"].idxmax(), ["date", "images", "kind"]].to_dict(), \
    claims.loc[claims["images"].idxmax(), ["date", "images", "kind"]].to_dict()

# %% [markdown]
# Now the chart, built in the open. Two layers share one encoding: a line with points for the
# claimed sizes, and a hollow diamond for the target. `alt.Scale(type="log")` on the y encoding
# makes equal ratios equal distances; `transform_filter` keeps each layer to its own rows; `+`
# draws one layer over the other.

# %%
claims_df = sizes.assign(billions=sizes["images"] / 1e9)
base = alt.Chart(claims_df).encode(
    x=alt.X("when:T", title="date of the claim"),
    y=alt.Y("billions:Q", scale=alt.Scale(type="log"), title="images (billions, log scale)"),
    tooltip=["date:N", "billions:Q", "kind:N", "actor:N", "source_url:N"],
)
line = base.transform_filter(alt.datum.kind == "claimed size").mark_line(point=True)
target = base.transform_filter(alt.datum.kind == "target").mark_point(shape="diamond", size=120, filled=False,
                                                                        color="firebrick")
first_claim, last_claim = claims.iloc[0], claims.iloc[-1]
(line + target).properties(
    title="Claimed gallery size (log scale)",
    description=f"Line chart on a log axis: the company's claimed gallery size rises from "
                f"{first_claim['images'] / 1e9:g} billion images ({first_claim['date']}) to "
                f"{last_claim['images'] / 1e9:g} billion ({last_claim['date']}); a hollow diamond marks a "
                f"target of {sizes.loc[sizes['kind'] == 'target', 'images'].iloc[0] / 1e9:g} billion, not a count.",
    width=460, height=260,
)

# %% [markdown]
# The course keeps this chart as `charts.size_claims_chart(sizes)` (it also formats the tooltip),
# so that later lessons draw the claims the same way without repeating the layers:

# %%
charts.size_claims_chart(sizes)

# %%
goal = sizes[sizes["kind"] == "target"].iloc[0]
Markdown(f"*Figure: claimed gallery size on a log axis rises about "
         f"{last_claim['images'] / first_claim['images']:.0f}-fold, from {first_claim['images'] / 1e9:g} billion "
         f"images ({first_claim['when']:%B %Y}) to {last_claim['images'] / 1e9:g} billion ({last_claim['when']:%B %Y}). "
         f"The hollow diamond at {goal['images'] / 1e9:g} billion is a target from an investor deck "
         f"({goal['when']:%B %Y}), not a count, and it is drawn apart from the line for that reason.*")

# %% [markdown]
# Every number on this chart is the company's own claim, repeated by others. Regulators and
# reporters quote it; none of them counted the images.
#
# ## Doubts stay visible
#
# A facts table earns trust by showing its weak spots. These rows carry a flag:

# %%
events.loc[events["flag"] != "", ["date", "headline", "flag"]].head(12)

# %% [markdown]
# And every row keeps the full address of the source that was read: the link is the evidence, so
# the table shows it whole (`display.max_colwidth` set to `None` turns off pandas' truncation).

# %%
with pd.option_context("display.max_colwidth", None):
    display(fines[["date", "country", "kind", "source_name", "source_url"]])

# %% [markdown]
# ## Summary
#
# * Parse dates at the precision the source gives; keep the precision.
# * `groupby`, `agg` and `pivot_table` count and total a facts table; `idxmax` finds the row behind a maximum.
# * An altair chart is data + mark + typed encodings + tooltip + title and description; a log scale shows growth by factors.
# * A good timeline chart carries the source in every tooltip.
# * Put amounts in one currency before drawing them on one axis: convert openly, at a sourced rate of the decision date, and keep the amount decided beside it; do not mix decided, provisional and liquidated (payable, not necessarily paid) amounts.
# * Company claims, targets and derived numbers are facts *about claims*: flag them.
# * Exercise: `exercises/C1_timeline.ipynb`. Next lesson: `lessons/C2_what_leaked.ipynb`.
