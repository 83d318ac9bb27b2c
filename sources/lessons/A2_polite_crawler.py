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
# 3. record every decision in a provenance ledger (URL, time, status, robots decision, content hash, licence and
#    consent) as a pandas DataFrame, and summarise it with `groupby`;
# 4. put limits on pages, bytes, page size and time, and show that hostile pages cannot trap the crawler;
# 5. check a crawler from the site's side with an altair chart of the access log.
#
# **Prerequisites.** `lessons/A1_how_the_database_was_built.ipynb`.
#
# **Estimated time.** 35 minutes.

# %% [markdown]
# ## Step 1: introduce yourself honestly
#
# A polite crawler says who it is in its `User-Agent` header, so a site can recognise it, apply
# its robots.txt group and contact its operator. Ours:

# %%
import hashlib
import time
from email.utils import parsedate_to_datetime

import altair as alt
import pandas as pd
import requests
from bs4 import BeautifulSoup
from IPython.display import Markdown
from protego import Protego

from facecourse.scraping import crawler, sandbox

print(crawler.POLITE_UA)
site = sandbox.SandboxSite().start()
session = requests.Session()
session.headers["User-Agent"] = crawler.POLITE_UA

# %% [markdown]
# ## Step 2: read robots.txt first, and keep to its pace
#
# As in lesson A1: parse it once with protego, ask `can_fetch` before every URL, and wait the
# `Crawl-delay` between requests. (`Crawl-delay` is an extension that RFC 9309 does not define;
# a polite crawler honours it anyway.)

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
first.status_code, first.headers.get("Retry-After")

# %% [markdown]
# Here the value is a number of seconds. The other form is an HTTP date, which
# `email.utils.parsedate_to_datetime` reads; the wait is that moment minus now, and never negative
# (a date in the past means "go ahead"):

# %%
example = "Wed, 21 Oct 2026 07:28:30 GMT"
now = parsedate_to_datetime("Wed, 21 Oct 2026 07:28:00 GMT").timestamp()
max(0.0, parsedate_to_datetime(example).timestamp() - now)

# %% [markdown]
# The crawler wraps both forms in `crawler.retry_after_seconds(headers, default)`. Note the
# `default`: when the header is absent or unreadable, the number it returns is *our* choice, not
# the server's answer. Here the header is present:

# %%
wait = crawler.retry_after_seconds(first.headers, default=1.0)
wait

# %%
time.sleep(wait)
second = session.get(site.url + "/directory?page=2", timeout=10)
second.status_code

# %% [markdown]
# ## Step 4: read the page, and its wishes
#
# BeautifulSoup turns HTML, even broken HTML, into a tree we can query. On a profile we want the
# person's name, the licence the page states, any robots meta tag, and the photos:

# %%
profile_path = site.profiles().query("setting == 'public' and photos == 3")["page"].iloc[0]
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
# One receipt is a dict; many receipts are rows of a table. A list of dicts becomes a pandas
# DataFrame, one row per photo on the page, and a table can be filtered, counted and saved:

# %%
rows = []
for img in soup.find_all("img", class_="photo"):
    got = session.get(site.url + img["src"], timeout=10)
    rows.append({"url": img["src"], "status": got.status_code, "bytes": len(got.content),
                 "sha256": hashlib.sha256(got.content).hexdigest()[:16],
                 "licence": soup.find("meta", attrs={"name": "license"})["content"]})
    time.sleep(delay)  # the crawl delay, between our own requests too
receipts = pd.DataFrame(rows)
receipts

# %% [markdown]
# ## Step 6: one polite request, written once
#
# Steps 2 to 5 each did one part of politeness by hand. Every request a crawler sends needs all of
# them, in this order: ask robots.txt (and send nothing if it says no); wait until the crawl delay has
# passed since **our previous request**, whatever it was; send it; if the answer is 429, wait as long as
# `Retry-After` says, then try again, a few times at most. One function does it; a small dict
# remembers when we last asked. `time.monotonic()` is the clock for intervals (it never jumps when the
# computer's clock is set).

# %%
def polite_get(session, url, robots, delay, state, max_retries=3):
    """GET ``url`` as a polite crawler: None, and nothing sent, if robots.txt disallows it."""
    if not robots.can_fetch(url, session.headers["User-Agent"]):
        return None
    for attempt in range(max_retries + 1):
        wait = state.get("last", 0.0) + delay - time.monotonic()
        if wait > 0:
            time.sleep(wait)                                  # the crawl delay since our last request
        response = session.get(url, timeout=10)
        state["last"] = time.monotonic()
        if response.status_code != 429 or attempt == max_retries:
            return response
        time.sleep(crawler.retry_after_seconds(response.headers, default=1.0))  # as long as the site asks
    return response


# %% [markdown]
# A loop over a few paths, on a fresh log: a public page, a page robots.txt disallows, the busy
# directory page (made busy again by `clear_log`), and two more.

# %%
site.clear_log()
state = {}
paths = ["/terms", "/members/x", "/directory?page=2", "/directory?page=1", "/privacy"]
answers = {}
for path in paths:
    response = polite_get(session, site.url + path, robots, delay, state)
    answers[path] = None if response is None else response.status_code
loop_log = site.access_log()
answers

# %% [markdown]
# The site's log is the judge, not our dict. It shows every request we sent, its status and when it
# arrived: nothing for the disallowed path, a 429 for the busy page followed, a second later, by the
# page itself, and at least the crawl delay between any two requests. The sandbox can also judge a
# visitor itself: `site.audit(user_agent)` lists every request that broke one of its rules (an empty
# table here).

# %%
waited = loop_log["time"].diff()                            # seconds since the previous request arrived
loop_log.assign(**{"at least the crawl delay after the previous": waited >= delay,
                   "at least 1 s (the Retry-After) after the previous": waited >= 1.0})[
    ["path", "status", "at least the crawl delay after the previous", "at least 1 s (the Retry-After) after the previous"]
].iloc[1:]

# %%
gaps = loop_log["time"].diff().dropna()
Markdown(f"{len(loop_log)} requests for {len(paths)} paths: the disallowed one was never sent, the busy page was "
         f"asked twice ({' then '.join(map(str, loop_log.loc[loop_log['path'] == '/directory?page=2', 'status']))}), and "
         f"the shortest gap between two requests was {'at least' if gaps.min() >= delay else 'less than'} the crawl "
         f"delay of {delay} s. The site's audit found {len(site.audit(crawler.POLITE_UA))} fault(s). The exercise "
         "asks you to write such a loop yourself, graded from this log.")

# %% [markdown]
# ## Step 7: the whole crawler, the course's reference version
#
# `facecourse.scraping.crawler` puts these steps together: its `Crawler.fetch` is `polite_get` with
# redirects checked against robots.txt too. How much reading is that? `inspect` gives the source of
# a module or a function, so we can count its lines:

# %%
import inspect

module_lines = len(inspect.getsource(crawler).splitlines())
crawl_lines = len(inspect.getsource(crawler.Crawler.crawl).splitlines())
fetch_lines = len(inspect.getsource(crawler.Crawler.fetch).splitlines())
Markdown(f"The module is {module_lines} lines long, docstrings included. Its "
         f"heart is two methods: `Crawler.crawl` ({crawl_lines} lines), the breadth-first loop, and `Crawler.fetch` "
         f"({fetch_lines} lines), one polite request. Read those two first (`inspect.getsource(crawler.Crawler.crawl)` "
         "prints one). The polite crawler reads robots.txt and the opt-out registry first, waits the crawl delay "
         "between requests, honours `Retry-After`, never logs in, keeps nothing from `noindex` pages, and stops at "
         "its limits. The rest of the course uses it as the reference; the capstone (D1) asks you to write your own.")

# %%
by_hand = len(site.access_log())  # requests we made ourselves, before the crawl
result = crawler.polite_crawler(site.url).crawl()
pd.Series(result.summary())

# %% [markdown]
# **Where the photos went.** Not into this folder. The crawlers save photos in the course's own
# data folder for things an installation makes, `facecourse.paths.local_dir()` (`datasets/local/`,
# which git ignores, so nobody commits crawled faces by accident; the grading sandbox points it at
# a private folder), under `crawls/`, the notebook's folder and name, and the kind of crawler
# (`crawler.default_folder`; a second copy of the same notebook running at the same time gets
# `polite-2`, so one notebook's erasure never deletes photos another is reading). `result.folder` is the exact place; `Path.relative_to` shows it
# from the repository's root, and the ledger's `file` column lists each saved photo:

# %%
from pathlib import Path

from facecourse import paths

where = result.folder.relative_to(paths.ROOT) if result.folder.is_relative_to(paths.ROOT) else result.folder
saved = result.photos()["file"].map(Path)
Markdown(f"The crawl saved {len(saved)} photos, all in `{where.as_posix()}/` "
         f"({saved.map(lambda f: f.parent == result.folder).sum()} of them there, "
         f"{sum(f.is_relative_to(Path.cwd()) for f in saved)} under this notebook's folder), each named "
         "after the start of the SHA-256 of its bytes, so the same photo collected twice is stored once.")

# %% [markdown]
# Its ledger is the same kind of table as our receipts, with more columns (`ledger.COLUMNS`):
# one row per URL considered. `groupby` counts its rows per `kind` of URL and `decision`:

# %%
ledger = result.ledger.table()
ledger.groupby(["kind", "decision"]).size()

# %% [markdown]
# To count the decisions for one kind only, filter the rows first, then group:

# %%
ledger[ledger["kind"] == "photo"].groupby("decision").size().to_dict()

# %% [markdown]
# Every URL the crawler considered is in the ledger, including those it decided **not** to fetch
# and why. The members-only pages were skipped because of robots.txt, the opted-out people
# because of the registry; the `noindex` profiles were read (there is no other way to see the tag)
# but nothing from them was kept:

# %%
ledger.loc[ledger["decision"].str.startswith(("skipped", "not kept")), ["url", "decision"]]

# %% [markdown]
# ## Step 8: hostile pages
#
# Real sites contain traps, deliberate or not. The sandbox links its own from `/lab/hostile`; each
# one ends with a ledger status instead of a hang or a crash:

# %%
hostile = ledger[ledger["url"].str.contains("/lab/|test-card|nobody-here") & (ledger["kind"] != "attempt")]
hostile[["url", "status", "decision"]]

# %%
Markdown(f"The redirect loop is detected when it comes back to a URL already seen; the "
         f"{sandbox.HUGE_PAGE_BYTES / 1e6:g} MB page is abandoned at the page limit of "
         f"{crawler.Limits().max_page_bytes:,} bytes; the \"photo\" that is HTML is rejected by the image loader; the "
         "malformed page still parses (BeautifulSoup repairs it) and its broken link ends in a \"not found\" row.")

# %% [markdown]
# ### Limits end a crawl on purpose
#
# Those limits are a `crawler.Limits` object: the most requests, bytes, bytes per page, seconds,
# redirects and retries one crawl may use. Pass your own as `limits=`; the crawl then stops at the
# first limit it reaches, its result's `stopped` says which one (`None` when it ran to the end), and
# every URL still waiting in its queue gets a ledger row `"not fetched: crawl stopped"`. The demo
# runs on a second sandbox started in a `with` block, which stops the site when the block ends,
# even if a line inside fails: the `start()`/`stop()` pair above, made safe.

# %%
print(crawler.Limits())  # the defaults
with sandbox.SandboxSite() as small_site:
    limited = crawler.polite_crawler(small_site.url, limits=crawler.Limits(max_requests=10)).crawl()
limited_table = limited.ledger.table()
limited.stopped, limited.summary()["requests"], int((limited_table["decision"] == "not fetched: crawl stopped").sum())

# %% [markdown]
# ## Step 9: the site's side of the story
#
# The site keeps its own access log: every request, who made it, and the status it got. It
# confirms (or refutes) what the crawler's ledger claims.

# %%
log = site.access_log()
site.stop()
checks = pd.Series({
    "requests": len(log),
    "by us, before the crawl": by_hand,
    "by the crawler": len(log) - by_hand,
    "to /members/, /login or /search": int(log["path"].str.startswith(("/members/", "/login", "/search")).sum()),
    "to opted-out URLs": int(log["path"].isin(site.opted_out_paths()).sum()),
    "429 responses": int((log["status"] == 429).sum()),
    "429 responses to the crawler": int((log["status"].iloc[by_hand:] == 429).sum()),
})
checks

# %%
Markdown(
    f"The log holds {checks['requests']} requests: {checks['by us, before the crawl']} we made by hand in step 6 (it "
    f"cleared the log), "
    f"and {checks['by the crawler']} made by the crawler (its summary says {result.summary()['requests']}). "
    f"None went to a disallowed ({checks['to /members/, /login or /search']}) or opted-out "
    f"({checks['to opted-out URLs']}) URL. The log shows {checks['429 responses']} response(s) 429: "
    f"{checks['429 responses'] - checks['429 responses to the crawler']} answered our own first request for the busy "
    f"page in step 6, and {checks['429 responses to the crawler']} the crawler's requests (its summary: "
    f"{result.summary()['rate-limited (429)']}); "
    + ("it reached that page after the site was free again." if checks["429 responses to the crawler"] == 0
       else "each time it waited as long as Retry-After asked.")
)

# %% [markdown]
# How a chart reaches your screen is altair's *renderer*. This course sends every chart as its
# Vega-Lite specification (the `mimetype` renderer), which JupyterLab draws with the copy of Vega it
# ships: no network needed, offline or on a locked-down hub. Every kernel of the course environment
# starts with it (`course.py install` sets that up); altair's own default would load Vega from a web
# server instead. Outside the course, `alt.renderers.enable("mimetype")` does the same.

# %%
alt.renderers.active

# %% [markdown]
# A chart shows the log at a glance. Build it with altair from a small table: count the requests
# per part of the site (the first segment of the path) and status with `groupby`, then map
# columns to channels. The `:N` and `:Q` suffixes give each field's type: a status code is a
# category (nominal), a count is a quantity. Every chart gets a title and a description, the text
# a screen reader speaks in place of the picture.

# %%
per_status = (log.assign(section="/" + log["path"].str.split("/").str[1].str.split("?").str[0],
                         status=log["status"].astype(str))
              .groupby(["section", "status"]).size().reset_index(name="requests"))
per_status

# %%
top = per_status.sort_values("requests", ascending=False, kind="stable").iloc[0]
status_chart = alt.Chart(per_status).mark_bar().encode(
    x=alt.X("requests:Q", title="requests"),
    y=alt.Y("section:N", title="part of the site", sort="-x"),
    color=alt.Color("status:N", title="HTTP status"),
    tooltip=["section:N", "status:N", "requests:Q"],
).properties(
    title="The sandbox's access log: requests per part of the site and status",
    description=(f"Stacked bar chart of {len(log)} requests in the sandbox's access log, by the first part of the "
                 f"path and the HTTP status. Most requests ({top['requests']}) went to {top['section']} with status "
                 f"{top['status']}; none went to /members/ or /login."),
    width=420,
)
status_chart

# %% [markdown]
# An altair chart is a description, not a picture: `chart.to_dict()` returns the Vega-Lite
# specification altair wrote (the mark, each encoding's field and type, the title, the
# description, the data rows), and JupyterLab draws the chart from it.

# %%
spec = status_chart.to_dict()
spec["mark"], spec["encoding"]["y"]

# %% [markdown]
# The exercises' checks read your charts from that dictionary, through
# `facecourse.charts.spec_summary`, which turns it into plain values: the mark type, each channel's
# field, type and scale, the tooltip's fields, the title, the description and the rows the chart
# embeds. When a check says a chart is wrong, this is what it looked at:

# %%
from facecourse.charts import spec_summary

summary = spec_summary(status_chart)
summary["mark"], summary["encoding"]["y"], sorted(summary["tooltip"]), len(summary["rows"])

# %% [markdown]
# ## Summary
#
# * Honest User-Agent, robots.txt through protego, the crawl delay (an extension RFC 9309 does not define, honoured anyway), `Retry-After` in both forms: restraint is a few lines of code, written once in `polite_get`.
# * Read pages with BeautifulSoup; honour `noindex`, `nofollow` and opt-out registries.
# * Record every decision, with a content hash, licence and consent, in a ledger: a pandas DataFrame that `groupby` summarises.
# * Limit pages, bytes, page size, redirects and time, so hostile pages end as ledger rows.
# * The site's access log, charted with altair, checks the crawler's claims from the other side.
# * `chart.to_dict()` is the chart's Vega-Lite specification; `facecourse.charts.spec_summary` reads it as the exercises' checks do.
# * `facecourse.scraping.crawler` bundles these steps so later lessons can crawl in one line; its ledger is the table you built by hand.
# * Exercise: `exercises/A2_polite_crawler.ipynb`. Next lesson: `lessons/A3_careless_vs_polite.ipynb`.
