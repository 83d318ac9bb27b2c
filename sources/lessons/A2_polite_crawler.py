# %% [markdown]
# # A2. A polite crawler that keeps its receipts
#
# **Why this matters.** If you collect data from the web, for research or for a product, you owe
# the site and the people in the data two things: restraint (collect only what you may, at a pace
# the site can bear) and accountability (be able to say where each item came from, when, and on
# what terms). This lesson builds both into a crawler, step by step.
#
# **Learning objectives.** After this lesson you can
# 1. fetch and obey robots.txt, a crawl delay and `Retry-After`, with an honest User-Agent;
# 2. parse pages with BeautifulSoup, honour `noindex`/`nofollow` and an opt-out registry;
# 3. record every decision in a provenance ledger: URL, time, status, robots decision, content hash, licence and consent;
# 4. put limits on pages, bytes, page size and time, and show that hostile pages cannot trap the crawler.
#
# **Prerequisites.** `lessons/A1_how_the_database_was_built.ipynb`.
#
# **Estimated time.** 30 minutes.

# %% [markdown]
# ## Step 1: introduce yourself honestly
#
# A polite crawler says who it is in its `User-Agent` header, so a site can recognise it, apply
# its robots.txt group and contact its operator. Ours:

# %%
import hashlib

import pandas as pd
import requests
from bs4 import BeautifulSoup
from protego import Protego

from facecourse.scraping import crawler, sandbox

print(crawler.POLITE_UA)
site = sandbox.SandboxSite().start()
session = requests.Session()
session.headers["User-Agent"] = crawler.POLITE_UA

# %% [markdown]
# ## Step 2: read robots.txt first, and keep to its pace

# %%
robots = Protego.parse(session.get(site.url + "/robots.txt", timeout=10).text)
delay = robots.crawl_delay(crawler.POLITE_UA)
print(f"crawl delay: {delay} s; /members/ allowed: {robots.can_fetch(site.url + '/members/x', crawler.POLITE_UA)}")

# %% [markdown]
# ## Step 3: when the site says "slow down", wait as long as it asks
#
# HTTP 429 means *Too Many Requests*; the `Retry-After` header says how long to wait, in seconds
# or as a date. The sandbox's second directory page is busy for a second after it is first asked
# for:

# %%
first = session.get(site.url + "/directory?page=2", timeout=10)
wait = crawler.retry_after_seconds(first.headers)
print(first.status_code, "- asked to wait", wait, "s")

# %%
import time

time.sleep(wait)
second = session.get(site.url + "/directory?page=2", timeout=10)
second.status_code

# %% [markdown]
# ## Step 4: read the page, and its wishes
#
# BeautifulSoup turns HTML, even broken HTML, into a tree we can query. On a profile we want the
# person's name, the licence the page states, any robots meta tag, and the photos:

# %%
profile_path = site.profiles().query("setting == 'public'")["page"].iloc[1]
html = session.get(site.url + profile_path, timeout=10).text
soup = BeautifulSoup(html, "html.parser")
{
    "subject": soup.find(attrs={"data-subject": True})["data-subject"],
    "licence": soup.find("meta", attrs={"name": "license"})["content"],
    "robots meta": soup.find("meta", attrs={"name": "robots"}),
    "photos": [img["src"] for img in soup.find_all("img", class_="photo")],
}

# %% [markdown]
# ## Step 5: keep a receipt for everything
#
# Every photo we keep gets a ledger row: where it came from, when, what the server answered, what
# robots.txt said, a SHA-256 hash of the exact bytes (so anyone can check later that the file is
# the one that was collected), and the licence and consent the page gave. Here is one photo's
# receipt, computed by hand:

# %%
photo_url = site.url + soup.find("img", class_="photo")["src"]
photo = session.get(photo_url, timeout=10)
{"url": photo_url.replace(site.url, ""), "status": photo.status_code, "robots": "allowed",
 "bytes": len(photo.content), "sha256": hashlib.sha256(photo.content).hexdigest()[:16] + "...",
 "licence": soup.find("meta", attrs={"name": "license"})["content"], "consent": "not asked (public page)"}

# %% [markdown]
# Note the last field. A public page is not consent: the person chose to show a photo to other
# users, not to be enrolled in a face-search engine. An honest ledger says so.
#
# ## Step 6: the whole crawler
#
# `facecourse.scraping.crawler` puts these steps together (read it: it is short). The polite
# crawler does a breadth-first crawl of the sandbox: it reads robots.txt and the opt-out registry
# first, waits the crawl delay between requests, honours `Retry-After`, never logs in, keeps
# nothing from `noindex` pages, and stops at its limits.

# %%
result = crawler.polite_crawler(site.url).crawl()
pd.Series(result.summary())

# %%
ledger = result.ledger.table()
ledger["decision"].value_counts()

# %% [markdown]
# Every URL the crawler considered is in the ledger, including those it decided **not** to fetch
# and why. The members-only pages were skipped because of robots.txt, the opted-out people
# because of the registry; the `noindex` profiles were read (there is no other way to see the tag)
# but nothing from them was kept:

# %%
ledger.loc[ledger["decision"].str.startswith(("skipped", "not kept")), ["url", "decision"]]

# %% [markdown]
# ## Step 7: hostile pages
#
# Real sites contain traps, deliberate or not. The sandbox has four; each one ends with a ledger
# status instead of a hang or a crash:

# %%
hostile = ledger[ledger["url"].str.contains("/lab/|test-card|nobody-here") & (ledger["kind"] != "attempt")]
hostile[["url", "status", "decision"]]

# %% [markdown]
# The redirect loop is detected on its second hop; the 50 MB page is abandoned at the 2 MB page
# limit; the "photo" that is HTML is rejected by the image loader; the malformed page still parses
# (BeautifulSoup repairs it) and its broken link ends in a 404 row.
#
# Finally, the site's own access log confirms the crawler's behaviour from the other side: no
# disallowed or opted-out URL was requested, and there was only the one 429 from the busy page.

# %%
log = site.access_log()
site.stop()
pd.Series({
    "requests": len(log),
    "to /members/ or /login": int(log["path"].str.startswith(("/members/", "/login")).sum()),
    "to opted-out URLs": int(log["path"].isin(site.opted_out_paths()).sum()),
    "429 responses": int((log["status"] == 429).sum()),
})

# %% [markdown]
# ## Summary
#
# * Honest User-Agent, robots.txt through protego, the crawl delay, `Retry-After`: restraint is a few lines of code.
# * Read pages with BeautifulSoup; honour `noindex`, `nofollow` and opt-out registries.
# * Record every decision, with a content hash, licence and consent, in a ledger.
# * Limit pages, bytes, page size, redirects and time, so hostile pages end as ledger rows.
# * Exercise: `exercises/A2_polite_crawler.ipynb`. Next lesson: `lessons/A3_careless_vs_polite.ipynb`.
