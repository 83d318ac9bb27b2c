"""Wrong answers a weak student would give in exercise A4; each must fail its public check."""

WRONG = {
    "q1": {
        "a percentage instead of a share": '''
licence_counts = photos["licence"].value_counts().to_dict()
share_reusable = 100 * float(photos["licence"].str.startswith("CC BY").mean())
''',
        "only the exact licence 'CC BY 4.0'": '''
licence_counts = photos["licence"].value_counts().to_dict()
share_reusable = float((photos["licence"] == "CC BY 4.0").mean())
''',
        "share of distinct licences, not of photos": '''
licence_counts = photos["licence"].value_counts().to_dict()
share_reusable = sum(k.startswith("CC BY") for k in licence_counts) / len(licence_counts)
''',
        "licences counted over every ledger row (pages too)": '''
licence_counts = ledger.table()["licence"].value_counts().to_dict()
share_reusable = float(photos["licence"].str.startswith("CC BY").mean())
''',
        "the share of photos that may NOT be reused": '''
licence_counts = photos["licence"].value_counts().to_dict()
share_reusable = float((~photos["licence"].str.startswith("CC BY")).mean())
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
}

# Right answers in another form that must PASS.
RIGHT = {
    "q1": {
        "groupby sizes, numpy float share": '''
licence_counts = photos.groupby("licence").size().to_dict()
share_reusable = photos["licence"].str.startswith("CC BY").mean()
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
}
