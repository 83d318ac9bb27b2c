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
# 3. say which people are harmed by the difference, and how.
#
# **Prerequisites.** `lessons/A2_polite_crawler.ipynb`.
#
# **Estimated time.** 25 minutes.

# %% [markdown]
# ## Two crawlers, one site
#
# The careless crawler is the same machine with the rules switched off: it does not read
# robots.txt, creates an account and logs in, keeps `noindex` pages, ignores the opt-out registry,
# does not wait between requests, and when the site says "slow down" it changes its User-Agent and
# tries again at once (scrapers with pools of proxies do the same with IP addresses). It still has
# hard limits, and it refuses to run against anything but 127.0.0.1.

# %%
import pandas as pd

from facecourse import charts
from facecourse.scraping import crawler, sandbox

site = sandbox.SandboxSite().start()
polite = crawler.polite_crawler(site.url).crawl()
polite_log = site.access_log()
site.clear_log()
careless = crawler.careless_crawler(site.url).crawl()
careless_log = site.access_log()
site.stop()

# %%
keep = ["pages kept", "photos kept", "people", "MB downloaded"]
pd.DataFrame({"polite": pd.Series(polite.summary())[keep], "careless": pd.Series(careless.summary())[keep]})


# %% [markdown]
# The careless crawler took a third more photos and a third more people, and downloaded over
# twenty times as much data, most of it the 50 MB page the polite crawler abandoned.
#
# ## What the site saw
#
# The access log is the site's view. The careless crawler fetched what robots.txt disallows, logged
# in, and appeared under several names:

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

# %% [markdown]
# The table counts distinct URLs and says only *whether* there were 429 answers and several user
# agents: how many depends on timing. The polite crawler's single 429 is the busy directory page,
# after which it waited as told; the careless crawler answered its 429s by changing its name.
#
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

# %%
charts.collected_by_setting_chart(by_setting)

# %% [markdown]
# *Figure: for public profiles both crawlers collect the same photos; every photo of a members-only,
# `noindex` or opted-out person was taken by the careless crawler alone.*
#
# ## Look for yourself
#
# The explorer shows either crawl's ledger, filtered by kind of URL and by decision. Try the
# careless crawl's photos, then the polite crawl's skipped pages.

# %%
from facecourse.scraping.ledger import ledger_explorer

ledger_explorer({"polite": polite.ledger, "careless": careless.ledger})

# %% [markdown]
# These are the people harmed by the difference:

# %%
harmed = by_person[(by_person["careless"] > 0) & (by_person["polite"] == 0)]
harmed[["setting", "careless"]].sort_values("setting")

# %% [markdown]
# Their harm is specific. A members-only profile was shared with a community, not the world; the
# careless crawler broke in with a made-up account, which is exactly what the terms forbid. A
# `noindex` person wanted not to be found by search; a face-search engine is a search engine. An
# opted-out person said no to collection in so many words. Once a face is enrolled, every future
# photo of that person, anywhere, can be matched to it (lesson B5).
#
# The site is harmed too: a burst of requests and a 50 MB download cost it bandwidth, and dodging
# its rate limit under false names defeats its protection for everyone else.
#
# ## Summary
#
# * The careless crawler collects everything the polite one leaves, and what it adds is exactly the data of people who refused.
# * Access logs show a crawler's behaviour from the site's side: disallowed paths, log-ins, false names.
# * "Public" covered only 18 of the 24 people on this site.
# * Exercise: `exercises/A3_careless_vs_polite.ipynb`. Next lesson: `lessons/A4_provenance_consent.ipynb`.
