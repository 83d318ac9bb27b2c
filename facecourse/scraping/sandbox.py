"""The sandbox site: a small, deterministic "social network" served on 127.0.0.1 for Track A.

Nothing in Track A touches a real website. The sandbox imitates what a scraper meets on one:

* profile pages of people with photos (names and photos of public figures from the LFW teaching
  subset, clearly marked as a demonstration), a paginated directory, a terms-of-service page;
* ``robots.txt`` that disallows some paths, sets a crawl delay, and bans one named bot outright;
* privacy settings per profile: ``public``, ``login`` (members only, behind a log-in),
  ``noindex`` (the person asked search engines not to index the page) and ``opted-out`` (the
  person asked that their photos never be collected; the site publishes an opt-out registry);
* rate limiting: too many requests in a second get ``429 Too Many Requests`` with ``Retry-After``,
  and one directory page is "busy" for a second after it is first asked for;
* hostile cases: a redirect loop, a huge page, a "photo" that is not an image, malformed HTML;
* an access log the lessons inspect: who asked for what, and what they got.

Other sites for the capstone (lesson D1) come from the same class with a ``SiteConfig``:
``capstone_site("A")`` is the site students crawl, ``capstone_site("B")`` another with other people
and settings (the graders' site; graders draw its crawl delay and other rules afresh each run, so a
crawler must read them). They add what a real collection meets: photos turned by an
EXIF tag, very large photos, photos of two people, a photo that is not an image, a person who opts
out while a crawl runs (the registry says how long a copy of it may be used: ``Cache-Control:
max-age``), wildcard rules in robots.txt, ``Retry-After`` as an HTTP date, and erasure requests
announced at ``/privacy/erasure-requests.json``. Their ``events()`` say when each opt-out and
erasure request happened, so a grader can judge a crawl from the site's own log.

    >>> with SandboxSite() as site:                      # doctest: +SKIP
    ...     people = site.profiles()           # the people on the site and their settings
    ...     log = site.access_log()            # every request, as a DataFrame
    >>> len(people), list(log.columns[:3])                # doctest: +SKIP
    (24, ['seq', 'time', 'user_agent'])
"""

from __future__ import annotations

import html
import io
import math
import os
import random
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from email.utils import formatdate, parsedate_to_datetime
from functools import lru_cache
from pathlib import Path

import pandas as pd

from .. import data
from ..webserver import LoopbackServer, Request, Response, ServedApp

SITE_NAME = "Friendbook, a sandbox social network"
PER_PAGE = 8
CRAWL_DELAY = 0.1        # seconds, announced in robots.txt (real sites ask for more; the lessons must be quick)
RATE_WINDOW = 1.0        # seconds
RATE_LIMIT = 15          # requests per window and visitor before 429
RETRY_AFTER = 1          # seconds, sent with 429
HUGE_PAGE_BYTES = 50_000_000
LOGIN = ("member", "member-pass")  # the careless crawler "creates an account"; the polite one never logs in
BANNED_BOT = "ClearviewStyleBot"
LICENCES = ["CC BY 4.0", "all rights reserved", "CC BY-NC 4.0", "all rights reserved"]
DEMO_NOTE = ("Demonstration profile. Name and photos of a public figure from Labeled Faces in the Wild, "
             "a research dataset of news photographs; this is not this person's page.")


@dataclass(frozen=True)
class Photo:
    """How the site makes one photo from LFW images (the capstone sites' photos; the first site serves LFW
    files as they are, given as plain paths).

    ``kind`` is ``"plain"`` (the LFW file itself), ``"exif-rotated"`` (the pixels stored turned, with an
    EXIF ``Orientation`` tag, ``orientation`` 3, 6 or 8, saying how to turn them upright, as phones do),
    ``"large"`` (enlarged to ``LARGE_SIDE`` pixels square), ``"with-other"`` (the subject beside another
    person, ``other``, whose photo is enlarged by a quarter, on the ``side`` the subject is NOT on) or
    ``"broken"`` (HTML served as a JPEG).

    >>> Photo("images/A/A_0001.jpg", "exif-rotated", orientation=6).kind
    'exif-rotated'
    """
    lfw: str
    kind: str = "plain"
    other: str | None = None      # with-other: the other person's LFW path
    side: str = "left"            # with-other: where the subject stands
    orientation: int = 6          # exif-rotated: the EXIF Orientation tag (3, 6 or 8)

    def __post_init__(self):
        if self.kind not in PHOTO_KINDS:
            raise ValueError(f"kind must be one of {PHOTO_KINDS}, not {self.kind!r}")
        if self.kind == "with-other" and (not self.other or self.side not in ("left", "right")):
            raise ValueError("a 'with-other' photo needs other=<LFW path> and side='left' or 'right'")
        if self.kind == "exif-rotated" and self.orientation not in _UPRIGHT_TO_STORED:
            raise ValueError(f"orientation must be one of {sorted(_UPRIGHT_TO_STORED)}, not {self.orientation!r}")

    def lfw_paths(self) -> list[str]:
        return [self.lfw] + ([self.other] if self.other else [])


PHOTO_KINDS = ("plain", "exif-rotated", "large", "with-other", "broken")
LARGE_SIDE = 3000         # pixels: a phone photo's size, twenty times an LFW image
# EXIF Orientation -> how the site turns the upright picture before storing it (PIL's transpose);
# ImageOps.exif_transpose applies the inverse and gets the upright picture back
_UPRIGHT_TO_STORED = {3: "ROTATE_180", 6: "ROTATE_90", 8: "ROTATE_270"}


@lru_cache(maxsize=64)
def render_photo(photo: Photo | str) -> bytes:
    """The bytes the site serves for one photo: an LFW file as it is, or a ``Photo`` made from LFW images
    (JPEG, deterministic). Raises the data module's ``MissingDataError`` if an LFW image is not fetched.

    >>> render_photo(Photo(lfw, "large"))[:2]                       # doctest: +SKIP
    b'\xff\xd8'
    """
    from PIL import Image

    if isinstance(photo, str) or photo.kind == "plain":
        return Path(data.require("lfw", photo if isinstance(photo, str) else photo.lfw)).read_bytes()
    if photo.kind == "broken":
        return b"<html><body>This photo was removed.</body></html>"
    img = Image.open(data.require("lfw", photo.lfw)).convert("RGB")
    extra = {}
    if photo.kind == "exif-rotated":
        img = img.transpose(getattr(Image.Transpose, _UPRIGHT_TO_STORED[photo.orientation]))
        exif = Image.Exif()
        exif[0x0112] = photo.orientation  # Orientation
        extra["exif"] = exif.tobytes()
    elif photo.kind == "large":
        img = img.resize((LARGE_SIDE, LARGE_SIDE), Image.Resampling.BICUBIC)
    elif photo.kind == "with-other":
        other = Image.open(data.require("lfw", photo.other)).convert("RGB")
        other = other.resize((other.width * 5 // 4, other.height * 5 // 4), Image.Resampling.BICUBIC)
        canvas = Image.new("RGB", (img.width + other.width, max(img.height, other.height)), (236, 236, 236))
        left, right = (img, other) if photo.side == "left" else (other, img)
        canvas.paste(left, (0, (canvas.height - left.height) // 2))
        canvas.paste(right, (left.width, (canvas.height - right.height) // 2))
        img = canvas
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=92, **extra)
    return buf.getvalue()


@dataclass(frozen=True)
class SiteConfig:
    """A sandbox site's name and rules. The defaults are the first site's (lessons A1-A4); ``capstone_site``
    makes the others.

    ``crawl_delay`` (seconds, announced in robots.txt); ``disallow`` (robots.txt paths for every agent,
    wildcards allowed); ``retry_after`` (seconds a busy page asks to wait) sent as a number or, with
    ``retry_after_date``, as an HTTP date; ``busy_page`` (the directory page that is busy after its first
    request); ``registry_max_age`` (seconds, sent as ``Cache-Control: max-age`` with the opt-out registry:
    how long a copy of it may be used); ``midway_optout`` (``(slug, n)``: that person opts out once the site
    has answered ``n`` requests); ``erasure_slug`` (whose erasure request ``announce_erasure()`` announces);
    ``hostile_pages`` (the ``/lab/`` test pages); ``tagged_pages`` (``/people/<slug>/tagged`` links, which
    robots.txt disallows); ``archive`` (a disallowed ``/archive/`` linked from the home page).

    >>> SiteConfig().crawl_delay == CRAWL_DELAY
    True
    """
    name: str = SITE_NAME
    crawl_delay: float = CRAWL_DELAY
    disallow: tuple[str, ...] = ("/members/", "/login", "/search")
    retry_after: int = RETRY_AFTER
    retry_after_date: bool = False
    busy_page: int = 2
    registry_max_age: int | None = None
    midway_optout: tuple[str, int] | None = None
    erasure_slug: str | None = None
    hostile_pages: bool = True
    tagged_pages: bool = False
    archive: bool = False


@dataclass(frozen=True)
class Profile:
    slug: str
    name: str
    setting: str          # public | login | noindex | opted-out
    licence: str
    photos: tuple[str | Photo, ...]  # LFW relative paths, or photos made from them

    @property
    def path(self) -> str:
        return f"/members/{self.slug}" if self.setting == "login" else f"/people/{self.slug}"

    def photo_path(self, i: int) -> str:
        return f"/photos/{self.slug}/{i + 1}.jpg"


def default_profiles() -> list[Profile]:
    """24 people from the LFW teaching subset: 12 with three photos, 12 with one. Settings are fixed,
    so every run of every lesson sees the same site."""
    paths = [e.path for e in data.select("lfw", "teaching") if e.path.startswith("images/")]
    by_person: dict[str, list[str]] = defaultdict(list)
    for p in sorted(paths):
        by_person[p.split("/")[1]].append(p)
    many = sorted(n for n, ps in by_person.items() if len(ps) >= 3)[:12]
    single = sorted(n for n, ps in by_person.items() if len(ps) == 1)[:12]
    settings = {0: "login", 5: "noindex", 9: "opted-out", 13: "login", 17: "noindex", 21: "opted-out"}
    profiles = []
    for i, person in enumerate(sorted(many + single)):
        photos = tuple(by_person[person][:3])
        profiles.append(Profile(slug=person.lower().replace("_", "-"), name=person.replace("_", " "),
                                setting=settings.get(i, "public"), licence=LICENCES[i % len(LICENCES)],
                                photos=photos))
    return profiles


def _page(title: str, body: str, head: str = "", site_name: str = SITE_NAME) -> str:
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"{head}</head><body><header><a href='/'>{site_name}</a> | <a href='/directory?page=1'>people</a> | "
            f"<a href='/terms'>terms</a> | <a href='/privacy'>privacy</a></header><main>{body}</main></body></html>")


class SandboxSite(ServedApp):
    """The sandbox social network; serve it with ``with SandboxSite() as site:`` (127.0.0.1, a free port),
    or ``site = SandboxSite().start()`` ... ``site.stop()``.

    ``site.url`` is its address. The lessons inspect it with ``profiles()`` (who is on it, with which
    privacy setting), ``robots_txt()``, ``opted_out_paths()`` and ``access_log()`` (every request as a
    DataFrame; ``clear_log()`` empties it). ``start()`` raises the data module's error if the LFW
    teaching photos are not fetched (``python3 course.py data``). ``config`` (a ``SiteConfig``) gives
    another site its rules; ``capstone_site()`` makes the capstone's sites.

    >>> with SandboxSite() as site:                                        # doctest: +SKIP
    ...     requests.get(site.url + "/robots.txt").status_code
    200
    """

    def __init__(self, profiles: list[Profile] | None = None, config: SiteConfig | None = None):
        self.config = config or SiteConfig()
        self._profiles = list(profiles) if profiles is not None else default_profiles()
        self._by_slug = {p.slug: p for p in self._profiles}
        if self.config.midway_optout and self.config.midway_optout[0] not in self._by_slug:
            raise ValueError(f"midway_optout names {self.config.midway_optout[0]!r}, who is not on the site")
        if self.config.erasure_slug and self.config.erasure_slug not in self._by_slug:
            raise ValueError(f"erasure_slug names {self.config.erasure_slug!r}, who is not on the site")
        self._log: list[dict] = []
        self._lock = threading.Lock()
        self._recent: dict[str, deque] = defaultdict(deque)
        self._busy_until: float | None = None
        self._sessions: set[str] = set()
        self._served = 0                  # requests answered since the start (or clear_log)
        self._late_optouts: set[str] = set()
        self._erasures: list[dict] = []
        self._events: list[dict] = []
        self._retry_at: dict[int, float] = {}   # seq of a 429 -> the time its Retry-After names
        self._server = LoopbackServer(self._app)

    # --- lifecycle
    def start(self) -> "SandboxSite":
        for p in self._profiles:  # fail early, with the data module's clear message, if photos are missing
            for photo in p.photos:
                for rel in ([photo] if isinstance(photo, str) else photo.lfw_paths()):
                    data.require("lfw", rel)
        if not self._server.running and os.environ.get("FACECOURSE_SITE_PORTS"):
            from ..grading import sites

            port = sites.next_bridged_port()
        else:
            port = None
        if port is not None:
            # a grading kernel: the site is the grader's copy, on the same address (grading/sites.py)
            self._server = sites.BridgedServer(port)
            return self
        return super().start()

    def _bridged(self, what: str | None = None, **params):
        """In a grading kernel, read the grader's log and events (or send it ``what`` the notebook asks);
        False on an ordinary site, which keeps its own."""
        if not hasattr(self._server, "control"):
            return False
        if what is not None:
            return self._server.control(what, **params)
        from ..grading import sites

        sites.pull_state(self)
        return True

    # --- what the lessons inspect
    def profiles(self) -> pd.DataFrame:
        """One row per person: ``slug``, ``name``, ``setting`` (public, login, noindex, opted-out), ``licence``,
        number of ``photos`` and the profile ``page`` path."""
        return pd.DataFrame([{"slug": p.slug, "name": p.name, "setting": p.setting, "licence": p.licence,
                              "photos": len(p.photos), "page": p.path} for p in self._profiles])

    def opted_out_paths(self) -> set[str]:
        """The paths (profile pages and photos) of people who opted out, as the site's registry lists them now
        (with anyone who opted out while the site was running)."""
        self._bridged()
        return {path for p in self._profiles if p.setting == "opted-out" or p.slug in self._late_optouts
                for path in [p.path] + [p.photo_path(i) for i in range(len(p.photos))]}

    def access_log(self) -> pd.DataFrame:
        """Every request so far, in order: ``seq``, ``time`` (Unix seconds, when the request arrived),
        ``user_agent``, ``method``, ``path`` (with its query string), ``status`` (int) and ``bytes``."""
        self._bridged()
        with self._lock:
            rows = list(self._log)
        return pd.DataFrame(rows, columns=["seq", "time", "user_agent", "method", "path", "status", "bytes"])

    def clear_log(self) -> None:
        """Empty the access log and reset the rate limiter, the busy page and the request count (to compare
        crawls one by one). Opt-outs and erasure requests already made stay made."""
        if self._bridged("clear-log") is not False:
            return
        with self._lock:
            self._log.clear()
            self._retry_at.clear()
            self._recent.clear()
            self._busy_until = None
            self._served = 0

    def photo_table(self) -> pd.DataFrame:
        """One row per photo the site shows: ``slug``, ``name``, ``setting``, ``path`` (its URL path), ``kind``
        (plain, exif-rotated, large, with-other, broken), ``lfw`` (the subject's LFW image), ``other`` (the
        other person in a with-other photo) and ``side`` (where the subject stands in it)."""
        rows = []
        for p in self._profiles:
            for i, photo in enumerate(p.photos):
                spec = Photo(photo) if isinstance(photo, str) else photo
                rows.append({"slug": p.slug, "name": p.name, "setting": p.setting, "path": p.photo_path(i),
                             "kind": spec.kind, "lfw": spec.lfw, "other": spec.other,
                             "side": spec.side if spec.kind == "with-other" else None})
        return pd.DataFrame(rows, columns=["slug", "name", "setting", "path", "kind", "lfw", "other", "side"])

    def photo_bytes(self, path: str) -> bytes:
        """The bytes the site serves (to someone allowed to see them) for a photo's URL path, e.g.
        ``"/photos/jack-straw/2.jpg"``; graders compare files with them. Raises ``KeyError`` for a path that is
        not one of the site's photos."""
        parts = str(path).split("?")[0].strip("/").split("/")
        p = self._by_slug.get(parts[1]) if len(parts) == 3 and parts[0] == "photos" else None
        i = int(parts[2].removesuffix(".jpg")) - 1 if p and parts[2].removesuffix(".jpg").isdigit() else -1
        if p is None or not 0 <= i < len(p.photos):
            raise KeyError(f"{path!r} is not a photo of this site")
        return render_photo(p.photos[i])

    def held_out_photos(self) -> pd.DataFrame:
        """LFW photos of the site's people that the site does NOT show: probes for a search of a collection made
        from the site. One row each: ``slug``, ``name``, ``setting`` and ``file`` (the path of the image in the
        data cache)."""
        teaching: dict[str, list[str]] = defaultdict(list)
        for e in data.select("lfw", "teaching"):
            if e.path.startswith("images/"):
                teaching[e.path.split("/")[1]].append(e.path)
        rows = []
        for p in self._profiles:
            shown = {photo if isinstance(photo, str) else photo.lfw for photo in p.photos}
            for rel in sorted(teaching.get(p.name.replace(" ", "_"), [])):
                if rel not in shown:
                    rows.append({"slug": p.slug, "name": p.name, "setting": p.setting,
                                 "file": str(data.require("lfw", rel))})
        return pd.DataFrame(rows, columns=["slug", "name", "setting", "file"])

    def opt_out(self, slug: str) -> None:
        """``slug`` opts out now: the registry lists their page and photos from this moment (an event is
        recorded). Raises ``KeyError`` for someone not on the site."""
        if slug not in self._by_slug:
            raise KeyError(f"{slug!r} is not on this site")
        if self._bridged("opt-out", slug=slug) is not False:
            return
        with self._lock:
            self._opt_out_locked(slug, self._served)

    def _opt_out_locked(self, slug: str, answered: int) -> None:
        if slug not in self._late_optouts and self._by_slug[slug].setting != "opted-out":
            self._late_optouts.add(slug)
            self._events.append({"time": time.time(), "after_request": answered, "event": "opted out",
                                 "slug": slug, "name": self._by_slug[slug].name})

    def announce_erasure(self, slug: str | None = None) -> dict:
        """An erasure request arrives: the person (``slug``, default the configuration's ``erasure_slug``) asks
        that everything collected about them be deleted. ``/privacy/erasure-requests.json`` lists it from now
        on. Returns the request (a dict: ``id``, ``name``, ``page``, ``received``)."""
        slug = slug or self.config.erasure_slug
        if slug not in self._by_slug:
            raise KeyError(f"{slug!r} is not on this site" if slug else "no erasure_slug in this site's config")
        p = self._by_slug[slug]
        if (bridged := self._bridged("announce-erasure", slug=slug)) is not False:
            return bridged
        with self._lock:
            for r in self._erasures:
                if r["page"] == p.path:
                    return dict(r)
            now = time.time()
            request = {"id": f"ER-{len(self._erasures) + 1:04d}", "name": p.name, "page": p.path,
                       "received": pd.Timestamp(now, unit="s", tz="UTC").isoformat(timespec="seconds")}
            self._erasures.append(request)
            self._events.append({"time": now, "after_request": self._served, "event": "erasure request",
                                 "slug": slug, "name": p.name})
        return dict(request)

    def events(self) -> pd.DataFrame:
        """What happened on the site besides requests: ``time``, ``after_request`` (the number of requests
        answered by then), ``event`` ("opted out", "erasure request"), ``slug`` and ``name``."""
        self._bridged()
        with self._lock:
            rows = list(self._events)
        return pd.DataFrame(rows, columns=["time", "after_request", "event", "slug", "name"])

    #: what ``audit`` reports, and why each is a fault
    AUDIT_RULES = {
        "disallowed": "a path robots.txt disallows for this user agent",
        "log-in": "the log-in page: a polite crawler never creates an account or logs in",
        "opted out": "a page or photo of someone listed in the opt-out registry at the time (for a person who "
                     "opted out during the crawl: from the moment the registry said so, plus its max-age and a "
                     "second of grace)",
        "noindex": "a photo on a page whose robots meta tag says noindex / noimageindex",
        "erased": "a photo of someone whose erasure request had been announced",
        "too soon": "less than three quarters of the crawl delay after this user agent's previous request",
        "ignored Retry-After": "a request sent before the time the previous 429's Retry-After named",
        "fetched again": "a photo answered 200 that had already been answered 200 to this user agent",
    }

    def audit(self, user_agent: str) -> pd.DataFrame:
        """The site's own judgement of one visitor, from its access log: every request by ``user_agent`` that
        broke a rule (``AUDIT_RULES``), one row each: ``seq``, ``time``, ``path``, ``rule`` and ``detail``.

        It reads only what the site itself recorded (the log, its robots.txt, its opt-out and erasure
        events, the 429s it sent), so no report a crawler writes can change it. ``too soon`` compares arrival
        times, which a busy machine can squeeze: judge it as a share of requests, not one by one.

        >>> with capstone_site("A") as site:                        # doctest: +SKIP
        ...     _ = requests.get(site.url + "/members/x", headers={"User-Agent": "me"})
        ...     site.audit("me")["rule"].tolist()
        ['disallowed']
        """
        from protego import Protego

        log = self.access_log()
        log = log[log["user_agent"] == user_agent].reset_index(drop=True)
        robots = Protego.parse(self.robots_txt())
        events = self.events()
        age = (self.config.registry_max_age or 0) + 1.0
        opted_since = {p.slug: 0.0 for p in self._profiles if p.setting == "opted-out"}
        for e in events[events["event"] == "opted out"].itertuples():
            opted_since.setdefault(e.slug, e.time + age)
        erased_since = {e.slug: e.time for e in events[events["event"] == "erasure request"].itertuples()}
        noindex = {p.slug for p in self._profiles if p.setting == "noindex"}
        with self._lock:
            retry_at = dict(self._retry_at)
        found, served, previous, wait_until = [], set(), None, None

        def fault(row, rule, detail):
            found.append({"seq": row.seq, "time": row.time, "path": row.path, "rule": rule, "detail": detail})

        for row in log.itertuples():
            path = row.path.split("?")[0]
            parts = path.strip("/").split("/")
            slug = parts[1] if len(parts) >= 2 and parts[0] in ("people", "members", "photos") else None
            if not robots.can_fetch("http://127.0.0.1" + row.path, user_agent):
                fault(row, "disallowed", "robots.txt disallows it")
            if path == "/login":
                fault(row, "log-in", f"{row.method} {path}")
            if slug in opted_since and row.time >= opted_since[slug]:
                fault(row, "opted out", f"{slug} is in the opt-out registry")
            if parts[0] == "photos" and slug in noindex:
                fault(row, "noindex", f"{slug}'s page says noindex, noimageindex")
            if parts[0] == "photos" and slug in erased_since and row.time >= erased_since[slug]:
                fault(row, "erased", f"{slug} asked to be erased")
            if previous is not None and row.time - previous < 0.75 * self.config.crawl_delay:
                fault(row, "too soon", f"{row.time - previous:.3f} s after the previous request; crawl delay "
                                       f"{self.config.crawl_delay:g} s")
            if wait_until is not None and row.time < wait_until - 0.05:
                fault(row, "ignored Retry-After", f"{wait_until - row.time:.2f} s before the time Retry-After named")
            if parts[0] == "photos" and row.status == 200:
                if path in served:
                    fault(row, "fetched again", "this photo was already downloaded")
                served.add(path)
            previous = row.time
            wait_until = retry_at.get(row.seq, wait_until if row.status == 429 else None)
        return pd.DataFrame(found, columns=["seq", "time", "path", "rule", "detail"])

    #: the columns of a capstone ledger (exercise D1): one row per URL considered; a kept photo has
    #: ``kind == "photo"`` and ``decision == "kept"``
    CAPSTONE_LEDGER = ["url", "time", "kind", "decision", "status", "subject", "licence", "sha256", "file"]

    def reference_collection(self, folder: str | Path, origin: str | None = None,
                             slugs: list[str] | None = None) -> pd.DataFrame:
        """Write, without crawling, what a polite crawl of this site keeps, in the capstone's format: the photos
        of every public person (not members-only, noindex or opted out, now) in ``folder/photos/<sha256>.jpg``
        and one ledger row each in ``folder/ledger.csv`` (columns ``CAPSTONE_LEDGER``). Graders build an index
        from it to test a student's build, search and erasure apart from their crawler. ``origin`` is the
        site's address in the URLs (default ``self.url``, or ``http://127.0.0.1`` when not running);
        ``slugs`` keeps only those people (a smaller collection builds faster). Returns the ledger (a DataFrame)."""
        import hashlib

        folder = Path(folder)
        (folder / "photos").mkdir(parents=True, exist_ok=True)
        origin = origin or (self.url if self._server.running else "http://127.0.0.1")
        optouts = self.opted_out_paths()
        rows = []
        for p in self._profiles:
            if p.setting != "public" or p.path in optouts or (slugs is not None and p.slug not in slugs):
                continue
            for i, photo in enumerate(p.photos):
                body = render_photo(photo)
                digest = hashlib.sha256(body).hexdigest()
                file = folder / "photos" / f"{digest}.jpg"
                file.write_bytes(body)
                rows.append({"url": origin + p.photo_path(i), "time": pd.Timestamp.now(tz="UTC").isoformat(),
                             "kind": "photo", "decision": "kept", "status": 200, "subject": p.name,
                             "licence": p.licence, "sha256": digest, "file": str(file)})
        ledger = pd.DataFrame(rows, columns=self.CAPSTONE_LEDGER)
        ledger.to_csv(folder / "ledger.csv", index=False)
        return ledger

    # --- the server
    def _record(self, req: Request, resp: Response, arrived: float | None = None) -> Response:
        size = len(resp.body) if isinstance(resp.body, (bytes, str)) else None
        arrived = arrived if arrived is not None else time.time()
        retry = resp.headers.get("Retry-After") if resp.status == 429 else None
        with self._lock:
            if retry is not None:
                self._retry_at[len(self._log) + 1] = (arrived + float(retry) if retry.isdigit()
                                                      else parsedate_to_datetime(retry).timestamp())
            self._log.append({"seq": len(self._log) + 1, "time": arrived,
                              "user_agent": req.headers.get("user-agent", ""), "method": req.method,
                              "path": req.path + (f"?{_qs(req.query)}" if req.query else ""),
                              "status": resp.status, "bytes": size})
        return resp

    def _rate_limited(self, visitor: str) -> bool:
        now = time.monotonic()
        with self._lock:
            q = self._recent[visitor]
            while q and now - q[0] > RATE_WINDOW:
                q.popleft()
            q.append(now)
            return len(q) > RATE_LIMIT

    def _app(self, req: Request) -> Response:
        arrived = time.time()
        visitor = req.headers.get("user-agent", "")
        with self._lock:
            self._served += 1
            midway = self.config.midway_optout
            if midway and self._served > midway[1]:
                self._opt_out_locked(midway[0], self._served - 1)
        if self._rate_limited(visitor):
            return self._record(req, Response.text("Too many requests: slow down.", 429,
                                                   **{"Retry-After": str(RETRY_AFTER)}), arrived)
        return self._record(req, self._route(req, visitor), arrived)

    def _html(self, title: str, body: str, head: str = "", status: int = 200) -> Response:
        return Response(status, _page(title, body, head, self.config.name))

    def _route(self, req: Request, visitor: str) -> Response:
        path = req.path
        name = self.config.name
        if path == "/robots.txt":
            return Response.text(self.robots_txt())
        if path == "/":
            links = ("<li><a href='/directory?page=1'>Browse people</a></li><li><a href='/terms'>Terms of service</a>"
                     "</li>" + ("<li><a href='/lab/hostile'>Test pages for crawlers</a></li>"
                                if self.config.hostile_pages else "")
                     + ("<li><a href='/archive/'>Archived profiles</a></li>" if self.config.archive else ""))
            return self._html(name, (
                f"<h1>{name}</h1><p>A sandbox for learning about scraping. Every profile is a demonstration.</p>"
                f"<ul>{links}</ul>"), head="<link rel='opt-out-registry' href='/privacy/opt-out.json'>")
        if path == "/terms":
            return self._html("Terms of service", TERMS_HTML)
        if path == "/privacy":
            return self._html("Privacy", PRIVACY_HTML + (ERASURE_HTML if self.config.erasure_slug else ""))
        if path == "/privacy/opt-out.json":
            registry = {"description": "People who asked that their pages and photos not be collected.",
                        "paths": sorted(self.opted_out_paths())}
            if self.config.registry_max_age is None:
                return Response.json(registry)
            age = self.config.registry_max_age
            registry["description"] += (f" People may opt out at any time: a copy of this list may be used for "
                                        f"{age} s (Cache-Control: max-age={age}); read it again after that.")
            return Response.json(registry, **{"Cache-Control": f"max-age={age}"})
        if path == "/privacy/erasure-requests.json" and self.config.erasure_slug:
            with self._lock:
                requests_ = [dict(r) for r in self._erasures]
            return Response.json({"description": "Erasure requests: each person asks that everything collected "
                                                 "about them (pages, photos, anything derived) be deleted.",
                                  "requests": requests_})
        if path == "/directory":
            return self._directory(req, visitor)
        if self.config.tagged_pages and path.startswith("/people/") and path.rstrip("/").endswith("/tagged"):
            return self._tagged(req)
        if path.startswith("/people/") or path.startswith("/members/"):
            return self._profile(req)
        if path.startswith("/photos/"):
            return self._photo(req)
        if self.config.archive and (path == "/archive" or path.startswith("/archive/")):
            return self._html("Archive", "<h1>Archived profiles</h1><p>Profiles of former members, kept for the "
                                         "record. Crawlers are asked to stay out (robots.txt).</p>")
        if path == "/login" and req.method == "POST":
            form = dict(p.split("=", 1) for p in req.body.decode("utf-8", "replace").split("&") if "=" in p)
            if (form.get("user"), form.get("password")) == LOGIN:
                token = f"s{len(self._sessions) + 1}"
                self._sessions.add(token)
                return Response(303, "", headers={"Location": "/directory?page=1",
                                                  "Set-Cookie": f"session={token}; Path=/; HttpOnly"})
            return self._html("Log in", "<p>Wrong user or password.</p>", status=401)
        if self.config.hostile_pages:
            hostile = self._hostile(path)
            if hostile is not None:
                return hostile
        return self._html("Not found", "<p>No such page.</p>", status=404)

    def _hostile(self, path: str) -> Response | None:
        if path == "/lab/hostile":
            return self._html("Test pages", (
                "<h1>Pages that misbehave</h1><ul><li><a href='/lab/loop/a'>a redirect loop</a></li>"
                "<li><a href='/lab/huge'>a huge page</a></li><li><a href='/lab/malformed'>malformed HTML</a></li>"
                "<li><a href='/lab/broken-photo'>a profile whose photo is not an image</a></li></ul>"))
        if path in ("/lab/loop/a", "/lab/loop/b"):
            return Response(302, "", headers={"Location": "/lab/loop/b" if path.endswith("a") else "/lab/loop/a"})
        if path == "/lab/huge":
            return Response(200, _huge_page, content_type="text/html; charset=utf-8")
        if path == "/lab/malformed":
            return Response(200, "<html><head><title>Broken<body><h1>Unclosed <b>tags<p>A link "
                                 "<a href='/people/nobody-here'>to a missing profile<p><div><span>and no end")
        if path == "/lab/broken-photo":
            return self._html("Broken photo", (
                "<article class='profile' data-subject='Test Card'><h1 itemprop='name'>Test Card</h1>"
                "<img class='photo' src='/photos/test-card/1.jpg' alt='photo'></article>"),
                head="<meta name='license' content='CC BY 4.0'>")
        return None

    def robots_txt(self) -> str:
        """The text the site serves at ``/robots.txt``."""
        rules = "".join(f"Disallow: {d}\n" for d in self.config.disallow)
        return (f"# robots.txt for {self.config.name}\n"
                f"User-agent: {BANNED_BOT}\nDisallow: /\n\n"
                f"User-agent: *\n{rules}"
                f"Crawl-delay: {self.config.crawl_delay:g}\n")

    def _busy(self) -> Response:
        if self.config.retry_after_date:
            with self._lock:
                until = self._busy_until
            value = formatdate(math.ceil(until), usegmt=True)  # an HTTP date no earlier than the end of the wait
        else:
            value = str(self.config.retry_after)
        return Response.text("Busy, try again shortly.", 429, **{"Retry-After": value})

    def _directory(self, req: Request, visitor: str) -> Response:
        try:
            page = int(req.query.get("page", "1"))
        except ValueError:
            return self._html("Bad request", "<p>page must be a number</p>", status=400)
        pages = max(1, -(-len(self._profiles) // PER_PAGE))
        if not 1 <= page <= pages:
            return self._html("Not found", "<p>No such page.</p>", status=404)
        if page == self.config.busy_page:  # busy for a while after its first request: tests Retry-After handling
            with self._lock:
                if self._busy_until is None:
                    # wall-clock time, so that an HTTP-date Retry-After names the moment the page is free
                    self._busy_until = time.time() + self.config.retry_after
                busy = time.time() < self._busy_until
            if busy:
                return self._busy()
        chunk = self._profiles[(page - 1) * PER_PAGE: page * PER_PAGE]
        items = "".join(f"<li><a href='{p.path}'>{html.escape(p.name)}</a></li>" for p in chunk)
        nav = (f"<a rel='prev' href='/directory?page={page - 1}'>previous</a> " if page > 1 else "") + (
            f"<a rel='next' href='/directory?page={page + 1}'>next</a>" if page < pages else "")
        return self._html(f"People, page {page}", f"<h1>People</h1><ul>{items}</ul><nav>{nav}</nav>")

    def _profile(self, req: Request) -> Response:
        slug = req.path.rstrip("/").split("/")[-1]
        p = self._by_slug.get(slug)
        if p is None or req.path.rstrip("/") != p.path:
            return self._html("Not found", "<p>No such profile.</p>", status=404)
        if p.setting == "login" and req.cookie("session") not in self._sessions:
            return self._html("Members only", "<p>Log in to see this profile.</p>", status=401)
        head = f"<meta name='license' content='{html.escape(p.licence)}'>"
        if p.setting == "noindex":
            head += "<meta name='robots' content='noindex, noimageindex'>"
        photos = "".join(f"<img class='photo' src='{p.photo_path(i)}' alt='{html.escape(_alt(p, i))}'>"
                         for i in range(len(p.photos)))
        tagged = (f"<p><a href='{p.path}/tagged'>Photos in which {html.escape(p.name)} is tagged</a></p>"
                  if self.config.tagged_pages and p.setting != "login" else "")
        body = (f"<article class='profile' data-subject='{html.escape(p.name)}'><h1 itemprop='name'>"
                f"{html.escape(p.name)}</h1><p class='note'>{DEMO_NOTE}</p><p>Privacy setting: {p.setting}. "
                f"Photos licensed: {html.escape(p.licence)}.</p>{photos}{tagged}</article>")
        return self._html(p.name, body, head)

    def _tagged(self, req: Request) -> Response:
        slug = req.path.rstrip("/").split("/")[-2]
        p = self._by_slug.get(slug)
        if p is None:
            return self._html("Not found", "<p>No such profile.</p>", status=404)
        return self._html(f"{p.name}: tagged photos", (
            f"<h1>Photos in which {html.escape(p.name)} is tagged by other members</h1><p>Other members' photos: "
            "they chose to share them with their friends, not with crawlers (robots.txt).</p>"))

    def _photo(self, req: Request) -> Response:
        parts = req.path.strip("/").split("/")
        if len(parts) == 3 and parts[1] == "test-card" and self.config.hostile_pages:
            return Response(200, b"<html>this is not a JPEG</html>", content_type="image/jpeg")
        p = self._by_slug.get(parts[1]) if len(parts) == 3 else None
        try:
            i = int(parts[2].removesuffix(".jpg")) - 1 if p else -1
        except ValueError:
            i = -1
        if p is None or not 0 <= i < len(p.photos):
            return Response(404, b"", content_type="image/jpeg")
        if p.setting == "login" and req.cookie("session") not in self._sessions:
            return Response(401, b"", content_type="image/jpeg")
        return Response(200, render_photo(p.photos[i]), content_type="image/jpeg")


def _alt(p: Profile, i: int) -> str:
    photo = p.photos[i]
    if isinstance(photo, Photo) and photo.kind == "with-other":
        return f"photo {i + 1} of {p.name}, with a friend"
    return f"photo {i + 1} of {p.name}"


def _huge_page():
    chunk = ("<p>" + "padding " * 8000 + "</p>\n").encode()
    sent = 0
    yield b"<!doctype html><html><body><h1>A very large page</h1>"
    while sent < HUGE_PAGE_BYTES:
        yield chunk
        sent += len(chunk)
    yield b"</body></html>"


def _qs(query: dict) -> str:
    return "&".join(f"{k}={v}" for k, v in sorted(query.items()))


TERMS_HTML = """<h1>Terms of service</h1>
<p>You may view this site in a browser. Search engines may index public pages if they follow
<a href='/robots.txt'>robots.txt</a> and each page's robots meta tags.</p>
<p>You may <strong>not</strong> collect photos or personal data from this site by automated means to build
biometric templates, face-recognition databases or profiles of our members, and you may not create accounts
for that purpose.</p>
<p>Members who opt out of collection are listed in our <a href='/privacy/opt-out.json'>opt-out registry</a>;
anyone who collects data from this site must honour it.</p>"""

PRIVACY_HTML = """<h1>Privacy</h1><p>Each member chooses a setting: <em>public</em>, <em>members only</em>,
<em>do not index</em> (robots meta tag), or <em>opted out of collection</em> (listed in the
<a href='/privacy/opt-out.json'>opt-out registry</a>).</p>"""

ERASURE_HTML = """<h2>Erasure</h2><p>Anyone may ask that everything collected about them be deleted. Requests we
receive are announced to every collector at <a href='/privacy/erasure-requests.json'>/privacy/erasure-requests.json</a>
(one entry per request: an id, the person's name, their page and when it was received).</p>"""


# --- the capstone's sites (lesson D1): other people, other settings, the cases a real collection meets

#: each capstone site: its name and rules, and which people it shows (positions in a seeded draw of the
#: LFW teaching people who are NOT on the first site, so the sites share nobody)
CAPSTONE_VARIANTS = {
    "A": dict(
        config=SiteConfig(name="Photobook, a second sandbox social network", crawl_delay=0.1,
                          disallow=("/members/", "/login", "/search", "/archive/", "/people/*/tagged"),
                          retry_after=1, busy_page=2, registry_max_age=3, hostile_pages=False,
                          tagged_pages=True, archive=True),
        many=(0, 20), singles=(0, 6), bystanders=(6, 8), shown=4,
        settings={2: "login", 11: "login", 6: "noindex", 15: "noindex", 9: "opted-out"},
        midway=(17, 30), erasure=4,
        photos={0: (1, dict(kind="exif-rotated", orientation=6)), 13: (3, dict(kind="exif-rotated", orientation=8)),
                7: (0, dict(kind="large")), 18: (3, dict(kind="large")),
                5: (2, dict(kind="with-other", side="left", other=0)),
                12: (1, dict(kind="with-other", side="right", other=1)),
                19: (3, dict(kind="broken"))}),
    "B": dict(
        config=SiteConfig(name="Circles, a third sandbox social network", crawl_delay=0.15,
                          disallow=("/members/", "/login", "/search", "/archive/", "/people/*/tagged"),
                          retry_after=2, retry_after_date=True, busy_page=1, registry_max_age=1,
                          hostile_pages=False, tagged_pages=True, archive=True),
        many=(20, 28), singles=(8, 11), bystanders=(11, 12), shown=5,
        settings={1: "login", 3: "noindex", 5: "opted-out"},
        midway=(6, 12), erasure=2,
        photos={0: (1, dict(kind="exif-rotated", orientation=8)), 4: (0, dict(kind="large")),
                7: (2, dict(kind="with-other", side="right", other=0)), 2: (3, dict(kind="exif-rotated", orientation=3))}),
}


def _teaching_people() -> tuple[dict[str, list[str]], list[str], list[str]]:
    """The LFW teaching subset by person, and the people with several photos and with one, in name order."""
    by_person: dict[str, list[str]] = defaultdict(list)
    for e in data.select("lfw", "teaching"):
        if e.path.startswith("images/"):
            by_person[e.path.split("/")[1]].append(e.path)
    for ps in by_person.values():
        ps.sort()
    many = sorted(n for n, ps in by_person.items() if len(ps) >= 3)
    single = sorted(n for n, ps in by_person.items() if len(ps) == 1)
    return by_person, many, single


#: the rules a grader's draw chooses among (``capstone_site(variant, rules=...)``): each honest crawler passes
#: under every one; a crawler that types one site's numbers instead of reading them fails under most
RULE_DRAWS = {"crawl_delay": (0.12, 0.14, 0.16, 0.18), "retry_after": (1, 2), "registry_max_age": (1, 2),
              "midway_shift": (-3, -2, -1, 0, 1, 2, 3)}
#: the environment variable that fixes the graders' draw (an integer), to grade a submission again the same way
RULES_SEED_VARIABLE = "FACECOURSE_CAPSTONE_RULES"


def drawn_rules(seed: int | None = None) -> int:
    """The seed of a draw of capstone rules: ``seed`` if given, else ``$FACECOURSE_CAPSTONE_RULES`` if set (to
    repeat a grading run), else a fresh random one (what graders use, so no submission can know the rules).

    >>> drawn_rules(7)
    7
    """
    if seed is not None:
        return int(seed)
    fixed = os.environ.get(RULES_SEED_VARIABLE, "").strip()
    if fixed:
        try:
            return int(fixed)
        except ValueError:
            raise ValueError(f"{RULES_SEED_VARIABLE} should be an integer (a seed), not {fixed!r}") from None
    return random.SystemRandom().randrange(2**32)


def capstone_people() -> list[str]:
    """Every person (LFW's spelling, ``First_Last``) on any capstone site, sorted: what a lesson leaves out when
    it needs other people.

    >>> "Jack_Straw" in capstone_people()                          # doctest: +SKIP
    True
    """
    return sorted({p.name.replace(" ", "_") for v in CAPSTONE_VARIANTS for p in capstone_profiles(v)[0]})


def capstone_profiles(variant: str = "A", rules: int | None = None) -> tuple[list[Profile], SiteConfig]:
    """The people and rules of a capstone site (``"A"``: the one students crawl; ``"B"``: another, with other
    people and settings). Nobody is on two sites: the people are drawn (seeded, the same every run) from the LFW
    teaching people the first site does not show. With ``rules`` (a seed, see ``drawn_rules``) the site's crawl
    delay, ``Retry-After``, registry ``max-age`` and the moment of its mid-crawl opt-out are drawn from
    ``RULE_DRAWS`` instead of its fixed ones: graders use it, so that a crawler must read the rules, not know
    them. Returns ``(profiles, config)``; raises ``ValueError`` for an unknown variant.

    >>> profiles, config = capstone_profiles("A")                  # doctest: +SKIP
    >>> len(profiles), config.crawl_delay                          # doctest: +SKIP
    (26, 0.1)
    """
    if variant not in CAPSTONE_VARIANTS:
        raise ValueError(f"variant must be one of {sorted(CAPSTONE_VARIANTS)}, not {variant!r}")
    v = CAPSTONE_VARIANTS[variant]
    by_person, many, single = _teaching_people()
    first_site = {p.name.replace(" ", "_") for p in default_profiles()}
    many = [n for n in many if n not in first_site]
    single = [n for n in single if n not in first_site]
    random.Random("facecourse capstone people").shuffle(many)      # one draw, sliced per variant: disjoint
    random.Random("facecourse capstone singles").shuffle(single)
    chosen = sorted(many[slice(*v["many"])])                        # name order, as the directory lists them
    singles = sorted(single[slice(*v["singles"])])
    bystanders = single[slice(*v["bystanders"])]

    def slug(person):
        return person.lower().replace("_", "-")

    profiles = []
    for i, person in enumerate(chosen):
        photos: list[str | Photo] = list(by_person[person][:v["shown"]])
        if i in v["photos"]:
            k, spec = v["photos"][i]
            spec = dict(spec)
            if "other" in spec:
                spec["other"] = by_person[bystanders[spec["other"]]][0]
            photos[k] = Photo(photos[k], **spec)
        profiles.append(Profile(slug=slug(person), name=person.replace("_", " "),
                                setting=v["settings"].get(i, "public"), licence=LICENCES[i % len(LICENCES)],
                                photos=tuple(photos)))
    for j, person in enumerate(singles):
        profiles.append(Profile(slug=slug(person), name=person.replace("_", " "), setting="public",
                                licence=LICENCES[(j + 1) % len(LICENCES)], photos=(by_person[person][0],)))
    profiles.sort(key=lambda p: p.name)
    midway_person, after = v["midway"]
    drawn = {}
    if rules is not None:
        draw = random.Random(f"facecourse capstone rules {int(rules)}")
        drawn = {k: draw.choice(RULE_DRAWS[k]) for k in ("crawl_delay", "retry_after", "registry_max_age")}
        after += draw.choice(RULE_DRAWS["midway_shift"])
    config = SiteConfig(**{**v["config"].__dict__, **drawn, "midway_optout": (slug(chosen[midway_person]), after),
                           "erasure_slug": slug(chosen[v["erasure"]])})
    return profiles, config


def capstone_site(variant: str = "A", rules: int | None = None) -> SandboxSite:
    """A capstone site, not started: ``with capstone_site("A") as site:`` or ``capstone_site("A").start()``;
    ``rules``: a seed that draws its rules (``capstone_profiles``), as the graders' ``capstone_site("B",
    rules=drawn_rules())`` does.

    Site A (the one students crawl) and site B (graders use it: other people, settings and rules) each add
    to the first site's cases: EXIF-rotated, very large and two-person photos (``photo_table()``), a person who
    opts out during a crawl (``events()`` says when), an opt-out registry with ``Cache-Control: max-age``,
    ``/people/*/tagged`` pages robots.txt disallows, and an erasure request that ``announce_erasure()`` makes
    and ``/privacy/erasure-requests.json`` announces. Site B waits longer between requests and answers its busy
    page's ``Retry-After`` with an HTTP date. ``held_out_photos()`` gives photos of the same people that the
    site does not show, to search with.

    >>> with capstone_site("A") as site:                            # doctest: +SKIP
    ...     site.photo_table()["kind"].value_counts()["with-other"]
    2
    """
    profiles, config = capstone_profiles(variant, rules)
    return SandboxSite(profiles, config)
