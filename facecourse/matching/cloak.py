"""Image cloaking against dlib's face model, measured through the real pipeline (lesson B8).

A *cloak* (Fawkes, USENIX Security 2020; LowKey, ICLR 2021) is a small change to a photo, made
before it is posted, so that a face search engine that collects the photo files it under the
wrong face. Lesson B8 builds one step by step with numpy; these helpers wrap the same steps for
the experiments that follow it:

* :func:`find_warp` / :class:`ChipWarp`: dlib's alignment (``dlib.get_face_chip``) as a linear map
  from the photo to the 150 x 150 chip, with its transpose, so that a derivative with respect to
  the chip (from :mod:`~facecourse.matching.dlibnet`) becomes one with respect to the photo;
* :func:`targeted` / :func:`untargeted`: the two losses; :func:`pgd`: projected gradient descent
  under an L-infinity budget, optionally averaged over random transformations (:func:`random_transform`);
* :func:`embed_photo`: the REAL pipeline (dlib's detector, landmarks, ``get_face_chip`` and
  ``compute_face_descriptor``) on the saved file, which is what every protection figure uses;
  :data:`COUNTERMEASURES`: what a platform or a defender does to uploads (JPEG, resizing, blur,
  median filter); :func:`psnr` and :func:`ssim`: the visual cost;
* :func:`fine_tune`: the adaptive defender, who teaches the network's last stages that a cloaked
  chip is its clean original.

Images are RGB ``uint8`` arrays when they are files and ``float`` arrays in [0, 1] while a cloak
is optimised, so budgets read as in the papers: ``8 / 255`` is eight grey levels.

    >>> from facecourse import data
    >>> photo = as_rgb_array(data.require("lfw", "images/Gordon_Brown/Gordon_Brown_0007.jpg"))
    >>> warp = find_warp(photo)
    >>> chip = warp(photo)                                  # float (150, 150, 3): dlib's chip before rounding
    >>> bool(np.array_equal(np.floor(chip + 1e-6).astype(np.uint8), dlib_chip(photo)))
    True
"""

from __future__ import annotations

import io
import math
import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
from PIL import Image, ImageFilter

from ..images import as_rgb_array
from . import faces
from .dlibnet import CHIP_SIZE, HEAD, DlibResNet

EPS = 8 / 255
STEPS = 10
ROBUST_SAMPLES = 3
THRESHOLD = faces.DEFAULT_THRESHOLD
PADDING = faces.CHIP_PADDING


# ----------------------------------------------------------------------------- alignment
@dataclass
class ChipWarp:
    """dlib's face alignment as a linear map: each chip pixel is a weighted sum of 4 photo pixels.

    ``index`` (150*150, 4) holds flat indices ``row * width + col`` into the photo and ``weight``
    the bilinear weights (all zero where the chip falls outside the photo: dlib paints it black).
    Calling the warp on a photo (h, w, 3) gives the chip (150, 150, 3) as floats; dlib's own
    ``get_face_chip`` is that chip rounded down. :meth:`backward` is the transpose: it carries a
    derivative with respect to the chip back to the photo's pixels.
    """

    index: np.ndarray
    weight: np.ndarray
    shape: tuple

    def __call__(self, photo) -> np.ndarray:
        photo = np.asarray(photo, dtype=np.float64)
        if photo.shape[:2] != self.shape:
            raise ValueError(f"this warp was made for a {self.shape[1]} x {self.shape[0]} photo, "
                             f"not {photo.shape[1]} x {photo.shape[0]}")
        flat = photo.reshape(-1, 3)
        return np.einsum("pk,pkc->pc", self.weight, flat[self.index]).reshape(CHIP_SIZE, CHIP_SIZE, 3)

    def footprint(self) -> np.ndarray:
        """A boolean (h, w) mask of the photo pixels the chip is computed from."""
        n = self.shape[0] * self.shape[1]
        return (np.bincount(self.index.ravel(), self.weight.ravel(), minlength=n) > 0).reshape(self.shape)

    def backward(self, grad_chip) -> np.ndarray:
        """d(loss)/d(photo) from d(loss)/d(chip), shape (150, 150, 3) -> (h, w, 3)."""
        g = np.asarray(grad_chip, dtype=np.float64).reshape(-1, 1, 3) * self.weight[..., None]
        n = self.shape[0] * self.shape[1]
        out = np.stack([np.bincount(self.index.ravel(), g[..., c].ravel(), minlength=n) for c in range(3)], -1)
        return out.reshape(*self.shape, 3)

    @classmethod
    def from_details(cls, details, shape) -> "ChipWarp":
        """The warp of a ``dlib.chip_details`` (``dlib.get_face_chip_details``) for a photo of ``shape``.

        As dlib's ``extract_image_chip``: chip corners (0, 0), (149, 0), (0, 149) go to the
        detail rectangle's corners turned by ``details.angle`` about its centre; bilinear
        interpolation; a chip pixel whose 2 x 2 neighbourhood leaves the photo is black. dlib
        first shrinks the photo with an image pyramid when the face is more than about twice the
        chip's size; this warp does not, so it refuses such a face (resize the photo first).
        """
        h, w = int(shape[0]), int(shape[1])
        r = details.rect
        left, top, right, bottom = r.left(), r.top(), r.right(), r.bottom()
        if (right - left) * (bottom - top) / 4 > 0.95 * details.rows * details.cols:
            raise ValueError(f"the face is {right - left:.0f} px wide: dlib would shrink the photo first. "
                             f"Resize the photo so the face is under {2 * CHIP_SIZE} px (about half the size).")
        cx, cy = (left + right) / 2, (top + bottom) / 2
        cos, sin = math.cos(details.angle), math.sin(details.angle)

        def turned(x, y):
            return cos * (x - cx) - sin * (y - cy) + cx, sin * (x - cx) + cos * (y - cy) + cy

        tl, tr, bl = turned(left, top), turned(right, top), turned(left, bottom)
        cols, rows = np.meshgrid(np.arange(details.cols) / (details.cols - 1), np.arange(details.rows) / (details.rows - 1))
        x = tl[0] + cols * (tr[0] - tl[0]) + rows * (bl[0] - tl[0])
        y = tl[1] + cols * (tr[1] - tl[1]) + rows * (bl[1] - tl[1])
        x0, y0 = np.floor(x).astype(np.int64), np.floor(y).astype(np.int64)
        inside = (x0 >= 0) & (y0 >= 0) & (x0 + 1 < w) & (y0 + 1 < h)
        fx, fy = x - x0, y - y0
        x0, y0 = np.clip(x0, 0, w - 2), np.clip(y0, 0, h - 2)
        index = np.stack([y0 * w + x0, y0 * w + x0 + 1, (y0 + 1) * w + x0, (y0 + 1) * w + x0 + 1], -1)
        weight = np.stack([(1 - fy) * (1 - fx), (1 - fy) * fx, fy * (1 - fx), fy * fx], -1) * inside[..., None]
        return cls(index.reshape(-1, 4), weight.reshape(-1, 4), (h, w))


def _landmarks5(img: np.ndarray, settings: faces.Settings = faces.DOCUMENTED):
    """The most central face's dlib 5-point shape, or None when the pipeline finds no face."""
    found = faces._find(img, settings)
    if not found:
        return None
    face = faces.most_central(found, img.shape[1], img.shape[0])
    return faces._shape(img, face.box, 5)


def find_warp(photo, settings: faces.Settings = faces.DOCUMENTED) -> ChipWarp:
    """The alignment the real pipeline applies to this photo's (most central) face, as a :class:`ChipWarp`.

    dlib's detector with ``settings`` (face_recognition's documented usage by default), the
    5-point landmarks, ``dlib.get_face_chip_details(shape, 150, 0.25)``. Raises
    ``faces.NoFaceError`` when no face is found.
    """
    import dlib

    img = as_rgb_array(photo)
    shape = _landmarks5(img, settings)
    if shape is None:
        raise faces.NoFaceError(f"no face found in this {img.shape[1]} x {img.shape[0]} photo")
    return ChipWarp.from_details(dlib.get_face_chip_details(shape, size=CHIP_SIZE, padding=PADDING), img.shape)


def dlib_chip(photo, settings: faces.Settings = faces.DOCUMENTED) -> np.ndarray | None:
    """The chip dlib itself cuts from this photo (``dlib.get_face_chip``), or None without a face."""
    import dlib

    img = as_rgb_array(photo)
    shape = _landmarks5(img, settings)
    return None if shape is None else dlib.get_face_chip(img, shape, size=CHIP_SIZE, padding=PADDING)


# ----------------------------------------------------------------------------- the real pipeline
def embed_photo(photo, settings: faces.Settings = faces.DOCUMENTED, jitters: int = 0) -> np.ndarray | None:
    """The REAL pipeline's descriptor of the most central face in a photo, or None if it finds no face.

    dlib's detector, the 5-point landmarks, ``dlib.get_face_chip`` and
    ``face_recognition_model_v1.compute_face_descriptor`` (``faces.analyse`` with ``settings``);
    with ``jitters`` > 0, dlib's ``num_jitters`` (the descriptor averaged over that many randomly
    shifted, scaled and mirrored copies of the chip). ``photo`` is what was saved: pass a PNG's
    or JPEG's decoded pixels, not a float array from an optimisation.
    """
    import dlib

    img = as_rgb_array(photo)
    if jitters:
        scale = float(settings.upscale)
        work = faces._upscaled(img, scale)
        found = faces._find(img, settings)
        if not found:
            return None
        face = faces.most_central(found, img.shape[1], img.shape[0])
        shape = faces._shape(work, face.box, 5, scale)
        chip = dlib.get_face_chip(work, shape, size=CHIP_SIZE, padding=PADDING)
        enc = faces._Models.get("encoder")
        return np.array(enc.compute_face_descriptor(chip, num_jitters=int(jitters)))
    found = faces._find(img, settings)
    if not found:
        return None
    face = faces.most_central(found, img.shape[1], img.shape[0])
    return faces.describe(img, face, settings).embedding.astype(np.float64)


def saved(photo, fmt: str = "PNG", quality: int = 95) -> np.ndarray:
    """What a viewer (or a face search engine) reads back after ``photo`` is saved as ``fmt``.

    PNG is lossless, so a cloak saved as PNG arrives intact; JPEG at ``quality`` is what most
    platforms re-encode uploads to.
    """
    buf = io.BytesIO()
    Image.fromarray(as_uint8(photo)).save(buf, format=fmt, **({"quality": int(quality)} if fmt == "JPEG" else {}))
    return np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("RGB"))


def as_uint8(photo) -> np.ndarray:
    """A float photo in [0, 1] (or a uint8 one) as the uint8 array a file stores (rounded, clipped)."""
    a = np.asarray(photo)
    if a.dtype == np.uint8:
        return a
    return np.clip(np.round(a * 255), 0, 255).astype(np.uint8)


def _resize_and_back(img: np.ndarray, factor: float) -> np.ndarray:
    h, w = img.shape[:2]
    small = Image.fromarray(img).resize((max(1, round(w * factor)), max(1, round(h * factor))), Image.BILINEAR)
    return np.asarray(small.resize((w, h), Image.BILINEAR))


def jpeg(img, quality: int = 75) -> np.ndarray:
    """Re-encoded as JPEG at ``quality`` and decoded again (Pillow)."""
    return saved(img, "JPEG", quality)


def resize(img, factor: float = 0.5) -> np.ndarray:
    """Shrunk by ``factor`` and enlarged back to its size (bilinear both ways): detail is lost."""
    return _resize_and_back(as_uint8(img), factor)


def blur(img, radius: float = 1.0) -> np.ndarray:
    """Pillow's Gaussian blur of ``radius`` pixels."""
    return np.asarray(Image.fromarray(as_uint8(img)).filter(ImageFilter.GaussianBlur(radius)))


def median(img, size: int = 3) -> np.ndarray:
    """Pillow's median filter over ``size`` x ``size`` pixels (removes isolated specks)."""
    return np.asarray(Image.fromarray(as_uint8(img)).filter(ImageFilter.MedianFilter(size)))


#: what a platform or a defender may do to an uploaded photo before embedding it
COUNTERMEASURES: dict[str, Callable] = {
    "JPEG quality 75": lambda im: jpeg(im, 75),
    "half size and back": lambda im: resize(im, 0.5),
    "Gaussian blur radius 1": lambda im: blur(im, 1.0),
    "median filter 3 x 3": lambda im: median(im, 3),
}


def random_transform(rng: np.random.Generator) -> tuple[str, Callable]:
    """One random transformation for averaging a cloak over (Expectation over Transformation).

    Drawn uniformly from: none; JPEG at quality 50-90; resizing to 50-90% and back; a Gaussian
    blur of radius 0.5-1.5; a shift of the whole photo by up to 2 pixels each way (as a slightly
    different detection would move the chip). Returns a name and a function uint8 -> uint8.
    """
    kind = int(rng.integers(5))
    if kind == 0:
        return "none", lambda im: as_uint8(im)
    if kind == 1:
        q = int(rng.integers(50, 91))
        return f"jpeg {q}", lambda im: jpeg(im, q)
    if kind == 2:
        f = float(rng.uniform(0.5, 0.9))
        return f"resize {f:.2f}", lambda im: resize(im, f)
    if kind == 3:
        r = float(rng.uniform(0.5, 1.5))
        return f"blur {r:.2f}", lambda im: blur(im, r)
    dy, dx = (int(v) for v in rng.integers(-2, 3, 2))
    return f"shift {dx},{dy}", lambda im: np.roll(as_uint8(im), (dy, dx), axis=(0, 1))


# ----------------------------------------------------------------------------- losses and the cloak
def targeted(target) -> Callable:
    """The loss ``||d - target||^2`` (pull the descriptor towards another person) and its derivative."""
    t = np.asarray(target, dtype=np.float64).reshape(1, -1)

    def loss(d):
        diff = d - t
        return float((diff ** 2).sum(axis=1).mean()), 2 * diff / len(d)

    return loss


def untargeted(source) -> Callable:
    """The loss ``-||d - source||^2`` (push the descriptor away from the photo's own) and its derivative."""
    s = np.asarray(source, dtype=np.float64).reshape(1, -1)

    def loss(d):
        diff = d - s
        return float(-(diff ** 2).sum(axis=1).mean()), -2 * diff / len(d)

    return loss


@dataclass
class CloakResult:
    """What :func:`pgd` returns: the cloaked photo (uint8, ready to save), and how it went."""

    photo: np.ndarray
    losses: list = field(default_factory=list)
    seconds: float = 0.0
    cpu_seconds: float = 0.0


def pgd(photo, warp: ChipWarp, net: DlibResNet, loss: Callable, eps: float = EPS, step: float = 1 / 255,
        steps: int = 20, samples: int = 1, seed: int = 0, random_start: bool = True) -> CloakResult:
    """Projected gradient descent: the cloak of lesson B8, written out there step by step.

    ``photo`` (uint8 or float in [0, 1]) is the photo to protect, ``warp`` its alignment
    (:func:`find_warp`), ``loss`` a function of the descriptors returning ``(loss, d loss / d
    descriptors)`` (:func:`targeted`, :func:`untargeted`). Each of ``steps`` steps

    1. computes the derivative of the loss with respect to the photo's pixels: the photo goes
       through the warp and the network, the derivative comes back through ``net.backward`` and
       ``warp.backward``; with ``samples`` > 1 it is the average over that many random
       transformations of the photo (:func:`random_transform`; each transformation is treated as
       if it did not change the derivative, "BPDA", Athalye et al. 2018);
    2. moves every pixel by ``step`` against the derivative's sign (the steepest step under an
       L-infinity budget);
    3. projects back: no pixel further than ``eps`` from the original, all within [0, 1].

    With ``random_start`` the search starts one random grey level (up, down or none) away from
    the photo on the pixels the chip is cut from (seeded; Madry et al. 2018 start anywhere in the
    budget, which costs more visibly): at the photo itself the untargeted loss has a zero
    derivative and would never move.
    Returns a :class:`CloakResult` whose ``photo`` is rounded to uint8, as it will be saved.
    Raises ``ValueError`` for a budget given in grey levels (``eps=8`` instead of ``8 / 255``).
    """
    x0 = np.asarray(photo, dtype=np.float64)
    if np.asarray(photo).dtype == np.uint8:
        x0 = x0 / 255
    if not 0 < eps < 1:
        raise ValueError(f"eps is a share of the 0-1 range: 8 grey levels is 8 / 255 = {8 / 255:.4f}, not {eps!r}")
    rng = np.random.default_rng(seed)
    x = x0.copy()
    if random_start:
        x = np.clip(x + rng.integers(-1, 2, x.shape) / 255 * warp.footprint()[..., None], 0.0, 1.0)
    result = CloakResult(x0)
    started, cpu = time.perf_counter(), time.process_time()
    for _ in range(int(steps)):
        if samples > 1:
            views = [random_transform(rng)[1](x) / 255 for _ in range(samples)]
        else:
            views = [x]
        chips = np.stack([warp(v * 255) for v in views])
        d, tape = net.forward(chips, record=True)
        value, g = loss(d)
        g_chips = net.backward(tape, g)
        grad = sum(warp.backward(gc) for gc in g_chips)
        result.losses.append(value)
        x = x - step * np.sign(grad)
        x = np.clip(x, x0 - eps, x0 + eps)
        x = np.clip(x, 0.0, 1.0)
    result.photo = as_uint8(x)
    result.seconds = time.perf_counter() - started
    result.cpu_seconds = time.process_time() - cpu
    return result


def protect(net: DlibResNet, photo, kind: str = "targeted", eps: float = EPS, samples: int = 1, target=None,
            steps: int = STEPS, seed: int = 0) -> CloakResult:
    """The course's cloak of a photo in one call: :func:`find_warp`, the loss, :func:`pgd`.

    ``kind`` is ``"targeted"`` (towards ``target``, a descriptor: see :func:`pick_target`) or
    ``"untargeted"`` (away from the photo's own descriptor); ``samples`` > 1 averages each step
    over random transformations (the "robust" cloak). ``steps`` steps of ``eps / 4``.
    """
    photo = as_rgb_array(photo)
    warp = find_warp(photo)
    if kind == "targeted":
        if target is None:
            raise ValueError("a targeted cloak needs a target descriptor (see pick_target)")
        loss = targeted(target)
    elif kind == "untargeted":
        loss = untargeted(net.descriptors(warp(photo))[0])
    else:
        raise ValueError(f"kind is 'targeted' or 'untargeted', not {kind!r}")
    return pgd(photo, warp, net, loss, eps=eps, step=eps / 4, steps=steps, samples=samples, seed=seed)


# ----------------------------------------------------------------------------- the people and the protocol
@dataclass
class Subject:
    """A user of the study: the photo they cloak (``upload``) and their other photos (``probes``)."""

    person: str
    upload: np.ndarray
    probes: list
    upload_path: str
    probe_paths: list

    def probe_descriptors(self, settings: faces.Settings = faces.DOCUMENTED, jitters: int = 0) -> np.ndarray:
        """The probes' descriptors by the real pipeline with ``settings`` (the course's LFW settings
        are the committed embeddings, which that pipeline computes: ``tests/matching/test_embeddings.py``)."""
        if settings == faces.LFW and not jitters:
            from . import precomputed

            table, emb = precomputed.load()
            row = {p: i for i, p in enumerate(table["path"])}
            return np.stack([emb[row["images/" + str(p).split("/images/", 1)[1]]] for p in self.probe_paths]).astype(np.float64)
        return np.stack([embed_photo(p, settings, jitters) for p in self.probes])


def _teaching_people() -> dict[str, list[str]]:
    from .. import data

    by_person: dict[str, list[str]] = {}
    for e in data.select("lfw", "teaching"):
        if e.path.startswith("images/"):
            by_person.setdefault(e.path.split("/")[1], []).append(e.path)
    return {p: sorted(v) for p, v in sorted(by_person.items())}


def person_photos(person: str) -> list:
    """Paths of one teaching person's photos, in name order."""
    from .. import data

    return [data.require("lfw", p) for p in _teaching_people()[person]]


def split_people() -> tuple[list[str], list[str]]:
    """The 40 teaching people with 8 photos, in name order, split alternately: (users, defender's people)."""
    eight = [p for p, v in _teaching_people().items() if len(v) == 8]
    return eight[0::2], eight[1::2]


def subject(person: str) -> Subject:
    """A user: the first photo (name order) in which the real pipeline finds a face is the upload,
    the others in which it finds one are the probes."""
    photos = [(str(p), as_rgb_array(p)) for p in person_photos(person)]
    usable = [(p, img) for p, img in photos if faces._find(img, faces.DOCUMENTED)]
    if len(usable) < 2:
        raise faces.NoFaceError(f"{person}: the pipeline finds a face in fewer than 2 photos")
    (up_path, upload), rest = usable[0], usable[1:]
    return Subject(person, upload, [img for _, img in rest], up_path, [p for p, _ in rest])


def target_pool() -> dict[str, np.ndarray]:
    """The identities a targeted cloak may impersonate: the teaching set's 80 one-photo people.

    Their descriptors are the committed LFW embeddings (``precomputed.load()``), so choosing a
    target costs nothing and is the same everywhere.
    """
    from . import precomputed

    table, emb = precomputed.load()
    singles = {p for p, v in _teaching_people().items() if len(v) == 1}
    rows = table.index[table["person"].isin(singles)]
    return {table.at[i, "person"]: emb[i].astype(np.float64) for i in rows}


def pick_target(net: DlibResNet, photo, pool: dict) -> np.ndarray:
    """Fawkes's choice: the candidate whose descriptor is furthest from this photo's own."""
    own = net.descriptors(find_warp(photo)(as_rgb_array(photo)))[0]
    names = list(pool)
    vecs = np.stack([pool[n] for n in names])
    return vecs[int(np.argmax(np.linalg.norm(vecs - own, axis=1)))]


def match(embedding, probes) -> dict:
    """How a search treats one (cloaked) upload: the distance to the nearest probe, and whether it matches.

    ``embedding`` may be None (no face found): then ``face_found`` is False, ``distance`` NaN and
    ``matched`` False. ``matched`` is ``distance <= 0.6``.
    """
    if embedding is None:
        return {"face_found": False, "distance": float("nan"), "matched": False}
    d = float(np.linalg.norm(np.asarray(probes, dtype=np.float64) - np.asarray(embedding, dtype=np.float64), axis=1).min())
    return {"face_found": True, "distance": d, "matched": d <= THRESHOLD}


def protection_table(df) -> "pd.DataFrame":
    """Protection rates from a study table: per cloak, budget and way of judging, the share of users
    (among those found without a cloak) whom the search no longer finds."""
    import pandas as pd

    found = set(df[(df["cloak"] == "none") & (df["judged"] == "as saved") & df["matched"]]["person"])
    sub = df[df["person"].isin(found)]
    matched = sub.groupby(["cloak", "budget", "judged"], sort=False)["matched"].mean()
    return (1 - matched).rename("protected").to_frame()


def summary_markdown(df, defence) -> str:
    """The study's tables in markdown: protection by cloak and judge, visual cost and time; the defenders."""
    import pandas as pd

    prot = protection_table(df)["protected"].unstack("judged")
    judged = [c for c in ["as saved", *COUNTERMEASURES, "LFW settings (2x, mirror)", "num_jitters=10"] if c in prot]
    cost = df[df["cloak"] != "none"].groupby(["cloak", "budget"], sort=False)[["cpu_seconds", "psnr", "ssim"]].mean()
    found = protection_table(df).reset_index()
    n_found = len(set(df[(df["cloak"] == "none") & (df["judged"] == "as saved") & df["matched"]]["person"]))
    lines = [f"Protection: of the {n_found} users (of {df['person'].nunique()}) whom the search finds without a cloak, "
             "the share it no longer finds (no probe within 0.6 of the upload), judged by the real dlib pipeline on the "
             "saved PNG; the counter-measures treat the upload. CPU seconds per cloaked photo, PSNR and SSIM are means.",
             "", "| cloak | budget | CPU s per photo | PSNR (dB) | SSIM | " + " | ".join(judged) + " |",
             "|---|---|---|---|---|" + "---|" * len(judged)]
    for (c, b), row in prot.iterrows():
        if c == "none":
            costs = " |  |  "
        else:
            k = cost.loc[(c, b)]
            costs = f"{k['cpu_seconds']:.1f} | {k['psnr']:.1f} | {k['ssim']:.3f}"
        cells = [f"{row[j]:.0%}" if pd.notna(row.get(j)) else "" for j in judged]
        lines.append(f"| {c} | {b}/255 | {costs} | " + " | ".join(cells) + " |")
    if len(defence):
        lines += ["", "Adaptive defenders: retrained on the photos of its own people cloaked with the same public tool "
                  "(plus the one-photo people as clean photos), then judging the users' uploads and probes with the new "
                  "network: at 0.6; at the threshold where its false match rate on its own clean photos equals the "
                  "original network's at 0.6; and at the threshold where its false match rate on the users' clean photos "
                  "equals the original's there. Clean error rates among the users' clean photos.", "",
                  "| cloak | stages retrained | judged | threshold | protection | FMR before -> after | "
                  "FNMR before -> after | seconds | peak MB |", "|---|---|---|---|---|---|---|---|---|"]
        for _, r in defence.iterrows():
            key = f"adaptive defender, stages {r['stages']}, {r['judged']}"
            rate = found[(found["cloak"] == r["cloak"]) & (found["budget"] == r["budget"]) & (found["judged"] == key)]
            rate = f"{rate['protected'].iloc[0]:.0%}" if len(rate) else ""
            lines.append(f"| {r['cloak']} {r['budget']}/255 | {r['stages']} | {r['judged']} | {r['threshold']:.3f} | {rate} | "
                         f"{r['FMR before']:.2%} -> {r['FMR after']:.2%} | {r['FNMR before']:.2%} -> {r['FNMR after']:.2%} | "
                         f"{r['seconds']:.0f} | {r['peak MB']:.0f} |")
    return "\n".join(lines)


# ----------------------------------------------------------------------------- visual cost
def psnr(a, b) -> float:
    """Peak signal-to-noise ratio in dB between two uint8 images: ``10 log10(255^2 / mean squared error)``."""
    a, b = as_uint8(a).astype(np.float64), as_uint8(b).astype(np.float64)
    mse = float(((a - b) ** 2).mean())
    return math.inf if mse == 0 else 10 * math.log10(255 ** 2 / mse)


def _gaussian_filter(x: np.ndarray, sigma: float = 1.5, radius: int = 5) -> np.ndarray:
    k = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2)
    k /= k.sum()
    pad = np.pad(x, ((radius, radius), (radius, radius)), mode="symmetric")
    rows = sum(k[i] * pad[i:i + x.shape[0], :] for i in range(2 * radius + 1))
    return sum(k[i] * rows[:, i:i + x.shape[1]] for i in range(2 * radius + 1))


def ssim(a, b) -> float:
    """Structural similarity (Wang et al., 2004) of two uint8 RGB images, averaged over the channels.

    The paper's setting: an 11 x 11 Gaussian window (sigma 1.5), ``K1 = 0.01``, ``K2 = 0.03``,
    range 255, the mean taken away from a 5-pixel border; it equals scikit-image's
    ``structural_similarity(a, b, channel_axis=-1, gaussian_weights=True, sigma=1.5,
    use_sample_covariance=False, data_range=255)``. 1 means identical.
    """
    a, b = as_uint8(a).astype(np.float64), as_uint8(b).astype(np.float64)
    if a.shape != b.shape:
        raise ValueError(f"images of different shapes: {a.shape} and {b.shape}")
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    out = []
    for c in range(a.shape[2]):
        x, y = a[..., c], b[..., c]
        mx, my = _gaussian_filter(x), _gaussian_filter(y)
        vx = _gaussian_filter(x * x) - mx * mx
        vy = _gaussian_filter(y * y) - my * my
        cxy = _gaussian_filter(x * y) - mx * my
        s = ((2 * mx * my + c1) * (2 * cxy + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2))
        out.append(s[5:-5, 5:-5].mean())
    return float(np.mean(out))


# ----------------------------------------------------------------------------- the adaptive defender
@dataclass
class FineTune:
    """What :func:`fine_tune` returns: the new network, its training loss per epoch, and the cost."""

    net: DlibResNet
    losses: list
    seconds: float
    start: int
    pairs: int


def fine_tune(net: DlibResNet, clean_chips, cloaked_chips, extra_chips=None, start: int = 0, epochs: int = 4,
              lr: float = 1e-4, momentum: float = 0.9, batch: int = 8, seed: int = 0) -> FineTune:
    """The adaptive defender: retrain the network so that a cloaked face gives its clean descriptor.

    The defender runs the public cloak on photos it already holds: ``clean_chips[i]`` and
    ``cloaked_chips[i]`` are the real pipeline's chips of one photo before and after (uint8,
    (n, 150, 150, 3)); ``extra_chips`` are more clean chips of other people. It then changes the
    weights of stages ``start``..15 to minimise the mean, over all these chips, of

        ``||f(chip) - f0(clean original of chip)||^2``

    where ``f0`` is the original network: for a cloaked chip this undoes the cloak, for a clean
    one it keeps the descriptor where it was, so galleries already built stay valid (the idea of
    Radiya-Dixit et al.'s robust training: teach the model that the public attack's output is the
    same face). Plain gradient descent with ``momentum``, step ``lr``, minibatches of ``batch``
    chips in a seeded order. With ``start`` > 0 the earlier stages stay frozen and their output is
    computed once; from stage 0 the chips are kept as uint8 and converted one minibatch at a time,
    which with ``batch`` 8 keeps the peak memory to a few hundred MB.
    """
    clean, cloaked = np.asarray(clean_chips), np.asarray(cloaked_chips)
    if clean.shape != cloaked.shape or clean.ndim != 4 or clean.shape[1:] != (CHIP_SIZE, CHIP_SIZE, 3):
        raise ValueError(f"clean and cloaked chips must be two (n, 150, 150, 3) arrays of one shape; "
                         f"got {clean.shape} and {cloaked.shape}")
    extra = np.zeros((0, CHIP_SIZE, CHIP_SIZE, 3), np.uint8) if extra_chips is None else np.asarray(extra_chips)
    started = time.perf_counter()
    new = net.copy()
    f0 = net.descriptors(clean)
    anchors = np.concatenate([f0, f0, net.descriptors(extra)])
    chips = np.concatenate([cloaked, clean, extra])
    inputs = chips if start == 0 else net.features(chips, start)
    names = [k for k in new.params() if _stage_of(k) >= start]
    params = new.params()
    velocity = {k: np.zeros_like(params[k]) for k in names}
    rng = np.random.default_rng(seed)
    losses = []
    for _ in range(int(epochs)):
        order = rng.permutation(len(inputs))
        total = 0.0
        for s in range(0, len(order), batch):
            idx = np.sort(order[s:s + batch])
            d, tape = new.forward(inputs[idx], start=start, record=True)
            diff = d - anchors[idx]
            total += float((diff ** 2).sum())
            _, grads = new.backward(tape, 2 * diff / len(idx), params=True)
            for k in names:
                velocity[k] = momentum * velocity[k] + grads[k]
                params[k] -= lr * velocity[k]
        losses.append(total / len(inputs))
    return FineTune(new, losses, time.perf_counter() - started, start, len(clean))


def threshold_at(net: DlibResNet, chips, people, fmr: float) -> float:
    """The largest threshold whose false match rate among these clean chips is at most ``fmr``.

    A retrained network draws its own distances; comparing it with the original at the same 0.6
    would mix up "finds the person" with "matches everybody". Like NIST (lesson B4), compare at
    the same false match rate: this threshold, measured on the defender's own clean photos.
    """
    d = net.descriptors(chips)
    people = np.asarray(people)
    i, j = np.triu_indices(len(d), k=1)
    impostor = np.sort(np.linalg.norm(d[i] - d[j], axis=1)[people[i] != people[j]])
    allowed = int(np.floor(fmr * len(impostor)))
    if allowed >= len(impostor):
        return float(impostor[-1])
    below = impostor[allowed - 1] if allowed > 0 else impostor[0] - 1e-6
    return float((below + impostor[allowed]) / 2) if allowed > 0 else float(below)


def _stage_of(name: str) -> int:
    if name.startswith("stem"):
        return 0
    if name.startswith("fc"):
        return HEAD
    return int(name.split(".")[0][len("block"):])


__all__ = ["ChipWarp", "find_warp", "dlib_chip", "embed_photo", "saved", "as_uint8", "jpeg", "resize", "blur",
           "median", "COUNTERMEASURES", "random_transform", "targeted", "untargeted", "pgd", "CloakResult", "psnr",
           "ssim", "fine_tune", "FineTune", "threshold_at", "protect", "subject", "split_people", "target_pool",
           "pick_target", "match", "protection_table", "summary_markdown", "EPS", "THRESHOLD"]
