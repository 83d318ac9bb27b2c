"""Wrong answers a weak student would give in exercise C4; each must fail its public check."""

_BIDEN = 'data.example_path("knn_examples/train/biden/biden.jpg")'
_BIDEN2 = 'data.example_path("knn_examples/train/biden/biden2.jpg")'

WRONG = {
    "q1": {
        "keeps the Face objects as a and b, not their embeddings": f'''
a = faces.embed_single({_BIDEN})
b = faces.embed_single({_BIDEN2})
biden_distance = float(np.linalg.norm(a.embedding - b.embedding))
still_matches = biden_distance <= 0.6
''',
        "the same photo embedded twice": f'''
a = faces.embed_single({_BIDEN}).embedding
b = faces.embed_single({_BIDEN}).embedding
biden_distance = float(faces.distance(a, b))
still_matches = biden_distance <= 0.6
''',
        "squared distance": '''
biden_distance = float(np.sum((a - b) ** 2))
still_matches = biden_distance <= 0.6
''',
        "match test reversed (> 0.6)": '''
biden_distance = float(np.linalg.norm(a - b))
still_matches = biden_distance > 0.6
''',
        "distance to Obama instead of the second Biden photo": '''
biden_distance = float(faces.distance(a, faces.embed_single(data.example_path("knn_examples/train/obama/obama.jpg")).embedding))
still_matches = biden_distance <= 0.6
''',
        "a similarity (1 - distance) instead of the distance": '''
biden_distance = 1 - float(np.linalg.norm(a - b))
still_matches = biden_distance <= 0.6
''',
    },
    "q2": {
        "MD5 instead of SHA-256": '''
def template_hash(embedding):
    return hashlib.md5(embedding.tobytes()).hexdigest()
same_hash = template_hash(a) == template_hash(b)
''',
        "hash of the printed numbers (str), not the bytes": '''
def template_hash(embedding):
    return hashlib.sha256(str(embedding).encode()).hexdigest()
same_hash = template_hash(a) == template_hash(b)
''',
        "truncated digest": '''
def template_hash(embedding):
    return hashlib.sha256(embedding.tobytes()).hexdigest()[:16]
same_hash = template_hash(a) == template_hash(b)
''',
        "compares a with itself": '''
def template_hash(embedding):
    return hashlib.sha256(embedding.tobytes()).hexdigest()
same_hash = template_hash(a) == template_hash(a)
''',
        "same_hash typed by hand as True (templates match, so hashes must too)": '''
def template_hash(embedding):
    return hashlib.sha256(embedding.tobytes()).hexdigest()
same_hash = True
''',
    },
    "q3": {
        "every fine, including the UK fine that is not final and the police fine": '''
_f = fines[fines["kind"] == "fine"]
fine_totals = _f.groupby("currency")["amount"].sum().to_dict()
eur_fined_countries = sorted(_f.loc[_f["currency"] == "EUR", "country"])
''',
        "keeps the Swedish police fine": '''
_f = fines[(fines["kind"] == "fine") & ~fines["flag"].str.contains("not final")]
fine_totals = _f.groupby("currency")["amount"].sum().to_dict()
eur_fined_countries = sorted(_f.loc[_f["currency"] == "EUR", "country"])
''',
        "no filter on kind: daily penalties and collections added in": '''
_f = fines[(fines["fined"] == "Clearview AI") & ~fines["flag"].str.contains("not final")]
fine_totals = _f.groupby("currency")["amount"].sum().to_dict()
eur_fined_countries = sorted(set(_f.loc[_f["currency"] == "EUR", "country"]))
''',
        "count of decisions instead of the sum": '''
_f = fines[(fines["kind"] == "fine") & (fines["fined"] == "Clearview AI") & ~fines["flag"].str.contains("not final")]
fine_totals = _f.groupby("currency")["amount"].count().to_dict()
eur_fined_countries = sorted(set(_f.loc[_f["currency"] == "EUR", "country"]))
''',
        "countries in date order, not sorted": '''
_f = fines[(fines["kind"] == "fine") & (fines["fined"] == "Clearview AI") & ~fines["flag"].str.contains("not final")]
fine_totals = _f.groupby("currency")["amount"].sum().to_dict()
eur_fined_countries = list(_f.loc[_f["currency"] == "EUR", "country"])
''',
    },
}

# Right answers in another form that must PASS.
RIGHT = {
    "q1": {"NumPy float and NumPy bool": '''
biden_distance = np.linalg.norm(a - b)
still_matches = biden_distance <= 0.6
'''},
    "q2": {"hashlib.new and a NumPy bool": '''
def template_hash(embedding):
    h = hashlib.new("sha256"); h.update(embedding.tobytes()); return h.hexdigest()
same_hash = np.bool_(template_hash(a) == template_hash(b))
'''},
    "q3": {"query and unique": '''
_f = fines.query("kind == 'fine' and fined == 'Clearview AI'")
_f = _f[~_f["flag"].str.contains("not final")]
fine_totals = {c: g["amount"].sum() for c, g in _f.groupby("currency")}
eur_fined_countries = sorted(_f.query("currency == 'EUR'")["country"].unique())
'''},
}
