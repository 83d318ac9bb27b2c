# %% [raw]
# # ASSIGNMENT CONFIG
# name: C1_timeline
# init_cell: true
# check_all_cell: true
# export_cell: false
# tests:
#   files: false

# %% [markdown]
# # Exercise C1: reading the timeline
#
# **Why this matters.** Numbers about surveillance get repeated until nobody remembers who said
# them. These questions make you compute from the sourced table and keep its doubts.
#
# **Learning objectives.** Filter and count a dated facts table; compare amounts within one
# currency; compute growth from claims; say what a flag means for how a number may be used.
#
# **Prerequisites.** `lessons/C1_timeline.ipynb`.
#
# **Estimated time.** 20 minutes.

# %%
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
assert isinstance(events_2020, int) and 0 < events_2020 < len(events)

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
assert events_2020 == 34
assert letters_2020 == 4

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 2: the largest euro fine
#
# Using `fines`, keep only rows of kind `"fine"` in euros. Store the largest amount in
# `largest_eur` (a number) and the country that imposed it in `largest_eur_country`.

# %% [raw]
# # BEGIN QUESTION
# name: q2
# points: 2

# %% [raw]
# # BEGIN SOLUTION

# %%
eur = fines[(fines["kind"] == "fine") & (fines["currency"] == "EUR")]  # SOLUTION
largest_eur = float(eur["amount"].max())  # SOLUTION
largest_eur_country = eur.loc[eur["amount"].idxmax(), "country"]  # SOLUTION
largest_eur, largest_eur_country

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
assert isinstance(largest_eur_country, str)

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
assert largest_eur == 30_500_000
assert largest_eur_country == "Netherlands"

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 3: how fast did the claims grow?
#
# Using `sizes`, and only the rows of kind `"claimed size"`: store in `growth` the ratio of the
# largest claimed size to the size claimed in the New York Times report of January 2020 (the row
# dated `2020-01-18`), and in `years` the number of years between those two claims as a float
# (days / 365.25).

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
assert growth > 1 and years > 1

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
assert abs(growth - 20) < 1e-9
assert abs(years - 5.78) < 0.01

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 4 (written): a claim is a fact about a claim
#
# The 60-billion figure comes from the company, repeated by a complainant and by the press. In
# three to five sentences: how should a journalist or a regulator use such a number, and why did
# the course keep the 100-billion *target* in the table instead of deleting it?

# %% [raw]
# # BEGIN QUESTION
# name: q4
# manual: true
# points: 2

# %% [raw]
# # BEGIN SOLUTION

# %% [markdown]
# It should be reported as the company's claim, attributed, with the date it was made, not as a
# measured size: nobody outside the company counted the images. It is still useful, because the
# company has an incentive to sound large to investors and customers and regulators can hold it to
# its own statements. The target stays in the table, marked as a target, because the ambition
# itself is a fact about the business (it shows the plan was to keep scraping at a massive rate);
# deleting it would lose that, while plotting it as a size would mislead.

# %% [raw]
# # END SOLUTION

# %% [raw]
# # END QUESTION
