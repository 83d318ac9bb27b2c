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
# 3. check what robots.txt allows with a well-kept parser (protego) instead of string matching, and
#    read a page's links, photos and robots meta tag with requests and BeautifulSoup;
# 4. name the main legal instruments (terms of service, CFAA and hiQ v. LinkedIn, Illinois BIPA, GDPR article 9, the EU AI
#    Act's ban on untargeted face scraping) and what each one covers.
#
# **Prerequisites.** `lessons/00_start_here.ipynb`; what an HTTP request is.
#
# **Estimated time.** 30 minutes.

# %% [markdown]
# ## What was collected
#
# The course's facts tables (`datasets/facts/`, each row with its source) record the claims about
# the gallery and the platforms' reactions. The New York Times report that made the company public
# described photos taken from Facebook, YouTube, Venmo and millions of other sites. pandas cuts long
# text in tables to 50 characters by default; setting the option `display.max_colwidth` to `None`
# shows each source address whole, because the link is the evidence:

# %%
import pandas as pd
import requests
from IPython.display import Markdown
from protego import Protego

from facecourse.breach import facts
from facecourse.scraping import sandbox

events = facts.timeline()
pd.set_option("display.max_colwidth", None)  # show every source address whole: the link is the evidence
events.loc[events["event_type"].isin(["media_report", "database_size"]), ["date", "headline", "figure", "flag",
                                                                            "source_url"]]

# %% [markdown]
# Every size in that table is the company's own claim. Nobody outside it counted the photos; what
# is certain is that the people in them were never asked.
#
# ## How the sites objected
#
# The platforms' terms of service already forbade this kind of collection. After the report they
# objected, by letter or by demand, and Apple took action of its own. Each row's `event_type` says
# which:

# %%
letters = events[events["event_type"].str.startswith("platform")]
letters[["date", "actor", "event_type", "headline", "source_name", "source_url"]]

# %% [markdown]
# How soon after the story? `when` is a pandas timestamp, and subtracting two timestamps gives a
# `Timedelta` whose `.days` is a plain number of days:

# %%
story = pd.Timestamp("2020-01-18")
objections = letters[letters["event_type"].isin(["platform_cease_and_desist", "platform_demand"])]
last_objection = objections["when"].max()
(last_objection - story).days

# %% [markdown]
# The same subtraction works on a whole column at once: `objections["when"] - story` is a column of
# `Timedelta`s, and a column reaches the parts of its values through the `.dt` accessor, so
# `.dt.days` gives every row's number of days (a column of integers that `zip` or `dict` can pair
# with another column):

# %%
days_after = (objections["when"] - story).dt.days
dict(zip(objections["actor"], days_after))

# %%
apple = letters[letters["event_type"] == "platform_action"].iloc[0]
Markdown(f"Within {(last_objection - story).days} days of the report, {len(objections)} platforms objected "
         f"({', '.join(objections['actor'])}); {apple['actor']} acted {(apple['when'] - story).days} days after it.")

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
# else may fetch everything except `/members/`, `/login` and `/search`. The last line asks for a
# pause between requests.
#
# Do not parse this with string matching: robots.txt has rules about groups, wildcards, the
# longest matching path and defaults that are easy to get wrong. `protego`, the parser Scrapy
# uses, implements them. `Protego.parse` reads the text once; `can_fetch(url, user_agent)` then
# answers for one full URL and one crawler name (the crawler's own group if it has one, else `*`):

# %%
rules = Protego.parse(robots_txt)
checks = [(agent, path) for agent in ("ClearviewStyleBot", "facecourse-polite-crawler/1.0")
          for path in ("/people/colin-powell", "/members/carol-williams", "/terms")]
pd.DataFrame([{"user agent": a, "path": p, "may fetch": rules.can_fetch(site.url + p, a)} for a, p in checks])

# %% [markdown]
# Notice the rule order does not matter, only the most specific match: with `Disallow: /members/`
# and `Allow: /members/public`, the longer path wins for `/members/public`. protego does that for us:

# %%
demo = Protego.parse("User-agent: *\nDisallow: /members/\nAllow: /members/public\n")
[demo.can_fetch("http://127.0.0.1" + p, "anyone") for p in ("/members/x", "/members/public", "/people/x")]

# %% [markdown]
# **The crawl delay.** `crawl_delay(user_agent)` returns the `Crawl-delay` of the crawler's group,
# in seconds (or `None` if the group has none):

# %%
delay = rules.crawl_delay("facecourse-polite-crawler/1.0")
delay

# %%
Markdown(f"This site asks every crawler to wait {delay:g} s between requests, at most "
         f"{1 / delay:g} requests a second. `Crawl-delay` is **not** part of the Robots Exclusion Protocol "
         "standard (RFC 9309, 2022), which defines only `User-agent`, `Allow` and `Disallow` and lets "
         "crawlers read other lines as they wish. It is a widely used extension (Bing's crawler, for one, "
         "honours it; Google's ignores it). A polite crawler honours it anyway: it is the site telling you "
         "what load it can bear.")

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
# ## Reading a page: links, photos and its wishes
#
# A crawler needs three things from each page: the links to follow, the photos, and what the page
# asks of robots. BeautifulSoup gives all three: `find_all("a", href=True)` for the links,
# `find_all("img")` for the images, and `find("meta", attrs={"name": "robots"})` for the robots meta
# tag. A public profile first:

# %%
public_slug = site.profiles().query("setting == 'public'")["slug"].iloc[0]
profile = BeautifulSoup(requests.get(f"{site.url}/people/{public_slug}", timeout=10).text, "html.parser")
links = [a["href"] for a in profile.find_all("a", href=True)]
images = [img["src"] for img in profile.find_all("img")]
links, images, profile.find("meta", attrs={"name": "robots"})

# %% [markdown]
# No robots meta tag: the page may be indexed and its links followed. Another profile carries one:

# %%
noindex_slug = site.profiles().query("setting == 'noindex'")["slug"].iloc[0]
page = BeautifulSoup(requests.get(f"{site.url}/people/{noindex_slug}", timeout=10).text, "html.parser")
tag = page.find("meta", attrs={"name": "robots"})
tag

# %% [markdown]
# Its `content` is a comma-separated list of directives; split it and compare in lower case
# (`NoIndex` and `noindex` mean the same). `noindex` asks not to index the page, `nofollow` not to
# follow its links, `none` means both, and `noimageindex` not to index its images:

# %%
directives = sorted({word.strip().lower() for word in tag["content"].split(",")})
directives

# %% [markdown]
# Two more details matter on real pages. The tag's *name* is case-insensitive too (`ROBOTS` is
# the same tag), and a page may carry several robots tags, whose directives all apply. So collect
# them from every `<meta>` whose name, lower-cased, is `robots`:

# %%
messy = BeautifulSoup("<meta name='ROBOTS' content='NoFollow'><meta name='robots' content='noarchive'>"
                      "<meta name='description' content='noindex is explained here'>", "html.parser")
[tag["content"] for tag in messy.find_all("meta") if tag.get("name", "").lower() == "robots"]

# %% [markdown]
# This person asked search engines not to index the page or its images. A face-search engine is a
# search engine.
#
# **Which helper, and why.** From lesson A2 on, the course crawls with
# `facecourse.scraping.crawler.Crawler`, which makes exactly these calls: `Protego.parse` once per
# site, `can_fetch` before every URL (and every redirect), `crawl_delay` for its pace, and
# BeautifulSoup for links, photos and robots meta tags. It exists so that a whole crawl runs in one
# line and every decision lands in a ledger; read its source when you want to see how.

# %%
site.stop()

# %% [markdown]
# ## The legal map
#
# Which of these wishes is also law depends on where you are and whose faces you take. The course
# keeps a short table, each row with its source and an `as_of` date: the newest development the row
# describes (laws are amended and rulings appealed, so a row says nothing about what came after):

# %%
legal = facts.legal_map()
legal[["instrument", "jurisdiction", "what_it_says", "as_of", "source_url"]]

# %% [markdown]
# To find rows whose text mentions a word, whatever its case, use `str.contains(word, case=False)`;
# for example, the instruments that speak of damages:

# %%
legal.loc[legal["what_it_says"].str.contains("damages", case=False), "instrument"].tolist()

# %% [markdown]
# ## The law moves
#
# The legal map is today's reading, and two of its rows changed while this story unfolded:
# Illinois changed how BIPA damages are counted, and the UK fine went through two tribunals. The
# timeline records each step with its source. Select the Illinois (`US-IL`) and UK (`GB`) rows
# that are laws, rulings or decisions from 2022 on:

# %%
turns = events[events["jurisdiction"].isin(["US-IL", "GB"])
               & events["event_type"].isin(["legislation", "court_ruling", "regulator", "tribunal"])
               & (events["year"] >= 2022)]
turns[["date", "actor", "headline", "flag", "source_url"]]

# %%
def day(when):
    """A date as "2 August 2024" (no leading zero)."""
    return f"{when.day} {when:%B %Y}"


per_scan = turns[turns["event_type"] == "court_ruling"].iloc[0]
amendment = turns[turns["event_type"] == "legislation"].iloc[0]
ico = turns[(turns["jurisdiction"] == "GB") & (turns["event_type"] == "regulator")].iloc[0]
first_tier, upper = turns[turns["event_type"] == "tribunal"].iloc[0], turns[turns["event_type"] == "tribunal"].iloc[1]
open_point, _, checked = amendment["flag"].partition(" (as of ")  # a flag that can change says when it held
Markdown(
    f"**Illinois.** In {per_scan['year']} the state's supreme court read BIPA as giving a new claim for every "
    "scan, so damages could multiply with the number of photos. The amendment in force since "
    f"{day(amendment['when'])} makes repeated collection of the same person's biometrics by the same method one "
    "violation, with at most one recovery per person, and lets an electronic signature serve as the written "
    "release. For a face-search company the exposure now grows with the number of people in its gallery, not "
    f"with the number of their photos (one point was open as of {checked.rstrip(')')}: {open_point}).\n\n"
    f"**United Kingdom.** The ICO fined Clearview GBP {ico['figure']:,.0f} on {day(ico['when'])}. On "
    f"{day(first_tier['when'])} the First-tier Tribunal held that the ICO had no jurisdiction, because "
    "Clearview's clients were foreign states' law-enforcement and national-security bodies. The Upper Tribunal "
    f"reversed that on {day(upper['when'])}: monitoring people in the UK is enough, whoever the "
    "clients are. The case went back to the First-tier Tribunal, so the fine is **not final** "
    f"({ico['flag'].removeprefix('not final: ').replace(' (', ', ').rstrip(')')}).")

# %% [markdown]
# ## Collection itself banned: the EU AI Act
#
# The laws above ask whether processing a face is lawful, or whether a page may be fetched. The
# European Union's Artificial Intelligence Act goes one step earlier, to the collection itself. Its
# row in the legal map, with the official text as source:

# %%
ai_act = legal[legal["instrument"].str.contains("Artificial Intelligence Act")].iloc[0]
applies = events[(events["jurisdiction"] == "EU") & (events["event_type"] == "legislation")].iloc[0]
Markdown(f"**{ai_act['instrument']}.** {ai_act['what_it_says']}\n\n{ai_act['why_it_matters_for_scraping']} "
         f"(Source: {ai_act['source_name']}, {ai_act['source_url']}; the timeline dates the ban's application to "
         f"{day(applies['when'])}.)")

# %% [markdown]
# Four points carry most of the weight:
#
# * **"Public" does not mean "free to take".** In the US, hiQ v. LinkedIn suggests that scraping
#   pages anyone can see is probably not computer crime, but contracts (terms of service) still
#   bind, and logging in with made-up accounts is different.
# * **Faces are special.** Illinois' BIPA requires written consent before a company collects face
#   geometry, with damages per violation (since August 2024 at most one recovery per person, however
#   many times their face was scanned); the GDPR treats biometric identification data as a special
#   category that needs an exception such as explicit consent.
# * **Collecting faces by untargeted scraping is itself forbidden in the EU** since February 2025, by the
#   AI Act's Article 5(1)(e): no lawful basis can make it legal there, and a polite crawler that
#   builds a face-search database by crawling the web at large would be the forbidden practice.
# * **Borders do not protect the collector, but they are argued over.** European, Canadian and
#   Australian regulators ruled against a US company because it processed their residents' faces.
#   The UK regulator did too; whether selling only to foreign governments put the processing out of its
#   reach went to two tribunals, and the fine is not final.
#
# ## Summary
#
# * Clearview's gallery came from photos on platforms whose terms forbade the collection; the platforms objected by letter or demand within weeks of the 2020 report.
# * A site speaks to crawlers through robots.txt and robots meta tags, and to collectors through its terms and opt-out mechanisms.
# * Parse robots.txt with a real parser (protego); honour the crawl delay, a widely used extension that RFC 9309 does not define.
# * Read pages with requests and BeautifulSoup: links, photos and the robots meta tag.
# * Law adds consent requirements for faces (BIPA, GDPR) that no robots.txt can express, and since 2025 the EU AI Act bans building face-recognition databases by untargeted scraping outright; law changes: date what you cite (BIPA's 2024 amendment, the UK tribunals, the AI Act's application).
# * Exercise: `exercises/A1_how_the_database_was_built.ipynb`. Next lesson: `lessons/A2_polite_crawler.ipynb`.
