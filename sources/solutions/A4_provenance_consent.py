# %% [raw]
# # ASSIGNMENT CONFIG
# name: A4_provenance_consent
# init_cell: true
# check_all_cell: true
# export_cell: false
# tests:
#   files: false
#   ok_format: false

# %% [markdown]
# # Exercise A4: provenance, search and erasure
#
# **Why this matters.** A gallery that cannot say where a face came from cannot be corrected, and
# a gallery that cannot forget cannot be lawful. Check both properties yourself.
#
# **Learning objectives.** Summarise a ledger for a datasheet; trace a search result to its
# source; verify an erasure end to end; keep an erasure list that a dictionary attack cannot read.
#
# **Prerequisites.** `lessons/A4_provenance_consent.ipynb`.
#
# **Estimated time.** 50 minutes (from a trial run: see `INSTRUCTORS.md`).

# %%
import copy
from urllib.parse import urlsplit

import pandas as pd

from facecourse import data
from facecourse.matching import faces
from facecourse.matching.gallery import Gallery
from facecourse.scraping import collect, crawler, sandbox
from facecourse.scraping.ledger import Ledger

with sandbox.SandboxSite() as site:
    result = crawler.polite_crawler(site.url).crawl()
ledger = result.ledger
photos = ledger.photos()  # the collection as crawled, one row per photo
gallery, problems = collect.gallery_from_ledger(ledger)

# %% [markdown]
# ## Question 1: the licence line of the datasheet
#
# Store in `licence_counts` a dict mapping each licence to the number of **collected photos**
# (`photos`, one row per photo) under it, and in `share_reusable` the share of those photos that may
# be reused **in a product** such as a face-search service: a Creative Commons attribution licence
# (`"CC BY..."`) **without** the non-commercial element `NC`, as the lesson read them with
# `str.extract`. (A `CC BY-NC` photo may be reused with credit, but not commercially; "all rights
# reserved" may not be reused at all.)

# %% [raw]
# # BEGIN QUESTION
# name: q1
# points: 2

# %% [raw]
# # BEGIN SOLUTION

# %%
licence_counts = photos["licence"].value_counts().to_dict()  # SOLUTION
elements = photos["licence"].str.extract(r"^CC (BY(?:-[A-Z]{2})*)", expand=False)  # SOLUTION
share_reusable = float((elements.notna() & ~elements.str.contains("NC", na=False)).mean())  # SOLUTION
licence_counts, share_reusable

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
def test_q1_1(licence_counts, share_reusable, photos):
    from facecourse.checks import answered
    answered("q1", licence_counts=licence_counts, share_reusable=share_reusable)
    assert isinstance(licence_counts, dict) and sum(licence_counts.values()) == len(photos), \
        "licence_counts should be a dict whose counts add up to the number of collected photos (one row of `photos` each)."

# %%
def test_q1_2(photos, licence_counts):
    assert all(v == (photos["licence"] == k).sum() for k, v in licence_counts.items()), \
        "Each licence should map to the number of photos under it."

# %%
def test_q1_3(share_reusable):
    assert 0 <= share_reusable <= 1, "share_reusable should be a share between 0 and 1, not a percentage."

# %%
def test_q1_4(share_reusable, photos):
    import re
    _lic = photos["licence"].astype(str)
    _by = _lic.str.match(r"CC BY")
    _nc = _lic.map(lambda s: bool(re.match(r"CC BY(-[A-Z]{2})*-NC", s)))
    assert abs(share_reusable - _by.mean()) > 1e-9 or not _nc.any(), \
        f"share_reusable is {share_reusable:.2f}, the share of every CC BY licence, CC BY-NC included: a non-commercial licence does not allow use in a product; leave out licences with NC."
    assert abs(share_reusable - (_by & ~_nc).mean()) < 1e-9, \
        f"share_reusable should be the share of all photos (every licence counted in the denominator) under a CC BY licence without NC, got {share_reusable!r}."

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_q1_hidden_1(licence_counts, photos, share_reusable):
    _p = photos
    assert licence_counts == _p["licence"].value_counts().to_dict()
    _commercial = _p["licence"].str.startswith("CC BY") & ~_p["licence"].str.contains("NC")
    assert abs(share_reusable - _commercial.mean()) < 1e-9

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 2: where did the match come from?
#
# Embed LFW photo 106 of Colin Powell (`data.lfw_image_path("Colin_Powell", 106)`, with
# `choose="central"`), search `gallery` for the single best match, and store its identity in
# `best_identity` and the **path** of its source URL (e.g. `"/photos/someone/1.jpg"`) in
# `best_path`.

# %% [raw]
# # BEGIN QUESTION
# name: q2
# points: 2

# %% [raw]
# # BEGIN SOLUTION

# %%
probe = faces.embed_single(data.lfw_image_path("Colin_Powell", 106), choose="central").embedding
best = gallery.search(probe, k=1)[0]  # SOLUTION
best_identity = best.identity  # SOLUTION
best_path = urlsplit(best.source).path  # SOLUTION
best_identity, best_path

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
def test_q2_1(best_path, best_identity, probe):
    from facecourse.checks import answered
    answered("q2", best_path=best_path, best_identity=best_identity, probe=probe)
    assert isinstance(best_path, str) and best_path.startswith("/photos/"), \
        "best_path should be only the path of the source URL, like '/photos/someone/1.jpg' (use urlsplit(url).path)."

# %%
def test_q2_2(best_identity, gallery):
    assert best_identity in gallery.identities(), \
        "best_identity should be the identity stored in the gallery (a name with spaces), as the search returned it."

# %%
def test_q2_3(gallery, best_path, best_identity):
    from urllib.parse import urlsplit
    _recs = gallery.records.assign(path=gallery.records["source"].map(lambda u: urlsplit(u).path))
    assert best_path in set(_recs.loc[_recs["identity"] == best_identity, "path"]), \
        "best_path should be the source of a gallery photo of best_identity: take both from the same search result."

# %%
def test_q2_4(gallery, probe, best_path):
    from urllib.parse import urlsplit
    _recs = gallery.records.assign(path=gallery.records["source"].map(lambda u: urlsplit(u).path))
    _d = gallery.distances(probe)
    assert abs(_d[_recs["path"].eq(best_path).to_numpy()].min() - _d.min()) < 1e-6, \
        "The match should be the single best one: the gallery photo nearest to the probe (rank 1 of the search)."

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_q2_hidden_1(gallery, best_identity, best_path, photos):
    from urllib.parse import urlsplit
    _recs = gallery.records.assign(path=gallery.records["source"].map(lambda u: urlsplit(u).path))
    assert best_identity == "Colin Powell"
    assert best_path.startswith("/photos/colin-powell/")
    assert best_path in set(photos["url"].map(lambda u: urlsplit(u).path))

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 3: prove an erasure
#
# Write `fully_erased(name, ledger, gallery, probe, k=10)` returning True only if **all** hold:
# no ledger row has `subject == name`; `name` is not among `gallery.identities()`; none of the
# top `k` search results for `probe` has that identity; and `ledger.is_erased(name)` is True (the
# request is remembered).
#
# Then erase Colin Powell, on **copies** of the ledger and the gallery (`ledger3` and `gallery3`,
# made for you below, so that the collection you searched in question 2 stays as it was), with
# `collect.erase_everywhere`, and store `colin_erased = fully_erased("Colin Powell", ledger3, gallery3, probe)`.

# %% [raw]
# # BEGIN QUESTION
# name: q3
# points: 2

# %% [raw]
# # BEGIN SOLUTION

# %%
def fully_erased(name, ledger, gallery, probe, k=10):
    # BEGIN SOLUTION
    in_ledger = (ledger.table()["subject"] == name).any()
    in_gallery = name in gallery.identities()
    in_results = any(m.identity == name for m in gallery.search(probe, k=k)) if len(gallery) else False
    return bool(not in_ledger and not in_gallery and not in_results and ledger.is_erased(name))
    # END SOLUTION


ledger3, gallery3 = copy.deepcopy(ledger), copy.deepcopy(gallery)
collect.erase_everywhere("Colin Powell", ledger3, gallery3)  # SOLUTION
colin_erased = fully_erased("Colin Powell", ledger3, gallery3, probe)
colin_erased

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
def test_q3_1(fully_erased, colin_erased, gallery3, ledger3):
    from facecourse.checks import answered
    from facecourse.matching.gallery import Gallery
    from facecourse.scraping.ledger import Ledger
    answered("q3", fully_erased=fully_erased, colin_erased=colin_erased, gallery3=gallery3, ledger3=ledger3)
    import numpy as _np
    _v = _np.zeros(128, _np.float32)
    _v[0] = 1
    _g = Gallery()
    _g.add("Ann", _v, source="http://127.0.0.1/a.jpg")
    _l = Ledger()
    _ = _l.record("http://127.0.0.1/a.jpg", "collected", kind="photo", subject="Ann")
    assert fully_erased("Ann", _l, _g, _v) == False, "Ann is still in the ledger and the gallery: fully_erased should be False."

# %%
def test_q3_2(fully_erased):
    from facecourse.matching.gallery import Gallery
    from facecourse.scraping.ledger import Ledger
    import numpy as _np
    _v = _np.zeros(128, _np.float32)
    _v[0] = 1
    _g = Gallery()
    _g.add("Ann", _v, source="http://127.0.0.1/a.jpg")
    _l = Ledger()
    _ = _l.record("http://127.0.0.1/a.jpg", "collected", kind="photo", subject="Ann")
    _ = _l.erase("Ann")
    assert fully_erased("Ann", _l, _g, _v) == False, \
        "Ann is gone from the ledger but her face is still in the gallery and searchable: fully_erased should be False."

# %%
def test_q3_3(fully_erased):
    from facecourse.matching.gallery import Gallery
    from facecourse.scraping.ledger import Ledger
    import numpy as _np
    _v = _np.zeros(128, _np.float32)
    _v[0] = 1
    _g = Gallery()
    _g.add("Ann", _v, source="http://127.0.0.1/a.jpg")
    _l = Ledger()
    _ = _l.record("http://127.0.0.1/a.jpg", "collected", kind="photo", subject="Ann")
    _ = _l.erase("Ann")
    _ = _g.remove("Ann")
    assert fully_erased("Ann", _l, _g, _v) == True, \
        "Ann is gone from the ledger, the gallery and the search results, and the request is remembered: should be True."

# %%
def test_q3_4(fully_erased):
    from facecourse.matching.gallery import Gallery
    from facecourse.scraping.ledger import Ledger
    import numpy as _np
    _v = _np.zeros(128, _np.float32)
    _v[0] = 1
    _g = Gallery()
    _g.add("Ann", _v, source="http://127.0.0.1/a.jpg")
    assert fully_erased("Bob", Ledger(), Gallery(), _v) == False, \
        "Bob never asked to be erased (ledger.is_erased is False), so his erasure cannot be proven: should be False."

# %%
def test_q3_5(colin_erased, gallery3, ledger3):
    assert colin_erased in (True,) and "Colin Powell" not in gallery3.identities() and ledger3.is_erased("Colin Powell"), \
        "Erase Colin Powell with collect.erase_everywhere before checking: he must be gone from the gallery and remembered."

# %%
def test_q3_6(colin_erased, fully_erased, ledger3, gallery3, probe):
    assert colin_erased in (True, False) and colin_erased == fully_erased("Colin Powell", ledger3, gallery3, probe), \
        "colin_erased should be the value your fully_erased returns for Colin Powell, not typed by hand."

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_q3_hidden_1(fully_erased):
    from facecourse.matching.gallery import Gallery
    from facecourse.scraping.ledger import Ledger
    import numpy as _hnp
    _hv = _hnp.zeros(128, _hnp.float32)
    _hv[0] = 1
    _hw = _hnp.zeros(128, _hnp.float32)
    _hw[1] = 1
    _hg = Gallery()
    _hg.add("Cy", _hv, source="http://127.0.0.1/c.jpg")
    _hg.add("Dee", _hw, source="http://127.0.0.1/d.jpg")
    _hl = Ledger()
    _ = _hl.record("http://127.0.0.1/c.jpg", "collected", kind="photo", subject="Cy")
    _ = _hl.erase("Cy")
    _ = _hl.record("http://127.0.0.1/c2.jpg", "collected", kind="photo", subject="Cy")  # collected again after erasure
    _ = _hg.remove("Cy")
    assert fully_erased("Cy", _hl, _hg, _hv) == False
    assert fully_erased("Dee", _hl, _hg, _hw) == False
    _ = _hl.erase("Dee")
    _ = _hg.remove("Dee")
    assert fully_erased("Dee", _hl, _hg, _hw, k=1) == True

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 4 (written): LFW's datasheet
#
# Answer three datasheet questions for LFW in one or two sentences each: how was it collected;
# did the people in it consent; can someone in it be removed, and from which copies?

# %% [raw]
# # BEGIN QUESTION
# name: q4
# manual: true
# points: 2

# %% [raw]
# # BEGIN SOLUTION

# %% [markdown]
# **Model answer.** LFW, published in 2007, was built from news photographs found on the web: a face detector found
# the faces and each was labelled with the person's name. The people in it, public figures in the news, were not
# asked; the assumption was that newsworthy public images could be reused for research. Someone
# could ask the maintainers to remove an image from the official site, but countless copies,
# mirrors and models trained on it already exist, so removal from all copies is practically
# impossible; this is why the course fetches from the official source instead of redistributing it.
#
# **Rubric (2 points).**
# * 1 point: collection and consent: built from news photographs found on the web, each face found by
#   a detector and labelled with the person's name; the people (public figures in the news) were not
#   asked: newsworthy public images were assumed reusable for research.
# * 1 point: removal: one can ask the maintainers to remove an image from the official site, but
#   copies, mirrors, derived datasets and models trained on it remain, so removal from every copy is
#   practically impossible (the course fetches LFW from its source rather than redistributing it).
#
# **Common weak answers.**
# * "They are public figures, so they consented": loses the first point; 1 of 2 points if the removal
#   answer is right.
# * "Email the authors and the photo is removed", with nothing about copies or trained models: 1 of 2
#   points at most.
# * Describes the course's sandbox ledger instead of LFW: 0 of 2 points.

# %% [raw]
# # END SOLUTION

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 5: an erasure list that does not give names away
#
# The lesson recovered who asked to be forgotten from a plain SHA-256 of the name (a dictionary
# attack), then stored the name as an HMAC-SHA256 under a secret key instead. Build both yourself,
# with `hashlib` and `hmac` (not the ledger's `subject_key`). Before hashing, normalise a name exactly
# as the lesson does, `" ".join(name.replace("_", " ").lower().split())` (lower case, underscores read
# as spaces, every run of spaces made one), and encode it as UTF-8.
#
# 1. Write `recover(stored_digests, candidates)`, the attack. `stored_digests` is a list or a set of
#    hex digests; `candidates` is any iterable of names (a list, a pandas Series, a generator). Return
#    a **list** of the candidates whose plain SHA-256 hex digest (of the normalised name) is in
#    `stored_digests`: each **as it was given** (not normalised), in the order of `candidates`, and
#    only once: the same string given twice is listed once, where it first appears, while two
#    different spellings of one name (`"Ann_Smith"` and `"ann smith"`) are two candidates, both
#    listed as given. No match gives an empty list.
# 2. Write `keyed_digest(name, key)`: the HMAC-SHA256 hex digest (all 64 lower-case hex digits) of the
#    normalised `name` under `key` (bytes).
# 3. The cell below makes a secret key, `secret_key`, and lists in `asked` two people who asked to be
#    erased. (The key is derived from a fixed phrase so that the grader can check your list; a real
#    installation draws it with `secrets.token_bytes(32)` and keeps it private, as the ledger does.)
#    Store in `keyed_list` the keyed digests of `asked` under `secret_key` (one per name, in
#    the same order), and in `found_without_key` what `recover` finds in `keyed_list` among `lfw_names`
#    (LFW's folder names, like `"Gordon_Brown"`).

# %%
import hashlib
import hmac

lfw_names = sorted({e.path.split("/")[1] for e in data.load_manifest("lfw") if e.path.startswith("images/")})
secret_key = hashlib.sha256(b"facecourse exercise A4: not a secret, only for grading").digest()  # 32 bytes
asked = ["Gordon Brown", "Colin Powell"]

# %% [raw]
# # BEGIN QUESTION
# name: q5
# points: 3

# %% [raw]
# # BEGIN SOLUTION

# %%
def recover(stored_digests, candidates):
    # BEGIN SOLUTION
    stored = set(stored_digests)
    found = []
    for name in candidates:
        normalised = " ".join(name.replace("_", " ").lower().split())
        if hashlib.sha256(normalised.encode("utf-8")).hexdigest() in stored and name not in found:
            found.append(name)
    return found
    # END SOLUTION


def keyed_digest(name, key):
    # BEGIN SOLUTION
    normalised = " ".join(name.replace("_", " ").lower().split())
    return hmac.new(key, normalised.encode("utf-8"), hashlib.sha256).hexdigest()
    # END SOLUTION


keyed_list = [keyed_digest(name, secret_key) for name in asked]  # SOLUTION
found_without_key = recover(keyed_list, lfw_names)  # SOLUTION
keyed_list, found_without_key

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
def test_q5_1(keyed_digest, recover, keyed_list, found_without_key):
    from facecourse.checks import answered
    answered("q5", keyed_digest=keyed_digest, recover=recover, keyed_list=keyed_list, found_without_key=found_without_key)
    _k5 = bytes(range(32))
    _d5 = keyed_digest("Ann Smith", _k5)
    assert isinstance(_d5, str) and len(_d5) == 64 and all(c in "0123456789abcdef" for c in _d5), \
        "keyed_digest should return the whole HMAC-SHA256 hex digest: 64 lower-case hex digits, not cut short."

# %%
def test_q5_2(keyed_digest):
    _k5 = bytes(range(32))
    _d5 = keyed_digest("Ann Smith", _k5)
    assert keyed_digest("Ann Smith", _k5) != keyed_digest("Ann Smith", bytes(32)), \
        "Another key should give another digest: keyed_digest must hash under the key it is given."

# %%
def test_q5_3(keyed_digest):
    _k5 = bytes(range(32))
    _d5 = keyed_digest("Ann Smith", _k5)
    _v5 = [keyed_digest(n, _k5) for n in ("Ann  Smith", "ann smith", " ANN_SMITH ")]
    assert isinstance(_v5[0], str) and _v5[0] == _v5[1] == _v5[2], \
        "Spellings of one name ('Ann  Smith', 'ann smith', ' ANN_SMITH ') should give one digest: normalise the name first, as the lesson does."

# %%
def test_q5_4(keyed_digest):
    _k5 = bytes(range(32))
    _d5 = keyed_digest("Ann Smith", _k5)
    _v5 = [keyed_digest(n, _k5) for n in ("Ann  Smith", "ann smith", " ANN_SMITH ")]
    import hashlib as _hl5
    import hmac as _hm5
    _norm5 = lambda n: " ".join(n.replace("_", " ").lower().split())
    for _n5 in ["Ann Smith", "Gordon Brown", "Zoë Ångström", "Colin_Powell"]:
        assert keyed_digest(_n5, _k5) == _hm5.new(_k5, _norm5(_n5).encode("utf-8"), _hl5.sha256).hexdigest(), \
            f"keyed_digest({_n5!r}, key) should be the HMAC-SHA256 of the normalised name in UTF-8 under key (hmac.new with hashlib.sha256)."

# %%
def test_q5_5(keyed_digest, recover):
    _k5 = bytes(range(32))
    _d5 = keyed_digest("Ann Smith", _k5)
    _v5 = [keyed_digest(n, _k5) for n in ("Ann  Smith", "ann smith", " ANN_SMITH ")]
    import hashlib as _hl5
    _norm5 = lambda n: " ".join(n.replace("_", " ").lower().split())
    _plain5 = lambda n: _hl5.sha256(_norm5(n).encode("utf-8")).hexdigest()
    _stored5 = [_plain5("Bob Jones"), _plain5("Ann Smith")]
    _r5 = recover(_stored5, ["Cy Young", "Dee"])
    assert isinstance(_r5, list) and _r5 == [], \
        "recover should return a list, an empty one when no candidate's plain SHA-256 is among the stored digests."

# %%
def test_q5_6(keyed_digest, recover):
    _k5 = bytes(range(32))
    _d5 = keyed_digest("Ann Smith", _k5)
    _v5 = [keyed_digest(n, _k5) for n in ("Ann  Smith", "ann smith", " ANN_SMITH ")]
    import hashlib as _hl5
    _norm5 = lambda n: " ".join(n.replace("_", " ").lower().split())
    _plain5 = lambda n: _hl5.sha256(_norm5(n).encode("utf-8")).hexdigest()
    _stored5 = [_plain5("Bob Jones"), _plain5("Ann Smith")]
    _r5 = recover(_stored5, ["Cy Young", "Dee"])
    assert recover(_stored5, ["cy young", "bob jones", "dee", "ann smith"]) == ["bob jones", "ann smith"], \
        "recover should return the matching candidate names themselves, in the order of candidates (here ['bob jones', 'ann smith'])."

# %%
def test_q5_7(keyed_digest, recover):
    _k5 = bytes(range(32))
    _d5 = keyed_digest("Ann Smith", _k5)
    _v5 = [keyed_digest(n, _k5) for n in ("Ann  Smith", "ann smith", " ANN_SMITH ")]
    import hashlib as _hl5
    _norm5 = lambda n: " ".join(n.replace("_", " ").lower().split())
    _plain5 = lambda n: _hl5.sha256(_norm5(n).encode("utf-8")).hexdigest()
    _stored5 = [_plain5("Bob Jones"), _plain5("Ann Smith")]
    _r5 = recover(_stored5, ["Cy Young", "Dee"])
    _r5 = recover(_stored5, ["ANN  SMITH", "Cy", "Bob_Jones"])
    assert len(_r5) == 2, \
        "recover should normalise each candidate before hashing it: 'ANN  SMITH' and 'Bob_Jones' are the stored 'ann smith' and 'bob jones'."
    assert _r5 == ["ANN  SMITH", "Bob_Jones"], \
        "recover should return each name as it was given in candidates, not normalised."

# %%
def test_q5_8(keyed_digest, recover):
    _k5 = bytes(range(32))
    _d5 = keyed_digest("Ann Smith", _k5)
    _v5 = [keyed_digest(n, _k5) for n in ("Ann  Smith", "ann smith", " ANN_SMITH ")]
    import hashlib as _hl5
    _norm5 = lambda n: " ".join(n.replace("_", " ").lower().split())
    _plain5 = lambda n: _hl5.sha256(_norm5(n).encode("utf-8")).hexdigest()
    _stored5 = [_plain5("Bob Jones"), _plain5("Ann Smith")]
    _r5 = recover(_stored5, ["Cy Young", "Dee"])
    _r5 = recover(_stored5, ["ANN  SMITH", "Cy", "Bob_Jones"])
    assert recover(_stored5, ["Ann Smith", "Cy", "Ann Smith", "Bob Jones", "Bob Jones"]) == ["Ann Smith", "Bob Jones"], \
        "A name given more than once among the candidates should be listed once, where it first appears."
    _two = recover(_stored5, ["Ann_Smith", "Cy", "ann smith", "Ann_Smith"])
    assert _two == ["Ann_Smith", "ann smith"], \
        f"Two spellings of one name are two candidates: recover(stored, ['Ann_Smith', 'Cy', 'ann smith', 'Ann_Smith']) " \
        f"should be ['Ann_Smith', 'ann smith'] (each string as given, once), not {_two}."

# %%
def test_q5_9(keyed_digest, recover):
    import pandas as pd
    _k5 = bytes(range(32))
    _d5 = keyed_digest("Ann Smith", _k5)
    _v5 = [keyed_digest(n, _k5) for n in ("Ann  Smith", "ann smith", " ANN_SMITH ")]
    import hashlib as _hl5
    _norm5 = lambda n: " ".join(n.replace("_", " ").lower().split())
    _plain5 = lambda n: _hl5.sha256(_norm5(n).encode("utf-8")).hexdigest()
    _stored5 = [_plain5("Bob Jones"), _plain5("Ann Smith")]
    _r5 = recover(_stored5, ["Cy Young", "Dee"])
    _r5 = recover(_stored5, ["ANN  SMITH", "Cy", "Bob_Jones"])
    try:
        _r5 = (recover(set(_stored5), (n for n in ["Dee", "Bob Jones", "Ann Smith"])),
               recover(_stored5, pd.Series(["Ann Smith", "Dee"])))
    except TypeError:
        _r5 = None
    assert _r5 == (["Bob Jones", "Ann Smith"], ["Ann Smith"]), \
        "recover should accept any iterable of candidates (a generator, a pandas Series) and a set of stored digests."

# %%
def test_q5_10(keyed_digest, keyed_list, secret_key, asked):
    _k5 = bytes(range(32))
    _d5 = keyed_digest("Ann Smith", _k5)
    _v5 = [keyed_digest(n, _k5) for n in ("Ann  Smith", "ann smith", " ANN_SMITH ")]
    import hashlib as _hl5
    import hmac as _hm5
    _norm5 = lambda n: " ".join(n.replace("_", " ").lower().split())
    for _n5 in ["Ann Smith", "Gordon Brown", "Zoë Ångström", "Colin_Powell"]:
        assert keyed_digest(_n5, _k5) == _hm5.new(_k5, _norm5(_n5).encode("utf-8"), _hl5.sha256).hexdigest(), \
            f"keyed_digest({_n5!r}, key) should be the HMAC-SHA256 of the normalised name in UTF-8 under key (hmac.new with hashlib.sha256)."
    _plain5 = lambda n: _hl5.sha256(_norm5(n).encode("utf-8")).hexdigest()
    assert keyed_list == [_hm5.new(secret_key, _norm5(n).encode("utf-8"), _hl5.sha256).hexdigest() for n in asked], \
        "keyed_list should hold keyed_digest(name, secret_key) for each name in asked, in that order."

# %%
def test_q5_11(keyed_digest, recover, asked, lfw_names):
    _k5 = bytes(range(32))
    _d5 = keyed_digest("Ann Smith", _k5)
    _v5 = [keyed_digest(n, _k5) for n in ("Ann  Smith", "ann smith", " ANN_SMITH ")]
    import hashlib as _hl5
    _norm5 = lambda n: " ".join(n.replace("_", " ").lower().split())
    _plain5 = lambda n: _hl5.sha256(_norm5(n).encode("utf-8")).hexdigest()
    assert recover([_plain5(n) for n in asked], lfw_names) == ["Colin_Powell", "Gordon_Brown"], \
        "recover should find both people in asked among lfw_names when they are stored as plain SHA-256 digests."

# %%
def test_q5_12(found_without_key, recover, keyed_list, lfw_names):
    assert found_without_key == recover(keyed_list, lfw_names) == [], \
        "found_without_key should be recover(keyed_list, lfw_names), which finds nobody: without the key the attack fails."

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_q5_hidden_1(keyed_digest, recover):
    import hashlib as _hh5
    import hmac as _hk5
    _hn5 = lambda n: " ".join(n.replace("_", " ").lower().split())
    _hkey5 = b"a different key, of another length"
    for _hx5 in ["Jean-Luc\tPicard", "  Ada_LOVELACE\n", "Ngũgĩ wa Thiong'o", "x"]:
        assert keyed_digest(_hx5, _hkey5) == _hk5.new(_hkey5, _hn5(_hx5).encode("utf-8"), _hh5.sha256).hexdigest()
        assert keyed_digest(_hx5, _hkey5) != keyed_digest(_hx5, _hkey5[:-1])
    _hp5 = lambda n: _hh5.sha256(_hn5(n).encode("utf-8")).hexdigest()
    assert recover([], ["Ann"]) == [] and recover({_hp5("Ann")}, []) == []
    assert recover({_hp5("ada lovelace"), _hp5("nobody here")}, ["Ada_Lovelace", "ada lovelace", "Ada_Lovelace", "Bo"]) \
        == ["Ada_Lovelace", "ada lovelace"]
    _hmany5 = [f"Person_{i}" for i in range(2000)]
    assert recover([_hp5("person 1999"), _hp5("person 7")], _hmany5) == ["Person_7", "Person_1999"]
    assert recover([_hk5.new(_hkey5, _hn5(n).encode("utf-8"), _hh5.sha256).hexdigest() for n in _hmany5], _hmany5) == []

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION
