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
# 4. explore the list with an ipywidgets tool whose logic is a plain, tested function;
# 5. list what an attacker learns from such a list.
#
# **Prerequisites.** `lessons/C1_timeline.ipynb`.
#
# **Estimated time.** 25 minutes.

# %% [markdown]
# ## What is published
#
# BuzzFeed News analysed the leaked logs in February 2020, published a table of US taxpayer-funded
# entities in April 2021, and a follow-up on agencies outside the US in August 2021. The rows of
# those tables were never released as data; what is on the record are the totals:

# %%
import pandas as pd

from facecourse import charts
from facecourse.breach import clients, explore, facts

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
print(clients.LABEL)
synthetic.head()

# %% [markdown]
# Before we use a synthetic table we check it against what is known. Every row of this check
# must agree; a test in `tests/test_breach.py` runs the same check on every commit.

# %%
check = clients.check_against_published(synthetic)
print(f"{check['agrees'].sum()} of {len(check)} published aggregates reproduced")
check.head(14)

# %% [markdown]
# ## Who the customers were (synthetic)
#
# The published totals already tell most of the story: 1,803 of the 2,228 organisations were US
# public bodies, and they ran about 340,000 of the roughly 500,000 searches.

# %%
by_sector = explore.by(synthetic, "sector")
by_sector

# %%
charts.share_bars(by_sector, "sector", "Searches by sector (SYNTHETIC data)",
                  "Bar chart of searches per sector in the synthetic client list: US public bodies ran about "
                  "340,000 of 500,000 searches, companies and other accounts most of the rest, non-US public "
                  "bodies about 14,000. Totals match published aggregates; the rows are synthetic.")

# %% [markdown]
# *Figure: searches per sector in the synthetic list. The sector totals are published figures; the
# split inside each sector is an assumption of the generator.*
#
# The mix of types inside the US public sector is **not** published (only that two public high
# schools appear), so the next table shows the generator's assumption, not a finding:

# %%
explore.by(explore.filter_clients(synthetic, sector="US public"), "org_type")

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
explore.summary(synthetic)

# %% [markdown]
# ## Explore it yourself
#
# The explorer below filters by sector, country, plan and a minimum number of searches. Its logic
# is `explore.filter_clients` and `explore.summary`, which the tests call directly.

# %%
explore.explorer(synthetic)

# %% [markdown]
# For example, the paid US public bodies with at least 500 searches:

# %%
heavy_paid = explore.filter_clients(synthetic, sector="US public", plan="paid", min_searches=500)
explore.summary(heavy_paid)

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
# * Summaries by sector, concentration curves and trial shares are one `groupby` away.
# * Exercise: `exercises/C2_what_leaked.ipynb`. Next lesson: `lessons/C3_access_control_lab.ipynb`.
