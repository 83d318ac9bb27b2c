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


# --- the whole specification (issue 22): facets, transforms, scales, what is drawn -------------------------

BARS = pd.DataFrame({"crawler": ["polite", "polite", "careless", "careless"], "status": ["200", "404", "200", "429"],
                     "requests": [40, 2, 90, 35]})


def _bars(**scale):
    return alt.Chart(BARS).mark_bar().encode(
        x="status:N", y=alt.Y("requests:Q", scale=alt.Scale(**scale) if scale else alt.Undefined),
        color="crawler:N", xOffset="crawler:N", tooltip=["requests:Q"])


def test_a_facet_is_read_from_its_inner_spec_and_shows_as_a_channel():
    s = spec_summary(_bars().facet(column="crawler:N").properties(title="T"))
    assert s["mark"] == "bar" and s["composition"] == "facet"
    assert s["encoding"]["column"]["field"] == "crawler" and s["encoding"]["y"]["field"] == "requests"
    assert len(s["drawn"]) == 4 and s["tooltip"] == {"requests"} and s["title"] == "T"
    wrapped = spec_summary(_bars().facet("crawler:N", columns=2))
    assert wrapped["encoding"]["facet"]["field"] == "crawler"


def test_concat_and_layers_list_every_mark():
    s = spec_summary(alt.hconcat(_bars(), _bars().mark_point()))
    assert s["composition"] == "concat" and s["marks"] == ["bar", "point"] and s["views"] == 2


@pytest.mark.parametrize("flt, kept", [
    (alt.datum.crawler != "careless", 2),
    ((alt.datum.requests > 10) & (alt.datum["status"] == "200"), 2),
    ("datum.requests >= 35 || datum.status === '404'", 4),
    (alt.FieldOneOfPredicate(field="status", oneOf=["200", "429"]), 3),
    (alt.FieldRangePredicate(field="requests", range=[2, 40]), 3),
    (alt.FieldGTPredicate(field="requests", gt=35), 2),
    ({"not": {"field": "crawler", "equal": "polite"}}, 2),
    ("!(datum.requests < 3) && isValid(datum.status)", 3),
])
def test_filters_written_in_altair_show_in_the_drawn_rows(flt, kept):
    s = spec_summary(_bars().transform_filter(flt))
    assert len(s["rows"]) == 4 and len(s["drawn"]) == kept and s["unread"] == []
    assert s["transforms"] and "filter" in s["transforms"][0]


def test_calculate_and_aggregates_are_applied():
    s = spec_summary(_bars().transform_calculate(share="datum.requests / 100"))
    assert [r["share"] for r in s["drawn"]] == [0.4, 0.02, 0.9, 0.35]
    s = spec_summary(alt.Chart(BARS).mark_bar().encode(x="crawler:N", y="sum(requests):Q"))
    assert sorted((r["crawler"], r["requests"]) for r in s["drawn"]) == [("careless", 125), ("polite", 42)]
    s = spec_summary(alt.Chart(BARS).mark_bar().encode(x="crawler:N", y="count():Q"))
    assert sorted(r["__count"] for r in s["drawn"]) == [2, 2]
    s = spec_summary(alt.Chart(BARS).transform_aggregate(total="sum(requests)", groupby=["status"]).mark_bar()
                     .encode(x="status:N", y="total:Q"))
    assert {r["status"]: r["total"] for r in s["drawn"]} == {"200": 130, "404": 2, "429": 35}


@pytest.mark.parametrize("expr", ["datum.requests > Math.PI", "__import__('os').system('true')",
                                  "datum.requests.__class__", "datum.x ? 1 : 0", "[1][0]"])
def test_an_expression_it_cannot_read_is_reported_never_run(expr):
    s = spec_summary(_bars().transform_filter(expr))
    assert s["drawn"] is None and s["unread"]
    with pytest.raises(AssertionError, match="cannot read"):
        charts.drawn_rows(s, "c")


def test_scale_settings_are_reported():
    s = spec_summary(_bars(zero=False, domain=[1, 100], clamp=True))
    y = s["encoding"]["y"]
    assert y["zero"] is False and y["domain"] == [1, 100] and y["clamp"] is True and y["scale"] is None


@pytest.mark.parametrize("scale, words", [
    ({"type": "log"}, "log scale"), ({"type": "sqrt"}, "sqrt scale"), ({"zero": False}, "start at zero"),
    ({"domain": [10, 100]}, "starts at 10"), ({"domain": [0, 50], "clamp": True}, "clamped"),
    ({"domainMax": 50}, "cut off"),
])
def test_bars_that_do_not_start_at_zero_or_are_cut_fail_with_a_sentence(scale, words):
    with pytest.raises(AssertionError, match=words) as info:
        charts.expect_bars_from_zero(spec_summary(_bars(**scale)), "y", "status_chart")
    assert len(str(info.value).splitlines()) == 1


def test_honest_bars_pass_and_stacked_bars_count_their_sum():
    charts.expect_bars_from_zero(spec_summary(_bars()), "y", "c")
    charts.expect_bars_from_zero(spec_summary(_bars(domain=[0, 100])), "y", "c")
    stacked = alt.Chart(BARS).mark_bar().encode(x="status:N", y=alt.Y("requests:Q", scale=alt.Scale(domain=[0, 100])),
                                                color="crawler:N")
    with pytest.raises(AssertionError, match="does not reach"):
        charts.expect_bars_from_zero(spec_summary(stacked), "y", "c")   # 40 + 90 = 130 > 100


def test_a_nominal_domain_that_drops_a_group_fails():
    c = _bars().encode(color=alt.Color("crawler:N", scale=alt.Scale(domain=["polite"])))
    with pytest.raises(AssertionError, match="leaves out"):
        charts.expect_domain_shows_all(spec_summary(c), "color", "c")


@pytest.mark.parametrize("title, description, ok", [
    ("Requests per status", "Bars of requests per HTTP status for each crawler.", True),
    ("Title", "Bars of requests per HTTP status.", False), ("TODO", "Bars of requests per HTTP status.", False),
    ("Requests", "", False), ("Requests", "TODO", False), ("Requests", "Chart", False),
    ("Requests per status", "Requests per status", False), ("...", "Bars of requests per status.", False),
])
def test_placeholder_titles_and_descriptions_fail(title, description, ok):
    s = spec_summary(_bars().properties(title=title, description=description))
    if ok:
        charts.expect_titled(s, "c")
    else:
        with pytest.raises(AssertionError, match="needs a"):
            charts.expect_titled(s, "c")


def test_mark_tooltip_true_shows_every_encoded_field():
    s = spec_summary(alt.Chart(BARS).mark_bar(tooltip=True).encode(x="status:N", y="requests:Q"))
    assert s["tooltip"] == {"status", "requests"}


@pytest.mark.parametrize("expr", ["'a' * 1000000000 == 'a'", "datum.status * 1000000000 > 0", "pow(9, 999999999) > 0",
                                  "(" * 400 + "1" + ")" * 400, "1 " + "+ 1 " * 3000])
def test_a_hostile_expression_costs_nothing(expr):
    import time
    start = time.perf_counter()
    s = spec_summary(_bars().transform_filter(expr))
    assert time.perf_counter() - start < 2
    assert s["drawn"] == [] or s["drawn"] is None


def test_arithmetic_follows_javascript_numbers():
    s = spec_summary(_bars().transform_calculate(x="datum.requests % 7 + 0.5", y="datum.status + 'x'"))
    assert [r["x"] for r in s["drawn"]] == [5.5, 2.5, 6.5, 0.5] and s["drawn"][0]["y"] == "200x"


@pytest.mark.parametrize("transform", [{"filter": {"field": "requests", "range": 3}}, {"calculate": "1"},
                                       {"aggregate": [{"op": "sum", "field": "requests"}], "groupby": 5},
                                       {"window": [{"op": "rank", "as": "r"}]}])
def test_a_malformed_or_unknown_transform_is_reported(transform):
    spec = charts.ChartSpec(_bars().to_dict())
    spec["transform"] = [transform]
    s = spec_summary(spec)
    assert s["drawn"] is None and s["unread"] and s["transforms"] == [transform]


def test_data_a_chart_cannot_save_is_a_clear_error():
    import datetime
    df = BARS.assign(day=[datetime.date(2020, 2, 26)] * 4)
    with pytest.raises(TypeError, match="'day', of Python date values, which a chart cannot save"):
        spec_summary(alt.Chart(df).mark_bar().encode(x="status:N", y="requests:Q"), "usage_chart")
