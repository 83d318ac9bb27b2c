# %% [raw]
# # ASSIGNMENT CONFIG
# name: B6_scale_base_rates
# init_cell: true
# check_all_cell: true
# export_cell: false
# tests:
#   files: false

# %% [markdown]
# # Exercise B6: scale and base rates
#
# **Why this matters.** The base-rate calculation is the single most important number for judging
# a mass face search, and it fits on one line.
#
# **Learning objectives.** Compute expected false candidates, the probability of any false
# candidate, and the FMR a gallery size demands.
#
# **Prerequisites.** `lessons/B6_scale_base_rates.ipynb`.
#
# **Estimated time.** 20 minutes.

# %%
import math

import numpy as np


# %% [markdown]
# ## Question 1: probability of at least one false candidate
#
# If each of N comparisons falsely matches independently with probability `fmr`, the probability
# that a search returns at least one false candidate is 1 - (1 - fmr)^N. Write
# `p_any_false(fmr, n)`. It must stay accurate for tiny `fmr` and huge `n` (hint: `math.log1p` and
# `math.expm1`; plain `(1 - fmr) ** n` loses precision when fmr is 1e-12).

# %% [raw]
# # BEGIN QUESTION
# name: q1
# points: 2

# %% [raw]
# # BEGIN SOLUTION

# %%
def p_any_false(fmr, n):
    # BEGIN SOLUTION
    if fmr >= 1:
        return 1.0
    return -math.expm1(n * math.log1p(-fmr))
    # END SOLUTION


# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
assert abs(p_any_false(0.001, 200) - 0.181) < 0.001  # Daugman's worked example

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
assert abs(p_any_false(0.001, 2000) - 0.865) < 0.001
assert abs(p_any_false(1e-12, 1000) - 1e-9) / 1e-9 < 1e-3
assert p_any_false(0.0, 10**10) == 0.0


# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 2: how small must the FMR be?
#
# Write `fmr_for(expected_false, gallery_size)`: the false match rate at which a search of
# `gallery_size` faces returns `expected_false` false candidates on average. Then store in
# `fmr_30b` the FMR needed for **0.01** expected false candidates per search in a gallery of 30
# billion (one stranger in a hundred searches).

# %% [raw]
# # BEGIN QUESTION
# name: q2
# points: 1

# %% [raw]
# # BEGIN SOLUTION

# %%
def fmr_for(expected_false, gallery_size):
    return expected_false / gallery_size  # SOLUTION


fmr_30b = fmr_for(0.01, 30e9)  # SOLUTION
fmr_30b

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
assert fmr_for(1, 1000) == 0.001

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
assert abs(fmr_30b - 1e-2 / 3e10) / (1e-2 / 3e10) < 1e-9


# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 3: how many impostor pairs to measure it?
#
# To see even one false match at a rate `fmr` you need, on average, 1/fmr impostor comparisons;
# to estimate it with roughly 10% precision you need about 100 observed false matches. Write
# `pairs_needed(fmr, errors=100)` returning the number of impostor pairs needed (a float), and
# store in `lfw_ratio` how many times more impostor pairs than LFW View 2's 3,000 that takes for
# `fmr_30b`.

# %% [raw]
# # BEGIN QUESTION
# name: q3
# points: 1

# %% [raw]
# # BEGIN SOLUTION

# %%
def pairs_needed(fmr, errors=100):
    return errors / fmr  # SOLUTION


lfw_ratio = pairs_needed(fmr_30b) / 3000  # SOLUTION
lfw_ratio

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
assert pairs_needed(0.01) == 10_000

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
assert pairs_needed(1e-6, errors=10) == 1e7
assert abs(lfw_ratio - (100 / (1e-2 / 3e10)) / 3000) / lfw_ratio < 1e-9

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 4 (written): gallery images, not gallery people
#
# Clearview counts photos, and one person can appear in hundreds of them. In four to six
# sentences: how does this change the FMR x N estimate, and does it make a false match of an
# innocent person more or less likely to be *believed*?

# %% [raw]
# # BEGIN QUESTION
# name: q4
# manual: true
# points: 2

# %% [raw]
# # BEGIN SOLUTION

# %% [markdown]
# If N counts photos, the number of distinct strangers who can falsely match is smaller than N,
# so FMR x N overstates the number of *different* people returned; but each lookalike stranger
# then tends to appear several times, in different photos. Errors are correlated: a person who
# resembles the probe resembles it in many of their photos. Several photos of the same stranger
# at the top of a list look like corroboration, so a reviewer is more likely to believe the
# false match. The estimate of distinct false people may fall, while the persuasiveness of each
# false candidate rises.

# %% [raw]
# # END SOLUTION

# %% [raw]
# # END QUESTION
