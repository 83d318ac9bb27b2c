"""Two crawlers for the sandbox: a polite, provenance-keeping one, and a careless "Clearview-style" one.

Both are the same machine with different rules, so a lesson can compare them line by line:

=====================  ===========================================  ==========================
rule                   polite (``polite_crawler``)                  careless (``careless_crawler``)
=====================  ===========================================  ==========================
User-Agent             honest, names the course                     pretends to be a browser
robots.txt             parsed with protego, obeyed                  not even read
Crawl-delay            obeyed (and at least ``min_delay``)          none
429 / Retry-After      waits as told, then retries once or twice    hammers again at once
log-in walls           never logs in                                creates an account, logs in
``noindex`` pages      fetched (to read the tag), nothing kept      kept
opt-out registry       read and honoured: those URLs never fetched  ignored
                       (read again when its ``Cache-Control:
                       max-age`` runs out; photos of people who
                       opted out meanwhile deleted at the end)
erasure requests       honoured: erased people are never collected  ignored
limits                 pages, bytes, page size, time, redirects     the same hard limits
=====================  ===========================================  ==========================

Every URL either crawler considers gets a row in its ``Ledger``. Both refuse to crawl anything
but 127.0.0.1: they are teaching tools for the sandbox, not for the web.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import time
from collections import deque
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit

import requests
from bs4 import BeautifulSoup
from protego import Protego

from ..images import ImageError, load_image
from ..paths import local_dir
from .ledger import Ledger

POLITE_UA = "facecourse-polite-crawler/1.0 (teaching crawler; sandbox only)"
CARELESS_UAS = [f"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{v}.0 Safari/537.36"
                for v in range(100, 140)]  # "rotating identities": one browser-like name after another
CARELESS_UA = CARELESS_UAS[0]


def crawls_dir() -> Path:
    """The folder under which the crawlers write collected photos unless given a ``folder``:
    ``crawls`` in the installation's own data folder, ``facecourse.paths.local_dir()`` (``datasets/local``,
    which git ignores; ``FACECOURSE_LOCAL`` moves it, and the grading sandbox points it at the submission's
    private folder). Never the current folder, so a lesson's folder stays clean. Read at call time, so a
    changed ``FACECOURSE_LOCAL`` takes effect for the next crawler.

    Returns a ``Path`` (not created here: a crawl creates its own sub-folder when it starts).

    >>> crawls_dir().relative_to(local_dir()).as_posix()
    'crawls'
    """
    return local_dir() / "crawls"


_CLAIMED: dict[Path, int] = {}  # folders this process holds (path -> open lock file), kept until it exits


def default_folder(kind: str) -> Path:
    """Where a crawler of ``kind`` (``"polite"``, ``"careless"``, ``"crawl"``) writes when given no ``folder``:
    ``crawls_dir() / <folder> / <notebook> / kind``, e.g. ``datasets/local/crawls/lessons/A2_polite_crawler/polite``
    for lesson A2 (Jupyter tells the kernel its notebook in ``JPY_SESSION_NAME``); outside a notebook,
    ``crawls_dir() / <name of the current folder> / kind``. Nothing is written in the current folder itself.

    The folder belongs to this process while it runs (a lock file beside it, released by the system when
    the process ends): a second kernel running the same notebook at the same time gets ``polite-2``,
    so one notebook's erasure never deletes the photos another is reading. The same process always gets
    the same folder back.

    >>> default_folder("polite").name.startswith("polite")
    True
    >>> default_folder("polite") == default_folder("polite")
    True
    """
    notebook = Path(os.environ.get("JPY_SESSION_NAME") or "")
    if notebook.suffix == ".ipynb":
        base = crawls_dir() / (notebook.parent.name or "root") / notebook.stem
    else:
        base = crawls_dir() / (Path.cwd().name or "root")
    for n in range(1, 100):
        folder = base / (kind if n == 1 else f"{kind}-{n}")
        if folder in _CLAIMED:
            return folder
        base.mkdir(parents=True, exist_ok=True)
        fd = os.open(base / f".{folder.name}.lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            continue
        _CLAIMED[folder] = fd
        return folder
    raise RuntimeError(f"99 crawls from this folder are running at once under {base}; stop some, or pass folder=")


@dataclass
class Limits:
    """Hard limits for one crawl; reaching one ends the crawl (``CrawlResult.stopped`` says which) and the
    URLs still queued get a ``"not fetched: crawl stopped"`` ledger row.

    >>> Limits(max_requests=20).max_requests
    20
    """
    max_requests: int = 300
    max_bytes: int = 30_000_000       # everything downloaded, all responses together
    max_page_bytes: int = 2_000_000   # one response; a bigger one is abandoned
    max_seconds: float = 120.0
    max_redirects: int = 5
    max_retries: int = 2              # after a 429
    max_retry_after: float = 30.0     # a longer wait ends the crawl instead


@dataclass
class Rules:
    """What a crawler obeys. The defaults are the polite rules; ``careless_crawler`` switches them off."""
    user_agent: str = POLITE_UA
    obey_robots: bool = True
    min_delay: float = 0.0            # seconds between requests, at least (robots.txt may ask for more)
    honour_retry_after: bool = True
    obey_noindex: bool = True
    obey_optouts: bool = True
    log_in: tuple[str, str] | None = None
    rotate_user_agents: bool = False  # evade rate limits by changing name (what scrapers with proxy pools do)
    retry_pause: float = 0.05         # pause before retrying a 429 when Retry-After is not honoured


@dataclass
class CrawlResult:
    """What ``Crawler.crawl()`` returns: the ``ledger``, the ``folder`` holding the collected photos, the
    numbers of ``requests`` and ``bytes``, the ``seconds`` taken and why it ``stopped`` early (None if it
    did not). ``photos()`` is ``ledger.photos()``; ``summary()`` a dict of the headline numbers."""
    ledger: Ledger
    folder: Path
    requests: int
    bytes: int
    seconds: float
    stopped: str | None = None        # why the crawl ended early, if it did

    def photos(self):
        return self.ledger.photos()

    def summary(self) -> dict:
        """Headline numbers: ``requests``, ``pages kept``, ``photos kept``, ``people``, ``MB downloaded``,
        ``rate-limited (429)`` (ledger rows with status 429, i.e. 429s this crawler received) and
        ``stopped early`` (the reason, or ``"no"``)."""
        t = self.ledger.table()
        return {"requests": self.requests, "pages kept": int(((t["kind"] == "page") & (t["decision"] == "collected")).sum()),
                "photos kept": int(len(self.ledger.photos())), "people": int(self.ledger.photos()["subject"].nunique()),
                "MB downloaded": round(self.bytes / 1e6, 1), "rate-limited (429)": int((t["status"] == "429").sum()),
                "stopped early": self.stopped or "no"}


@dataclass
class _Fetched:
    url: str
    status: int | None
    content_type: str = ""
    body: bytes = b""
    note: str = ""
    headers: dict = field(default_factory=dict)


class Crawler:
    """A breadth-first crawler of one loopback site under ``rules`` and ``limits``.

    It does, with each rule switchable, what lessons A1 and A2 do by hand: read robots.txt with
    ``Protego.parse`` and ask ``can_fetch`` before every URL and redirect; wait ``crawl_delay``
    between requests; honour ``Retry-After``; parse pages with BeautifulSoup for links, photos,
    licence and robots meta tags; read the opt-out registry; and record every decision in a
    ``Ledger``. Use ``polite_crawler`` or ``careless_crawler`` rather than building one directly.

    Parameters: ``start_url`` (str, must be ``http://127.0.0.1...``), ``rules`` (``Rules``),
    ``limits`` (``Limits``), ``ledger`` (an existing ``Ledger`` to continue, e.g. one with erasure
    requests), ``folder`` (where photos are written; default ``default_folder("crawl")``). Raises
    ``TypeError`` if ``start_url`` is not a string and ``ValueError`` if it is not on 127.0.0.1 over http.
    """

    def __init__(self, start_url: str, rules: Rules | None = None, limits: Limits | None = None,
                 ledger: Ledger | None = None, folder: str | Path | None = None):
        if not isinstance(start_url, str):
            raise TypeError(f"start_url must be a string URL, not {type(start_url).__name__}")
        parts = urlsplit(start_url)
        if parts.scheme != "http" or parts.hostname != "127.0.0.1":
            raise ValueError(f"the course crawlers only crawl the sandbox on http://127.0.0.1, not {start_url!r}; "
                             "start one with facecourse.scraping.sandbox.SandboxSite()")
        self.start_url = start_url if parts.path else start_url + "/"
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self.rules = rules or Rules()
        self.limits = limits or Limits()
        self.ledger = ledger if ledger is not None else Ledger()
        self.folder = (Path(folder) if folder is not None else default_folder("crawl")).absolute()
        self.session = requests.Session()
        self.session.headers["User-Agent"] = self.rules.user_agent
        self.robots: Protego | None = None
        self.delay = self.rules.min_delay
        self.optouts: set[str] = set()
        self._registries: set[str] = set()
        self._registry_expires: dict[str, float] = {}  # registry URL -> when its Cache-Control max-age runs out
        self._requests = self._bytes = 0
        self._last_request = 0.0
        self._t0 = 0.0
        self._identity = 0

    # --- limits and pacing
    def _over_limit(self) -> str | None:
        lim = self.limits
        if self._requests >= lim.max_requests:
            return f"limit: {lim.max_requests} requests"
        if self._bytes >= lim.max_bytes:
            return f"limit: {lim.max_bytes:,} bytes"
        if time.monotonic() - self._t0 >= lim.max_seconds:
            return f"limit: {lim.max_seconds:g} s"
        return None

    def _wait_turn(self) -> None:
        wait = self._last_request + self.delay - time.monotonic()
        if wait > 0:
            time.sleep(wait)

    def _request(self, method: str, url: str, **kw) -> _Fetched:
        """One HTTP request, no redirects followed, body read up to the page limit."""
        self._wait_turn()
        self._requests += 1
        self._last_request = time.monotonic()
        try:
            r = self.session.request(method, url, stream=True, allow_redirects=False, timeout=10, **kw)
        except requests.RequestException as exc:
            self._last_request = time.monotonic()
            return _Fetched(url, None, note=f"request failed: {type(exc).__name__}")
        body, note = bytearray(), ""
        try:
            for chunk in r.iter_content(65536):
                body += chunk
                if len(body) > self.limits.max_page_bytes:
                    note = f"abandoned: larger than {self.limits.max_page_bytes:,} bytes"
                    break
        except requests.RequestException as exc:
            note = f"body not read: {type(exc).__name__}"
        finally:
            r.close()
            # the delay counts from the end of this exchange, not its start: then the next request reaches
            # the site at least the delay after this one did, however long a busy machine held either
            self._last_request = time.monotonic()
        self._bytes += len(body)
        return _Fetched(url, r.status_code, r.headers.get("Content-Type", ""), bytes(body), note, dict(r.headers))

    def _allowed(self, url: str) -> bool:
        return self.robots is None or self.robots.can_fetch(url, self.rules.user_agent)

    def fetch(self, url: str) -> _Fetched:
        """GET with redirects (each hop checked against robots.txt) and 429 handling."""
        seen = [url]
        retries = 0
        while True:
            got = self._request("GET", url)
            got.url = url
            if got.status == 429 and retries < self.limits.max_retries:
                retries += 1
                self.ledger.record(url, "rate-limited: will retry", kind="attempt", status="429",
                                   note=f"Retry-After: {got.headers.get('Retry-After', '-')}")
                if self.rules.rotate_user_agents:
                    self._identity = (self._identity + 1) % len(CARELESS_UAS)
                    self.session.headers["User-Agent"] = CARELESS_UAS[self._identity]
                if self.rules.honour_retry_after:
                    wait = retry_after_seconds(got.headers, default=max(1.0, self.delay))
                    if wait > self.limits.max_retry_after:
                        got.note = f"asked to wait {wait:g} s: more than the crawl allows"
                        return got
                    time.sleep(wait)
                else:
                    time.sleep(self.rules.retry_pause)
                continue
            if got.status in (301, 302, 303, 307, 308) and "Location" in got.headers:
                nxt = urldefrag(urljoin(url, got.headers["Location"]))[0]
                if nxt in seen:
                    got.note = f"redirect loop after {len(seen)} hops"
                    return got
                if len(seen) > self.limits.max_redirects:
                    got.note = f"more than {self.limits.max_redirects} redirects"
                    return got
                if not nxt.startswith(self.origin + "/") or not self._allowed(nxt):
                    got.note = f"redirect to {nxt} not followed (other site or disallowed)"
                    return got
                self.ledger.record(url, "redirected", kind="attempt", status=str(got.status), note=f"to {nxt}")
                seen.append(nxt)
                url = nxt
                continue
            return got

    # --- the crawl
    def crawl(self) -> CrawlResult:
        """Run the crawl from ``start_url`` until the queue is empty or a limit is reached; returns a
        ``CrawlResult``. Never raises for what a site does (errors, traps, huge pages): those become
        ledger rows."""
        self._t0 = time.monotonic()
        self.folder.mkdir(parents=True, exist_ok=True)
        stopped = None
        if self.rules.obey_robots:
            robots_url = self.origin + "/robots.txt"
            got = self._request("GET", robots_url)
            if got.status == 200:
                self.robots = Protego.parse(got.body.decode("utf-8", "replace"))
                self.delay = max(self.rules.min_delay, self.robots.crawl_delay(self.rules.user_agent) or 0)
                self.ledger.record(robots_url, "read", kind="robots", status=str(got.status),
                                   sha256=_sha(got.body), bytes=len(got.body), note=f"crawl delay {self.delay:g} s")
            elif got.status is None or got.status >= 500:
                self.ledger.record(robots_url, "stopped: robots.txt unavailable", kind="robots",
                                   status=str(got.status), note="a polite crawler does not guess: it stops")
                return self._result("robots.txt unavailable")
            else:  # 4xx: no robots.txt, everything allowed
                self.ledger.record(robots_url, "absent: everything allowed", kind="robots", status=str(got.status))
        if self.rules.log_in:
            user, password = self.rules.log_in
            got = self._request("POST", self.origin + "/login", data={"user": user, "password": password})
            self.ledger.record(self.origin + "/login", "logged in" if got.status in (200, 303) else "log-in failed",
                               kind="login", status=str(got.status), note="created an account on the site")

        frontier: deque[tuple[str, str | None, str, dict]] = deque([(self.start_url, None, "page", {})])
        queued = {self.start_url, self.origin + "/robots.txt"}
        while frontier:
            if self.rules.obey_optouts:
                self._refresh_optouts()
            stopped = self._over_limit()
            if stopped:
                for url, ref, kind, meta in frontier:
                    self.ledger.record(url, "not fetched: crawl stopped", kind=kind, referrer=ref, note=stopped,
                                       subject=meta.get("subject"))
                break
            url, referrer, kind, meta = frontier.popleft()
            subject = meta.get("subject")
            path = urlsplit(url).path
            if self.rules.obey_robots and not self._allowed(url):
                self.ledger.record(url, "skipped: disallowed by robots.txt", kind=kind, robots="disallowed",
                                   referrer=referrer, subject=subject)
                continue
            if self.rules.obey_optouts and path in self.optouts:
                self.ledger.record(url, "skipped: opted out", kind=kind, robots="allowed", referrer=referrer,
                                   note="listed in the site's opt-out registry")
                continue
            if self.rules.obey_optouts and self.ledger.is_erased(subject):
                self.ledger.record_withheld(url, "skipped: erasure request", kind=kind)
                continue
            got = self.fetch(url)
            url = got.url  # after redirects
            robots = "allowed" if self.rules.obey_robots else "not checked"
            base = dict(kind=kind, status=str(got.status), robots=robots, referrer=referrer,
                        content_type=got.content_type, bytes=len(got.body), sha256=_sha(got.body) if got.body else None)
            if got.status != 200 or got.note:
                why = got.note or {401: "login required", 403: "forbidden", 404: "not found",
                                   429: "rate-limited: gave up"}.get(got.status, f"HTTP {got.status}")
                self.ledger.record(url, f"not collected: {why}", subject=subject, **base)
                continue
            if kind == "photo":
                self._photo(url, got, meta, base)
            elif got.content_type.startswith("text/html"):
                for link in self._page(url, got, base):
                    if link[0] not in queued and not (self.rules.obey_optouts and link[0] in self._registries):
                        queued.add(link[0])
                        frontier.append(link)
            else:
                self.ledger.record(url, "not collected: not a page", **base)
        if self.rules.obey_optouts and self._registry_expires and not stopped:
            self._refresh_optouts(force=True)
            self._drop_late_optouts()
        return self._result(stopped)

    def _result(self, stopped) -> CrawlResult:
        return CrawlResult(self.ledger, self.folder, self._requests, self._bytes, time.monotonic() - self._t0, stopped)

    def _page(self, url: str, got: _Fetched, base: dict) -> list[tuple[str, str, str, dict]]:
        soup = BeautifulSoup(got.body, "html.parser")
        robots_meta = " ".join(m.get("content", "") for m in soup.find_all("meta", attrs={"name": "robots"})).lower()
        noindex = "noindex" in robots_meta and self.rules.obey_noindex
        nofollow = "nofollow" in robots_meta and self.rules.obey_noindex
        noimage = ("noimageindex" in robots_meta or "noindex" in robots_meta) and self.rules.obey_noindex
        licence_tag = soup.find("meta", attrs={"name": "license"})
        licence = licence_tag.get("content") if licence_tag else None
        article = soup.find(attrs={"data-subject": True})
        subject = article["data-subject"] if article else None
        if self.rules.obey_optouts:
            for link in soup.find_all("link", rel="opt-out-registry"):
                self._load_optouts(urljoin(url, link.get("href", "")))
        if self.rules.obey_optouts and self.ledger.is_erased(subject):
            self.ledger.record_withheld(url, "not kept: erasure request", **base)
            return []
        self.ledger.record(url, "not kept: noindex" if noindex else "collected", subject=subject, licence=licence,
                           consent="not asked (public page)" if subject else None, **base)
        found = []
        if subject and not noimage:
            for img in soup.find_all("img", class_="photo"):
                src = urldefrag(urljoin(url, img.get("src", "")))[0]
                if src.startswith(self.origin + "/"):
                    found.append((src, url, "photo", {"subject": subject, "licence": licence}))
        if not nofollow:
            for a in soup.find_all("a", href=True):
                if "nofollow" in (a.get("rel") or []) and self.rules.obey_noindex:
                    continue
                href = urldefrag(urljoin(url, a["href"]))[0]
                if href.startswith(self.origin + "/"):
                    found.append((href, url, "page", {}))
        return found

    def _load_optouts(self, registry_url: str, again: bool = False) -> None:
        if not registry_url.startswith(self.origin + "/") or (registry_url in self._registries and not again):
            return
        self._registries.add(registry_url)
        got = self.fetch(registry_url)
        try:
            paths = json.loads(got.body.decode("utf-8"))["paths"] if got.status == 200 else []
            self.optouts.update(str(p) for p in paths)  # an opt-out, once seen, stays honoured
            decision = f"read{' again' if again else ''}: {len(paths)} opted-out URLs"
        except (ValueError, KeyError, TypeError):
            decision = "unreadable opt-out registry"
        age = re.search(r"max-age=(\d+)", got.headers.get("Cache-Control", ""))
        if age:  # people may opt out at any time: the registry says how long a copy of it may be used
            self._registry_expires[registry_url] = time.monotonic() + int(age.group(1))
        self.ledger.record(registry_url, decision, kind="opt-out registry", status=str(got.status),
                           sha256=_sha(got.body), bytes=len(got.body),
                           note=f"Cache-Control: max-age={age.group(1)}" if age else None)

    def _refresh_optouts(self, force: bool = False) -> None:
        """Read again every opt-out registry whose copy is older than its ``Cache-Control: max-age``."""
        for url, expires in list(self._registry_expires.items()):
            if force or time.monotonic() >= expires:
                self._load_optouts(url, again=True)

    def _drop_late_optouts(self) -> None:
        """Honour opt-outs made while the crawl ran: the photos already collected of anyone the registry
        lists now are deleted, with their ledger rows (``Ledger.erase``, which also keeps a keyed record so
        a later crawl does not collect them again)."""
        late = {r["subject"] for r in self.ledger.table().to_dict("records")
                if r["decision"] == "collected" and r["subject"] and urlsplit(r["url"]).path in self.optouts}
        for subject in sorted(late):
            removed = self.ledger.erase(subject)
            self.ledger.record_withheld("", "deleted: opted out during the crawl", kind="photo",
                                        note=f"{removed} ledger row(s) and their files removed")

    def _photo(self, url: str, got: _Fetched, meta: dict, base: dict) -> None:
        try:
            img = load_image(got.body)
        except ImageError as exc:
            self.ledger.record(url, "rejected: not an image", subject=meta.get("subject"), note=str(exc)[:120], **base)
            return
        digest = base["sha256"]
        path = self.folder / f"{digest[:24]}.jpg"
        part = path.with_name(f".{path.name}.{os.getpid()}.part")  # write, then rename: a reader never
        part.write_bytes(got.body)                                   # sees a half-written photo
        os.replace(part, path)
        self.ledger.record(url, "collected", subject=meta.get("subject"), licence=meta.get("licence"),
                           consent="not asked (public page)", file=str(path),
                           note=f"{img.shape[1]}x{img.shape[0]} px", **base)


def _sha(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def retry_after_seconds(headers, default: float = 1.0) -> float:
    """Seconds to wait from a ``Retry-After`` header: a number of seconds or an HTTP date.

    Parameters: ``headers`` (a mapping such as ``response.headers``, or None); ``default`` (float),
    returned when the header is absent or unreadable: then the wait is the crawler's own choice, not
    the server's answer. A date is measured against the current clock and never gives a negative wait.
    Returns a float. Raises nothing.

    >>> retry_after_seconds({"Retry-After": "5"})
    5.0
    >>> retry_after_seconds({}, default=2.0)
    2.0
    >>> retry_after_seconds({"Retry-After": "Thu, 01 Jan 1970 00:00:00 GMT"})
    0.0
    """
    value = (headers or {}).get("Retry-After")
    if value is None:
        return default
    value = str(value).strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
        return max(0.0, when.timestamp() - time.time())
    except (TypeError, ValueError):
        return default


def polite_crawler(start_url: str, limits: Limits | None = None, ledger: Ledger | None = None,
                   folder: str | Path | None = None, min_delay: float = 0.0) -> Crawler:
    """A crawler with the polite rules: honest ``POLITE_UA``, robots.txt and its crawl delay obeyed (and at
    least ``min_delay``), ``Retry-After`` honoured, never logs in, nothing kept from ``noindex`` pages,
    opt-outs and erasure requests in ``ledger`` honoured. Photos go to ``folder`` (default
    ``default_folder("polite")``, e.g. ``datasets/local/crawls/lessons/polite``; never the current folder).
    Call ``.crawl()`` on it; its ``folder`` attribute and the result's say where the photos went.

    Raises ``ValueError`` unless ``start_url`` is the sandbox on http://127.0.0.1.

    >>> with sandbox.SandboxSite() as site:                                # doctest: +SKIP
    ...     result = polite_crawler(site.url, limits=Limits(max_requests=20)).crawl()
    >>> result.stopped                                                      # doctest: +SKIP
    'limit: 20 requests'
    """
    return Crawler(start_url, Rules(min_delay=min_delay), limits, ledger, folder or default_folder("polite"))


def careless_crawler(start_url: str, limits: Limits | None = None, folder: str | Path | None = None) -> Crawler:
    """The same machine with the rules off ("Clearview-style"): a browser-like User-Agent that changes after
    each 429, robots.txt never read, logs in with a made-up account, keeps ``noindex`` pages, ignores
    opt-outs, no delay. Still bound by hard limits and to 127.0.0.1 (``ValueError`` otherwise).
    Photos go to ``folder`` (default ``default_folder("careless")``, e.g.
    ``datasets/local/crawls/lessons/careless``). Call ``.crawl()`` on it."""
    from .sandbox import LOGIN

    rules = Rules(user_agent=CARELESS_UA, obey_robots=False, honour_retry_after=False, obey_noindex=False,
                  obey_optouts=False, log_in=LOGIN, rotate_user_agents=True)
    limits = limits or Limits(max_page_bytes=60_000_000, max_bytes=200_000_000, max_retries=40)
    return Crawler(start_url, rules, limits, None, folder or default_folder("careless"))
