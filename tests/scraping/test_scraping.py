"""Track A: the sandbox site, the polite and careless crawlers, the ledger, and crawl -> gallery -> erasure."""

from __future__ import annotations

import hashlib
import os
import re
import threading
from email.utils import formatdate
from pathlib import Path

import pytest
import requests

from facecourse import data
from facecourse.scraping import collect, crawler, ledger, sandbox
from facecourse.webserver import LoopbackServer, Response


@pytest.fixture(scope="module")
def crawls(tmp_path_factory):
    data.fetch("teaching", progress=False)
    tmp = tmp_path_factory.mktemp("crawls")
    with sandbox.SandboxSite() as site:
        polite = crawler.polite_crawler(site.url, folder=tmp / "polite").crawl()
        polite_log = site.access_log()
        site.clear_log()
        careless = crawler.careless_crawler(site.url, folder=tmp / "careless").crawl()
        careless_log = site.access_log()
        profiles = site.profiles()
        optouts = site.opted_out_paths()
    return dict(polite=polite, careless=careless, polite_log=polite_log, careless_log=careless_log,
                profiles=profiles, optouts=optouts)


def _paths(log):
    return [p.split("?")[0] for p in log["path"]]


def test_polite_crawler_never_requests_a_disallowed_or_opted_out_url(crawls):
    log = crawls["polite_log"]
    assert set(log["user_agent"]) == {crawler.POLITE_UA}
    paths = _paths(log)
    assert not [p for p in paths if p.startswith(("/members/", "/login", "/search"))]
    assert not set(paths) & crawls["optouts"]
    noindex = crawls["profiles"].query("setting == 'noindex'")["slug"]
    assert not [p for p in paths if any(p.startswith(f"/photos/{s}/") for s in noindex)]


def test_polite_crawler_never_triggers_two_429s_in_a_row_and_keeps_the_delay(crawls):
    log = crawls["polite_log"]
    statuses = log["status"].tolist()
    assert statuses.count(429) >= 1, "the busy page should have tested Retry-After"
    assert all(not (a == b == 429) for a, b in zip(statuses, statuses[1:]))
    # The site stamps each request when it answers, so on a loaded machine one late answer followed by a
    # prompt one can shorten a single gap; a crawler that ignores the delay shortens nearly all of them.
    gaps = log["time"].diff().dropna()
    assert (gaps >= sandbox.CRAWL_DELAY * 0.5).mean() >= 0.9
    assert log["time"].iloc[-1] - log["time"].iloc[0] >= (len(log) - 1) * sandbox.CRAWL_DELAY * 0.95
    after_429 = log["time"].diff().shift(-1)[log["status"] == 429].dropna()
    assert (after_429 >= sandbox.RETRY_AFTER * 0.9).all()


def test_polite_crawl_collects_only_public_profiles(crawls):
    photos = crawls["polite"].photos()
    public = crawls["profiles"].query("setting == 'public'")
    assert set(photos["subject"]) == set(public["name"])
    assert len(photos) == public["photos"].sum()
    assert crawls["polite"].stopped is None


def test_ledger_is_complete_and_its_hashes_and_files_are_true(crawls):
    table = crawls["polite"].ledger.table()
    assert table["decision"].notna().all() and table["fetched_at"].notna().all()
    from urllib.parse import urlsplit

    requested = set(crawls["polite_log"]["path"])
    in_ledger = {urlsplit(u).path + (f"?{urlsplit(u).query}" if urlsplit(u).query else "") for u in table["url"]}
    assert requested <= in_ledger, f"requests without a ledger row: {requested - in_ledger}"
    for row in crawls["polite"].photos().to_dict("records"):
        body = Path(row["file"]).read_bytes()
        assert hashlib.sha256(body).hexdigest() == row["sha256"]
        assert row["licence"] and row["consent"] and row["subject"]


def test_hostile_pages_each_get_a_ledger_status_within_limits(crawls):
    result = crawls["polite"]
    table = result.ledger.table()

    def decision(path):
        return table.loc[table["url"].str.endswith(path) & (table["kind"] != "attempt"), "decision"].tolist()

    assert decision("/lab/loop/b") == ["not collected: redirect loop after 2 hops"]
    assert any("abandoned" in d for d in decision("/lab/huge"))
    assert decision("/photos/test-card/1.jpg") == ["rejected: not an image"]
    assert decision("/lab/malformed") == ["collected"]
    assert decision("/people/nobody-here") == ["not collected: not found"]
    assert result.bytes < crawler.Limits().max_bytes and result.seconds < 60


def test_careless_crawler_takes_everything_the_polite_one_leaves(crawls):
    careless, polite = crawls["careless"], crawls["polite"]
    assert set(careless.photos()["subject"]) == set(crawls["profiles"]["name"])
    left_out = set(careless.photos()["subject"]) - set(polite.photos()["subject"])
    assert left_out == set(crawls["profiles"].query("setting != 'public'")["name"])
    paths = _paths(crawls["careless_log"])
    assert "/login" in paths and any(p.startswith("/members/") for p in paths) and "/robots.txt" not in paths
    assert crawls["careless_log"]["user_agent"].nunique() > 1, "it rotates identities to dodge the rate limit"
    assert careless.bytes > 40_000_000  # it downloaded the whole huge page


def test_limits_stop_a_crawl_and_the_rest_is_recorded(tmp_path):
    with sandbox.SandboxSite() as site:
        result = crawler.polite_crawler(site.url, limits=crawler.Limits(max_requests=8), folder=tmp_path).crawl()
    assert result.stopped == "limit: 8 requests" and result.requests == 8
    table = result.ledger.table()
    assert (table["decision"] == "not fetched: crawl stopped").sum() >= 1


def test_polite_crawler_stops_when_robots_txt_is_unavailable(tmp_path):
    def broken(req):
        return Response.text("server error", 500) if req.path == "/robots.txt" else Response.text("hello")

    with LoopbackServer(broken) as server:
        result = crawler.polite_crawler(server.url, folder=tmp_path).crawl()
    assert result.stopped == "robots.txt unavailable" and result.requests == 1


def test_crawlers_refuse_anything_but_the_loopback_sandbox():
    for url in ("https://example.org/", "http://localhost:8000/", "ftp://127.0.0.1/"):
        with pytest.raises(ValueError, match="127.0.0.1"):
            crawler.polite_crawler(url)
    with pytest.raises(TypeError):
        crawler.careless_crawler(None)


def test_retry_after_parsing():
    assert crawler.retry_after_seconds({"Retry-After": "3"}) == 3
    assert crawler.retry_after_seconds({}, default=2) == 2
    assert crawler.retry_after_seconds({"Retry-After": "soon"}, default=1.5) == 1.5
    import time
    assert 8 <= crawler.retry_after_seconds({"Retry-After": formatdate(time.time() + 10, usegmt=True)}) <= 10


def _private_copy(result, folder: Path) -> ledger.Ledger:
    """A deep copy of a crawl's ledger whose photo files are copies too (erasure deletes files)."""
    import copy
    import shutil

    led = copy.deepcopy(result.ledger)
    folder.mkdir(parents=True, exist_ok=True)
    for row in led._rows:
        if row["file"]:
            row["file"] = shutil.copy(row["file"], folder)
    return led


def test_ledger_save_load_and_erasure_honoured_by_the_next_crawl(crawls, tmp_path):
    led = _private_copy(crawls["polite"], tmp_path / "photos")
    who = crawls["polite"].photos()["subject"].iloc[0]
    files = [Path(f) for f in led.photos().query("subject == @who")["file"]]
    removed = led.erase(who)
    assert removed >= 2 and not (led.table()["subject"] == who).any()
    assert not any(f.exists() for f in files)
    path = led.save(tmp_path / "ledger.csv")
    again = ledger.Ledger.load(path)
    assert len(again) == len(led) and again.is_erased(who) and who not in path.with_suffix(".erased.txt").read_text()
    with sandbox.SandboxSite() as site:
        slug = crawls["profiles"].set_index("name").loc[who, "slug"]
        result = crawler.polite_crawler(site.url, ledger=again, folder=tmp_path / "again").crawl()
        photos_requested = [p for p in site.access_log()["path"] if p.startswith(f"/photos/{slug}/")]
    assert photos_requested == [] and who not in set(result.photos()["subject"])
    saved = result.ledger.save(tmp_path / "after.csv")  # issue 15: the saved ledger must not name who was erased
    text = (saved.read_text() + saved.with_suffix(".erased.txt").read_text()).lower()
    assert slug not in text and who.lower() not in text
    assert (result.ledger.table()["url"] == ledger.WITHHELD).sum() >= 1
    with pytest.raises(FileNotFoundError, match="no ledger"):
        ledger.Ledger.load(tmp_path / "missing.csv")
    with pytest.raises(ValueError, match="non-empty"):
        led.erase("")


def test_crawl_to_gallery_keeps_provenance_and_erasure_reaches_search(crawls, tmp_path):
    from facecourse import faces

    led = _private_copy(crawls["polite"], tmp_path)
    gallery, problems = collect.gallery_from_ledger(led)
    assert len(gallery) == len(led.photos()) and problems.empty, problems
    row = led.photos().iloc[0]
    probe = faces.embed_single(row["file"], choose="central").embedding
    best = gallery.search(probe, k=1)[0]
    assert best.identity == row["subject"] and best.source == row["url"]
    assert gallery.records.loc[best.index, "sha256"] == row["sha256"]
    counts = collect.erase_everywhere(row["subject"], led, gallery)
    assert counts["gallery faces removed"] >= 1 and counts["ledger rows removed"] >= 2
    assert all(m.identity != row["subject"] for m in gallery.search(probe, k=len(gallery)))
    with pytest.raises(TypeError, match="Ledger"):
        collect.gallery_from_ledger("ledger.csv")


def test_sandbox_basics_and_no_thread_left_behind():
    with sandbox.SandboxSite() as site:
        assert requests.get(site.url + "/members/" + site.profiles().query("setting == 'login'")["slug"].iloc[0],
                            timeout=5).status_code == 401
        assert requests.get(site.url + "/nope", timeout=5).status_code == 404
        assert requests.get(site.url + "/directory?page=x", timeout=5).status_code == 400
        assert "Crawl-delay" in requests.get(site.url + "/robots.txt", timeout=5).text
    assert not [t for t in threading.enumerate() if t.name.startswith("facecourse-server")]
    assert len(sandbox.default_profiles()) == 24
    assert sandbox.default_profiles() == sandbox.default_profiles()


def test_ledger_explorer_logic_and_widget(crawls):
    table = crawls["polite"].ledger.table()
    skipped = ledger.filter_rows(table, decision="skipped")
    refused = crawls["profiles"]["setting"].isin(["login", "opted-out"]).sum()  # robots.txt or the registry
    assert len(skipped) == refused and skipped["decision"].str.startswith("skipped").all()
    photos = ledger.filter_rows(table, kind="photo", decision="collected")
    assert len(photos) == len(crawls["polite"].photos())
    with pytest.raises(TypeError, match="ledger table"):
        ledger.filter_rows([1, 2])
    box = ledger.ledger_explorer({"polite": crawls["polite"].ledger, "careless": crawls["careless"].ledger})
    crawl, kind, decision = box.children[0].children
    kind.value, decision.value = "photo", "collected"
    assert len(box.last_table) == len(crawls["polite"].photos())
    crawl.value = "careless"
    assert len(box.last_table) == len(crawls["careless"].photos())
    with pytest.raises(TypeError):
        ledger.ledger_explorer({})


# --- documentation, charts and prose of Track A

def test_every_public_scraping_function_and_class_has_a_docstring_and_the_examples_run():
    import doctest
    import inspect

    from facecourse.scraping import charts as scraping_charts

    modules = (sandbox, crawler, ledger, collect, scraping_charts)
    for mod in modules:
        for name, obj in vars(mod).items():
            if name.startswith("_") or getattr(obj, "__module__", None) != mod.__name__:
                continue
            if inspect.isfunction(obj) or inspect.isclass(obj):
                assert (obj.__doc__ or "").strip(), f"{mod.__name__}.{name} has no docstring"
        result = doctest.testmod(mod, extraglobs={"sandbox": sandbox, "pd": __import__("pandas")})
        assert result.failed == 0, f"a docstring example in {mod.__name__} fails"
    for method in ("record", "table", "photos", "is_erased", "erase", "save", "load"):
        assert getattr(ledger.Ledger, method).__doc__, f"Ledger.{method} has no docstring"


def test_collected_by_setting_chart_is_typed_titled_and_described():
    import pandas as pd

    from facecourse.scraping.charts import collected_by_setting_chart

    t = pd.DataFrame({"careless": [36, 2], "polite": [36, 0]}, index=pd.Index(["public", "login"], name="setting"))
    spec = collected_by_setting_chart(t).to_dict()
    assert spec["mark"]["type"] == "bar"
    assert spec["encoding"]["x"] == {**spec["encoding"]["x"], "field": "setting", "type": "nominal"}
    assert spec["encoding"]["y"]["field"] == "photos" and spec["encoding"]["y"]["type"] == "quantitative"
    assert spec["encoding"]["color"]["field"] == "crawler" and "tooltip" in spec["encoding"]
    assert spec["title"] and "careless: 38 photos" in spec["description"]
    with pytest.raises(TypeError):
        collected_by_setting_chart([1, 2])


def _lesson(name):
    import json

    from facecourse.paths import ROOT

    return json.loads((ROOT / "lessons" / f"{name}.ipynb").read_text())["cells"]


def _rendered_markdown(cells):
    return ["".join(o.get("data", {}).get("text/markdown", "")) for c in cells if c["cell_type"] == "code"
            for o in c.get("outputs", []) if "text/markdown" in o.get("data", {})]


def test_a2_prose_numbers_agree_with_the_access_log_beside_them():
    import re

    cells = _lesson("A2_polite_crawler")
    prose = " ".join(_rendered_markdown(cells))
    m = re.search(r"The log holds (\d+) requests: (\d+) we made by hand .*?and (\d+) made by the crawler "
                  r"\(its summary says (\d+)\).*?The log shows (\d+) response\(s\) 429: (\d+) answered .*?and (\d+) the "
                  r"crawler's requests \(its summary: (\d+)\)", prose)
    assert m, "A2 should say, from computed values, how many requests the log holds and where its 429s came from"
    total, by_hand, by_crawler, summary, n429, ours, theirs, summary429 = map(int, m.groups())
    assert total == by_hand + by_crawler and by_crawler == summary
    assert n429 == ours + theirs and theirs == summary429
    table = next("".join(o["data"]["text/plain"]) for c in cells if c["cell_type"] == "code"
                 for o in c.get("outputs", []) if "by us, before the crawl" in "".join(o.get("data", {}).get("text/plain", "")))
    assert re.search(rf"^requests\s+{total}$", table, re.M) and re.search(rf"^429 responses\s+{n429}$", table, re.M)


def test_track_a_teaches_crawl_delay_as_an_extension_of_rfc_9309():
    for name in ("A1_how_the_database_was_built", "A2_polite_crawler"):
        cells = _lesson(name)
        text = " ".join("".join(c["source"]) for c in cells) + " ".join(_rendered_markdown(cells))
        assert "RFC 9309" in text and "Crawl-delay" in text, name
        assert re.search(r"not\**\s+(part of|defined by)|does not define", text), name


def test_track_a_lessons_build_altair_charts_in_view_with_title_and_description():
    in_view = [name for name in ("A1_how_the_database_was_built", "A2_polite_crawler", "A3_careless_vs_polite",
                                 "A4_provenance_consent")
               if any("alt.Chart(" in "".join(c["source"]) and ".properties(" in "".join(c["source"])
                      and "description=" in "".join(c["source"]) and "title=" in "".join(c["source"])
                      for c in _lesson(name) if c["cell_type"] == "code")]
    assert len(in_view) >= 2, in_view


def test_default_crawl_folders_are_in_the_local_data_folder_not_the_current_folder(tmp_path, monkeypatch):
    """Issue 15: crawled photos used to land in `crawl-output/` under the lesson's folder."""
    data.fetch("teaching", progress=False)
    local, here = tmp_path / "local", tmp_path / "here"
    here.mkdir()
    monkeypatch.setenv("FACECOURSE_LOCAL", str(local))
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)  # not in a notebook
    monkeypatch.chdir(here)
    assert crawler.crawls_dir() == local.resolve() / "crawls"
    with sandbox.SandboxSite() as site:
        polite = crawler.polite_crawler(site.url, limits=crawler.Limits(max_requests=40)).crawl()
        careless = crawler.careless_crawler(site.url, limits=crawler.Limits(max_requests=40)).crawl()
    for result, name in ((polite, "polite"), (careless, "careless")):
        assert result.folder == local.resolve() / "crawls" / "here" / name
        files = [Path(f) for f in result.photos()["file"]]
        assert files and all(f.is_file() and f.parent == result.folder for f in files), name
    assert list(here.iterdir()) == [], "a crawl with default settings must write nothing in the current folder"
    assert not list(polite.folder.glob(".*.part")), "photos are written whole, then renamed"
    # runs from another folder (a solution beside its lesson) get their own photos: one's erasure spares the other
    elsewhere = tmp_path / "solutions"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert crawler.default_folder("polite") == local.resolve() / "crawls" / "solutions" / "polite"
    assert list(elsewhere.iterdir()) == []


def test_each_notebook_and_each_running_kernel_crawls_into_its_own_folder(tmp_path, monkeypatch):
    """Two notebooks (or two kernels of one notebook) running at once never share a crawl folder,
    so one's erasure cannot delete the photos the other is reading."""
    import subprocess
    import sys

    monkeypatch.setenv("FACECOURSE_LOCAL", str(tmp_path / "local"))
    crawls = tmp_path / "local" / "crawls"
    ask = "from facecourse.scraping import crawler; print(crawler.default_folder('polite'))"

    def folder_in_another_kernel(notebook: str) -> str:
        env = {**os.environ, "JPY_SESSION_NAME": notebook}
        return subprocess.run([sys.executable, "-c", ask], env=env, capture_output=True, text=True,
                              check=True, cwd=tmp_path).stdout.strip()

    monkeypatch.setenv("JPY_SESSION_NAME", str(tmp_path / "lessons" / "A3_careless_vs_polite.ipynb"))
    mine = crawler.default_folder("polite")
    assert mine == (crawls / "lessons" / "A3_careless_vs_polite" / "polite").resolve()
    assert crawler.default_folder("polite") == mine, "the same kernel gets the same folder back"
    # another notebook, and the same notebook's twin in solutions/, get their own folders
    assert folder_in_another_kernel(str(tmp_path / "lessons" / "A4_provenance_consent.ipynb")) == \
        str((crawls / "lessons" / "A4_provenance_consent" / "polite").resolve())
    assert folder_in_another_kernel(str(tmp_path / "solutions" / "A3_careless_vs_polite.ipynb")) == \
        str((crawls / "solutions" / "A3_careless_vs_polite" / "polite").resolve())
    # a second kernel of THIS notebook while this one holds its folder: polite-2
    assert folder_in_another_kernel(str(tmp_path / "lessons" / "A3_careless_vs_polite.ipynb")) == \
        str(mine.parent / "polite-2")
