"""Lesson B7's stored outputs are the same on every machine: the same simulated gallery, k-means
cells, PQ codes, graph and search results whatever the thread count, FAISS's code path (generic,
AVX2, AVX-512) or the BLAS kernel of the CPU (issue 23).

Each configuration runs in its own process (thread counts, FAISS's code path and OpenBLAS's kernel
are chosen when the libraries load): B7's own FAISS settings, read from the lesson's source, then
the lesson's kinds of training on a smaller gallery; every array is hashed and the hashes must
agree. A control run without the lesson's settings shows the test can see a difference: FAISS's
AVX2 and AVX-512 code paths return different distances for the same search.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

faiss = pytest.importorskip("faiss")

ROOT = Path(__file__).resolve().parents[2]
LESSON = ROOT / "sources" / "lessons" / "B7_approximate_search.py"
SETTINGS = ("faiss.omp_set_num_threads(", "faiss.SIMDConfig.set_level(", "faiss.cvar.distance_compute_blas_threshold")

WORKLOAD = r'''
import hashlib, json, sys
import numpy as np
import faiss
from facecourse.matching import index

exec(sys.argv[1])                      # the lesson's FAISS settings ('' for the control run)

def h(a):
    return hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()[:16]

stats = index.lfw_statistics(*__import__("facecourse.matching.precomputed", fromlist=["load"]).load())
sim = index.simulate_gallery(20_000, n_probes=200, seed=7, stats=stats)
out = {"gallery": h(sim.gallery), "probes": h(sim.probes)}
_, exact = index.exact_search(sim.gallery, sim.probes, k=10)
out["exact"] = h(exact)
quantizer = faiss.IndexFlatL2(128)
ivf = faiss.IndexIVFFlat(quantizer, 128, 64)
ivf.train(sim.gallery[:5_000])
ivf.add(sim.gallery)
out["cells"] = h(quantizer.reconstruct_n(0, 64))
for nprobe in (1, 8):
    ivf.nprobe = nprobe
    faiss.cvar.indexIVF_stats.reset()
    d2, ids = ivf.search(sim.probes, 10)
    out[f"ivf{nprobe}"] = [h(d2), h(ids), int(faiss.cvar.indexIVF_stats.ndis)]
pq = faiss.IndexIVFPQ(quantizer, 128, 64, 16, 8)
pq.use_precomputed_table = -1
pq.train(sim.gallery[:5_000])
pq.add(sim.gallery)
pq.nprobe = 8
out["ivfpq"] = [h(x) for x in pq.search(sim.probes, 10)]
pqr = faiss.IndexIVFPQR(quantizer, 128, 64, 8, 8, 8, 8)
pqr.use_precomputed_table = -1
pqr.train(sim.gallery[:5_000])
pqr.add(sim.gallery)
pqr.nprobe = 8
out["ivfpqr"] = [h(x) for x in pqr.search(sim.probes, 10)]
hnsw = faiss.IndexHNSWFlat(128, 16)
hnsw.add(sim.gallery[:5_000])
hnsw.hnsw.efSearch = 40
out["hnsw"] = [h(faiss.vector_to_array(hnsw.hnsw.neighbors))] + [h(x) for x in hnsw.search(sim.probes, 10)]
print(json.dumps(out))
'''


def lesson_settings() -> str:
    """The FAISS settings lesson B7 makes before anything else, as written in its source."""
    lines = [ln for ln in LESSON.read_text(encoding="utf-8").splitlines() if ln.startswith(SETTINGS)]
    assert len(lines) == len(SETTINGS), f"lesson B7 should fix threads, code path and BLAS use; found {lines}"
    return "\n".join(lines)


def run(settings: str, **env) -> dict:
    full = {**os.environ, **env}
    for key in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "FAISS_SIMD_LEVEL", "OPENBLAS_CORETYPE"):
        if key not in env:
            full.pop(key, None)
    done = subprocess.run([sys.executable, "-c", WORKLOAD, settings], env=full, capture_output=True, text=True,
                          timeout=600, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def available(level: str) -> bool:
    return bool(faiss.SIMDConfig.is_simd_level_available(getattr(faiss, f"SIMDLevel_{level}")))


@pytest.mark.slow
def test_b7_training_is_the_same_with_any_thread_count_code_path_and_blas_kernel():
    settings = lesson_settings()
    reference = run(settings, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    variants = {"2 threads": {"OMP_NUM_THREADS": "2", "OPENBLAS_NUM_THREADS": "2"},
                "4 threads": {"OMP_NUM_THREADS": "4", "OPENBLAS_NUM_THREADS": "4"},
                "another BLAS kernel (Sandy Bridge, no FMA)": {"OPENBLAS_CORETYPE": "Sandybridge"}}
    for level in ("AVX2", "AVX512"):
        if available(level):
            variants[f"FAISS's {level} code path chosen at start"] = {"FAISS_SIMD_LEVEL": level}
    for name, env in variants.items():
        got = run(settings, **env)
        differ = sorted(k for k in reference if got[k] != reference[k])
        assert not differ, f"with {name}, lesson B7's training gives different {', '.join(differ)}"


@pytest.mark.slow
def test_the_comparison_sees_a_difference_without_the_lessons_settings():
    if not (available("AVX2") and available("AVX512")):
        pytest.skip("this CPU has no AVX-512: FAISS has only one fast code path here")
    avx2 = run("", FAISS_SIMD_LEVEL="AVX2", OMP_NUM_THREADS="1")
    avx512 = run("", FAISS_SIMD_LEVEL="AVX512", OMP_NUM_THREADS="1")
    assert avx2["gallery"] == avx512["gallery"]            # numpy's part is the same anyway
    assert avx2["ivf1"][0] != avx512["ivf1"][0], "without the settings, AVX2 and AVX-512 distances should differ"
