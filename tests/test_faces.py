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
