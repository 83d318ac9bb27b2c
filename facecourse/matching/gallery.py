"""A searchable gallery of face embeddings in which every entry keeps its provenance.

This is the core of a face-search product, in miniature: enrol faces with the identity and the
source they came from, search a probe against everything (1:N), return ranked candidates with
distances and links, reject the probe when nothing is close enough (open-set), and erase a
person completely when asked.

    >>> g = Gallery()
    >>> g.add("Ann", embedding, source="https://example.org/ann.jpg")
    >>> g.search(probe, k=5)                 # ranked candidates with distances and sources
    >>> g.identify(probe, threshold=0.6)     # the best candidate, or None
    >>> g.remove("Ann")                      # erasure: no search returns Ann afterwards
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import numpy as np
import pandas as pd

from . import THRESHOLD

DIM = 128
DEFAULT_THRESHOLD = THRESHOLD


@dataclass(frozen=True)
class Match:
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
    """Embeddings with identity, source and any extra provenance columns, searchable by distance."""

    def __init__(self):
        self._emb = np.zeros((0, DIM), np.float32)
        self._sq = np.zeros(0, np.float32)  # squared norms, for fast distances
        self.records = pd.DataFrame(columns=["identity", "source"])

    # ------------------------------------------------------------------ building
    def __len__(self) -> int:
        return len(self._emb)

    def __repr__(self) -> str:
        return f"<Gallery: {len(self)} faces of {self.records['identity'].nunique()} identities>"

    @property
    def embeddings(self) -> np.ndarray:
        view = self._emb.view()
        view.flags.writeable = False
        return view

    def identities(self) -> list[str]:
        return sorted(self.records["identity"].unique())

    def add(self, identity: str, embedding, source: str, **provenance) -> None:
        """Enrol one face. ``source`` (where the photo came from) is required: no provenance, no entry."""
        self.add_many([identity], [embedding], [source], [provenance] if provenance else None)

    def add_many(self, identities: Iterable[str], embeddings, sources: Iterable[str],
                 provenance: Iterable[dict] | None = None) -> None:
        identities, sources = list(identities), list(sources)
        emb = np.asarray(embeddings, dtype=np.float32).reshape(-1, DIM) if len(identities) else np.zeros((0, DIM), np.float32)
        if not (len(identities) == len(sources) == len(emb)):
            raise ValueError(f"got {len(identities)} identities, {len(sources)} sources and {len(emb)} embeddings")
        for name in identities:
            if not isinstance(name, str) or not name.strip():
                raise ValueError(f"identity must be a non-empty string, got {name!r}")
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
        self.records = pd.concat([self.records, rows], ignore_index=True) if len(self.records) else rows

    def remove(self, identity: str) -> int:
        """Erase every face of ``identity`` (embeddings and records). Returns how many were removed."""
        keep = (self.records["identity"] != identity).to_numpy()
        removed = int((~keep).sum())
        self._emb, self._sq = self._emb[keep], self._sq[keep]
        self.records = self.records[keep].reset_index(drop=True)
        return removed

    def remove_where(self, mask) -> int:
        """Erase rows where ``mask`` is true (e.g. every face from one source site)."""
        mask = np.asarray(mask, dtype=bool)
        if mask.shape != (len(self),):
            raise ValueError("mask must have one entry per gallery row")
        keep = ~mask
        self._emb, self._sq = self._emb[keep], self._sq[keep]
        self.records = self.records[keep].reset_index(drop=True)
        return int(mask.sum())

    # ------------------------------------------------------------------ searching
    def distances(self, probe) -> np.ndarray:
        """Euclidean distance from ``probe`` to every gallery face."""
        p = _vector(probe, "probe")
        d2 = self._sq - 2.0 * (self._emb @ p) + float(p @ p)
        return np.sqrt(np.maximum(d2, 0.0))

    def search(self, probe, k: int = 5, threshold: float | None = None, exclude_source: str | None = None) -> list[Match]:
        """The ``k`` nearest faces, nearest first; with ``threshold``, only those within it.

        ``exclude_source`` leaves out the probe's own photo when it is also in the gallery.
        """
        if isinstance(k, bool) or not isinstance(k, int) or k < 1:
            raise ValueError(f"k must be a positive int, got {k!r}")
        if len(self) == 0:
            return []
        d = self.distances(probe)
        if exclude_source is not None:
            d = np.where(self.records["source"].to_numpy() == exclude_source, np.inf, d)
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
        """Open-set identification: the best candidate if it is within ``threshold``, else None."""
        best = self.search(probe, k=1, threshold=threshold, **kw)
        return best[0] if best else None

    def results_table(self, matches: list[Match], provenance: bool = False) -> pd.DataFrame:
        """Matches as a table; with ``provenance=True`` each row also carries the entry's recorded provenance
        (every column given at enrolment besides identity and source: licence, hash, collection time...)."""
        table = pd.DataFrame([m.__dict__ for m in matches], columns=["rank", "identity", "distance", "source", "index"])
        extra = [c for c in self.records.columns if c not in ("identity", "source")]
        if provenance and extra and len(table):
            table = pd.concat([table, self.records.loc[table["index"], extra].reset_index(drop=True)], axis=1)
        return table

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
        g.records = records
        return g
