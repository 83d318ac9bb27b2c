"""facecourse.faces: detection, landmarks, chips and embeddings on the example photos."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from facecourse import data, faces
from facecourse.faces import DOCUMENTED, MultipleFacesError, NoFaceError, Settings


@pytest.fixture(scope="module")
def two_people():
    return faces.analyse(data.example_path("two_people.jpg"))


def test_analyse_finds_both_faces_with_provenance(two_people):
    assert len(two_people) == 2
    for f in two_people:
        assert f.embedding.shape == (128,) and f.embedding.dtype == np.float32
        assert f.landmarks.shape == (5, 2)
        assert f.detector == "hog" and f.source.endswith("two_people.jpg")


def test_same_person_is_closer_than_different_people(two_people):
    obama = faces.embed_single(data.example_path("obama.jpg"))
    obama2 = faces.embed_single(data.example_path("knn_examples/train/obama/obama2.jpg"))
    biden = faces.embed_single(data.example_path("biden.jpg"))
    assert faces.distance(obama.embedding, obama2.embedding) < 0.6
    assert faces.distance(obama.embedding, biden.embedding) > 0.6
    left = min(two_people, key=lambda f: f.box.left)  # Obama stands on the left
    assert faces.is_match(left.embedding, obama.embedding)


def test_identical_to_face_recognitions_documented_usage():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import face_recognition
    path = data.example_path("knn_examples/train/biden/biden2.jpg")
    img = face_recognition.load_image_file(path)
    locations = face_recognition.face_locations(img)
    expected = face_recognition.face_encodings(img, locations)
    ours = faces.analyse(img, DOCUMENTED)
    assert [f.box.as_tuple() for f in ours] == locations
    np.testing.assert_allclose(np.stack([f.embedding for f in ours]), np.stack(expected), atol=1e-6)


def test_several_faces_are_reported_not_guessed():
    path = data.example_path("two_people.jpg")
    with pytest.raises(MultipleFacesError, match="2 faces found") as err:
        faces.embed_single(path)
    assert "choose='central'" in str(err.value)
    chosen = faces.embed_single(path, choose="largest")
    assert chosen.extra["faces_found"] == 2


def test_no_face_is_reported():
    blank = np.full((120, 160, 3), 128, np.uint8)
    with pytest.raises(NoFaceError, match="no face found"):
        faces.embed_single(blank)
    assert faces.analyse(blank) == []


def test_landmarks_and_chip_shapes(two_people):
    img = data.example_path("two_people.jpg")
    box = two_people[0].box
    assert faces.landmarks(img, box, points=68).shape == (68, 2)
    assert faces.aligned_chip(img, box).shape == (150, 150, 3)


def test_lfw_settings_on_a_small_lfw_face():
    path = data.lfw_image_path("Colin_Powell", 1) if (data.cache_dir() / "lfw/images/Colin_Powell/Colin_Powell_0001.jpg").exists() \
        else next((data.cache_dir() / "lfw" / "images").rglob("*.jpg"))
    f = faces.embed_single(path, faces.LFW, choose="central")
    assert f.embedding.shape == (128,) and np.isfinite(f.embedding).all()
    assert 0 <= f.box.left < f.box.right <= 150


@pytest.mark.parametrize("kw", [{"detector": "sift"}, {"landmarks": 7}, {"upsample": 9}, {"upsample": True},
                                {"upscale": 0.5}])
def test_bad_settings(kw):
    with pytest.raises(ValueError):
        Settings(**kw)


def test_bad_inputs():
    with pytest.raises(TypeError):
        faces.analyse(42)
    with pytest.raises(ValueError, match="choose"):
        faces.embed_single(np.zeros((10, 10, 3), np.uint8), choose="random")
    with pytest.raises(ValueError, match="128"):
        faces.distance(np.zeros(3), np.zeros(3))


# ----------------------------------------------------------------------------- what lessons B1-B3 claim


def _face_recognition():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import face_recognition
    return face_recognition


@pytest.fixture(scope="module")
def group():
    """Lesson B1's photo, shrunk to 600 px wide: HOG finds 2 faces at upsample 0 and 3 at 1."""
    from PIL import Image

    img = _face_recognition().load_image_file(data.example_path("knn_examples/test/obama_and_biden.jpg"))
    return np.asarray(Image.fromarray(img).resize((600, round(img.shape[0] * 600 / img.shape[1])), Image.BILINEAR))


@pytest.mark.parametrize("upsample", [0, 1])
def test_detect_gives_face_locations_boxes_at_every_upsample(group, upsample):
    expected = _face_recognition().face_locations(group, number_of_times_to_upsample=upsample)
    assert [f.box.as_tuple() for f in faces.detect(group, upsample=upsample)] == expected
    assert len(expected) == (2, 3)[upsample]  # the exercise B1 public check relies on these counts


def test_box_converts_to_and_from_dlib_rectangles():
    import dlib

    rect = dlib.rectangle(20, 10, 60, 70)  # left, top, right, bottom
    box = faces.Box.from_dlib(rect)
    assert box.as_tuple() == (10, 60, 70, 20) and box.to_dlib() == rect
    assert box.width == 40 and rect.width() == 41  # dlib counts pixels inclusively: never build boxes from width()


def test_landmarks_are_face_recognitions_points(group):
    fr = _face_recognition()
    box = faces.detect(group)[0].box
    points = faces.landmarks(group, box, points=68)
    marks = fr.face_landmarks(group, [box.as_tuple()])[0]
    assert [tuple(p) for p in points[36:42].tolist()] == marks["left_eye"]  # image-left eye
    assert [tuple(p) for p in points[42:48].tolist()] == marks["right_eye"]


def test_embed_box_is_face_encodings_with_a_known_location():
    fr = _face_recognition()
    img = fr.load_image_file(data.example_path("two_people.jpg"))
    box = max(fr.face_locations(img), key=lambda b: b[3])  # the face on the right
    expected = fr.face_encodings(img, known_face_locations=[box])[0]
    np.testing.assert_allclose(faces.embed_box(img, box).embedding, expected, atol=1e-6)


def test_docstring_examples_run():
    import doctest

    result = doctest.testmod(faces, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 30 and result.failed == 0


def test_every_public_function_and_class_is_documented_with_an_example():
    import inspect

    for name in faces.__all__:
        obj = getattr(faces, name)
        if not (inspect.isfunction(obj) or inspect.isclass(obj)):
            continue
        doc = inspect.getdoc(obj) or ""
        assert doc, f"faces.{name} has no docstring"
        if name not in ("NoFaceError", "MultipleFacesError"):  # FaceError's example covers both
            assert ">>>" in doc, f"faces.{name}'s docstring has no example"
