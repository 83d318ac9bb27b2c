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
# 4. show why a plain hash of a name is not anonymous, and keep an erasure list with a keyed hash
#    (HMAC) instead;
# 5. ask the same provenance and consent questions of LFW, the dataset this course uses, and of the
#    face templates the course ships.
#
# **Prerequisites.** `lessons/A2_polite_crawler.ipynb`. The face search here (embeddings and a gallery) is
# explained in track B (lessons B3 and B5), but you can use it without them: it returns the nearest faces.
#
# **Estimated time.** 45 minutes.

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
# Which share may be reused, and for what? A Creative Commons licence is named by its elements:
# `BY` (give credit) always, plus `NC` (non-commercial use only), `ND` (no derivatives) or `SA`
# (share alike) when the author added them. So "starts with `CC BY`" is not "free to use": a
# `CC BY-NC` photo may be reused with credit, but not in a commercial product such as a face-search
# service. `str.extract` reads the elements out of each licence, and the mean of a boolean column
# is the share of `True` rows:

# %%
elements = photos["licence"].str.extract(r"^CC (BY(?:-[A-Z]{2})*)", expand=False)
with_credit = elements.notna()                                  # any CC BY licence
reusable = with_credit & ~elements.str.contains("NC", na=False)  # ... that also allows commercial use
pd.Series({"any CC BY licence (reuse with credit)": with_credit.mean(),
           "CC BY without NC (reuse in a product, with credit)": reusable.mean()}).round(3)

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
Markdown(f"The licence line is a warning sign: {(~with_credit).mean():.0%} of the photos are \"all rights reserved\", "
         f"and {(with_credit & ~reusable).mean():.0%} more are licensed for non-commercial use only, so counting every "
         f"\"CC BY...\" licence as reusable would claim {with_credit.mean():.0%} where a product may use "
         f"{reusable.mean():.0%}. Being able to *see* a photo does not license using it, least of all to build a product.")

# %% [markdown]
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
         + "The ledger remembers the request (as a keyed hash of the name, explained below) so the next crawl honours it:")

# %%
site.clear_log()
again = crawler.polite_crawler(site.url, ledger=ledger).crawl()
log = site.access_log()
site.stop()
print("photos of Gordon Brown requested again:", int(log["path"].str.startswith("/photos/gordon-brown/").sum()))
print("Gordon Brown in the new collection:", "Gordon Brown" in set(again.photos()["subject"]))

# %% [markdown]
# ## Remembering a request without writing down the name
#
# To honour the request, the ledger must remember that Gordon Brown asked; but an erasure list that
# reads "Gordon Brown" tells anyone who sees it who asked to be forgotten. A first idea is to store a
# *hash* of the name: SHA-256 turns any text into 64 hex digits, and nobody can compute the text back
# from them. `hashlib` does it in one line (the name is lower-cased and its spaces normalised first, so
# that "Gordon  Brown" and "gordon brown" give the same digest):

# %%
import hashlib
import hmac
import secrets
import time

stored_plain = hashlib.sha256("gordon brown".encode("utf-8")).hexdigest()
stored_plain

# %% [markdown]
# Nobody needs to reverse the hash, though. Whoever wants to know who asked takes a list of
# *candidate* names, hashes each one the same way, and compares: a dictionary attack. The sandbox's
# people come from LFW, so LFW's own list of names (its folder names, from the manifest) is a good
# dictionary:

# %%
lfw_names = sorted({e.path.split("/")[1] for e in data.load_manifest("lfw") if e.path.startswith("images/")})
candidates = [" ".join(name.replace("_", " ").lower().split()) for name in lfw_names]

start = time.perf_counter()
recovered = [name for name in candidates if hashlib.sha256(name.encode("utf-8")).hexdigest() == stored_plain]
seconds = time.perf_counter() - start
print(f"hashed {len(candidates):,} candidate names in {seconds:.3f} s; recovered: {recovered}")

# %%
Markdown(f"One pass over {len(candidates):,} names found the person who asked to be forgotten, in a fraction of a "
         "second. A plain hash of a name is a pseudonym that anyone can undo: the number of possible names is "
         "small, and lists of them (voter rolls, staff pages, LFW itself) are easy to get.")

# %% [markdown]
# The fix is a **keyed** hash. HMAC-SHA256 (`hmac` in the standard library) mixes a secret key into
# the hash; without the key, nobody can compute the digest of a candidate name, so the dictionary
# attack has nothing to compare with. The collector makes the key once (`secrets.token_bytes(32)`:
# 32 random bytes) and keeps it apart from the list:

# %%
secret = secrets.token_bytes(32)  # kept by the collector, never stored with the erasure list


def keyed(name, key):
    return hmac.new(key, name.encode("utf-8"), hashlib.sha256).hexdigest()


stored_keyed = keyed("gordon brown", secret)
guessed_key = secrets.token_bytes(32)  # an attacker's guess at the key
attacks = {
    "plain SHA-256 of every candidate": lambda n: hashlib.sha256(n.encode("utf-8")).hexdigest(),
    "HMAC with a guessed key": lambda n: keyed(n, guessed_key),
    "HMAC with the collector's key": lambda n: keyed(n, secret),
}
found = pd.Series({how: [n for n in candidates if digest(n) == stored_keyed] for how, digest in attacks.items()})
found.to_frame("names recovered from the stored digest")

# %%
Markdown(f"Without the key, neither attack recovers anyone; an attacker would have to guess the key itself, one of "
         f"2^256 (about {2 ** 256:.1e}) possibilities. With the key, the check works, and that is how the next crawl "
         f"recognises a name that asked to be erased. Two limits remain. Whoever holds the key can run the same "
         f"dictionary check, so the key is kept apart from the list, readable by its owner only. And for the "
         f"same reason a keyed hash of a name is still personal data for the key holder: the GDPR calls this "
         f"*pseudonymisation* (Article 4(5): data that cannot be attributed to a person \"without the use of additional "
         f"information\", kept separately), not anonymisation.")

# %% [markdown]
# ### The ledger does this for you
#
# `facecourse.scraping.ledger` works exactly this way: `ledger_module.subject_key(name)` is the HMAC-SHA256
# of the normalised name under a key made for this installation on first use (`erasure_key()`, stored in
# `erasure.key` in the course's local data folder, `datasets/local/`, which git ignores, with permissions
# 0600). `Ledger.save` writes one 64-digit keyed hash per request, under a header that identifies the key
# by a short fingerprint (its *key-id*) but never contains the key; `Ledger.load` refuses, with a
# message saying what to do, an erasure list made with another key. Run the dictionary attack on what the
# ledger actually stored:

# %%
import stat
import tempfile
from pathlib import Path

from facecourse.scraping import ledger as ledger_module

saved = ledger.save(Path(tempfile.mkdtemp()) / "ledger.csv")
erased_file = saved.with_suffix(".erased.txt")
stored = [line for line in erased_file.read_text().splitlines() if not line.startswith("#")]
key = ledger_module.erasure_key()
pd.Series({
    "erasure requests stored": len(stored),
    "hex digits per request": len(stored[0]),
    "names recovered with plain SHA-256": [n for n in candidates if hashlib.sha256(n.encode("utf-8")).hexdigest() in stored],
    "names recovered with the installation's key": [n for n in candidates if ledger_module.subject_key(n, key) in stored],
    "'gordon' anywhere in the saved ledger": "gordon" in (saved.read_text() + erased_file.read_text()).lower(),
    "key file permissions": oct(stat.S_IMODE(ledger_module.key_path().stat().st_mode)),
    "key file beside the ledger": ledger_module.key_path().parent == saved.parent,
}).to_frame("value")

# %% [markdown]
# The saved ledger does not name him anywhere: when the second crawl skipped his page and photos, it
# recorded those rows with the URL withheld (`Ledger.record_withheld`), because a URL like
# `/people/gordon-brown` names a person as surely as the name does.

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

# %%
Markdown(f"(The course's manifest lists {len(lfw):,} photos of {people.nunique():,} people: one image of the official "
         "release, the only photo of Betsy Coffin, was missing from the mirror the course was built from, so the "
         "manifest leaves it out.)")

# %% [markdown]
# The course's defences are limited and worth stating: it uses LFW for research and teaching, as its
# authors intended; it does not redistribute the images (the fetcher downloads them from the
# official URLs or a local mirror and verifies checksums); and its sandbox labels every profile as
# a demonstration. It cannot give the people in LFW what the polite crawler gives the sandbox's
# members: a way to say no *before* their faces were collected. That is the same question Clearview
# answered the other way, at a scale of billions. It can at least honour a request when one comes:
# see the opt-out list below.
#
# ## The course ships biometric templates
#
# Lessons B3 to B7 do not embed every LFW photo while you wait: the course commits a 128-number template
# for each one in `datasets/embeddings/` (`precomputed.load()`). Each template exists to tell
# whether two photos show the same person. That is what the law calls biometric data:
#
# * **GDPR**, Article 4(14): "biometric data" means personal data resulting from specific technical
#   processing of a person's physical characteristics "which allow or confirm the unique identification
#   of that natural person, such as facial images". Article 9(1) prohibits processing "biometric data for
#   the purpose of uniquely identifying a natural person" unless an exception in Article 9(2) applies;
#   the one for research, 9(2)(j), needs a basis in EU or member-state law with the safeguards of
#   Article 89(1). Source: Regulation (EU) 2016/679, https://eur-lex.europa.eu/eli/reg/2016/679/oj
# * **Illinois BIPA**, 740 ILCS 14/10: a "biometric identifier" includes a "scan of hand or face
#   geometry" (photographs themselves are excluded), and "biometric information" is any information based
#   on one that is used to identify a person. Section 15(b) requires a written release before a private
#   entity collects them. Source: Illinois General Assembly,
#   https://www.ilga.gov/legislation/ilcs/ilcs3.asp?ActID=3004&ChapterID=57
#
# Why ship them anyway? Time. Measure what one template costs (detection, landmarks and the ResNet
# embedding, as `precomputed.embed_lfw_image` computes them):

# %%
from facecourse.matching import precomputed

sample = [e.path for e in data.select("lfw", "teaching") if e.path.startswith("images/")][:6]
precomputed.embed_lfw_image(data.require("lfw", sample[0]))  # the first call loads the models: not timed
start = time.perf_counter()
for rel in sample:
    precomputed.embed_lfw_image(data.require("lfw", rel))
per_image = (time.perf_counter() - start) / len(sample)
meta = precomputed.metadata()
print(f"{per_image:.2f} s per image over {len(sample)} images; {meta['images']:,} templates committed")

# %%
build_per_image = meta["build_seconds_this_run"] * meta["workers"] / meta["images"]  # core-seconds per template
Markdown(f"The build that produced the committed file took {meta['build_seconds_this_run'] / 60:.0f} minutes on "
         f"{meta['workers']} cores (`datasets/embeddings/lfw.json`): {build_per_image:.2f} seconds of one core per template, "
         f"so recomputing all {meta['images']:,} takes about {build_per_image * meta['images'] / 60:.0f} minutes of one core. "
         f"Here and now it took {per_image:.2f} seconds per image, which would make it {per_image * meta['images'] / 60:.0f} "
         "minutes (the time depends on the machine and on what else runs on it). A free Binder session, which gets a "
         "share of one machine, would spend most of its life on it, and every student would repeat it.")

# %% [markdown]
# **The honest legal position** (a description, not legal advice). The templates are derived from a
# public academic benchmark that its authors publish for research; the course uses them for teaching.
# None of the people pictured consented, to LFW or to this course. The photos are news photographs
# whose rights stay with their photographers and agencies; the LFW site offers them for research and
# warns that results on LFW do not show that an algorithm is fit for any commercial purpose
# (http://vis-www.cs.umass.edu/lfw/). Teaching is not in itself one of the GDPR's Article 9(2) exceptions,
# and BIPA lists no exception for it; whether a course that redistributes templates of public figures
# falls within either law has not been tested in court as far as the course knows. The course limits
# what it does: templates of LFW only (never of crawled people, whose galleries are built on your
# machine and erasable), no redistribution of the images themselves, and the opt-out list below.
#
# **The alternative costs** the time computed above, for every student, or a smaller course: shipping
# templates of the small teaching subset only would drop the experiments of B4 to B7, which need all
# of LFW to measure error rates that mean anything.
#
# ### The LFW opt-out list
#
# `datasets/optout/lfw.csv` lists people in LFW who asked to be left out of the course (its README
# says how to ask and what happens). One function decides, `data.opted_out("lfw")`, and every part of
# the course asks it: the fetcher neither downloads their photos nor keeps any already downloaded
# (`verify` reports them as excluded), `precomputed.load` drops their templates, a `Gallery` refuses to
# enrol them and its search never returns them, and the LFW pairs protocol drops their pairs, with a
# warning, because the published accuracy figures then no longer apply.

# %%
optout = data.opted_out("lfw")
Markdown(f"The list names {len(optout)} {'person' if len(optout) == 1 else 'people'} today"
         + (": nobody has asked so far, and the course does not add anyone on a guess, so the lessons use every "
            "LFW photo the course has." if not optout else
            f": {', '.join(sorted(optout))}. Lessons computed without them differ from the published LFW figures."))

# %% [markdown]
# ## Summary
#
# * A provenance ledger turns into a datasheet: what, how, under which licence, with what consent.
# * Keep provenance through the pipeline, so every search result links back to its source.
# * Erasure must reach the ledger, the files, the gallery, search, and the next crawl.
# * A plain hash of a name is undone by hashing a list of candidate names; keep erasure lists with a
#   keyed hash (HMAC) whose key is stored apart, as `Ledger` does.
# * LFW itself was collected without consent: name that, and do not redistribute it. Its face
#   templates are biometric data; the course ships them for speed, says so, and honours an opt-out list.
# * Exercise: `exercises/A4_provenance_consent.ipynb`.
