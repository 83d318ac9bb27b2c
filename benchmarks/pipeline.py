"""Throughput and latency of the face pipeline, printed as tables (a benchmark, not a timed test).

    python benchmarks/pipeline.py            # everything below, about 5 minutes on 2 cores
    python benchmarks/pipeline.py --quick    # fewer images, for a smoke run

1. face_recognition's documented usage vs the course pipeline, one core, same images, with a check
   that the embeddings are identical;
2. the default prebuilt dlib (dlib-bin) vs an accelerated dlib built against OpenBLAS, if
   ``python3 course.py accel-dlib`` has made ``.venv-accel`` (the same workload runs in both);
3. the embeddings build on all cores vs one core;
4. 1:N search latency over all LFW embeddings, and on synthetic galleries up to 1 million faces.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


def _images(n: int) -> list[Path]:
    from facecourse import data

    rels = sorted(e.path for e in data.select("lfw", "teaching") if e.path.startswith("images/"))[:n]
    return [data.require("lfw", r) for r in rels]


def workload(n: int) -> dict:
    """Per-core throughput of three ways to embed the same LFW images (runs in any interpreter)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import face_recognition
    import dlib

    from facecourse import faces

    paths = _images(n)
    pixels = [face_recognition.load_image_file(p) for p in paths]
    methods = {
        "documented: face_locations + face_encodings(img, locations)":
            lambda img: face_recognition.face_encodings(img, face_recognition.face_locations(img)),
        "common: face_locations + face_encodings(img) (detects twice)":
            lambda img: (face_recognition.face_locations(img), face_recognition.face_encodings(img)),
        "course: faces.analyse (each step once)": lambda img: faces.analyse(img),
    }
    for fn in methods.values():  # warm up: models, allocations, BLAS start-up
        for img in pixels[:3]:
            fn(img)
    best = {name: float("inf") for name in methods}
    outputs = {}
    for _ in range(3):  # interleaved rounds; the best round is the least disturbed
        for name, fn in methods.items():
            t0 = time.perf_counter()
            outputs[name] = [fn(img) for img in pixels]
            best[name] = min(best[name], time.perf_counter() - t0)
    doc = outputs["documented: face_locations + face_encodings(img, locations)"]
    course = outputs["course: faces.analyse (each step once)"]
    same = all(len(a) == len(b) and all(np.allclose(x, f.embedding, atol=1e-6) for x, f in zip(a, b))
               for a, b in zip(doc, course))
    n_desc = sum(len(a) for a in doc)
    chip = faces.aligned_chip(pixels[0], faces.detect(pixels[0])[0].box)
    t0 = time.perf_counter()
    for _ in range(20):
        faces.describe_chip(chip)
    per_desc = (time.perf_counter() - t0) / 20
    return {"dlib": dlib.__version__, "blas": bool(getattr(dlib, "DLIB_USE_BLAS", False)), "images": n,
            "faces": n_desc, **{name: n / t for name, t in best.items()},
            "identical embeddings": same, "descriptors per second": 1 / per_desc}


def _run_workload(python: Path, n: int) -> dict:
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    out = subprocess.run([str(python), __file__, "--workload", str(n)], capture_output=True, text=True,
                         env=env, cwd=ROOT, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _table(rows: list[dict], title: str) -> str:
    cols = list(dict.fromkeys(k for r in rows for k in r))

    def fmt(v):
        return f"{v:,.2f}" if isinstance(v, float) else str(v)

    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(fmt(r.get(c, "")) for c in cols) + " |" for r in rows]
    return f"\n## {title}\n\n" + "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--workload", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.workload:
        print(json.dumps(workload(args.workload)))
        return 0
    n = 20 if args.quick else 80
    report = [f"# facecourse benchmark ({os.cpu_count()} cores)"]

    # 1 + 2: documented usage vs course pipeline, default vs accelerated dlib (one core each)
    rows = []
    interpreters = {"prebuilt dlib-bin (default)": Path(sys.executable)}
    accel = ROOT / ".venv-accel" / "bin" / "python"
    if accel.exists():
        interpreters["dlib built with OpenBLAS (.venv-accel)"] = accel
    for label, py in interpreters.items():
        r = _run_workload(py, n)
        rows.append({"dlib": label, **{k: v for k, v in r.items() if k not in ("dlib", "blas", "images", "faces")}})
    report.append(_table(rows, f"Images per second on one core ({n} LFW images; higher is better)"))
    if len(rows) == 2:
        key = "documented: face_locations + face_encodings(img, locations)"
        report.append(f"\nAccelerated / default, end to end: {rows[1][key] / rows[0][key]:.2f}x; "
                      f"descriptors: {rows[1]['descriptors per second'] / rows[0]['descriptors per second']:.2f}x")
    else:
        report.append("\n(accelerated dlib not built: `python3 course.py accel-dlib` to compare)")

    # 3: embeddings build, all cores vs one
    from facecourse import embeddings

    m = 4 * n
    rows = []
    for workers in (1, os.cpu_count() or 1):
        with tempfile.TemporaryDirectory() as tmp:
            meta = embeddings.build(workers=workers, progress=False, limit=m, out_dir=Path(tmp) / "out",
                                    shard_dir=Path(tmp) / "shards", shard_size=20)
        rows.append({"workers": workers, "images": m, "seconds": meta["build_seconds_this_run"],
                     "images per second": m / meta["build_seconds_this_run"]})
    rows[-1]["speed-up"] = rows[-1]["images per second"] / rows[0]["images per second"]
    report.append(_table(rows, "Embeddings build (faces.LFW settings), one core vs all"))

    # 4: 1:N search latency
    from facecourse.gallery import Gallery
    from facecourse.identification import lfw_gallery

    rows = []
    g = lfw_gallery()
    probes = g.embeddings[np.random.default_rng(0).choice(len(g), 200, replace=False)]

    def latency(gal, probes):
        times = []
        for p in probes:
            t0 = time.perf_counter()
            gal.search(p, k=10)
            times.append(time.perf_counter() - t0)
        return statistics.median(times) * 1000

    rows.append({"gallery": "all LFW embeddings", "faces": len(g), "median ms per probe": latency(g, probes)})
    rng = np.random.default_rng(1)
    for size in (100_000, 1_000_000):
        syn = Gallery()
        syn.add_many([f"synthetic_{i}" for i in range(size)],
                     rng.normal(0, 0.09, (size, 128)).astype(np.float32), ["synthetic"] * size)
        rows.append({"gallery": "synthetic", "faces": size, "median ms per probe": latency(syn, probes[:50])})
        del syn
    report.append(_table(rows, "1:N search latency (top 10, exact, one process)"))
    text = "\n".join(report)
    print(text)
    out = ROOT / "build" / "benchmark.md"
    out.parent.mkdir(exist_ok=True)
    out.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
