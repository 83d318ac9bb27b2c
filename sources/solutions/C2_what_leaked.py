# %% [raw]
# # ASSIGNMENT CONFIG
# name: C2_what_leaked
# init_cell: true
# check_all_cell: true
# export_cell: false
# tests:
#   files: false
#   ok_format: false

# %% [markdown]
# # Exercise C2: analysing a (synthetic) client list
#
# **Why this matters.** The analysis an investigator, a journalist or an attacker runs on a leaked
# client list is a handful of pandas operations. Doing it yourself shows how much such a list gives
# away.
#
# **Learning objectives.** Summarise a client list by group with `groupby` and `pivot_table`;
# measure concentration; relate accounts to searches; wire an ipywidgets control to a label with
# `observe`; draw the list with altair on log scales; say what the list reveals.
#
# **Prerequisites.** `lessons/C2_what_leaked.ipynb` (it shows every pandas and ipywidgets call used here).
#
# **Estimated time.** 50 minutes (from a trial run: see `INSTRUCTORS.md`).
#
# **All data in this exercise is SYNTHETIC**: generated from published aggregates, not the real
# client list, not real organisations.

# %%
import altair as alt
import ipywidgets as widgets
import numpy as np
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
def test_q1_1(us_trial_share):
    from facecourse.checks import answered
    answered("q1", us_trial_share=us_trial_share)
    assert 0 <= us_trial_share <= 1, "us_trial_share must be a share between 0 and 1, not a percentage"

# %%
def test_q1_2(synthetic, us_trial_share):
    _us = synthetic.query("sector == 'US public'")
    assert abs(us_trial_share - _us["searches"].where(_us["plan"] == "trial", 0).sum() / _us["searches"].sum()) < 1e-9, \
        "us_trial_share must be the trial plans' SEARCHES divided by all searches of the US public sector"

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_q1_hidden_1(synthetic, us_trial_share):
    _us = synthetic.query("sector == 'US public'")
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
def test_q2_1(top_percent_share, top1, synthetic):
    from facecourse.checks import answered
    answered("q2", top_percent_share=top_percent_share, top1=top1)
    assert abs(top_percent_share(synthetic, 100) - 1) < 1e-9, "the top 100% of organisations made all the searches"

# %%
def test_q2_2(top_percent_share):
    import pandas as pd
    _toy = pd.DataFrame({"searches": [5, 1, 1, 1, 1, 1, 1, 1, 30, 8]})  # 50 searches by 10 organisations
    assert abs(top_percent_share(_toy, 10) - 30 / 50) < 1e-9, \
        "the heaviest 10% of 10 organisations is the ONE with the most searches (30 of 50)"
    assert abs(top_percent_share(_toy, 20) - 38 / 50) < 1e-9, \
        "the heaviest 20% of 10 organisations are the two largest (30 + 8 of 50 searches)"

# %%
def test_q2_3(top_percent_share):
    import pandas as pd
    _toy = pd.DataFrame({"searches": [5, 1, 1, 1, 1, 1, 1, 1, 30, 8]})  # 50 searches by 10 organisations
    _got = top_percent_share(_toy, 1)
    assert abs(_got - 30 / 50) < 1e-9, \
        ("1% of 10 organisations rounds to 0: take at least one organisation" if abs(_got) < 1e-9 else
         f"top_percent_share(toy, 1) should be 0.6 (the one heaviest organisation: 30 of 50 searches), got {_got}.")
    assert abs(top_percent_share(_toy, 17) - 38 / 50) < 1e-9, \
        "17% of 10 organisations is 1.7: round to the nearest whole number (2), do not cut it down"

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_q2_hidden_1(top_percent_share, top1, synthetic):
    import pandas as pd
    from facecourse.breach import explore
    _toy = pd.DataFrame({"searches": [5, 1, 1, 1, 1, 1, 1, 1, 30, 8]})  # 50 searches by 10 organisations
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
# `ratio`. Store in `sector_medians` a Series with the **median** of `per_account` for each
# sector (index: the sector), and in `busiest_sector` the sector with the highest median.

# %% [raw]
# # BEGIN QUESTION
# name: q3
# points: 2

# %% [raw]
# # BEGIN SOLUTION

# %%
ratio = synthetic.assign(per_account=synthetic["searches"] / synthetic["accounts"])  # SOLUTION
sector_medians = ratio.groupby("sector")["per_account"].median()  # SOLUTION
busiest_sector = sector_medians.idxmax()  # SOLUTION
sector_medians, busiest_sector

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
def test_q3_1(ratio, sector_medians, busiest_sector, synthetic):
    import numpy as np
    from facecourse.checks import answered
    answered("q3", ratio=ratio, sector_medians=sector_medians, busiest_sector=busiest_sector)
    assert "per_account" in ratio.columns and len(ratio) == len(synthetic), \
        "ratio must be a copy of synthetic (every row) with a new column per_account"
    assert "per_account" not in synthetic.columns, "add the column to a copy (synthetic.assign(...)), not to synthetic"
    assert np.allclose(ratio["per_account"] * synthetic["accounts"], synthetic["searches"]), \
        "per_account must be searches divided by accounts, row by row"

# %%
def test_q3_2(synthetic, sector_medians):
    import numpy as np
    import pandas as pd
    from facecourse.checks import type_name
    assert isinstance(sector_medians, pd.Series), \
        f"sector_medians must be a pandas Series indexed by sector (as groupby(...).median() gives), not a {type_name(sector_medians)}."
    _med = {s: np.median(synthetic.loc[synthetic["sector"] == s, "searches"] / synthetic.loc[synthetic["sector"] == s, "accounts"])
            for s in synthetic["sector"].unique()}
    assert set(sector_medians.index) == set(_med), "sector_medians needs one value per sector, indexed by sector"
    assert all(abs(sector_medians[s] - _med[s]) < 1e-9 for s in _med), \
        "sector_medians must hold the MEDIAN of per_account in each sector (not the mean, nor a ratio of totals)"

# %%
def test_q3_3(synthetic, busiest_sector):
    import numpy as np
    from facecourse.checks import type_name
    assert isinstance(busiest_sector, str), \
        f"busiest_sector must be the sector's name, a string (sector_medians.idxmax()), not a {type_name(busiest_sector)}."
    _med = {s: np.median(synthetic.loc[synthetic["sector"] == s, "searches"] / synthetic.loc[synthetic["sector"] == s, "accounts"])
            for s in synthetic["sector"].unique()}
    assert busiest_sector == max(_med, key=_med.get), "busiest_sector must be the sector with the HIGHEST median"

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_q3_hidden_1(synthetic, ratio, busiest_sector):
    _r = synthetic["searches"] / synthetic["accounts"]
    assert (ratio["per_account"] - _r).abs().max() < 1e-9
    assert busiest_sector == _r.groupby(synthetic["sector"]).median().idxmax() == "other"

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 4: trials and paid plans, sector by sector (a pivot table)
#
# Build `plan_pivot` with `pivot_table`: one row per `sector`, one column per `plan`, and in each
# cell the **total searches**, 0 where there are none. Then store in `trial_share_by_sector` a
# Series (index: sector) with the share of each sector's searches made on the `"trial"` plan.

# %% [raw]
# # BEGIN QUESTION
# name: q4
# points: 2

# %% [raw]
# # BEGIN SOLUTION

# %%
plan_pivot = trial_share_by_sector = None  # your answers replace these
# BEGIN SOLUTION
plan_pivot = synthetic.pivot_table(index="sector", columns="plan", values="searches", aggfunc="sum", fill_value=0)
trial_share_by_sector = plan_pivot["trial"] / plan_pivot.sum(axis=1)
# END SOLUTION
plan_pivot, trial_share_by_sector

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
def test_q4_1(plan_pivot, trial_share_by_sector, synthetic):
    from facecourse.checks import answered
    answered("q4", plan_pivot=plan_pivot, trial_share_by_sector=trial_share_by_sector)
    assert set(plan_pivot.index) == set(synthetic["sector"]) and set(plan_pivot.columns) == set(synthetic["plan"]), \
        "plan_pivot needs one row per sector and one column per plan"
    assert not plan_pivot.isna().any().any(), "empty cells must hold 0, not NaN: use fill_value=0"

# %%
def test_q4_2(plan_pivot, synthetic):
    assert plan_pivot.loc["US public", "paid"] == synthetic.query("sector == 'US public' and plan == 'paid'")["searches"].sum(), \
        "each cell must hold the total SEARCHES of that sector on that plan (aggfunc='sum', values='searches')"
    assert plan_pivot.to_numpy().sum() == synthetic["searches"].sum(), "the cells must add up to all searches"

# %%
def test_q4_3(synthetic, trial_share_by_sector):
    _ts = {s: g.loc[g["plan"] == "trial", "searches"].sum() / g["searches"].sum() for s, g in synthetic.groupby("sector")}
    assert all(abs(trial_share_by_sector[s] - v) < 1e-9 for s, v in _ts.items()) and len(trial_share_by_sector) == len(_ts), \
        "trial_share_by_sector must be each sector's trial searches divided by that sector's searches"

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_q4_hidden_1(plan_pivot, trial_share_by_sector, us_trial_share):
    assert plan_pivot.loc["US public"].sum() == 340_000
    assert abs(trial_share_by_sector["US public"] - us_trial_share) < 1e-12

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 5: a sector picker (ipywidgets)
#
# Write `build_explorer(df)` that returns a pair `(picker, total)`:
#
# * `picker`: a `widgets.Dropdown` whose options are the sectors of `df`, **sorted** alphabetically;
# * `total`: a `widgets.Label` whose `value` reads `"<sector>: <searches> searches (SYNTHETIC)"`
#   for the sector currently picked, with the searches written with thousands separators
#   (`f"{n:,}"`), for example `"other: 46,096 searches (SYNTHETIC)"`;
# * the label is correct from the start, and updates whenever `picker.value` changes: register a
#   callback with `picker.observe(callback, names="value")`, as in the lesson.
#
# Use the `df` you are given, not `synthetic`: the checks build the explorer on other tables too.

# %% [raw]
# # BEGIN QUESTION
# name: q5
# points: 3

# %% [raw]
# # BEGIN SOLUTION

# %%
def build_explorer(df):
    # BEGIN SOLUTION
    picker = widgets.Dropdown(options=sorted(df["sector"].unique()), description="sector")
    total = widgets.Label()

    def show(change=None):
        n = int(df.loc[df["sector"] == picker.value, "searches"].sum())
        total.value = f"{picker.value}: {n:,} searches (SYNTHETIC)"

    picker.observe(show, names="value")
    show()
    return picker, total
    # END SOLUTION


explorer = build_explorer(synthetic)  # (picker, total)
widgets.VBox(list(explorer)) if explorer else explorer

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
def test_q5_1(build_explorer):
    import ipywidgets as widgets
    import pandas as pd
    from facecourse.checks import answered
    answered("q5", build_explorer=build_explorer)
    _toy = pd.DataFrame({"sector": ["b", "a", "b", "c"], "searches": [1200, 5, 300, 7]})
    _picker, _total = build_explorer(_toy)
    assert isinstance(_picker, widgets.Dropdown) and isinstance(_total, widgets.Label), \
        "build_explorer must return (a widgets.Dropdown, a widgets.Label)"
    assert list(_picker.options) == ["a", "b", "c"], "the picker's options must be the sectors of df, sorted, each once"

# %%
def test_q5_2(build_explorer):
    import pandas as pd
    _toy = pd.DataFrame({"sector": ["b", "a", "b", "c"], "searches": [1200, 5, 300, 7]})
    _picker, _total = build_explorer(_toy)
    _picker.value = "a"
    assert _total.value == "a: 5 searches (SYNTHETIC)", \
        f"after picking 'a' the label must read 'a: 5 searches (SYNTHETIC)', it reads {_total.value!r}"
    _picker.value = "b"
    assert _total.value == "b: 1,500 searches (SYNTHETIC)", \
        f"after picking 'b' the label must update to 'b: 1,500 searches (SYNTHETIC)' (sum, thousands separator), it reads {_total.value!r}"

# %%
def test_q5_3(build_explorer):
    import pandas as pd
    _toy = pd.DataFrame({"sector": ["b", "a", "b", "c"], "searches": [1200, 5, 300, 7]})
    _picker2, _total2 = build_explorer(_toy)
    _now = _picker2.value  # the sector chosen when the explorer is built (the options' order is q5_1's sentence)
    _sums = _toy.groupby("sector")["searches"].sum()
    _want = f"{_now}: {_sums[_now]:,} searches (SYNTHETIC)" if _now in _sums.index else None
    assert _want is not None and _total2.value == _want, \
        f"the label must show the chosen sector's total as soon as the explorer is built, before anyone picks ({_want!r}); it reads {_total2.value!r}"

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_q5_hidden_1(build_explorer, synthetic):
    _p, _t = build_explorer(synthetic)
    _p.value = "US public"
    assert _t.value == "US public: 340,000 searches (SYNTHETIC)"
    _p.value = "non-US public"
    assert _t.value == "non-US public: 14,000 searches (SYNTHETIC)"

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 6: accounts against searches (altair, log scales)
#
# Build `usage_chart`, an altair chart of `usage` (the cell below keeps the four columns the chart
# needs: a chart of `synthetic` itself would display, but its date columns hold Python `date`
# objects that Vega-Lite cannot read, so it could be neither saved nor graded) with one mark per
# organisation, every organisation of every sector:
#
# * points (`mark_point` or `mark_circle`);
# * `x`: `accounts` and `y`: `searches`, both quantitative **on log scales** (both are heavy-tailed);
# * `color`: `sector` as a nominal field;
# * a `tooltip` that includes `org_id`;
# * a title that contains the word `SYNTHETIC`, and a description (alt text: a sentence saying what
#   the chart shows).

# %%
usage = synthetic[["org_id", "sector", "accounts", "searches"]]

# %% [raw]
# # BEGIN QUESTION
# name: q6
# points: 3

# %% [raw]
# # BEGIN SOLUTION

# %%
usage_chart = None  # your chart replaces this
# BEGIN SOLUTION
usage_chart = alt.Chart(usage).mark_circle(opacity=0.5).encode(
    x=alt.X("accounts:Q", scale=alt.Scale(type="log"), title="accounts (log scale)"),
    y=alt.Y("searches:Q", scale=alt.Scale(type="log"), title="searches (log scale)"),
    color=alt.Color("sector:N"),
    tooltip=["org_id:N", "sector:N", "accounts:Q", "searches:Q"],
).properties(title="Accounts and searches per organisation (SYNTHETIC data)",
             description="Scatter plot, both axes on log scales: one point per organisation of the synthetic "
                         "client list, accounts against searches, coloured by sector.")
# END SOLUTION
usage_chart

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
def test_q6_1(usage_chart):
    from facecourse.checks import answered
    answered("q6", usage_chart=usage_chart)
    from facecourse.charts import spec_summary  # reads the chart's Vega-Lite spec (chart.to_dict())
    _s = spec_summary(usage_chart, "usage_chart")
    _enc = _s["encoding"]
    assert _s["mark"] in ("point", "circle"), f"usage_chart must draw one point per organisation (mark_point or mark_circle), not {_s['mark']!r}"

# %%
def test_q6_2(usage_chart):
    from facecourse.charts import spec_summary  # reads the chart's Vega-Lite spec (chart.to_dict())
    _s = spec_summary(usage_chart, "usage_chart")
    _enc = _s["encoding"]
    assert _enc.get("x", {}).get("field") == "accounts" and _enc.get("y", {}).get("field") == "searches", \
        "x must encode 'accounts' and y must encode 'searches'"
    assert _enc["x"]["type"] == "quantitative" and _enc["y"]["type"] == "quantitative", \
        "accounts and searches are numbers: encode them as quantitative (':Q')"

# %%
def test_q6_3(usage_chart):
    from facecourse.charts import spec_summary, expect_domain_shows_all
    _s = spec_summary(usage_chart, "usage_chart")
    _enc = _s["encoding"]
    assert _enc["x"]["scale"] == "log" and _enc["y"]["scale"] == "log", \
        "both axes need a log scale: alt.Scale(type='log')"
    for _ch in ("x", "y", "color"):
        expect_domain_shows_all(_s, _ch, "usage_chart")

# %%
def test_q6_4(usage_chart):
    from facecourse.charts import spec_summary, drawn_rows  # reads the chart's Vega-Lite spec (chart.to_dict())
    _s = spec_summary(usage_chart, "usage_chart")
    _enc = _s["encoding"]
    assert _enc.get("color", {}).get("field") == "sector" and _enc["color"]["type"] == "nominal", \
        "color must encode 'sector' as nominal"
    assert "org_id" in _s["tooltip"], f"the tooltip must include 'org_id'; it shows {sorted(_s['tooltip'])}"
    _columns = set().union(*(r.keys() for r in drawn_rows(_s, "usage_chart")))
    _unknown = sorted(_s["tooltip"] - _columns)
    assert not _unknown, f"the tooltip names {_unknown}, which the charted data does not have: it would show nothing"

# %%
def test_q6_5(usage_chart):
    from facecourse.charts import spec_summary, expect_titled  # reads the chart's Vega-Lite spec (chart.to_dict())
    _s = spec_summary(usage_chart, "usage_chart")
    assert "SYNTHETIC" in _s["title"], f"the title must say the data is SYNTHETIC, not {_s['title']!r}"
    expect_titled(_s, "usage_chart")

# %%
def test_q6_6(usage_chart, synthetic):
    from facecourse.charts import spec_summary, drawn_rows  # reads the chart's Vega-Lite spec (chart.to_dict())
    _s = spec_summary(usage_chart, "usage_chart")
    _rows = drawn_rows(_s, "usage_chart")
    _lost = sorted(set(synthetic["sector"]) - {r.get("sector") for r in _rows})
    assert not _lost, f"usage_chart draws no organisation of the sector(s) {_lost}: chart every row of usage, with no filter"
    assert len(_rows) == len(synthetic) and {r.get("org_id") for r in _rows} == set(synthetic["org_id"]), \
        f"usage_chart must draw one point per organisation: all {len(synthetic)} rows of usage, not {len(_rows)} rows"
    _want = {o: (a, n) for o, a, n in zip(synthetic["org_id"], synthetic["accounts"], synthetic["searches"])}
    assert all(_want[r["org_id"]] == (r.get("accounts"), r.get("searches")) for r in _rows), \
        "each point must show the organisation's own accounts and searches, not aggregated or transformed values " \
        "(if you changed usage, run the cell that builds it again)"

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_q6_hidden_1(usage_chart, synthetic):
    from facecourse.charts import spec_summary, drawn_rows  # reads the chart's Vega-Lite spec (chart.to_dict())
    _s = spec_summary(usage_chart, "usage_chart")
    assert len(drawn_rows(_s, "usage_chart")) == len(synthetic)

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 7 (written): who is harmed by the leak of a client list?
#
# In four to six sentences: name two groups harmed when a face-search vendor's client list leaks
# (think beyond the vendor), and say how. Then say what the course had to do, and why, to let you
# analyse such a list at all.

# %% [raw]
# # BEGIN QUESTION
# name: q7
# manual: true
# points: 2

# %% [raw]
# # BEGIN SOLUTION

# %% [markdown]
# **Model answer.** Investigations can be harmed: a list of agencies and their search volumes tells suspects and
# criminal groups which forces use face search and how heavily, and it gives attackers a list of
# accounts worth phishing, each a key to a tool that can identify anyone from a photo. The public is
# harmed too, because those accounts can be abused to identify and track people, while the list
# also exposes agencies that used the tool without policy or leadership approval. Client
# organisations' staff can be targeted personally. The course could not use the real rows, which
# were never published and would be sensitive, so it generated a synthetic list that matches only
# the published totals and labels it synthetic everywhere.
#
# **Rubric (2 points).**
# * 1 point: two groups beyond the vendor, each with how it is harmed: investigations (suspects learn
#   which forces use face search and how heavily), client accounts and staff (a list of accounts worth
#   phishing, each a key to a tool that identifies anyone from a photo), the public (stolen accounts
#   used to identify and track people), agencies whose unapproved use is exposed.
# * 1 point: what the course did and why: the per-agency rows were never published and would be
#   sensitive, so the course generated a synthetic list that matches only the published totals and
#   labels it synthetic wherever it is shown.
#
# **Common weak answers.**
# * Only the vendor (reputation, lawsuits): loses the first point.
# * Two groups named with no mechanism of harm: half of the first point.
# * "The course used the leaked list": loses the second point.

# %% [raw]
# # END SOLUTION

# %% [raw]
# # END QUESTION
