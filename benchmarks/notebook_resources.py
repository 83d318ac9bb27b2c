"""Wall time and peak memory of every notebook under nbval, as a markdown table.

    python benchmarks/notebook_resources.py [NOTEBOOK ...]

Each notebook runs in its own ``pytest --nbval-lax`` process; the peak resident memory of that
process tree (pytest plus the notebook's kernel) is sampled every 50 ms with psutil. Limits: a
lesson must stay under 90 s (the cloaking lab, B8, under 180 s: issue 26 gives it 3 minutes) and
every notebook under 1 GB (Binder gives 1-2 GB).
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
LIMIT_SECONDS = 90
#: lessons allowed longer, with the issue that says so
LONGER = {"lessons/B8_cloaking.ipynb": 180}  # issue 26: the cloaking lab runs in under 3 minutes
LIMIT_BYTES = 1 << 30


def measure(nb: Path) -> dict:
    proc = subprocess.Popen([sys.executable, "-m", "pytest", "-q", "--nbval-lax", "-p", "no:cacheprovider", str(nb)],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    parent = psutil.Process(proc.pid)
    peak, kernel_peak, started = 0, 0, time.perf_counter()
    while proc.poll() is None:
        try:
            tree = [parent, *parent.children(recursive=True)]
            rss = [p.memory_info().rss for p in tree if p.is_running()]
            peak = max(peak, sum(rss))
            kernel_peak = max(kernel_peak, max(rss[1:], default=0))
        except psutil.Error:
            pass
        time.sleep(0.05)
    seconds = time.perf_counter() - started
    out = proc.stdout.read().decode(errors="replace")
    return {"notebook": nb.relative_to(ROOT).as_posix(), "seconds": seconds, "peak_mb": peak / 2**20,
            "kernel_peak_mb": kernel_peak / 2**20, "passed": proc.returncode == 0,
            "tail": out.strip().splitlines()[-1] if out.strip() else ""}


def main(argv: list[str]) -> int:
    nbs = [Path(a).resolve() for a in argv] or sorted(
        p for d in ("lessons", "exercises", "solutions") for p in (ROOT / d).glob("*.ipynb"))
    rows = [measure(nb) for nb in nbs]
    print("| notebook | wall time (s) | peak memory, pytest + kernel (MB) | kernel alone (MB) | within limits |")
    print("|---|---|---|---|---|")
    ok = True
    for r in rows:
        within = r["passed"] and r["peak_mb"] * 2**20 < LIMIT_BYTES and (
            not r["notebook"].startswith("lessons/") or r["seconds"] < LONGER.get(r["notebook"], LIMIT_SECONDS))
        ok &= within
        print(f"| `{r['notebook']}` | {r['seconds']:.1f} | {r['peak_mb']:.0f} | {r['kernel_peak_mb']:.0f} | "
              f"{'yes' if within else 'NO: ' + r['tail']} |")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
