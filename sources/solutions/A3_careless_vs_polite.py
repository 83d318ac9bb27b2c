# %% [raw]
# # ASSIGNMENT CONFIG
# name: A3_careless_vs_polite
# init_cell: true
# check_all_cell: true
# export_cell: false
# tests:
#   files: false
#   ok_format: false

# %% [markdown]
# # Exercise A3: measuring the difference
#
# **Why this matters.** Claims about "responsible collection" are cheap; an access log and a
# ledger make them checkable. Here you do the checking.
#
# **Learning objectives.** Compare two crawls; audit an access log against robots.txt; name the
# people a careless crawl harms; chart both access logs with altair.
#
# **Prerequisites.** `lessons/A3_careless_vs_polite.ipynb`.
#
# **Estimated time.** 40 minutes (from a trial run: see `INSTRUCTORS.md`).

# %%
import altair as alt
import pandas as pd
from protego import Protego

from facecourse.scraping import crawler, sandbox


site = sandbox.SandboxSite().start()
profiles = site.profiles()
polite = crawler.polite_crawler(site.url).crawl()
polite_log = site.access_log()
site.clear_log()
careless = crawler.careless_crawler(site.url).crawl()
careless_log = site.access_log()
robots_txt = site.robots_txt()
site.stop()
# Both crawls depend on timing (how many requests the careless one sends within the site's rate
# limit window depends on how busy the computer is), so the checks count what YOUR crawls logged.
# graded on the student's run: polite, polite_log, careless, careless_log

# %% [markdown]
# ## Question 1: how much more?
#
# Store in `extra_photos` how many more photos the careless crawl kept than the polite one
# (`.photos()` of each result), and in `extra_people` how many more distinct people (`subject`).

# %% [raw]
# # BEGIN QUESTION
# name: q1
# points: 2

# %% [raw]
# # BEGIN SOLUTION

# %%
extra_photos = len(careless.photos()) - len(polite.photos())  # SOLUTION
extra_people = careless.photos()["subject"].nunique() - polite.photos()["subject"].nunique()  # SOLUTION
extra_photos, extra_people

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
def test_q1_1(extra_photos, extra_people):
    from facecourse.checks import answered
    answered("q1", extra_photos=extra_photos, extra_people=extra_people)
    assert extra_photos > 0 and extra_people > 0, \
        "The careless crawl kept more photos and more people than the polite one: both differences should be positive."

# %%
def test_q1_2(extra_photos, careless, polite):
    assert extra_photos == careless.summary()["photos kept"] - polite.summary()["photos kept"], \
        "extra_photos should be the difference in photos kept (rows of .photos()), not in ledger rows or pages."

# %%
def test_q1_3(extra_people, careless, polite):
    assert extra_people == careless.summary()["people"] - polite.summary()["people"], \
        "extra_people should be the difference in distinct people (subject), not in photos."

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_q1_hidden_1(profiles, extra_photos, extra_people):
    _hidden = profiles[profiles["setting"] != "public"]
    assert extra_photos == _hidden["photos"].sum()
    assert extra_people == len(_hidden)

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 2: audit a log against robots.txt
#
# Write `disallowed_requests(log, robots_txt, user_agent)`: the number of rows of an access log
# (a DataFrame with a `path` column, like `careless_log`) whose path `user_agent` may **not**
# fetch under `robots_txt`. Paths may carry a query string (`/directory?page=2`); protego
# handles that if you prefix the path with a site, e.g. `"http://127.0.0.1" + path`.
# Then store `careless_violations = disallowed_requests(careless_log, robots_txt, crawler.POLITE_UA)`
# (what the careless crawler fetched that a crawler following the rules for everyone may not).

# %% [raw]
# # BEGIN QUESTION
# name: q2
# points: 2

# %% [raw]
# # BEGIN SOLUTION

# %%
def disallowed_requests(log, robots_txt, user_agent):
    # BEGIN SOLUTION
    rules = Protego.parse(robots_txt)
    return int(sum(not rules.can_fetch("http://127.0.0.1" + p, user_agent) for p in log["path"]))
    # END SOLUTION


careless_violations = disallowed_requests(careless_log, robots_txt, crawler.POLITE_UA)
careless_violations

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
def test_q2_1(disallowed_requests, careless_violations, robots_txt):
    import pandas as pd
    from facecourse.checks import answered
    answered("q2", disallowed_requests=disallowed_requests, careless_violations=careless_violations)
    _log = pd.DataFrame({"path": ["/", "/login", "/login", "/members/a", "/people/b?x=1", "/search?q=c"]})
    assert disallowed_requests(_log, robots_txt, "someone") == 4, \
        "Under the sandbox's robots.txt, the two /login rows, /members/a and /search?q=c are disallowed for everyone: count rows, 4 of these 6."

# %%
def test_q2_2(disallowed_requests, robots_txt):
    import pandas as pd
    _log = pd.DataFrame({"path": ["/", "/login", "/login", "/members/a", "/people/b?x=1", "/search?q=c"]})
    assert disallowed_requests(_log, robots_txt, "ClearviewStyleBot/1.0") == 6, \
        "ClearviewStyleBot has its own group (Disallow: /): all 6 rows are disallowed for it; ask protego with the user agent given."

# %%
def test_q2_3(careless_violations, careless_log):
    assert careless_violations == careless_log["path"].str.startswith(("/members/", "/login", "/search")).sum(), \
        "careless_violations should count every careless request (rows, not distinct paths) to /members/, /login or /search."

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_q2_hidden_1(disallowed_requests, careless_violations, profiles):
    import pandas as pd
    _log = pd.DataFrame({"path": ["/", "/login", "/login", "/members/a", "/people/b?x=1", "/search?q=c"]})
    _txt = "User-agent: *\nDisallow: /*.jpg$\nDisallow: /private\nAllow: /private/ok\n"
    _log2 = pd.DataFrame({"path": ["/a.jpg", "/a.jpg?size=2", "/private/x", "/private/ok/1", "/p", "/private"]})
    assert disallowed_requests(_log2, _txt, "x") == 3
    assert disallowed_requests(_log2.iloc[:0], _txt, "x") == 0
    assert careless_violations >= 1 + (profiles["setting"] == "login").sum()

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 3: who is harmed?
#
# Store in `harmed` the sorted list of people (names, as in `subject`) whose photos the careless
# crawl kept and the polite crawl did not, and in `harmed_settings` a dict mapping each privacy
# `setting` of those people (from `profiles`) to how many of them had it.

# %% [raw]
# # BEGIN QUESTION
# name: q3
# points: 2

# %% [raw]
# # BEGIN SOLUTION

# %%
harmed = sorted(set(careless.photos()["subject"]) - set(polite.photos()["subject"]))  # SOLUTION
harmed_settings = profiles.set_index("name").loc[harmed, "setting"].value_counts().to_dict()  # SOLUTION
harmed, harmed_settings

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
def test_q3_1(harmed, harmed_settings):
    from facecourse.checks import answered
    answered("q3", harmed=harmed, harmed_settings=harmed_settings)
    assert isinstance(harmed, list) and harmed == sorted(harmed), "harmed should be a sorted list of names."

# %%
def test_q3_2(profiles, harmed):
    _public = set(profiles.loc[profiles["setting"] == "public", "name"])
    assert not set(harmed) & _public, \
        "harmed should leave out people with public profiles: the polite crawl kept their photos too."

# %%
def test_q3_3(careless, polite, harmed):
    _taken, _kept = set(careless.photos()["subject"]), set(polite.photos()["subject"])
    assert set(harmed) <= _taken - _kept and len(harmed) == len(_taken - _kept), \
        "harmed should hold every person whose photos the careless crawl kept and the polite crawl did not."

# %%
def test_q3_4(harmed_settings, harmed):
    assert isinstance(harmed_settings, dict) and sum(harmed_settings.values()) == len(harmed), \
        "harmed_settings should count people (one per harmed person), not photos: its values add up to len(harmed)."

# %%
def test_q3_5(harmed_settings, profiles, harmed):
    assert harmed_settings == profiles[profiles["name"].isin(harmed)]["setting"].value_counts().to_dict(), \
        "harmed_settings should map each privacy setting of the harmed people to how many of them had it."

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_q3_hidden_1(harmed, profiles, harmed_settings):
    assert harmed == sorted(profiles.loc[profiles["setting"] != "public", "name"])
    assert harmed_settings == {"login": 2, "noindex": 2, "opted-out": 2}

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 4: the two access logs in one chart
#
# Build `status_counts`, a DataFrame with one row per crawler and HTTP status and the columns
# `crawler` (`"polite"` or `"careless"`), `status` and `requests` (the number of requests in that
# crawler's log with that status), from `polite_log` and `careless_log`. Then build
# `status_chart`, an altair bar chart of `status_counts` with the status on x (a **nominal** field:
# HTTP statuses are categories, not quantities), `requests` on y (quantitative), the crawler as
# colour (or as `xOffset`, or a column facet), a tooltip that shows the number of requests, a
# title and a description (`.properties(title=..., description=...)`: a sentence saying what the
# chart shows), as the lesson did for its charts. Bars are lengths: they start at zero on a linear
# scale, and every bar is drawn whole.

# %% [raw]
# # BEGIN QUESTION
# name: q4
# points: 3

# %% [raw]
# # BEGIN SOLUTION

# %%
status_counts = status_chart = None  # your answers replace these
# BEGIN SOLUTION
status_counts = pd.concat([
    log.groupby("status").size().rename("requests").reset_index().assign(crawler=name)
    for name, log in {"polite": polite_log, "careless": careless_log}.items()
], ignore_index=True)[["crawler", "status", "requests"]]
status_chart = alt.Chart(status_counts).mark_bar().encode(
    x=alt.X("status:N", title="HTTP status"),
    y=alt.Y("requests:Q", title="requests"),
    color=alt.Color("crawler:N"),
    xOffset="crawler:N",
    tooltip=["crawler:N", "status:N", "requests:Q"],
).properties(title="Requests per HTTP status, polite vs careless crawl",
             description="Bar chart of the sandbox's access log: requests per HTTP status for each crawler.")
# END SOLUTION
status_chart

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
def test_q4_1(status_counts, status_chart):
    import pandas as pd
    from facecourse.checks import answered
    answered("q4", status_counts=status_counts, status_chart=status_chart)
    assert isinstance(status_counts, pd.DataFrame) and {"crawler", "status", "requests"} <= set(status_counts.columns), \
        "status_counts should be a DataFrame with the columns crawler, status and requests."

# %%
def test_q4_2(status_counts, polite_log, careless_log):
    _sc = status_counts.assign(status=status_counts["status"].astype(int)).set_index(["crawler", "status"])["requests"]
    assert _sc.groupby(level="crawler").sum().to_dict() == {"polite": len(polite_log), "careless": len(careless_log)}, \
        "The requests of each crawler should add up to the number of rows in its access log."

# %%
def test_q4_3(status_counts, careless_log, polite_log):
    _sc = status_counts.assign(status=status_counts["status"].astype(int)).set_index(["crawler", "status"])["requests"]
    assert _sc.get(("careless", 429), 0) == (careless_log["status"] == 429).sum() and \
        _sc.get(("polite", 200), 0) == (polite_log["status"] == 200).sum(), \
        "requests should count the log rows with each status (e.g. the careless crawl's 429s)."

# %%
def test_q4_4(status_chart):
    from facecourse.charts import spec_summary  # reads the chart's Vega-Lite spec (chart.to_dict())
    _s = spec_summary(status_chart, "status_chart")
    assert _s["mark"] == "bar", f"status_chart should be a bar chart (mark_bar), not {_s['mark']!r}."

# %%
def test_q4_5(status_chart):
    from facecourse.charts import spec_summary  # reads the chart's Vega-Lite spec (chart.to_dict())
    _s = spec_summary(status_chart, "status_chart")
    _enc = _s["encoding"]
    assert _enc.get("x", {}).get("field") == "status" and _enc["x"]["type"] in ("nominal", "ordinal"), \
        "Put `status` on x as a nominal field ('status:N'): statuses are categories, not quantities."

# %%
def test_q4_6(status_chart):
    from facecourse.charts import spec_summary  # reads the chart's Vega-Lite spec (chart.to_dict())
    _s = spec_summary(status_chart, "status_chart")
    _enc = _s["encoding"]
    assert _enc.get("y", {}).get("field") == "requests" and _enc["y"]["type"] == "quantitative", \
        "Put `requests` on y as a quantitative field ('requests:Q')."

# %%
def test_q4_7(status_chart):
    from facecourse.charts import spec_summary  # reads the chart's Vega-Lite spec (chart.to_dict())
    _s = spec_summary(status_chart, "status_chart")
    _enc = _s["encoding"]
    assert any(_enc.get(ch, {}).get("field") == "crawler" for ch in ("color", "xOffset", "column", "row", "facet")), \
        "Show which crawler each bar belongs to (colour, xOffset or a column facet on `crawler`)."

# %%
def test_q4_8(status_chart):
    from facecourse.charts import spec_summary, drawn_rows  # reads the chart's Vega-Lite spec (chart.to_dict())
    _s = spec_summary(status_chart, "status_chart")
    assert "requests" in _s["tooltip"], \
        f"The tooltip should show the number of requests, so a reader can see the exact numbers; it shows {sorted(_s['tooltip'])}."
    _columns = set().union(*(r.keys() for r in drawn_rows(_s, "status_chart")))
    _unknown = sorted(_s["tooltip"] - _columns)
    assert not _unknown, f"The tooltip names {_unknown}, which the charted data does not have: it would show nothing."

# %%
def test_q4_9(status_chart):
    from facecourse.charts import spec_summary, expect_titled  # reads the chart's Vega-Lite spec (chart.to_dict())
    expect_titled(spec_summary(status_chart, "status_chart"), "status_chart")

# %%
def test_q4_10(status_chart, status_counts):
    from facecourse.charts import spec_summary, drawn_rows  # reads the chart's Vega-Lite spec (chart.to_dict())
    _s = spec_summary(status_chart, "status_chart")
    # status_counts itself is checked against the logs by the cases above
    _want = sorted((str(c), int(st), int(n)) for c, st, n in
                   zip(status_counts["crawler"], status_counts["status"], status_counts["requests"]))
    _got = sorted((str(r.get("crawler")), int(r["status"]), int(r["requests"])) for r in drawn_rows(_s, "status_chart")
                  if r.get("status") is not None and r.get("requests") is not None)
    _lost = sorted({c for c, _, _ in _want} - {c for c, _, _ in _got})
    assert not _lost, f"status_chart draws no bar for the {' and '.join(_lost)} crawler: chart every row of status_counts, with no filter."
    assert _got == _want, \
        f"status_chart should draw {len(_want)} bars, one per row of status_counts with its number of requests, " \
        f"not {len(_got)} bars or other numbers: chart status_counts as it is, all of its rows, unchanged."

# %%
def test_q4_11(status_chart):
    from facecourse.charts import spec_summary, expect_bars_from_zero, expect_domain_shows_all
    _s = spec_summary(status_chart, "status_chart")
    expect_bars_from_zero(_s, "y", "status_chart")
    for _ch in ("x", "color", "xOffset"):
        expect_domain_shows_all(_s, _ch, "status_chart")

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_q4_hidden_1(status_counts, status_chart, polite_log, careless_log):
    from facecourse.charts import spec_summary, drawn_rows  # reads the chart's Vega-Lite spec (chart.to_dict())
    _s = spec_summary(status_chart, "status_chart")
    assert len(status_counts) == polite_log["status"].nunique() + careless_log["status"].nunique()
    assert len(drawn_rows(_s, "status_chart")) == len(status_counts)
    assert len(_s["description"].split()) >= 3

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 5 (written): the people in the difference
#
# Pick one of the three settings (members only, which the data calls `login`; noindex; opted-out).
# In four to six sentences, say what the person with that setting expected, what the careless crawl
# did to them, and why the harm is greater for a face than for, say, a username.

# %% [raw]
# # BEGIN QUESTION
# name: q5
# manual: true
# points: 2

# %% [raw]
# # BEGIN SOLUTION

# %% [markdown]
# **Model answer.** A person who opted out told the site, in the way it offered, that their photos must not be
# collected; the careless crawler never read the registry and took all their photos anyway. Their
# choice was overridden silently: they cannot know they are in a gallery, so they cannot object
# or ask for erasure. For a username the damage ends when the account is renamed or deleted, but
# a face cannot be changed: once enrolled, any future photo of them, taken anywhere, can be
# matched to these pictures and to the pages they came from. The harm lasts as long as the gallery
# exists and reaches every place they are photographed.
#
# **Rubric (2 points).**
# * 1 point: for the chosen setting, says precisely what the person expected (members-only: seen only
#   by logged-in members; noindex: kept out of search indexes; opted out: not collected at all) and
#   what the careless crawl did (took their photos anyway, without their knowledge).
# * 1 point: says why a face is worse than a username: it cannot be changed, and once enrolled any
#   future photo of the person, taken anywhere, can be matched to these pictures and their pages; the
#   harm lasts as long as the gallery, and nobody can object to or erase what they do not know of.
#
# **Common weak answers.**
# * "The crawler broke the site's rules", with nothing about the person: 0 of 2 points.
# * Right about the setting, but "a face is more personal" with no reason (permanence, matching future
#   photos anywhere): 1 of 2 points.
# * Reads noindex as "the crawler cannot fetch the page" (it is a request not to index it): loses the
#   first point; 1 of 2 points if the face argument is right.

# %% [raw]
# # END SOLUTION

# %% [raw]
# # END QUESTION
