# %% [markdown]
# # A1. How the database was built: scraping, and the rules it broke
#
# **Why this matters.** Clearview's product is only as powerful as its gallery, and the gallery
# was collected from social networks and other sites without asking the sites or the people in
# the photos. To judge that, and to collect data better yourself, you need to know what sites
# say about collection, how they say it, and which laws apply.
#
# **Learning objectives.** After this lesson you can
# 1. describe, from sourced facts, what Clearview collected and how platforms and regulators reacted;
# 2. read a site's robots.txt, robots meta tags, terms of service and opt-out registry, and say what each one asks;
# 3. check what robots.txt allows with a well-kept parser (protego) instead of string matching;
# 4. name the main legal instruments (terms of service, CFAA and hiQ v. LinkedIn, Illinois BIPA, GDPR article 9) and what each one covers.
#
# **Prerequisites.** `lessons/00_start_here.ipynb`; what an HTTP request is.
#
# **Estimated time.** 25 minutes.

# %% [markdown]
# ## What was collected
#
# The course's facts tables (`datasets/facts/`, each row with its source) record the claims about
# the gallery and the platforms' reactions. The New York Times report that made the company public
# described photos taken from Facebook, YouTube, Venmo and millions of other sites:

# %%
import pandas as pd
import requests
from protego import Protego

from facecourse.breach import facts
from facecourse.scraping import sandbox

events = facts.timeline()
events.loc[events["event_type"].isin(["media_report", "database_size"]), ["date", "headline", "figure", "flag"]]

# %% [markdown]
# Every size in that table is the company's own claim. Nobody outside it counted the photos; what
# is certain is that the people in them were never asked.
#
# ## How the sites objected
#
# Within three weeks of the report, five platforms objected, by letter, and Apple later suspended
# the company's developer account. The platforms' terms of service already forbade this kind of
# collection:

# %%
letters = events[events["event_type"].str.startswith("platform")]
letters[["date", "actor", "headline", "source_name"]]

# %% [markdown]
# A letter is not an injunction: it tells a scraper that the site objects and that continuing is
# at its own legal risk. The regulators' and courts' actions came later (lesson C1 has the timeline).
#
# ## The rules a site publishes
#
# Sites state their wishes in four places, each aimed at a different reader:
#
# | where | for | says |
# |---|---|---|
# | `/robots.txt` | crawlers | which paths a named crawler may fetch, and how fast |
# | `<meta name="robots">` in a page | indexers | whether this page may be indexed or its links followed |
# | terms of service | people and companies | what you agree to by using the site |
# | an opt-out registry (where one exists) | collectors | which people refuse collection |
#
# The course's **sandbox** has all four. It is a small social network served on 127.0.0.1 by the
# notebook itself, with demonstration profiles made from LFW photos of public figures. Start it and
# read its robots.txt:

# %%
site = sandbox.SandboxSite().start()
robots_txt = requests.get(site.url + "/robots.txt", timeout=10).text
print(robots_txt)

# %% [markdown]
# Two groups: a bot called `ClearviewStyleBot` may fetch nothing (`Disallow: /`), and everyone
# else may fetch everything except `/members/`, `/login` and `/search`, one request every 0.1 s.
#
# Do not parse this with string matching: robots.txt has rules about groups, wildcards, the
# longest matching path and defaults that are easy to get wrong. `protego`, the parser Scrapy
# uses, implements them:

# %%
rules = Protego.parse(robots_txt)
checks = [(agent, path) for agent in ("ClearviewStyleBot", "facecourse-polite-crawler/1.0")
          for path in ("/people/colin-powell", "/members/carol-williams", "/terms")]
pd.DataFrame([{"user agent": a, "path": p, "may fetch": rules.can_fetch(site.url + p, a)} for a, p in checks])

# %%
rules.crawl_delay("facecourse-polite-crawler/1.0")

# %% [markdown]
# The terms of service say more than robots.txt can: no automated collection to build face
# databases, no accounts created for that purpose, and the opt-out registry must be honoured.

# %%
from bs4 import BeautifulSoup

terms = BeautifulSoup(requests.get(site.url + "/terms", timeout=10).text, "html.parser")
print(terms.main.get_text(" ", strip=True))

# %%
requests.get(site.url + "/privacy/opt-out.json", timeout=10).json()["paths"][:4]

# %% [markdown]
# And one profile page carries a robots meta tag: this person asked search engines not to index
# the page or its images.

# %%
noindex_slug = site.profiles().query("setting == 'noindex'")["slug"].iloc[0]
page = BeautifulSoup(requests.get(f"{site.url}/people/{noindex_slug}", timeout=10).text, "html.parser")
page.find("meta", attrs={"name": "robots"})

# %%
site.stop()

# %% [markdown]
# ## The legal map
#
# Which of these wishes is also law depends on where you are and whose faces you take. The course
# keeps a short table, each row with a primary source:

# %%
legal = facts.legal_map()
legal[["instrument", "jurisdiction", "what_it_says"]]

# %% [markdown]
# Three points carry most of the weight:
#
# * **"Public" does not mean "free to take".** In the US, hiQ v. LinkedIn suggests that scraping
#   pages anyone can see is probably not computer crime, but contracts (terms of service) still
#   bind, and logging in with made-up accounts is different.
# * **Faces are special.** Illinois' BIPA requires written consent before a company collects face
#   geometry, with damages per violation; the GDPR treats biometric identification data as a special
#   category that needs an exception such as explicit consent.
# * **Borders do not protect the collector.** European, British, Canadian and Australian regulators
#   all ruled against a US company because it processed their residents' faces.
#
# ## Summary
#
# * Clearview's gallery came from photos on platforms whose terms forbade the collection; five platforms objected by letter in early 2020.
# * A site speaks to crawlers through robots.txt and robots meta tags, and to collectors through its terms and opt-out mechanisms.
# * Parse robots.txt with a real parser (protego); respect the crawl delay.
# * Law adds consent requirements for faces (BIPA, GDPR) that no robots.txt can express.
# * Exercise: `exercises/A1_how_the_database_was_built.ipynb`. Next lesson: `lessons/A2_polite_crawler.ipynb`.
