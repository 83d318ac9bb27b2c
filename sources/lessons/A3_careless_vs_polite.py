# %% [markdown]
# # A3. Careless versus polite: what each collects, and who pays
#
# **Why this matters.** "Everything public is fair game" is a design choice, not a law of nature.
# Running a careless crawler and a polite one against the same site shows in numbers what the
# difference is, and in names who bears it.
#
# **Learning objectives.** After this lesson you can
# 1. run a careless "Clearview-style" crawler and a polite one against the sandbox and compare what they collect;
# 2. read a site's access log to see what a crawler did, including rate-limit evasion;
# 3. say which people are harmed by the difference, and how, with a pandas `groupby` and an altair chart.
# 4. wire a small ipywidgets explorer over a ledger by hand (`observe`), then use the course's
#    ledger explorer, built on the helper `facecourse.widgets.explorer`.
#
# **Prerequisites.** `lessons/A2_polite_crawler.ipynb`.
#
# **Estimated time.** 30 minutes.

# %% [markdown]
# ## Two crawlers, one site
#
# The careless crawler is the same machine with the rules switched off: it does not read
# robots.txt, creates an account and logs in, keeps `noindex` pages, ignores the opt-out registry,
# does not wait between requests, and when the site says "slow down" it changes its User-Agent and
# tries again at once (scrapers with pools of proxies do the same with IP addresses). It still has
# hard limits, and it refuses to run against anything but 127.0.0.1.

# %%
import altair as alt
import pandas as pd
from IPython.display import HTML, Markdown

from facecourse.scraping import crawler, sandbox

site = sandbox.SandboxSite().start()
polite = crawler.polite_crawler(site.url).crawl()
polite_log = site.access_log()
site.clear_log()
careless = crawler.careless_crawler(site.url).crawl()
careless_log = site.access_log()
site.stop()

# %%
keep = ["pages kept", "photos kept", "people", "MB downloaded"]  # request counts vary with timing (429s)
compare = pd.DataFrame({"polite": pd.Series(polite.summary())[keep], "careless": pd.Series(careless.summary())[keep]})
compare

# %%
ratio = compare["careless"].astype(float) / compare["polite"].astype(float)
Markdown(f"The careless crawler kept {compare.loc['photos kept', 'careless'] - compare.loc['photos kept', 'polite']} "
         f"more photos ({ratio['photos kept'] - 1:.0%} more) of {compare.loc['people', 'careless'] - compare.loc['people', 'polite']} "
         f"more people ({ratio['people'] - 1:.0%} more), and downloaded {ratio['MB downloaded']:.0f} times as much data, "
         f"most of it the {sandbox.HUGE_PAGE_BYTES / 1e6:g} MB page the polite crawler abandoned at its page limit.")

# %% [markdown]
# Both crawls saved their photos outside this folder, in the course's git-ignored local data
# folder (`facecourse.paths.local_dir()`, lesson A2), one sub-folder per crawler. `folder` on each
# result says where; `relative_to` shows it from the repository's root:

# %%
from facecourse import paths

folders = pd.DataFrame({name: {"folder": r.folder.relative_to(paths.ROOT).as_posix() if r.folder.is_relative_to(paths.ROOT)
                              else str(r.folder), "photo files": r.photos()["file"].nunique()}
                       for name, r in (("polite", polite), ("careless", careless))}).T
HTML(folders.to_html())  # to_html shows every path in full (the notebook's table view cuts at 50 characters)

# %% [markdown]
# ## What the site saw
#
# The access log is the site's view. The careless crawler fetched what robots.txt disallows, logged
# in, and appeared under several names:

# %% [markdown]
# To compare two logs with pandas, stack them into one table with a `crawler` column
# (`assign` adds it, `pd.concat` stacks the rows), then `groupby` that column. Distinct URLs first:

# %%
both = pd.concat([polite_log.assign(crawler="polite"), careless_log.assign(crawler="careless")], ignore_index=True)
both.groupby("crawler")["path"].nunique()

# %%
def behaviour(log):
    paths = set(log["path"])
    return pd.Series({
        "read robots.txt": "/robots.txt" in paths,
        "members-only or log-in URLs fetched": sum(p.startswith(("/members/", "/login")) for p in paths),
        "opted-out URLs fetched": len(paths & site.opted_out_paths()),
        "used more than one user agent": log["user_agent"].nunique() > 1,
        "got any 429": bool((log["status"] == 429).any()),
    })


pd.DataFrame({"polite": behaviour(polite_log), "careless": behaviour(careless_log)})

# %%
polite_429 = int((polite_log["status"] == 429).sum())
Markdown(f"The table counts distinct URLs and says only *whether* there were 429 answers and several user agents: "
         f"how many depends on timing. The polite crawler got {polite_429} answer(s) 429 "
         f"({', '.join(sorted(set(polite_log.loc[polite_log['status'] == 429, 'path'])))}), after which it waited as told; "
         f"the careless crawler answered its 429s by changing its name, and used "
         f"{'several names' if careless_log['user_agent'].nunique() > 1 else 'one name'}.")

# %% [markdown]
# ## Who is harmed
#
# The photos the careless crawler took and the polite one did not are not random: they belong
# precisely to the people who said no, each in the way the site offered.

# %%
profiles = site.profiles().set_index("name")
taken = careless.photos()["subject"].value_counts().rename("careless")
kept = polite.photos()["subject"].value_counts().rename("polite")
by_person = pd.concat([profiles["setting"], taken, kept], axis=1).fillna(0)
by_setting = by_person.groupby("setting")[["careless", "polite"]].sum().astype(int)
by_setting

# %% [markdown]
# To chart it, altair wants one row per bar ("long" format): `melt` turns the two crawler columns
# into a `crawler` column and a `photos` column. Then each field goes to a channel, with its type:
# the setting on x (nominal), the count on y (quantitative), the crawler as colour and as `xOffset`
# (bars side by side within a setting), and a tooltip with the exact numbers.

# %%
long = by_setting.reset_index().melt(id_vars="setting", var_name="crawler", value_name="photos")
long

# %%
setting_chart = alt.Chart(long).mark_bar().encode(
    x=alt.X("setting:N", title="the person's privacy setting"),
    xOffset="crawler:N",
    y=alt.Y("photos:Q", title="photos collected"),
    color=alt.Color("crawler:N", title="crawler"),
    tooltip=["setting:N", "crawler:N", "photos:Q"],
).properties(
    title="Photos collected, by the privacy setting of the person",
    description=(f"Grouped bar chart: for public profiles both crawlers collect {by_setting.loc['public', 'polite']} photos; "
                 f"of the people whose profiles are members-only, noindex or opted out, the careless crawler collects "
                 f"{by_setting.drop('public')['careless'].sum()} photos and the polite one "
                 f"{by_setting.drop('public')['polite'].sum()}."),
    width=360,
)
setting_chart

# %% [markdown]
# *Figure: for public profiles both crawlers collect the same photos; every photo of a members-only,
# `noindex` or opted-out person was taken by the careless crawler alone.*
#
# The course keeps this chart as a helper, `facecourse.scraping.charts.collected_by_setting_chart(by_setting)`,
# so that other notebooks can draw it from the same table in one line; it is the code above.
#
# ## Look for yourself
#
# A ledger is easier to read with a small explorer. An ipywidgets explorer has three parts: a
# **control** (here a `Dropdown` of decisions), an **output** widget (an `HTML` widget, whose
# `value` is a string of HTML), and a **callback** that recomputes the output.
# `control.observe(callback, names="value")` calls the callback each time the control's `value`
# changes; calling it once by hand fills the output before anyone picks.

# %%
import ipywidgets as widgets

polite_table = polite.ledger.table()
decision_picker = widgets.Dropdown(options=["collected", "skipped", "not kept"], description="decision")
decision_output = widgets.HTML()


def show_decision(change=None):
    n = int(polite_table["decision"].fillna("").str.startswith(decision_picker.value).sum())
    decision_output.value = f"{n} row(s) of the polite crawl's ledger: {decision_picker.value}"


decision_picker.observe(show_decision, names="value")
show_decision()
widgets.VBox([decision_picker, decision_output])

# %% [markdown]
# The callback runs in the kernel, so code can drive the widget as a click would: set the control's
# `value`, then read the output's `value`.

# %%
decision_picker.value = "skipped"
decision_output.value

# %% [markdown]
# The course writes this wiring once, in the helper `facecourse.widgets.explorer(controls, render)`:
# `controls` is a dict of named widgets, `render` a function called with their values as keyword
# arguments; the helper connects each control with `observe`, writes what `render` returns into an
# `HTML` widget (`.output`) and keeps it as `.result`. The explorer below is built on it: three
# dropdowns (crawl, kind of URL, decision) are its controls, and its render function calls
# `ledger.filter_rows`, the plain function the tests check. Try the careless crawl's photos, then
# the polite crawl's skipped pages.

# %%
from facecourse.scraping.ledger import ledger_explorer

ledger_explorer({"polite": polite.ledger, "careless": careless.ledger})

# %% [markdown]
# These are the people harmed by the difference:

# %%
harmed = by_person[(by_person["careless"] > 0) & (by_person["polite"] == 0)]
harmed[["setting", "careless"]].sort_values("setting")

# %%
n_public = int((profiles["setting"] == "public").sum())
Markdown(f"\"Public\" covered only {n_public} of the {len(profiles)} people on this site; the careless crawl "
         f"took photos of all {len(by_person[by_person['careless'] > 0])}.")

# %% [markdown]
# Their harm is specific. A members-only profile was shared with a community, not the world; the
# careless crawler broke in with a made-up account, which is exactly what the terms forbid. A
# `noindex` person wanted not to be found by search; a face-search engine is a search engine. An
# opted-out person said no to collection in so many words. Once a face is enrolled, every future
# photo of that person, anywhere, can be matched to it (lesson B5).
#
# The site is harmed too: a burst of requests and a huge download cost it bandwidth, and dodging
# its rate limit under false names defeats its protection for everyone else.
#
# ## Summary
#
# * The careless crawler collects everything the polite one leaves, and what it adds is exactly the data of people who refused.
# * Access logs show a crawler's behaviour from the site's side: disallowed paths, log-ins, false names.
# * A pandas `groupby` and an altair chart of the result show who is in the difference.
# * Exercise: `exercises/A3_careless_vs_polite.ipynb`. Next lesson: `lessons/A4_provenance_consent.ipynb`.
