# %% [markdown]
# # C1. The timeline: from a secret app to fines in six countries
#
# **Why this matters.** Clearview's story is unusual because so much of it is on the record:
# newspaper investigations, leaked logs, cease-and-desist letters, court filings and regulators'
# decisions. Reading that record carefully (who said what, when, and how sure we can be) is the
# first skill of anyone who wants to judge a surveillance technology.
#
# **Learning objectives.** After this lesson you can
# 1. load a sourced timeline with pandas and count events by kind and year;
# 2. draw it with altair (dates on a time axis, tooltips that carry the source);
# 3. compare regulators' fines without silently converting currencies;
# 4. plot claims that grow by orders of magnitude on a log scale, and keep a target apart from a measurement;
# 5. tell a company claim, a derived number and a final decision apart in a facts table.
#
# **Prerequisites.** `lessons/00_start_here.ipynb`; basic pandas (filtering, `groupby`).
#
# **Estimated time.** 25 minutes.

# %% [markdown]
# ## The facts table
#
# Every row in `datasets/facts/timeline.csv` is one sourced event: a date (at the precision the
# source supports: a year, a month or a day), the kind of event, the jurisdiction, a one-line
# headline written for this course, a figure if there is one, a `flag` for known doubts, and the
# outlet, headline and URL that were read. The figures were compiled by the course's research pack;
# check a source before you quote it.

# %%
import pandas as pd

from facecourse import charts
from facecourse.breach import facts

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

# %%
chart = charts.timeline_chart(events)
chart

# %% [markdown]
# *Figure: each dot is one event, placed by date and grouped by kind; hover over a dot for its
# headline and source. The rows for platforms and for the leak reporting are crowded into early
# 2020; court and regulator dots run on until 2026.*
#
# ## The breach itself
#
# On 26 February 2020 Clearview told its customers that an intruder had obtained its whole
# client list, the number of user accounts each client had set up and the number of searches each
# had run. BuzzFeed News then reported on the leaked logs the next day.

# %%
breach = events[events["date"].between("2020-02-26", "2020-02-28")]
breach[["date", "event_type", "headline", "figure", "figure_unit"]]

# %% [markdown]
# Notice the units: "2,228 entities" is BuzzFeed's exact tally of organisations with at least
# one account and one search, while "about 2,900 institutions" counts every name in the raw logs,
# including some that never logged in. Two true numbers, two different definitions; lesson C2
# builds on the first.
#
# ## The platforms object
#
# Within three weeks of the New York Times story the platforms whose photos had been scraped
# protested, mostly by letter. None of these letters, by itself, made Clearview delete anything:

# %%
events[events["event_type"].str.startswith("platform")][["date", "actor", "event_type", "headline"]]

# %% [markdown]
# ## Fines: compare like with like
#
# Regulators in Europe fined Clearview for processing people's biometric data without a legal
# basis. The amounts are in euros, pounds and Swedish kronor. Converting them would need an
# exchange rate on some date, a choice that changes the ranking, so the chart keeps each amount in
# the currency of the decision and says so.

# %%
fines = facts.fines()
fines[["date", "country", "fined", "kind", "amount", "currency", "flag"]]

# %%
charts.fines_chart(fines)

# %% [markdown]
# *Figure: one bar per fine decision, length in millions of the decision's own currency. The Dutch
# EUR 30.5m fine is the largest; Italy, Greece and France each imposed EUR 20m; the UK fine of
# GBP 7,552,800 carries a flag because it is not final.*
#
# Two details are easy to miss. First, the Swedish fine (SEK 2.5m) was imposed on the Swedish
# Police Authority for *using* Clearview, not on the company. Second, several fines are reported as
# unpaid: a decision is not the same as a collected penalty. The table keeps the flags, the chart
# shows them in its tooltip.
#
# ## How big is the gallery?
#
# The company's gallery-size claims grew from 2.8 billion images in October 2019 to more than 60
# billion by 2025. On a linear axis the early points would sit flat on the floor; a log axis shows
# each step as a constant factor.

# %%
sizes = facts.database_size()
sizes[["date", "images", "kind", "actor"]]

# %%
charts.size_claims_chart(sizes)

# %% [markdown]
# *Figure: claimed gallery size on a log axis rises about twentyfold from 2019 to 2025. The hollow
# diamond at 100 billion is a target from an investor deck (February 2022), not a count, and it is
# drawn apart from the line for that reason.*
#
# Every number on this chart is the company's own claim, repeated by others. Regulators and
# reporters quote it; none of them counted the images.
#
# ## Doubts stay visible
#
# A facts table earns trust by showing its weak spots. These rows carry a flag:

# %%
events.loc[events["flag"] != "", ["date", "headline", "flag"]].head(12)

# %% [markdown]
# ## Summary
#
# * Parse dates at the precision the source gives; keep the precision.
# * A good timeline chart carries the source in every tooltip.
# * Do not convert currencies silently; do not mix decided, collected and provisional amounts.
# * Company claims, targets and derived numbers are facts *about claims*: flag them.
# * Exercise: `exercises/C1_timeline.ipynb`. Next lesson: `lessons/C2_what_leaked.ipynb`.
