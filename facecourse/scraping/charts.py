"""Track A's altair charts: what each crawler collected, by privacy setting."""

from __future__ import annotations

import altair as alt
import pandas as pd

from ..charts import _described


def collected_by_setting_chart(by_setting: pd.DataFrame,
                               title: str = "Photos collected, by the privacy setting of the person") -> alt.Chart:
    """Bars per crawler within each privacy setting. ``by_setting``: index = setting, one column per crawler."""
    df = by_setting.reset_index().melt(by_setting.index.name or "setting", var_name="crawler", value_name="photos")
    df = df.rename(columns={by_setting.index.name or "setting": "setting"})
    chart = alt.Chart(df).mark_bar().encode(
        x=alt.X("photos:Q", title="photos collected"),
        y=alt.Y("crawler:N", title=None),
        color=alt.Color("crawler:N", legend=None),
        row=alt.Row("setting:N", title="profile's privacy setting"),
        tooltip=["setting:N", "crawler:N", "photos:Q"],
    ).properties(title=title, width=360, height=40)
    return _described(chart, f"{title}. Bar chart: both crawlers collect the same photos of public profiles; only "
                             "the careless crawler collects photos of people whose profiles are members-only, "
                             "marked noindex, or opted out of collection.")
