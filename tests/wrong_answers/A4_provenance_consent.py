"""Wrong answers a weak student would give in exercise A4; each must fail its public check."""

WRONG = {
    "q1": {
        "a percentage instead of a share": '''
licence_counts = photos["licence"].value_counts().to_dict()
share_reusable = 100 * float((photos["licence"].str.startswith("CC BY") & ~photos["licence"].str.contains("NC")).mean())
''',
        "every licence starting with 'CC BY' counted, CC BY-NC included (the old reading)": '''
licence_counts = photos["licence"].value_counts().to_dict()
share_reusable = float(photos["licence"].str.startswith("CC BY").mean())
''',
        "NC left out, but 'all rights reserved' counted as reusable": '''
licence_counts = photos["licence"].value_counts().to_dict()
share_reusable = float((~photos["licence"].str.contains("NC")).mean())
''',
        "the share among the CC licences only, not among all photos": '''
licence_counts = photos["licence"].value_counts().to_dict()
_cc = photos[photos["licence"].str.startswith("CC BY")]
share_reusable = float((~_cc["licence"].str.contains("NC")).mean())
''',
        "share of distinct licences, not of photos": '''
licence_counts = photos["licence"].value_counts().to_dict()
share_reusable = sum(k.startswith("CC BY") and "NC" not in k for k in licence_counts) / len(licence_counts)
''',
        "licences counted over every ledger row (pages too)": '''
licence_counts = ledger.table()["licence"].value_counts().to_dict()
share_reusable = float((photos["licence"].str.startswith("CC BY") & ~photos["licence"].str.contains("NC")).mean())
''',
        "the share of photos that may NOT be reused": '''
licence_counts = photos["licence"].value_counts().to_dict()
share_reusable = float((~(photos["licence"].str.startswith("CC BY") & ~photos["licence"].str.contains("NC"))).mean())
''',
    },
    "q2": {
        "the full URL instead of its path": '''
best = gallery.search(probe, k=1)[0]
best_identity = best.identity
best_path = best.source
''',
        "the LFW folder name as identity": '''
best = gallery.search(probe, k=1)[0]
best_identity = "Colin_Powell"
best_path = urlsplit(best.source).path
''',
        "the last of the top three, not the best": '''
best = gallery.search(probe, k=3)[-1]
best_identity = best.identity
best_path = urlsplit(best.source).path
''',
        "the host instead of the path": '''
best = gallery.search(probe, k=1)[0]
best_identity = best.identity
best_path = urlsplit(best.source).netloc
''',
        "a photo of the right person, but not the matching one": '''
best = gallery.search(probe, k=1)[0]
best_identity = best.identity
_paths = sorted(urlsplit(u).path for u in gallery.records.loc[gallery.records["identity"] == best_identity, "source"])
best_path = [p for p in _paths if p != urlsplit(best.source).path][0]
''',
    },
    "q3": {
        "typed by hand after erasing from the ledger only (faces still searchable)": '''
ledger3, gallery3 = copy.deepcopy(ledger), copy.deepcopy(gallery)
ledger3.erase("Colin Powell")
colin_erased = True
''',
        "forgets to erase: copies made, nothing erased": '''
ledger3, gallery3 = copy.deepcopy(ledger), copy.deepcopy(gallery)
colin_erased = fully_erased("Colin Powell", ledger3, gallery3, probe)
''',
        "a constant": '''
def fully_erased(name, ledger, gallery, probe, k=10):
    return True
colin_erased = fully_erased("Colin Powell", ledger3, gallery3, probe)
''',
        "checks only the ledger rows": '''
def fully_erased(name, ledger, gallery, probe, k=10):
    return not (ledger.table()["subject"] == name).any()
colin_erased = fully_erased("Colin Powell", ledger3, gallery3, probe)
''',
        "checks only that the request is remembered": '''
def fully_erased(name, ledger, gallery, probe, k=10):
    return ledger.is_erased(name)
colin_erased = fully_erased("Colin Powell", ledger3, gallery3, probe)
''',
        "forgets that the request must be remembered": '''
def fully_erased(name, ledger, gallery, probe, k=10):
    in_ledger = (ledger.table()["subject"] == name).any()
    return bool(not in_ledger and name not in gallery.identities())
colin_erased = fully_erased("Colin Powell", ledger3, gallery3, probe)
''',
        "any one condition is enough (or instead of and)": '''
def fully_erased(name, ledger, gallery, probe, k=10):
    in_ledger = (ledger.table()["subject"] == name).any()
    return bool(not in_ledger or name not in gallery.identities() or ledger.is_erased(name))
colin_erased = fully_erased("Colin Powell", ledger3, gallery3, probe)
''',
    },
    "q5": {
        "sha256 of key + name instead of HMAC": '''
def keyed_digest(name, key):
    normalised = " ".join(name.replace("_", " ").lower().split())
    return hashlib.sha256(key + normalised.encode("utf-8")).hexdigest()
keyed_list = [keyed_digest(n, secret_key) for n in asked]
found_without_key = recover(keyed_list, lfw_names)
''',
        "a 16-digit prefix, like the old erasure list": '''
def keyed_digest(name, key):
    normalised = " ".join(name.replace("_", " ").lower().split())
    return hmac.new(key, normalised.encode("utf-8"), hashlib.sha256).hexdigest()[:16]
keyed_list = [keyed_digest(n, secret_key) for n in asked]
found_without_key = recover(keyed_list, lfw_names)
''',
        "no normalisation before the HMAC": '''
def keyed_digest(name, key):
    return hmac.new(key, name.encode("utf-8"), hashlib.sha256).hexdigest()
keyed_list = [keyed_digest(n, secret_key) for n in asked]
found_without_key = recover(keyed_list, lfw_names)
''',
        "lower-cased only (spaces and underscores left as they are)": '''
def keyed_digest(name, key):
    return hmac.new(key, name.lower().encode("utf-8"), hashlib.sha256).hexdigest()
''',
        "the key ignored: a plain SHA-256": '''
def keyed_digest(name, key):
    normalised = " ".join(name.replace("_", " ").lower().split())
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()
keyed_list = [keyed_digest(n, secret_key) for n in asked]
found_without_key = recover(keyed_list, lfw_names)
''',
        "HMAC with MD5 (hmac's old default), not SHA-256": '''
def keyed_digest(name, key):
    normalised = " ".join(name.replace("_", " ").lower().split())
    return hmac.new(key, normalised.encode("utf-8"), "md5").hexdigest()
''',
        "recover returns the digests instead of the names": '''
def recover(stored_digests, candidates):
    stored = set(stored_digests)
    found = []
    for name in candidates:
        d = hashlib.sha256(" ".join(name.replace("_", " ").lower().split()).encode("utf-8")).hexdigest()
        if d in stored and d not in found:
            found.append(d)
    return found
''',
        "recover hashes the candidates without normalising them": '''
def recover(stored_digests, candidates):
    stored = set(stored_digests)
    found = []
    for name in candidates:
        if hashlib.sha256(name.encode("utf-8")).hexdigest() in stored and name not in found:
            found.append(name)
    return found
''',
        "recover returns the normalised names": '''
def recover(stored_digests, candidates):
    found = []
    for name in candidates:
        normalised = " ".join(name.replace("_", " ").lower().split())
        if hashlib.sha256(normalised.encode("utf-8")).hexdigest() in stored_digests and normalised not in found:
            found.append(normalised)
    return found
''',
        "recover keeps duplicates (a plain list comprehension)": '''
def recover(stored_digests, candidates):
    return [n for n in candidates
            if hashlib.sha256(" ".join(n.replace("_", " ").lower().split()).encode("utf-8")).hexdigest() in stored_digests]
''',
        "recover sorts the names instead of keeping their order": '''
def recover(stored_digests, candidates):
    return sorted({n for n in candidates
                   if hashlib.sha256(" ".join(n.replace("_", " ").lower().split()).encode("utf-8")).hexdigest()
                   in stored_digests})
''',
        "recover indexes the candidates (fails on a generator)": '''
def recover(stored_digests, candidates):
    found = []
    for i in range(len(candidates)):
        name = candidates[i]
        normalised = " ".join(name.replace("_", " ").lower().split())
        if hashlib.sha256(normalised.encode("utf-8")).hexdigest() in stored_digests and name not in found:
            found.append(name)
    return found
''',
        "recover returns a lazy filter instead of a list": '''
def recover(stored_digests, candidates):
    stored = set(stored_digests)
    return filter(lambda n: hashlib.sha256(" ".join(n.replace("_", " ").lower().split()).encode("utf-8")).hexdigest()
                  in stored, dict.fromkeys(candidates))
''',
        "keyed_list under a new random key, not secret_key": '''
import secrets
keyed_list = [keyed_digest(n, secrets.token_bytes(32)) for n in asked]
found_without_key = recover(keyed_list, lfw_names)
''',
        "keyed_list as plain hashes: the attack finds everyone": '''
keyed_list = [hashlib.sha256(" ".join(n.lower().split()).encode("utf-8")).hexdigest() for n in asked]
found_without_key = recover(keyed_list, lfw_names)
''',
    },
}

# Right answers in another form that must PASS.
RIGHT = {
    "q1": {
        "groupby sizes, numpy float share": '''
licence_counts = photos.groupby("licence").size().to_dict()
share_reusable = (photos["licence"].str.startswith("CC BY") & ~photos["licence"].str.contains("NC")).mean()
''',
        "counted from licence_counts with a loop": '''
licence_counts = dict(photos["licence"].value_counts())
share_reusable = sum(n for lic, n in licence_counts.items()
                     if lic.startswith("CC BY") and "NC" not in lic.split()[1].split("-")) / len(photos)
''',
        "the one commercial licence of this site, named exactly": '''
licence_counts = photos["licence"].value_counts().to_dict()
share_reusable = float((photos["licence"] == "CC BY 4.0").mean())
''',
    },
    "q2": {
        "results table instead of Match objects": '''
_top = gallery.results_table(gallery.search(probe, k=5)).iloc[0]
best_identity = _top["identity"]
best_path = urlsplit(_top["source"]).path
''',
    },
    "q3": {
        "numpy bool result": '''
import numpy as np
def fully_erased(name, ledger, gallery, probe, k=10):
    hits = [m.identity for m in gallery.search(probe, k=k)] if len(gallery) else []
    return np.bool_(ledger.is_erased(name) and name not in gallery.identities() and name not in hits
                    and not ledger.table()["subject"].eq(name).any())
colin_erased = fully_erased("Colin Powell", ledger3, gallery3, probe)
''',
    },
    "q5": {
        "hmac.digest(...).hex(), a regex to normalise, dict.fromkeys to drop repeats": '''
import re
def _normalise(name):
    return re.sub(r"\\s+", " ", name.replace("_", " ").lower()).strip()
def keyed_digest(name, key):
    return hmac.digest(key, _normalise(name).encode("utf-8"), "sha256").hex()
def recover(stored_digests, candidates):
    stored = set(stored_digests)
    return [n for n in dict.fromkeys(candidates)
            if hashlib.sha256(_normalise(n).encode("utf-8")).hexdigest() in stored]
keyed_list = [keyed_digest(n, secret_key) for n in asked]
found_without_key = recover(keyed_list, lfw_names)
''',
        "hmac.new then update, a seen-set, map over asked": '''
def keyed_digest(name, key):
    h = hmac.new(key, digestmod=hashlib.sha256)
    h.update(" ".join(name.replace("_", " ").lower().split()).encode("utf-8"))
    return h.hexdigest()
def recover(stored_digests, candidates):
    seen, out = set(), []
    for c in candidates:
        if c in seen:
            continue
        seen.add(c)
        if hashlib.sha256(" ".join(c.replace("_", " ").lower().split()).encode()).hexdigest() in stored_digests:
            out.append(c)
    return out
keyed_list = list(map(lambda n: keyed_digest(n, secret_key), asked))
found_without_key = recover(keyed_list, lfw_names)
''',
    },
}

# issue 22: "a name given twice is listed once" read as "one person listed once" (two spellings merged)
WRONG["q5"]["two spellings of one name merged (deduplicated after normalising)"] = '''
def recover(stored_digests, candidates):
    stored, found, seen = set(stored_digests), [], set()
    for name in candidates:
        n = " ".join(name.replace("_", " ").lower().split())
        if hashlib.sha256(n.encode("utf-8")).hexdigest() in stored and n not in seen:
            seen.add(n)
            found.append(name)
    return found
'''
