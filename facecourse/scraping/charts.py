"""Track A's altair charts: what each crawler collected, by privacy setting.

Lesson A3 builds this chart in the open (``melt``, then ``alt.Chart(...).mark_bar().encode(...)``);
the helper keeps the same code so other notebooks can draw it in one line.
"""

from __future__ import annotations

import altair as alt
import pandas as pd


def collected_by_setting_chart(by_setting: pd.DataFrame,
                               title: str = "Photos collected, by the privacy setting of the person") -> alt.Chart:
    """Grouped bars: photos each crawler collected, per privacy setting of the person photographed.

    Parameters
    ----------
    by_setting : DataFrame
        Index = privacy setting (``public``, ``login``, ``noindex``, ``opted-out``); one column of
        photo counts per crawler (e.g. ``polite`` and ``careless``), as lesson A3 builds it with
        ``groupby("setting")[["careless", "polite"]].sum()``.
    title : str
        The chart's title.

    Returns
    -------
    altair.Chart
        A bar chart (x = setting, nominal; y = photos, quantitative; colour and ``xOffset`` = crawler)
        with a tooltip, a title and a description (alt text) computed from the counts.

    Raises
    ------
    TypeError
        If ``by_setting`` is not a DataFrame with at least one numeric column.

    Example
    -------
    >>> t = pd.DataFrame({"careless": [6, 4], "polite": [6, 0]}, index=pd.Index(["public", "login"], name="setting"))
    >>> collected_by_setting_chart(t).to_dict()["mark"]["type"]
    'bar'
    """
    if not isinstance(by_setting, pd.DataFrame) or by_setting.select_dtypes("number").empty:
        raise TypeError("collected_by_setting_chart expects a DataFrame: index = setting, one count column per crawler")
    index_name = by_setting.index.name or "setting"
    df = by_setting.rename_axis("setting").reset_index().melt(id_vars="setting", var_name="crawler",
                                                              value_name="photos")
    chart = alt.Chart(df).mark_bar().encode(
        x=alt.X("setting:N", title="the person's privacy setting"),
        xOffset="crawler:N",
        y=alt.Y("photos:Q", title="photos collected"),
        color=alt.Color("crawler:N", title="crawler"),
        tooltip=["setting:N", "crawler:N", "photos:Q"],
    ).properties(title=title, width=360)
    totals = "; ".join(f"{c}: {int(by_setting[c].sum())} photos" for c in by_setting.columns)
    return chart.properties(
        description=f"{title}. Grouped bar chart of photos collected per {index_name} and crawler ({totals}).")
