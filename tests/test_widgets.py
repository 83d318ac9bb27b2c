"""facecourse.widgets: the one explorer helper (controls in, a render function, an HTML output)."""

import doctest

import ipywidgets as widgets
import pandas as pd
import pytest

from facecourse import widgets as fw


def _table():
    return pd.DataFrame({"name": ["Ann", "Bob", "<Eve>"], "age": [31, 45, 28]})


def test_a_value_change_updates_the_result_and_the_output():
    df = _table()
    calls = []

    def render(min_age, column):
        calls.append((min_age, column))
        return df.loc[df["age"] >= min_age, [column]]

    ui = fw.explorer({"min_age": widgets.IntSlider(value=0, min=0, max=100),
                      "column": widgets.Dropdown(options=["name", "age"])}, render)
    assert isinstance(ui, widgets.VBox) and ui.output in ui.children
    assert calls == [(0, "name")], "the output is filled once, before anyone clicks"
    assert list(ui.result["name"]) == ["Ann", "Bob", "<Eve>"] and ui.last_table is ui.result
    assert "&lt;Eve&gt;" in ui.output.value and "<Eve>" not in ui.output.value  # escaped
    ui.controls["min_age"].value = 30
    assert list(ui.result["name"]) == ["Ann", "Bob"]
    assert "Bob" in ui.output.value and "Eve" not in ui.output.value
    ui.controls["column"].value = "age"
    assert list(ui.result.columns) == ["age"] and "45" in ui.output.value
    ui.controls["min_age"].value = 99
    assert ui.result.empty and ui.output.value == "<p>No rows.</p>"
    assert ui.values() == {"min_age": 99, "column": "age"}
    assert len(calls) == 4


def test_layout_header_and_custom_show():
    a, b, c = widgets.IntSlider(value=1), widgets.IntSlider(value=2), widgets.Dropdown(options=["x", "y"])
    ui = fw.explorer({"a": a, "b": b, "c": c}, lambda a, b, c: a + b, show=lambda total: f"<p>total {total}</p>",
                     rows=[["a", "b"], ["c"]], header="<b>SYNTHETIC</b>")
    header, row1, row2, out = ui.children
    assert header.value == "<b>SYNTHETIC</b>"
    assert list(row1.children) == [a, b] and list(row2.children) == [c] and out is ui.output
    assert out.value == "<p>total 3</p>"
    b.value = 10
    assert ui.result == 11 and out.value == "<p>total 11</p>"
    # default layout: all controls in one row, then the output
    ui2 = fw.explorer({"a": widgets.IntSlider()}, lambda a: a)
    assert len(ui2.children) == 2 and ui2.output.value == "<p>0</p>"


def test_a_control_that_updates_another_costs_one_render():
    person = widgets.Dropdown(options=["ann", "bob"])
    photo = widgets.Dropdown(options=["ann1.jpg", "ann2.jpg"])
    person.observe(lambda ch: setattr(photo, "options", [f"{ch['new']}1.jpg"]), names="value")
    calls = []
    ui = fw.explorer({"person": person, "photo": photo}, lambda person, photo: calls.append(photo) or photo)
    person.value = "bob"
    assert ui.result == "bob1.jpg" and calls == ["ann1.jpg", "bob1.jpg"]
    ui.refresh()  # by hand: always renders
    assert calls == ["ann1.jpg", "bob1.jpg", "bob1.jpg"]


def test_an_error_in_a_callback_is_shown_not_lost():
    def render(n):
        if n == 3:
            raise ValueError("three is not allowed")
        return n

    ui = fw.explorer({"n": widgets.IntSlider(value=1)}, render)
    ui.controls["n"].value = 3
    assert ui.result is None and ui.error == "ValueError: three is not allowed"
    assert "three is not allowed" in ui.output.value
    ui.controls["n"].value = 4
    assert ui.result == 4 and ui.error is None and ui.output.value == "<p>4</p>"


@pytest.mark.parametrize("args, kwargs, error, match", [
    (({}, print), {}, ValueError, "at least one control"),
    (([widgets.IntSlider()], print), {}, TypeError, "dict of name -> widget"),
    (({"n": 5}, print), {}, TypeError, "not an ipywidgets control"),
    (({"not a name": widgets.IntSlider()}, print), {}, TypeError, "not a valid name"),
    (({"n": widgets.IntSlider()}, "render"), {}, TypeError, "render must be a function"),
    (({"n": widgets.IntSlider()}, print), {"show": None}, TypeError, "show must be a function"),
    (({"n": widgets.IntSlider()}, print), {"rows": [["m"]]}, ValueError, "unknown control"),
    (({"n": widgets.IntSlider(), "m": widgets.IntSlider()}, print), {"rows": [["n"]]}, ValueError, "missing: \\['m'\\]"),
    (({"n": widgets.IntSlider()}, print), {"rows": [["n", "n"]]}, ValueError, "repeated: \\['n'\\]"),
])
def test_bad_input_gives_a_clear_error(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        fw.explorer(*args, **kwargs)


def test_a_broken_render_function_fails_at_once():
    with pytest.raises(ZeroDivisionError):
        fw.explorer({"n": widgets.IntSlider(value=0)}, lambda n: 1 / n)
    with pytest.raises(TypeError, match="unexpected keyword"):
        fw.explorer({"n": widgets.IntSlider()}, lambda m: m)


def test_to_html():
    assert fw.to_html("<p>hi</p>") == "<p>hi</p>"
    assert fw.to_html(pd.Series([1, 2], name="x")).startswith("<table")
    assert fw.to_html(pd.DataFrame({"x": [None, 1]})).count("<td></td>") == 1
    assert fw.to_html(None) == "<p>None</p>"


def test_docstring_examples_run():
    result = doctest.testmod(fw, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0


def test_the_course_explorers_use_the_helper():
    import inspect

    from facecourse.breach import explore
    from facecourse.matching import identification
    from facecourse.scraping import ledger

    for fn in (explore.explorer, identification.search_explorer, ledger.ledger_explorer):
        src = inspect.getsource(fn)
        assert "widgets import explorer" in src and ".observe(refresh" not in src, fn.__qualname__
