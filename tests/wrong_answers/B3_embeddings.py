"""Wrong answers a weak student would give in exercise B3; each must fail its public check."""

WRONG = {
    "q1": {
        "squared distance": '''
def pair_distance(img_a, box_a, img_b, box_b):
    a = face_recognition.face_encodings(img_a, known_face_locations=[box_a])[0]
    b = face_recognition.face_encodings(img_b, known_face_locations=[box_b])[0]
    return float(np.sum((a - b) ** 2))
''',
        "forgets the known locations: encodes the first face the detector finds": '''
def pair_distance(img_a, box_a, img_b, box_b):
    a = face_recognition.face_encodings(img_a)[0]
    b = face_recognition.face_encodings(img_b)[0]
    return float(np.linalg.norm(a - b))
''',
        "box passed in Pillow's order (left, top, right, bottom)": '''
def pair_distance(img_a, box_a, img_b, box_b):
    top, right, bottom, left = box_a
    a = face_recognition.face_encodings(img_a, known_face_locations=[(left, top, right, bottom)])[0]
    top, right, bottom, left = box_b
    b = face_recognition.face_encodings(img_b, known_face_locations=[(left, top, right, bottom)])[0]
    return float(np.linalg.norm(a - b))
''',
        "returns face_distance's one-element array": '''
def pair_distance(img_a, box_a, img_b, box_b):
    a = face_recognition.face_encodings(img_a, known_face_locations=[box_a])
    b = face_recognition.face_encodings(img_b, known_face_locations=[box_b])[0]
    return face_recognition.face_distance(a, b)
''',
        "city-block (L1) distance": '''
def pair_distance(img_a, box_a, img_b, box_b):
    a = face_recognition.face_encodings(img_a, known_face_locations=[box_a])[0]
    b = face_recognition.face_encodings(img_b, known_face_locations=[box_b])[0]
    return float(np.abs(a - b).sum())
''',
        "cosine distance": '''
def pair_distance(img_a, box_a, img_b, box_b):
    a = face_recognition.face_encodings(img_a, known_face_locations=[box_a])[0]
    b = face_recognition.face_encodings(img_b, known_face_locations=[box_b])[0]
    return float(1 - a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))
''',
    },
    "q2": {
        "squared distances": '''
def distance_matrix(A, B):
    return ((A[:, None] - B[None]) ** 2).sum(axis=-1)
''',
        "transposed: (m, n) instead of (n, m)": '''
def distance_matrix(A, B):
    return np.linalg.norm(B[:, None] - A[None], axis=-1)
''',
        "norm over the wrong axis": '''
def distance_matrix(A, B):
    return np.linalg.norm(A[:, None] - B[None], axis=0)
''',
        "city-block (L1) distances": '''
def distance_matrix(A, B):
    return np.abs(A[:, None] - B[None]).sum(axis=-1)
''',
        "ignores B: distances within A": '''
def distance_matrix(A, B):
    return np.linalg.norm(A[:, None] - A[None], axis=-1)
''',
    },
    "q3": {
        "includes each face paired with itself (k=0)": '''
def split_pairs(D, labels):
    D, labels = np.asarray(D), np.asarray(labels)
    i, j = np.triu_indices(len(labels))
    same = labels[i] == labels[j]
    return D[i, j][same], D[i, j][~same]
''',
        "counts every pair twice (whole matrix, diagonal left out)": '''
def split_pairs(D, labels):
    D, labels = np.asarray(D), np.asarray(labels)
    same = labels[:, None] == labels[None]
    off = ~np.eye(len(labels), dtype=bool)
    return D[same & off], D[~same]
''',
        "genuine and impostor swapped": '''
def split_pairs(D, labels):
    D, labels = np.asarray(D), np.asarray(labels)
    i, j = np.triu_indices(len(labels), k=1)
    same = labels[i] == labels[j]
    return D[i, j][~same], D[i, j][same]
''',
        "impostor = every pair, not only different people": '''
def split_pairs(D, labels):
    D, labels = np.asarray(D), np.asarray(labels)
    i, j = np.triu_indices(len(labels), k=1)
    same = labels[i] == labels[j]
    return D[i, j][same], D[i, j]
''',
        "pairs of neighbours only (i, i+1)": '''
def split_pairs(D, labels):
    D, labels = np.asarray(D), np.asarray(labels)
    i = np.arange(len(labels) - 1)
    same = labels[i] == labels[i + 1]
    return D[i, i + 1][same], D[i, i + 1][~same]
''',
    },
}

# Right answers in another form that must PASS (numpy scalars, loops, lists, ...):
RIGHT = {
    "q1": {
        "face_distance, a numpy float": '''
def pair_distance(img_a, box_a, img_b, box_b):
    [a] = face_recognition.face_encodings(img_a, [box_a])
    [b] = face_recognition.face_encodings(img_b, [box_b])
    return face_recognition.face_distance([a], b)[0]
''',
    },
    "q2": {
        "a double loop with np.linalg.norm": '''
def distance_matrix(A, B):
    return np.array([[np.linalg.norm(a - b) for b in B] for a in A])
''',
    },
    "q3": {
        "a double loop returning lists": '''
def split_pairs(D, labels):
    genuine, impostor = [], []
    for i in range(len(labels)):
        for j in range(i + 1, len(labels)):
            (genuine if labels[i] == labels[j] else impostor).append(D[i][j])
    return genuine, impostor
''',
    },
}

# issue 22: the prompt (and the hidden case) asks for an array; a list of lists used to pass publicly only
WRONG["q2"]["a list of lists from two loops"] = '''
def distance_matrix(A, B):
    return [[float(np.linalg.norm(np.asarray(a) - np.asarray(b))) for b in B] for a in A]
'''
