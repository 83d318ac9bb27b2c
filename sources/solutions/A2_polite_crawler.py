# %% [raw]
# # ASSIGNMENT CONFIG
# name: A2_polite_crawler
# init_cell: true
# check_all_cell: true
# export_cell: false
# tests:
#   files: false
#   ok_format: false

# %% [markdown]
# # Exercise A2: pieces of a polite crawler
#
# **Why this matters.** Politeness lives in small functions that are easy to get subtly wrong:
# reading a robots meta tag, honouring a `Retry-After` date, stopping at a limit. Write them, and
# test them against the sandbox.
#
# **Learning objectives.** Parse robots meta tags with BeautifulSoup; handle `Retry-After` in both
# its forms; run a crawl under limits and summarise its ledger with pandas.
#
# **Prerequisites.** `lessons/A2_polite_crawler.ipynb`.
#
# **Estimated time.** 35 minutes.

# %%
import time
from email.utils import formatdate, parsedate_to_datetime

import pandas as pd
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
def test_q1_1(page_permissions):
    from facecourse.checks import answered
    answered("q1", page_permissions=page_permissions)
    assert page_permissions("<html><head></head></html>") == {"index": True, "follow": True}, \
        "A page without a robots meta tag allows both indexing and following."

# %%
def test_q1_2(page_permissions):
    assert page_permissions("<meta name='robots' content='noindex, noimageindex'>") == {"index": False, "follow": True}, \
        "content='noindex, noimageindex' forbids indexing but still allows following links."

# %%
def test_q1_3(page_permissions):
    assert page_permissions("<meta name='ROBOTS' content='NoFollow'>") == {"index": True, "follow": False}, \
        "Compare the tag's name and content case-insensitively: name='ROBOTS' content='NoFollow' forbids following."

# %%
def test_q1_4(page_permissions):
    assert page_permissions("<meta name='robots' content='none'>") == {"index": False, "follow": False}, \
        "content='none' means both noindex and nofollow."

# %%
def test_q1_5(page_permissions):
    assert page_permissions("<meta name='description' content='noindex and nofollow explained'>") == {"index": True, "follow": True}, \
        "Only <meta name='robots'> tags count: a description that mentions noindex is not a rule."

# %%
def test_q1_6(page_permissions):
    assert page_permissions("<meta name='robots' content='noarchive'><meta name='robots' content='nofollow'>") == \
        {"index": True, "follow": False}, "Read every robots meta tag on the page, not only the first one."

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_q1_hidden_1(page_permissions):
    assert page_permissions("<meta name='robots' content='noindex,nofollow'>") == {"index": False, "follow": False}
    assert page_permissions("<html><head><meta name='Robots' content=' NOINDEX '></head></html>") == {"index": False, "follow": True}
    assert page_permissions("<meta name='robots' content='index, follow'>") == {"index": True, "follow": True}
    assert page_permissions("<p>noindex</p>") == {"index": True, "follow": True}

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
def test_q2_1(wait_seconds):
    from facecourse.checks import answered
    answered("q2", wait_seconds=wait_seconds)
    assert wait_seconds("5", now=0) == 5.0, "A number of seconds, like '5', means wait that long: 5.0."

# %%
def test_q2_2(wait_seconds):
    from email.utils import formatdate
    _now = 1_700_000_000
    try:
        _w = wait_seconds(formatdate(_now + 30, usegmt=True), now=_now)
    except Exception as _e:
        raise AssertionError(f"wait_seconds raised {type(_e).__name__} for an HTTP date; parse it with parsedate_to_datetime.")
    assert abs(_w - 30) < 1, "An HTTP date 30 s after `now` means wait about 30 s: subtract `now` (not the current clock)."

# %%
def test_q2_3(wait_seconds):
    from email.utils import formatdate
    _now = 1_700_000_000
    try:
        _w = wait_seconds(formatdate(_now + 30, usegmt=True), now=_now)
    except Exception as _e:
        raise AssertionError(f"wait_seconds raised {type(_e).__name__} for an HTTP date; parse it with parsedate_to_datetime.")
    assert wait_seconds(formatdate(_now - 30, usegmt=True), now=_now) == 0.0, \
        "A date already in the past means no wait: return 0.0, never a negative number."

# %%
def test_q2_4(wait_seconds):
    from email.utils import formatdate
    _now = 1_700_000_000
    try:
        _w = wait_seconds(formatdate(_now + 30, usegmt=True), now=_now)
    except Exception as _e:
        raise AssertionError(f"wait_seconds raised {type(_e).__name__} for an HTTP date; parse it with parsedate_to_datetime.")
    assert wait_seconds(None, now=_now, default=2.5) == 2.5, "Without a Retry-After value, return the `default` you were given."

# %%
def test_q2_5(wait_seconds):
    from email.utils import formatdate
    _now = 1_700_000_000
    try:
        _w = wait_seconds(formatdate(_now + 30, usegmt=True), now=_now)
    except Exception as _e:
        raise AssertionError(f"wait_seconds raised {type(_e).__name__} for an HTTP date; parse it with parsedate_to_datetime.")
    try:
        _w = wait_seconds("later, maybe", now=_now, default=4.0)
    except Exception as _e:
        raise AssertionError(f"wait_seconds raised {type(_e).__name__} for an unreadable value; return `default` instead.")
    assert _w == 4.0, "An unreadable value should give `default`."

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_q2_hidden_1(wait_seconds):
    from email.utils import formatdate
    _now = 1_700_000_000
    assert abs(wait_seconds(formatdate(_now + 600, usegmt=True), now=_now) - 600) < 1
    assert wait_seconds(" 120 ", now=_now) == 120.0
    assert wait_seconds(None, now=_now) == 1.0
    assert wait_seconds("", now=_now, default=3.0) == 3.0
    assert wait_seconds("-5", now=_now, default=3.0) == 3.0

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 3: a crawl under a limit, and its ledger in numbers
#
# Start the sandbox, run the polite crawler with `limits=crawler.Limits(max_requests=20)`, and
# stop the site. Store the crawl's `stopped` reason in `stopped_reason` and its ledger table
# (`.ledger.table()`) in `small_table`.
#
# Then write `decision_counts(table, kind=None)`: a dict mapping each `decision` in a ledger table
# to its number of rows, counting only the rows whose `kind` equals `kind` when `kind` is given
# (use pandas: `groupby` or `value_counts`, as in the lesson). A kind with no rows gives `{}`.
# Finally store in `not_fetched` the number of rows of `small_table` whose decision is
# `"not fetched: crawl stopped"`, using your function.

# %% [raw]
# # BEGIN QUESTION
# name: q3
# points: 3

# %% [raw]
# # BEGIN SOLUTION

# %%
def decision_counts(table, kind=None):
    # BEGIN SOLUTION
    rows = table if kind is None else table[table["kind"] == kind]
    return rows.groupby("decision").size().to_dict()
    # END SOLUTION


stopped_reason = small_table = not_fetched = None  # your answers replace these
# BEGIN SOLUTION
with sandbox.SandboxSite() as site:
    small = crawler.polite_crawler(site.url, limits=crawler.Limits(max_requests=20)).crawl()
stopped_reason = small.stopped
small_table = small.ledger.table()
not_fetched = decision_counts(small_table).get("not fetched: crawl stopped", 0)
# END SOLUTION
stopped_reason, not_fetched

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
def test_q3_1(decision_counts, small_table, not_fetched):
    import pandas as pd
    from facecourse.checks import answered
    # not stopped_reason: a crawl that never stops leaves it None (a wrong answer, told so below)
    answered("q3", decision_counts=decision_counts, small_table=small_table, not_fetched=not_fetched)
    _t = pd.DataFrame({"kind": ["page", "photo", "photo", "page", "photo"],
                       "decision": ["collected", "collected", "collected", "skipped: opted out", "not fetched: crawl stopped"]})
    assert isinstance(decision_counts(_t), dict), "decision_counts should return a dict (a Series has .to_dict())."

# %%
def test_q3_2(decision_counts):
    import pandas as pd
    _t = pd.DataFrame({"kind": ["page", "photo", "photo", "page", "photo"],
                       "decision": ["collected", "collected", "collected", "skipped: opted out", "not fetched: crawl stopped"]})
    assert decision_counts(_t) == {"collected": 3, "skipped: opted out": 1, "not fetched: crawl stopped": 1}, \
        "decision_counts(table) should count the rows of each decision."

# %%
def test_q3_3(decision_counts):
    import pandas as pd
    _t = pd.DataFrame({"kind": ["page", "photo", "photo", "page", "photo"],
                       "decision": ["collected", "collected", "collected", "skipped: opted out", "not fetched: crawl stopped"]})
    assert decision_counts(_t, "photo") == {"collected": 2, "not fetched: crawl stopped": 1}, \
        "decision_counts(table, 'photo') should count only the rows whose kind is 'photo'."

# %%
def test_q3_4(decision_counts):
    import pandas as pd
    _t = pd.DataFrame({"kind": ["page", "photo", "photo", "page", "photo"],
                       "decision": ["collected", "collected", "collected", "skipped: opted out", "not fetched: crawl stopped"]})
    assert decision_counts(_t, "robots") == {}, "A kind with no rows should give an empty dict."

# %%
def test_q3_5(stopped_reason):
    assert isinstance(stopped_reason, str) and "20 requests" in stopped_reason, \
        "stopped_reason should be the crawl's `stopped` text, which names the 20-request limit."

# %%
def test_q3_6(small_table):
    import pandas as pd
    _t = pd.DataFrame({"kind": ["page", "photo", "photo", "page", "photo"],
                       "decision": ["collected", "collected", "collected", "skipped: opted out", "not fetched: crawl stopped"]})
    assert isinstance(small_table, pd.DataFrame) and (small_table["decision"] == "not fetched: crawl stopped").any(), \
        "small_table should be the ledger table of the 20-request crawl, with its 'not fetched: crawl stopped' rows."

# %%
def test_q3_7(not_fetched, small_table):
    assert not_fetched == (small_table["decision"] == "not fetched: crawl stopped").sum(), \
        "not_fetched should count only the rows whose decision is exactly 'not fetched: crawl stopped'."

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_q3_hidden_1(stopped_reason, decision_counts, not_fetched, small_table):
    import pandas as pd
    _t = pd.DataFrame({"kind": ["page", "photo", "photo", "page", "photo"],
                       "decision": ["collected", "collected", "collected", "skipped: opted out", "not fetched: crawl stopped"]})
    assert stopped_reason == "limit: 20 requests"
    _t2 = pd.DataFrame({"kind": ["attempt", "attempt", "page"], "decision": ["redirected", "redirected", "collected"],
                        "url": ["a", "b", "c"]})
    assert decision_counts(_t2) == {"redirected": 2, "collected": 1}
    assert decision_counts(_t2, kind="attempt") == {"redirected": 2}
    assert decision_counts(_t2.iloc[:0]) == {}
    assert not_fetched == decision_counts(small_table, "page").get("not fetched: crawl stopped", 0) + \
        decision_counts(small_table, "photo").get("not fetched: crawl stopped", 0)

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
