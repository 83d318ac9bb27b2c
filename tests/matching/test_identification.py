"""facecourse.identification: the LFW gallery, the search explorer's logic, rank-1 and open-set numbers."""

from __future__ import annotations

import pytest

from facecourse import identification


@pytest.fixture(scope="module")
def gallery():
    return identification.lfw_gallery()


def test_gallery_has_every_face_with_its_official_url(gallery):
    assert len(gallery) == 13232
    assert gallery.records["source"].str.startswith("http://vis-www.cs.umass.edu/lfw/images/").all()


def test_search_results_leave_out_the_probe_and_link_sources(gallery):
    probe = "images/Gordon_Brown/Gordon_Brown_0002.jpg"
    table = identification.search_results(gallery, probe, k=5, threshold=None)
    assert len(table) == 5 and list(table["rank"]) == [1, 2, 3, 4, 5]
    assert not table["source"].str.endswith("Gordon_Brown_0002.jpg").any()
    assert table["same person"].iloc[0]
    assert table["distance"].is_monotonic_increasing


def test_threshold_filters_candidates(gallery):
    probe = "images/Gordon_Brown/Gordon_Brown_0002.jpg"
    strict = identification.search_results(gallery, probe, k=20, threshold=0.3)
    loose = identification.search_results(gallery, probe, k=20, threshold=0.7)
    assert (strict["distance"] <= 0.3).all() and len(strict) <= len(loose)


def test_unknown_probe_is_a_clear_error(gallery):
    with pytest.raises(ValueError, match="not a photo in the gallery"):
        identification.search_results(gallery, "images/Nobody/Nobody_0001.jpg")


def test_rank1_falls_as_distractors_are_added():
    df = identification.closed_set_rank1([1680, 5748])
    assert df["rank-1 accuracy"].iloc[0] >= df["rank-1 accuracy"].iloc[1] > 0.8
    with pytest.raises(ValueError):
        identification.closed_set_rank1([10])


def test_open_set_false_alarms_are_counted():
    r = identification.open_set_false_alarms(threshold=0.6, probes=200)
    assert r["searches"] == 200 and 0 <= r["FPIR"] <= 1
    assert identification.open_set_false_alarms(threshold=0.0, probes=50)["FPIR"] == 0.0


def test_explorer_widget_reacts_to_its_controls(gallery):
    ui = identification.search_explorer(gallery, ["Gordon_Brown", "Tony_Blair"])
    person, photo = ui.children[0].children
    k, threshold = ui.children[1].children
    assert photo.value.startswith("images/Gordon_Brown/")
    assert ui.last_table["identity"].iloc[0] == "Gordon_Brown"
    person.value = "Tony_Blair"
    assert photo.value.startswith("images/Tony_Blair/")
    assert (ui.last_table["identity"] == "Tony_Blair").any()
    k.value = 3
    assert len(ui.last_table) <= 3
    threshold.value = 0.35
    assert (ui.last_table["distance"] <= 0.35).all()
    html = ui.children[2].value
    assert "<table" in html or "No candidate" in html


USED_BY_LESSONS = {
    "metrics": ["rates_at", "det_curve", "eer", "threshold_for_fmr", "accuracy", "best_threshold", "lfw_view2",
                "summarise_view2", "expected_false_candidates", "prob_at_least_one_false_match",
                "positive_predictive_value"],
    "identification": ["lfw_gallery", "search_results", "closed_set_rank1", "open_set_false_alarms", "search_explorer"],
    "gallery": ["Gallery", "Match", "Gallery.add", "Gallery.add_many", "Gallery.remove", "Gallery.distances",
                "Gallery.search", "Gallery.identify", "Gallery.results_table"],
    "precomputed": ["load", "pair_distances", "metadata"],
    "charts": ["distance_histogram", "det_chart"],
}


@pytest.mark.parametrize("module, name", [(m, n) for m, names in USED_BY_LESSONS.items() for n in names])
def test_what_lessons_use_is_documented_with_an_example(module, name):
    import importlib

    obj = importlib.import_module(f"facecourse.matching.{module}")
    for part in name.split("."):
        obj = getattr(obj, part)
    doc = obj.__doc__ or ""
    assert len(doc) > 40, f"{module}.{name} needs a docstring"
    if name != "Match":  # a plain record: its fields are the documentation
        assert ">>>" in doc, f"{module}.{name}'s docstring needs a short example"
