"""Load real-world image files robustly, as RGB uint8 arrays, or fail with a clear typed error.

Handles what arrives in practice: EXIF-rotated phone photos, grayscale, palette, RGBA/LA (alpha
composited on white), 16-bit and float images, CMYK, 1-bit; refuses decompression bombs before
decoding them, and names the problem when the bytes are not an image or are cut short.

Every face function accepts what ``as_rgb_array`` accepts (a path, bytes, a Pillow image or an
array), so notebooks rarely call these directly. ``face_recognition.load_image_file(path)`` does
the simple case (RGB array from a file); ``load_image`` also turns phone photos upright (EXIF) and
refuses what is not an image with a clear error.

    >>> from facecourse import data
    >>> from facecourse.images import load_image
    >>> load_image(data.example_path("obama.jpg")).shape
    (1137, 910, 3)
"""

from __future__ import annotations

import io
import os
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

#: Refuse images with more pixels than this (about a 9,000 x 9,000 photo). Decoding a "bomb"
#: (a small file that expands to billions of pixels) would exhaust memory on Binder.
DEFAULT_MAX_PIXELS = 80_000_000


class ImageError(ValueError):
    """An image could not be used; the message says why and what to do. A ``ValueError``.

    Example::

        >>> try:
        ...     load_image(b"not an image")
        ... except ImageError as err:
        ...     print(type(err).__name__)
        NotAnImageError
    """


class NotAnImageError(ImageError):
    """The bytes are not an image format that Pillow can read."""


class CorruptImageError(ImageError):
    """The file looks like an image but cannot be decoded (truncated or damaged)."""


class ImageTooLargeError(ImageError):
    """The image has more pixels than allowed (possible decompression bomb)."""


def _describe(source) -> str:
    if isinstance(source, (str, os.PathLike)):
        return str(source)
    if isinstance(source, (bytes, bytearray, memoryview)):
        return f"<{len(source)} bytes>"
    return repr(source)[:80]


def _open(source):
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if not path.exists():
            raise FileNotFoundError(f"no such image file: {path}")
        if path.is_dir():
            raise ImageError(f"{path} is a folder, not an image file")
        return Image.open(path)
    if isinstance(source, (bytes, bytearray, memoryview)):
        return Image.open(io.BytesIO(bytes(source)))
    if hasattr(source, "read"):
        return Image.open(source)
    raise TypeError(
        f"load_image expects a file path, bytes or a binary file object; got {type(source).__name__}. "
        "(To use an array you already have, pass it to the face functions directly.)"
    )


def to_rgb_uint8(img: Image.Image) -> np.ndarray:
    """Convert a Pillow image of any mode to an (H, W, 3) uint8 array.

    Transparent images are composited on white; 16-bit images are scaled to 8 bits; 32-bit and
    float images are stretched to 0-255; grey, palette, CMYK... become RGB.

    Example::

        >>> to_rgb_uint8(Image.new("RGBA", (4, 2), (0, 0, 0, 0)))[0, 0].tolist()  # transparent -> white
        [255, 255, 255]
        >>> to_rgb_uint8(Image.new("L", (4, 2), 7)).shape
        (2, 4, 3)
    """
    mode = img.mode
    if mode in ("RGBA", "LA", "PA") or (mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return np.asarray(Image.alpha_composite(background, rgba).convert("RGB"))
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        arr = np.asarray(img, dtype=np.float64)
        if mode.startswith("I;16"):
            arr = arr / 257.0
        else:  # 32-bit int or float: stretch the actual range into 0..255
            lo, hi = float(np.nanmin(arr)), float(np.nanmax(arr))
            arr = (arr - lo) * (255.0 / (hi - lo)) if hi > lo else np.zeros_like(arr)
        gray = np.clip(np.nan_to_num(arr), 0, 255).round().astype(np.uint8)
        return np.repeat(gray[:, :, None], 3, axis=2)
    return np.asarray(img.convert("RGB"))  # L, 1, P, CMYK, YCbCr, RGB, ...


def load_image(source, max_pixels: int = DEFAULT_MAX_PIXELS) -> np.ndarray:
    """Read an image file (path, bytes or file object) as an RGB uint8 array, upright.

    ``source`` is a file path, ``bytes`` or a binary file object; ``max_pixels`` refuses larger
    images before decoding them. Returns an (H, W, 3) uint8 array, rotated as the EXIF tag says.
    Raises ``NotAnImageError``, ``CorruptImageError``, ``ImageTooLargeError`` (all
    ``ImageError``, a ``ValueError``), ``FileNotFoundError`` or ``TypeError``.

    Example::

        >>> import io
        >>> buf = io.BytesIO()
        >>> Image.new("L", (40, 30), 200).save(buf, format="PNG")
        >>> pixels = load_image(buf.getvalue())
        >>> pixels.shape, pixels.dtype.name, pixels[0, 0].tolist()
        ((30, 40, 3), 'uint8', [200, 200, 200])
        >>> load_image(buf.getvalue(), max_pixels=100)
        Traceback (most recent call last):
        ...
        facecourse.images.ImageTooLargeError: <... bytes> is 40 x 30 = 1,200 pixels, over the limit of 100. ...
    """
    if isinstance(max_pixels, bool) or not isinstance(max_pixels, int) or max_pixels <= 0:
        raise TypeError(f"max_pixels must be a positive int, got {max_pixels!r}")
    what = _describe(source)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = _open(source)
    except UnidentifiedImageError:
        raise NotAnImageError(f"{what} is not an image Pillow can read (JPEG, PNG, ...). Is it the right file?") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageTooLargeError(f"{what}: refused as a possible decompression bomb ({exc})") from None
    with img:
        w, h = img.size
        if w * h > max_pixels:
            raise ImageTooLargeError(
                f"{what} is {w} x {h} = {w * h:,} pixels, over the limit of {max_pixels:,}. "
                "Resize it first, or pass a larger max_pixels if you trust the file."
            )
        if w == 0 or h == 0:
            raise CorruptImageError(f"{what} has no pixels ({w} x {h})")
        previous = ImageFile.LOAD_TRUNCATED_IMAGES
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        try:
            img.load()
            img = ImageOps.exif_transpose(img)
        except (OSError, SyntaxError, ValueError) as exc:
            raise CorruptImageError(f"{what} could not be decoded: {exc}. The file is damaged or cut short.") from None
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = previous
        return np.ascontiguousarray(to_rgb_uint8(img))


def as_rgb_array(image) -> np.ndarray:
    """Accept a path/bytes (loaded with ``load_image``), a Pillow image or an array; return RGB uint8 (H, W, 3).

    Arrays: grey (H, W) becomes RGB, an alpha channel is dropped, floats in 0-1 are scaled to
    0-255 and other dtypes clipped to 0-255. Raises ``ImageError`` for an array of another shape
    or an empty one.

    Example::

        >>> import numpy as np
        >>> as_rgb_array(np.zeros((5, 7), np.uint8)).shape
        (5, 7, 3)
        >>> int(as_rgb_array(np.full((2, 2, 3), 0.5)).max())
        128
        >>> as_rgb_array(Image.new("RGB", (3, 2))).shape
        (2, 3, 3)
    """
    if isinstance(image, np.ndarray):
        arr = image
        if arr.ndim == 2:
            arr = np.repeat(arr[:, :, None], 3, axis=2)
        if arr.ndim != 3 or arr.shape[2] not in (3, 4):
            raise ImageError(f"expected an image array of shape (H, W, 3); got {image.shape}")
        if arr.shape[2] == 4:
            arr = arr[:, :, :3]
        if arr.dtype != np.uint8:
            if np.issubdtype(arr.dtype, np.floating) and arr.size and float(np.nanmax(arr)) <= 1.0:
                arr = arr * 255.0
            arr = np.clip(np.nan_to_num(arr.astype(np.float64)), 0, 255).round().astype(np.uint8)
        if arr.shape[0] == 0 or arr.shape[1] == 0:
            raise ImageError("the image array is empty")
        return np.ascontiguousarray(arr)
    if isinstance(image, Image.Image):
        return np.ascontiguousarray(to_rgb_uint8(ImageOps.exif_transpose(image)))
    return load_image(image)
