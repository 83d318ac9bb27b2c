"""facecourse.charts.spec_summary: what the exercises' chart checks read."""

from __future__ import annotations

import doctest

import altair as alt
import pandas as pd
import pytest

from facecourse import charts
from facecourse.charts import spec_summary

DF = pd.DataFrame({"fmr": [0.1, 0.01], "fnmr": [0.02, 0.2], "threshold": [0.6, 0.5], "kind": ["a", "b"]})


def test_docstring_examples_run():
    result = doctest.testmod(charts)
    assert result.attempted >= 5 and result.failed == 0


def test_shorthand_and_explicit_encodings_read_the_same():
    short = alt.Chart(DF).mark_line().encode(x="fmr:Q", y="fnmr:Q", tooltip="threshold:Q")
    explicit = alt.Chart(DF).mark_line(point=True).encode(
        x=alt.X("fmr", type="quantitative"), y=alt.Y("fnmr:Q"), tooltip=[alt.Tooltip("threshold:Q", format=".2f")])
    a, b = spec_summary(short), spec_summary(explicit)
    assert a["mark"] == b["mark"] == "line"
    assert a["encoding"] == b["encoding"] == {
        "x": {"field": "fmr", "type": "quantitative", "scale": None},
        "y": {"field": "fnmr", "type": "quantitative", "scale": None}}
    assert a["tooltip"] == b["tooltip"] == {"threshold"}


def test_scale_title_description_and_rows():
    c = alt.Chart(DF[DF["kind"] == "a"]).mark_bar().encode(
        x=alt.X("fmr:Q", scale=alt.Scale(type="log")), y="kind:N").properties(
        title=alt.TitleParams("A title", subtitle="sub"), description="alt text")
    s = spec_summary(c)
    assert s["encoding"]["x"]["scale"] == "log" and s["encoding"]["y"]["scale"] is None
    assert s["title"] == "A title" and s["description"] == "alt text"
    assert s["rows"] == [{"fmr": 0.1, "fnmr": 0.02, "threshold": 0.6, "kind": "a"}]


def test_missing_parts_read_as_empty():
    s = spec_summary(alt.Chart(DF).mark_point().encode(x="fmr:Q"))
    assert s["title"] == "" and s["description"] == "" and s["tooltip"] == set()
    assert "y" not in s["encoding"]


def test_a_layered_chart_is_read_from_its_first_layer_with_shared_encodings():
    base = alt.Chart(DF).encode(x="fmr:Q", y="fnmr:Q", tooltip=["threshold:Q"])
    layered = (base.mark_line() + base.mark_point()).properties(title="T", description="D")
    s = spec_summary(layered)
    assert s["mark"] == "line" and s["encoding"]["x"]["field"] == "fmr" and s["tooltip"] == {"threshold"}
    assert s["title"] == "T" and len(s["rows"]) == 2


def test_a_multi_line_title_is_joined():
    assert spec_summary(alt.Chart(DF).mark_point().properties(title=["one", "two"]))["title"] == "one two"


@pytest.mark.parametrize("not_a_chart", [None, DF, {"mark": "line"}, "chart"])
def test_not_a_chart_is_a_clear_error(not_a_chart):
    with pytest.raises(TypeError, match="det_plot should be an altair chart"):
        spec_summary(not_a_chart, "det_plot")
