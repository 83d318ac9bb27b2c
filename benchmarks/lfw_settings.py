"""What each pipeline choice is worth on LFW View 2 (all 6,000 pairs, all 7,701 images).

Variants, all with HOG upsample 1 (CNN detector, then a fixed box, when HOG finds nothing) and
5-point alignment:

1. face_recognition's documented usage: one descriptor of the chip from the 150 px image;
2. + mirror: average with the descriptor of the mirrored chip;
3. + 2x upscale: enlarge the image (bicubic) before landmarks and chip;
4. + 2x upscale + mirror: the course's ``faces.LFW`` settings (the committed embeddings).

Writes ``datasets/embeddings/lfw_settings_comparison.csv``, which lesson B4 shows. About 30 to 40
minutes on 2 cores with the prebuilt dlib:  ``python benchmarks/lfw_settings.py``
"""

from __future__ import annotations

import os
import sys
import time
from multiprocessing import get_context

import numpy as np
import pandas as pd

from facecourse import data, embeddings, faces, metrics

VARIANTS = {
    "documented (150 px, one descriptor)": faces.Settings(cnn_fallback=True),
    "+ mirror average": faces.Settings(cnn_fallback=True, flip=True),
    "+ 2x upscale": faces.Settings(cnn_fallback=True, upscale=2.0),
    "+ 2x upscale + mirror average (faces.LFW)": faces.LFW,
}


def _work(rel: str) -> tuple[str, dict]:
    """All four variants from one detection and two chips (4 descriptors instead of 6)."""
    img = faces.as_rgb_array(data.require("lfw", rel))
    box = embeddings.locate_lfw_face(img).box
    out = {}
    for upscale in (1.0, 2.0):
        chip = faces.aligned_chip(img, box, upscale=upscale)
        plain = faces.describe_chip(chip)
        mirrored = faces.describe_chip(np.ascontiguousarray(chip[:, ::-1]))
        both = ((plain.astype(np.float64) + mirrored.astype(np.float64)) / 2).astype(np.float32)
        for name, settings in VARIANTS.items():
            if settings.upscale == upscale:
                out[name] = both if settings.flip else plain
    return rel, out


def main() -> int:
    pairs = data.read_pairs()
    rels = sorted({data.lfw_image_relpath(p, i) for a, b, _, _ in pairs for p, i in (a, b)})
    started = time.perf_counter()
    with get_context("spawn").Pool(os.cpu_count()) as pool:
        results = dict(pool.imap_unordered(_work, rels, chunksize=16))
    seconds = time.perf_counter() - started
    rows = []
    for name in VARIANTS:
        def vec(p, i):
            return results[data.lfw_image_relpath(p, i)][name]
        d = np.array([np.linalg.norm(vec(*a) - vec(*b)) for a, b, _, _ in pairs])
        same = np.array([s for _, _, s, _ in pairs])
        folds = np.array([f for *_, f in pairs])
        s = metrics.summarise_view2(metrics.lfw_view2(d, same, folds))
        rows.append({"variant": name,
                     "accuracy, fitted threshold (mean of 10 folds)": round(s["accuracy"]["mean"], 4),
                     "std over folds": round(s["accuracy"]["std"], 4),
                     "accuracy at 0.6": round(s["accuracy_fixed"]["mean"], 4),
                     "descriptors per face": 2 if VARIANTS[name].flip else 1})
    table = pd.DataFrame(rows)
    out = embeddings.OUT_DIR / "lfw_settings_comparison.csv"
    table.to_csv(out, index=False)
    print(table.to_string(index=False))
    print(f"\n{len(rels)} images in {seconds:.0f} s on {os.cpu_count()} processes; wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
