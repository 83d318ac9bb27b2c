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

    >>> with SandboxSite() as site:                      # doctest: +SKIP
    ...     people = site.profiles()           # the people on the site and their settings
    ...     log = site.access_log()            # every request, as a DataFrame
    >>> len(people), list(log.columns[:3])                # doctest: +SKIP
    (24, ['seq', 'time', 'user_agent'])
"""

from __future__ import annotations

import html
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass
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
class Profile:
    slug: str
    name: str
    setting: str          # public | login | noindex | opted-out
    licence: str
    photos: tuple[str, ...]  # LFW relative paths

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


def _page(title: str, body: str, head: str = "") -> str:
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"{head}</head><body><header><a href='/'>{SITE_NAME}</a> | <a href='/directory?page=1'>people</a> | "
            f"<a href='/terms'>terms</a> | <a href='/privacy'>privacy</a></header><main>{body}</main></body></html>")


class SandboxSite(ServedApp):
    """The sandbox social network; serve it with ``with SandboxSite() as site:`` (127.0.0.1, a free port),
    or ``site = SandboxSite().start()`` ... ``site.stop()``.

    ``site.url`` is its address. The lessons inspect it with ``profiles()`` (who is on it, with which
    privacy setting), ``robots_txt()``, ``opted_out_paths()`` and ``access_log()`` (every request as a
    DataFrame; ``clear_log()`` empties it). ``start()`` raises the data module's error if the LFW
    teaching photos are not fetched (``python3 course.py data``).

    >>> with SandboxSite() as site:                                        # doctest: +SKIP
    ...     requests.get(site.url + "/robots.txt").status_code
    200
    """

    def __init__(self, profiles: list[Profile] | None = None):
        self._profiles = list(profiles) if profiles is not None else default_profiles()
        self._by_slug = {p.slug: p for p in self._profiles}
        self._log: list[dict] = []
        self._lock = threading.Lock()
        self._recent: dict[str, deque] = defaultdict(deque)
        self._busy_until: float | None = None
        self._sessions: set[str] = set()
        self._server = LoopbackServer(self._app)

    # --- lifecycle
    def start(self) -> "SandboxSite":
        for p in self._profiles:  # fail early, with the data module's clear message, if photos are missing
            for rel in p.photos:
                data.require("lfw", rel)
        return super().start()

    # --- what the lessons inspect
    def profiles(self) -> pd.DataFrame:
        """One row per person: ``slug``, ``name``, ``setting`` (public, login, noindex, opted-out), ``licence``,
        number of ``photos`` and the profile ``page`` path."""
        return pd.DataFrame([{"slug": p.slug, "name": p.name, "setting": p.setting, "licence": p.licence,
                              "photos": len(p.photos), "page": p.path} for p in self._profiles])

    def opted_out_paths(self) -> set[str]:
        """The paths (profile pages and photos) of people who opted out, as the site's registry lists them."""
        return {path for p in self._profiles if p.setting == "opted-out"
                for path in [p.path] + [p.photo_path(i) for i in range(len(p.photos))]}

    def access_log(self) -> pd.DataFrame:
        """Every request so far, in order: ``seq``, ``time`` (Unix seconds), ``user_agent``, ``method``, ``path``
        (with its query string), ``status`` (int) and ``bytes``."""
        with self._lock:
            rows = list(self._log)
        return pd.DataFrame(rows, columns=["seq", "time", "user_agent", "method", "path", "status", "bytes"])

    def clear_log(self) -> None:
        """Empty the access log and reset the rate limiter and the busy page (to compare crawls one by one)."""
        with self._lock:
            self._log.clear()
            self._recent.clear()
            self._busy_until = None

    # --- the server
    def _record(self, req: Request, resp: Response) -> Response:
        size = len(resp.body) if isinstance(resp.body, (bytes, str)) else None
        with self._lock:
            self._log.append({"seq": len(self._log) + 1, "time": time.time(),
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
        visitor = req.headers.get("user-agent", "")
        if self._rate_limited(visitor):
            return self._record(req, Response.text("Too many requests: slow down.", 429,
                                                   **{"Retry-After": str(RETRY_AFTER)}))
        return self._record(req, self._route(req, visitor))

    def _route(self, req: Request, visitor: str) -> Response:
        path = req.path
        if path == "/robots.txt":
            return Response.text(self.robots_txt())
        if path == "/":
            return Response(200, _page(SITE_NAME, (
                f"<h1>{SITE_NAME}</h1><p>A sandbox for learning about scraping. Every profile is a demonstration.</p>"
                "<ul><li><a href='/directory?page=1'>Browse people</a></li><li><a href='/terms'>Terms of service</a>"
                "</li><li><a href='/lab/hostile'>Test pages for crawlers</a></li></ul>"),
                head="<link rel='opt-out-registry' href='/privacy/opt-out.json'>"))
        if path == "/terms":
            return Response(200, _page("Terms of service", TERMS_HTML))
        if path == "/privacy":
            return Response(200, _page("Privacy", PRIVACY_HTML))
        if path == "/privacy/opt-out.json":
            return Response.json({"description": "People who asked that their pages and photos not be collected.",
                                  "paths": sorted(self.opted_out_paths())})
        if path == "/directory":
            return self._directory(req, visitor)
        if path.startswith("/people/") or path.startswith("/members/"):
            return self._profile(req)
        if path.startswith("/photos/"):
            return self._photo(req)
        if path == "/login" and req.method == "POST":
            form = dict(p.split("=", 1) for p in req.body.decode("utf-8", "replace").split("&") if "=" in p)
            if (form.get("user"), form.get("password")) == LOGIN:
                token = f"s{len(self._sessions) + 1}"
                self._sessions.add(token)
                return Response(303, "", headers={"Location": "/directory?page=1",
                                                  "Set-Cookie": f"session={token}; Path=/; HttpOnly"})
            return Response(401, _page("Log in", "<p>Wrong user or password.</p>"))
        if path == "/lab/hostile":
            return Response(200, _page("Test pages", (
                "<h1>Pages that misbehave</h1><ul><li><a href='/lab/loop/a'>a redirect loop</a></li>"
                "<li><a href='/lab/huge'>a huge page</a></li><li><a href='/lab/malformed'>malformed HTML</a></li>"
                "<li><a href='/lab/broken-photo'>a profile whose photo is not an image</a></li></ul>")))
        if path in ("/lab/loop/a", "/lab/loop/b"):
            return Response(302, "", headers={"Location": "/lab/loop/b" if path.endswith("a") else "/lab/loop/a"})
        if path == "/lab/huge":
            return Response(200, _huge_page, content_type="text/html; charset=utf-8")
        if path == "/lab/malformed":
            return Response(200, "<html><head><title>Broken<body><h1>Unclosed <b>tags<p>A link "
                                 "<a href='/people/nobody-here'>to a missing profile<p><div><span>and no end")
        if path == "/lab/broken-photo":
            return Response(200, _page("Broken photo", (
                "<article class='profile' data-subject='Test Card'><h1 itemprop='name'>Test Card</h1>"
                "<img class='photo' src='/photos/test-card/1.jpg' alt='photo'></article>"),
                head="<meta name='license' content='CC BY 4.0'>"))
        return Response(404, _page("Not found", "<p>No such page.</p>"))

    def robots_txt(self) -> str:
        """The text the site serves at ``/robots.txt``."""
        return (f"# robots.txt for {SITE_NAME}\n"
                f"User-agent: {BANNED_BOT}\nDisallow: /\n\n"
                "User-agent: *\nDisallow: /members/\nDisallow: /login\nDisallow: /search\n"
                f"Crawl-delay: {CRAWL_DELAY}\n")

    def _directory(self, req: Request, visitor: str) -> Response:
        try:
            page = int(req.query.get("page", "1"))
        except ValueError:
            return Response(400, _page("Bad request", "<p>page must be a number</p>"))
        pages = max(1, -(-len(self._profiles) // PER_PAGE))
        if not 1 <= page <= pages:
            return Response(404, _page("Not found", "<p>No such page.</p>"))
        if page == 2:  # busy for RETRY_AFTER seconds after its first request: tests Retry-After handling
            now = time.monotonic()
            with self._lock:
                if self._busy_until is None:
                    self._busy_until = now + RETRY_AFTER
                busy = now < self._busy_until
            if busy:
                return Response.text("Busy, try again shortly.", 429, **{"Retry-After": str(RETRY_AFTER)})
        chunk = self._profiles[(page - 1) * PER_PAGE: page * PER_PAGE]
        items = "".join(f"<li><a href='{p.path}'>{html.escape(p.name)}</a></li>" for p in chunk)
        nav = (f"<a rel='prev' href='/directory?page={page - 1}'>previous</a> " if page > 1 else "") + (
            f"<a rel='next' href='/directory?page={page + 1}'>next</a>" if page < pages else "")
        return Response(200, _page(f"People, page {page}", f"<h1>People</h1><ul>{items}</ul><nav>{nav}</nav>"))

    def _profile(self, req: Request) -> Response:
        slug = req.path.rstrip("/").split("/")[-1]
        p = self._by_slug.get(slug)
        if p is None or req.path.rstrip("/") != p.path:
            return Response(404, _page("Not found", "<p>No such profile.</p>"))
        if p.setting == "login" and req.cookie("session") not in self._sessions:
            return Response(401, _page("Members only", "<p>Log in to see this profile.</p>"))
        head = f"<meta name='license' content='{html.escape(p.licence)}'>"
        if p.setting == "noindex":
            head += "<meta name='robots' content='noindex, noimageindex'>"
        photos = "".join(f"<img class='photo' src='{p.photo_path(i)}' alt='photo {i + 1} of {html.escape(p.name)}'>"
                         for i in range(len(p.photos)))
        body = (f"<article class='profile' data-subject='{html.escape(p.name)}'><h1 itemprop='name'>"
                f"{html.escape(p.name)}</h1><p class='note'>{DEMO_NOTE}</p><p>Privacy setting: {p.setting}. "
                f"Photos licensed: {html.escape(p.licence)}.</p>{photos}</article>")
        return Response(200, _page(p.name, body, head))

    def _photo(self, req: Request) -> Response:
        parts = req.path.strip("/").split("/")
        if len(parts) == 3 and parts[1] == "test-card":
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
        return Response(200, Path(data.require("lfw", p.photos[i])).read_bytes(), content_type="image/jpeg")


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
