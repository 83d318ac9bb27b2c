"""Exact vs approximate 1:N search side by side: numpy, FAISS flat, IVF-Flat, IVF-PQ and HNSW.

    python benchmarks/index_search.py                  # 100k and 1M simulated faces (~15 min, one core)
    python benchmarks/index_search.py --sizes 20000    # a smoke run
    python benchmarks/index_search.py --from-log out.txt   # the table of an earlier run's printed rows

Everything runs on ONE core (numpy's BLAS and FAISS's OpenMP limited to one thread), in one
process, on galleries SIMULATED by :func:`facecourse.matching.index.simulate_gallery`: identity
centres drawn from a Gaussian fitted to the LFW embeddings' identity centres, one face per
identity, and each probe a second "photo" of a gallery identity with LFW's measured
within-identity spread (500 probes). For every index setting it reports

* build time (training + adding), query time per probe (500 probes searched as one batch; wall
  time, best of two runs, and CPU time, which a busy shared machine inflates less), the share of probes whose true match is in the top 10, agreement of the first result
  with exact search, and bytes per face (the serialised index / faces: codes, ids, cells, graph).

Each row is printed as soon as it is measured. The last lines name the cheapest setting per size
that finds the true match in the top 10 for at least 99% of probes within 2 ms per probe and 40
bytes per face (the target of issue 16), and the same against 99% of exact search's own recall.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import faiss  # noqa: E402

from facecourse.matching import index  # noqa: E402

PROBES = 500
K = 10


def nlist_for(n: int) -> int:
    """About sqrt(n) cells, a power of two (256 at 100k, 1024 at 1M)."""
    return int(2 ** round(np.log2(np.sqrt(n))))


def plan(n: int) -> list[tuple[str, dict, str, list]]:
    nl = nlist_for(n)
    probes = [8, 16, 32, 64, 128]
    return [
        ("flat", {}, "", [None]),
        ("ivf-flat", {"nlist": nl}, "nprobe", probes),
        ("ivf-pq", {"nlist": nl, "m": 8}, "nprobe", probes),
        ("ivf-pq", {"nlist": nl, "m": 16}, "nprobe", probes),
        ("ivf-pq", {"nlist": nl, "m": 32}, "nprobe", probes),
        ("hnsw", {"hnsw_m": 16}, "efSearch", [16, 32, 64, 128]),
    ]


def run_size(n: int, rows: list[dict]) -> None:
    t0 = time.perf_counter()
    sim = index.simulate_gallery(n, n_probes=PROBES, seed=2020)
    print(f"# {n:,} simulated faces ready in {time.perf_counter() - t0:.0f} s", flush=True)
    t0, c0 = time.perf_counter(), time.process_time()
    _, exact_ids = index.exact_search(sim.gallery, sim.probes, k=K)
    ms, cpu = 1000 * (time.perf_counter() - t0) / PROBES, 1000 * (time.process_time() - c0) / PROBES
    rows.append({"faces": n, "method": "exact numpy", "setting": "", "build s": 0.0, "ms/probe": ms, "cpu ms/probe": cpu,
                 "true match in top 10": index.recall_at_k(exact_ids, sim.truth, K),
                 "same top-1 as exact": 1.0, "bytes/face": sim.gallery.nbytes / n})
    print(rows[-1], flush=True)
    train_sample = sim.gallery[np.random.default_rng(1).choice(n, size=min(n, 100_000), replace=False)]
    for kind, params, knob, values in plan(n):
        t0 = time.perf_counter()
        idx = index.build(kind, sim.gallery, train_sample=train_sample, **params)
        build_s = time.perf_counter() - t0
        bpf = index.bytes_per_face(idx)
        name = index.factory_string(kind, **params).replace("IDMap,", "")
        for v in values:
            if knob == "nprobe":
                index.set_search(idx, nprobe=v)
            elif knob == "efSearch":
                index.set_search(idx, ef_search=v)
            c0 = time.process_time()
            _, ids, ms = index.timed_search(idx, sim.probes, K, repeat=2)
            cpu = 1000 * (time.process_time() - c0) / 2 / PROBES
            rows.append({"faces": n, "method": f"FAISS {name}", "setting": f"{knob} {v}" if knob else "",
                         "build s": build_s, "ms/probe": ms, "cpu ms/probe": cpu,
                         "true match in top 10": index.recall_at_k(ids, sim.truth, K),
                         "same top-1 as exact": index.top1_agreement(ids, exact_ids), "bytes/face": bpf})
            print(rows[-1], flush=True)
        del idx


def table(rows: list[dict]) -> str:
    head = ("| faces | method | setting | build (s) | ms per probe (wall) | ms per probe (CPU) | true match in top 10 "
            "| same top-1 as exact | bytes per face |")
    out = [head, "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        cpu = f"{r['cpu ms/probe']:.3f}" if "cpu ms/probe" in r else "-"
        out.append(f"| {r['faces']:,} | {r['method']} | {r['setting']} | {r['build s']:.1f} | {r['ms/probe']:.3f} | {cpu} | "
                   f"{r['true match in top 10']:.1%} | {r['same top-1 as exact']:.1%} | {r['bytes/face']:.1f} |")
    return "\n".join(out)


def summary(rows: list[dict], sizes) -> list[str]:
    """The cheapest setting per size meeting the absolute target of issue 16, and the relative one.

    Absolute: true match in the top 10 for >= 99% of probes, <= 2 ms per probe, <= 40 bytes per face.
    If exact search itself finds fewer true matches than that (the simulation is fitted to LFW, so
    lookalikes push some true matches out of the top 10 of a million), no index can meet it; the
    relative target asks for >= 99% of exact search's recall within the same time and memory limits.
    """
    out = []
    for n in sizes:
        here = [r for r in rows if r["faces"] == n]
        if not here:
            continue
        exact = next(r for r in here if r["method"] == "exact numpy")
        small_fast = [r for r in here if r["ms/probe"] <= 2.0 and r["bytes/face"] <= 40.0]
        for label, ok in (
                ("absolute target (>= 99% true match in top 10)",
                 [r for r in small_fast if r["true match in top 10"] >= 0.99]),
                (f"relative target (>= 99% of exact search's {exact['true match in top 10']:.1%})",
                 [r for r in small_fast if r["true match in top 10"] >= 0.99 * exact["true match in top 10"]])):
            if ok:
                best = min(ok, key=lambda r: (r["bytes/face"], r["ms/probe"]))
                out.append(f"{n:,} faces, {label}: met by {best['method']} {best['setting']}: "
                           f"{best['true match in top 10']:.1%} in top 10, {best['ms/probe']:.2f} ms per probe, "
                           f"{best['bytes/face']:.1f} bytes per face")
            else:
                out.append(f"{n:,} faces, {label}: no setting within 2 ms per probe and 40 bytes per face")
    return out


def rows_from_log(path: str) -> list[dict]:
    """The rows an earlier (possibly interrupted) run printed, one dict per line."""
    import ast

    return [ast.literal_eval(line) for line in Path(path).read_text().splitlines() if line.startswith("{")]


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    ap.add_argument("--from-log", help="re-render the table of an earlier run from its printed rows")
    args = ap.parse_args(argv)
    if args.from_log:
        rows = rows_from_log(args.from_log)
        sizes = sorted({r["faces"] for r in rows})
    else:
        faiss.omp_set_num_threads(1)
        rows = []
        started = time.perf_counter()
        for n in args.sizes:
            run_size(n, rows)
        sizes = args.sizes
        print()
        print(f"faiss {faiss.__version__}, numpy {np.__version__}, Python {platform.python_version()}, one thread, "
              f"{PROBES} probes, top {K}; total {time.perf_counter() - started:.0f} s")
    print()
    print(table(rows))
    print()
    for line in summary(rows, sizes):
        print(line)


if __name__ == "__main__":
    main()
