"""Precomputed embeddings of every LFW image: build (parallel, resumable), load, spot-check.

Embedding all 13,232 LFW images takes about half an hour of CPU with the prebuilt dlib, far too
slow for a lesson or for Binder, so the course commits the result under ``datasets/embeddings/``:

* ``lfw.npz``: ``embeddings`` (N x 128 float32), in the row order of ``lfw.csv``;
* ``lfw.csv``: path, person, image index, detector used (``hog``/``cnn``/``fixed``), faces found,
  and the box (top, right, bottom, left) in pixels of the 150 x 150 image;
* ``lfw.json``: the settings, model files and library versions that produced them.

Rebuild with ``python3 course.py embeddings`` (needs ``--subset all`` data). Work is split in
shards under ``build/embeddings/``; an interrupted run resumes with the shards it has.
A test recomputes a random sample from the images and compares.

Detection policy for LFW (each image is centred on the labelled person): HOG with upsample 1;
if it finds nothing, dlib's CNN detector; if that finds nothing either, a fixed box where LFW
puts the face (the ``fixed`` rows, which the lessons count and discuss). Among several faces
the most central is taken.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict
from multiprocessing import get_context
from pathlib import Path

import numpy as np
import pandas as pd

from .. import data
from ..paths import BUILD, EMBEDDINGS_DIR
from . import faces
from .faces import Box, Face

OUT_DIR = EMBEDDINGS_DIR
SHARD_DIR = BUILD / "embeddings"
SHARD_SIZE = 250
SETTINGS = faces.LFW
#: where the LFW face sits in the 150 px images (scikit-learn's crop scaled by 0.6), a last resort
FIXED_BOX = Box(top=42, right=106, bottom=117, left=44)


def locate_lfw_face(img: np.ndarray, upsample: int = 1) -> Face:
    """Where the labelled face is in an LFW image, by the policy above (always returns a box)."""
    found = faces.detect(img, "hog", upsample) or faces.detect(img, "cnn", upsample)
    if not found:
        return Face(FIXED_BOX, "fixed", extra={"faces_found": 0})
    face = faces.most_central(found, img.shape[1], img.shape[0])
    face.extra["faces_found"] = len(found)
    return face


def embed_lfw_image(path: Path, settings: faces.Settings = SETTINGS) -> Face:
    """One LFW image's face with landmarks and embedding (never raises NoFaceError)."""
    img = faces.as_rgb_array(path)
    face = locate_lfw_face(img, settings.upsample)
    face.source = str(path)
    return faces.describe(img, face, settings)


def _row(rel: str, face: Face) -> dict:
    person = rel.split("/")[1]
    index = int(rel.rsplit("_", 1)[1].split(".")[0])
    b = face.box
    return {"path": rel, "person": person, "index": index, "detector": face.detector,
            "faces_found": face.extra.get("faces_found", 1), "top": b.top, "right": b.right,
            "bottom": b.bottom, "left": b.left}


def _shard_job(args) -> str:
    shard_id, rels, root, shard_dir = args
    out = Path(shard_dir) / f"shard-{shard_id:04d}.npz"
    rows, vecs = [], []
    for rel in rels:
        face = embed_lfw_image(Path(root) / "lfw" / rel)
        rows.append(_row(rel, face))
        vecs.append(face.embedding)
    tmp = out.with_name(out.stem + ".tmp.npz")
    np.savez(tmp, embeddings=np.stack(vecs), rows=json.dumps(rows))
    os.replace(tmp, out)
    return str(out)


def _plan(paths: list[str], size: int = SHARD_SIZE) -> list[tuple[int, list[str]]]:
    return [(k // size, paths[k:k + size]) for k in range(0, len(paths), size)]


def _shard_ok(shard_id: int, rels: list[str], shard_dir: Path) -> bool:
    p = shard_dir / f"shard-{shard_id:04d}.npz"
    if not p.is_file():
        return False
    try:
        with np.load(p) as z:
            return [r["path"] for r in json.loads(str(z["rows"]))] == rels
    except Exception:
        return False


def build(workers: int | None = None, progress: bool = True, limit: int | None = None,
          out_dir: Path = OUT_DIR, shard_dir: Path = SHARD_DIR, shard_size: int = SHARD_SIZE) -> dict:
    """Embed every LFW image in the manifest (or the first ``limit``), in parallel; write ``out_dir``."""
    out_dir, shard_dir = Path(out_dir), Path(shard_dir)
    entries = [e for e in data.split_opted_out(data.load_manifest("lfw"))[0] if e.path.startswith("images/")]
    report = data.verify_entries(entries)
    if not report.ok:
        raise data.MissingDataError(
            f"{len(report.problems)} LFW images are missing or corrupt; run `python3 course.py data --subset all` first")
    paths = sorted(e.path for e in entries)[:limit]
    plan = _plan(paths, shard_size)
    todo = [(sid, rels, str(data.cache_dir()), str(shard_dir)) for sid, rels in plan
            if not _shard_ok(sid, rels, shard_dir)]
    shard_dir.mkdir(parents=True, exist_ok=True)
    workers = workers or os.cpu_count() or 1
    started = time.perf_counter()
    if todo:
        from tqdm.auto import tqdm

        bar = tqdm(total=sum(len(t[1]) for t in todo), unit="img", desc=f"embedding on {workers} cores",
                   disable=None if progress else True)
        # single-threaded BLAS per worker: the processes are the parallelism
        os.environ.setdefault("OMP_NUM_THREADS", "1")
        with get_context("spawn").Pool(workers) as pool:
            for done in pool.imap_unordered(_shard_job, todo):
                with np.load(done) as z:
                    bar.update(len(z["embeddings"]))
        bar.close()
    seconds = time.perf_counter() - started
    rows, vecs = [], []
    for sid, rels in plan:
        with np.load(shard_dir / f"shard-{sid:04d}.npz") as z:
            rows += json.loads(str(z["rows"]))
            vecs.append(z["embeddings"])
    out_dir.mkdir(parents=True, exist_ok=True)
    table = pd.DataFrame(rows)
    np.savez_compressed(out_dir / "lfw.npz", embeddings=np.concatenate(vecs).astype(np.float32))
    table.to_csv(out_dir / "lfw.csv", index=False)
    meta = {
        "images": len(table),
        "settings": asdict(SETTINGS),
        "policy": "hog upsample 1; else cnn; else fixed box; most central face",
        "fixed_box": FIXED_BOX.as_tuple(),
        "models": faces.model_info(),
        "detectors_used": table["detector"].value_counts().to_dict(),
        "build_seconds_this_run": round(seconds, 1),
        "workers": workers,
    }
    (out_dir / "lfw.json").write_text(json.dumps(meta, indent=1, sort_keys=True) + "\n")
    return meta


def load() -> tuple[pd.DataFrame, np.ndarray]:
    """(table, embeddings) of the committed LFW embeddings; row i of the table is embeddings[i].

    ``table`` has columns path, person, index (the image number), detector (hog/cnn/fixed),
    faces_found and the box; ``embeddings`` is a (13232, 128) float32 array. The rows of people on
    the opt-out list (``data.opted_out``) are dropped: they are never loaded. Raises
    ``data.MissingDataError`` if the files are missing and ``data.DataError`` if they disagree.

    >>> table, emb = load()
    >>> emb.shape, table.loc[0, "path"]
    ((13232, 128), 'images/AJ_Cook/AJ_Cook_0001.jpg')
    """
    npz, csv = OUT_DIR / "lfw.npz", OUT_DIR / "lfw.csv"
    for p in (npz, csv):
        if not p.is_file():
            raise data.MissingDataError(f"{p} is missing; rebuild it with `python3 course.py embeddings`")
    table = pd.read_csv(csv)
    with np.load(npz) as z:
        emb = z["embeddings"]
    if emb.shape != (len(table), 128):
        raise data.DataError(f"{npz} holds {emb.shape} embeddings for {len(table)} rows: rebuild them")
    keys = data.opted_out_keys("lfw")
    if keys:
        keep = ~table["person"].map(data.normalise_identity).isin(keys).to_numpy()
        table, emb = table[keep].reset_index(drop=True), emb[keep]
    return table, emb


def metadata() -> dict:
    """The settings, model files and library versions that produced the committed embeddings (``lfw.json``).

    >>> metadata()["images"]
    13232
    """
    return json.loads((OUT_DIR / "lfw.json").read_text())


def pair_distances(table: pd.DataFrame, emb: np.ndarray, pairs: list[tuple]) -> pd.DataFrame:
    """Euclidean distances for LFW pairs ((name, i), (name, j), same, fold), from the precomputed table.

    Returns one row per pair: fold (0-9 for View 2), same (bool), distance, and the two image
    names ``a`` and ``b``. Pairs naming a person on the opt-out list are dropped, with a warning
    (``data.drop_opted_out_pairs``). Raises ``KeyError`` if a pair names an image that is not in ``table``.

    >>> table, emb = load()
    >>> pairs = pair_distances(table, emb, data.read_pairs())
    >>> len(pairs), sorted(pairs["fold"].unique()) == list(range(10))
    (6000, True)
    """
    pairs = data.drop_opted_out_pairs(pairs)
    index = {(p, i): k for k, (p, i) in enumerate(zip(table["person"], table["index"]))}
    a = np.array([index[p1] for p1, _, _, _ in pairs])
    b = np.array([index[p2] for _, p2, _, _ in pairs])
    d = np.linalg.norm(emb[a] - emb[b], axis=1)
    return pd.DataFrame({"fold": [f for *_, f in pairs], "same": [s for _, _, s, _ in pairs], "distance": d,
                         "a": [f"{p}_{i:04d}" for (p, i), *_ in pairs],
                         "b": [f"{p}_{i:04d}" for _, (p, i), *_ in pairs]})
