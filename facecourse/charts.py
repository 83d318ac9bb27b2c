"""Generic altair helpers the tracks share; each track's own charts live with it
(``matching.charts``, ``scraping.charts``, ``breach.charts``). Every chart has a title, axis
labels, tooltips and a text description (rendered as the SVG's accessible label), and embeds only
small, pre-aggregated data.

Rendering is offline: JupyterLab draws Vega-Lite itself, and ``save_static`` uses vl-convert.
"""

from __future__ import annotations

from pathlib import Path

import altair as alt
import pandas as pd

# Emit the Vega-Lite spec itself (no HTML, no <script> from a CDN): JupyterLab renders it with its
# bundled Vega, offline, and nbval compares a deterministic JSON spec.
alt.renderers.enable("mimetype")


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
