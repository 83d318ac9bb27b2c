"""facecourse.grading.wire: answers travel by value, and the grader decodes only what it trusts."""

from __future__ import annotations

import base64
import datetime as dt
import io
import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from facecourse.charts import ChartSpec, spec_summary
from facecourse.grading import wire


def _round_trip(value):
    handles = []

    def handle(obj):
        handles.append(obj)
        return {wire.TAG: "handle", "id": len(handles), "type": wire._type_names(obj), "callable": callable(obj)}

    return wire.decode(wire.encode(value, handle), handle=lambda info: ("handle", info["id"], info["callable"]))


@pytest.mark.parametrize("value", [
    1, -2 ** 70, 2.5, float("inf"), "text", None, True, (1, 2), [1, (2, 3)], {3, 1}, frozenset({"a"}),
    {"a": 1, (1, 2): [3], 4: None}, b"\x00\xff", 3 - 4j, ..., np.float64(2.5), np.float32(1.5), np.int64(-3),
    np.uint8(7), np.bool_(False), np.str_("x"), np.datetime64("2020-01-01T10:00"), np.timedelta64(3, "s"),
    np.arange(6).reshape(2, 3), np.array(["a", "bc"]), np.zeros((0, 3)), np.array([1, "x", None], dtype=object),
    pd.Timestamp("2020-01-01", tz="Europe/Paris"), pd.NaT, dt.date(2020, 1, 2), dt.datetime(2020, 1, 2, 3, 4),
    dt.timedelta(days=2, seconds=3), pd.Timedelta("1h"), pd.RangeIndex(2, 8, 2), pd.Index([2020, 2021], name="y"),
], ids=repr)
def test_plain_values_keep_their_value_and_type(value):
    got = _round_trip(value)
    assert type(got) is type(value)
    if isinstance(value, np.ndarray):
        assert got.dtype == value.dtype and got.shape == value.shape and (got == value).all()
    elif isinstance(value, pd.Index):
        pd.testing.assert_index_equal(got, value, exact=True)
    elif value is not pd.NaT:
        assert got == value


def test_nan_stays_nan():
    assert np.isnan(_round_trip(float("nan"))) and np.isnan(_round_trip(np.float32("nan")))


def test_pandas_objects_keep_dtypes_index_and_names():
    df = pd.DataFrame({"s": ["x", "y", None], "i": [1, 2, 3], "f": [1.0, None, 2.0],
                       "d": pd.to_datetime(["2020-01-01", "2021-01-01", None]), "b": [True, False, True],
                       "c": pd.Categorical(["u", "v", "u"]), "o": [None, "x", 1],
                       "n": pd.array([1, None, 3], dtype="Int64"),
                       "z": pd.to_datetime(["2020-01-01"] * 3).tz_localize("UTC")},
                      index=pd.Index([10, 20, 30], name="k"))
    pd.testing.assert_frame_equal(_round_trip(df), df)
    pivot = pd.DataFrame({"j": ["NL", "FR", "NL"], "year": [2021, 2022, 2022]}).pivot_table(
        index="j", columns="year", values="year", aggfunc="count", fill_value=0)
    got = _round_trip(pivot)
    pd.testing.assert_frame_equal(got, pivot)
    assert got.loc["NL", 2022] == 1  # integer column labels stay integers
    s = pd.Series([1.5, 2.5], index=pd.MultiIndex.from_tuples([("a", 1), ("b", 2)], names=["l", "n"]), name="v")
    pd.testing.assert_series_equal(_round_trip(s), s)


def test_subclasses_travel_as_the_plain_value_they_hold():
    class AlwaysEqual(float):
        def __eq__(self, other):
            return True

        __hash__ = float.__hash__

    class Yes(int):
        def __eq__(self, other):
            return True

        __hash__ = int.__hash__

    assert type(_round_trip(AlwaysEqual(0.5))) is float and _round_trip(AlwaysEqual(0.5)) != 0.7
    assert type(_round_trip(Yes(7))) is int and _round_trip([Yes(7)]) == [7]


def test_objects_without_a_plain_form_are_handles():
    class Mine:
        pass

    import weakref
    from unittest import mock

    keep = Mine()
    for obj in (Mine(), lambda x: x, mock.ANY, weakref.proxy(keep)):
        got = _round_trip(obj)
        assert got[0] == "handle"
    assert _round_trip(lambda: 1)[2] is True


def test_a_chart_arrives_as_its_vega_lite_spec():
    import altair as alt

    chart = alt.Chart(pd.DataFrame({"a": [1, 2]})).mark_bar().encode(x="a:Q").properties(title="T")
    got = _round_trip(chart)
    assert isinstance(got, ChartSpec) and got == chart.to_dict()
    assert spec_summary(got)["mark"] == "bar" and spec_summary(got)["title"] == "T"
    with pytest.raises(TypeError, match="should be an altair chart"):
        spec_summary({"mark": "bar"})  # a student's dict is not a chart
    broken = alt.Chart(pd.DataFrame({"a": [1]})).encode(x="a:Q")  # no mark: to_dict() fails
    unreadable = _round_trip(broken)
    assert isinstance(unreadable, wire.Unreadable) and "to_dict()" in unreadable.why


def _npy(array_bytes: bytes) -> dict:
    return {wire.TAG: "ndarray", "npy": base64.b64encode(array_bytes).decode()}


@pytest.mark.parametrize("bad", [
    {wire.TAG: "pickle", "v": base64.b64encode(pickle.dumps(1)).decode()},  # no such tag
    {wire.TAG: "dict", "v": [[[1], 2]]},  # unhashable key
    {wire.TAG: "float", "v": "1e999"},
    {wire.TAG: "npscalar", "dtype": "O", "v": 1},
    {wire.TAG: "npscalar", "dtype": "float64", "v": "x"},
    {wire.TAG: "objarray", "shape": [5], "v": [1]},
    {wire.TAG: "series", "data": {"kind": "numpy", "npy": ""}, "index": {wire.TAG: "rangeindex"}},
    {"a": 1},  # a plain JSON object is never a value
    {wire.TAG: "handle", "id": 1, "type": []},  # handles need a session
])
def test_malformed_values_are_refused(bad):
    with pytest.raises(wire.WireError):
        wire.decode(bad)


def test_an_object_array_saved_with_pickle_is_refused():
    buf = io.BytesIO()
    np.save(buf, np.array([1, None], dtype=object), allow_pickle=True)
    with pytest.raises(wire.WireError):
        wire.decode(_npy(buf.getvalue()))


def test_limits_hold():
    buf = io.BytesIO()
    np.save(buf, np.zeros(1000))
    with pytest.raises(wire.WireError, match="larger"):
        wire.decode(_npy(buf.getvalue()), limits=wire.Limits(max_bytes=1000))
    nested = []
    for _ in range(200):
        nested = [nested]
    with pytest.raises(wire.WireError, match="deeply"):
        wire.encode(nested)
    deep = {wire.TAG: "tuple", "v": []}
    for _ in range(100):
        deep = {wire.TAG: "tuple", "v": [deep]}
    with pytest.raises(wire.WireError, match="deeply"):
        wire.decode(deep)
    with pytest.raises(wire.WireError, match="items"):
        wire.decode(list(range(100)), limits=wire.Limits(max_items=50))


def test_paths_arrive_as_paths_and_faiss_indexes_by_value():
    """A notebook's folder arrives as a ``Path`` of the same string; a FAISS index as a FAISS index the grader
    reads itself (its type, ids and search results), never as a handle C code would be given."""
    import faiss

    assert wire.decode(wire.encode(Path("/tmp/x/collection"))) == Path("/tmp/x/collection")
    index = faiss.IndexIDMap2(faiss.IndexHNSWFlat(8, 16))
    x = np.random.default_rng(0).random((20, 8), dtype=np.float32)
    index.add_with_ids(x, np.arange(20) + 100)
    got = wire.decode(wire.encode(index))
    assert isinstance(got, faiss.IndexIDMap2) and got.ntotal == 20
    assert isinstance(faiss.downcast_index(got.index), faiss.IndexHNSWFlat)
    assert (got.search(x[:3], 1)[1].ravel() == [100, 101, 102]).all()
    with pytest.raises(wire.WireError):
        wire.decode({wire.TAG: "faiss", "v": "AAAA"})
