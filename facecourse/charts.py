"""Generic altair helpers the tracks share; each track's own charts live with it
(``matching.charts``, ``scraping.charts``, ``breach.charts``). Every chart has a title, axis
labels, tooltips and a text description (rendered as the SVG's accessible label), and embeds only
small, pre-aggregated data.

Rendering is offline: every kernel of the course environment sends charts as Vega-Lite specs,
which JupyterLab draws itself (:mod:`facecourse.kernel_defaults`), and ``save_static`` uses
vl-convert.
"""

from __future__ import annotations

from pathlib import Path

import altair as alt
import pandas as pd

def _described(chart: alt.Chart, description: str) -> alt.Chart:
    return chart.properties(description=description)


def line_chart(df: pd.DataFrame, x: str, y: str, title: str, x_title: str, y_title: str, description: str,
               color: str | None = None, log_x: bool = False, log_y: bool = False, y_format: str | None = None) -> alt.Chart:
    enc = dict(
        x=alt.X(x, title=x_title, scale=alt.Scale(type="log") if log_x else alt.Undefined),
        y=alt.Y(y, title=y_title, scale=alt.Scale(type="log") if log_y else alt.Undefined,
                axis=alt.Axis(format=y_format) if y_format else alt.Undefined),
        tooltip=list(df.columns),
    )
    if color:
        enc["color"] = alt.Color(color)
    return _described(alt.Chart(df).mark_line(point=True).encode(**enc).properties(title=title, width=460, height=260),
                      description)


def spec_summary(chart, name: str = "the chart") -> dict:
    """What an altair chart draws, read from its Vega-Lite spec (``chart.to_dict()``), in plain values.

    The exercises' checks read your charts with this, without a browser. It returns a dict:

    - ``mark``: the mark type (``"line"``, ``"bar"``, ``"point"``, ...), whether the chart used
      ``mark_line()`` or ``mark_line(point=True)``;
    - ``encoding``: for each channel (``"x"``, ``"y"``, ``"color"``, ...) a dict with its ``field``,
      its ``type`` (``"quantitative"``, ``"nominal"``, ...) and its ``scale`` type (``"log"`` or None);
    - ``tooltip``: the set of fields the tooltip shows;
    - ``title`` and ``description``: their text (``""`` when missing);
    - ``rows``: the data rows the chart embeds (a list of dicts; filtered data shows as fewer rows).

    A layered chart (``line + points``) is read from its first layer with a mark, plus the
    encodings its layers share. ``name`` is used in the error raised (``TypeError``) when ``chart`` is
    not an altair chart, e.g. a DataFrame, or None because a cell only displayed the chart.

    >>> import altair as alt, pandas as pd
    >>> df = pd.DataFrame({"a": [1, 2, 3], "b": [10, 100, 1000]})
    >>> c = alt.Chart(df).mark_line(point=True).encode(
    ...     x="a:Q", y=alt.Y("b:Q", scale=alt.Scale(type="log")), tooltip=["a", "b"]
    ... ).properties(title="Growth", description="b grows tenfold per step of a")
    >>> s = spec_summary(c)
    >>> s["mark"], s["encoding"]["x"], s["encoding"]["y"]["scale"], sorted(s["tooltip"])
    ('line', {'field': 'a', 'type': 'quantitative', 'scale': None}, 'log', ['a', 'b'])
    >>> s["title"], len(s["rows"])
    ('Growth', 3)
    """
    if not isinstance(chart, alt.TopLevelMixin):
        raise TypeError(f"{name} should be an altair chart (alt.Chart(...).mark_...().encode(...)), "
                        f"not {type(chart).__name__}: assign the chart itself to the name.")
    spec = chart.to_dict()
    part = spec
    encoding = dict(spec.get("encoding", {}))
    for layer in spec.get("layer", []):           # line + points: the first layer with a mark
        if "mark" in layer:
            part = layer
            encoding = {**encoding, **layer.get("encoding", {})}
            break
    mark = part.get("mark")
    mark = mark.get("type") if isinstance(mark, dict) else mark

    def channel(value) -> dict:
        value = value[0] if isinstance(value, list) and value else value
        value = value if isinstance(value, dict) else {}
        scale = value.get("scale")
        return {"field": value.get("field"), "type": value.get("type"),
                "scale": scale.get("type") if isinstance(scale, dict) else None}

    tips = encoding.get("tooltip", [])
    tips = tips if isinstance(tips, list) else [tips]
    tooltip = {t.get("field") if isinstance(t, dict) else str(t).split(":")[0] for t in tips} - {None}
    title = spec.get("title", part.get("title", ""))
    title = title.get("text", "") if isinstance(title, dict) else title
    title = " ".join(title) if isinstance(title, list) else str(title or "")
    rows = [r for values in spec.get("datasets", {}).values() for r in values]
    if not rows and isinstance(spec.get("data"), dict):
        rows = list(spec["data"].get("values", []))
    return {"mark": mark, "encoding": {ch: channel(v) for ch, v in encoding.items() if ch != "tooltip"},
            "tooltip": tooltip, "title": title, "description": str(spec.get("description", "") or ""), "rows": rows}


def save_static(chart: alt.Chart, path: str | Path) -> Path:
    """Export a chart to SVG or PNG without a browser or network (vl-convert)."""
    path = Path(path)
    chart.save(str(path))
    return path


# Older notebooks called the track charts through this module; these names stay for one term.
# Resolved lazily (PEP 562), so importing a track's charts module first causes no import cycle.
_MOVED = {
    "concentration_chart": "breach", "fines_chart": "breach", "share_bars": "breach",
    "size_claims_chart": "breach", "timeline_chart": "breach",
    "det_chart": "matching", "distance_histogram": "matching",
    "collected_by_setting_chart": "scraping",
}


def __getattr__(name: str):
    if name in _MOVED:
        import importlib

        return getattr(importlib.import_module(f"facecourse.{_MOVED[name]}.charts"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
