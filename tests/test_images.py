"""facecourse.images: every real-world oddity becomes RGB uint8, or a clear typed error."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from facecourse import images
from facecourse.images import CorruptImageError, ImageTooLargeError, NotAnImageError, load_image


def _encode(img: Image.Image, fmt: str = "PNG", **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format=fmt, **kw)
    return buf.getvalue()


def test_exif_rotation_is_applied():
    # a 40x20 landscape image tagged "rotate 90 degrees clockwise to display" (orientation 6)
    img = Image.new("RGB", (40, 20), (255, 0, 0))
    img.paste((0, 0, 255), (0, 0, 10, 20))  # left strip blue
    exif = Image.Exif()
    exif[0x0112] = 6
    arr = load_image(_encode(img, "JPEG", exif=exif, quality=95))
    assert arr.shape == (40, 20, 3)  # now portrait
    assert arr[2, 10, 2] > 200 and arr[2, 10, 0] < 60  # the blue strip is on top after rotation


@pytest.mark.parametrize("mode,value", [("L", 128), ("1", 1), ("P", 3), ("CMYK", (0, 255, 255, 0)),
                                        ("I;16", 65535), ("I", 70000), ("F", 0.5), ("LA", (10, 255))])
def test_modes_become_rgb_uint8(mode, value, tmp_path):
    img = Image.new(mode, (8, 6), value)
    fmt = {"CMYK": "JPEG", "I": "TIFF", "F": "TIFF", "I;16": "PNG"}.get(mode, "PNG")
    arr = load_image(_encode(img, fmt))
    assert arr.dtype == np.uint8 and arr.shape == (6, 8, 3)


def test_sixteen_bit_scales_to_eight():
    arr = load_image(_encode(Image.new("I;16", (4, 4), 65535)))
    assert arr.max() == 255


def test_rgba_is_composited_on_white():
    arr = load_image(_encode(Image.new("RGBA", (4, 4), (0, 0, 0, 0))))
    assert (arr == 255).all()


def test_not_an_image():
    with pytest.raises(NotAnImageError, match="not an image"):
        load_image(b"<html>this is a web page</html>")


def test_truncated_image(tmp_path):
    data = _encode(Image.effect_noise((200, 200), 60).convert("RGB"), "JPEG")
    p = tmp_path / "cut.jpg"
    p.write_bytes(data[: len(data) // 2])
    with pytest.raises(CorruptImageError, match="damaged or cut short"):
        load_image(p)


def test_pixel_guard_refuses_before_decoding():
    data = _encode(Image.new("L", (3000, 3000)), "PNG")  # tiny file, 9 Mpx
    with pytest.raises(ImageTooLargeError, match="over the limit"):
        load_image(data, max_pixels=1_000_000)


def test_decompression_bomb_refused_by_default(monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100_000)
    with pytest.raises(ImageTooLargeError):
        load_image(_encode(Image.new("L", (500, 500)), "PNG"))


def test_wrong_types_and_missing_files(tmp_path):
    with pytest.raises(TypeError, match="file path, bytes"):
        load_image(12345)
    with pytest.raises(FileNotFoundError):
        load_image(tmp_path / "nope.jpg")
    with pytest.raises(images.ImageError, match="folder"):
        load_image(tmp_path)
    with pytest.raises(TypeError):
        load_image(b"x", max_pixels=-1)


def test_as_rgb_array_accepts_arrays():
    gray = np.zeros((5, 7), np.uint8)
    assert images.as_rgb_array(gray).shape == (5, 7, 3)
    rgba = np.zeros((5, 7, 4), np.uint8)
    assert images.as_rgb_array(rgba).shape == (5, 7, 3)
    floats = np.ones((5, 7, 3)) * 0.5
    assert images.as_rgb_array(floats).max() == 128
    with pytest.raises(images.ImageError):
        images.as_rgb_array(np.zeros((5, 7, 2)))


def test_docstring_examples_run():
    import doctest

    result = doctest.testmod(images, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 10 and result.failed == 0


def test_public_functions_are_documented_with_an_example():
    for fn in (images.load_image, images.as_rgb_array, images.to_rgb_uint8, images.ImageError):
        assert ">>>" in (fn.__doc__ or ""), f"{fn.__name__} has no example in its docstring"
