"""Exact vs approximate 1:N search side by side: numpy, FAISS flat, IVF-Flat, IVF-PQ (plain and with re-ranking) and HNSW.

    python benchmarks/index_search.py                      # 100k and 1M simulated faces (~12 min on a quiet 2-core machine)
    python benchmarks/index_search.py --build-threads 1    # the same with reproducible builds (a few minutes more)
    python benchmarks/index_search.py --sizes 20000        # a smoke run (~1 min)
    python benchmarks/index_search.py --from-log out.txt   # the table of an earlier run's printed rows

Every SEARCH runs on ONE core (numpy's BLAS and FAISS's OpenMP limited to one thread), in one
process. Building the HNSW graph is the slow part (minutes at 1M), so index construction may use
``--build-threads`` cores (default: all); searches are always timed on one. The galleries are
SIMULATED by :func:`facecourse.matching.index.simulate_gallery` (identity centres drawn from the
full covariance of LFW's identity centres with a calibrated lookalike spread, every gallery face
a *photo* = centre + a real LFW within-identity deviation, each probe a second photo of a gallery
identity; validated against real LFW identification at LFW's size, see ``tests/test_index.py``),
2,000 probes (``--probes``). For every index setting it reports

* build time (training + adding), query time per probe (all probes searched as one batch; wall
  time, best of two runs, and CPU time, which a busy shared machine inflates less), the share of
  probes whose true match is in the top 10 (absolute, and as a share of exact search's), agreement
  of the first result with exact search, and bytes per face (the serialised index / faces: codes,
  ids, cells, codebooks, graph; plus any table FAISS keeps in memory only, see
  :func:`facecourse.matching.index.bytes_per_face`).

Each row is printed as soon as it is measured; at the end the markdown table (with the machine,
the load average before and after, and the versions) is printed and written to
``benchmarks/results/index_search.md``, followed by the verdict on the target of issue 16: at 1M
faces, the true match in the top 10 for >= 99% of probes within 2 ms per probe and 40 bytes per
face. With a simulation validated against LFW, exact search itself finds the true match in the top
10 for far fewer than 99% of probes at 1M (lookalikes), so no index can meet that target; the
verdict also reports the cheapest setting that keeps >= 99% of exact search's rate within 2 ms and
40 bytes (the most an index can be asked for).
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import datetime  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import faiss  # noqa: E402

from facecourse.matching import index  # noqa: E402

PROBES = 2000  # the 99%-of-exact question is about a few lost matches: 500 probes are too few to judge it
K = 10
SEED = 2020
TARGET_RECALL, TARGET_MS, TARGET_BYTES = 0.99, 2.0, 40.0
RESULTS = Path(__file__).resolve().parent / "results" / "index_search.md"


def nlist_for(n: int) -> int:
    """About sqrt(n) cells, a power of two (256 at 100k, 1024 at 1M)."""
    return int(2 ** round(np.log2(np.sqrt(n))))


def plan(n: int) -> list[tuple[str, dict, str, list]]:
    """(kind, build parameters, search knob, knob values): the settings measured at n faces.

    IVF-PQ with 16-byte codes (m=16, 8 bits) is the largest plain PQ code that stays within 40
    bytes per face with its 8-byte id; 32-byte codes (m=32, 40.7 bytes per face) show what the last
    0.7 byte would buy. "ivf-pq+r" spends the same 30 bytes differently (:func:`build_refined`).
    nprobe goes up to 256 cells.
    """
    nl = nlist_for(n)
    return [
        ("flat", {}, "", [None]),
        ("ivf-flat", {"nlist": nl}, "nprobe", [16, 32, 64, 128]),
        ("ivf-pq", {"nlist": nl, "m": 16}, "nprobe", [16, 32, 64, 128, 256]),
        ("ivf-pq", {"nlist": nl, "m": 32}, "nprobe", [32, 64, 128]),
        ("ivf-pq+r", {"nlist": nl}, "nprobe", [16, 32, 48, 64, 96] if n >= 500_000 else [8, 16, 32, 64]),
        ("hnsw", {"hnsw_m": 32}, "efSearch", [32, 64, 128, 256, 512]),
    ]


#: IVF-PQ with re-ranking codes: the faces of the nearest cells ranked by a first 15-byte code,
#: the best K_FACTOR x k re-ranked with a second 15-byte code of the residual the first left
REFINED = "OPQ30_120,IVF{nlist},PQ15+15"
K_FACTOR = 8


def build_refined(gallery, train_sample, nlist: int, seed: int = 1234):
    """IVF-PQ with re-ranking ("IVFADC+R", Jegou et al., ICASSP 2011), FAISS's ``IndexIVFPQR``.

    OPQ rotates the 128 dimensions and keeps 120 (so that 15 sub-vectors of 8 dimensions fit), an
    IVF cell holds each face, a first 15-byte PQ code of the face's offset from its cell ranks the
    faces of the ``nprobe`` nearest cells, and the best ``K_FACTOR x k`` are re-ranked with a second
    15-byte code of what the first code missed: 30 bytes of code and the 8-byte id per face. FAISS's
    table of precomputed distances is turned off (bytes per face counts it otherwise). FAISS cannot
    remove a face from this index (``remove_ids`` is not implemented), so erasure means rebuilding
    it: one reason the course's ``Gallery`` offers plain IVF-PQ.
    """
    idx = faiss.index_factory(index.DIM, REFINED.format(nlist=nlist), faiss.METRIC_L2)
    ivf = faiss.downcast_index(faiss.extract_index_ivf(idx))
    ivf.do_polysemous_training = False
    ivf.use_precomputed_table = -1
    ivf.cp.seed = ivf.pq.cp.seed = int(seed)
    idx.train(index.as_vectors(train_sample))
    idx.add(index.as_vectors(gallery))
    ivf.k_factor = K_FACTOR
    return idx


def load() -> str:
    try:
        return " ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:  # pragma: no cover
        return "n/a"


def row(n, method, setting, build_s, ms, cpu, ids, sim, exact_ids, exact_recall, bpf) -> dict:
    recall = index.recall_at_k(ids, sim.truth, K)
    return {"faces": n, "probes": len(sim.truth), "method": method, "setting": setting, "build s": build_s, "ms/probe": ms, "cpu ms/probe": cpu,
            "true match in top 10": recall, "of exact": recall / exact_recall if exact_recall else float("nan"),
            "same top-1 as exact": index.top1_agreement(ids, exact_ids), "bytes/face": bpf}


def run_size(n: int, rows: list[dict], build_threads: int, probes: int = PROBES) -> None:
    t0 = time.perf_counter()
    sim = index.simulate_gallery(n, n_probes=probes, seed=SEED)
    print(f"# {n:,} simulated faces ready in {time.perf_counter() - t0:.0f} s", flush=True)
    t0, c0 = time.perf_counter(), time.process_time()
    _, exact_ids = index.exact_search(sim.gallery, sim.probes, k=K)
    ms, cpu = 1000 * (time.perf_counter() - t0) / probes, 1000 * (time.process_time() - c0) / probes
    exact_recall = index.recall_at_k(exact_ids, sim.truth, K)
    rows.append(row(n, "exact numpy", "", 0.0, ms, cpu, exact_ids, sim, exact_ids, exact_recall, sim.gallery.nbytes / n))
    print(rows[-1], flush=True)
    train_sample = sim.gallery[np.random.default_rng(1).choice(n, size=min(n, 100_000), replace=False)]
    for kind, params, knob, values in plan(n):
        faiss.omp_set_num_threads(build_threads)
        t0 = time.perf_counter()
        if kind == "ivf-pq+r":
            idx = build_refined(sim.gallery, train_sample, **params)
            name = REFINED.format(**params) + f" (re-rank {K_FACTOR}k)"
        else:
            idx = index.build(kind, sim.gallery, train_sample=train_sample, **params)
            name = index.factory_string(kind, **params).replace("IDMap,", "")
        build_s = time.perf_counter() - t0
        faiss.omp_set_num_threads(1)
        bpf = index.bytes_per_face(idx)
        for v in values:
            if kind == "ivf-pq+r":
                faiss.extract_index_ivf(idx).nprobe = v
            elif knob == "nprobe":
                index.set_search(idx, nprobe=v)
            elif knob == "efSearch":
                index.set_search(idx, ef_search=v)
            repeat = 1 if kind == "flat" else 2            # a flat search of 1M faces is slow: time it once
            c0 = time.process_time()
            _, ids, ms = index.timed_search(idx, sim.probes, K, repeat=repeat)
            cpu = 1000 * (time.process_time() - c0) / repeat / probes
            rows.append(row(n, f"FAISS {name}", f"{knob} {v}" if knob else "", build_s, ms, cpu, ids, sim, exact_ids,
                            exact_recall, bpf))
            print(rows[-1], flush=True)
        del idx


def table(rows: list[dict]) -> str:
    head = ("| faces | method | setting | build (s) | ms per probe (wall) | ms per probe (CPU) | true match in top 10 "
            "| as a share of exact search's | same top-1 as exact | bytes per face |")
    out = [head, "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        cpu = f"{r['cpu ms/probe']:.3f}" if "cpu ms/probe" in r else "-"
        share = f"{r['of exact']:.1%}" if "of exact" in r else "-"
        out.append(f"| {r['faces']:,} | {r['method']} | {r['setting']} | {r['build s']:.1f} | {r['ms/probe']:.3f} | {cpu} | "
                   f"{r['true match in top 10']:.1%} | {share} | {r['same top-1 as exact']:.1%} | {r['bytes/face']:.1f} |")
    return "\n".join(out)


def summary(rows: list[dict], sizes) -> list[str]:
    """The verdict per size on the absolute target of issue 16 and on the relative one.

    Absolute: true match in the top 10 for >= 99% of probes, <= 2 ms per probe (wall, or CPU time
    when the machine was shared), <= 40 bytes per face. Exact search bounds what any index finds:
    if it finds the true match for fewer than 99% of probes, no index can meet the absolute target,
    and the relative target asks for >= 99% of exact search's rate within the same limits.
    """
    out = []
    for n in sizes:
        here = [r for r in rows if r["faces"] == n]
        if not here:
            continue
        exact = next(r for r in here if r["method"] == "exact numpy")
        er = exact["true match in top 10"]
        fast = [r for r in here if min(r["ms/probe"], r.get("cpu ms/probe", np.inf)) <= TARGET_MS
                and r["bytes/face"] <= TARGET_BYTES]
        out.append(f"{n:,} faces: exact search finds the true match in the top 10 for {er:.1%} of probes "
                   f"({exact['ms/probe']:.1f} ms per probe, {exact['bytes/face']:.0f} bytes per face).")
        for label, goal in ((f"absolute target (>= {TARGET_RECALL:.0%} of probes)", TARGET_RECALL),
                            (f"relative target (>= {TARGET_RECALL:.0%} of exact search's {er:.1%}, i.e. "
                             f">= {TARGET_RECALL * er:.1%})", TARGET_RECALL * er)):
            ok = [r for r in fast if r["true match in top 10"] >= goal - 1e-12]
            if ok:
                best = min(ok, key=lambda r: (r["bytes/face"], r["ms/probe"]))
                n_probes = best.get("probes", 500)  # rows printed before the count was logged used 500
                out.append(f"  {label}: met by {best['method']} {best['setting']}: {best['true match in top 10']:.1%} in "
                           f"top 10 ({round(best['true match in top 10'] * n_probes)} of {n_probes} probes; exact search "
                           f"{round(er * n_probes)}), {best['ms/probe']:.2f} ms (CPU {best.get('cpu ms/probe', float('nan')):.2f} "
                           f"ms) per probe, {best['bytes/face']:.1f} bytes per face")
                if "+" in best["method"].split(",")[-1]:
                    out.append("    (FAISS cannot remove a face from an index with re-ranking codes: erasure means rebuilding it)")
            elif goal > er:
                out.append(f"  {label}: not reachable: exact search itself finds only {er:.1%}")
            else:
                out.append(f"  {label}: no setting within {TARGET_MS:g} ms per probe and {TARGET_BYTES:g} bytes per face")
    return out


def rows_from_log(path: str) -> list[dict]:
    """The rows an earlier (possibly interrupted) run printed, one dict per line."""
    import ast

    return [ast.literal_eval(line) for line in Path(path).read_text().splitlines() if line.startswith("{")]


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    ap.add_argument("--probes", type=int, default=PROBES, help="probes per gallery size (default %(default)s)")
    ap.add_argument("--build-threads", type=int, default=os.cpu_count() or 1,
                    help="cores used to BUILD indexes (searches always use one); default: all")
    ap.add_argument("--from-log", help="re-render the table of an earlier run from its printed rows")
    ap.add_argument("--out", default=None,
                    help=f"where to write the markdown table (default for a run: {RESULTS.relative_to(RESULTS.parent.parent.parent)}; "
                         "for --from-log: nowhere; '' for nowhere)")
    args = ap.parse_args(argv)
    if args.from_log:
        rows = rows_from_log(args.from_log)
        sizes = sorted({r["faces"] for r in rows})
        header = f"Re-rendered from the rows printed by an earlier run ({Path(args.from_log).name})."
    else:
        load_before = load()
        rows = []
        started = time.perf_counter()
        for n in args.sizes:
            run_size(n, rows, args.build_threads, args.probes)
        sizes = args.sizes
        header = (f"Run {datetime.datetime.now().strftime('%Y-%m-%d %H:%M')}, {platform.machine()} with "
                  f"{os.cpu_count()} cores, load average (1, 5, 15 min) {load_before} before and {load()} after; "
                  f"faiss {faiss.__version__}, numpy {np.__version__}, Python {platform.python_version()}; searches on "
                  f"one thread, builds on {args.build_threads}; {args.probes} probes, top {K}, seed {SEED}; total "
                  f"{time.perf_counter() - started:.0f} s.")
    text = "\n".join([header, "", table(rows), "", *summary(rows, sizes)])
    print()
    print(text)
    out = args.out if args.out is not None else ("" if args.from_log else str(RESULTS))
    if out:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        Path(out).write_text(text + "\n")
        print(f"\nwritten to {out}")


if __name__ == "__main__":
    main()
