"""Wrong answers a weak student would give in exercise B7; each must fail its public check."""

WRONG = {
    "q1": {
        "forgot to train: adds the vectors to an untrained IVF index": '''
def build_ivf(vectors, nlist):
    ivf = faiss.IndexIVFFlat(faiss.IndexFlatL2(128), 128, nlist)
    ivf.add(np.ascontiguousarray(vectors, dtype="float32"))
    return ivf
''',
        "adds only the training sample, not all the vectors": '''
def build_ivf(vectors, nlist):
    vectors = np.ascontiguousarray(vectors, dtype="float32")
    ivf = faiss.IndexIVFFlat(faiss.IndexFlatL2(128), 128, nlist)
    ivf.train(vectors[:40 * nlist])
    ivf.add(vectors[:40 * nlist])
    return ivf
''',
        "returns FAISS's squared distances as if they were Euclidean": '''
def search_euclidean(index, probes, k):
    return index.search(np.ascontiguousarray(probes, dtype="float32"), k)
''',
        "ignores k: always returns the 10 nearest": '''
def search_euclidean(index, probes, k):
    d2, ids = index.search(np.ascontiguousarray(probes, dtype="float32"), 10)
    return np.sqrt(d2), ids
''',
        "returns (ids, distances) in the wrong order": '''
def search_euclidean(index, probes, k):
    d2, ids = index.search(np.ascontiguousarray(probes, dtype="float32"), k)
    return ids, np.sqrt(d2)
''',
        "an exact flat index instead of IVF cells": '''
def build_ivf(vectors, nlist):
    flat = faiss.IndexFlatL2(128)
    flat.add(np.ascontiguousarray(vectors, dtype="float32"))
    return flat
''',
        "hard-coded number of cells instead of nlist": '''
def build_ivf(vectors, nlist):
    vectors = np.ascontiguousarray(vectors, dtype="float32")
    ivf = faiss.IndexIVFFlat(faiss.IndexFlatL2(128), 128, 100)
    ivf.train(vectors)
    ivf.add(vectors)
    return ivf
''',
        "adds the vectors shuffled, so ids are not row numbers": '''
def build_ivf(vectors, nlist):
    vectors = np.ascontiguousarray(vectors, dtype="float32")
    ivf = faiss.IndexIVFFlat(faiss.IndexFlatL2(128), 128, nlist)
    ivf.train(vectors)
    ivf.add(vectors[np.random.default_rng(0).permutation(len(vectors))])
    return ivf
''',
    },
    "q2": {
        "recall measured against exact search (agreement of the first result) instead of the truth": '''
_, exact_ids = index.exact_search(gallery, probes, k=10)
recalls = {}
for nprobe in settings:
    ivf.nprobe = nprobe
    _, ids = ivf.search(probes, 10)
    recalls[nprobe] = float(np.mean(ids[:, 0] == exact_ids[:, 0]))
chosen_nprobe = min(p for p in settings if recalls[p] >= target)
''',
        "recall of exact search's top-10 list (10-recall@10) instead of the true match": '''
_, exact_ids = index.exact_search(gallery, probes, k=10)
recalls = {}
for nprobe in settings:
    ivf.nprobe = nprobe
    _, ids = ivf.search(probes, 10)
    recalls[nprobe] = float(np.mean([len(set(a) & set(b)) / 10 for a, b in zip(ids, exact_ids)]))
chosen_nprobe = min(p for p in settings if recalls[p] >= target)
''',
        "only the first result counts (rank-1 instead of top 10)": '''
def recall_at_10(ids, truth):
    ids, truth = np.asarray(ids), np.asarray(truth)
    return float(np.mean(ids[:, 0] == truth))

recalls = {}
for nprobe in settings:
    ivf.nprobe = nprobe
    _, ids = ivf.search(probes, 10)
    recalls[nprobe] = recall_at_10(ids, truth)
chosen_nprobe = min([p for p in settings if recalls[p] >= target] or [max(settings)])
''',
        "looks at every column, not only the first 10": '''
def recall_at_10(ids, truth):
    ids, truth = np.asarray(ids), np.asarray(truth)
    return float(np.mean((ids == truth[:, None]).any(axis=1)))
''',
        "counts probes instead of a share": '''
def recall_at_10(ids, truth):
    ids, truth = np.asarray(ids), np.asarray(truth)
    return int(np.sum((ids[:, :10] == truth[:, None]).any(axis=1)))
''',
        "forgets to set ivf.nprobe: every setting is measured at the same nprobe": '''
recalls = {}
for nprobe in settings:
    _, ids = ivf.search(probes, 10)
    recalls[nprobe] = recall_at_10(ids, truth)
chosen_nprobe = min([p for p in settings if recalls[p] >= target] or [max(settings)])
''',
        "plays safe with the largest nprobe instead of the cheapest that meets the target": '''
chosen_nprobe = max(settings)
''',
    },
    "q3": {
        "treats the code size in bits as bytes": '''
def index_memory_gb(n_faces, code_bits, id_bytes=8):
    return n_faces * (code_bits + id_bytes) / 1e9

pq_3b_gb = index_memory_gb(3e9, 16 * 8)
flat_3b_gb = index_memory_gb(3e9, 128 * 32)
''',
        "forgets the ids": '''
def index_memory_gb(n_faces, code_bits, id_bytes=8):
    return n_faces * code_bits / 8 / 1e9

pq_3b_gb = index_memory_gb(3e9, 16 * 8)
flat_3b_gb = index_memory_gb(3e9, 128 * 32)
''',
        "gibibytes (2**30) instead of gigabytes": '''
def index_memory_gb(n_faces, code_bits, id_bytes=8):
    return n_faces * (code_bits / 8 + id_bytes) / 2**30

pq_3b_gb = index_memory_gb(3e9, 16 * 8)
flat_3b_gb = index_memory_gb(3e9, 128 * 32)
''',
        "returns bytes, not gigabytes": '''
def index_memory_gb(n_faces, code_bits, id_bytes=8):
    return n_faces * (code_bits / 8 + id_bytes)

pq_3b_gb = index_memory_gb(3e9, 16 * 8) / 1e9
flat_3b_gb = index_memory_gb(3e9, 128 * 32) / 1e9
''',
        "PQ code size taken as m = 16 bits instead of 16 x 8 bits": '''
pq_3b_gb = index_memory_gb(3e9, 16)
''',
        "full vectors counted as 128 bytes (one byte per number)": '''
flat_3b_gb = index_memory_gb(3e9, 128 * 8)
''',
        "no default for id_bytes: a 0-byte id unless given": '''
def index_memory_gb(n_faces, code_bits, id_bytes=0):
    return n_faces * (code_bits / 8 + id_bytes) / 1e9
''',
    },
}

# Right answers in another form that must PASS (numpy scalars, lists instead of arrays, ...).
RIGHT = {
    "q1": {
        "through the course's wrapper-free faiss.index_factory, float64 input converted": '''
def build_ivf(vectors, nlist):
    ivf = faiss.index_factory(128, f"IVF{nlist},Flat")
    x = np.asarray(vectors, dtype=np.float32)
    ivf.train(x)
    ivf.add(x)
    return ivf

def search_euclidean(index, probes, k):
    d2, ids = index.search(np.asarray(probes, dtype=np.float32), k)
    return np.sqrt(d2), ids
''',
    },
    "q2": {
        "numpy float recall": '''
def recall_at_10(ids, truth):
    return np.mean([t in row[:10] for row, t in zip(np.asarray(ids), truth)])
''',
    },
    "q3": {
        "numpy float64 arithmetic": '''
def index_memory_gb(n_faces, code_bits, id_bytes=8):
    return np.float64(n_faces) * (np.float64(code_bits) / 8 + id_bytes) / 1e9
''',
    },
}
