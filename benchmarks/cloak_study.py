"""The cloaking study behind lesson B8: every cloak, budget, counter-measure and defender, on 20 people.

    python benchmarks/cloak_study.py                 # the whole study (about an hour of CPU; 2 workers)
    python benchmarks/cloak_study.py --users 2 --defender-people 2 --out /tmp/smoke   # a smoke run

The committed results are a smaller run, all the shared machine had time for (2026-12-06):

    python benchmarks/cloak_study.py --users 6 --defender-people 6 \
        --defended targeted:8:0,untargeted:8:0,robust:8:0,targeted:8:11

(the cloaks of 6 users and 6 defender's people took 1266 s at load 10-90; the 4 defenders, two at
a time, 396 s with ``--reuse``). Lesson B8 computes a part of this live (the same 6 users); this
script computes the whole table once and writes, under ``benchmarks/results/``:

* ``cloak_study.csv``: one row per user, cloak and way of judging it (the distance from the
  upload to the nearest probe, whether a face was found, whether it matched, seconds, PSNR,
  SSIM): numbers, no images;
* ``cloak_defender.csv``: one row per adaptive defender (what it retrained, its cost, its clean
  error rates before and after);
* ``cloak_study.md``: the summary tables the lesson and the README quote.

``tests/matching/test_cloak.py`` recomputes one user's rows and requires the same numbers, and
checks that the summary is what the CSV files say.

The protocol (:mod:`facecourse.matching.cloak` holds every piece):

* people: the 40 LFW teaching people with 8 photos each, in name order, split alternately into 20
  **users** (who cloak) and 20 **defender's people** (whose photos the adaptive defender holds);
* each user cloaks one photo, the **upload** (the first in name order in which the real pipeline
  finds a face); the others are the **probes**, photos a search engine is asked to identify. The
  user is **found** when some probe is within the threshold of the upload, **protected** when
  none is. Protection rates count the users found without a cloak;
* cloaks (:func:`cloak.protect`): targeted (towards the most distant of the 80 one-photo teaching
  people, as Fawkes picks its target), untargeted, and robust (untargeted, each step averaged over
  3 random transformations), at budgets 4/255, 8/255 and 16/255; 10 steps of budget/4 from one
  random grey level; saved as PNG;
* judged by the REAL pipeline (dlib's detector, landmarks, chip, descriptor) on the saved file: as
  saved; after each counter-measure (JPEG 75, half size and back, blur radius 1, median 3 x 3;
  applied to the upload only); with the course's LFW settings (2x upscale, mirror average); with
  dlib's ``num_jitters=10`` (probes too);
* adaptive defenders (:func:`cloak.fine_tune`): for the targeted, untargeted and robust 8/255 cloaks,
  the defender cloaks every photo of its 20 people with the same public tool and retrains the
  network (all of it; for the targeted cloak also from stage 4 and from stage 11 only), with the
  80 one-photo people as extra clean photos; then it re-embeds the users' uploads and probes with
  the new network (chips from the real pipeline). Judged at 0.6 and at the threshold where the new
  network's false match rate on the defender's own clean photos equals the original's at 0.6
  (:func:`cloak.threshold_at`); its clean error rates among all the users' clean photos at both.
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
import tracemalloc  # noqa: E402
from concurrent.futures import ProcessPoolExecutor  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from facecourse import data  # noqa: E402
from facecourse.matching import cloak, dlibnet, faces  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
CACHE = Path(__file__).resolve().parent.parent / "build" / "cloak_study.pkl"  # git-ignored: chips of LFW photos
BUDGETS = (4, 8, 16)
#: (name, kind, budget in grey levels, transformations averaged per step)
CLOAKS = [("targeted", "targeted", b, 1) for b in BUDGETS] + [("untargeted", "untargeted", 8, 1)] + \
         [("robust", "untargeted", b, cloak.ROBUST_SAMPLES) for b in BUDGETS]
#: the cloaks an adaptive defender retrains against, and the first stage it retrains
DEFENDED = [("targeted", 8, 0), ("targeted", 8, 4), ("targeted", 8, 11), ("untargeted", 8, 0), ("robust", 8, 0)]
JUDGES = ["as saved", *cloak.COUNTERMEASURES, "LFW settings (2x, mirror)", "num_jitters=10"]


def judge_all(img: np.ndarray) -> dict:
    """Every real-pipeline descriptor the study compares (None where no face is found)."""
    out = {"as saved": cloak.embed_photo(img)}
    for name, f in cloak.COUNTERMEASURES.items():
        out[name] = cloak.embed_photo(f(img))
    out["LFW settings (2x, mirror)"] = cloak.embed_photo(img, faces.LFW)
    out["num_jitters=10"] = cloak.embed_photo(img, jitters=10)
    return out


def probe_refs(subject: cloak.Subject) -> dict:
    """The probes' descriptors for each way of judging (counter-measures treat the upload only)."""
    plain = subject.probe_descriptors()
    return {**{j: plain for j in ["as saved", *cloak.COUNTERMEASURES]},
            "LFW settings (2x, mirror)": subject.probe_descriptors(faces.LFW),
            "num_jitters=10": subject.probe_descriptors(jitters=10)}


def user_rows(person: str, net=None, pool=None, cloaks=CLOAKS, judges=JUDGES) -> tuple[list[dict], dict]:
    """All cloaks of one user, each judged every way: the CSV rows, and the cloaked photos by cloak."""
    net = net or dlibnet.load()
    pool = pool if pool is not None else cloak.target_pool()
    subject = cloak.subject(person)
    refs = probe_refs(subject)
    rows, photos = [], {}

    def judged(img):
        everything = judge_all(img)
        return {j: everything[j] for j in judges}

    for how, e in judged(subject.upload).items():
        rows.append({"person": person, "cloak": "none", "budget": 0, "judged": how, **cloak.match(e, refs[how])})
    target = cloak.pick_target(net, subject.upload, pool)
    for name, kind, budget, samples in cloaks:
        res = cloak.protect(net, subject.upload, kind=kind, eps=budget / 255, samples=samples, target=target)
        out = cloak.saved(res.photo)
        photos[(name, budget)] = out
        cost = {"seconds": res.seconds, "cpu_seconds": res.cpu_seconds, "psnr": cloak.psnr(out, subject.upload),
                "ssim": cloak.ssim(out, subject.upload)}
        for how, e in judged(out).items():
            rows.append({"person": person, "cloak": name, "budget": budget, "judged": how, **cloak.match(e, refs[how]),
                         **cost})
    return rows, photos


def _user_job(args):
    person, pool = args
    rows, photos = user_rows(person, pool=pool)
    chips = {key: cloak.dlib_chip(img) for key, img in photos.items() if key in {(n, b) for n, b, _ in DEFENDED}}
    s = cloak.subject(person)
    clean = {"upload": cloak.dlib_chip(s.upload), "probes": np.stack([cloak.dlib_chip(q) for q in s.probes])}
    return rows, chips, clean


def _holder_job(args):
    """One defender person's photos, cloaked by the defender with each defended cloak: chips."""
    person, pool = args
    net = dlibnet.load()
    out = []
    for path in cloak.person_photos(person):
        img = cloak.as_rgb_array(path)
        chip = cloak.dlib_chip(img)
        if chip is None:
            continue
        target = cloak.pick_target(net, img, pool)
        for name, budget in sorted({(n, b) for n, b, _ in DEFENDED}):
            kind = "targeted" if name == "targeted" else "untargeted"
            samples = cloak.ROBUST_SAMPLES if name == "robust" else 1
            res = cloak.protect(net, img, kind=kind, eps=budget / 255, samples=samples, target=target)
            cloaked_chip = cloak.dlib_chip(cloak.saved(res.photo))
            if cloaked_chip is not None:
                out.append({"person": person, "cloak": name, "budget": budget, "clean": chip, "cloaked": cloaked_chip})
    return out


def clean_errors(d: np.ndarray, people: np.ndarray, threshold: float) -> dict:
    """False match and false non-match rates at ``threshold`` among descriptors ``d`` (all pairs)."""
    i, j = np.triu_indices(len(d), k=1)
    dist = np.linalg.norm(d[i] - d[j], axis=1)
    same = people[i] == people[j]
    return {"FMR": float((dist[~same] <= threshold).mean()), "FNMR": float((dist[same] > threshold).mean())}


_CTX: dict = {}


def _defend(spec) -> tuple[list[dict], list[dict]]:
    """One adaptive defender (cloak, budget, first stage retrained): its rows and its defence records."""
    name, budget, start = spec
    c = _CTX
    net = dlibnet.load()
    held, extra, done, users = c["held"], c["extra"], c["done"], c["users"]
    rows, defence = [], []
    mine = [r for r in held if r["cloak"] == name and r["budget"] == budget]
    tracemalloc.start()
    tuned = cloak.fine_tune(net, np.stack([r["clean"] for r in mine]), np.stack([r["cloaked"] for r in mine]),
                            extra, start=start)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    t_cal = cloak.threshold_at(tuned.net, c["calib_chips"], c["calib_people"], c["fmr_target"])
    t_users = cloak.threshold_at(tuned.net, c["user_clean"], c["user_people"], c["before"]["FMR"])
    d_users = tuned.net.descriptors(c["user_clean"])
    label = f"adaptive defender, stages {start}-15"
    for threshold, suffix in ((cloak.THRESHOLD, "at 0.6"), (t_cal, "at equal FMR, own photos"),
                              (t_users, "at equal FMR, users' photos")):
        pos = 0
        for p, (_, chips, clean) in zip(users, done):
            n = 1 + len(clean["probes"])
            probes = d_users[pos + 1:pos + n]
            pos += n
            cloaked_chip = chips.get((name, budget))
            e = None if cloaked_chip is None else tuned.net.descriptors(cloaked_chip)[0]
            for kind, vec in ((name, e), ("none", d_users[pos - n])):
                m = cloak.match(vec, probes)
                m["matched"] = bool(m["face_found"] and m["distance"] <= threshold)
                rows.append({"person": p, "cloak": kind, "budget": budget if kind != "none" else 0,
                             "judged": f"{label}, {suffix}" + ("" if kind != "none" else f" (vs {name})"),
                             **m, "threshold": threshold})
        err = clean_errors(d_users, c["user_people"], threshold)
        defence.append({"cloak": name, "budget": budget, "stages": f"{start}-15", "judged": suffix,
                        "threshold": threshold, "pairs": tuned.pairs, "extra clean": len(extra),
                        "epochs": len(tuned.losses), "seconds": tuned.seconds, "peak MB": peak,
                        "loss first epoch": tuned.losses[0], "loss last epoch": tuned.losses[-1],
                        "FMR before": c["before"]["FMR"], "FNMR before": c["before"]["FNMR"],
                        "FMR after": err["FMR"], "FNMR after": err["FNMR"]})
    print(f"defender {name} {budget}/255 from stage {start}: {tuned.seconds:.0f} s, peak {peak:.0f} MB, "
          f"threshold at equal FMR {t_cal:.3f}", flush=True)
    return rows, defence


def one_photo_chips() -> np.ndarray:
    """Real-pipeline chips of the 80 one-photo teaching people (the defender's extra clean photos)."""
    chips = [cloak.dlib_chip(data.require("lfw", paths[0])) for p, paths in cloak._teaching_people().items()
             if len(paths) == 1]
    return np.stack([c for c in chips if c is not None])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--users", type=int, default=20)
    ap.add_argument("--defender-people", type=int, default=20)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", type=Path, default=RESULTS)
    ap.add_argument("--defended", default=None,
                    help="only these defenders, as cloak:budget:start,... (e.g. targeted:8:0,robust:8:0)")
    ap.add_argument("--reuse", action="store_true",
                    help="reuse the cloaks of an earlier run with the same people (build/cloak_study.pkl): "
                         "re-runs only the defenders and the tables")
    a = ap.parse_args(argv)
    started, load0 = time.perf_counter(), os.getloadavg()
    users, holders = cloak.split_people()
    users, holders = users[:a.users], holders[:a.defender_people]
    pool = cloak.target_pool()
    a.out.mkdir(parents=True, exist_ok=True)
    import pickle

    key = (tuple(users), tuple(holders))
    cached = pickle.loads(CACHE.read_bytes()) if a.reuse and CACHE.is_file() else None
    if cached is not None and cached["key"] == key:
        done, held = cached["done"], cached["held"]
        print("reusing the cloaks of", CACHE, flush=True)
    else:
        with ProcessPoolExecutor(a.workers) as workers:
            done = list(workers.map(_user_job, [(p, pool) for p in users]))
            print(f"users done after {time.perf_counter() - started:.0f} s", flush=True)
            held = [r for part in workers.map(_holder_job, [(p, pool) for p in holders]) for r in part]
            print(f"defender's cloaks done after {time.perf_counter() - started:.0f} s", flush=True)
        CACHE.parent.mkdir(parents=True, exist_ok=True)
        CACHE.write_bytes(pickle.dumps({"key": key, "done": done, "held": held,
                                        "seconds": round(time.perf_counter() - started)}))
    rows = [r for user, _, _ in done for r in user]
    net = dlibnet.load()
    extra = one_photo_chips()
    # the defender calibrates on the clean photos it holds: its people's and the one-photo people's
    holder_clean = {}
    for r in held:
        holder_clean.setdefault((r["person"], r["clean"].tobytes()), r["clean"])
    calib_chips = np.concatenate([np.stack(list(holder_clean.values())), extra])
    calib_people = np.array([p for p, _ in holder_clean] + [f"one-photo {i}" for i in range(len(extra))])
    user_clean = np.concatenate([np.concatenate([c["upload"][None], c["probes"]]) for _, _, c in done])
    user_people = np.concatenate([[p] * (1 + len(c["probes"])) for p, (_, _, c) in zip(users, done)])
    d_orig_calib = net.descriptors(calib_chips)
    fmr_target = clean_errors(d_orig_calib, calib_people, cloak.THRESHOLD)["FMR"]
    before = clean_errors(net.descriptors(user_clean), user_people, cloak.THRESHOLD)
    global _CTX
    _CTX = {"held": held, "extra": extra, "calib_chips": calib_chips, "calib_people": calib_people,
            "user_clean": user_clean, "user_people": user_people, "fmr_target": fmr_target, "before": before,
            "done": done, "users": users}
    defended = [d for d in DEFENDED if a.defended is None or f"{d[0]}:{d[1]}:{d[2]}" in a.defended.split(",")]
    with ProcessPoolExecutor(a.workers) as workers:      # forked: each defender sees _CTX
        results = list(workers.map(_defend, defended))
    defence = []
    for more_rows, more_defence in results:
        rows += more_rows
        defence += more_defence
    df, defence = pd.DataFrame(rows), pd.DataFrame(defence)
    df.to_csv(a.out / "cloak_study.csv", index=False, float_format="%.6f")
    defence.to_csv(a.out / "cloak_defender.csv", index=False, float_format="%.6f")
    total = time.perf_counter() - started
    header = (f"Run {datetime.datetime.now():%Y-%m-%d %H:%M}, {platform.machine()} with {os.cpu_count()} cores (shared), "
              f"load average {' '.join(f'{x:.1f}' for x in load0)} before and "
              f"{' '.join(f'{x:.1f}' for x in os.getloadavg())} after; numpy {np.__version__}; {a.workers} workers, "
              f"one BLAS thread each; {len(users)} users, {len(holders)} defender's people; total {total:.0f} s"
              + (f" (the cloaks reused from an earlier run, {CACHE.relative_to(CACHE.parent.parent)}: "
                 f"{cached.get('seconds', 'unknown')} s)" if cached is not None and cached["key"] == key else "") + ".")
    summary = cloak.summary_markdown(df, defence)
    (a.out / "cloak_study.md").write_text(header + "\n\n" + summary + "\n")
    print(header + "\n\n" + summary)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
