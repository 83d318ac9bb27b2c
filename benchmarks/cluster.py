"""Grading on a dask cluster against the local pool, and what a class of 1,400 would take on a cluster.

    python benchmarks/cluster.py                       # 200 submissions of 00_warmup each way, A4 timed once
    python benchmarks/cluster.py --class-size 400 --scaling-size 60

1. ``--class-size`` copies of the fast assignment's full-marks reference (``--assignment``, default
   the warm-up) are graded by ``grade_folder`` on the local pool (2 workers) and on a 2-worker
   ``LocalCluster`` (2 processes, 1 thread each; the scheduler in this process, as on a real
   cluster it is one more process), in ABBA order (local, cluster, cluster, local; half the class
   each time) so that load from other work on a shared machine weighs on both alike. Every run
   must give every submission full marks. Target: the cluster within 15% of the local pool.
2. ``--scaling-size`` submissions on the local pool with 1 worker: the 1-to-2-worker speed-up,
   i.e. how much a second busy core slows each submission down on one machine.
3. The scheduler's cost: 200 no-op tasks one after the other (the round trip a submission waits
   for: client -> scheduler -> worker -> client) and 2,000 submitted at once (the scheduler's
   throughput, the only serial part of a cluster run).
4. The slowest assignment's reference (``--slowest``, default A4_provenance_consent; see
   ``benchmarks/grading.py --survey``) graded once, sandboxed: its wall and CPU seconds.

From these, the projected wall time of a class of 1,400 on 16, 64 and 256 cores (one submission
per core at a time, every core as busy as in step 1): ceil(1400 / cores) rounds of (the slowest
assignment's time / the 2-worker efficiency + the round trip). The report goes to
``benchmarks/results/cluster.md``; the README copies its lines and a test checks they agree.
Timings are wall clock: on a shared machine each is printed with the load average at its end.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

from facecourse import grading
from facecourse.grading import run
from facecourse.grading.collect import Submission

RESULTS = Path(__file__).resolve().parent / "results" / "cluster.md"
CLASS, CORES = 1400, (16, 64, 256)


def _load() -> float:
    return os.getloadavg()[0]


def _noop(x):
    return x


def _class(folder: Path, assignment: str, n: int) -> Path:
    ref = json.dumps(grading.reference_submission(assignment))
    for i in range(n):
        (folder / f"s{i:04d}").mkdir(parents=True)
        (folder / f"s{i:04d}" / f"{assignment}.ipynb").write_text(ref, encoding="utf-8")
    return folder


def _grade(subs: Path, out: Path, **kw) -> float:
    t0 = time.perf_counter()
    book = grading.grade_folder(subs, out, **kw)
    seconds = time.perf_counter() - t0
    auto = book[(book["question"] != "") & (book["status"] != "awaiting manual score")]
    wrong = auto[auto["status"] != "passed"]
    if len(wrong):
        raise SystemExit(f"a reference submission lost points:\n{wrong.to_string()}")
    return seconds


def _slowest(assignment: str) -> tuple[float, float]:
    """(wall, CPU) seconds of one sandboxed grading of ``assignment``'s reference.

    CPU: every process below this one (grading worker, bwrap, the kernel and what it starts), sampled
    every 0.1 s with psutil, each counted at its last sample (a sandbox that is killed is never
    reaped into this process's resource usage, so getrusage would miss the kernel).
    """
    import psutil

    run.autograder_for(assignment)
    seen: dict[tuple[int, float], float] = {}
    done = threading.Event()

    def sample():
        me = psutil.Process()
        while not done.wait(0.1):
            for p in me.children(recursive=True):
                try:
                    t = p.cpu_times()
                    seen[(p.pid, p.create_time())] = t.user + t.system
                except psutil.Error:
                    pass

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{assignment}.ipynb"
        path.write_text(json.dumps(grading.reference_submission(assignment)), encoding="utf-8")
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        t0 = time.perf_counter()
        run._grade_one(Submission("bench", path.name, path, assignment), None, [], 60.0, 900.0)
        wall = time.perf_counter() - t0
        done.set()
        sampler.join()
    return wall, sum(seen.values())


def main() -> int:
    from distributed import Client, LocalCluster

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--assignment", default="00_warmup", help="the fast assignment (default 00_warmup)")
    ap.add_argument("--class-size", type=int, default=200, help="submissions graded each way (even; default 200)")
    ap.add_argument("--scaling-size", type=int, default=40, help="submissions graded with 1 worker (default 40)")
    ap.add_argument("--slowest", default="A4_provenance_consent", help="the slowest assignment (benchmarks/grading.py)")
    ap.add_argument("--no-write", action="store_true", help=f"print only; do not write {RESULTS.name}")
    args = ap.parse_args()
    run.require_sandbox(True)
    half = args.class_size // 2
    run.autograder_for(args.assignment)
    lines = []

    def say(line: str = "") -> None:
        print(line, flush=True)
        lines.append(line)

    with tempfile.TemporaryDirectory() as tmp, \
            LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address="127.0.0.1:0", memory_limit=0,
                         local_directory=str(Path(tmp) / "scratch"), silence_logs=logging.CRITICAL) as cluster, \
            Client(cluster.scheduler_address, set_as_default=False) as client:
        subs = _class(Path(tmp) / "class", args.assignment, half)
        times = {"local": [], "cluster": []}
        loads = []
        for i, mode in enumerate(("local", "cluster", "cluster", "local")):
            kw = {"workers": 2} if mode == "local" else {"scheduler": cluster.scheduler_address}
            times[mode].append(_grade(subs, Path(tmp) / f"out{i}", **kw))
            loads.append(_load())
            print(f"  {mode}: {half} submissions in {times[mode][-1]:.1f} s (load {loads[-1]:.1f})", flush=True)
        one = _grade(_class(Path(tmp) / "scaling", args.assignment, args.scaling_size), Path(tmp) / "out-one",
                     workers=1)
        load_one = _load()
        print(f"  local, 1 worker: {args.scaling_size} submissions in {one:.1f} s (load {load_one:.1f})", flush=True)
        t0 = time.perf_counter()
        for i in range(200):
            client.submit(_noop, i, pure=False).result()
        round_trip = (time.perf_counter() - t0) / 200
        t0 = time.perf_counter()
        client.gather(client.map(_noop, range(2000), pure=False))
        per_task = (time.perf_counter() - t0) / 2000
    slow_wall, slow_cpu = _slowest(args.slowest)
    load_slow = _load()

    local, remote = sum(times["local"]), sum(times["cluster"])
    per_local = 2 * local / args.class_size  # seconds of one slot per submission, 2 slots busy
    per_one = one / args.scaling_size  # 1 slot busy
    efficiency = per_one / per_local  # 1.0: a second busy core costs the first nothing
    say(f"Measured on {date.today().isoformat()} on this 2-core machine, shared with other work (load average "
        f"{min(loads + [load_one, load_slow]):.1f}-{max(loads + [load_one, load_slow]):.1f}); "
        f"{args.class_size} submissions of {args.assignment} each way, in ABBA order:")
    say()
    say("| grading | submissions | wall time (s) | per submission per worker (s) |")
    say("|---|---|---|---|")
    say(f"| local pool, 2 workers | {args.class_size} | {local:.1f} | {per_local:.2f} |")
    say(f"| LocalCluster, 2 worker processes | {args.class_size} | {remote:.1f} | {2 * remote / args.class_size:.2f} |")
    say(f"| local pool, 1 worker | {args.scaling_size} | {one:.1f} | {per_one:.2f} |")
    say()
    say(f"Cluster vs local pool: {100 * (remote / local - 1):+.1f}% (target: within 15%). "
        f"2 workers vs 1: {2 * efficiency:.2f}x the throughput ({100 * efficiency:.0f}% efficiency per core). "
        f"Scheduler: {1000 * round_trip:.1f} ms round trip per task, {1000 * per_task:.2f} ms of scheduler time "
        f"per task ({CLASS:,} tasks: {CLASS * per_task:.1f} s).")
    say(f"Slowest assignment, {args.slowest}: {slow_wall:.1f} s per submission, of which {slow_cpu:.1f} s of CPU "
        "(grading process, sandbox, kernel): the rest is waiting, mostly on the sandbox site's Crawl-delay.")
    say()
    say(f"| cores | rounds of {CLASS:,} submissions | projected wall time for {CLASS:,} submissions of {args.slowest} |")
    say("|---|---|---|")
    for cores in CORES:
        rounds = math.ceil(CLASS / cores)
        wall = rounds * (slow_wall / efficiency + round_trip)
        say(f"| {cores} | {rounds} | {wall / 60:.1f} min |")
    if not args.no_write:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"\nwrote {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
