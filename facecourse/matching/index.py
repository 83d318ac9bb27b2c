"""Approximate nearest-neighbour search with FAISS: the indexes a billion-face search is built on.

Exact search (lesson B5, :class:`~facecourse.matching.gallery.Gallery`) compares a probe with
every gallery face: time and memory grow linearly with the gallery. Lesson B7 builds FAISS
indexes by hand; this module is the thin, checked wrapper the benchmark and the gallery use
afterwards. It adds three things raw FAISS leaves to you:

* **checked input**: vectors are converted to a C-contiguous ``float32`` (n, 128) array, and a
  wrong width, NaN, text, or an untrained index give a plain error instead of a crash;
* **Euclidean distances**: FAISS ``L2`` indexes return *squared* distances; :func:`search`
  returns their square root, the distance the course's 0.6 threshold is about;
* **measurement**: :func:`recall_at_k`, :func:`top1_agreement`, :func:`bytes_per_face`,
  :func:`timed_search`, and :func:`simulate_gallery`, a gallery of any size fitted to LFW's own
  statistics (simulated, not real people) and validated against real LFW arranged the same way
  (:func:`lfw_one_photo_gallery`).

The four kinds, as FAISS ``index_factory`` strings (:func:`factory_string`):

============  ===================  =============================================================
kind          factory string       what it stores and how it searches
============  ===================  =============================================================
``flat``      ``IDMap,Flat``       every vector (512 bytes); compares with all of them (exact)
``ivf-flat``  ``IVF{nlist},Flat``  every vector, sorted into ``nlist`` k-means cells; visits the
                                   ``nprobe`` cells nearest the probe
``ivf-pq``    ``IVF{nlist},PQ{m}`` an ``m``-byte code per vector (product quantisation) in cells
``hnsw``      ``IDMap,HNSW{M}``    every vector plus a graph of neighbours; greedy walk, breadth
                                   ``efSearch``
============  ===================  =============================================================

    >>> from facecourse.matching import index
    >>> sim = index.simulate_gallery(20_000, n_probes=200, seed=0)   # doctest: +SKIP
    >>> x = np.random.default_rng(0).normal(size=(2000, 128)).astype("float32")
    >>> ivf = index.build("ivf-flat", x, nlist=16)                  # trains, then adds
    >>> index.set_search(ivf, nprobe=16)                             # 16 of 16 cells: exact
    >>> dist, ids = index.search(ivf, x[:3] + 0.01, k=10)            # Euclidean, nearest first
    >>> ids[:, 0].tolist()
    [0, 1, 2]
    >>> index.recall_at_k(ids, [0, 1, 2], k=10)                      # share of probes whose mate is found
    1.0
    >>> ivf, removed = index.remove(ivf, [1, 2]); removed            # erasure
    2
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

DIM = 128
KINDS = ("flat", "ivf-flat", "ivf-pq", "hnsw")


def _faiss():
    try:
        import faiss
    except ImportError:  # pragma: no cover - the course environment has it
        raise ImportError("faiss is not installed: `pip install faiss-cpu` (the course pins the version)") from None
    return faiss


# ---------------------------------------------------------------------------- input
def as_vectors(x, what: str = "vectors", dim: int = DIM) -> np.ndarray:
    """``x`` as the C-contiguous ``float32`` (n, dim) array FAISS needs, or a clear ``ValueError``.

    Parameters: ``x``, an array-like of numbers, shape (n, dim) or (dim,) for a single vector
    (float64, float16 and integer arrays are converted); ``what``, the name used in messages.

    Returns a new or the same array of dtype float32. Raises ``ValueError`` when ``x`` is not
    numeric, has the wrong width (dlib embeddings have 128 numbers), or holds NaN or infinity.

    >>> as_vectors(np.zeros((3, 128))).dtype       # float64 -> float32
    dtype('float32')
    >>> as_vectors(np.zeros((3, 64)))
    Traceback (most recent call last):
    ValueError: vectors must have 128 columns (one dlib embedding per row), got shape (3, 64)
    """
    arr = np.asarray(x)
    if arr.dtype.kind not in "fiub":
        raise ValueError(f"{what} must be numbers (float32 embeddings), got an array of dtype {arr.dtype}")
    if arr.ndim == 1:
        arr = arr.reshape(1, -1)
    if arr.ndim != 2 or arr.shape[1] != dim:
        raise ValueError(f"{what} must have {dim} columns (one dlib embedding per row), got shape {np.shape(x)}")
    arr = np.ascontiguousarray(arr, dtype=np.float32)
    if not np.isfinite(arr).all():
        raise ValueError(f"{what} contain NaN or infinite values")
    return arr


def _ids(ids, n: int) -> np.ndarray:
    ids = np.ascontiguousarray(np.asarray(ids).reshape(-1), dtype=np.int64)
    if len(ids) != n:
        raise ValueError(f"got {len(ids)} ids for {n} vectors")
    if (ids < 0).any():
        raise ValueError("ids must be >= 0 (FAISS uses -1 for 'no result')")
    return ids


# ---------------------------------------------------------------------------- building
def factory_string(kind: str, nlist: int = 256, m: int = 16, nbits: int = 8, hnsw_m: int = 32) -> str:
    """The FAISS ``index_factory`` description of one of :data:`KINDS`.

    ``nlist``: number of IVF cells; ``m``: PQ bytes per vector (sub-vectors; must divide 128);
    ``nbits``: bits per sub-vector code (8 means 256 centroids per sub-vector); ``hnsw_m``:
    neighbours per node in the HNSW graph. Raises ``ValueError`` for an unknown kind or a PQ ``m``
    that does not divide 128.

    >>> factory_string("ivf-pq", nlist=1024, m=32)
    'IVF1024,PQ32'
    """
    if kind not in KINDS:
        raise ValueError(f"unknown index kind {kind!r}; choose one of {', '.join(KINDS)}")
    if kind == "flat":
        return "IDMap,Flat"
    if kind == "ivf-flat":
        return f"IVF{int(nlist)},Flat"
    if kind == "ivf-pq":
        if DIM % int(m):
            raise ValueError(f"PQ m={m} must divide the 128 dimensions (e.g. 8, 16, 32, 64)")
        return f"IVF{int(nlist)},PQ{int(m)}" + (f"x{int(nbits)}" if int(nbits) != 8 else "")
    return f"IDMap,HNSW{int(hnsw_m)}"


def new_index(kind: str, **params):
    """An empty, untrained FAISS index of ``kind`` (see :func:`factory_string` for ``params``).

    Every kind accepts your own integer ids (``add(index, x, ids=...)``) and returns them from
    searches. IVF kinds must be :func:`train`-ed before vectors are added.

    >>> idx = new_index("ivf-flat", nlist=64)
    >>> idx.is_trained
    False
    """
    faiss = _faiss()
    index = faiss.index_factory(DIM, factory_string(kind, **params), faiss.METRIC_L2)
    if kind == "ivf-pq":
        # the factory turns on "polysemous" training, which costs minutes and is only needed for
        # Hamming-distance filtering; a plain IndexIVFPQ (as built in lesson B7) does without it
        index.do_polysemous_training = False
        # FAISS would also keep, beside the codes, a table of nlist x m x 256 precomputed float32
        # distances to save a little time per search: 16 MiB for IVF1024,PQ16, as much as the codes
        # of a million faces. The course's IVF-PQ does without it (bytes_per_face counts it when present).
        index.use_precomputed_table = -1
    return index


def kind_of(index) -> str:
    """Which of :data:`KINDS` a FAISS index is (looks through an ``IDMap`` wrapper)."""
    faiss = _faiss()
    inner = faiss.downcast_index(index.index) if isinstance(index, faiss.IndexIDMap) else index
    if isinstance(inner, faiss.IndexHNSW):
        return "hnsw"
    if isinstance(inner, faiss.IndexIVFPQ):
        return "ivf-pq"
    if isinstance(inner, faiss.IndexIVFFlat):
        return "ivf-flat"
    if isinstance(inner, faiss.IndexFlat):
        return "flat"
    raise ValueError(f"not an index this module builds: {type(index).__name__}")


def train(index, sample, seed: int = 1234) -> None:
    """Learn an IVF index's cells (k-means) and, for PQ, its codebooks from ``sample`` vectors.

    Training needs a representative sample, at least ``39 x nlist`` vectors for k-means to be
    stable (FAISS warns below that). It does not add the vectors: call :func:`add` afterwards.
    Flat and HNSW indexes need no training (this does nothing for them). ``seed`` fixes k-means.
    Raises ``ValueError`` if the sample has fewer vectors than cells.

    >>> idx = new_index("ivf-pq", nlist=16, m=8, nbits=4)     # PQ8x4: 8 codes of 4 bits, 4 bytes
    >>> train(idx, np.random.default_rng(0).normal(size=(1000, 128))); idx.is_trained
    True
    """
    faiss = _faiss()
    x = as_vectors(sample, "training vectors")
    if index.is_trained:
        return
    ivf = faiss.downcast_index(faiss.extract_index_ivf(index))
    if len(x) < ivf.nlist:
        raise ValueError(f"{len(x)} training vectors cannot make {ivf.nlist} cells: give at least 39 x nlist "
                         f"({39 * ivf.nlist}) vectors or use fewer cells")
    ivf.cp.seed = int(seed)
    if isinstance(ivf, faiss.IndexIVFPQ):
        ivf.pq.cp.seed = int(seed)
    index.train(x)


def add(index, vectors, ids=None) -> None:
    """Add ``vectors`` to a trained index, with integer ``ids`` (default: 0, 1, 2... after the last).

    Raises ``ValueError`` if the index is not trained yet (IVF: call :func:`train` first) or the
    vectors or ids are malformed.

    >>> x = np.random.default_rng(0).normal(size=(1000, 128)).astype("float32")
    >>> flat = new_index("flat"); add(flat, x); flat.ntotal       # ids 0..999: row numbers
    1000
    >>> add(new_index("ivf-flat", nlist=16), x)
    Traceback (most recent call last):
    ValueError: this ivf-flat index is not trained: call train(index, sample) first (IVF needs its k-means cells, PQ its codebooks, before vectors can be added)
    """
    x = as_vectors(vectors)
    if not index.is_trained:
        raise ValueError(f"this {kind_of(index)} index is not trained: call train(index, sample) first "
                         "(IVF needs its k-means cells, PQ its codebooks, before vectors can be added)")
    if ids is None:
        ids = np.arange(index.ntotal, index.ntotal + len(x))
    index.add_with_ids(x, _ids(ids, len(x)))


def build(kind: str, vectors, ids=None, train_sample=None, seed: int = 1234, **params):
    """A ready index: :func:`new_index`, :func:`train` (on ``train_sample``, default the vectors), :func:`add`.

    ``params`` as in :func:`factory_string`. Returns the FAISS index; search it with :func:`search`.

    >>> x = np.random.default_rng(0).normal(size=(2000, 128)).astype("float32")
    >>> build("flat", x).ntotal                              # exact
    2000
    >>> build("ivf-flat", x, nlist=16, train_sample=x[:1000]).nlist
    16
    """
    x = as_vectors(vectors)
    index = new_index(kind, **params)
    train(index, x if train_sample is None else train_sample, seed=seed)
    add(index, x, ids)
    return index


# ---------------------------------------------------------------------------- searching
def set_search(index, nprobe: int | None = None, ef_search: int | None = None) -> None:
    """Set how hard an index searches: ``nprobe`` cells for IVF kinds, ``ef_search`` for HNSW.

    More is slower and finds more true neighbours. Raises ``ValueError`` when the parameter does
    not belong to this kind of index (e.g. ``nprobe`` on HNSW) or is not a positive int.

    >>> ivf = new_index("ivf-flat", nlist=64); set_search(ivf, nprobe=16)
    >>> set_search(new_index("hnsw"), ef_search=64)
    >>> set_search(new_index("flat"), nprobe=4)
    Traceback (most recent call last):
    ValueError: nprobe applies to IVF indexes, not flat
    """
    faiss = _faiss()
    kind = kind_of(index)
    for name, value in (("nprobe", nprobe), ("ef_search", ef_search)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1):
            raise ValueError(f"{name} must be a positive int, got {value!r}")
    if nprobe is not None:
        if not kind.startswith("ivf"):
            raise ValueError(f"nprobe applies to IVF indexes, not {kind}")
        ivf = faiss.extract_index_ivf(index)
        ivf.nprobe = int(min(nprobe, ivf.nlist))
    if ef_search is not None:
        if kind != "hnsw":
            raise ValueError(f"ef_search applies to HNSW indexes, not {kind}")
        faiss.downcast_index(index.index).hnsw.efSearch = int(ef_search)


def search(index, probes, k: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` nearest gallery ids of each probe, nearest first, with **Euclidean** distances.

    FAISS L2 indexes return squared distances; this returns their square root, so a distance can
    be compared with the course's 0.6 threshold. Where an index finds fewer than ``k`` vectors
    (an IVF search that visits too few cells), the missing ids are -1 and their distances inf.

    Returns ``(distances, ids)``, two (n_probes, k) arrays. Raises ``ValueError`` for malformed
    probes, a ``k`` that is not a positive int, or an untrained index.

    >>> x = np.eye(128, dtype="float32")[:3] * [[1], [2], [3]]   # three faces at 1, 2, 3 from 0
    >>> dist, ids = search(build("flat", x), np.zeros(128), k=2)
    >>> ids.tolist(), dist.round(3).tolist()                   # Euclidean, not squared
    ([[0, 1]], [[1.0, 2.0]])
    """
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k must be a positive int, got {k!r}")
    if not index.is_trained:
        raise ValueError("this index is not trained: call train(index, sample) and add(index, vectors) first")
    q = as_vectors(probes, "probes")
    d2, ids = index.search(q, int(k))
    dist = np.sqrt(np.maximum(d2, 0.0))
    dist[ids < 0] = np.inf
    return dist, ids


def exact_search(gallery, probes, k: int = 10, chunk: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The reference: exact k nearest neighbours with numpy (Euclidean), ids = gallery row numbers.

    Same return format as :func:`search`. Works in chunks of probes so memory stays at
    ``chunk x len(gallery)`` distances (default: about 4 million, 16 MB). Ties are broken by
    the smaller row number.

    The same answer on every machine: a float32 matrix product (fast, but its last bits depend
    on the CPU's BLAS kernel and thread count) picks the nearest ``k + 16`` rows of each probe,
    and those are ranked by their distance computed again in float64 from the differences,
    which every machine computes alike.

    >>> exact_search(np.eye(128)[:3] * [[1], [2], [3]], np.zeros(128), k=2)[1].tolist()
    [[0, 1]]
    """
    g = as_vectors(gallery, "gallery")
    q = as_vectors(probes, "probes")
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k must be a positive int, got {k!r}")
    k = min(int(k), len(g))
    shortlist = min(len(g), k + 16)
    chunk = int(chunk or max(1, min(256, 4_000_000 // max(1, len(g)))))
    g_sq = np.einsum("ij,ij->i", g, g)
    out_d, out_i = np.empty((len(q), k), np.float32), np.empty((len(q), k), np.int64)
    for s in range(0, len(q), chunk):
        p = q[s:s + chunk]
        if shortlist < len(g):
            d2 = g_sq[None, :] - 2.0 * (p @ g.T) + np.einsum("ij,ij->i", p, p)[:, None]
            part = np.argpartition(d2, shortlist - 1, axis=1)[:, :shortlist]
        else:
            part = np.tile(np.arange(len(g)), (len(p), 1))
        diff = g[part].astype(np.float64) - p[:, None, :].astype(np.float64)
        pd2 = np.sum(diff * diff, axis=2)
        order = np.lexsort((part, pd2), axis=1)[:, :k]
        out_i[s:s + chunk] = np.take_along_axis(part, order, axis=1)
        out_d[s:s + chunk] = np.sqrt(np.take_along_axis(pd2, order, axis=1))
    return out_d, out_i


def timed_search(index, probes, k: int = 10, repeat: int = 1) -> tuple[np.ndarray, np.ndarray, float]:
    """:func:`search` plus the best wall time per probe in milliseconds over ``repeat`` runs."""
    best = np.inf
    for _ in range(max(1, int(repeat))):
        t0 = time.perf_counter()
        dist, ids = search(index, probes, k)
        best = min(best, time.perf_counter() - t0)
    return dist, ids, 1000.0 * best / max(1, len(np.atleast_2d(probes)))


# ---------------------------------------------------------------------------- erasure
def remove(index, ids) -> tuple[object, int]:
    """Erase gallery ``ids`` from an index; returns ``(index, number removed)``.

    Flat and IVF indexes delete in place (FAISS ``remove_ids``) and the same index is returned.
    HNSW **cannot** delete a node from its graph (its neighbours' links would dangle), so for HNSW
    this rebuilds a new index from the vectors that remain, with the same ids and parameters, and
    returns the new one: always use the returned index. (The other option, masking removed ids at
    search time, leaves the face in memory, which is not erasure.)

    >>> x = np.random.default_rng(0).normal(size=(500, 128)).astype("float32")
    >>> hnsw, n = remove(build("hnsw", x), [3, 4]); n, hnsw.ntotal      # a rebuilt graph
    (2, 498)
    """
    faiss = _faiss()
    ids = np.unique(np.asarray(ids, dtype=np.int64).reshape(-1))
    if kind_of(index) != "hnsw":
        n = index.remove_ids(faiss.IDSelectorBatch(ids))
        return index, int(n)
    inner = faiss.downcast_index(index.index)
    all_ids = faiss.vector_to_array(index.id_map).astype(np.int64)
    keep = ~np.isin(all_ids, ids)
    vectors = inner.reconstruct_n(0, inner.ntotal)[keep]
    rebuilt = faiss.index_factory(DIM, f"IDMap,HNSW{inner.hnsw.nb_neighbors(0) // 2}", faiss.METRIC_L2)
    new_inner = faiss.downcast_index(rebuilt.index)
    new_inner.hnsw.efConstruction = inner.hnsw.efConstruction
    new_inner.hnsw.efSearch = inner.hnsw.efSearch
    if keep.any():
        rebuilt.add_with_ids(vectors, all_ids[keep])
    return rebuilt, int((~keep).sum())


# ---------------------------------------------------------------------------- measuring
def bytes_per_face(index) -> float:
    """Memory per stored face: the serialised index (codes, ids, cells, codebooks, graph) / faces.

    This counts everything the index must keep, so it is a little above the code size alone
    (an IVF-PQ index with ``m=16`` stores 16 bytes of code plus an 8-byte id per face). It also
    counts what a search keeps in memory without saving it: the precomputed-distance table FAISS's
    IVF-PQ builds unless told not to (:func:`new_index` tells it not to).
    Raises ``ValueError`` for an empty index.

    >>> x = np.random.default_rng(0).normal(size=(1000, 128)).astype("float32")
    >>> round(bytes_per_face(build("flat", x)))        # 128 float32 = 512 bytes + an 8-byte id
    520
    """
    faiss = _faiss()
    if index.ntotal == 0:
        raise ValueError("the index is empty: add vectors before measuring bytes per face")
    size = faiss.serialize_index(index).nbytes
    try:
        ivf = faiss.downcast_index(faiss.extract_index_ivf(index))
    except RuntimeError:  # not an IVF index
        ivf = None
    if isinstance(ivf, faiss.IndexIVFPQ):
        size += ivf.precomputed_table.size() * 4  # float32, rebuilt in memory, never serialised
    return float(size) / index.ntotal


def recall_at_k(found_ids, truth, k: int = 10) -> float:
    """Share of probes whose true match (``truth[i]``, a gallery id) is among their first ``k`` ids.

    ``found_ids``: (n_probes, >= k) ids from :func:`search` or :func:`exact_search`. Measure an
    approximate index against the truth (who each probe really is) for "does the search find the
    person", and against exact search with :func:`top1_agreement` for "does it return what exact
    search returns": they are different questions.

    >>> recall_at_k([[5, 2], [1, 9]], [2, 4], k=2)
    0.5
    """
    found = np.asarray(found_ids)
    truth = np.asarray(truth).reshape(-1)
    if found.ndim != 2 or len(found) != len(truth):
        raise ValueError(f"found_ids must be (n_probes, k) with one row per truth id; got {found.shape} for {len(truth)}")
    if k < 1 or k > found.shape[1]:
        raise ValueError(f"k must be between 1 and {found.shape[1]} (the columns searched), got {k}")
    return float(np.mean((found[:, :k] == truth[:, None]).any(axis=1)))


def top1_agreement(found_ids, exact_ids) -> float:
    """Share of probes for which an index's first result is exact search's first result."""
    found, exact = np.asarray(found_ids), np.asarray(exact_ids)
    if len(found) != len(exact):
        raise ValueError("found_ids and exact_ids need one row per probe")
    return float(np.mean(found[:, 0] == exact[:, 0]))


# ---------------------------------------------------------------------------- simulated gallery
@dataclass
class SimulatedGallery:
    """A gallery of ``len(gallery)`` simulated identities (one face each) and probes of some of them.

    ``truth[i]`` is the gallery row (= id) of the identity that probe ``i`` shows. ``params`` keeps
    what the simulation was fitted to.
    """

    gallery: np.ndarray
    probes: np.ndarray
    truth: np.ndarray
    params: dict = field(default_factory=dict)


#: How heavy-tailed the spread of simulated identity centres is (degrees of freedom of a chi-square
#: scale): the one free parameter of :func:`simulate_gallery`, calibrated so that identification on a
#: simulated gallery of LFW's size gives LFW's own rank-1 and top-10 rates (see the function's notes).
LOOKALIKE_DF = 12.0


def lfw_statistics(table=None, emb=None) -> dict:
    """What :func:`simulate_gallery` is fitted to, measured on the LFW embeddings.

    Returns a dict:

    * ``"mean"``, ``"between"``: mean and covariance (full 128 x 128) of the identity centres of
      the people with at least two photos, the covariance corrected for the photo noise a centre
      of n photos still carries (minus ``within / n`` on average). dlib's embeddings span fewer
      than 128 directions, so both covariances are singular: :func:`simulate_gallery` gives each
      empty direction a variance of ``1e-8`` (a standard deviation of 0.0001);
    * ``"within"``: the pooled within-identity covariance (how photos of one person scatter);
    * ``"residuals"``: the real within-identity deviations themselves, one row per photo of a
      person with at least two photos (photo minus that person's mean photo, scaled by
      ``sqrt(n / (n - 1))`` so each has the spread of one photo around the true centre);
    * ``"people"``, ``"images"``: how many people and photos they were measured on.

    >>> stats = lfw_statistics()                            # doctest: +SKIP
    >>> stats["people"], stats["residuals"].shape           # doctest: +SKIP
    (1680, (9164, 128))
    """
    if table is None or emb is None:
        from . import precomputed

        table, emb = precomputed.load()
    emb = np.asarray(emb, dtype=np.float64)
    person = table["person"].to_numpy()
    codes, inv, counts = np.unique(person, return_inverse=True, return_counts=True)
    multi = counts[inv] >= 2
    inv_m = inv[multi]
    x = emb[multi]
    sums = np.zeros((len(codes), emb.shape[1]))
    np.add.at(sums, inv_m, x)
    n_i = counts.astype(float)
    keep = n_i >= 2
    centres = sums[keep] / n_i[keep, None]
    resid = x - (sums / np.maximum(n_i, 1)[:, None])[inv_m]
    dof = float((n_i[keep] - 1).sum())
    # covariances with einsum, not BLAS: the same bits on every CPU and thread count (see _correlated)
    within = np.einsum("ni,nj->ij", resid, resid) / dof
    dev = centres - centres.mean(axis=0)
    between = np.einsum("ni,nj->ij", dev, dev) / (len(centres) - 1) - within * float(np.mean(1.0 / n_i[keep]))
    residuals = resid * np.sqrt(n_i[inv_m] / (n_i[inv_m] - 1.0))[:, None]
    return {"mean": centres.mean(axis=0), "between": between, "within": within,
            "residuals": residuals.astype(np.float32), "people": int(keep.sum()), "images": int(multi.sum())}


def lfw_one_photo_gallery(table, emb, seed: int = 0) -> SimulatedGallery:
    """REAL LFW arranged like a simulated gallery, to validate :func:`simulate_gallery` against it.

    The gallery holds one random photo of every LFW person (5,748 people); the probes are a
    second, different photo of every person who has one (1,680), and ``truth[i]`` is the gallery
    row of probe ``i``'s person. A simulated gallery of the same size should give the same
    identification rates (:func:`recall_at_k` of :func:`exact_search`). Seeded.

    >>> real = lfw_one_photo_gallery(*precomputed.load(), seed=0)       # doctest: +SKIP
    >>> real.gallery.shape, real.probes.shape                           # doctest: +SKIP
    ((5748, 128), (1680, 128))
    """
    emb = as_vectors(emb, "embeddings")
    person = np.asarray(table["person"])
    if len(person) != len(emb):
        raise ValueError(f"table has {len(person)} rows for {len(emb)} embeddings")
    rng = np.random.default_rng(seed)
    _, inv = np.unique(person, return_inverse=True)
    order = np.lexsort((rng.random(len(inv)), inv))           # rows grouped by person, shuffled within
    first = np.r_[True, inv[order][1:] != inv[order][:-1]]
    gallery_rows = order[first]
    second = np.r_[False, first[:-1]] & ~first                  # the next photo of the same person
    probe_rows = order[second]
    truth = inv[probe_rows].astype(np.int64)                    # gallery rows are sorted by person code
    return SimulatedGallery(emb[gallery_rows], emb[probe_rows], truth,
                            {"real": "LFW", "seed": seed, "people": len(gallery_rows)})


#: The grid :func:`simulate_gallery` rounds its correlated draws to (2**-20, about 1e-6: far below the
#: 0.4 that separates two photos of a person, far above a last-bit difference of 1e-17).
SNAP = 2.0 ** -20


def _cholesky(a, floor: float = 1e-8) -> np.ndarray:
    """Lower-triangular ``L`` with ``L @ L.T == a`` (positive semi-definite ``a``), the same bits everywhere.

    Written out (Cholesky-Banachiewicz) with numpy sums instead of LAPACK, whose blocked
    factorisation changes its last bits with the BLAS kernel and the thread count (by 1e-14 here).
    A pivot below ``floor`` (a direction the data do not vary in) is raised to ``floor``.
    """
    a = np.asarray(a, dtype=np.float64)
    low = np.zeros_like(a)
    for j in range(len(a)):
        pivot = max(float(a[j, j] - np.sum(low[j, :j] * low[j, :j])), floor)
        low[j, j] = np.sqrt(pivot)
        low[j + 1:, j] = (a[j + 1:, j] - np.sum(low[j + 1:, :j] * low[j, :j], axis=1)) / low[j, j]
    return low


def _correlated(z, chol, scale=None) -> np.ndarray:
    """``(z @ chol.T) * scale[:, None]`` as float32 with the same bits on every CPU and thread count.

    A BLAS matrix product's last bits depend on the CPU's kernel (AVX2, AVX-512...) and on how
    many threads share it, and k-means amplifies a one-bit difference in one vector into other
    cells (lesson B7). So the product is an ``einsum`` (numpy's own loop, one summation order on
    every machine) in float64, and the result is rounded to the :data:`SNAP` grid, which also
    absorbs a last-bit difference in the maths library's ``log``/``exp`` behind the chi-square
    ``scale``.
    """
    out = np.einsum("nk,jk->nj", np.asarray(z, dtype=np.float64), np.asarray(chol, dtype=np.float64))
    if scale is not None:
        out *= np.asarray(scale, dtype=np.float64)[:, None]
    return (np.round(out / SNAP) * SNAP).astype(np.float32)


def simulate_gallery(n: int, n_probes: int = 500, seed: int = 0, stats: dict | None = None,
                     chunk: int = 100_000, lookalike_df: float | None = LOOKALIKE_DF) -> SimulatedGallery:
    """A SIMULATED gallery of ``n`` identities fitted to LFW's own statistics, and probes of them.

    How (:func:`lfw_statistics` measures everything used here):

    1. **identity centres**: ``mean + r * L z`` with ``z`` standard normal, ``L L' =`` the full
       covariance of LFW's identity centres, and a per-identity scale ``r`` with ``r**2 ~
       chi2(lookalike_df) / lookalike_df`` (mean 1, so the covariance is unchanged). Some faces are
       generic (small ``r``, near the average face, with many lookalikes), others distinctive. With
       a plain Gaussian (``lookalike_df=None``) simulated people have far fewer lookalikes than real
       ones: exact search of a 5,748-identity simulated gallery then ranks the mate first for
       about 97% of probes, where real LFW (:func:`lfw_one_photo_gallery`) manages about 89%.
    2. **photos**: every gallery face is a *photo*, not a centre: its centre plus one real LFW
       within-identity deviation drawn at random (``stats["residuals"]``), so bad lighting and
       profile shots come with their real frequency. A gallery of centres would make the mate
       distance about 0.30 instead of LFW's 0.41 and every search far too easy.
    3. **probes**: a *second photo* of ``n_probes`` random gallery identities: the same centre
       plus another random deviation. ``truth[i]`` is the gallery row of probe ``i``'s identity.

    Calibration: ``lookalike_df`` (default :data:`LOOKALIKE_DF`) is the one free parameter. It was
    chosen so that simulated galleries of 1,000, 2,500 and 5,748 identities give the rank-1 and
    top-10 identification rates of real LFW galleries of the same sizes
    (:func:`lfw_one_photo_gallery`; about 89% and 97% at 5,748, ``tests/test_index.py`` checks
    it); the median distances of same-person and different-person pairs then also agree with
    LFW's (about 0.41 and 0.81). Without ``"residuals"`` in ``stats`` the
    photo noise is Gaussian with ``stats["within"]``. Vectors have LFW's scale (length about 1.42;
    dlib embeddings are not unit length). Everything beyond LFW's size is an extrapolation of this
    model: no real person is in it. Seeded: the same arguments always give the same arrays.

    Returns a :class:`SimulatedGallery` (float32 arrays). Raises ``ValueError`` if ``n < 1``,
    ``n_probes > n`` or ``lookalike_df <= 0``.

    >>> sim = simulate_gallery(100_000, n_probes=500, seed=0)    # doctest: +SKIP
    >>> sim.gallery.shape, sim.probes.shape                      # doctest: +SKIP
    ((100000, 128), (500, 128))
    """
    if isinstance(n, bool) or int(n) != n or n < 1:
        raise ValueError(f"n must be a positive int, got {n!r}")
    if n_probes < 0 or n_probes > n:
        raise ValueError(f"n_probes must be between 0 and n ({n}), got {n_probes}")
    if lookalike_df is not None and not lookalike_df > 0:
        raise ValueError(f"lookalike_df must be positive (or None for a plain Gaussian), got {lookalike_df!r}")
    n, n_probes = int(n), int(n_probes)
    stats = stats or lfw_statistics()
    rng = np.random.default_rng(seed)
    lb = _cholesky(stats["between"])
    lw = _cholesky(stats["within"])
    pool = stats.get("residuals")
    pool = None if pool is None else np.asarray(pool, dtype=np.float32)

    def photo_noise(k: int) -> np.ndarray:
        if pool is not None:
            return pool[rng.integers(0, len(pool), k)]
        return _correlated(rng.standard_normal((k, DIM), dtype=np.float32), lw)

    mean = stats["mean"].astype(np.float32)
    truth = np.sort(rng.choice(n, size=n_probes, replace=False)).astype(np.int64)
    gallery = np.empty((n, DIM), np.float32)
    probes = np.empty((n_probes, DIM), np.float32)
    for s in range(0, n, chunk):
        e = min(n, s + chunk)
        z = rng.standard_normal((e - s, DIM), dtype=np.float32)
        scale = None if lookalike_df is None else np.sqrt(rng.chisquare(lookalike_df, e - s) / lookalike_df)
        centres = mean + _correlated(z, lb, scale)
        gallery[s:e] = centres + photo_noise(e - s)
        here = truth[(truth >= s) & (truth < e)]
        if len(here):
            probes[np.searchsorted(truth, here)] = centres[here - s] + photo_noise(len(here))
    params = {"n": n, "n_probes": n_probes, "seed": seed, "lookalike_df": lookalike_df,
              "photo_noise": "LFW residuals" if pool is not None else "Gaussian",
              "fitted_to_people": stats["people"], "fitted_to_images": stats["images"]}
    return SimulatedGallery(gallery, probes, truth, params)
