"""The face pipeline: detect, landmarks, aligned chips, 128-d embeddings (dlib via face_recognition's models).

One call does each step once and keeps what it found, so nothing is computed twice:

    >>> from facecourse import data
    >>> from facecourse.matching import faces
    >>> found = faces.analyse(data.example_path("two_people.jpg"))  # every face: box, landmarks, embedding
    >>> probe = faces.embed_single(data.example_path("obama.jpg"))  # exactly one face, or a clear error
    >>> round(faces.distance(found[1].embedding, probe.embedding), 2)  # Obama stands on the left
    0.34

Lessons B1-B3 first do each step with ``face_recognition`` and dlib themselves; these helpers
wrap the same calls so that later lessons do each in one line.

Conventions follow face_recognition: boxes are ``(top, right, bottom, left)`` in pixels of the
original image, embeddings are 128 float32 numbers, and two faces "match" when the Euclidean
distance is at most a threshold (0.6 by default). Every ``Face`` carries its ``source`` (file path
or URL) and which ``detector`` found it, so results can always be traced back.

Models are dlib's, as shipped by ``face_recognition_models``: the HOG frontal face detector, the
MMOD CNN detector, the 5- and 68-point shape predictors and ``dlib_face_recognition_resnet_model_v1``.
"""

from __future__ import annotations

import os
import threading
import warnings
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from ..envcheck import import_face_recognition
from ..images import ImageError, as_rgb_array
from . import THRESHOLD

DEFAULT_THRESHOLD = THRESHOLD  # dlib trained identities to lie within this distance of each other
CHIP_SIZE = 150
CHIP_PADDING = 0.25


class FaceError(ValueError):
    """A face could not be found or chosen; the message says what was found.

    A ``ValueError``, so ``except ValueError`` catches it too. Example::

        >>> import numpy as np
        >>> try:
        ...     embed_single(np.full((120, 160, 3), 128, np.uint8))
        ... except FaceError as err:
        ...     print(type(err).__name__)
        NoFaceError
    """


class NoFaceError(FaceError):
    """No face was found in the image (see ``embed_single``); the message suggests what to try."""


class MultipleFacesError(FaceError):
    """Several faces were found where one was required (see ``embed_single``); the message lists their boxes."""


@dataclass(frozen=True)
class Box:
    """A face rectangle in pixels: (top, right, bottom, left), face_recognition's order.

    ``top``/``bottom`` are rows and ``left``/``right`` columns of the image, as in the tuples
    ``face_recognition.face_locations`` returns. Pillow's ``ImageDraw.rectangle`` wants
    ``[left, top, right, bottom]`` instead, and dlib a ``dlib.rectangle(left, top, right, bottom)``:
    use ``to_dlib``/``from_dlib`` rather than reordering by hand.

    Example::

        >>> box = Box(top=10, right=60, bottom=70, left=20)
        >>> box.width, box.height, box.center
        (40, 60, (40.0, 40.0))
        >>> box.as_tuple()
        (10, 60, 70, 20)
    """

    top: int
    right: int
    bottom: int
    left: int

    @classmethod
    def from_dlib(cls, rect, scale: float = 1.0) -> "Box":
        """The box of a ``dlib.rectangle`` (divided by ``scale`` when the image was enlarged by it).

        Example::

            >>> import dlib
            >>> Box.from_dlib(dlib.rectangle(20, 10, 60, 70))  # dlib.rectangle(left, top, right, bottom)
            Box(top=10, right=60, bottom=70, left=20)
        """
        return cls(round(rect.top() / scale), round(rect.right() / scale),
                   round(rect.bottom() / scale), round(rect.left() / scale))

    def to_dlib(self, scale: float = 1.0):
        """This box as a ``dlib.rectangle(left, top, right, bottom)``, multiplied by ``scale``.

        Example::

            >>> Box(top=10, right=60, bottom=70, left=20).to_dlib()
            rectangle(20,10,60,70)
        """
        import dlib

        return dlib.rectangle(round(self.left * scale), round(self.top * scale),
                              round(self.right * scale), round(self.bottom * scale))

    @property
    def width(self) -> int:
        """``right - left`` in pixels."""
        return self.right - self.left

    @property
    def height(self) -> int:
        """``bottom - top`` in pixels."""
        return self.bottom - self.top

    @property
    def center(self) -> tuple[float, float]:
        """The box centre as ``(x, y)``."""
        return ((self.left + self.right) / 2, (self.top + self.bottom) / 2)

    def as_tuple(self) -> tuple[int, int, int, int]:
        """``(top, right, bottom, left)``: the tuple ``face_recognition`` functions take and return."""
        return (self.top, self.right, self.bottom, self.left)


@dataclass
class Face:
    """One face in one image, with everything the pipeline learned about it.

    ``box`` (a ``Box``), ``detector`` (``"hog"``, ``"cnn"``, ``"given"`` for a box supplied by the
    caller, or ``"fixed"`` for LFW's fallback box), the detector's ``score``, ``landmarks`` (an
    ``(n, 2)`` array of x, y in the original image), the 128-number ``embedding``, the ``source``
    file or URL, and ``extra`` notes (e.g. ``faces_found``). ``detect`` fills the first three;
    ``describe``, ``analyse``, ``embed_single`` and ``embed_box`` fill the rest.

    Example::

        >>> face = Face(Box(10, 60, 70, 20), "given")
        >>> face.detector, face.embedding is None
        ('given', True)
    """

    box: Box
    detector: str  # "hog", "cnn", or "given" (box supplied by the caller)
    score: float | None = None
    landmarks: np.ndarray | None = None  # (n, 2) x, y pixel coordinates in the original image
    embedding: np.ndarray | None = None  # (128,) float32
    source: str | None = None
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Settings:
    """How to find and describe faces. The defaults are face_recognition's documented usage.

    ``detector`` is ``"hog"`` or ``"cnn"``; ``upsample`` (0-3) the detector's upsampling steps;
    ``landmarks`` 5 or 68 points. ``upscale`` (1-4) enlarges the image (bicubic) before landmarks and
    the descriptor: small faces, such as LFW's 70-pixel ones, then give a sharper aligned chip.
    ``flip`` averages the descriptor of the chip and of its mirror image: a deterministic
    alternative to dlib's random jitter. ``cnn_fallback`` tries the CNN detector when HOG finds
    nothing. An invalid value raises ``ValueError``.

    Example::

        >>> Settings().detector, Settings().upsample
        ('hog', 1)
        >>> LFW.upscale, LFW.flip
        (2.0, True)
        >>> Settings(upsample=9)
        Traceback (most recent call last):
        ...
        ValueError: upsample must be an int from 0 to 3, not 9
    """

    detector: str = "hog"  # "hog" (fast, frontal) or "cnn" (slower, more poses)
    upsample: int = 1  # detector upsampling: finds faces down to ~40 px at 1, ~20 px at 2
    landmarks: int = 5  # 5-point (alignment) or 68-point (also eyes, nose, mouth outline)
    upscale: float = 1.0
    flip: bool = False
    cnn_fallback: bool = False  # try the CNN detector when HOG finds nothing

    def __post_init__(self):
        if self.detector not in ("hog", "cnn"):
            raise ValueError(f"detector must be 'hog' or 'cnn', not {self.detector!r}")
        if self.landmarks not in (5, 68):
            raise ValueError(f"landmarks must be 5 or 68, not {self.landmarks!r}")
        if isinstance(self.upsample, bool) or not isinstance(self.upsample, int) or not 0 <= self.upsample <= 3:
            raise ValueError(f"upsample must be an int from 0 to 3, not {self.upsample!r}")
        if not isinstance(self.upscale, (int, float)) or not 1.0 <= float(self.upscale) <= 4.0:
            raise ValueError(f"upscale must be a number from 1 to 4, not {self.upscale!r}")


DOCUMENTED = Settings()
#: What the course uses for LFW's small (150 px) images: see lessons B4 and the embeddings README.
LFW = Settings(upscale=2.0, flip=True, cnn_fallback=True)


class _Models:
    """dlib models, loaded once per process on first use."""

    _lock = threading.Lock()
    _loaded: dict = {}

    @classmethod
    def get(cls, name: str):
        with cls._lock:
            if name not in cls._loaded:
                cls._loaded[name] = cls._load(name)
            return cls._loaded[name]

    @staticmethod
    def _load(name: str):
        import_face_recognition()  # a clear error if the stack is broken
        import dlib

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import face_recognition_models as frm
        loaders = {
            "hog": lambda: dlib.get_frontal_face_detector(),
            "cnn": lambda: dlib.cnn_face_detection_model_v1(frm.cnn_face_detector_model_location()),
            5: lambda: dlib.shape_predictor(frm.pose_predictor_five_point_model_location()),
            68: lambda: dlib.shape_predictor(frm.pose_predictor_model_location()),
            "encoder": lambda: dlib.face_recognition_model_v1(frm.face_recognition_model_location()),
        }
        return loaders[name]()


def model_info() -> dict:
    """Versions and model file names, recorded with every set of precomputed embeddings.

    Example::

        >>> info = model_info()
        >>> info["encoder"], info["dlib"] > "19"
        ('dlib_face_recognition_resnet_model_v1.dat', True)
    """
    import importlib.metadata as md

    import dlib

    from ..envcheck import package_version

    return {
        "dlib": dlib.__version__,
        "dlib_distribution": "dlib-bin " + (package_version("dlib-bin") or "?") if package_version("dlib-bin")
        else "dlib " + (package_version("dlib") or "?"),
        "face_recognition_models": md.version("face_recognition_models"),
        "encoder": "dlib_face_recognition_resnet_model_v1.dat",
        "detector_hog": "dlib.get_frontal_face_detector",
        "detector_cnn": "mmod_human_face_detector.dat",
        "shape_predictor_5": "shape_predictor_5_face_landmarks.dat",
        "shape_predictor_68": "shape_predictor_68_face_landmarks.dat",
    }


# ----------------------------------------------------------------------------- steps


def detect(image, detector: str = "hog", upsample: int = 1) -> list[Face]:
    """Find the faces in an image with dlib's HOG or CNN detector.

    The same detector objects as ``face_recognition.face_locations(img, upsample, model=detector)``
    (``dlib.get_frontal_face_detector()`` and ``dlib.cnn_face_detection_model_v1``), loaded once per
    process; boxes are clipped to the image, so they equal face_locations' boxes.

    Parameters: ``image`` (a file path, bytes, a Pillow image or an RGB/grey array), ``detector``
    (``"hog"``: fast, frontal faces; ``"cnn"``: more poses, far slower on a CPU), ``upsample``
    (0-3 doubling steps before detection: faces down to ~80 px at 0, ~40 px at 1, ~20 px at 2).

    Returns a list of ``Face`` with ``box``, ``detector`` and ``score`` filled in (no landmarks or
    embedding yet), in the detector's order; an empty list if there is no face.
    Raises ``ValueError`` for an unknown detector or upsample, ``ImageError`` for an unusable image.

    Example::

        >>> from facecourse import data
        >>> found = detect(data.example_path("two_people.jpg"))
        >>> [f.box.as_tuple() for f in found]
        [(57, 964, 242, 778), (47, 408, 202, 253)]
        >>> found[0].detector, round(found[0].score, 2)
        ('hog', 1.13)
    """
    Settings(detector=detector, upsample=upsample)  # validates
    img = as_rgb_array(image)
    if detector == "hog":
        rects, scores, _ = _Models.get("hog").run(img, upsample, 0.0)
        found = [Face(Box.from_dlib(r), "hog", float(s)) for r, s in zip(rects, scores)]
    else:
        found = [Face(Box.from_dlib(d.rect), "cnn", float(d.confidence)) for d in _Models.get("cnn")(img, upsample)]
    h, w = img.shape[:2]
    return [_clip(f, w, h) for f in found]


def _clip(face: Face, w: int, h: int) -> Face:
    b = face.box
    face.box = Box(max(0, b.top), min(w, b.right), min(h, b.bottom), max(0, b.left))
    return face


def _upscaled(img: np.ndarray, factor: float) -> np.ndarray:
    if factor == 1.0:
        return img
    from PIL import Image

    h, w = img.shape[:2]
    return np.asarray(Image.fromarray(img).resize((round(w * factor), round(h * factor)), Image.BICUBIC))


def _shape(img: np.ndarray, box: Box, points: int, scale: float = 1.0):
    return _Models.get(points)(img, box.to_dlib(scale))


def landmarks(image, box: Box | Sequence[int], points: int = 68) -> np.ndarray:
    """Landmarks of the face in ``box``: an ``(points, 2)`` int array of x, y pixel coordinates.

    dlib's shape predictor (``dlib.shape_predictor``) with face_recognition_models' 68-point or
    5-point model, as ``face_recognition.face_landmarks(img, [box])`` uses it. In the 68-point
    scheme rows 36-41 are the image-left eye (face_recognition's ``"left_eye"``) and 42-47 the
    image-right eye; the 5 points are the image-right eye's outer and inner corners, the image-left
    eye's outer and inner corners, and the bottom of the nose.

    Parameters: ``image`` (path, bytes or array), ``box`` (a ``Box`` or a ``(top, right, bottom,
    left)`` tuple), ``points`` (68 or 5). Raises ``ValueError`` for another number of points.

    Example::

        >>> from facecourse import data
        >>> img = data.example_path("two_people.jpg")
        >>> box = detect(img)[0].box
        >>> landmarks(img, box).shape, landmarks(img, box, points=5).shape
        ((68, 2), (5, 2))
    """
    Settings(landmarks=points)
    img = as_rgb_array(image)
    box = box if isinstance(box, Box) else Box(*map(int, box))
    shape = _shape(img, box, points)
    return np.array([(p.x, p.y) for p in shape.parts()], dtype=np.int32)


def aligned_chip(image, box: Box | Sequence[int], size: int = CHIP_SIZE, padding: float = CHIP_PADDING,
                 upscale: float = 1.0) -> np.ndarray:
    """The face rotated, scaled and cropped the way the embedding network expects.

    dlib's ``get_face_chip`` with the 5-point landmarks: the eyes are levelled and the face scaled
    and placed so that its landmarks land on fixed positions, with ``padding`` (a share of the face
    size) around it. ``upscale`` enlarges the image first (see ``Settings``).

    Parameters: ``image``, ``box`` (``Box`` or ``(top, right, bottom, left)``), ``size`` (pixels,
    150 for the embedding network), ``padding``, ``upscale``. Returns a ``(size, size, 3)`` uint8
    array.

    Example::

        >>> from facecourse import data
        >>> img = data.example_path("two_people.jpg")
        >>> aligned_chip(img, detect(img)[0].box).shape
        (150, 150, 3)
    """
    import dlib

    img = _upscaled(as_rgb_array(image), float(upscale))
    box = box if isinstance(box, Box) else Box(*map(int, box))
    return dlib.get_face_chip(img, _shape(img, box, 5, float(upscale)), size=size, padding=padding)


def describe_chip(chip: np.ndarray, flip: bool = False) -> np.ndarray:
    """The 128-number descriptor of an aligned 150 x 150 chip (dlib's ResNet), as float32.

    With ``flip``, the descriptor is averaged with that of the chip's mirror image. Raises
    ``ImageError`` if the chip is not 150 x 150.

    Example::

        >>> from facecourse import data
        >>> img = data.example_path("two_people.jpg")
        >>> describe_chip(aligned_chip(img, detect(img)[0].box)).shape
        (128,)
    """
    chip = as_rgb_array(chip)
    if chip.shape[:2] != (CHIP_SIZE, CHIP_SIZE):
        raise ImageError(f"an aligned chip is {CHIP_SIZE} x {CHIP_SIZE}; got {chip.shape[1]} x {chip.shape[0]}")
    enc = _Models.get("encoder")
    vec = np.array(enc.compute_face_descriptor(chip), dtype=np.float64)
    if flip:
        vec = (vec + np.array(enc.compute_face_descriptor(np.ascontiguousarray(chip[:, ::-1])))) / 2
    return vec.astype(np.float32)


def describe(img: np.ndarray, face: Face, settings: Settings = DOCUMENTED) -> Face:
    """Fill in the landmarks and the embedding of ``face`` (in place) and return it.

    ``img`` is an RGB array, ``face`` a ``Face`` with a box (from ``detect`` or made by hand),
    ``settings`` says how (``DOCUMENTED``: face_recognition's usage; ``LFW``: the course's settings
    for small LFW images). Each step runs once.

    Example::

        >>> from facecourse import data
        >>> img = as_rgb_array(data.example_path("two_people.jpg"))
        >>> face = describe(img, detect(img)[0])
        >>> face.landmarks.shape, face.embedding.shape
        ((5, 2), (128,))
    """
    import dlib

    scale = float(settings.upscale)
    work = _upscaled(img, scale)
    shape = _shape(work, face.box, settings.landmarks, scale)
    face.landmarks = np.array([(p.x / scale, p.y / scale) for p in shape.parts()], dtype=np.float32)
    if settings.landmarks == 68:  # the encoder's alignment is defined on the 5-point model
        shape = _shape(work, face.box, 5, scale)
    chip = dlib.get_face_chip(work, shape, size=CHIP_SIZE, padding=CHIP_PADDING)
    face.embedding = describe_chip(chip, settings.flip)
    return face


def _find(img: np.ndarray, settings: Settings) -> list[Face]:
    found = detect(img, settings.detector, settings.upsample)
    if not found and settings.cnn_fallback and settings.detector == "hog":
        found = detect(img, "cnn", settings.upsample)
    return found


def analyse(image, settings: Settings = DOCUMENTED, source: str | None = None) -> list[Face]:
    """Every face in the image, each with box, landmarks, embedding and source. May be empty.

    What ``face_recognition.face_locations`` followed by ``face_recognition.face_encodings(img,
    known_face_locations=...)`` computes, detecting only once. ``source`` defaults to the path
    when ``image`` is one.

    Example::

        >>> from facecourse import data
        >>> found = analyse(data.example_path("two_people.jpg"))
        >>> len(found), found[0].embedding.shape, found[0].source.endswith("two_people.jpg")
        (2, (128,), True)
    """
    img = as_rgb_array(image)
    source = source if source is not None else (str(image) if isinstance(image, (str, os.PathLike)) else None)
    faces = _find(img, settings)
    for f in faces:
        f.source = source
        describe(img, f, settings)
    return faces


def most_central(faces: list[Face], w: int, h: int) -> Face:
    """The face (of ``faces``, not empty) whose box centre is nearest the centre of a ``w`` x ``h`` image.

    Example::

        >>> near, far = Face(Box(40, 60, 60, 40), "given"), Face(Box(0, 20, 20, 0), "given")
        >>> most_central([far, near], w=100, h=100) is near
        True
    """
    return min(faces, key=lambda f: (f.box.center[0] - w / 2) ** 2 + (f.box.center[1] - h / 2) ** 2)


def embed_single(image, settings: Settings = DOCUMENTED, source: str | None = None,
                 choose: str = "only") -> Face:
    """The one face of a photo, with its embedding.

    ``choose`` decides what to do with several faces: ``"only"`` (default) raises
    ``MultipleFacesError``; ``"central"`` takes the face nearest the image centre (LFW's
    convention: each image is centred on the labelled person); ``"largest"`` the biggest box.
    No face raises ``NoFaceError``. Both are ``FaceError``, a ``ValueError``.

    Example::

        >>> from facecourse import data
        >>> face = embed_single(data.example_path("two_people.jpg"), choose="largest")
        >>> face.embedding.shape, face.extra["faces_found"]
        ((128,), 2)
        >>> embed_single(data.example_path("two_people.jpg"))
        Traceback (most recent call last):
        ...
        facecourse.matching.faces.MultipleFacesError: 2 faces found in ...
    """
    if choose not in ("only", "central", "largest"):
        raise ValueError(f"choose must be 'only', 'central' or 'largest', not {choose!r}")
    img = as_rgb_array(image)
    source = source if source is not None else (str(image) if isinstance(image, (str, os.PathLike)) else None)
    faces = _find(img, settings)
    name = source or "the image"
    if not faces:
        raise NoFaceError(
            f"no face found in {name} ({img.shape[1]} x {img.shape[0]} px) by the {settings.detector} detector. "
            "Faces smaller than ~40 px, in profile or covered are often missed: try upsample=2, the 'cnn' "
            "detector, or a larger photo."
        )
    if len(faces) > 1 and choose == "only":
        boxes = ", ".join(str(f.box.as_tuple()) for f in faces)
        raise MultipleFacesError(
            f"{len(faces)} faces found in {name} at {boxes} (top, right, bottom, left). Crop the photo to one "
            "face, or pass choose='central' or choose='largest'."
        )
    h, w = img.shape[:2]
    face = faces[0] if len(faces) == 1 else (
        most_central(faces, w, h) if choose == "central" else max(faces, key=lambda f: f.box.width * f.box.height))
    face.source = source
    face.extra["faces_found"] = len(faces)
    return describe(img, face, settings)


def embed_box(image, box: Box | Sequence[int], settings: Settings = DOCUMENTED, source: str | None = None) -> Face:
    """Embed the face in a box the caller already knows (e.g. from an earlier detection).

    Like ``face_recognition.face_encodings(img, known_face_locations=[box])[0]`` (identical with the
    default settings): no detection, so it is the face in *this* box even when the photo has
    several. Returns a ``Face`` with detector ``"given"``, landmarks and embedding.

    Example::

        >>> from facecourse import data
        >>> img = data.example_path("two_people.jpg")
        >>> face = embed_box(img, (47, 408, 202, 253))  # (top, right, bottom, left)
        >>> face.detector, face.embedding.shape
        ('given', (128,))
    """
    img = as_rgb_array(image)
    box = box if isinstance(box, Box) else Box(*map(int, box))
    face = Face(box, "given", source=source)
    return describe(img, face, settings)


# ----------------------------------------------------------------------------- comparing


def _as_matrix(embeddings) -> np.ndarray:
    arr = np.asarray(embeddings, dtype=np.float32)
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2 or arr.shape[1] != 128:
        raise ValueError(f"expected 128-number embeddings, got an array of shape {np.shape(embeddings)}")
    return arr


def distance(a, b) -> np.ndarray | float:
    """Euclidean distance between embeddings: one-to-one, one-to-many, or row-wise.

    ``a`` and ``b`` are 128-number embeddings or ``(n, 128)`` arrays of them. One against one
    returns a float; one against ``n`` (either way round) or ``n`` against ``n`` (row by row)
    returns an array of ``n`` distances, like ``face_recognition.face_distance``. For all pairs of
    two sets use broadcasting: ``np.linalg.norm(A[:, None] - B[None], axis=-1)``. Raises
    ``ValueError`` for vectors that are not 128 long or sets of different sizes.

    Example::

        >>> import numpy as np
        >>> a, b = np.zeros(128), np.full(128, 0.05)
        >>> round(distance(a, b), 4)
        0.5657
        >>> distance(np.zeros((3, 128)), b).shape
        (3,)
    """
    A, B = _as_matrix(a), _as_matrix(b)
    if len(A) != len(B) and 1 not in (len(A), len(B)):
        raise ValueError(f"cannot pair {len(A)} embeddings with {len(B)}")
    d = np.linalg.norm(A - B, axis=1)
    return float(d[0]) if d.shape == (1,) else d


def is_match(a, b, threshold: float = DEFAULT_THRESHOLD):
    """Same person? ``distance(a, b) <= threshold`` (0.6, dlib's operating point, by default).

    Example::

        >>> import numpy as np
        >>> bool(is_match(np.zeros(128), np.full(128, 0.05))), bool(is_match(np.zeros(128), np.full(128, 0.06)))
        (True, False)
    """
    return distance(a, b) <= threshold


__all__ = [
    "Box", "Face", "Settings", "DOCUMENTED", "LFW", "FaceError", "NoFaceError", "MultipleFacesError", "ImageError",
    "detect", "landmarks", "aligned_chip", "describe", "describe_chip", "most_central", "analyse", "embed_single", "embed_box", "distance",
    "is_match", "model_info",
]
