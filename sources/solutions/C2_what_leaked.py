# %% [raw]
# # ASSIGNMENT CONFIG
# name: C2_what_leaked
# init_cell: true
# check_all_cell: true
# export_cell: false
# tests:
#   files: false

# %% [markdown]
# # Exercise C2: analysing a (synthetic) client list
#
# **Why this matters.** The analysis an investigator, a journalist or an attacker runs on a leaked
# client list is a handful of pandas operations. Doing it yourself shows how much such a list gives
# away.
#
# **Learning objectives.** Summarise a client list by group; measure concentration; relate
# accounts to searches; say what the list reveals.
#
# **Prerequisites.** `lessons/C2_what_leaked.ipynb`.
#
# **Estimated time.** 25 minutes.
#
# **All data in this exercise is SYNTHETIC**: generated from published aggregates, not the real
# client list, not real organisations.

# %%
import pandas as pd

from facecourse.breach import clients, explore

synthetic = clients.synthetic_clients()
print(clients.LABEL)

# %% [markdown]
# ## Question 1: trials in the US public sector
#
# Store in `us_trial_share` the share (between 0 and 1) of the **US public** sector's searches
# that were made by organisations on the `"trial"` plan.

# %% [raw]
# # BEGIN QUESTION
# name: q1
# points: 2

# %% [raw]
# # BEGIN SOLUTION

# %%
us = synthetic[synthetic["sector"] == "US public"]  # SOLUTION
us_trial_share = us.loc[us["plan"] == "trial", "searches"].sum() / us["searches"].sum()  # SOLUTION
us_trial_share

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
assert 0 <= us_trial_share <= 1

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
_us = synthetic[synthetic["sector"] == "US public"]
assert abs(us_trial_share - _us.loc[_us["plan"] == "trial", "searches"].sum() / 340_000) < 1e-9


# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 2: the top 1%
#
# Write `top_percent_share(df, percent)`: the share of all searches in `df` made by the heaviest
# `percent`% of organisations (round the number of organisations to the nearest whole number, and
# take at least one). Do not call `explore.top_share`; write it with pandas or numpy. Then store
# `top1 = top_percent_share(synthetic, 1)`.

# %% [raw]
# # BEGIN QUESTION
# name: q2
# points: 2

# %% [raw]
# # BEGIN SOLUTION

# %%
def top_percent_share(df, percent):
    # BEGIN SOLUTION
    k = max(1, round(len(df) * percent / 100))
    return df["searches"].nlargest(k).sum() / df["searches"].sum()
    # END SOLUTION


top1 = top_percent_share(synthetic, 1)
top1

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
assert abs(top_percent_share(synthetic, 100) - 1) < 1e-9

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
_toy = pd.DataFrame({"searches": [1, 1, 1, 7]})
assert abs(top_percent_share(_toy, 25) - 0.7) < 1e-9
assert abs(top_percent_share(_toy, 1) - 0.7) < 1e-9
assert abs(top1 - explore.top_share(synthetic, 0.01)) < 1e-9

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 3: searches per account
#
# Add a column `per_account` (searches divided by accounts) to a copy of `synthetic` called
# `ratio`, then store in `busiest_sector` the sector with the **highest median** searches per
# account.

# %% [raw]
# # BEGIN QUESTION
# name: q3
# points: 2

# %% [raw]
# # BEGIN SOLUTION

# %%
ratio = synthetic.assign(per_account=synthetic["searches"] / synthetic["accounts"])  # SOLUTION
busiest_sector = ratio.groupby("sector")["per_account"].median().idxmax()  # SOLUTION
busiest_sector

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
assert "per_account" in ratio.columns and len(ratio) == len(synthetic)

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
_r = synthetic["searches"] / synthetic["accounts"]
assert (ratio["per_account"] - _r).abs().max() < 1e-9
assert busiest_sector == _r.groupby(synthetic["sector"]).median().idxmax()

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 4 (written): who is harmed by the leak of a client list?
#
# In four to six sentences: name two groups harmed when a face-search vendor's client list leaks
# (think beyond the vendor), and say how. Then say what the course had to do, and why, to let you
# analyse such a list at all.

# %% [raw]
# # BEGIN QUESTION
# name: q4
# manual: true
# points: 2

# %% [raw]
# # BEGIN SOLUTION

# %% [markdown]
# Investigations can be harmed: a list of agencies and their search volumes tells suspects and
# criminal groups which forces use face search and how heavily, and it gives attackers a list of
# accounts worth phishing, each a key to a tool that can identify anyone from a photo. The public is
# harmed too, because those accounts can be abused to identify and track people, while the list
# also exposes agencies that used the tool without policy or leadership approval. Client
# organisations' staff can be targeted personally. The course could not use the real rows, which
# were never published and would be sensitive, so it generated a synthetic list that matches only
# the published totals and labels it synthetic everywhere.

# %% [raw]
# # END SOLUTION

# %% [raw]
# # END QUESTION
