# %% [markdown]
# # A4. Provenance and consent: a datasheet, a searchable gallery, and erasure that works
#
# **Why this matters.** A face-search result is only as trustworthy as the record of where its
# photos came from, and only as lawful as the collector's respect for the people in them.
# Provenance lets a match be checked and challenged; erasure lets a person leave. This lesson
# carries both from the crawl to the search results, and then turns the same questions on LFW.
#
# **Learning objectives.** After this lesson you can
# 1. write a datasheet for a collected set from its provenance ledger;
# 2. build a face gallery from a crawl in which every match links back to its source;
# 3. honour an erasure request end to end: ledger, files, gallery, search and future crawls;
# 4. ask the same provenance and consent questions of LFW, the dataset this course uses.
#
# **Prerequisites.** `lessons/A2_polite_crawler.ipynb`. The face search here (embeddings and a gallery) is
# explained in track B (lessons B3 and B5), but you can use it without them: it returns the nearest faces.
#
# **Estimated time.** 30 minutes.

# %% [markdown]
# ## Collect, with receipts

# %%
from urllib.parse import urlsplit

import pandas as pd
from IPython.display import Markdown

from facecourse import data
from facecourse.matching import THRESHOLD, faces
from facecourse.scraping import collect, crawler, sandbox

site = sandbox.SandboxSite().start()
result = crawler.polite_crawler(site.url).crawl()
ledger = result.ledger
photos = ledger.photos()
print(f"{len(photos)} photos of {photos['subject'].nunique()} people, each with a ledger row")

# %% [markdown]
# ## A datasheet for the collected set
#
# "Datasheets for datasets" (Gebru et al., 2018) proposes that every dataset ship with answers to
# a standard set of questions: why it was created, what is in it, how it was collected, with what
# consent, and how people can be removed. The ledger answers most of them directly. The licence
# question, for instance, is a `groupby` over the collected photos (one row each):

# %%
photos.groupby("licence").size().sort_values(ascending=False)

# %% [markdown]
# Which share may be reused at all? A licence that starts with `CC BY` (Creative Commons,
# attribution) allows reuse with credit; the mean of a boolean column is the share of `True` rows:

# %%
reusable = photos["licence"].str.startswith("CC BY")
float(reusable.mean())

# %%
datasheet = pd.Series({
    "motivation": "teaching: a face-search gallery built from a sandbox site, never from real people's pages",
    "instances": f"{len(photos)} photos of {photos['subject'].nunique()} people (public figures from LFW)",
    "collection": f"polite crawl of the sandbox; robots.txt obeyed; {int((ledger.table()['decision'] == 'skipped: opted out').sum())} opted-out pages never fetched",
    "licences": "; ".join(f"{k}: {v}" for k, v in photos["licence"].value_counts().items()),
    "consent": "; ".join(photos["consent"].unique()),
    "integrity": "sha256 of every photo recorded at collection",
    "removal": "erase_everywhere(name): ledger, files, gallery; erased names are skipped by later crawls",
})
datasheet.to_frame("answer")

# %%
Markdown(f"The licence line is a warning sign: {(~reusable).mean():.0%} of the photos are \"all rights reserved\", "
         f"and {photos['licence'].str.contains('NC').mean():.0%} more are licensed for non-commercial use only. "
         "Being able to *see* a photo does not license using it, least of all to build a product.")
#
# ## From the ledger to a gallery
#
# `collect.gallery_from_ledger` embeds each collected photo (lesson B3) and enrols it under the
# name on its page, keeping the URL as the gallery's `source` and the hash, licence, consent and
# collection time beside it.

# %%
gallery, problems = collect.gallery_from_ledger(ledger)
print(gallery, "| photos that could not be enrolled:", len(problems))

# %% [markdown]
# Search it with a **different** photo of one of the people, one that was never on the site
# (LFW has eight of each in the teaching subset; the site shows three):

# %%
person = "Gordon_Brown"
probe = faces.embed_single(data.lfw_image_path(person, 7), choose="central").embedding
matches = gallery.search(probe, k=3)
table = gallery.results_table(matches, provenance=True)
table[["rank", "identity", "distance", "source", "licence"]].round({"distance": 2})

# %% [markdown]
# Each result is a `Match` with an `identity`, a `distance` and the photo's `source` URL. The part of
# a URL after the host is its path, which `urllib.parse.urlsplit` takes apart:

# %%
best = matches[0]
best.identity, round(best.distance, 2), urlsplit(best.source).path

# %% [markdown]
# Every candidate says where it came from, and under which licence. This is what Clearview's app
# showed too (matching photos with links to where they were found), but with an honest record of
# how each one was obtained.
#
# ## Erasure, end to end
#
# Suppose Gordon Brown asks to be removed. An erasure that only deletes a row somewhere is not an
# erasure: the photos stay on disk, the embeddings stay searchable, and the next crawl collects
# him again. `erase_everywhere` handles all of it:

# %%
collect.erase_everywhere("Gordon Brown", ledger, gallery)

# %% [markdown]
# Check it, in every place the person could still be: the ledger's rows, the gallery's identities,
# the search results, and the memory of the request (`ledger.is_erased`):

# %%
after = gallery.results_table(gallery.search(probe, k=3))
pd.Series({
    "rows about him in the ledger": int((ledger.table()["subject"] == "Gordon Brown").sum()),
    "in gallery.identities()": "Gordon Brown" in gallery.identities(),
    "in the top 3 results": bool((after["identity"] == "Gordon Brown").any()),
    "ledger.is_erased('Gordon Brown')": ledger.is_erased("Gordon Brown"),
})

# %%
after[["rank", "identity", "distance"]].round({"distance": 2})

# %%
nearest = after["distance"].min()
Markdown(f"The nearest candidate is now {after['identity'].iloc[0]}, at a distance of {nearest:.2f}: "
         + ("above" if nearest > THRESHOLD else "below")
         + f" the threshold of {THRESHOLD}, so "
         + ("no match. " if nearest > THRESHOLD else "a false match: a wrong person would be returned. ")
         + "The ledger keeps a hash of the erased name (not the name) so the next crawl honours the request:")

# %%
site.clear_log()
again = crawler.polite_crawler(site.url, ledger=ledger).crawl()
log = site.access_log()
site.stop()
print("photos of Gordon Brown requested again:", int(log["path"].str.startswith("/photos/gordon-brown/").sum()))
print("Gordon Brown in the new collection:", "Gordon Brown" in set(again.photos()["subject"]))

# %% [markdown]
# ## The mirror: where did LFW come from?
#
# Now ask the datasheet questions of the dataset this whole course runs on. LFW (Huang, Ramesh,
# Berg and Learned-Miller, 2007) is 13,233 photos of 5,749 public figures taken from news images on
# the web; the faces were found automatically (a Viola-Jones detector) and labelled with names. No
# one in it was asked. Like most benchmarks of its time, it was built on the assumption that
# newsworthy faces on the public web are free to reuse for research.

# %%
lfw = pd.Series([e.path for e in data.load_manifest("lfw") if e.path.startswith("images/")])
people = lfw.str.split("/").str[1]
pd.Series({"photos": len(lfw), "people": people.nunique(),
           "people with one photo": int((people.value_counts() == 1).sum()),
           "photos of the most photographed person": int(people.value_counts().iloc[0])})

# %% [markdown]
# (The course's manifest lists 13,232 photos: one image of the official release, the only photo of
# Betsy Coffin, was missing from the mirror the course was built from, so the manifest leaves it out.)
#
# The course's defences are limited and worth stating: it uses LFW for research and teaching, as its
# authors intended; it does not redistribute the images (the fetcher downloads them from the
# official URLs or a local mirror and verifies checksums); and its sandbox labels every profile as
# a demonstration. It cannot give the people in LFW what the polite crawler gives the sandbox's
# members: a way to say no. That is the same question Clearview answered the other way, at a
# scale of billions.
#
# ## Summary
#
# * A provenance ledger turns into a datasheet: what, how, under which licence, with what consent.
# * Keep provenance through the pipeline, so every search result links back to its source.
# * Erasure must reach the ledger, the files, the gallery, search, and the next crawl.
# * LFW itself was collected without consent: name that, and do not redistribute it.
# * Exercise: `exercises/A4_provenance_consent.ipynb`.
