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
# its forms; run a crawl under limits and summarise its ledger with pandas; write a polite fetch loop
# with `requests` and `protego` that the site's own log finds no fault with.
#
# **Prerequisites.** `lessons/A2_polite_crawler.ipynb`.
#
# **Estimated time.** 55 minutes (from a trial run: see `INSTRUCTORS.md`).

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
# `Retry-After` is either a number of seconds, digits only (`"120"`: RFC 9110 allows no sign and no
# fraction, so `"-5"` is unreadable), or an HTTP date (`"Wed, 21 Oct 2026 07:28:00 GMT"`). Write
# `wait_seconds(value, now, default=1.0)` returning the seconds to wait as a float: the number itself,
# or the date minus `now` (a Unix timestamp; never negative), or `default` when `value` is None or
# unreadable. Hint: test `value.strip().isdigit()` first; otherwise try `parsedate_to_datetime(value)`,
# which raises `TypeError` or `ValueError` on text that is no date.

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
def test_q2_6(wait_seconds):
    try:
        _w = wait_seconds("-5", now=1_700_000_000, default=4.0)
    except Exception as _e:
        raise AssertionError(f"wait_seconds raised {type(_e).__name__} for '-5'; a number with a sign is unreadable: return `default`.")
    assert _w == 4.0, f"'-5' is not a valid Retry-After (digits only): return `default` (4.0 here), got {_w!r}."

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
# **Model answer.** An honest User-Agent lets the site apply the robots.txt group meant for that crawler, recognise
# its traffic in logs, limit or block it, and contact whoever runs it. robots.txt works by name:
# a crawler that calls itself a browser escapes the rules addressed to it, and a crawler that
# changes names (or addresses) defeats per-client rate limits, because every request looks like a
# new visitor. The site can then only defend itself with blunt measures that hurt real users too.
# Honesty is what makes the cooperative rules enforceable at all.
#
# **Rubric (2 points).**
# * 1 point: what an honest name lets the site do: apply the robots.txt group written for that
#   crawler, see its traffic in the access log, rate-limit or block it, and reach its operator.
# * 1 point: why a disguise defeats the rules: robots.txt and per-client limits work by name (and
#   address), so a crawler posing as a browser escapes the rules meant for it, and one that changes
#   names looks like many new visitors; the site is left with blunt defences that hurt real users.
#
# **Common weak answers.**
# * "The User-Agent is required by HTTP, so crawlers must send one": 0 of 2 points (says nothing of
#   what the site does with it).
# * Explains robots.txt groups but not why a disguise makes rate limits useless: 1 of 2 points.
# * "A disguised crawler is illegal" and nothing more: 0 of 2 points (the lesson's point is that the
#   rules are cooperative, and only work when crawlers are honest).

# %% [raw]
# # END SOLUTION

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 5: your own fetch loop, judged by the site's log
#
# Write `fetch_politely(site_url, paths, user_agent)`. It reads `site_url + "/robots.txt"` with
# `Protego`, then requests each of `paths` (e.g. `"/terms"`, `"/directory?page=2"`) in order with
# `requests`, **politely**: send `user_agent` as the User-Agent of every request (robots.txt included);
# never send a request robots.txt disallows; wait robots.txt's `Crawl-delay` between any two requests
# (robots.txt's own and retries included); on a `429`, wait as long as `Retry-After` says (a number of
# seconds or an HTTP date: your `wait_seconds` from question 2 reads both) and ask again, at most three
# times. Return a dict mapping each path to the last status code received, or None for a path that was
# not requested because robots.txt disallows it.
#
# The checks start a fresh sandbox site, call your function, and read **the site's access log** (every
# request it received, when, and what it answered), not your dict alone.

# %% [raw]
# # BEGIN QUESTION
# name: q5
# points: 3

# %% [raw]
# # BEGIN SOLUTION

# %%
import requests
from protego import Protego


def fetch_politely(site_url, paths, user_agent):
    # BEGIN SOLUTION
    session = requests.Session()
    session.headers["User-Agent"] = user_agent
    last = [0.0]
    delay = [0.0]

    def get(url):
        for attempt in range(4):
            wait = last[0] + delay[0] - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            response = session.get(url, timeout=10)
            last[0] = time.monotonic()
            if response.status_code != 429 or attempt == 3:
                return response
            time.sleep(wait_seconds(response.headers.get("Retry-After"), now=time.time()))
        return response

    robots = Protego.parse(get(site_url + "/robots.txt").text)
    delay[0] = robots.crawl_delay(user_agent) or 0.0
    statuses = {}
    for path in paths:
        if not robots.can_fetch(site_url + path, user_agent):
            statuses[path] = None
            continue
        statuses[path] = get(site_url + path).status_code
    return statuses
    # END SOLUTION


# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
def test_q5_1(fetch_politely):
    from facecourse.checks import answered
    answered("q5", fetch_politely=fetch_politely)
    from facecourse.scraping import sandbox
    with sandbox.SandboxSite() as _site:
        _got = fetch_politely(_site.url, ["/terms"], "a2-check/1.0")
    assert _got is not None, "q5 is not answered yet: write fetch_politely (it returns a dict of statuses)."

# %%
def test_q5_2(fetch_politely):
    from facecourse.scraping import sandbox
    _paths = ["/terms", "/members/x", "/directory?page=2", "/privacy", "/login"]
    with sandbox.SandboxSite() as _site:
        _got = fetch_politely(_site.url, _paths, "a2-check/1.0")
        _log = _site.access_log()
    assert isinstance(_got, dict) and list(_got) == _paths, f"Return a dict with one entry per path, in order: {_paths}; got {_got!r}."
    assert _got["/members/x"] is None and _got["/login"] is None, \
        "robots.txt disallows /members/ and /login: return None for them (and send nothing)."
    assert set(_log["user_agent"]) == {"a2-check/1.0"}, \
        f"Every request should carry the user_agent you were given; the site saw {sorted(set(_log['user_agent']))}."

# %%
def test_q5_3(fetch_politely):
    from facecourse.scraping import sandbox
    _paths = ["/terms", "/members/x", "/directory?page=2", "/privacy", "/login"]
    with sandbox.SandboxSite() as _site:
        _got = fetch_politely(_site.url, _paths, "a2-check/1.0")
        _sent = len(_site.access_log())
        _found = _site.audit("a2-check/1.0")
    assert _sent >= 3, f"The site received {_sent} request(s) from fetch_politely: it should ask for robots.txt and each allowed path."
    assert not (_found["rule"] == "disallowed").any(), \
        f"The site received {_found.loc[_found['rule'] == 'disallowed', 'path'].iloc[0]}, which robots.txt disallows: ask Protego's can_fetch before sending anything."

# %%
def test_q5_4(fetch_politely):
    from facecourse.scraping import sandbox
    _paths = ["/terms", "/directory?page=1", "/privacy", "/directory?page=3", "/terms"]
    with sandbox.SandboxSite() as _site:
        _got = fetch_politely(_site.url, _paths, "a2-check/1.0")
        _log = _site.access_log()
        _found = _site.audit("a2-check/1.0")
    assert len(_log) >= 5 and not (_found["rule"] == "too soon").any(), \
        f"{(_found['rule'] == 'too soon').sum()} request(s) came sooner than the crawl delay ({sandbox.CRAWL_DELAY} s) after the one before: wait robots.txt's Crawl-delay between any two requests, the robots.txt request included."

# %%
def test_q5_5(fetch_politely):
    from facecourse.scraping import sandbox
    _paths = ["/terms", "/directory?page=2", "/privacy"]
    with sandbox.SandboxSite() as _site:
        _got = fetch_politely(_site.url, _paths, "a2-check/1.0")
        _log = _site.access_log()
        _found = _site.audit("a2-check/1.0")
    _busy = _log[_log["path"] == "/directory?page=2"]
    assert not (_found["rule"] == "ignored Retry-After").any(), \
        "After the 429 for /directory?page=2 you asked again too soon: wait as long as its Retry-After header says."
    assert list(_busy["status"])[:1] == [429] and _busy["status"].iloc[-1] == 200 and _got["/directory?page=2"] == 200, \
        f"/directory?page=2 is busy at first (429): wait as Retry-After says and ask again until you get it; the site answered {list(_busy['status'])} and you returned {_got.get('/directory?page=2')!r}."

# %%
def test_q5_6(fetch_politely):
    from facecourse.scraping import sandbox
    _config = sandbox.SiteConfig(retry_after=2, retry_after_date=True, busy_page=1)
    with sandbox.SandboxSite(config=_config) as _site:
        try:
            _got = fetch_politely(_site.url, ["/directory?page=1", "/terms"], "a2-check/1.0")
        except Exception as _e:
            raise AssertionError(f"fetch_politely raised {type(_e).__name__} ({_e}) when Retry-After was an HTTP date: read it with your wait_seconds, which understands both forms.") from None
        _found = _site.audit("a2-check/1.0")
    assert _got == {"/directory?page=1": 200, "/terms": 200} and _found.empty, \
        f"Here Retry-After is an HTTP date (e.g. 'Wed, 21 Oct 2026 07:28:02 GMT'): wait until then, then ask again (your wait_seconds reads dates); you returned {_got}, and the site found {list(_found['rule'])}."

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_q5_hidden_1(fetch_politely):
    from facecourse.scraping import sandbox
    with sandbox.capstone_site("B", rules=sandbox.drawn_rules()) as _site:   # its delay and other rules drawn afresh
        _paths = ["/directory?page=1", "/people/jiang-zemin/tagged", "/archive/", "/terms", "/photos/jiang-zemin/1.jpg",
                  "/photos/jiang-zemin/1.jpg"]
        _got = fetch_politely(_site.url, _paths, "a2-hidden/2.0")
        _log = _site.access_log()
        _found = _site.audit("a2-hidden/2.0")
    assert _got["/people/jiang-zemin/tagged"] is None and _got["/archive/"] is None
    assert _got["/directory?page=1"] == 200 and _got["/terms"] == 200 and _got["/photos/jiang-zemin/1.jpg"] == 200
    assert set(_found["rule"]) <= {"fetched again"}
    assert set(_log["user_agent"]) == {"a2-hidden/2.0"}
    assert (_log["time"].diff().dropna() >= 0.75 * _site.config.crawl_delay).all()

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION
