# %% [raw]
# # ASSIGNMENT CONFIG
# name: D1_capstone_face_search
# init_cell: true
# check_all_cell: true
# export_cell: false
# tests:
#   files: false
#   ok_format: false

# %% [markdown]
# # Exercise D1 (capstone): a face search of your own, from a polite crawl to an erasure
#
# **Why this matters.** Every part of a face search engine has been in front of you, one lesson at a
# time. Here you build the whole thing yourself, with the libraries and without the course's helpers:
# collect photos from a site that has rules, turn them into an index, measure how often it is wrong,
# search it, erase someone from it, and then say whether anyone should be allowed to use it.
#
# **Learning objectives.** Write a polite crawler with `requests`, `protego` and BeautifulSoup that a
# site's own log finds no fault with; build a FAISS index of every face you may keep, with the
# provenance of each; choose a threshold without leakage and measure FMR and FNMR; build a search tool
# with ipywidgets that returns nothing rather than a stranger; erase a person everywhere, with a keyed
# record; write a datasheet and a memo that defend (or refuse) the system.
#
# **Prerequisites.** `lessons/D1_capstone_face_search.ipynb` (read its brief first), and tracks A and B
# (lessons A1-A4, B1-B7).
#
# **Estimated time.** 360 minutes (from a trial run: see `INSTRUCTORS.md`, which gives each question's
# share). Plan three sittings: collect (questions 1 and 2), then build, evaluate and search (3 to 5), then
# erase and defend (6 to 8). Your crawl takes about 10 seconds to run and your index build about 7.
#
# **The rules of this notebook.** Use `requests`, `protego`, BeautifulSoup, Pillow, `face_recognition`,
# `faiss`, `numpy`, `pandas`, `altair` and `ipywidgets`. The only `facecourse` names you may use are
# those in the first cell: the site you crawl (`site`), the photos to search with (`probes`, a table
# with a row per photo: `slug` (the person's page is `/people/<slug>`), `name`, `setting` and `file`, a
# path) and the folders (`folder`, `key_file`). Graders call your functions (`crawl`, `load_photo`, `find_faces`,
# `build_index`, `load_index`, `evaluate`, `search`, `erase`, `is_erased`) on a site and photos you
# have not seen, and read that site's own access log: write them for any site of this kind, not for
# this one.

# %%
import hashlib
import hmac
import io
import os
import secrets
import shutil
import time
import warnings
from collections import deque
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import altair as alt
import faiss
import ipywidgets as widgets
import numpy as np
import pandas as pd
import requests
from bs4 import BeautifulSoup
from PIL import Image, ImageOps, UnidentifiedImageError
from protego import Protego

with warnings.catch_warnings():
    warnings.simplefilter("ignore", UserWarning)  # face_recognition_models still imports pkg_resources
    import face_recognition

from facecourse.scraping import sandbox
from facecourse.scraping.crawler import default_folder

faiss.omp_set_num_threads(1)      # one thread: the same index on every machine
pd.set_option("display.max_colwidth", None)   # tables show their sentences in full

site = sandbox.capstone_site("A").start()  # the site you collect from, served on 127.0.0.1
probes = site.held_out_photos()            # photos of its people that it does NOT show: search with these
workdir = default_folder("capstone")       # under datasets/local/ (git ignores it); yours alone while you run
shutil.rmtree(workdir, ignore_errors=True)  # every run of this notebook starts a fresh collection
folder = workdir / "collection"            # the collection: ledger, photos, faces, indexes, erasure record
key_file = workdir / "erasure.key"         # the erasure key: beside the collection, never inside it
print(site.url, "|", len(probes), "probe photos")

# %% [markdown]
# ## Question 1 (Collect): a polite crawler, judged by the site's own log
#
# Write `crawl(start_url, folder)`, a breadth-first crawler of the site at `start_url`, and set
# `USER_AGENT` to an honest name for it (yours and the course's, not a browser's). It must:
#
# * send `USER_AGENT` with every request; read `robots.txt` first, with `Protego`, and ask `can_fetch`
#   before every request; never log in (robots.txt forbids `/login` and `/members/` anyway);
# * wait the robots.txt `Crawl-delay` between any two requests (retries and registry reads included), and
#   on `429` wait as long as `Retry-After` says, then try again (three times at most): the given
#   `PoliteClient` does both for every request you send through it, once you set its `delay`;
# * read the opt-out registry (the home page links to it: `<link rel="opt-out-registry">`) and never
#   request a page or photo it lists. **People opt out at any time**: ask it before every request (the
#   given `OptOutRegistry` reads it again when its `Cache-Control: max-age` has run out), read it once more
#   at the end, and delete the photos you kept of anyone it lists by then;
# * keep nothing from a page whose robots meta tag says `noindex` (or `noimageindex`): do not fetch
#   its photos;
# * fetch each photo once, save its bytes as `folder/photos/<sha256>.jpg`;
# * skip the photos of anyone `is_erased(folder, name)` says asked to be erased (the name is the
#   page's `data-subject`; you write the real `is_erased` in question 6);
# * return the **ledger**, a pandas DataFrame with a row for each page you read and each photo you kept,
#   with at least the columns `url`, `time` (ISO, UTC), `kind` (`"page"` or `"photo"`), `decision`
#   (a photo you keep has exactly `"kept"`), `status`, `subject` (the name on the page), `licence`
#   (the page's `<meta name="license">`), `sha256` (of a kept photo's bytes) and `file` (where you saved
#   it); and save it as `folder/ledger.csv`. Rows for what you skipped, with the reason as the
#   `decision`, are welcome (your datasheet counts them), and so is nothing at all for `robots.txt` and
#   the registry. The home page also links to `robots.txt` and the JSON files (the registry, the erasure
#   requests): they are not pages to read, so skip them (or give them a row saying so); photos you fetch
#   from a page's `<img class="photo">` tags only, never by following a link. Follow the links of every page
#   you may read, `noindex` pages included (this site uses no `nofollow`); a `noindex` page's own row says
#   so in its `decision` (e.g. `"not kept: noindex"`). A page's licence does not stop you collecting here
#   (the datasheet says what you kept under each).
#
# **Given, in the cell below:** `PoliteClient(USER_AGENT)`, the polite `get` you wrote in exercise A2
# (question 5): `client.get(url)` sends your `USER_AGENT`, waits `client.delay` seconds after the previous
# request (**you** set `client.delay` from robots.txt's Crawl-delay) and follows `429`/`Retry-After`; it
# reads no robots.txt and no registry (that is yours). Also given: `ledger_row(url, kind, decision, **more)`
# makes one ledger row (the time included), `same_site_links(page_url, soup)` lists a page's links on the
# same site, `save_ledger(rows, folder)` turns your rows into the ledger DataFrame and saves it, and
# `OptOutRegistry(client, registry_url)` reads the registry the way lesson D1 did by hand: `registry.lists(url)`
# answers from a copy it reads again once `max-age` has passed, `registry.read()` reads it again now. Your
# `page_permissions` from A2 (question 1) reads the robots meta tag: copy it in if you like. Lesson D1 shows
# a profile page's HTML and the registry's JSON. A plan that works:
#
# 1. `client = PoliteClient(USER_AGENT)`; robots.txt read with `client.get` and parsed with `Protego`;
#    `client.delay` set from its `Crawl-delay` (`crawl_delay` gives None when there is none);
# 2. a queue of URLs to visit (`collections.deque`, starting with `start_url`, written with its `/` as
#    `same_site_links` writes the home page: `site.url` has none) and a set of the URLs already queued, so
#    nothing is fetched twice;
# 3. for each page: may you fetch it (`can_fetch`, and `registry.lists` once you have the registry)? `get` it;
#    on the first page, find the registry's link and make your `OptOutRegistry`; the robots meta tag; the
#    `data-subject` and the licence; a ledger row; then each photo (may you? fetch once, hash, save, a row);
#    then queue its `same_site_links`;
# 4. at the end: `registry.read()`, delete the photos of anyone it lists now and drop their rows (or write a
#    note such as `"(withheld)"` in place of their URL and name), and return what `save_ledger(rows, folder)`
#    gives.
#
# The cell below it crawls the site once, on an empty log, and keeps the ledger in `ledger`. The checks read **the site's access log** (`site.audit(USER_AGENT)`
# lists every rule your crawler broke there) and your ledger.

# %% [raw]
# # BEGIN QUESTION
# name: q1
# points: 8

# %% [raw]
# # BEGIN SOLUTION

# %%
# Given: the polite get of exercise A2, the registry reader lesson D1 wrote by hand, and the plumbing of a ledger
# and of following links (lessons A2 and A4 did the same by hand).
LEDGER_COLUMNS = ["url", "time", "kind", "decision", "status", "subject", "licence", "sha256", "file"]


def ledger_row(url, kind, decision, **more):
    """One ledger row, a dict: the URL, the time now (ISO, UTC), its kind ("page" or "photo"), your decision,
    and any other columns as keywords, e.g. ``ledger_row(url, "photo", "kept", status=200, sha256=digest)``."""
    return {"url": url, "time": pd.Timestamp.now(tz="UTC").isoformat(), "kind": kind, "decision": decision, **more}


def same_site_links(page_url, soup):
    """The absolute URLs of a page's links (``<a href>``) on the same site, without #fragments, each once, in
    page order, e.g. ``same_site_links(site.url + "/", soup)``."""
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(page_url))
    links = (urljoin(page_url, a["href"]).split("#")[0] for a in soup.find_all("a", href=True))
    return [link for link in dict.fromkeys(links) if link.startswith(origin + "/")]


def save_ledger(rows, folder):
    """The ledger rows (dicts) as a DataFrame with the columns LEDGER_COLUMNS first, then any other columns
    your rows have, saved as folder/ledger.csv; returns the DataFrame, e.g. ``ledger = save_ledger(rows, folder)``."""
    extra = [column for row in rows for column in row if column not in LEDGER_COLUMNS]
    ledger = pd.DataFrame(rows, columns=LEDGER_COLUMNS + list(dict.fromkeys(extra)))
    ledger.to_csv(Path(folder) / "ledger.csv", index=False)
    return ledger


def retry_wait(value, default=1.0):
    """Seconds to wait from a ``Retry-After`` value: a number of seconds or an HTTP date (never negative;
    ``default`` when it is missing or unreadable), e.g. ``retry_wait("3")`` gives 3.0 (exercise A2's question 2)."""
    if value is None:
        return default
    value = str(value).strip()
    if value.isdigit():
        return float(value)
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return default


class PoliteClient:
    """The polite ``get`` you wrote in exercise A2 (question 5), as the course wrote it.

    ``client.get(url)`` sends ``user_agent`` as the User-Agent, first waits until ``client.delay`` seconds have
    passed since the end of the previous request sent as that User-Agent (by this client or another one: to a
    site they are one crawler; set ``client.delay`` yourself, from robots.txt's Crawl-delay), and on a ``429``
    waits as ``Retry-After`` says and asks again, three times at most; it returns the last response. It follows
    no redirect (a ``3xx`` comes back as it is: a page not read; this site needs none). It does **not** read
    robots.txt or the opt-out registry: asking before each request is your crawler's job.

    >>> client = PoliteClient("capstone-crawler/1.0 (a student)")
    >>> client.delay = 0.1
    >>> client.get(site.url + "/robots.txt").status_code
    200
    """

    _last_sent = {}  # the end of the last request of each User-Agent, shared by every client

    def __init__(self, user_agent):
        self.http = requests.Session()
        self.http.headers["User-Agent"] = self.user_agent = user_agent
        self.delay = 0.0

    def get(self, url):
        for attempt in range(4):
            wait = PoliteClient._last_sent.get(self.user_agent, 0.0) + self.delay - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            response = self.http.get(url, timeout=10, allow_redirects=False)
            PoliteClient._last_sent[self.user_agent] = time.monotonic()
            if response.status_code != 429 or attempt == 3:
                return response
            time.sleep(retry_wait(response.headers.get("Retry-After")))
        return response


class OptOutRegistry:
    """A site's opt-out registry, read through your ``PoliteClient`` and kept fresh, as lesson D1 read it by hand.

    ``OptOutRegistry(client, url)`` reads the registry at ``url`` (a JSON file whose ``"paths"`` lists the pages
    and photos not to request) at once. ``registry.lists(url)`` says whether the registry lists that URL's path,
    after reading it again if its ``Cache-Control: max-age`` has run out since the last read;
    ``registry.read()`` reads it again now (at the end of a crawl: who opted out meanwhile?). ``registry.paths``
    is the set of paths listed so far (a path once listed stays listed). Every read goes through ``client``:
    your ``USER_AGENT``, the crawl delay and ``Retry-After``.

    >>> client = PoliteClient("capstone-crawler/1.0 (a student)")
    >>> registry = OptOutRegistry(client, site.url + "/privacy/opt-out.json")
    >>> registry.lists(site.url + "/people/nobody-by-this-name")
    False
    """

    def __init__(self, client, url):
        self.client, self.url = client, url
        self.paths, self.max_age, self._read_at = set(), 3600.0, None
        self.read()

    def read(self):
        response = self.client.get(self.url)
        self._read_at = time.monotonic()
        if response.status_code != 200:
            raise RuntimeError(f"the opt-out registry at {self.url} answered HTTP {response.status_code}: without it "
                               "no photo may be collected; check the URL (the home page's <link rel=\"opt-out-registry\">).")
        self.paths |= set(response.json().get("paths", []))
        cache = response.headers.get("Cache-Control", "")
        if "max-age=" in cache:
            self.max_age = float(cache.split("max-age=")[1].split(",")[0])

    def lists(self, url):
        if time.monotonic() - self._read_at >= self.max_age:
            self.read()
        return urlsplit(url).path in self.paths


# Yours:
USER_AGENT = "capstone-crawler/1.0 (a facecourse student's project; sandbox only)"  # SOLUTION


def crawl(start_url, folder):
    # BEGIN SOLUTION
    folder = Path(folder)
    (folder / "photos").mkdir(parents=True, exist_ok=True)
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(start_url))
    client = PoliteClient(user_agent=USER_AGENT)
    robots = Protego.parse(client.get(origin + "/robots.txt").text)
    client.delay = robots.crawl_delay(USER_AGENT) or 0.0
    optouts = None  # read from the link on the first page, before any photo

    def may_fetch(url):
        return robots.can_fetch(url, USER_AGENT) and not (optouts and optouts.lists(url))

    rows = []
    start = start_url if urlsplit(start_url).path else start_url + "/"   # the home page as links write it
    queue, seen = deque([start]), {start}
    while queue:
        url = queue.popleft()
        if not may_fetch(url):
            rows.append(ledger_row(url, "page", "skipped: robots.txt or the opt-out registry"))
            continue
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.headers.get("Content-Type", ""):
            rows.append(ledger_row(url, "page", f"not read: HTTP {response.status_code}", status=response.status_code))
            continue
        soup = BeautifulSoup(response.text, "html.parser")
        link = soup.find("link", rel="opt-out-registry")
        if link and optouts is None:
            optouts = OptOutRegistry(client, urljoin(url, link["href"]))
        meta = " ".join(m.get("content", "") for m in soup.find_all("meta", attrs={"name": "robots"})).lower()
        if "noindex" in meta or "none" in meta:
            rows.append(ledger_row(url, "page", "not kept: noindex", status=200))
            continue
        article = soup.find(attrs={"data-subject": True})
        subject = article["data-subject"] if article else None
        if subject and is_erased(folder, subject):
            rows.append(ledger_row("(withheld: erasure request)", "page", "skipped: erasure request"))
            continue
        licence = soup.find("meta", attrs={"name": "license"})
        licence = licence["content"] if licence else None
        rows.append(ledger_row(url, "page", "read", status=200, subject=subject, licence=licence))
        if subject and "noimageindex" not in meta:
            for img in soup.find_all("img", class_="photo"):
                photo_url = urljoin(url, img["src"])
                if photo_url in seen:
                    continue
                seen.add(photo_url)
                if not may_fetch(photo_url):
                    rows.append(ledger_row(photo_url, "photo", "skipped: robots.txt or the opt-out registry",
                                           subject=subject))
                    continue
                got = client.get(photo_url)
                if got.status_code != 200:
                    rows.append(ledger_row(photo_url, "photo", f"not kept: HTTP {got.status_code}",
                                           status=got.status_code))
                    continue
                digest = hashlib.sha256(got.content).hexdigest()
                file = folder / "photos" / f"{digest}.jpg"
                file.write_bytes(got.content)
                rows.append(ledger_row(photo_url, "photo", "kept", status=200, subject=subject, licence=licence,
                                       sha256=digest, file=str(file)))
        for link in same_site_links(url, soup):
            if link not in seen:
                seen.add(link)
                queue.append(link)
    if optouts:
        optouts.read()  # who opted out while we crawled?
    for row in rows:
        if row["decision"] == "kept" and optouts and optouts.lists(row["url"]):
            Path(row["file"]).unlink(missing_ok=True)
            row.update(url="(withheld: opted out during the crawl)", decision="deleted: opted out during the crawl",
                       subject=None, sha256=None, file=None)
    return save_ledger(rows, folder)
    # END SOLUTION


def is_erased(folder, name):  # replaced in question 6; until then nobody has asked to be erased
    return False


# %%
site.clear_log()  # an empty log, so the checks see this crawl only
ledger = crawl(site.url, folder)
# BEGIN SOLUTION
ledger.groupby(["kind", "decision"]).size()
# END SOLUTION

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
def test_q1_1(USER_AGENT, ledger, crawl):
    from facecourse.checks import answered
    answered("q1", USER_AGENT=USER_AGENT, ledger=ledger, crawl=crawl)
    assert USER_AGENT is not ... and ledger is not None, \
        "q1 is not answered yet: replace the ... in the cells above (USER_AGENT, crawl, then ledger = crawl(site.url, folder))."

# %%
def test_q1_2(USER_AGENT):
    assert isinstance(USER_AGENT, str) and USER_AGENT.strip() and "mozilla" not in USER_AGENT.lower(), \
        "USER_AGENT should be an honest name for your crawler (a string naming you and the course), not a browser's."

# %%
def test_q1_3(site, USER_AGENT):
    _log = site.access_log()
    assert (_log["user_agent"] == USER_AGENT).sum() >= 20, \
        f"The site's log holds {(_log['user_agent'] == USER_AGENT).sum()} requests sent as USER_AGENT: send it with every request (a requests.Session's headers), and run the crawl cell above."

# %%
def test_q1_4(site, USER_AGENT):
    assert (site.access_log()["user_agent"] == USER_AGENT).sum() >= 20, \
        "The site's log holds no crawl sent as USER_AGENT: write crawl, send USER_AGENT with every request, and run the crawl cell above."
    _found = site.audit(USER_AGENT)
    _bad = _found[_found["rule"].isin(["disallowed", "log-in"])]
    assert _bad.empty, f"Your crawler requested {_bad['path'].iloc[0]}, which robots.txt disallows: parse it with Protego and ask can_fetch(url, USER_AGENT) before every request (its rules can use wildcards such as /people/*/tagged)."

# %%
def test_q1_5(site, USER_AGENT):
    assert (site.access_log()["user_agent"] == USER_AGENT).sum() >= 20, \
        "The site's log holds no crawl sent as USER_AGENT: write crawl, send USER_AGENT with every request, and run the crawl cell above."
    _found = site.audit(USER_AGENT)
    _bad = _found[_found["rule"] == "opted out"]
    assert _bad.empty, f"Your crawler requested {_bad['path'].iloc[0]} although the opt-out registry listed it ({_bad['detail'].iloc[0]}): read the registry before crawling, skip what it lists, and read it again when its Cache-Control max-age has passed."

# %%
def test_q1_6(site, USER_AGENT):
    assert (site.access_log()["user_agent"] == USER_AGENT).sum() >= 20, \
        "The site's log holds no crawl sent as USER_AGENT: write crawl, send USER_AGENT with every request, and run the crawl cell above."
    _found = site.audit(USER_AGENT)
    _bad = _found[_found["rule"] == "noindex"]
    assert _bad.empty, f"Your crawler fetched {_bad['path'].iloc[0]}, a photo on a page whose robots meta tag says noindex, noimageindex: keep nothing from such a page, not even its photos."

# %%
def test_q1_7(site, USER_AGENT):
    _log = site.access_log()
    _mine = _log[_log["user_agent"] == USER_AGENT]
    assert (site.access_log()["user_agent"] == USER_AGENT).sum() >= 20, \
        "The site's log holds no crawl sent as USER_AGENT: write crawl, send USER_AGENT with every request, and run the crawl cell above."
    _found = site.audit(USER_AGENT)
    _soon = int((_found["rule"] == "too soon").sum())
    _span = _mine["time"].iloc[-1] - _mine["time"].iloc[0]
    assert _soon <= 0.05 * len(_mine) and _span >= 0.9 * (len(_mine) - 1) * site.config.crawl_delay, \
        f"{_soon} of your {len(_mine)} requests came sooner than the crawl delay ({site.config.crawl_delay} s) after the one before: wait robots.txt's Crawl-delay between any two requests, retries and registry reads included."

# %%
def test_q1_8(site, USER_AGENT):
    _log = site.access_log()
    _mine = _log[_log["user_agent"] == USER_AGENT].reset_index(drop=True)
    assert (site.access_log()["user_agent"] == USER_AGENT).sum() >= 20, \
        "The site's log holds no crawl sent as USER_AGENT: write crawl, send USER_AGENT with every request, and run the crawl cell above."
    _found = site.audit(USER_AGENT)
    _bad = _found[_found["rule"] == "ignored Retry-After"]
    assert _bad.empty, f"After a 429 your crawler asked again {_bad['detail'].iloc[0]}: wait as long as Retry-After says (seconds, or until the HTTP date it gives)."
    _busy = f"/directory?page={site.config.busy_page}"
    assert (_mine["path"] == _busy).any() and _mine.loc[_mine["path"] == _busy, "status"].iloc[-1] == 200, \
        f"The site answered {_busy} with 429 (busy); your crawler should wait as Retry-After says and ask again until it gets the page."

# %%
def test_q1_9(site, USER_AGENT):
    assert (site.access_log()["user_agent"] == USER_AGENT).sum() >= 20, \
        "The site's log holds no crawl sent as USER_AGENT: write crawl, send USER_AGENT with every request, and run the crawl cell above."
    _found = site.audit(USER_AGENT)
    _bad = _found[_found["rule"] == "fetched again"]
    assert _bad.empty, f"Your crawler downloaded {_bad['path'].iloc[0]} more than once: fetch each photo once (remember the URLs you have seen)."

# %%
def test_q1_10(ledger, folder):
    from pathlib import Path
    import pandas as pd
    _required = {"url", "time", "kind", "decision", "status", "subject", "licence", "sha256", "file"}
    assert isinstance(ledger, pd.DataFrame) and _required <= set(ledger.columns), \
        f"crawl should return the ledger as a DataFrame with at least the columns {sorted(_required)}; missing: {sorted(_required - set(getattr(ledger, 'columns', [])))}."
    _csv = Path(folder) / "ledger.csv"
    assert _csv.is_file() and _required <= set(pd.read_csv(_csv).columns), \
        "Save the ledger you return as folder/ledger.csv (DataFrame.to_csv(..., index=False)), or return what save_ledger(rows, folder) gives."
    _saved = pd.read_csv(_csv)["url"]
    assert _saved.notna().all() and ledger["url"].astype(str).str.strip().ne("").all(), \
        "Every ledger row needs a URL (an empty one is read back from ledger.csv as missing): drop a deleted photo's rows, or write a note such as '(withheld)' in place of its URL."
    assert set(_saved) <= set(ledger["url"]), \
        "folder/ledger.csv holds URLs the ledger you return does not: save the ledger you return (save_ledger(rows, folder) does both)."

# %%
def test_q1_11(site, ledger):
    from urllib.parse import urlsplit
    _photos = site.photo_table()
    _gone = site.opted_out_paths()
    _want = set(_photos.loc[(_photos["setting"] == "public") & ~_photos["path"].isin(_gone) & (_photos["kind"] != "broken"), "path"])
    _kept = ledger[(ledger["kind"] == "photo") & (ledger["decision"] == "kept")]
    _got = {urlsplit(u).path for u in _kept["url"]} - set(_photos.loc[_photos["kind"] == "broken", "path"])
    assert not (_got - _want), f"Your ledger keeps {sorted(_got - _want)[:3]}, photos of people who are members-only, noindex or opted out (some during your crawl): keep only what you may."
    _asked = set(site.events().query("event == 'erasure request'")["name"])   # question 6 takes them out
    _want = _want - set(_photos.loc[_photos["name"].isin(_asked), "path"])
    assert not (_want - _got), f"Your ledger misses {len(_want - _got)} photo(s) of public people, e.g. {sorted(_want - _got)[:2]}: follow the directory's pages (and its busy page after waiting), and keep every photo of every public profile."

# %%
def test_q1_12(ledger, site, is_erased, folder):
    from urllib.parse import urlsplit
    from pathlib import Path
    import hashlib
    _kept = ledger[(ledger["kind"] == "photo") & (ledger["decision"] == "kept")]
    _profiles = site.profiles().set_index("slug")
    for _row in _kept.itertuples():
        _slug = urlsplit(_row.url).path.split("/")[2]
        assert _row.sha256 == hashlib.sha256(site.photo_bytes(urlsplit(_row.url).path)).hexdigest(), \
            f"The ledger's sha256 of {_row.url} should be the SHA-256 of the photo's bytes (hashlib.sha256(response.content).hexdigest())."
        if not is_erased(folder, _row.subject):   # (after question 6, the erased person's files are gone, rightly)
            assert Path(str(_row.file)).is_file() and hashlib.sha256(Path(_row.file).read_bytes()).hexdigest() == _row.sha256, \
                f"{_row.url}: save the photo's bytes in the file the ledger names ({_row.file}), as folder/photos/<sha256>.jpg."
        assert _row.subject == _profiles.loc[_slug, "name"] and _row.licence == _profiles.loc[_slug, "licence"], \
            f"{_row.url}: the ledger should give the subject and licence its page states ({_profiles.loc[_slug, 'name']!r}, {_profiles.loc[_slug, 'licence']!r}), not {_row.subject!r}, {_row.licence!r}."

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_q1_hidden_1(crawl, USER_AGENT):
    import pandas as pd
    import hashlib, tempfile
    from pathlib import Path
    from urllib.parse import urlsplit
    from facecourse.scraping import sandbox as _sandbox
    _tmp = Path(tempfile.mkdtemp()) / "collection-b"
    with _sandbox.capstone_site("B", rules=_sandbox.drawn_rules()) as _b:   # its delay and other rules drawn afresh
        _ledger = crawl(_b.url, _tmp)
        _found = _b.audit(USER_AGENT)
        _log = _b.access_log()
        _photos = _b.photo_table()
        _gone = _b.opted_out_paths()
        _events = _b.events()
    _mine = _log[_log["user_agent"] == USER_AGENT]
    assert len(_mine) >= 20 and len(_mine) == len(_log)
    assert not _found["rule"].isin(["disallowed", "log-in", "opted out", "noindex", "ignored Retry-After", "fetched again"]).any()
    assert (_found["rule"] == "too soon").sum() <= 0.05 * len(_mine)
    assert list(_events["event"]) == ["opted out"]
    assert _mine.loc[_mine["path"] == "/directory?page=1", "status"].iloc[-1] == 200
    _want = set(_photos.loc[(_photos["setting"] == "public") & ~_photos["path"].isin(_gone), "path"])
    _kept = _ledger[(_ledger["kind"] == "photo") & (_ledger["decision"] == "kept")]
    assert {urlsplit(u).path for u in _kept["url"]} == _want
    assert pd.read_csv(_tmp / "ledger.csv").shape[0] == len(_ledger)
    for _row in _kept.itertuples():
        assert hashlib.sha256(Path(_row.file).read_bytes()).hexdigest() == _row.sha256
    _midway = _b.config.midway_optout[0]
    _theirs = {hashlib.sha256(_b.photo_bytes(p)).hexdigest() for p in _photos.loc[_photos["slug"] == _midway, "path"]}
    assert not [f for f in (_tmp / "photos").glob("*.jpg") if hashlib.sha256(f.read_bytes()).hexdigest() in _theirs]

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 2 (Build): photos upright and small enough, and every face in them
#
# Write `load_photo(source)`: the photo at `source` (a file path or the photo's bytes) as an RGB
# `uint8` array of shape `(height, width, 3)`, **upright** (apply its EXIF orientation with
# `ImageOps.exif_transpose`, as phones expect) and **no larger than `MAX_SIDE` pixels** on its long side
# (shrink a larger photo keeping its proportions; never enlarge a small one). Something that is not an
# image raises `ValueError` with a sentence saying so.
#
# Write `find_faces(image)`: every face `face_recognition` finds in an RGB array, as a list of
# `(box, descriptor)` pairs, `box` a `(top, right, bottom, left)` tuple in the array's pixels and
# `descriptor` the face's 128 numbers (detect once, then describe exactly those boxes).

# %% [raw]
# # BEGIN QUESTION
# name: q2
# points: 3

# %% [raw]
# # BEGIN SOLUTION

# %%
MAX_SIDE = 1024


def load_photo(source):
    # BEGIN SOLUTION
    try:
        img = Image.open(io.BytesIO(bytes(source)) if isinstance(source, (bytes, bytearray, memoryview)) else source)
        img = ImageOps.exif_transpose(img).convert("RGB")
    except (UnidentifiedImageError, OSError) as exc:
        raise ValueError(f"{str(source)[:60]} is not an image Pillow can read ({exc})") from None
    img.thumbnail((MAX_SIDE, MAX_SIDE))
    return np.asarray(img)
    # END SOLUTION


def find_faces(image):
    # BEGIN SOLUTION
    boxes = face_recognition.face_locations(image)
    return list(zip(boxes, face_recognition.face_encodings(image, known_face_locations=boxes)))
    # END SOLUTION


# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
def test_q2_1(load_photo, find_faces, MAX_SIDE):
    from facecourse.checks import answered
    answered("q2", load_photo=load_photo, find_faces=find_faces, MAX_SIDE=MAX_SIDE)
    import io
    from PIL import Image
    _small = io.BytesIO()
    Image.new("RGB", (64, 48), (9, 9, 9)).save(_small, "JPEG")
    assert load_photo(_small.getvalue()) is not None and find_faces(load_photo(_small.getvalue())) is not None, \
        "q2 is not answered yet: write load_photo and find_faces (each returns something: an array, a list)."

# %%
def test_q2_2(load_photo, MAX_SIDE):
    import io
    import numpy as np
    from PIL import Image
    _wide = io.BytesIO()
    Image.new("RGBA", (2000, 500), (200, 30, 30, 128)).save(_wide, "PNG")
    _img = load_photo(_wide.getvalue())
    assert _img.dtype == np.uint8 and _img.shape == (MAX_SIDE // 4, MAX_SIDE, 3), \
        f"A 2000 x 500 RGBA picture should become a ({MAX_SIDE // 4}, {MAX_SIDE}, 3) uint8 RGB array (proportions kept, alpha dropped), got {_img.dtype} {_img.shape}."
    _small = io.BytesIO()
    Image.new("L", (120, 90), 128).save(_small, "JPEG")
    assert load_photo(_small.getvalue()).shape == (90, 120, 3), "A small grey photo keeps its size (never enlarge) and becomes RGB (3 channels)."

# %%
def test_q2_3(site, load_photo):
    import numpy as np
    from PIL import Image
    from facecourse import data
    _t = site.photo_table()
    _row = _t[_t["kind"] == "exif-rotated"].iloc[0]
    _img = load_photo(site.photo_bytes(_row["path"]))
    _truth = np.asarray(Image.open(data.require("lfw", _row["lfw"])).convert("RGB"), dtype=float)
    assert isinstance(_img, np.ndarray) and _img.shape == _truth.shape and np.abs(_img - _truth).mean() < 6, \
        f"{_row['path']} carries an EXIF tag saying it is stored turned: load_photo should return it upright (ImageOps.exif_transpose before anything else)."

# %%
def test_q2_4(site, load_photo, MAX_SIDE):
    import numpy as np
    from facecourse.scraping import sandbox as _sandbox
    _t = site.photo_table()
    _row = _t[_t["kind"] == "large"].iloc[0]
    _img = load_photo(site.photo_bytes(_row["path"]))
    assert max(_img.shape[:2]) == MAX_SIDE, \
        f"{_row['path']} is {_sandbox.LARGE_SIDE} px square: load_photo should shrink it to MAX_SIDE ({MAX_SIDE}) px on its long side, got shape {_img.shape}."

# %%
def test_q2_5(load_photo):
    _raised = None
    try:
        load_photo(b"<html>this is not a JPEG</html>")
    except ValueError as _e:
        _raised = _e
    except Exception as _e:
        raise AssertionError(f"load_photo raised {type(_e).__name__} for bytes that are not an image: raise ValueError with a sentence instead.")
    assert _raised is not None, "load_photo should raise ValueError for bytes that are not an image, not return something."

# %%
def test_q2_6(site, load_photo, find_faces):
    import numpy as np
    import face_recognition
    _t = site.photo_table()
    _row = _t[_t["kind"] == "with-other"].iloc[0]
    _img = load_photo(site.photo_bytes(_row["path"]))
    _faces = find_faces(_img)
    assert isinstance(_faces, list) and len(_faces) == 2, \
        f"{_row['path']} shows two people: find_faces should return both faces, got {len(_faces) if isinstance(_faces, list) else type(_faces).__name__}."
    for _box, _descriptor in _faces:
        _want = face_recognition.face_encodings(_img, known_face_locations=[tuple(int(v) for v in _box)])[0]
        assert np.asarray(_descriptor).shape == (128,) and np.linalg.norm(np.asarray(_descriptor) - _want) < 1e-4, \
            f"Each descriptor should be the 128 numbers of the face in its own box {tuple(_box)}: pass the boxes to face_encodings (known_face_locations) so faces and boxes stay paired."

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_q2_hidden_1(load_photo, find_faces, MAX_SIDE):
    import io
    import numpy as np
    from PIL import Image
    import face_recognition
    from facecourse.scraping import sandbox as _sandbox
    from facecourse import data
    _b = _sandbox.capstone_site("B")
    for _p in _b.photo_table().itertuples():
        _truth = np.asarray(Image.open(data.require("lfw", _p.lfw)).convert("RGB"), dtype=float)
        if _p.kind == "exif-rotated":
            _img = load_photo(_b.photo_bytes(_p.path))
            assert _img.shape == _truth.shape and np.abs(_img - _truth).mean() < 6
            assert len(find_faces(_img)) == 1
        if _p.kind == "large":
            _img = load_photo(_b.photo_bytes(_p.path))
            assert _img.shape == (MAX_SIDE, MAX_SIDE, 3) and _img.dtype == np.uint8
            assert len(find_faces(_img)) == 1
        if _p.kind == "with-other":
            _img = load_photo(_b.photo_bytes(_p.path))
            _faces = find_faces(_img)
            assert len(_faces) == 2
            _lefts = sorted(int(b[3]) for b, _ in _faces)
            assert _lefts[0] < 150 < _lefts[1]
    _f = data.require("lfw", _b.photo_table()["lfw"].iloc[0])
    assert load_photo(str(_f)).shape == (150, 150, 3) and load_photo(_f).shape == (150, 150, 3)
    _tall = io.BytesIO()
    Image.new("RGB", (600, 3000), (1, 2, 3)).save(_tall, "JPEG")
    _shape = load_photo(_tall.getvalue()).shape
    assert _shape[0] == MAX_SIDE and abs(_shape[1] - MAX_SIDE / 5) <= 1 and _shape[2] == 3
    assert find_faces(np.zeros((200, 200, 3), np.uint8)) == []
    for _bad in (b"", b"GIF89a broken", b"\x89PNG\r\n\x1a\n"):
        try:
            load_photo(_bad)
            raise AssertionError("accepted")
        except ValueError:
            pass

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 3 (Build): every face found, the subject's kept, saved so it can be loaded again
#
# Write `build_index(folder)`. It reads `folder/ledger.csv`, and for every photo the ledger kept:
# loads it from the path in its `file` column (`load_photo`; a photo that is not an image gets a row
# saying so, and the build goes on), finds every face (`find_faces`), and decides which face to keep,
# **at most one per photo: the subject's** (the person the page is about). A photo with one face: keep
# it. With several: keep the face nearest (Euclidean) to the mean descriptor of the subject's photos that
# have one face, if it is within 0.6 of it; otherwise (or when the subject has no photo with one face) keep
# none. Never keep anyone else's face: they did not publish this page.
#
# It writes, all in `folder`:
#
# * `faces.csv`: one row per face found (kept or not), and one row for each photo where none was found or
#   that is not an image (kept False, the reason in `reason`), columns `face_id` (0, 1, 2, ... in row order),
#   `url` and `sha256` (they join the ledger), `subject`, `licence`, `top`, `right`, `bottom`, `left`
#   (the box, in the pixels of the photo as `load_photo` gives it), `kept` (True/False) and `reason` (why kept
#   or not: a short label such as `"no face found"`, the same for every such face, since your datasheet
#   counts them);
# * `embeddings.npy`: the kept faces' descriptors, `float32`, one row per kept face in `face_id` order;
# * `exact.faiss`: an exact index (`faiss.IndexIDMap2` around `faiss.IndexFlatL2(128)`) of the kept
#   faces with their `face_id`s as ids (`add_with_ids`), and `approx.faiss`: an approximate index of
#   your choice (HNSW, IVF, PQ...) with the same ids;
#
# and returns the faces table. Write `load_index(folder)` returning `(faces, exact, approx)` read from
# those files only (graders call it on a copy of your folder). The cell below builds your index.
#
# A plan that works: (1) one pass over the kept photos: load each, find every face, a row per face (with its
# descriptor kept aside in a list) and a row per photo with none; (2) each subject's reference: the mean
# descriptor of their photos that show one face; (3) for each photo with several faces, keep the face nearest
# its subject's reference if it is within `SAME_PERSON`; (4) number the rows as `face_id` and save everything
# (a `save_indexes` helper that question 6's `erase` can call again is worth writing).

# %% [raw]
# # BEGIN QUESTION
# name: q3
# points: 5

# %% [raw]
# # BEGIN SOLUTION

# %%
SAME_PERSON = 0.6  # dlib's documented threshold, used only to pick the subject's face in a group photo


def save_indexes(folder, faces, vectors):
    """A helper (yours to write, or not): write faces.csv, embeddings.npy and both indexes for the faces table
    ``faces`` and ``vectors``, the kept faces' descriptors in face_id order. build_index and erase can share it."""
    # BEGIN SOLUTION
    folder = Path(folder)
    vectors = np.ascontiguousarray(vectors, dtype="float32").reshape(-1, 128)
    ids = faces.loc[faces["kept"], "face_id"].to_numpy().astype("int64")
    exact = faiss.IndexIDMap2(faiss.IndexFlatL2(128))
    approx = faiss.IndexIDMap2(faiss.IndexHNSWFlat(128, 16))
    if len(ids):
        exact.add_with_ids(vectors, ids)
        approx.add_with_ids(vectors, ids)
    faces.to_csv(folder / "faces.csv", index=False)
    np.save(folder / "embeddings.npy", vectors)
    faiss.write_index(exact, str(folder / "exact.faiss"))
    faiss.write_index(approx, str(folder / "approx.faiss"))
    # END SOLUTION


def build_index(folder):
    # BEGIN SOLUTION
    folder = Path(folder)
    ledger = pd.read_csv(folder / "ledger.csv")
    kept_photos = ledger[(ledger["kind"] == "photo") & (ledger["decision"] == "kept")]
    rows, vectors = [], []
    for photo in kept_photos.itertuples():
        base = {"url": photo.url, "sha256": photo.sha256, "subject": photo.subject, "licence": photo.licence}
        try:
            found = find_faces(load_photo(photo.file))
        except ValueError as exc:
            rows.append({**base, "kept": False, "reason": f"not an image: {exc}"[:120]})
            vectors.append(None)
            continue
        if not found:
            rows.append({**base, "kept": False, "reason": "no face found"})
            vectors.append(None)
        for (top, right, bottom, left), descriptor in found:
            rows.append({**base, "top": top, "right": right, "bottom": bottom, "left": left, "kept": False,
                         "reason": None, "faces_in_photo": len(found)})
            vectors.append(np.asarray(descriptor, dtype="float32"))
    faces = pd.DataFrame(rows)
    has_face = faces["faces_in_photo"].notna()
    alone = has_face & (faces["faces_in_photo"] == 1)
    faces.loc[alone, ["kept", "reason"]] = [True, "the only face in the photo"]
    references = {subject: np.mean([vectors[i] for i in group.index], axis=0)
                  for subject, group in faces[alone].groupby("subject")}
    for url, group in faces[has_face & ~alone].groupby("url", sort=False):
        subject = group["subject"].iloc[0]
        if subject not in references:
            faces.loc[group.index, "reason"] = "several faces, and no photo of the subject alone to tell which"
            continue
        d = np.array([np.linalg.norm(vectors[i] - references[subject]) for i in group.index])
        if d.min() <= SAME_PERSON:
            best = group.index[int(np.argmin(d))]
            faces.loc[best, ["kept", "reason"]] = [True, "nearest to the subject's photos alone"]
            faces.loc[group.index.drop(best), "reason"] = "someone else in the photo: not enrolled"
        else:
            faces.loc[group.index, "reason"] = "no face near the subject's photos alone"
    faces["kept"] = faces["kept"].astype(bool)
    faces.insert(0, "face_id", np.arange(len(faces)))
    faces = faces.drop(columns="faces_in_photo")
    kept_vectors = [vectors[i] for i in faces.index[faces["kept"]]]
    save_indexes(folder, faces, np.stack(kept_vectors) if kept_vectors else np.zeros((0, 128), "float32"))
    return faces
    # END SOLUTION


def load_index(folder):
    # BEGIN SOLUTION
    folder = Path(folder)
    faces = pd.read_csv(folder / "faces.csv")
    return faces, faiss.read_index(str(folder / "exact.faiss")), faiss.read_index(str(folder / "approx.faiss"))
    # END SOLUTION


# %%
faces = build_index(folder)
# BEGIN SOLUTION
faces.groupby(["kept", "reason"]).size()
# END SOLUTION

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
def test_q3_1(faces, load_index, build_index):
    from facecourse.checks import answered
    answered("q3", faces=faces, load_index=load_index, build_index=build_index)
    assert faces is not ... and faces is not None, \
        "q3 is not answered yet: write build_index and load_index, then faces = build_index(folder)."

# %%
def test_q3_2(faces, folder, site):
    from pathlib import Path
    import pandas as pd
    _need = {"face_id", "url", "sha256", "subject", "licence", "top", "right", "bottom", "left", "kept", "reason"}
    assert isinstance(faces, pd.DataFrame) and _need <= set(faces.columns), \
        f"build_index should return the faces table with the columns {sorted(_need)}; missing {sorted(_need - set(getattr(faces, 'columns', [])))}."
    _saved = pd.read_csv(Path(folder) / "faces.csv")
    _ids = list(faces["face_id"])
    # after question 6's erasure a table read again from folder has gaps where the erased faces were
    _erasure = (site.events()["event"] == "erasure request").any()
    _in_order = _ids == list(range(len(faces))) or (_erasure and _ids == sorted(set(_ids)))
    assert _in_order and _need <= set(_saved.columns) and set(_saved["face_id"]) <= set(faces["face_id"]), \
        "Save the faces table as folder/faces.csv, with face_id 0, 1, 2, ... in row order."

# %%
def test_q3_3(ledger, faces, site):
    _asked = set(site.events().query("event == 'erasure request'")["name"])   # question 6 takes them out
    _kept_photos = ledger.loc[(ledger["kind"] == "photo") & (ledger["decision"] == "kept") & ~ledger["subject"].isin(_asked), "url"]
    _missing = set(_kept_photos) - set(faces["url"])
    assert not _missing, f"Every photo the ledger kept should have at least one row in faces (a face, or a row saying why none was kept); missing: {sorted(_missing)[:2]}."
    _per_photo = faces.groupby("url")["kept"].sum()
    assert _per_photo.max() <= 1, f"{_per_photo.idxmax()} has {int(_per_photo.max())} kept faces: keep at most one face per photo, the subject's; the others did not publish the page."

# %%
def test_q3_4(site, faces):
    import io
    from urllib.parse import urlsplit
    from PIL import Image
    _t = site.photo_table().set_index("path")
    _asked = set(site.events().query("event == 'erasure request'")["name"])   # question 6 takes them out
    _pairs = _t[(_t["kind"] == "with-other") & ~_t["name"].isin(_asked)]
    for _path, _row in _pairs.iterrows():
        _mine = faces[faces["url"].map(lambda u: urlsplit(str(u)).path) == _path]
        _kept = _mine[_mine["kept"]]
        assert len(_mine) >= 2, f"{_path} shows two people: faces should have a row for each face found."
        assert len(_kept) == 1, f"{_path} shows {_row['name']} with someone else: keep exactly one face, the subject's (the face nearest to their photos alone), got {len(_kept)}."
        _x = (_kept["left"].iloc[0] + _kept["right"].iloc[0]) / 2
        _width = Image.open(io.BytesIO(site.photo_bytes(_path))).width
        _on_left = _x < _width / 2
        assert _on_left == (_row["side"] == "left"), \
            f"In {_path}, {_row['name']} stands on the {_row['side']}, but the face you kept is on the {'left' if _on_left else 'right'}: not the first, the largest or the most central face, but the one nearest to the subject's other photos."

# %%
def test_q3_5(load_index, folder):
    from pathlib import Path
    import numpy as np
    _faces, _exact, _approx = load_index(folder)
    _vectors = np.load(Path(folder) / "embeddings.npy", allow_pickle=False)
    _ids = _faces.loc[_faces["kept"], "face_id"].to_numpy()
    assert _vectors.dtype == np.float32 and _vectors.shape == (len(_ids), 128), \
        f"embeddings.npy should hold one float32 row of 128 numbers per kept face ({len(_ids)}), got {_vectors.dtype} {_vectors.shape}."
    assert _exact.ntotal == len(_ids) and _approx.ntotal == len(_ids), \
        f"Both indexes should hold the {len(_ids)} kept faces, got {_exact.ntotal} (exact) and {_approx.ntotal} (approximate)."
    _d, _found = _exact.search(_vectors, 1)
    assert (_found[:, 0] == _ids).all() and np.allclose(_d[:, 0], 0, atol=1e-4), \
        "Searching the exact index with each saved descriptor should find that face's own face_id at distance 0: add the kept vectors with add_with_ids(vectors, face_ids), in face_id order."

# %%
def test_q3_6(load_index, folder):
    from pathlib import Path
    import faiss
    import numpy as np
    _faces, _exact, _approx = load_index(folder)
    _vectors = np.load(Path(folder) / "embeddings.npy", allow_pickle=False)
    _ids = _faces.loc[_faces["kept"], "face_id"].to_numpy()
    _inner = faiss.downcast_index(_approx.index) if hasattr(_approx, "index") else faiss.downcast_index(_approx)
    assert not isinstance(_inner, faiss.IndexFlat), \
        "approx.faiss should be an approximate index (HNSW, IVF or PQ), not a second flat (exact) index."
    _d, _found = _approx.search(_vectors, 1)
    assert np.mean(_found[:, 0] == _ids) >= 0.95, \
        f"The approximate index finds each saved face itself for only {np.mean(_found[:, 0] == _ids):.0%} of them: give it the same face_id ids (IndexIDMap2) and a setting that searches enough of it."

# %%
def test_q3_7(folder, load_index):
    from pathlib import Path
    import shutil, tempfile
    _copy = Path(tempfile.mkdtemp()) / "copy"
    shutil.copytree(folder, _copy)
    _faces, _exact, _approx = load_index(_copy)
    _here, _exact_here, _ = load_index(folder)
    assert len(_faces) == len(_here) and _exact.ntotal == _exact_here.ntotal == int(_here["kept"].sum()), \
        "load_index(a copy of your folder) should read the faces table and both indexes from that folder's files alone."

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_q3_hidden_1(build_index, load_index):
    from pathlib import Path
    import tempfile
    import numpy as np
    import face_recognition
    from PIL import Image
    from urllib.parse import urlsplit
    from facecourse.scraping import sandbox as _sandbox
    _b = _sandbox.capstone_site("B")
    _tmp = Path(tempfile.mkdtemp()) / "built-b"
    _t = _b.photo_table().set_index("path")
    _hard = set(_t.loc[_t["kind"].isin(["with-other", "exif-rotated", "large"]), "slug"])   # and one single photo:
    _single = list(_b.profiles().query("setting == 'public' and photos == 1")["slug"])[:1]
    _ref = _b.reference_collection(_tmp, slugs=sorted(_hard) + _single)   # a smaller collection builds faster
    _faces = build_index(_tmp)
    assert set(_ref["url"]) <= set(_faces["url"])
    assert _faces.groupby("url")["kept"].sum().max() == 1
    for _path, _row in _t[_t["kind"] == "with-other"].iterrows():
        _mine = _faces[_faces["url"].map(lambda u: urlsplit(str(u)).path) == _path]
        _k = _mine[_mine["kept"]]
        assert len(_k) == 1 and (((_k["left"] + _k["right"]) / 2).iloc[0] < 337 / 2) == (_row["side"] == "left")
        _other = face_recognition.load_image_file(_sandbox.data.require("lfw", _row["other"]))
        _od = face_recognition.face_encodings(_other)[0]
        _fl, _ex, _ap = load_index(_tmp)
        _dd, _ii = _ex.search(_od[None].astype("float32"), 1)
        assert np.sqrt(_dd[0, 0]) > 0.45
    _fl, _ex, _ap = load_index(_tmp)
    _v = np.load(_tmp / "embeddings.npy", allow_pickle=False)
    assert _ex.ntotal == _ap.ntotal == len(_v) == int(_fl["kept"].sum())
    assert (_ex.search(_v, 1)[1][:, 0] == _fl.loc[_fl["kept"], "face_id"].to_numpy()).all()
    for _row in _t[_t["kind"].isin(["exif-rotated", "large"])].itertuples():
        assert _faces.loc[_faces["url"].map(lambda u: urlsplit(str(u)).path) == _row.Index, "kept"].sum() == 1

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 4 (Evaluate): a threshold fitted without leakage, and its error rates
#
# Write `evaluate(embeddings, identities, test_people)`. `embeddings` is an `(n, 128)` array, `identities`
# the `n` names, `test_people` the names held out for testing. Make every pair of different faces
# (`i < j`) **among the people not in `test_people`** and fit a threshold on those pairs only (say
# which rule you use in a comment: best accuracy, or an FMR target, as in lesson D1; graders call `evaluate`
# on other faces, so when no candidate meets an FMR target take the smallest rather than raise, as lesson D1's
# `fit_at_fmr` does not); people with one face are among the fitting people (their pairs are impostor
# pairs); then make every
# pair among the faces of `test_people` and measure, at that threshold, the **FMR** (share of impostor
# pairs with distance `<=` threshold) and the **FNMR** (share of genuine pairs with distance `>`
# threshold). Return a dict with `threshold`, `fmr`, `fnmr`, `genuine` and `impostor` (the numbers of
# test pairs of each kind).
#
# Then store your kept faces in `embeddings` (the array in `embeddings.npy`) and `identities` (their
# subjects, in the same order, from your faces table); choose `test_people`: half of the people with at
# least two kept faces (seeded, e.g. `np.random.default_rng(0)`); run `evaluate` on them, and store the
# result in `results` and its threshold in `threshold` (your search uses it). Finally draw `det`: an altair line chart of
# FNMR (y) against FMR (x) on the **test pairs** over many thresholds, from a table with the columns
# `threshold`, `fmr` and `fnmr` (lower case: the checks read these fields), both axes on log scales, with the
# threshold in the tooltip, a title and a description; leave out thresholds where either rate is 0 (on a
# collection this small that leaves only a few points: expected).

# %% [raw]
# # BEGIN QUESTION
# name: q4
# points: 4

# %% [raw]
# # BEGIN SOLUTION

# %%
def pairs_among(embeddings, identities, mask):
    """A helper (yours to write, or not): the distances and same-person flags of every pair i < j of the faces
    selected by the boolean array ``mask``."""
    # BEGIN SOLUTION
    rows = np.flatnonzero(mask)
    i, j = np.triu_indices(len(rows), k=1)
    a, b = rows[i], rows[j]
    return np.linalg.norm(embeddings[a] - embeddings[b], axis=1), identities[a] == identities[b]
    # END SOLUTION


def evaluate(embeddings, identities, test_people):
    # BEGIN SOLUTION
    embeddings = np.asarray(embeddings, dtype=float)
    identities = np.asarray(identities).astype(str)
    test = np.isin(identities, [str(p) for p in test_people])
    fit_d, fit_same = pairs_among(embeddings, identities, ~test)
    # rule: the largest midpoint threshold whose FMR on the fitting pairs is at most 1%
    values = np.unique(fit_d)
    candidates = (values[:-1] + values[1:]) / 2
    impostor_fit = np.sort(fit_d[~fit_same])
    fmr_fit = np.searchsorted(impostor_fit, candidates, side="right") / max(1, impostor_fit.size)
    allowed = candidates[fmr_fit <= 0.01]
    t = float(allowed.max()) if allowed.size else float(candidates.min())
    d, same = pairs_among(embeddings, identities, test)
    return {"threshold": t, "fmr": float(np.mean(d[~same] <= t)), "fnmr": float(np.mean(d[same] > t)),
            "genuine": int(same.sum()), "impostor": int((~same).sum())}
    # END SOLUTION


embeddings = identities = test_people = results = threshold = det = None  # your answers replace these
# BEGIN SOLUTION
embeddings = np.load(folder / "embeddings.npy")
identities = faces.loc[faces["kept"], "subject"].to_numpy().astype(str)
people = sorted(pd.Series(identities).value_counts().loc[lambda s: s >= 2].index)
test_people = sorted(np.random.default_rng(0).choice(people, len(people) // 2, replace=False))
results = evaluate(embeddings, identities, test_people)
threshold = results["threshold"]

test_d, test_same = pairs_among(embeddings.astype(float), identities, np.isin(identities, test_people))
grid = np.round(np.linspace(0.3, 0.9, 121), 4)
curve = pd.DataFrame({"threshold": grid,
                      "fmr": (test_d[~test_same][None, :] <= grid[:, None]).mean(axis=1),
                      "fnmr": (test_d[test_same][None, :] > grid[:, None]).mean(axis=1)})
curve = curve[(curve["fmr"] > 0) & (curve["fnmr"] > 0)]
det = alt.Chart(curve).mark_line(point=True).encode(
    x=alt.X("fmr:Q", scale=alt.Scale(type="log"), title="false match rate (FMR, log scale)"),
    y=alt.Y("fnmr:Q", scale=alt.Scale(type="log"), title="false non-match rate (FNMR, log scale)"),
    tooltip=[alt.Tooltip("threshold:Q", format=".3f"), alt.Tooltip("fmr:Q", format=".4f"),
             alt.Tooltip("fnmr:Q", format=".4f")],
).properties(title="DET curve of my collection's held-out people", width=420, height=300,
             description=f"DET curve on log-log axes from {results['genuine']} genuine and {results['impostor']} "
                         f"impostor pairs of {len(test_people)} held-out people: FNMR falls as FMR rises.")
# END SOLUTION
display(results, det)  # your results, then your DET curve

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
def test_q4_1(results, threshold, det, test_people, embeddings, evaluate, identities):
    from facecourse.checks import answered
    answered("q4", results=results, threshold=threshold, det=det, test_people=test_people, embeddings=embeddings, evaluate=evaluate, identities=identities)
    assert results is not None and threshold is not None and det is not None and test_people is not None and embeddings is not None, \
        "q4 is not answered yet: write evaluate, then set embeddings, identities, test_people, results, threshold and det."

# %%
def test_q4_2(results):
    assert isinstance(results, dict) and {"threshold", "fmr", "fnmr", "genuine", "impostor"} <= set(results), \
        "evaluate should return a dict with the keys threshold, fmr, fnmr, genuine and impostor."
    assert 0.3 <= results["threshold"] <= 0.8, f"A threshold of {results['threshold']} is far from where dlib's distances separate people (0.3 to 0.8): fit it on the pairs of the people who are not held out."

# %%
def test_q4_3(evaluate):
    import numpy as np
    _e = np.array([[0.0], [0.1], [1.0], [1.05], [3.0], [3.2], [5.0]]) * np.ones((1, 128)) / np.sqrt(128)
    _who = np.array(["a", "a", "b", "b", "c", "c", "d"])
    _r = evaluate(_e, _who, ["c", "d"])
    assert (_r["genuine"], _r["impostor"]) == (1, 2), \
        f"With test people c (2 faces) and d (1 face) there is 1 genuine and 2 impostor test pairs (every pair i < j among their faces, never a face with itself), got {_r['genuine']} and {_r['impostor']}."

# %%
def test_q4_4(evaluate):
    import numpy as np
    _rng = np.random.default_rng(5)
    _centres = _rng.normal(size=(12, 128)) * 0.06
    _who = np.repeat([f"p{i}" for i in range(12)], 4)
    _e = _centres[np.repeat(np.arange(12), 4)] + _rng.normal(size=(48, 128)) * 0.025
    _test = [f"p{i}" for i in range(6)]
    _r = evaluate(_e, _who, _test)
    _m = np.isin(_who, _test)
    _idx = np.flatnonzero(_m)
    _i, _j = np.triu_indices(len(_idx), k=1)
    _d = np.linalg.norm(_e[_idx[_i]] - _e[_idx[_j]], axis=1)
    _same = _who[_idx[_i]] == _who[_idx[_j]]
    _t = _r["threshold"]
    assert abs(_r["fmr"] - np.mean(_d[~_same] <= _t)) < 1e-9 and abs(_r["fnmr"] - np.mean(_d[_same] > _t)) < 1e-9, \
        f"At your threshold {_t:.4f} the test pairs give FMR {np.mean(_d[~_same] <= _t):.4f} (impostors <= t) and FNMR {np.mean(_d[_same] > _t):.4f} (genuine > t); evaluate returned {_r['fmr']:.4f} and {_r['fnmr']:.4f}."

# %%
def test_q4_5(evaluate):
    import numpy as np
    _rng = np.random.default_rng(5)
    _centres = _rng.normal(size=(12, 128)) * 0.06
    _who = np.repeat([f"p{i}" for i in range(12)], 4)
    _e = _centres[np.repeat(np.arange(12), 4)] + _rng.normal(size=(48, 128)) * 0.025
    _test = [f"p{i}" for i in range(6)]
    _moved = _e.copy()
    _moved[:24] = _rng.normal(size=(24, 128)) * 0.2          # the held-out people's faces changed entirely
    assert evaluate(_moved, _who, _test)["threshold"] == evaluate(_e, _who, _test)["threshold"], \
        "Your threshold changed when only the held-out people's faces changed: that is leakage. Fit it on the pairs of the people NOT in test_people, and measure on the test people only."

# %%
def test_q4_6(evaluate):
    import numpy as np
    _rng = np.random.default_rng(5)
    _centres = _rng.normal(size=(12, 128)) * 0.06
    _who = np.repeat([f"p{i}" for i in range(12)], 4)
    _e = _centres[np.repeat(np.arange(12), 4)] + _rng.normal(size=(48, 128)) * 0.025
    _test = [f"p{i}" for i in range(6)]
    _spread = _e.copy()
    _spread[24:] = _centres[np.repeat(np.arange(6, 12), 4)] * 3 + _rng.normal(size=(24, 128)) * 0.05
    assert evaluate(_spread, _who, _test)["threshold"] != evaluate(_e, _who, _test)["threshold"], \
        "Your threshold stayed the same when the fitting people's faces changed: fit it on their pairs (a fixed 0.6 is not fitted)."

# %%
def test_q4_7(embeddings, faces, identities, test_people, results, evaluate, threshold):
    import numpy as np
    import pandas as pd
    assert np.asarray(embeddings).shape == (int(faces["kept"].sum()), 128) and len(identities) == len(embeddings) and \
        list(identities) == list(faces.loc[faces["kept"], "subject"]), \
        "embeddings should be your kept faces' descriptors (embeddings.npy) and identities their subjects, in the same order."
    assert set(test_people) <= set(identities) and 0.3 <= len(set(test_people)) / pd.Series(identities).value_counts().ge(2).sum() <= 0.7, \
        "test_people should be about half of the people with at least two kept faces (names from your faces table)."
    assert results == evaluate(embeddings, identities, test_people), "results should be what evaluate(embeddings, identities, test_people) returns."
    assert threshold == results["threshold"], "threshold should be results['threshold'], the one your search will use."

# %%
def test_q4_8(det):
    from facecourse.charts import spec_summary  # reads the chart's Vega-Lite spec (chart.to_dict())
    _s = spec_summary(det, "det")
    assert _s["mark"] == "line" and _s["encoding"]["x"]["field"] == "fmr" and _s["encoding"]["y"]["field"] == "fnmr", \
        f"det should be a line chart of the fields fmr on x and fnmr on y (lower case, the columns of your table), got mark {_s['mark']!r}, x {_s['encoding'].get('x', {}).get('field')!r}, y {_s['encoding'].get('y', {}).get('field')!r}."
    assert _s["encoding"]["x"]["scale"] == "log" and _s["encoding"]["y"]["scale"] == "log", \
        "Put both axes of det on log scales (alt.Scale(type='log')): small error rates matter most."
    assert "threshold" in _s["tooltip"], "det needs the threshold in its tooltip."
    from facecourse.charts import drawn_rows, expect_titled
    expect_titled(_s, "det")
    _drawn = drawn_rows(_s, "det")
    assert _drawn and all(r["fmr"] > 0 and r["fnmr"] > 0 for r in _drawn), \
        "Leave out the thresholds where FMR or FNMR is 0: a log scale cannot draw 0."
    _whole = [r for r in _s["rows"] if r["fmr"] > 0 and r["fnmr"] > 0]
    assert len(_drawn) == len(_whole), \
        (f"det draws {len(_drawn)} of the {len(_whole)} points of your curve where both rates are above 0: "
         "draw the whole curve (a filter that keeps only some thresholds hides part of the trade-off).")

# %%
def test_q4_9(det, embeddings, identities, test_people):
    from pathlib import Path
    import numpy as np
    from facecourse.charts import spec_summary
    _s = spec_summary(det, "det")
    _cols = sorted(set(_s["rows"][0])) if _s["rows"] else []
    assert {"threshold", "fmr", "fnmr"} <= set(_cols), \
        f"det's data should be a table with the columns threshold, fmr and fnmr (lower case), one row per threshold; it has {_cols}."
    _v = np.asarray(embeddings, dtype=float)
    _who = np.asarray(identities).astype(str)
    _idx = np.flatnonzero(np.isin(_who, [str(p) for p in test_people]))
    _i, _j = np.triu_indices(len(_idx), k=1)
    _d = np.linalg.norm(_v[_idx[_i]] - _v[_idx[_j]], axis=1)
    _same = _who[_idx[_i]] == _who[_idx[_j]]
    for _row in _s["rows"][:: max(1, len(_s["rows"]) // 10)]:
        assert abs(_row["fmr"] - np.mean(_d[~_same] <= _row["threshold"])) < 1e-6 and abs(_row["fnmr"] - np.mean(_d[_same] > _row["threshold"])) < 1e-6, \
            f"At threshold {_row['threshold']} the chart shows FMR {_row['fmr']:.4f}, FNMR {_row['fnmr']:.4f}; the held-out people's pairs give {np.mean(_d[~_same] <= _row['threshold']):.4f} and {np.mean(_d[_same] > _row['threshold']):.4f}: draw the test pairs' rates."

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_q4_hidden_1(evaluate, threshold, results):
    import numpy as np
    _rng = np.random.default_rng(11)
    _centres = _rng.normal(size=(20, 128)) * 0.05
    _who = np.repeat([f"q{i}" for i in range(20)], 3)
    _e = _centres[np.repeat(np.arange(20), 3)] + _rng.normal(size=(60, 128)) * 0.03
    _test = [f"q{i}" for i in range(0, 20, 2)]
    _r = evaluate(_e, _who, _test)
    _m = np.isin(_who, _test)
    _perm = np.flatnonzero(_m)
    _moved = _e.copy()
    _moved[_perm] = _e[_rng.permutation(_perm)]
    assert evaluate(_moved, _who, _test)["threshold"] == _r["threshold"]
    assert (_r["genuine"], _r["impostor"]) == (30, 435 - 30)
    _idx = np.flatnonzero(_m)
    _i, _j = np.triu_indices(len(_idx), k=1)
    _d = np.linalg.norm(_e[_idx[_i]] - _e[_idx[_j]], axis=1)
    _same = _who[_idx[_i]] == _who[_idx[_j]]
    assert abs(_r["fmr"] - np.mean(_d[~_same] <= _r["threshold"])) < 1e-9
    assert abs(_r["fnmr"] - np.mean(_d[_same] > _r["threshold"])) < 1e-9
    _r2 = evaluate(_e, list(_who), set(_test))
    assert _r2 == _r
    assert 0.3 <= threshold <= 0.8 and 0 <= results["fmr"] <= 0.05 and 0 <= results["fnmr"] <= 0.5

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 5 (Search): a tool that returns nothing rather than a stranger
#
# Write `search(folder, probe, k=5)`: the candidates for the face in `probe` (a photo's path, or an RGB
# array) from the **exact** index in `folder` (read it with `load_index`), as a DataFrame with the
# columns `rank` (1, 2, ...), `face_id`, `identity`, `distance` (**Euclidean**: FAISS's `IndexFlatL2`
# returns squared distances), `url` and `licence`, nearest first, at most `k` rows, and **only faces
# within your `threshold`** (`distance <= threshold`): none at all is a valid answer. When the probe
# shows several faces, search with the largest; with none, return an empty table with those columns.
#
# Then make the tool work. Its controls are given (lesson B5 built the same by hand): `probe_menu`, a
# `widgets.Dropdown` whose `value` is the file of a row of `probes`; `upload`, a `widgets.FileUpload`;
# `k_slider`, the number of candidates; `results_view`, a `widgets.HTML`; and `tool`, a `widgets.VBox` of
# them, each already wired with `observe` to the two functions you write:
#
# * `on_probe(change=None)`: sets `results_view.value` to the candidates for the menu's photo (identity,
#   distance, source URL and licence: `DataFrame.to_html` does it), or a sentence when there is none; and
#   **a refusal** instead when that person has opted out (their page is in the site's opt-out registry
#   **now**: ask the site): a sentence saying they opted out, and no candidate;
# * `on_upload(change=None)`: the same for a photo of your own (lesson D1 shows what `upload.value` holds).
#
# The tool's requests to the site keep your crawler's rules: make it its own `PoliteClient(USER_AGENT)` with
# the crawl delay (read robots.txt again for it: `crawl` keeps its own to itself), and its own `OptOutRegistry`
# of the site's registry (`site.url + "/privacy/opt-out.json"`; its copy is never older than `max-age`: that
# is "now"),
# and ask `registry.lists(...)` with the person's page URL (`site.url + "/people/" + slug`).

# %% [raw]
# # BEGIN QUESTION
# name: q5
# points: 4

# %% [raw]
# # BEGIN SOLUTION

# %%
COLUMNS = ["rank", "face_id", "identity", "distance", "url", "licence"]


def search(folder, probe, k=5):
    # BEGIN SOLUTION
    faces, exact, _ = load_index(folder)
    image = probe if isinstance(probe, np.ndarray) else load_photo(probe)
    found = find_faces(image)
    if not found or exact.ntotal == 0:
        return pd.DataFrame(columns=COLUMNS)
    box, descriptor = max(found, key=lambda f: (f[0][2] - f[0][0]) * (f[0][1] - f[0][3]))
    squared, ids = exact.search(np.asarray(descriptor, dtype="float32")[None], min(int(k), exact.ntotal))
    distance = np.sqrt(np.maximum(squared[0], 0.0))
    within = (ids[0] >= 0) & (distance <= threshold)
    rows = faces.set_index("face_id").loc[ids[0][within]]
    return pd.DataFrame({"rank": np.arange(1, within.sum() + 1), "face_id": ids[0][within],
                         "identity": rows["subject"].to_numpy(), "distance": distance[within],
                         "url": rows["url"].to_numpy(), "licence": rows["licence"].to_numpy()}, columns=COLUMNS)
    # END SOLUTION


# Given: the tool's controls, as lesson B5 built them; you write what they do.
probe_menu = widgets.Dropdown(options=[(f"{r.name} ({Path(r.file).stem})", r.file) for r in probes.itertuples()],
                              description="probe")
upload = widgets.FileUpload(accept="image/*", multiple=False, description="your photo")
k_slider = widgets.IntSlider(value=5, min=1, max=10, description="k")
results_view = widgets.HTML()
tool = widgets.VBox([probe_menu, upload, k_slider, results_view])

# BEGIN SOLUTION
tool_client = PoliteClient(USER_AGENT)       # the crawler's rules for the tool's own requests too
tool_client.delay = Protego.parse(tool_client.get(site.url + "/robots.txt").text).crawl_delay(USER_AGENT) or 0.0
tool_registry = OptOutRegistry(tool_client, site.url + "/privacy/opt-out.json")


def opted_out_now(slug):
    """Is this person's page in the site's opt-out registry now? (read again once the copy is too old)"""
    return tool_registry.lists(f"{site.url}/people/{slug}")


def show(table):
    if table.empty:
        return f"<p>No candidate within the threshold ({threshold:.3f}): nobody in the collection is close enough.</p>"
    return table.assign(distance=table["distance"].round(3)).to_html(index=False, escape=True)
# END SOLUTION


def on_probe(change=None):
    # BEGIN SOLUTION
    row = probes[probes["file"] == probe_menu.value].iloc[0]
    if opted_out_now(row["slug"]):
        results_view.value = (f"<p><b>Refused.</b> {row['name']} opted out of collection: this tool does not search "
                              "for people who opted out.</p>")
        return
    results_view.value = show(search(folder, probe_menu.value, k_slider.value))
    # END SOLUTION


def on_upload(change=None):
    # BEGIN SOLUTION
    if upload.value:
        image = load_photo(bytes(upload.value[0]["content"]))
        results_view.value = ("<p>An uploaded photo cannot be checked against the opt-out registry by name.</p>"
                              + show(search(folder, image, k_slider.value)))
    # END SOLUTION


probe_menu.observe(on_probe, names="value")
k_slider.observe(on_probe, names="value")
upload.observe(on_upload, names="value")
on_probe()
tool

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
def test_q5_1(search, on_probe, on_upload, probes, site, folder):
    from facecourse.checks import answered
    answered("q5", search=search, on_probe=on_probe, on_upload=on_upload)
    _who = probes[probes["setting"].eq("public") & ~probes["slug"].eq(site.config.midway_optout[0]) & ~probes["slug"].eq(site.config.erasure_slug)].iloc[0]
    assert search(folder, _who["file"], k=5) is not None, \
        "q5 is not answered yet: write search (it returns a DataFrame), then on_probe and on_upload."

# %%
def test_q5_2(probes, site, search, folder):
    import pandas as pd
    _who = probes[probes["setting"].eq("public") & ~probes["slug"].eq(site.config.midway_optout[0]) & ~probes["slug"].eq(site.config.erasure_slug)].iloc[0]
    _r = search(folder, _who["file"], k=5)
    assert isinstance(_r, pd.DataFrame) and list(_r.columns)[:6] == ["rank", "face_id", "identity", "distance", "url", "licence"], \
        "search should return a DataFrame with the columns rank, face_id, identity, distance, url, licence."
    assert len(_r) and _r["identity"].iloc[0] == _who["name"], \
        f"A photo of {_who['name']} that the site does not show should find {_who['name']} first, got {list(_r['identity'][:3])}."

# %%
def test_q5_3(probes, site, search, folder, load_index):
    from pathlib import Path
    import numpy as np
    import face_recognition
    _who = probes[probes["setting"].eq("public") & ~probes["slug"].eq(site.config.midway_optout[0]) & ~probes["slug"].eq(site.config.erasure_slug)].iloc[0]
    _r = search(folder, _who["file"], k=5)
    _img = face_recognition.load_image_file(_who["file"])
    _probe = face_recognition.face_encodings(_img, known_face_locations=face_recognition.face_locations(_img))[0]
    _now, _, _ = load_index(folder)
    _v = np.load(Path(folder) / "embeddings.npy")
    _ids = _now.loc[_now["kept"], "face_id"].to_numpy()
    _true = np.linalg.norm(_v[list(_ids).index(int(_r["face_id"].iloc[0]))] - _probe)
    assert abs(float(_r["distance"].iloc[0]) - _true) < 2e-3, \
        f"The first distance should be the Euclidean distance {_true:.4f}, got {float(_r['distance'].iloc[0]):.4f}: FAISS's IndexFlatL2 returns squared distances, take their square root."

# %%
def test_q5_4(search, folder, probes, threshold):
    import pandas as pd
    _each = [search(folder, f, k=10) for f in probes["file"][:8]]
    _r = pd.concat(_each)
    assert (_r["distance"] <= threshold + 1e-9).all(), \
        f"search returned a face at distance {_r['distance'].max():.3f}, above your threshold {threshold:.3f}: return only faces within it, even if that is none."
    for _f, _one in zip(probes["file"][:4], _each):
        assert list(_one["distance"]) == sorted(_one["distance"]) and list(_one["rank"]) == list(range(1, len(_one) + 1)), \
            "Candidates should be nearest first, ranked 1, 2, 3..."
        assert len(search(folder, _f, k=1)) <= 1, "search(..., k=1) should return at most one candidate."

# %%
def test_q5_5(search, folder, probes):
    from pathlib import Path
    import pandas as pd
    _r = pd.concat([search(folder, f, k=3) for f in probes["file"][:5]])
    _ledger = pd.read_csv(Path(folder) / "ledger.csv")
    _joined = _r.merge(_ledger[["url", "licence", "subject"]], on="url", how="left", suffixes=("", "_ledger"))
    assert len(_r) and _joined["subject"].notna().all() and (_joined["licence"] == _joined["licence_ledger"]).all() and (_joined["identity"] == _joined["subject"]).all(), \
        "Each candidate's url, identity and licence should be those of its photo's row in your ledger: carry them from faces.csv."

# %%
def test_q5_6(probes, site, probe_menu, search, folder, k_slider, results_view):
    import ipywidgets as widgets
    _public = probes[probes["setting"].eq("public") & ~probes["slug"].eq(site.config.midway_optout[0]) & ~probes["slug"].eq(site.config.erasure_slug)].iloc[0]
    probe_menu.value = probes.loc[probes["file"] != _public["file"], "file"].iloc[0]   # a change first, so that the
    probe_menu.value = _public["file"]                                                # next one is a change on every run
    _top = search(folder, _public["file"], k=k_slider.value)
    assert isinstance(results_view, widgets.HTML) and _top["url"].iloc[0] in results_view.value and str(_top["licence"].iloc[0]) in results_view.value, \
        f"After probe_menu.value = a photo of {_public['name']}, results_view should show the candidates with their source URL and licence (set results_view.value in a function connected with observe)."

# %%
def test_q5_7(probes, probe_menu, results_view, site):
    _out = probes[probes["setting"] == "opted-out"].iloc[0]
    probe_menu.value = _out["file"]
    assert "opted out" in results_view.value.lower() and "/photos/" not in results_view.value, \
        f"{_out['name']} opted out: for their photo, results_view should say so (a refusal mentioning 'opted out') and show no candidate."
    _late = probes[probes["slug"] == site.config.midway_optout[0]].iloc[0]
    probe_menu.value = _late["file"]
    assert "opted out" in results_view.value.lower() and "/photos/" not in results_view.value, \
        f"{_late['name']} opted out while you crawled: ask the site's registry as it is now, not the settings table."
    probe_menu.value = probes[probes["setting"].eq("public") & ~probes["slug"].eq(site.config.midway_optout[0])]["file"].iloc[0]

# %%
def test_q5_8(probes, site, upload, search, folder, k_slider, results_view):
    import datetime
    from pathlib import Path
    _who = probes[probes["setting"].eq("public") & ~probes["slug"].eq(site.config.midway_optout[0]) & ~probes["slug"].eq(site.config.erasure_slug)].iloc[-1]
    _bytes = Path(_who["file"]).read_bytes()
    upload.value = ()   # cleared first, so that the photo below is a change even when this check runs again
    upload.value = ({"name": "my-photo.jpg", "type": "image/jpeg", "size": len(_bytes), "content": _bytes,
                     "last_modified": datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)},)
    _top = search(folder, _who["file"], k=k_slider.value)
    assert len(_top) and _top["url"].iloc[0] in results_view.value, \
        f"After a photo of {_who['name']} is uploaded (upload.value set as lesson D1 shows), results_view should show its candidates with their source URLs: write on_upload (bytes(upload.value[0]['content']) is the photo)."

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_q5_hidden_1(build_index, search, threshold, k_slider, probe_menu, probes, results_view):
    from pathlib import Path
    import re
    import tempfile
    import numpy as np
    from facecourse.scraping import sandbox as _sandbox
    _b = _sandbox.capstone_site("B")
    _tmp = Path(tempfile.mkdtemp()) / "search-b"
    _some = list(_b.profiles().query("setting == 'public' and photos > 1")["slug"])[:2]
    _b.reference_collection(_tmp, slugs=_some)
    build_index(_tmp)
    _held = _b.held_out_photos()
    _held = _held[_held["slug"].isin(_some) | (_held["setting"] != "public")].groupby("slug").head(2)
    _pub = _held[_held["setting"] == "public"]
    _hits = 0
    for _row in _pub.itertuples():
        _r = search(_tmp, _row.file, k=8)   # more than their own photos: the others' must stay out
        assert (_r["distance"] <= threshold + 1e-9).all() and len(_r) <= 8
        _hits += bool(len(_r)) and _r["identity"].iloc[0] == _row.name
    assert _hits >= 0.7 * len(_pub)
    for _row in _held[_held["setting"] != "public"].itertuples():
        assert not (search(_tmp, _row.file, k=5)["identity"] == _row.name).any()
    _img = np.asarray(__import__("PIL.Image", fromlist=["Image"]).open(_pub["file"].iloc[0]).convert("RGB"))
    assert search(_tmp, _img, k=2)["identity"].iloc[0] == _pub["name"].iloc[0]
    _empty = search(_tmp, np.zeros((120, 120, 3), np.uint8), k=3)
    assert _empty.empty and list(_empty.columns)[:6] == ["rank", "face_id", "identity", "distance", "url", "licence"]
    k_slider.value = 2
    probe_menu.value = probes[probes["setting"] == "public"]["file"].iloc[1]
    assert len(set(re.findall(r"/photos/[^\s'\"<>]+", results_view.value))) <= 2  # a link may show its URL twice
    k_slider.value = 5

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 6 (Erase): an erasure request, honoured everywhere
#
# The cell below makes the site receive an erasure request. Write:
#
# * `name_digest(name)`: HMAC-SHA256 (64 hex digits) of the name normalised (lower case, single spaces;
#   lesson D1 also reads `_` as a space, which does no harm) under the secret key in `key_file` (32 random bytes from `secrets`, stored as hex, file mode 0600,
#   made on first use); never store a name or its plain hash;
# * `is_erased(folder, name)`: True if `name_digest(name)` is in `folder/erasures.txt` (any case or
#   spacing of the name); this replaces question 1's stand-in, so your next crawl skips them;
# * `erase(folder, name)`: remove the person from **everything in `folder`**: their rows of
#   `ledger.csv` (rows with their name as `subject`, which are their page and photos, and rows whose URL
#   begins with their page's URL, such as `/people/<slug>/tagged`, which name them too: their page is the
#   URL of the ledger's `"page"` row with their name as `subject`), their
#   photo files, their faces in `faces.csv`, `embeddings.npy` and **both indexes**
#   (saved again), and any other file you made from them (a copy, a backup); then add `name_digest(name)`
#   to `folder/erasures.txt`. Return a dict of what was removed (e.g. `{"ledger rows": 7, "photo files": 6,
#   "faces": 6}`). The face ids of the others stay as they were (they are the indexes' ids).
#
# Then read the site's erasure requests (`/privacy/erasure-requests.json`, with your `USER_AGENT` and the
# crawl delay; its JSON's `"requests"` is a list with one dict per request, with the keys `id`, `name`,
# `page` and `received`) and erase every person it lists. (Graders also crawl again afterwards: your
# `crawl` must then skip them: they crawl a fresh copy of a site into your folder.)
# Graders also call `build_index`, `search` and `erase` on collections they made themselves, whose ledger
# has exactly the columns question 1 requires: extra columns your crawler adds are yours to use, but
# these functions must work without them.
#
# **Leave your earlier answers as they are.** The names `ledger`, `faces`, `embeddings`, `identities`,
# `results`, `threshold` and `det` are your answers to questions 1 to 4, graded at the end of the notebook:
# do not bind them again here (their checks allow for what the erasure took out of `folder`). What you
# keep is what is in `folder`, so that is what `erase` changes; to look at the collection after the erasure,
# read it under new names, e.g. `faces_now, _, _ = load_index(folder)`.

# %%
request = site.announce_erasure()  # someone asks to be erased: the site now lists the request

# %% [raw]
# # BEGIN QUESTION
# name: q6
# points: 4

# %% [raw]
# # BEGIN SOLUTION

# %%
def name_digest(name):
    # BEGIN SOLUTION
    key_file.parent.mkdir(parents=True, exist_ok=True)
    if not key_file.exists():
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_bytes(32).hex())
    key = bytes.fromhex(key_file.read_text().strip())
    normal = " ".join(str(name).replace("_", " ").lower().split())
    return hmac.new(key, normal.encode("utf-8"), hashlib.sha256).hexdigest()
    # END SOLUTION


def is_erased(folder, name):
    # BEGIN SOLUTION
    record = Path(folder) / "erasures.txt"
    return record.is_file() and name_digest(name) in record.read_text().split()
    # END SOLUTION


def erase(folder, name):
    # BEGIN SOLUTION
    folder = Path(folder)
    digest = name_digest(name)

    def theirs(column):
        return column.map(lambda s: isinstance(s, str) and name_digest(s) == digest)

    ledger = pd.read_csv(folder / "ledger.csv")
    gone_rows = theirs(ledger["subject"])
    pages = tuple(ledger.loc[gone_rows & (ledger["kind"] == "page"), "url"])  # URLs under their page name them too
    gone_rows |= ledger["url"].astype(str).str.startswith(pages) if pages else False
    removed_files = 0
    for file in ledger.loc[gone_rows, "file"].dropna():
        if Path(file).is_file():
            Path(file).unlink()
            removed_files += 1
    ledger[~gone_rows].to_csv(folder / "ledger.csv", index=False)
    faces = pd.read_csv(folder / "faces.csv")
    vectors = np.load(folder / "embeddings.npy")
    gone_faces = theirs(faces["subject"])
    keep_vectors = vectors[~gone_faces[faces["kept"]].to_numpy()]
    save_indexes(folder, faces[~gone_faces].reset_index(drop=True), keep_vectors)
    with open(folder / "erasures.txt", "a") as record:
        record.write(digest + "\n")
    return {"ledger rows": int(gone_rows.sum()), "photo files": removed_files, "faces": int(gone_faces.sum())}
    # END SOLUTION


erased = None  # your answer replaces this: a dict of each erased person's name to what erase returned
# BEGIN SOLUTION
erasure_requests = requests.get(site.url + "/privacy/erasure-requests.json", headers={"User-Agent": USER_AGENT},
                                timeout=10).json()["requests"]
erased = {r["name"]: erase(folder, r["name"]) for r in erasure_requests}
erased
# END SOLUTION

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
def test_q6_1(erased, name_digest, is_erased, erase):
    from facecourse.checks import answered
    answered("q6", erased=erased, name_digest=name_digest, is_erased=is_erased, erase=erase)
    assert erased is not None and name_digest("someone") is not None, \
        "q6 is not answered yet: write name_digest, is_erased and erase, then erase everyone the site's erasure requests list."

# %%
def test_q6_2(is_erased, folder, request, site):
    assert is_erased(folder, request["name"]) and is_erased(folder, "  " + request["name"].upper().replace(" ", "  ")), \
        f"is_erased(folder, {request['name']!r}) should be True after your erasure, whatever the case and spacing of the name."
    _other = site.profiles().query("setting == 'public'")["name"]
    _other = _other[_other != request["name"]].iloc[0]
    assert not is_erased(folder, _other), f"is_erased should be False for {_other}, who asked for nothing."

# %%
def test_q6_3(folder, request, key_file):
    from pathlib import Path
    import hashlib
    import stat
    _text = (Path(folder) / "erasures.txt").read_text()
    _normal = " ".join(request["name"].lower().split())
    assert request["name"].lower() not in _text.lower() and hashlib.sha256(_normal.encode()).hexdigest() not in _text, \
        "erasures.txt should hold keyed hashes (HMAC with your secret key), never the name or its plain SHA-256: anyone can hash a list of names."
    assert Path(key_file).is_file() and Path(folder).resolve() not in Path(key_file).resolve().parents, \
        "Keep the secret key in key_file, outside the collection folder."
    import hmac
    _key = bytes.fromhex(Path(key_file).read_text().strip())
    assert hmac.new(_key, _normal.encode("utf-8"), hashlib.sha256).hexdigest() in _text.split(), \
        "erasures.txt should hold the HMAC-SHA256 of the normalised name (lower case, single spaces) under the key stored in key_file, outside the collection folder."
    assert stat.S_IMODE(Path(key_file).stat().st_mode) & 0o077 == 0, "The key file should be readable by its owner only (mode 0600)."

# %%
def test_q6_4(folder, request):
    from pathlib import Path
    import pandas as pd
    _ledger = pd.read_csv(Path(folder) / "ledger.csv")
    _slug = request["page"].rsplit("/", 1)[-1]
    _left = _ledger[(_ledger["subject"] == request["name"]) | _ledger["url"].astype(str).str.contains(f"/{_slug}")]
    assert _left.empty, f"ledger.csv still has {len(_left)} row(s) about {request['name']} (e.g. {_left['url'].iloc[0]}): remove every row about them."
    _faces = pd.read_csv(Path(folder) / "faces.csv")
    assert not (_faces["subject"] == request["name"]).any(), f"faces.csv still lists faces of {request['name']}."

# %%
def test_q6_5(request, site, folder):
    from pathlib import Path
    import hashlib
    _slug = request["page"].rsplit("/", 1)[-1]
    _paths = site.photo_table()
    _theirs = {hashlib.sha256(site.photo_bytes(p)).hexdigest() for p in _paths.loc[_paths["slug"] == _slug, "path"]}
    assert (Path(folder) / "ledger.csv").is_file() and (Path(folder) / "faces.csv").is_file(), \
        "Your folder has no ledger.csv or faces.csv: questions 1 and 3 make them, and erase keeps them (without the person)."
    _files = [f for f in Path(folder).rglob("*") if f.is_file()]
    _still = [f.name for f in _files if hashlib.sha256(f.read_bytes()).hexdigest() in _theirs]
    assert not _still, f"{len(_still)} photo file(s) of {request['name']} are still in your folder (e.g. {_still[0]}): delete the files, not only the rows."
    _named = [f.name for f in _files if f.suffix in (".csv", ".txt", ".json") and (request["name"].lower() in f.read_text(errors='ignore').lower() or f"/{_slug}/" in f.read_text(errors='ignore'))]
    assert not _named, f"{_named[0]} in your folder still names {request['name']} (or their page): erase every copy."

# %%
def test_q6_6(request, folder, load_index, site):
    from pathlib import Path
    import numpy as np
    import face_recognition
    from facecourse.scraping import sandbox as _sandbox
    _slug = request["page"].rsplit("/", 1)[-1]
    _vectors = np.load(Path(folder) / "embeddings.npy")
    _fl, _ex, _ap = load_index(folder)
    assert _ex.ntotal == _ap.ntotal == len(_vectors) == int(_fl["kept"].sum()), \
        f"After the erasure both indexes ({_ex.ntotal}, {_ap.ntotal}), embeddings.npy ({len(_vectors)}) and faces.csv ({int(_fl['kept'].sum())} kept) should hold the same faces: save the indexes again without them."
    _t = site.photo_table()
    for _rel in _t.loc[_t["slug"] == _slug, "lfw"][:3]:
        _img = face_recognition.load_image_file(_sandbox.data.require("lfw", _rel))
        for _d in face_recognition.face_encodings(_img):
            assert np.min(np.linalg.norm(_vectors - _d, axis=1), initial=9) > 0.05 and np.sqrt(_ex.search(_d[None].astype("float32"), 1)[0][0, 0]) > 0.05, \
                f"A descriptor of {request['name']}'s photos is still in embeddings.npy or the exact index: remove their vectors and rebuild or remove_ids."

# %%
def test_q6_7(probes, request, search, folder):
    _theirs = probes[probes["name"] == request["name"]]
    for _f in _theirs["file"]:
        _r = search(folder, _f, k=5)
        assert not (_r["identity"] == request["name"]).any(), f"A search for {request['name']} still returns them after the erasure."

# %%
def test_q6_8(request, folder, crawl, USER_AGENT):
    import shutil, tempfile
    from pathlib import Path
    from facecourse.scraping import sandbox
    _slug = request["page"].rsplit("/", 1)[-1]
    _people, _config = sandbox.capstone_profiles("A")
    _small = [p for p in _people if p.slug == _slug] + [p for p in _people if p.setting == "public" and p.slug != _slug][:1]
    _tmp = Path(tempfile.mkdtemp()) / "recrawl"
    _tmp.mkdir()
    shutil.copy(Path(folder) / "erasures.txt", _tmp / "erasures.txt")
    with sandbox.SandboxSite(_small, sandbox.SiteConfig(name="A small copy of Photobook", crawl_delay=0.05, busy_page=0,
                                                        hostile_pages=False)) as _tiny:
        try:
            crawl(_tiny.url, _tmp)
        except Exception as _e:
            raise AssertionError(f"crawl raised {type(_e).__name__} ({_e}) on a small site, with your erasure record in the folder.") from None
        _found = _tiny.audit(USER_AGENT)
        _photos = _tiny.access_log()["path"].str.startswith(f"/photos/{_slug}/")
    assert not _photos.any() and not (_found["rule"] == "erased").any(), \
        f"Crawling again (into a folder holding your erasures.txt), your crawler downloaded {int(_photos.sum())} photo(s) of {request['name']}: read the name on each page and skip the photos of anyone is_erased(folder, name) says asked to be erased."

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_q6_hidden_1(build_index, erase, load_index, search, is_erased, crawl, USER_AGENT):
    from pathlib import Path
    import pandas as pd
    import hashlib, tempfile
    import numpy as np
    from urllib.parse import urlsplit
    from facecourse.scraping import sandbox as _sandbox
    _tmp = Path(tempfile.mkdtemp()) / "erase-b"
    with _sandbox.capstone_site("B") as _b:
        _others = list(_b.profiles().query("setting == 'public' and photos > 1")["slug"])
        _b.reference_collection(_tmp, slugs=[_b.config.erasure_slug] + [s for s in _others if s != _b.config.erasure_slug][:1])
        build_index(_tmp)
        _req = _b.announce_erasure()
        _name, _slug = _req["name"], _req["page"].rsplit("/", 1)[-1]
        _before = np.load(_tmp / "embeddings.npy")
        _fl0 = pd.read_csv(_tmp / "faces.csv")
        _theirs_v = _before[(_fl0.loc[_fl0["kept"], "subject"] == _name).to_numpy()]
        assert len(_theirs_v) >= 3
        erase(_tmp, _name)
        _after = np.load(_tmp / "embeddings.npy")
        assert len(_after) == len(_before) - len(_theirs_v)
        assert min(np.linalg.norm(_after - v, axis=1).min() for v in _theirs_v) > 1e-3
        _fl, _ex, _ap = load_index(_tmp)
        assert _ex.ntotal == _ap.ntotal == len(_after)
        for v in _theirs_v:
            assert np.sqrt(_ex.search(v[None].astype("float32"), 1)[0][0, 0]) > 1e-3
            assert np.sqrt(_ap.search(v[None].astype("float32"), 1)[0][0, 0]) > 1e-3
        _pt = _b.photo_table()
        _hashes = {hashlib.sha256(_b.photo_bytes(p)).hexdigest() for p in _pt.loc[_pt["slug"] == _slug, "path"]}
        assert not [f for f in _tmp.rglob("*") if f.is_file() and hashlib.sha256(f.read_bytes()).hexdigest() in _hashes]
        assert not [f for f in _tmp.rglob("*") if f.is_file() and f.suffix in (".csv", ".txt") and _name.lower() in f.read_text().lower()]
        assert is_erased(_tmp, _name.upper()) and not is_erased(_tmp, "Nobody Here")
        _ho = _b.held_out_photos()
        for _row in _ho[_ho["slug"] == _slug].itertuples():
            assert not (search(_tmp, _row.file, k=5)["identity"] == _name).any()
    # crawl again: a small copy of the site (the erased person and one other), so the recrawl is quick
    _people, _ = _sandbox.capstone_profiles("B")
    _small = [p for p in _people if p.slug == _slug] + [p for p in _people if p.setting == "public" and p.slug != _slug][:1]
    with _sandbox.SandboxSite(_small, _sandbox.SiteConfig(name="A small copy of Circles", crawl_delay=0.05, busy_page=0,
                                                          hostile_pages=False)) as _tiny:
        _again = crawl(_tiny.url, _tmp)
        _found = _tiny.audit(USER_AGENT)
        _fetched = _tiny.access_log()["path"]
    assert not _fetched.str.startswith(f"/photos/{_slug}/").any()
    assert not (_found["rule"] == "erased").any()
    assert not _again["subject"].astype(str).str.lower().eq(_name.lower()).any()
    assert not _again["url"].astype(str).str.contains(f"/photos/{_slug}/").any()
    assert not [f for f in _tmp.rglob("*") if f.is_file() and hashlib.sha256(f.read_bytes()).hexdigest() in _hashes]

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 7 (Defend, written): a datasheet for your collection
#
# Build `datasheet`, a pandas Series answering, for your collection **as it is now** (after the erasure):
# motivation, composition (photos, faces, people; faces not kept and why), collection process (rules
# obeyed, what was skipped and why, with counts), consent and licences (counts per licence), erasure
# (how, and how many requests honoured), and uses it must not be put to. Show it as a table.
#
# The cell below gives the shape and the counts: `collection_counts(folder)` reads your `ledger.csv` and
# `faces.csv` as they are now and returns a dict of numbers and `value_counts()` tables. Fill in the eight
# sections (`motivation`, `composition`, `faces_not_kept`, `collection`, `consent`, `licences`, `erasure`,
# `must_not`), each a sentence of your own; put the counts into the sentences with f-strings (never type a
# number), and a whole table with `"; ".join(f"{k}: {v}" for k, v in table.items())`.

# %% [raw]
# # BEGIN QUESTION
# name: q7
# manual: true
# points: 2

# %% [raw]
# # BEGIN SOLUTION

# %%
# Given: the counts of your collection as it is now (after the erasure), read from its files
def collection_counts(folder):
    """Counts for the datasheet, read from ``folder/ledger.csv``, ``folder/faces.csv`` and ``folder/erasures.txt``
    as they are now: a dict with ``"photos"`` (the ledger's kept photos, a file that is not an image
    included), ``"faces found"`` (rows with a box), ``"faces kept"``,
    ``"people"``, ``"erasures"`` (numbers) and ``"faces not kept"`` (by reason), ``"skipped"`` (the ledger's
    URLs by decision, other than "read" and "kept") and ``"licences"`` (the kept photos by licence) as
    ``value_counts()`` tables, e.g. ``collection_counts(folder)["photos"]``."""
    here = Path(folder)
    if not (here / "ledger.csv").is_file() or not (here / "faces.csv").is_file():
        print(f"{here} has no ledger.csv or faces.csv yet: answer questions 1 and 3 first (until then every count is 0).")
        ledger_now = pd.DataFrame(columns=["kind", "decision", "licence"])
        faces_now = pd.DataFrame(columns=["kept", "subject", "reason"])
    else:
        ledger_now, faces_now = pd.read_csv(here / "ledger.csv"), pd.read_csv(here / "faces.csv")
    kept = faces_now["kept"].astype(str).str.lower() == "true"
    boxed = faces_now["top"].notna() if "top" in faces_now else pd.Series(False, index=faces_now.index)
    photos_now = ledger_now[(ledger_now["kind"] == "photo") & (ledger_now["decision"] == "kept")]
    record = here / "erasures.txt"
    return {"photos": len(photos_now), "faces found": int(boxed.sum()), "faces kept": int(kept.sum()),
            "people": faces_now.loc[kept, "subject"].nunique(),
            "faces not kept": faces_now.loc[~kept, "reason"].astype(str).value_counts(),
            "skipped": ledger_now.loc[~ledger_now["decision"].isin(["kept", "read"]), "decision"].value_counts(),
            "licences": photos_now["licence"].value_counts(),
            "erasures": len(record.read_text().split()) if record.is_file() else 0}


counts = collection_counts(folder)
# one sentence per section, in your words, with the counts put in by f-strings
motivation = composition = faces_not_kept = collection = consent = licences = erasure = must_not = ...
# BEGIN SOLUTION
# **Model answer.** The Series below: every section computed from ledger.csv and faces.csv (photos,
# faces found and kept, people, the faces not kept by reason, the URLs skipped by reason, licences),
# consent stated as not asked, the erasure requests honoured, and the uses it must not be put to.
#
# **Rubric (2 points).**
# * 1 point: every section is present and its numbers are computed from the ledger and faces table
#   (not typed), including the faces not kept and why, and the skipped URLs by reason.
# * 1 point: consent and licences are stated honestly (public is not consent; most photos are not
#   licensed for reuse) and the uses it must not be put to are named.
#
# **Common weak answers.**
# * Numbers typed by hand (right today, wrong after the next crawl or erasure): loses the first point.
# * "Consent: the photos were public": loses the second point.
# * Only motivation and composition, nothing on collection, consent or erasure: 0 of 2 points.
motivation = "a course capstone: learn how a face search is built and where it fails; never used on real people"
composition = (f"{counts['photos']} photos, {counts['faces kept']} faces kept of {counts['faces found']} found, "
               f"{counts['people']} people (public figures from LFW, on a sandbox site)")
faces_not_kept = "; ".join(f"{k[:60]}: {v}" for k, v in counts["faces not kept"].items())
collection = ("polite crawl: robots.txt and its delay, Retry-After, no log-in, noindex and opt-outs honoured; "
              + "; ".join(f"{k}: {v}" for k, v in counts["skipped"].items()))
consent = "none asked: public pages are not consent to face search"
licences = "; ".join(f"{k}: {v}" for k, v in counts["licences"].items())
erasure = f"erase(): ledger, files, faces, vectors, both indexes; {counts['erasures']} request(s) honoured; keyed record"
must_not = "identifying anyone, policing, or any decision about a person"
# END SOLUTION
datasheet = pd.Series({"motivation": motivation, "composition": composition, "faces not kept": faces_not_kept,
                       "collection": collection, "consent": consent, "licences": licences, "erasure": erasure,
                       "must not be used for": must_not})
datasheet.to_frame("answer")

# %% [raw]
# # END SOLUTION

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 8 (Defend, written): the memo
#
# Write a memo of about 300 words (250-350) to a police chief who asks: **would you let my force use this
# system? What would it get wrong, for whom, at 3 billion faces?**
#
# One of its paragraphs compares your figures with LFW's: your FMR and FNMR beside those lesson B4 measured
# on LFW View 2 at 0.6 (lesson D1's table `to_cite` gives them, with their pair counts), how many pairs
# and people yours rest on (`results["genuine"]`, `results["impostor"]`, `len(test_people)`), and what
# that does to how sure you can be. The rest uses the course's numbers
# too (B6: false candidates at scale; C: the breach; `to_cite` gathers them, with their sources).
# Your instructor grades it with a rubric (see the lesson's brief): a clear answer, your figures beside
# LFW's, grounded in numbers, the people who bear the errors, what consent and erasure could and could not
# do, and what would have to be true before such a system could be used at all.

# %% [raw]
# # BEGIN QUESTION
# name: q8
# manual: true
# points: 6

# %% [raw]
# # BEGIN SOLUTION

# %% [markdown]
# **Model answer (about 300 words).** No. My system finds the right person first for most probes of the
# people in it, but everything that makes that look good would be gone at 3 billion faces.
#
# My threshold, fitted on half of my people, accepted none of the few hundred impostor pairs of the seven
# people I held out and rejected about one genuine pair in ten. B4 measured LFW View 2 at 0.6 on 3,000
# impostor and 3,000 genuine pairs of thousands of people. Mine rest on a few dozen genuine pairs: one
# more false match would move my FMR by about a third of a point, and an FMR of zero only means "below
# about three in the number of pairs" (the rule of three). My people are not a population either: a handful of
# public figures photographed by the press, and I measured nothing about CCTV probes or how the rates
# differ between groups.
#
# Even an FMR a hundred times smaller than LFW's would return tens of thousands of strangers within the
# threshold for every search of a 3-billion-face gallery (lesson B6), and the person searched for is
# usually not in the gallery at all, so nearly every "match" would be someone innocent, ranked first and
# shown with a photo and a link that look like evidence. NIST measured higher false match rates for some
# demographic groups, and the people most often searched for would carry them. My collection was polite
# (robots.txt, delays, opt-outs, erasure), but no politeness makes a public profile photo consent to a
# police search; opt-out and erasure only work for people who know they are in it. The breach showed that
# the customer list and the searches themselves leak. Before any force used such a tool I would want a law
# naming the crimes it may serve, an independent audit on the population it is used on, candidates never
# treated as an identification, a warrant per search, an open log, and a gallery of lawfully held images.
#
# **Rubric (6 points).** The instructor reads the memo, not only the keywords.
# * 1 point: a clear answer: yes, no or "only if", with the reason in the first lines.
# * 1 point: the comparison paragraph: both of the student's rates beside B4's, with the numbers of pairs
#   and people behind each.
# * 1 point: the right conclusion about uncertainty: few pairs, a wide interval, an FMR of 0 is not 0;
#   and at least one thing not measured that matters for policing (gallery scale, demographic
#   differentials, probe quality).
# * 1 point: grounded in numbers: scales a false match rate to billions (B6), with base rates (most
#   searched people are not in the gallery).
# * 1 point: who is harmed: names who bears false matches (innocent people who look alike, groups with
#   higher error rates, people searched most) and what a false match costs them.
# * 1 point: conditions and limits: what consent, opt-out and erasure can and cannot do at this scale,
#   and at least two concrete conditions (law, audit, threshold, oversight, lawful gallery, security of
#   the logs after the breach).
# A memo over 400 words or without any number loses half a point.
#
# **Common weak answers.**
# * "Yes, it is 99% accurate" (LFW's verification accuracy quoted for 1:N search at 3 billion faces):
#   3 of 6 points at most (the numbers, the uncertainty and the harms are lost).
# * "My FMR is lower than LFW's, so my system is better": 5 of 6 points at most (the uncertainty point is
#   lost: a few hundred pairs of seven people cannot show that).
# * A well-argued "no" with no number of the student's own: 4 of 6 points (the comparison and numbers
#   points are lost).
# * Lists conditions (a warrant, an audit) without saying who bears the errors: 5 of 6 points.

# %% [raw]
# # END SOLUTION

# %% [raw]
# # END QUESTION

