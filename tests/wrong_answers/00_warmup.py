"""Wrong answers a weak student would give in the warm-up exercise; each must fail its public check."""

WRONG = {
    "q1": {
        "squared distance (no square root)": '''
def euclidean_distance(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape:
        raise ValueError("lengths differ")
    return float(np.sum((a - b) ** 2))
''',
        "Manhattan distance (sum of absolute differences)": '''
def euclidean_distance(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape:
        raise ValueError("lengths differ")
    return float(np.sum(np.abs(a - b)))
''',
        "no length check: NumPy broadcasts a 1-vector against a 2-vector": '''
def euclidean_distance(a, b):
    return float(np.linalg.norm(np.asarray(a, dtype=float) - np.asarray(b, dtype=float)))
''',
        "zip silently cuts the longer vector short": '''
def euclidean_distance(a, b):
    return sum((x - y) ** 2 for x, y in zip(a, b)) ** 0.5
''',
        # issue 22: public cases with one vector at the origin let these pass
        "difference of the vectors' lengths": '''
def euclidean_distance(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape:
        raise ValueError("lengths differ")
    return float(abs(np.linalg.norm(a) - np.linalg.norm(b)))
''',
        "squares added, not subtracted": '''
def euclidean_distance(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape:
        raise ValueError("lengths differ")
    return float(np.sqrt(np.sum(a ** 2 + b ** 2))) if not np.array_equal(a, b) else 0.0
''',
        "mean instead of sum of squares (RMS)": '''
def euclidean_distance(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape:
        raise ValueError("lengths differ")
    return float(np.sqrt(np.mean((a - b) ** 2)))
''',
    },
    "q2": {
        "strict < : a distance equal to the threshold is rejected": '''
def is_same_person(distance, threshold=0.6):
    return distance < threshold
''',
        "reversed: same person when the distance is large": '''
def is_same_person(distance, threshold=0.6):
    return distance >= threshold
''',
        "ignores the threshold argument": '''
def is_same_person(distance, threshold=0.6):
    return distance <= 0.6
''',
        "returns the distance itself, not a decision": '''
def is_same_person(distance, threshold=0.6):
    return distance if distance <= threshold else 0
''',
    },
    "q3": {
        "smallest five (ascending sort)": '''
top5 = images["path"].str.split("/").str[1].value_counts().sort_values().head(5)
n_people = images["path"].str.split("/").str[1].nunique()
''',
        "shares instead of counts": '''
top5 = images["path"].str.split("/").str[1].value_counts(normalize=True).head(5)
n_people = images["path"].str.split("/").str[1].nunique()
''',
        "first five people alphabetically": '''
top5 = images["path"].str.split("/").str[1].value_counts().sort_index().head(5)
n_people = images["path"].str.split("/").str[1].nunique()
''',
        "counts the protocol files as people": '''
top5 = manifest["path"].str.split("/").str[1].value_counts().head(5)
n_people = manifest["path"].str.split("/").str[1].nunique()
''',
        "number of images instead of number of people": '''
top5 = images["path"].str.split("/").str[1].value_counts().head(5)
n_people = len(images)
''',
    },
    "q4": {
        "probability of at least one false match instead of the expected count": '''
def expected_false_matches(fmr, gallery_size):
    return 1 - (1 - fmr) ** gallery_size
''',
        "divides instead of multiplying": '''
def expected_false_matches(fmr, gallery_size):
    return gallery_size / fmr if fmr else 0.0
''',
        "treats the FMR as a percentage": '''
def expected_false_matches(fmr, gallery_size):
    return fmr * gallery_size / 100
''',
        "caps the count at 1": '''
def expected_false_matches(fmr, gallery_size):
    return min(1.0, fmr * gallery_size)
''',
        # issue 22: public cases whose products are whole numbers let these pass
        "rounds the expected count to a whole number": '''
def expected_false_matches(fmr, gallery_size):
    return float(round(fmr * gallery_size))
''',
        "integer division by the inverse FMR": '''
def expected_false_matches(fmr, gallery_size):
    return float(gallery_size // round(1 / fmr)) if fmr else 0.0
''',
    },
}

# Right answers in another form that must PASS.
RIGHT = {
    "q1": {
        "np.linalg.norm with an explicit shape check, returns a NumPy float": '''
def euclidean_distance(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if len(a) != len(b):
        raise ValueError("lengths differ")
    return np.linalg.norm(a - b)
''',
        "pure Python with math.dist": '''
import math
def euclidean_distance(a, b):
    if len(a) != len(b):
        raise ValueError("lengths differ")
    return math.dist(list(a), list(b))
''',
    },
    "q2": {"returns a NumPy bool": '''
def is_same_person(distance, threshold=0.6):
    return np.float64(distance) <= threshold
'''},
    "q3": {"groupby with size and nlargest": '''
_people = images["path"].str.split("/").str[1]
top5 = _people.groupby(_people).size().nlargest(5)
n_people = np.int64(_people.nunique())
'''},
    "q4": {"returns a NumPy float": '''
def expected_false_matches(fmr, gallery_size):
    return np.float64(fmr) * gallery_size
'''},
}
