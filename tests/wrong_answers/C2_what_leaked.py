"""Wrong answers a weak student would give in exercise C2; each must fail its public check."""


_EXPLORER = '''
def build_explorer(df):
    picker = widgets.Dropdown(options=@OPTIONS@)
    total = widgets.Label()
    def show(change=None):
        n = @COUNT@
        total.value = @TEXT@
    picker.observe(show, names="value")
    show()
    return picker, total
'''


def _explorer(options='sorted(df["sector"].unique())',
              count='int(df.loc[df["sector"] == picker.value, "searches"].sum())',
              text='f"{picker.value}: {n:,} searches (SYNTHETIC)"'):
    """q5's wrong answers: one plain student's explorer with one part changed."""
    return _EXPLORER.replace("@OPTIONS@", options).replace("@COUNT@", count).replace("@TEXT@", text)


WRONG = {
    "q1": {
        "share of organisations on trial, not of searches": '''
_us = synthetic[synthetic["sector"] == "US public"]
us_trial_share = (_us["plan"] == "trial").mean()
''',
        "trial share over every sector": '''
us_trial_share = synthetic.loc[synthetic["plan"] == "trial", "searches"].sum() / synthetic["searches"].sum()
''',
        "a percentage instead of a share": '''
_us = synthetic[synthetic["sector"] == "US public"]
us_trial_share = 100 * _us.loc[_us["plan"] == "trial", "searches"].sum() / _us["searches"].sum()
''',
        "US trial searches divided by ALL searches": '''
_us = synthetic[synthetic["sector"] == "US public"]
us_trial_share = _us.loc[_us["plan"] == "trial", "searches"].sum() / synthetic["searches"].sum()
''',
    },
    "q2": {
        "no minimum of one organisation": '''
def top_percent_share(df, percent):
    k = round(len(df) * percent / 100)
    return df["searches"].nlargest(k).sum() / df["searches"].sum()
''',
        "the lightest organisations (nsmallest)": '''
def top_percent_share(df, percent):
    k = max(1, round(len(df) * percent / 100))
    return df["searches"].nsmallest(k).sum() / df["searches"].sum()
''',
        "rounds down with int()": '''
def top_percent_share(df, percent):
    k = max(1, int(len(df) * percent / 100))
    return df["searches"].nlargest(k).sum() / df["searches"].sum()
''',
        "first rows without sorting": '''
def top_percent_share(df, percent):
    k = max(1, round(len(df) * percent / 100))
    return df["searches"].head(k).sum() / df["searches"].sum()
''',
        "percent used as a fraction (forgets to divide by 100)": '''
def top_percent_share(df, percent):
    k = max(1, round(len(df) * percent))
    return df["searches"].nlargest(k).sum() / df["searches"].sum()
''',
    },
    "q3": {
        "mean instead of median": '''
ratio = synthetic.assign(per_account=synthetic["searches"] / synthetic["accounts"])
sector_medians = ratio.groupby("sector")["per_account"].mean()
busiest_sector = sector_medians.idxmax()
''',
        "ratio of the sector totals": '''
ratio = synthetic.assign(per_account=synthetic["searches"] / synthetic["accounts"])
_g = synthetic.groupby("sector")[["searches", "accounts"]].sum()
sector_medians = _g["searches"] / _g["accounts"]
busiest_sector = sector_medians.idxmax()
''',
        "accounts per search (upside down)": '''
ratio = synthetic.assign(per_account=synthetic["accounts"] / synthetic["searches"])
sector_medians = ratio.groupby("sector")["per_account"].median()
busiest_sector = sector_medians.idxmax()
''',
        "the sector with the most searches in total": '''
ratio = synthetic.assign(per_account=synthetic["searches"] / synthetic["accounts"])
sector_medians = ratio.groupby("sector")["per_account"].median()
busiest_sector = synthetic.groupby("sector")["searches"].sum().idxmax()
''',
        "lowest median (idxmin)": '''
ratio = synthetic.assign(per_account=synthetic["searches"] / synthetic["accounts"])
sector_medians = ratio.groupby("sector")["per_account"].median()
busiest_sector = sector_medians.idxmin()
''',
    },
    "q4": {
        "counts organisations instead of summing searches": '''
plan_pivot = synthetic.pivot_table(index="sector", columns="plan", values="searches", aggfunc="count", fill_value=0)
trial_share_by_sector = plan_pivot["trial"] / plan_pivot.sum(axis=1)
''',
        "mean searches per organisation": '''
plan_pivot = synthetic.pivot_table(index="sector", columns="plan", values="searches", fill_value=0)
trial_share_by_sector = plan_pivot["trial"] / plan_pivot.sum(axis=1)
''',
        "rows and columns swapped": '''
plan_pivot = synthetic.pivot_table(index="plan", columns="sector", values="searches", aggfunc="sum", fill_value=0)
trial_share_by_sector = plan_pivot.loc["trial"] / plan_pivot.sum()
''',
        "share of ALL searches instead of each sector's": '''
plan_pivot = synthetic.pivot_table(index="sector", columns="plan", values="searches", aggfunc="sum", fill_value=0)
trial_share_by_sector = plan_pivot["trial"] / plan_pivot.to_numpy().sum()
''',
        "trial divided by paid": '''
plan_pivot = synthetic.pivot_table(index="sector", columns="plan", values="searches", aggfunc="sum", fill_value=0)
trial_share_by_sector = plan_pivot["trial"] / plan_pivot["paid"]
''',
    },
    "q5": {
        "options in the data's order, not sorted": _explorer(options='list(df["sector"].unique())'),
        "no observe: the label is set once and never updates": '''
def build_explorer(df):
    picker = widgets.Dropdown(options=sorted(df["sector"].unique()))
    n = int(df.loc[df["sector"] == picker.value, "searches"].sum())
    total = widgets.Label(value=f"{picker.value}: {n:,} searches (SYNTHETIC)")
    return picker, total
''',
        "uses the global synthetic list instead of df": _explorer(
            options='sorted(synthetic["sector"].unique())',
            count='int(synthetic.loc[synthetic["sector"] == picker.value, "searches"].sum())'),
        "counts organisations instead of searches": _explorer(count='int((df["sector"] == picker.value).sum())'),
        "label not filled until the first change": '''
def build_explorer(df):
    picker = widgets.Dropdown(options=sorted(df["sector"].unique()))
    total = widgets.Label()
    def show(change):
        n = int(df.loc[df["sector"] == change["new"], "searches"].sum())
        total.value = f"{change['new']}: {n:,} searches (SYNTHETIC)"
    picker.observe(show, names="value")
    return picker, total
''',
        "no SYNTHETIC label and no thousands separator": _explorer(text='f"{picker.value}: {n} searches"'),
        "options in the order they appear, with repeats": _explorer(options='list(df["sector"])'),
    },
}

# Right answers in another form that must PASS.
RIGHT = {
    "q1": {"NumPy float from a groupby": '''
_g = synthetic[synthetic["sector"] == "US public"].groupby("plan")["searches"].sum()
us_trial_share = _g["trial"] / _g.sum()
'''},
    "q2": {"numpy sort": '''
def top_percent_share(df, percent):
    s = np.sort(df["searches"].to_numpy())[::-1]
    k = max(1, int(round(len(s) * percent / 100)))
    return s[:k].sum() / s.sum()
'''},
    "q3": {"groupby on a Series": '''
ratio = synthetic.copy()
ratio["per_account"] = ratio["searches"] / ratio["accounts"]
sector_medians = ratio["per_account"].groupby(ratio["sector"]).median().sort_values(ascending=False)
busiest_sector = sector_medians.index[0]
'''},
    "q4": {"crosstab with values": '''
plan_pivot = pd.crosstab(synthetic["sector"], synthetic["plan"], values=synthetic["searches"], aggfunc="sum").fillna(0)
trial_share_by_sector = plan_pivot["trial"] / (plan_pivot["trial"] + plan_pivot["paid"])
'''},
    "q5": {"a lambda with change['new'], called once at the start": '''
def build_explorer(df):
    totals = df.groupby("sector")["searches"].sum()
    picker = widgets.Dropdown(options=list(totals.index))
    total = widgets.Label()
    def show(sector):
        total.value = f"{sector}: {int(totals[sector]):,} searches (SYNTHETIC)"
    picker.observe(lambda change: show(change["new"]), names="value")
    show(picker.value)
    return picker, total
'''},
}

_OK = dict(title="Accounts and searches (SYNTHETIC data)", description="Scatter plot, log scales.")
WRONG["q6"] = {
    "one point per sector (summed)": '''
usage_chart = alt.Chart(usage.groupby("sector", as_index=False)[["accounts", "searches"]].sum().assign(org_id="all")).mark_circle().encode(
    x=alt.X("accounts:Q", scale=alt.Scale(type="log")), y=alt.Y("searches:Q", scale=alt.Scale(type="log")),
    color="sector:N", tooltip=["org_id:N"]).properties(title="SYNTHETIC client list", description="Scatter plot of accounts against searches per organisation.")
''',
    "only the first 100 organisations": '''
usage_chart = alt.Chart(usage.head(100)).mark_circle().encode(
    x=alt.X("accounts:Q", scale=alt.Scale(type="log")), y=alt.Y("searches:Q", scale=alt.Scale(type="log")),
    color="sector:N", tooltip=["org_id:N"]).properties(title="SYNTHETIC client list", description="Scatter plot of accounts against searches per organisation.")
''',
    "linear scales": f'''
usage_chart = alt.Chart(usage).mark_circle().encode(
    x="accounts:Q", y="searches:Q", color="sector:N", tooltip=["org_id:N"]).properties(**{_OK!r})
''',
    "axes swapped": f'''
usage_chart = alt.Chart(usage).mark_circle().encode(
    x=alt.X("searches:Q", scale=alt.Scale(type="log")), y=alt.Y("accounts:Q", scale=alt.Scale(type="log")),
    color="sector:N", tooltip=["org_id:N"]).properties(**{_OK!r})
''',
    "title does not say SYNTHETIC": '''
usage_chart = alt.Chart(usage).mark_circle().encode(
    x=alt.X("accounts:Q", scale=alt.Scale(type="log")), y=alt.Y("searches:Q", scale=alt.Scale(type="log")),
    color="sector:N", tooltip=["org_id:N"]).properties(title="Accounts and searches", description="Scatter plot of accounts against searches per organisation.")
''',
    "bars instead of points": f'''
usage_chart = alt.Chart(usage).mark_bar().encode(
    x=alt.X("accounts:Q", scale=alt.Scale(type="log")), y=alt.Y("searches:Q", scale=alt.Scale(type="log")),
    color="sector:N", tooltip=["org_id:N"]).properties(**{_OK!r})
''',
    "sector as a quantitative colour, no tooltip": f'''
usage_chart = alt.Chart(usage).mark_point().encode(
    x=alt.X("accounts:Q", scale=alt.Scale(type="log")), y=alt.Y("searches:Q", scale=alt.Scale(type="log")),
    color="sector:Q").properties(**{_OK!r})
''',
    "no description (alt text)": '''
usage_chart = alt.Chart(usage).mark_circle().encode(
    x=alt.X("accounts:Q", scale=alt.Scale(type="log")), y=alt.Y("searches:Q", scale=alt.Scale(type="log")),
    color="sector:N", tooltip=["org_id:N"]).properties(title="Accounts and searches (SYNTHETIC data)")
''',
}
RIGHT["q6"] = {"keyword encodings and mark_point": '''
usage_chart = alt.Chart(usage).mark_point().encode(
    alt.X("accounts", type="quantitative", scale=alt.Scale(type="log")),
    alt.Y("searches", type="quantitative", scale=alt.Scale(type="log")),
    alt.Color("sector", type="nominal"), tooltip=["org_id", "searches"],
).properties(title="SYNTHETIC client list: accounts vs searches", description="Points, log scales.")
'''}

# issue 22: what the whole specification shows
WRONG["q6"].update({
    "transform_filter drops the private companies": '''
usage_chart = alt.Chart(usage).mark_circle().encode(
    x=alt.X("accounts:Q", scale=alt.Scale(type="log")), y=alt.Y("searches:Q", scale=alt.Scale(type="log")),
    color="sector:N", tooltip=["org_id:N", "searches:Q"]).transform_filter(alt.datum.sector != "private company").properties(title="Accounts and searches per organisation (SYNTHETIC data)", description="Scatter plot of accounts against searches per organisation.")
''',
    "x domain clamped to 1-20 accounts": '''
usage_chart = alt.Chart(usage).mark_circle().encode(
    x=alt.X("accounts:Q", scale=alt.Scale(type="log", domain=[1, 20], clamp=True)),
    y=alt.Y("searches:Q", scale=alt.Scale(type="log")), color="sector:N", tooltip=["org_id:N"]).properties(title="Accounts and searches per organisation (SYNTHETIC data)", description="Scatter plot of accounts against searches per organisation.")
''',
    "placeholder title and description": '''
usage_chart = alt.Chart(usage).mark_circle().encode(
    x=alt.X("accounts:Q", scale=alt.Scale(type="log")), y=alt.Y("searches:Q", scale=alt.Scale(type="log")),
    color="sector:N", tooltip=["org_id:N", "searches:Q"]).properties(title="TODO title (SYNTHETIC)", description="Description")
''',
    "usage changed before charting (searches per account)": '''
usage = usage.assign(searches=usage["searches"] / usage["accounts"])
usage_chart = alt.Chart(usage).mark_circle().encode(
    x=alt.X("accounts:Q", scale=alt.Scale(type="log")), y=alt.Y("searches:Q", scale=alt.Scale(type="log")),
    color="sector:N", tooltip=["org_id:N", "searches:Q"]).properties(title="Accounts and searches per organisation (SYNTHETIC data)", description="Scatter plot of accounts against searches per organisation.")
''',
    "tooltip names a column usage does not have": '''
usage_chart = alt.Chart(usage).mark_circle().encode(
    x=alt.X("accounts:Q", scale=alt.Scale(type="log")), y=alt.Y("searches:Q", scale=alt.Scale(type="log")),
    color="sector:N", tooltip=["org_id:N", "name:N"]).properties(title="Accounts and searches per organisation (SYNTHETIC data)", description="Scatter plot of accounts against searches per organisation.")
''',
})
RIGHT["q6"].update({
    "a column facet per sector, an altair filter that keeps every row": '''
usage_chart = alt.Chart(usage).transform_filter("datum.accounts > 0").mark_point().encode(
    x=alt.X("accounts:Q", scale=alt.Scale(type="log")), y=alt.Y("searches:Q", scale=alt.Scale(type="log")),
    color="sector:N", tooltip=["org_id:N", "searches:Q"]).facet(column="sector:N").properties(title="Accounts and searches per organisation (SYNTHETIC data)", description="Scatter plot of accounts against searches per organisation.")
''',
})
# issue 22: types the prompt names (a Series, a sector's name)
WRONG["q3"].update({
    "sector_medians as a dict": '''
ratio = synthetic.assign(per_account=synthetic["searches"] / synthetic["accounts"])
sector_medians = ratio.groupby("sector")["per_account"].median().to_dict()
busiest_sector = max(sector_medians, key=sector_medians.get)
''',
    "busiest_sector as a one-row Series (nlargest)": '''
ratio = synthetic.assign(per_account=synthetic["searches"] / synthetic["accounts"])
sector_medians = ratio.groupby("sector")["per_account"].median()
busiest_sector = sector_medians.nlargest(1)
''',
})
WRONG["q6"]["synthetic charted with its date columns (displays, cannot be saved or graded)"] = '''
usage_chart = alt.Chart(synthetic).mark_circle().encode(
    x=alt.X("accounts:Q", scale=alt.Scale(type="log")), y=alt.Y("searches:Q", scale=alt.Scale(type="log")),
    color="sector:N", tooltip=["org_id:N"]).properties(title="Accounts and searches per organisation (SYNTHETIC data)",
    description="Scatter plot of accounts against searches per organisation.")
'''
