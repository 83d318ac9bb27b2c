# %% [raw]
# # ASSIGNMENT CONFIG
# name: A2_polite_crawler
# init_cell: true
# check_all_cell: true
# export_cell: false
# tests:
#   files: false

# %% [markdown]
# # Exercise A2: pieces of a polite crawler
#
# **Why this matters.** Politeness lives in small functions that are easy to get subtly wrong:
# reading a robots meta tag, honouring a `Retry-After` date, stopping at a limit. Write them, and
# test them against the sandbox.
#
# **Learning objectives.** Parse robots meta tags with BeautifulSoup; handle `Retry-After` in both
# its forms; run a crawl under limits and read its ledger.
#
# **Prerequisites.** `lessons/A2_polite_crawler.ipynb`.
#
# **Estimated time.** 25 minutes.

# %%
import time
from email.utils import formatdate, parsedate_to_datetime

from bs4 import BeautifulSoup

from facecourse.scraping import crawler, sandbox


# %% [markdown]
# ## Question 1: what does the page allow?
#
# Write `page_permissions(html)` returning a dict `{"index": bool, "follow": bool}`: `index` is
# False when any `<meta name="robots">` tag's content contains `noindex` (or `none`), `follow`
# is False when it contains `nofollow` (or `none`). Compare case-insensitively; a page without
# the tag allows both.

# %% [raw]
# # BEGIN QUESTION
# name: q1
# points: 2

# %% [raw]
# # BEGIN SOLUTION

# %%
def page_permissions(html):
    # BEGIN SOLUTION
    soup = BeautifulSoup(html, "html.parser")
    words = set()
    for tag in soup.find_all("meta", attrs={"name": lambda n: n and n.lower() == "robots"}):
        words |= {w.strip().lower() for w in tag.get("content", "").split(",")}
    return {"index": not ({"noindex", "none"} & words), "follow": not ({"nofollow", "none"} & words)}
    # END SOLUTION


# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
assert page_permissions("<html><head></head></html>") == {"index": True, "follow": True}

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
assert page_permissions("<meta name='robots' content='noindex, noimageindex'>") == {"index": False, "follow": True}
assert page_permissions("<meta name='ROBOTS' content='NoFollow'>") == {"index": True, "follow": False}
assert page_permissions("<meta name='robots' content='none'>") == {"index": False, "follow": False}
assert page_permissions("<meta name='description' content='noindex'>") == {"index": True, "follow": True}


# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 2: how long to wait?
#
# `Retry-After` is either a number of seconds (`"120"`) or an HTTP date
# (`"Wed, 21 Oct 2026 07:28:00 GMT"`). Write `wait_seconds(value, now, default=1.0)` returning the
# seconds to wait as a float: the number itself, or the date minus `now` (a Unix timestamp; never
# negative), or `default` when `value` is None or unreadable. Hint: `parsedate_to_datetime`.

# %% [raw]
# # BEGIN QUESTION
# name: q2
# points: 2

# %% [raw]
# # BEGIN SOLUTION

# %%
def wait_seconds(value, now, default=1.0):
    # BEGIN SOLUTION
    if value is None:
        return default
    value = str(value).strip()
    if value.isdigit():
        return float(value)
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - now)
    except (TypeError, ValueError):
        return default
    # END SOLUTION


# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
assert wait_seconds("5", now=0) == 5.0

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
_now = 1_700_000_000
assert abs(wait_seconds(formatdate(_now + 30, usegmt=True), now=_now) - 30) < 1
assert wait_seconds(formatdate(_now - 30, usegmt=True), now=_now) == 0.0
assert wait_seconds(None, now=_now, default=2.5) == 2.5
assert wait_seconds("later, maybe", now=_now) == 1.0

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 3: a crawl under a limit
#
# Start the sandbox, run the polite crawler with `limits=crawler.Limits(max_requests=20)`, and
# stop the site. Store the crawl's `stopped` reason in `stopped_reason` and the number of ledger
# rows whose decision is `"not fetched: crawl stopped"` in `not_fetched`.

# %% [raw]
# # BEGIN QUESTION
# name: q3
# points: 2

# %% [raw]
# # BEGIN SOLUTION

# %%
stopped_reason = not_fetched = None  # your answers replace these
# BEGIN SOLUTION
with sandbox.SandboxSite() as site:
    small = crawler.polite_crawler(site.url, limits=crawler.Limits(max_requests=20)).crawl()
stopped_reason = small.stopped
not_fetched = int((small.ledger.table()["decision"] == "not fetched: crawl stopped").sum())
# END SOLUTION
stopped_reason, not_fetched

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
assert isinstance(stopped_reason, str)

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
assert stopped_reason == "limit: 20 requests"
assert isinstance(not_fetched, int) and not_fetched > 0

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 4 (written): an honest name
#
# The polite crawler announces itself as `facecourse-polite-crawler/1.0`; the careless one
# pretends to be a browser. In three to five sentences: what does an honest User-Agent let a site
# do, and why does a crawler that disguises itself make robots.txt and rate limits useless?

# %% [raw]
# # BEGIN QUESTION
# name: q4
# manual: true
# points: 2

# %% [raw]
# # BEGIN SOLUTION

# %% [markdown]
# An honest User-Agent lets the site apply the robots.txt group meant for that crawler, recognise
# its traffic in logs, limit or block it, and contact whoever runs it. robots.txt works by name:
# a crawler that calls itself a browser escapes the rules addressed to it, and a crawler that
# changes names (or addresses) defeats per-client rate limits, because every request looks like a
# new visitor. The site can then only defend itself with blunt measures that hurt real users too.
# Honesty is what makes the cooperative rules enforceable at all.

# %% [raw]
# # END SOLUTION

# %% [raw]
# # END QUESTION
