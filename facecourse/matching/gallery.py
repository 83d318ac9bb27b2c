"""A searchable gallery of face embeddings in which every entry keeps its provenance.

This is the core of a face-search product, in miniature: enrol faces with the identity and the
source they came from, search a probe against everything (1:N), return ranked candidates with
distances and links, reject the probe when nothing is close enough (open-set), and erase a
person completely when asked.

    >>> g = Gallery()
    >>> embedding = probe = np.eye(128)[0]   # in the course: 128-d face embeddings
    >>> g.add("Ann", embedding, source="https://example.org/ann.jpg")
    >>> g.search(probe, k=5)                 # ranked candidates with distances and sources
    [Match(rank=1, identity='Ann', distance=0.0, source='https://example.org/ann.jpg', index=0)]
    >>> g.identify(probe, threshold=0.6).identity     # the best candidate, or None
    'Ann'
    >>> g.remove("Ann")                      # erasure: no search returns Ann afterwards
    1

People on the course's opt-out list (``facecourse.data.opted_out``, ``datasets/optout/``) cannot be
enrolled, are dropped when a saved gallery is loaded, and are never returned by a search.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import numpy as np
import pandas as pd

from .. import data
from . import THRESHOLD

DIM = 128
DEFAULT_THRESHOLD = THRESHOLD


class OptedOutError(data.OptedOutError, ValueError):
    """Enrolling a person on the opt-out list was refused (a ``ValueError`` and a ``data.OptedOutError``)."""


@dataclass(frozen=True)
class Match:
    """One search result: its rank (1 = nearest), identity, Euclidean distance, source, and gallery row."""

    rank: int
    identity: str
    distance: float
    source: str
    index: int  # row in the gallery at search time


def _vector(x, what: str = "embedding") -> np.ndarray:
    v = np.asarray(x, dtype=np.float32)
    if v.shape != (DIM,):
        raise ValueError(f"{what} must be {DIM} numbers; got shape {v.shape}")
    if not np.isfinite(v).all():
        raise ValueError(f"{what} contains NaN or infinite values")
    return v


class Gallery:
    """Embeddings with identity, source and any extra provenance columns, searchable by distance.

    ``records`` is a DataFrame with one row per face (``identity``, ``source`` and any provenance
    given at enrolment); row i describes ``embeddings[i]``.

    >>> g = Gallery()
    >>> g.add("Ann", np.eye(128)[0], source="https://example.org/ann.jpg")
    >>> g.add("Bob", np.eye(128)[1], source="https://example.org/bob.jpg")
    >>> [(m.identity, round(m.distance, 3)) for m in g.search(np.eye(128)[0], k=2)]
    [('Ann', 0.0), ('Bob', 1.414)]
    """

    def __init__(self):
        self._emb = np.zeros((0, DIM), np.float32)
        self._sq = np.zeros(0, np.float32)  # squared norms, for fast distances
        self.records = pd.DataFrame(columns=["identity", "source"])
        self._init_index_state(0)

    # ------------------------------------------------------------------ building
    def __len__(self) -> int:
        return len(self._emb)

    def __repr__(self) -> str:
        return f"<Gallery: {len(self)} faces of {self.records['identity'].nunique()} identities>"

    @property
    def embeddings(self) -> np.ndarray:
        """The (n, 128) float32 embeddings, read-only (enrol with ``add``, erase with ``remove``)."""
        view = self._emb.view()
        view.flags.writeable = False
        return view

    def identities(self) -> list[str]:
        """The distinct identities enrolled, sorted."""
        return sorted(self.records["identity"].unique())

    def add(self, identity: str, embedding, source: str, **provenance) -> None:
        """Enrol one face. ``source`` (where the photo came from) is required: no provenance, no entry.

        Extra keyword arguments are stored as provenance columns (licence, hash, collected_at...).
        Raises ``ValueError`` for an empty identity or source, an embedding that is not 128
        finite numbers, or a person on the opt-out list (``data.OptedOutError``, a ``ValueError`` here too).

        >>> g = Gallery(); g.add("Ann", np.zeros(128), source="https://example.org/ann.jpg", licence="CC-BY")
        >>> g.records.loc[0, ["identity", "licence"]].tolist()
        ['Ann', 'CC-BY']
        """
        self.add_many([identity], [embedding], [source], [provenance] if provenance else None)

    def add_many(self, identities: Iterable[str], embeddings, sources: Iterable[str],
                 provenance: Iterable[dict] | None = None) -> None:
        """Enrol many faces at once: equal-length lists of identities, (n, 128) embeddings and sources.

        ``provenance``, optional, is one dict per face. Raises ``ValueError`` as :meth:`add` does,
        or if the lengths differ; nothing is enrolled if any identity is on the opt-out list.

        >>> g = Gallery(); g.add_many(["Ann", "Bob"], np.eye(128)[:2], ["a.jpg", "b.jpg"]); len(g)
        2
        """
        identities, sources = list(identities), list(sources)
        emb = np.asarray(embeddings, dtype=np.float32).reshape(-1, DIM) if len(identities) else np.zeros((0, DIM), np.float32)
        if not (len(identities) == len(sources) == len(emb)):
            raise ValueError(f"got {len(identities)} identities, {len(sources)} sources and {len(emb)} embeddings")
        for name in identities:
            if not isinstance(name, str) or not name.strip():
                raise ValueError(f"identity must be a non-empty string, got {name!r}")
        refused = sorted({n for n in identities if data.is_opted_out(n)})
        if refused:
            raise OptedOutError(f"{', '.join(refused)} asked to be left out (the opt-out list, datasets/optout/): "
                                "they cannot be enrolled")
        for src in sources:
            if not isinstance(src, str) or not src.strip():
                raise ValueError("every face needs a source (URL or file) so matches can be traced back")
        if not np.isfinite(emb).all():
            raise ValueError("embeddings contain NaN or infinite values")
        rows = pd.DataFrame({"identity": identities, "source": sources})
        if provenance is not None:
            extra = pd.DataFrame(list(provenance))
            rows = pd.concat([rows, extra.reset_index(drop=True)], axis=1)
        self._emb = np.concatenate([self._emb, emb])
        self._sq = np.concatenate([self._sq, np.einsum("ij,ij->i", emb, emb)])
        self._index_add(emb)
        self.records = pd.concat([self.records, rows], ignore_index=True) if len(self.records) else rows

    def remove(self, identity: str) -> int:
        """Erase every face of ``identity`` (embeddings and records). Returns how many were removed.

        >>> g = Gallery(); g.add_many(["Ann", "Ann", "Bob"], np.eye(128)[:3], ["a1", "a2", "b"])
        >>> g.remove("Ann"), g.identities()
        (2, ['Bob'])
        """
        keep = (self.records["identity"] != identity).to_numpy()
        removed = int((~keep).sum())
        self._index_keep(keep)
        self._emb, self._sq = self._emb[keep], self._sq[keep]
        self.records = self.records[keep].reset_index(drop=True)
        return removed

    def remove_where(self, mask) -> int:
        """Erase rows where ``mask`` is true (e.g. every face from one source site). Returns how many.

        Raises ``ValueError`` unless ``mask`` has one entry per gallery row.
        """
        mask = np.asarray(mask, dtype=bool)
        if mask.shape != (len(self),):
            raise ValueError("mask must have one entry per gallery row")
        keep = ~mask
        self._index_keep(keep)
        self._emb, self._sq = self._emb[keep], self._sq[keep]
        self.records = self.records[keep].reset_index(drop=True)
        return int(mask.sum())

    # ------------------------------------------------------------------ searching
    def distances(self, probe) -> np.ndarray:
        """Euclidean distance from ``probe`` (128 numbers) to every gallery face, in row order.

        Uses |g - p|^2 = |g|^2 - 2 g.p + |p|^2 with the squared norms kept from enrolment, which is
        the broadcasting of lesson B3 without the (n, 128) difference array. Raises ``ValueError``
        for a probe that is not 128 finite numbers.

        >>> g = Gallery(); g.add_many(["Ann", "Bob"], np.eye(128)[:2], ["a", "b"])
        >>> [round(float(x), 3) for x in g.distances(np.eye(128)[0])]
        [0.0, 1.414]
        """
        p = _vector(probe, "probe")
        d2 = self._sq - 2.0 * (self._emb @ p) + float(p @ p)
        return np.sqrt(np.maximum(d2, 0.0))

    def search(self, probe, k: int = 5, threshold: float | None = None, exclude_source: str | None = None) -> list[Match]:
        """The ``k`` nearest faces, nearest first; with ``threshold``, only those within it (``<=``).

        ``exclude_source`` leaves out the probe's own photo when it is also in the gallery. Ranking
        is ``np.argpartition`` for the k smallest, then a sort of those k (ties by row), as in
        lesson B5. People put on the opt-out list after they were enrolled are never returned. Returns a list of :class:`Match` (shorter than ``k`` if the threshold cuts it or
        the gallery is smaller). Raises ``ValueError`` if ``k`` is not a positive int.

        >>> g = Gallery(); g.add_many(["Ann", "Bob", "Cy"], np.eye(128)[:3] * [[1], [2], [3]], ["a", "b", "c"])
        >>> [m.identity for m in g.search(np.zeros(128), k=2)], g.search(np.zeros(128), k=5, threshold=1.5)[-1].identity
        (['Ann', 'Bob'], 'Ann')
        """
        if isinstance(k, bool) or not isinstance(k, int) or k < 1:
            raise ValueError(f"k must be a positive int, got {k!r}")
        if len(self) == 0:
            return []
        hidden = self._opted_out_rows()
        if getattr(self, "_index", None) is not None:
            return self._search_index(probe, k, threshold, exclude_source, hidden)
        d = self.distances(probe)
        if exclude_source is not None:
            d = np.where(self.records["source"].to_numpy() == exclude_source, np.inf, d)
        if hidden is not None:
            d = np.where(hidden, np.inf, d)
        k_eff = min(k, len(d))
        idx = np.argpartition(d, k_eff - 1)[:k_eff] if k_eff < len(d) else np.arange(len(d))
        idx = idx[np.lexsort((idx, d[idx]))]
        out = []
        for rank, i in enumerate(idx, start=1):
            if not np.isfinite(d[i]) or (threshold is not None and d[i] > threshold):
                break
            out.append(Match(rank, self.records.at[int(i), "identity"], float(d[i]),
                             self.records.at[int(i), "source"], int(i)))
        return out

    def identify(self, probe, threshold: float = DEFAULT_THRESHOLD, **kw) -> Match | None:
        """Open-set identification: the best candidate if it is within ``threshold``, else None.

        >>> g = Gallery(); g.add("Ann", np.eye(128)[0], "a")
        >>> g.identify(np.eye(128)[0]).identity, g.identify(np.eye(128)[1], threshold=0.6)
        ('Ann', None)
        """
        best = self.search(probe, k=1, threshold=threshold, **kw)
        return best[0] if best else None

    def results_table(self, matches: list[Match], provenance: bool = False) -> pd.DataFrame:
        """Matches as a table; with ``provenance=True`` each row also carries the entry's recorded provenance
        (every column given at enrolment besides identity and source: licence, hash, collection time...).

        Columns: rank, identity, distance, source, index (the gallery row).

        >>> g = Gallery(); g.add("Ann", np.eye(128)[0], "a.jpg")
        >>> g.results_table(g.search(np.eye(128)[0]))[["rank", "identity", "source"]].values.tolist()
        [[1, 'Ann', 'a.jpg']]
        """
        table = pd.DataFrame([m.__dict__ for m in matches], columns=["rank", "identity", "distance", "source", "index"])
        extra = [c for c in self.records.columns if c not in ("identity", "source")]
        if provenance and extra and len(table):
            table = pd.concat([table, self.records.loc[table["index"], extra].reset_index(drop=True)], axis=1)
        return table

    # ------------------------------------------------------------------ approximate search (lesson B7)
    def _init_index_state(self, n: int) -> None:
        self._keys = np.arange(n, dtype=np.int64)  # stable FAISS id of each row (rows shift on erasure)
        self._next_key = n
        self._index = None
        self._index_kind = None

    @property
    def index_kind(self) -> str | None:
        """The approximate index searches go through ("ivf-pq", ...), or None for exact search (default)."""
        return getattr(self, "_index_kind", None)

    def index_size(self) -> int:
        """How many faces the approximate index holds (0 without one): equals ``len(self)`` after erasure."""
        return 0 if getattr(self, "_index", None) is None else int(self._index.ntotal)

    def use_index(self, kind: str | None = "ivf-pq", train_sample=None, nprobe: int | None = None,
                  ef_search: int | None = None, **params) -> None:
        """Search through an approximate FAISS index instead of comparing the probe with every face.

        Exact search stays the default and the reference; ``use_index(None)`` returns to it.
        ``kind`` is one of ``facecourse.matching.index.KINDS`` ("flat", "ivf-flat", "ivf-pq",
        "hnsw"); ``params`` as in ``index.factory_string`` (e.g. ``nlist=256, m=16``); ``nprobe`` /
        ``ef_search`` as in ``index.set_search``. The index is trained on ``train_sample`` (default:
        the gallery's own embeddings) and holds every face. Faces added later go into it too, and
        ``remove``/``remove_where`` erase them from it (an HNSW graph is rebuilt without them).
        ``search`` and ``identify`` return the same ``Match`` results (identity, Euclidean distance,
        source, row), but may miss a true neighbour: that is the price of speed (lesson B7).

        Raises ``ValueError`` for an unknown kind or an empty gallery (the index is trained on it).

        >>> g = Gallery(); g.add_many(["Ann", "Bob", "Cy"], np.eye(128)[:3], ["a.jpg", "b.jpg", "c.jpg"])
        >>> g.use_index("flat"); g.index_kind      # or "ivf-flat", "ivf-pq" (nlist=, m=, nprobe=), "hnsw"
        'flat'
        >>> g.search(np.eye(128)[1], k=1)[0].identity   # same Match results, found through the index
        'Bob'
        >>> g.remove("Bob"); g.index_size()             # erasure reaches the index
        1
        2
        >>> g.use_index(None); g.index_kind is None     # back to exact search
        True
        """
        from . import index as ann

        if kind is None:
            self._index, self._index_kind = None, None
            return
        ann.factory_string(kind, **params)  # unknown kind or bad parameters: ValueError before any work
        if len(self) == 0:
            raise ValueError("enrol faces before building an index: it is trained on the gallery's embeddings")
        if not hasattr(self, "_keys"):
            self._init_index_state(len(self))
        if kind.startswith("ivf") and "nlist" not in params:
            params["nlist"] = int(max(1, min(1024, 2 ** round(np.log2(max(1.0, np.sqrt(len(self))))), len(self) // 39)))
        idx = ann.build(kind, self._emb, ids=self._keys, train_sample=train_sample, **params)
        if nprobe is not None or ef_search is not None:
            ann.set_search(idx, nprobe=nprobe, ef_search=ef_search)
        self._index, self._index_kind = idx, kind

    def _index_add(self, emb: np.ndarray) -> None:
        if not hasattr(self, "_keys"):
            self._init_index_state(len(self._emb) - len(emb))
        keys = np.arange(self._next_key, self._next_key + len(emb), dtype=np.int64)
        self._next_key += len(emb)
        self._keys = np.concatenate([self._keys, keys])
        if self._index is not None and len(emb):
            from . import index as ann

            ann.add(self._index, emb, keys)

    def _index_keep(self, keep: np.ndarray) -> None:
        if not hasattr(self, "_keys"):
            self._init_index_state(len(self._emb))
        if self._index is not None and (~keep).any():
            from . import index as ann

            self._index, _ = ann.remove(self._index, self._keys[~keep])  # erasure reaches the index
        self._keys = self._keys[keep]

    def _opted_out_rows(self) -> np.ndarray | None:
        """A boolean mask of the rows whose identity is on the opt-out list, or None if there are none."""
        keys = data.opted_out_keys("lfw")
        if not keys or not len(self):
            return None
        mask = self.records["identity"].map(data.normalise_identity).isin(keys).to_numpy()
        return mask if mask.any() else None

    def _search_index(self, probe, k: int, threshold: float | None, exclude_source: str | None,
                      hidden: np.ndarray | None = None) -> list[Match]:
        from . import index as ann

        p = _vector(probe, "probe")
        skip = 0 if exclude_source is None else int((self.records["source"] == exclude_source).sum())
        skip += 0 if hidden is None else int(hidden.sum())
        dist, keys = ann.search(self._index, p, min(len(self), k + skip))
        out: list[Match] = []
        for d, key in zip(dist[0], keys[0]):
            if key < 0 or not np.isfinite(d) or (threshold is not None and d > threshold):
                break
            row = int(np.searchsorted(self._keys, key))  # keys are increasing along the rows
            if exclude_source is not None and self.records.at[row, "source"] == exclude_source:
                continue
            if hidden is not None and hidden[row]:
                continue
            out.append(Match(len(out) + 1, self.records.at[row, "identity"], float(d), self.records.at[row, "source"], row))
            if len(out) == k:
                break
        return out

    # ------------------------------------------------------------------ persistence
    def save(self, path: str | os.PathLike) -> Path:
        """Write ``<path>.npz`` (embeddings) and ``<path>.csv`` (records), atomically."""
        base = Path(path).with_suffix("")
        base.parent.mkdir(parents=True, exist_ok=True)
        tmp_npz, tmp_csv = base.with_name(base.name + ".tmp.npz"), base.with_name(base.name + ".tmp.csv")
        np.savez_compressed(tmp_npz, embeddings=self._emb)
        self.records.to_csv(tmp_csv, index=False)
        os.replace(tmp_npz, base.with_suffix(".npz"))
        os.replace(tmp_csv, base.with_suffix(".csv"))
        return base

    @classmethod
    def load(cls, path: str | os.PathLike) -> "Gallery":
        """Read a gallery written by :meth:`save` (``<path>.npz`` and ``<path>.csv``).

        People on the opt-out list are dropped as the gallery is read. Raises ``FileNotFoundError`` if
        a file is missing and ``ValueError`` if they are unreadable or disagree.
        """
        base = Path(path).with_suffix("")
        npz, csv = base.with_suffix(".npz"), base.with_suffix(".csv")
        for p in (npz, csv):
            if not p.is_file():
                raise FileNotFoundError(f"gallery file {p} is missing")
        try:
            emb = np.load(npz)["embeddings"]
            records = pd.read_csv(csv, dtype={"identity": str, "source": str}, keep_default_na=False)
        except Exception as exc:
            raise ValueError(f"gallery {base} is unreadable ({exc}); rebuild it") from None
        if emb.ndim != 2 or emb.shape[1] != DIM or len(emb) != len(records):
            raise ValueError(f"gallery {base} is inconsistent: {emb.shape} embeddings for {len(records)} records")
        g = cls()
        g._emb = emb.astype(np.float32)
        g._sq = np.einsum("ij,ij->i", g._emb, g._emb)
        g._init_index_state(len(g._emb))
        g.records = records
        hidden = g._opted_out_rows()
        if hidden is not None:
            g.remove_where(hidden)
        return g
