# %% [raw]
# # ASSIGNMENT CONFIG
# name: A3_careless_vs_polite
# init_cell: true
# check_all_cell: true
# export_cell: false
# tests:
#   files: false

# %% [markdown]
# # Exercise A3: measuring the difference
#
# **Why this matters.** Claims about "responsible collection" are cheap; an access log and a
# ledger make them checkable. Here you do the checking.
#
# **Learning objectives.** Compare two crawls; audit an access log against robots.txt; name the
# people a careless crawl harms.
#
# **Prerequisites.** `lessons/A3_careless_vs_polite.ipynb`.
#
# **Estimated time.** 25 minutes.

# %%
import pandas as pd
from protego import Protego

from facecourse.scraping import crawler, sandbox

site = sandbox.SandboxSite().start()
profiles = site.profiles()
polite = crawler.polite_crawler(site.url).crawl()
site.clear_log()
careless = crawler.careless_crawler(site.url).crawl()
careless_log = site.access_log()
robots_txt = site.robots_txt()
site.stop()

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
assert extra_photos > 0 and extra_people > 0

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
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
assert disallowed_requests(pd.DataFrame({"path": ["/a", "/members/b"]}), "User-agent: *\nDisallow: /members/", "x") == 1

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
_log = pd.DataFrame({"path": ["/", "/login", "/members/a", "/people/b?x=1", "/search?q=c"]})
assert disallowed_requests(_log, robots_txt, "someone") == 3
assert disallowed_requests(_log, robots_txt, "ClearviewStyleBot/1.0") == 5
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
assert isinstance(harmed, list) and harmed == sorted(harmed)

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
assert harmed == sorted(profiles.loc[profiles["setting"] != "public", "name"])
assert harmed_settings == {"login": 2, "noindex": 2, "opted-out": 2}

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 4 (written): the people in the difference
#
# Pick one of the three settings (members-only, noindex, opted-out). In four to six sentences,
# say what the person with that setting expected, what the careless crawl did to them, and why
# the harm is greater for a face than for, say, a username.

# %% [raw]
# # BEGIN QUESTION
# name: q4
# manual: true
# points: 2

# %% [raw]
# # BEGIN SOLUTION

# %% [markdown]
# A person who opted out told the site, in the way it offered, that their photos must not be
# collected; the careless crawler never read the registry and took all their photos anyway. Their
# choice was overridden silently: they cannot know they are in a gallery, so they cannot object
# or ask for erasure. For a username the damage ends when the account is renamed or deleted, but
# a face cannot be changed: once enrolled, any future photo of them, taken anywhere, can be
# matched to these pictures and to the pages they came from. The harm lasts as long as the gallery
# exists and reaches every place they are photographed.

# %% [raw]
# # END SOLUTION

# %% [raw]
# # END QUESTION
