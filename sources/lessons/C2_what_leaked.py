# %% [markdown]
# # C2. What leaked, and why a customer list matters
#
# **Why this matters.** The intruder took no photos and no faces. They took a list: which
# organisations used a face-search tool, how many accounts each had, how many searches each ran.
# For a surveillance product that list is sensitive in itself: it shows who watches whom, which
# agencies used a tool their leaders did not know about, and where to aim the next attack.
#
# **Learning objectives.** After this lesson you can
# 1. state exactly which fields leaked and which aggregates were later published;
# 2. explain why any per-organisation table in this course is synthetic, and check a synthetic table against the published totals;
# 3. summarise a client list by sector, type and country with pandas, and measure how concentrated the searches are;
# 4. wire an ipywidgets control to a label with `observe`, then use the course's explorer (built on the helper
#    `facecourse.widgets.explorer`) whose logic is a plain, tested function;
# 5. list what an attacker learns from such a list.
#
# **Prerequisites.** `lessons/C1_timeline.ipynb`.
#
# **Estimated time.** 30 minutes.

# %% [markdown]
# ## What is published
#
# In February 2020 BuzzFeed News published figures from internal Clearview documents it said it had
# reviewed (its report does not say how it obtained them, so the course does not call them the
# intruder's haul); it published a table of US taxpayer-funded entities in April 2021, and a
# follow-up on agencies outside the US in August 2021. The rows of those tables were never released
# as data; what is on the record are the totals:

# %%
import altair as alt
import ipywidgets as widgets
import pandas as pd
from IPython.display import Markdown

from facecourse.breach import charts, clients, explore, facts

published = facts.figures()
published.loc[published["metric"].str.startswith(("leak_", "table_", "searches", "individuals", "intl")),
              ["metric", "category", "value", "unit", "as_of"]]

# %% [markdown]
# ## A synthetic client list
#
# To practise the analysis we need rows, one per organisation. We do not have the real ones, so
# the course **generates** them: `clients.synthetic_clients()` draws 2,228 organisations whose
# totals equal every published aggregate (entities, countries, searches, the US public-sector
# counts by state and by response, the non-US agencies). What the aggregates do not say (which
# organisation is which type, how searches are spread, dates) comes from seeded assumptions
# written in the module. Organisation names are ids such as `SYN-0042`.
#
# **Every table below is synthetic.** It is a model of what such a list looks like, not the list.

# %%
synthetic = clients.synthetic_clients()
explore.show(synthetic.head(), "the first five rows")

# %% [markdown]
# Before we use a synthetic table we check it against what is known. Every row of this check
# must agree; a test in `tests/breach/test_breach.py` runs the same check on every commit.

# %%
check = clients.check_against_published(synthetic)
print(f"{check['agrees'].sum()} of {len(check)} published aggregates reproduced")
check.head(14)

# %% [markdown]
# Every table of client rows in this lesson is displayed with `explore.show`, which writes the
# SYNTHETIC label above it: a copied screenshot must not be mistaken for the real list.

# %% [markdown]
# ## Who the customers were (synthetic)
#
# `groupby` splits the rows by a column and `agg` computes one number per group; named
# aggregations (`new_name=("column", "function")`) say which column and which function. Sorting by
# searches puts the heaviest sector first.

# %%
by_sector = (synthetic.groupby("sector")
             .agg(organisations=("org_id", "size"), accounts=("accounts", "sum"), searches=("searches", "sum"))
             .sort_values("searches", ascending=False)
             .reset_index())
by_sector["share of searches"] = by_sector["searches"] / by_sector["searches"].sum()
explore.show(by_sector, "organisations, accounts and searches per sector")

# %%
us_row = by_sector.set_index("sector").loc["US public"]
Markdown(f"The published totals already tell most of the story: {int(us_row['organisations']):,} of the "
         f"{len(synthetic):,} organisations were US public bodies, and they ran {int(us_row['searches']):,} of the "
         f"{by_sector['searches'].sum():,} searches ({us_row['share of searches']:.0%}).")

# %% [markdown]
# A **pivot table** puts two groupings in a grid: here organisations by sector (rows) and plan
# (columns), counted with `aggfunc="count"`; `fill_value=0` writes 0 where no row falls.

# %%
explore.show(synthetic.pivot_table(index="sector", columns="plan", values="org_id", aggfunc="count", fill_value=0),
             "organisations by sector and plan")

# %% [markdown]
# `aggfunc` says what each cell holds. `"count"` counts the rows that fall in it; `"sum"` adds up
# the `values` column instead, so the same grid with `values="searches"` and `aggfunc="sum"` gives
# the searches made by each sector on each plan (and, divided by its row's total, the share made on
# trials):

# %%
searches_by_plan = synthetic.pivot_table(index="sector", columns="plan", values="searches", aggfunc="sum",
                                         fill_value=0)
explore.show(searches_by_plan, "searches by sector and plan")

# %% [markdown]
# A **merge** joins two tables on a shared column. The generator promises that the US public
# bodies per state match the published counts for the largest states; `merge` puts the two side by
# side (`how="left"` keeps every published state even if the synthetic list had none):

# %%
published_states = pd.DataFrame(list(clients.PUBLISHED_STATE_COUNTS.items()), columns=["state", "published"])
synthetic_states = (synthetic[synthetic["sector"] == "US public"].groupby("state").size()
                    .rename("synthetic").reset_index())
states = published_states.merge(synthetic_states, on="state", how="left")
explore.show(states, "US public bodies per state: published count vs synthetic rows")
assert (states["published"] == states["synthetic"]).all()

# %% [markdown]
# ### The same table as a chart
#
# An altair bar chart of `by_sector`: `mark_bar()`, the searches on `x` as a quantitative field,
# the sector on `y` as a nominal field sorted by bar length (`sort="-x"`), a tooltip with the
# numbers, and a title that says SYNTHETIC (a chart copied out of this notebook keeps its title).

# %%
sector_chart = alt.Chart(by_sector).mark_bar().encode(
    x=alt.X("searches:Q", title="searches"),
    y=alt.Y("sector:N", sort="-x", title=None),
    tooltip=["sector:N", alt.Tooltip("organisations:Q", format=","), alt.Tooltip("searches:Q", format=","),
             alt.Tooltip("share of searches:Q", format=".1%")],
).properties(
    title="Searches by sector (SYNTHETIC data)",
    description="Bar chart of searches per sector in the synthetic client list: "
                + "; ".join(f"{r.sector} {r.searches:,}" for r in by_sector.itertuples())
                + ". Sector totals match published aggregates; the rows are synthetic.",
    width=420, height=140,
)
sector_chart

# %% [markdown]
# *Figure: searches per sector in the synthetic list. The sector totals are published figures; the
# split inside each sector is an assumption of the generator.*
#
# The rest of the course computes such tables with `explore.by(df, column)` (the `groupby` above,
# with the label attached) and draws them with `charts.share_bars(table, column, title,
# description)`, so that every breakdown looks the same and carries the share in its tooltip:

# %%
explore.show(explore.by(synthetic, "country").head(5), "explore.by(synthetic, 'country'), top 5")

# %% [markdown]
# The mix of types inside the US public sector is **not** published (only that two public high
# schools appear), so the next table shows the generator's assumption, not a finding:

# %%
explore.show(explore.by(explore.filter_clients(synthetic, sector="US public"), "org_type"),
             "US public bodies by type: the generator's assumption")

# %% [markdown]
# ## Concentration: a few heavy users
#
# In most usage logs a small share of users makes most of the requests. The generator assumes a
# heavy-tailed spread (log-normal), which is typical of such logs; with real data you would
# measure it. Here is how to measure it:

# %%
curve = explore.concentration(synthetic)
top10 = explore.top_share(synthetic, 0.10)
print(f"The heaviest 10% of organisations ran {top10:.0%} of all searches (synthetic).")
charts.concentration_chart(curve, "Concentration of searches (SYNTHETIC data)",
                           "Line chart: the cumulative share of searches made by the heaviest organisations. "
                           f"The line rises steeply: the top 10% ran {top10:.0%} of searches in this synthetic list.")

# %% [markdown]
# *Figure: read across from 10% on the x-axis to see what share of searches the heaviest tenth of
# organisations made. A straight diagonal would mean everyone searched equally.*
#
# ## Free trials
#
# BuzzFeed reported that most searches were run during free 30-day trials that never became paid
# contracts. That matters for accountability: a trial is often started by an individual officer,
# with no purchase order, no policy and no supervisor who knows. In the synthetic list:

# %%
explore.show(explore.summary(synthetic), "summary of the whole list")

# %% [markdown]
# ## An explorer, wired by hand
#
# An ipywidgets explorer has three parts: a **control** (here a `Dropdown` of sectors), an
# **output** widget (a `Label` whose `value` is a string), and a **callback** that recomputes the
# output. `control.observe(callback, names="value")` calls the callback every time the control's
# `value` changes; calling it once by hand fills the label before anyone picks.

# %%
sector_picker = widgets.Dropdown(options=sorted(synthetic["sector"].unique()), description="sector")
sector_label = widgets.Label()


def show_sector(change=None):
    rows = synthetic[synthetic["sector"] == sector_picker.value]
    sector_label.value = (f"{sector_picker.value}: {len(rows):,} organisations, "
                          f"{rows['searches'].sum():,} searches (SYNTHETIC)")


sector_picker.observe(show_sector, names="value")
show_sector()
widgets.VBox([sector_picker, sector_label])

# %% [markdown]
# The callback runs in the kernel, so code can drive the widget exactly as a click would: set the
# control's `value` and read the label. (This is also how the exercise checks your explorer.)

# %%
sector_picker.value = "non-US public"
sector_label.value

# %% [markdown]
# `widgets.interactive_output(function, {"argument": control, ...})` is the other common way: it
# calls a function with the controls' values and shows what the function displays in an `Output`
# area. Both need a running kernel; in a static copy of this notebook the widgets do not respond.
#
# ## The course's explorer
#
# The course writes this wiring once, in the helper `facecourse.widgets.explorer(controls, render)`:
# `controls` is a dict of named widgets and `render` a function called with their values as keyword
# arguments; the helper connects each control with `observe`, writes what `render` returns into an
# `HTML` widget (`.output`) and keeps it as `.result`. (Lesson B5 builds a small explorer with it.)
#
# The explorer below is built on that helper. It filters by sector, country, plan and a minimum
# number of searches: three `Dropdown`s and an `IntSlider` are its controls, and its logic is two
# plain functions, `explore.filter_clients` (the rows) and `explore.summary` (the line above the
# table), that the tests call directly: a widget's callback is hard to test, a function is easy.
# The rest of the course uses `explore.explorer` for that reason.

# %%
client_explorer = explore.explorer(synthetic)
client_explorer

# %% [markdown]
# Code drives it as it drove the hand-wired picker: choose a sector, then read the rows the
# explorer now shows (`.result`):

# %%
client_explorer.controls["sector"].value = "non-US public"
explore.show(explore.summary(client_explorer.result), "the explorer's rows: non-US public bodies")

# %% [markdown]
# For example, the paid US public bodies with at least 500 searches:

# %%
heavy_paid = explore.filter_clients(synthetic, sector="US public", plan="paid", min_searches=500)
explore.show(explore.summary(heavy_paid), "paid US public bodies with at least 500 searches")

# %% [markdown]
# ## What an attacker learns from such a list
#
# Even without a single face, a client list with account and search counts tells an attacker
#
# * **who is watching**: which agencies, retailers and banks use face search, including those
#   whose leadership denied it (about 70 agencies first denied use, then found staff had used it);
# * **how much**: search counts show which organisations depend on the tool and which only tried it;
# * **where to aim next**: each account is a login to a system that can identify anyone from a
#   photo; phishing the heaviest users is the shortest path to that power;
# * **whom to pressure**: a list of customers is leverage over the vendor and its customers.
#
# ## Summary
#
# * Three fields leaked: the client list, accounts per client, searches per client.
# * The per-organisation rows were never published: any such table here is synthetic, checked against the published totals, and labelled.
# * Summaries by sector, concentration curves and trial shares are one `groupby`, `pivot_table` or `merge` away.
# * An altair chart of a client list says SYNTHETIC in its title; an ipywidgets explorer is a control, an output and an `observe` callback.
# * Exercise: `exercises/C2_what_leaked.ipynb`. Next lesson: `lessons/C3_access_control_lab.ipynb`.
