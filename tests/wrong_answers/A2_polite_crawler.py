"""Wrong answers a weak student would give in exercise A2; each must fail its public check."""

WRONG = {
    "q1": {
        "a constant: every page allows everything": '''
def page_permissions(html):
    return {"index": True, "follow": True}
''',
        "string search in the raw HTML": '''
def page_permissions(html):
    text = html.lower()
    return {"index": "noindex" not in text and "none" not in text, "follow": "nofollow" not in text and "none" not in text}
''',
        "case-sensitive name and content": '''
def page_permissions(html):
    soup = BeautifulSoup(html, "html.parser")
    words = set()
    for tag in soup.find_all("meta", attrs={"name": "robots"}):
        words |= {w.strip() for w in tag.get("content", "").split(",")}
    return {"index": not ({"noindex", "none"} & words), "follow": not ({"nofollow", "none"} & words)}
''',
        "forgets that 'none' means noindex and nofollow": '''
def page_permissions(html):
    soup = BeautifulSoup(html, "html.parser")
    words = set()
    for tag in soup.find_all("meta", attrs={"name": lambda n: n and n.lower() == "robots"}):
        words |= {w.strip().lower() for w in tag.get("content", "").split(",")}
    return {"index": "noindex" not in words, "follow": "nofollow" not in words}
''',
        "reads only the first robots meta tag": '''
def page_permissions(html):
    soup = BeautifulSoup(html, "html.parser")
    tag = soup.find("meta", attrs={"name": lambda n: n and n.lower() == "robots"})
    words = {w.strip().lower() for w in tag.get("content", "").split(",")} if tag else set()
    return {"index": not ({"noindex", "none"} & words), "follow": not ({"nofollow", "none"} & words)}
''',
        "index and follow swapped": '''
def page_permissions(html):
    soup = BeautifulSoup(html, "html.parser")
    words = set()
    for tag in soup.find_all("meta", attrs={"name": lambda n: n and n.lower() == "robots"}):
        words |= {w.strip().lower() for w in tag.get("content", "").split(",")}
    return {"follow": not ({"noindex", "none"} & words), "index": not ({"nofollow", "none"} & words)}
''',
    },
    "q2": {
        "float() first, then the date (a signed number comes back as a wait)": '''
def wait_seconds(value, now, default=1.0):
    if value is None:
        return default
    try:
        return float(value)
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - now)
    except (TypeError, ValueError):
        return default
''',
        "float() of everything (dates crash)": '''
def wait_seconds(value, now, default=1.0):
    if value is None:
        return default
    return float(value)
''',
        "negative waits for dates in the past": '''
def wait_seconds(value, now, default=1.0):
    if value is None:
        return default
    if str(value).strip().isdigit():
        return float(value)
    try:
        return parsedate_to_datetime(value).timestamp() - now
    except (TypeError, ValueError):
        return default
''',
        "measures the date against the current clock, not `now`": '''
def wait_seconds(value, now, default=1.0):
    if value is None:
        return default
    if str(value).strip().isdigit():
        return float(value)
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return default
''',
        "ignores the default (always 1.0)": '''
def wait_seconds(value, now, default=1.0):
    if value is None:
        return 1.0
    if str(value).strip().isdigit():
        return float(value)
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - now)
    except (TypeError, ValueError):
        return 1.0
''',
        "returns the header text unchanged": '''
def wait_seconds(value, now, default=1.0):
    return default if value is None else value
''',
    },
    "q3": {
        "counts every row starting with 'not' (noindex and failures included)": '''
def decision_counts(table, kind=None):
    rows = table if kind is None else table[table["kind"] == kind]
    return rows.groupby("decision").size().to_dict()
not_fetched = int(small_table["decision"].str.startswith("not").sum())
''',
        "ignores `kind`": '''
def decision_counts(table, kind=None):
    return table.groupby("decision").size().to_dict()
''',
        "groups by kind instead of decision": '''
def decision_counts(table, kind=None):
    rows = table if kind is None else table[table["kind"] == kind]
    return rows.groupby("kind").size().to_dict()
''',
        "not_fetched as rows beyond the limit": '''
not_fetched = len(small_table) - 20
''',
        "crawl without the limit": '''
with sandbox.SandboxSite() as site:
    small = crawler.polite_crawler(site.url).crawl()
stopped_reason = small.stopped
small_table = small.ledger.table()
not_fetched = decision_counts(small_table).get("not fetched: crawl stopped", 0)
''',
        "a Series instead of a dict": '''
def decision_counts(table, kind=None):
    rows = table if kind is None else table[table["kind"] == kind]
    return rows["decision"].value_counts()
''',
    },
}

# Right answers in another form that must PASS.
RIGHT = {
    "q1": {
        "regex split of the content, dict built in another order": '''
import re
def page_permissions(html):
    soup = BeautifulSoup(html, "html.parser")
    words = []
    for tag in soup.find_all("meta"):
        if (tag.get("name") or "").lower() == "robots":
            words += re.split(r"[\\s,]+", tag.get("content", "").lower())
    return {"follow": "nofollow" not in words and "none" not in words,
            "index": "noindex" not in words and "none" not in words}
''',
    },
    "q2": {
        "numpy float results": '''
import numpy as np
def wait_seconds(value, now, default=1.0):
    if value is None:
        return default
    try:
        return np.float64(int(str(value).strip())) if str(value).strip().isdigit() else \\
            np.float64(max(0.0, parsedate_to_datetime(str(value)).timestamp() - now))
    except (TypeError, ValueError, IndexError):
        return default
''',
    },
    "q3": {
        "value_counts to dict, numpy integer not_fetched": '''
def decision_counts(table, kind=None):
    if kind is not None:
        table = table.loc[table["kind"] == kind]
    return table["decision"].value_counts().to_dict()
not_fetched = (small_table["decision"] == "not fetched: crawl stopped").sum()
''',
    },
}

_FETCH = '''
def fetch_politely(site_url, paths, user_agent):
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
            if response.status_code != 429 or attempt == @RETRIES@:
                return response
            @WAIT@
        return response

    robots = Protego.parse(@ROBOTS_GET@.text)
    delay[0] = @DELAY@
    statuses = {}
    for path in paths:
        if @CHECK@ and not robots.can_fetch(site_url + path, user_agent):
            statuses[path] = None
            continue
        statuses[path] = get(site_url + path).status_code
    return statuses
'''

_GOOD = {"@RETRIES@": "3", "@WAIT@": 'time.sleep(wait_seconds(response.headers.get("Retry-After"), now=time.time()))',
         "@ROBOTS_GET@": 'get(site_url + "/robots.txt")', "@DELAY@": "robots.crawl_delay(user_agent) or 0.0",
         "@CHECK@": "True"}


def _fetch(**changes):
    text = _FETCH
    for key, value in {**_GOOD, **{f"@{k.upper()}@": v for k, v in changes.items()}}.items():
        text = text.replace(key, value)
    return text


WRONG["q5"] = {
    "never asks robots.txt": _fetch(check="False"),
    "ignores Crawl-delay": _fetch(delay="0.0"),
    "retries a 429 at once": _fetch(wait="pass"),
    "gives up after a 429": _fetch(retries="0"),
    "float(Retry-After): HTTP dates crash": _fetch(wait='time.sleep(float(response.headers.get("Retry-After")))'),
    "robots.txt fetched without the user agent (requests.get)": _fetch(robots_get='requests.get(site_url + "/robots.txt")'),
}
RIGHT["q5"] = {
    "Retry-After read with the course's crawler.retry_after_seconds": _fetch(
        wait='time.sleep(crawler.retry_after_seconds(response.headers, default=1.0))'),
}
