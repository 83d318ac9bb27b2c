# %% [raw]
# # ASSIGNMENT CONFIG
# name: A1_how_the_database_was_built
# init_cell: true
# check_all_cell: true
# export_cell: false
# tests:
#   files: false
#   ok_format: false

# %% [markdown]
# # Exercise A1: the record, robots.txt and the law
#
# **Why this matters.** Before you write a crawler, you read what the site and the law ask. These
# questions practise both on real facts and on the course's sandbox.
#
# **Learning objectives.** Query the sourced timeline; decide with protego what a crawler may
# fetch; connect a kind of data to the law that governs it.
#
# **Prerequisites.** `lessons/A1_how_the_database_was_built.ipynb`.
#
# **Estimated time.** 25 minutes (from a trial run: see `INSTRUCTORS.md`).

# %%
import pandas as pd
from protego import Protego

from facecourse.breach import facts

events = facts.timeline()
legal = facts.legal_map()

# %% [markdown]
# ## Question 1: how fast did the platforms react?
#
# The New York Times story is dated `2020-01-18`. Build `days_to_object`, a dict mapping each
# platform `actor` whose `event_type` starts with `"platform_cease_and_desist"` or equals
# `"platform_demand"` to the number of days between the story and its objection (an `int`).

# %% [raw]
# # BEGIN QUESTION
# name: q1
# points: 2

# %% [raw]
# # BEGIN SOLUTION

# %%
objections = events[events["event_type"].isin(["platform_cease_and_desist", "platform_demand"])]  # SOLUTION
story = pd.Timestamp("2020-01-18")  # SOLUTION
days_to_object = {a: int((w - story).days) for a, w in zip(objections["actor"], objections["when"])}  # SOLUTION
days_to_object

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
def test_q1_1(days_to_object):
    from facecourse.checks import answered
    answered("q1", days_to_object=days_to_object)
    assert isinstance(days_to_object, dict), "days_to_object should be a dict mapping each platform to a number of days."

# %%
def test_q1_2(days_to_object):
    assert "Apple" not in days_to_object and len(days_to_object) == 5, \
        "days_to_object should hold exactly the five platforms whose event_type is a cease-and-desist or a demand (Apple's was another kind of action)."

# %%
def test_q1_3(days_to_object):
    assert days_to_object.get("Twitter") == 3, \
        "Twitter objected on 2020-01-21, so its value should be 3: the days from the story to the objection, not the reverse."

# %%
def test_q1_4(days_to_object):
    assert all(float(v).is_integer() and v >= 0 for v in days_to_object.values()), \
        "Every value should be a whole, non-negative number of days (use .days on the difference)."

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_q1_hidden_1(days_to_object):
    assert days_to_object["Twitter"] == 3
    assert days_to_object == {"Twitter": 3, "Google / YouTube": 17, "Facebook / Instagram": 18, "Venmo (PayPal)": 18,
                              "LinkedIn (Microsoft)": 19}

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 2: what may a crawler fetch?
#
# Write `allowed_paths(robots_txt, user_agent, paths)` returning the list of those `paths` (in
# their original order) that `user_agent` may fetch according to `robots_txt`. Use `Protego`;
# paths are like `"/people/ann"` (protego needs full URLs: prefix them with any site, for
# example `"http://127.0.0.1"`).

# %% [raw]
# # BEGIN QUESTION
# name: q2
# points: 2

# %% [raw]
# # BEGIN SOLUTION

# %%
def allowed_paths(robots_txt, user_agent, paths):
    # BEGIN SOLUTION
    rules = Protego.parse(robots_txt)
    return [p for p in paths if rules.can_fetch("http://127.0.0.1" + p, user_agent)]
    # END SOLUTION


# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
def test_q2_1(allowed_paths):
    from facecourse.checks import answered
    answered("q2", allowed_paths=allowed_paths)
    assert allowed_paths("User-agent: *\nDisallow: /private/\n", "me", ["/b", "/private/b", "/a"]) == ["/b", "/a"], \
        "allowed_paths should keep the allowed paths, in the order given, and drop the disallowed ones."

# %%
def test_q2_2(allowed_paths):
    _rtxt = "User-agent: BadBot\nDisallow: /\n\nUser-agent: *\nDisallow: /members/\nAllow: /members/public\n"
    assert allowed_paths(_rtxt, "BadBot", ["/", "/people/x"]) == [], \
        "A crawler named in its own group must obey that group: BadBot may fetch nothing here."

# %%
def test_q2_3(allowed_paths):
    _rtxt = "User-agent: BadBot\nDisallow: /\n\nUser-agent: *\nDisallow: /members/\nAllow: /members/public\n"
    assert allowed_paths(_rtxt, "nice", ["/people/x", "/members/x", "/members/public"]) == ["/people/x", "/members/public"], \
        "Other crawlers follow the '*' group, where the longer 'Allow: /members/public' beats 'Disallow: /members/'."

# %%
def test_q2_4(allowed_paths):
    assert allowed_paths("", "nice", ["/x", "/y"]) == ["/x", "/y"], "An empty robots.txt allows every path."

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_q2_hidden_1(allowed_paths):
    _txt = "User-agent: BadBot\nDisallow: /\n\nUser-agent: *\nDisallow: /members/\nAllow: /members/public\n"
    assert allowed_paths(_txt, "BadBot/2.0", ["/", "/people/x"]) == []
    assert allowed_paths(_txt, "nice", ["/members/x", "/members/public", "/people/x"]) == ["/members/public", "/people/x"]
    assert allowed_paths("User-agent: *\nDisallow: /*.jpg$\n", "nice", ["/a.jpg", "/a.jpg.html", "/b"]) == ["/a.jpg.html", "/b"]
    assert allowed_paths("User-agent: *\nDisallow:\n", "nice", ["/x"]) == ["/x"]

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 3: which laws require consent for faces?
#
# From `legal`, store in `consent_laws` the sorted list of `instrument` names whose
# `what_it_says` mentions consent (the word `"consent"`, any case).

# %% [raw]
# # BEGIN QUESTION
# name: q3
# points: 1

# %% [raw]
# # BEGIN SOLUTION

# %%
consent_laws = sorted(legal.loc[legal["what_it_says"].str.contains("consent", case=False), "instrument"])  # SOLUTION
consent_laws

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
def test_q3_1(consent_laws):
    from facecourse.checks import answered
    answered("q3", consent_laws=consent_laws)
    assert isinstance(consent_laws, list), "consent_laws should be a list (wrap the result in sorted(...) or list(...))."

# %%
def test_q3_2(consent_laws):
    assert consent_laws == sorted(consent_laws), "consent_laws should be sorted."

# %%
def test_q3_3(consent_laws, legal):
    assert set(consent_laws) <= set(legal["instrument"]), \
        "consent_laws should hold names from the `instrument` column, not the text of `what_it_says`."

# %%
def test_q3_4(consent_laws):
    assert len(consent_laws) == 3 and any("Biometric Information Privacy" in x for x in consent_laws), \
        "Three instruments mention consent (in any case), Illinois' Biometric Information Privacy Act among them."

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_q3_hidden_1(consent_laws):
    assert any("BIPA" in x or "Biometric Information Privacy" in x for x in consent_laws)
    assert any("GDPR" in x or "General Data Protection" in x for x in consent_laws)
    assert any("PIPEDA" in x for x in consent_laws)

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 4 (written): "it was all public"
#
# Clearview's defence was that it only collected photos anyone could see. In four to six
# sentences, explain why robots.txt and terms of service alone do not settle whether that is
# acceptable, and what BIPA and the GDPR add.

# %% [raw]
# # BEGIN QUESTION
# name: q4
# manual: true
# points: 2

# %% [raw]
# # BEGIN SOLUTION

# %% [markdown]
# **Model answer.** Robots.txt is a request to crawlers about paths and pace, and terms of service are a contract
# between a site and its users: both speak for the site, not for the people in the photos, and
# neither can express "do not build a face database of me". A site may even allow crawling for
# search engines while its users never imagined biometric enrolment. BIPA and the GDPR protect the
# people directly: collecting face geometry needs informed written consent in Illinois, and
# biometric identification data is a special category under the GDPR that needs an exception such
# as explicit consent. So "public" answers the site's question at best, never the person's.
#
# **Rubric (2 points).**
# * 1 point: robots.txt (paths and pace for crawlers) and terms of service (a contract between a site
#   and its users) speak for the site, not for the people in the photos: neither can express consent
#   to having one's face enrolled in a search database.
# * 1 point: says what BIPA and the GDPR add, each with what it requires: BIPA, informed written
#   consent before collecting face geometry in Illinois; the GDPR, biometric data used to identify
#   people is a special category whose processing needs an exception such as explicit consent (it
#   protects the person, wherever the photo was posted). Naming the EU AI Act's ban on untargeted
#   scraping of facial images (Article 5(1)(e)) is a correct addition, not required.
#
# **Common weak answers.**
# * "Robots.txt allowed it, so it was legal": 0 of 2 points.
# * Explains robots.txt and terms of service well but only says "privacy laws forbid it", without
#   what BIPA or the GDPR require: 1 of 2 points.
# * Names BIPA and the GDPR but describes them as rules for websites or against hacking: 1 of 2 points.

# %% [raw]
# # END SOLUTION

# %% [raw]
# # END QUESTION
