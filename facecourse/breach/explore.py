"""Questions one can ask of a client list, as plain functions, and an ipywidgets explorer over them.

Every function takes the (synthetic) client list and returns a DataFrame whose ``attrs["label"]``
still says it is synthetic. The widget only calls these functions, so tests exercise the logic
directly (nbval does not fire widget callbacks).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .clients import LABEL

ALL = "(all)"
_REQUIRED = {"org_id", "sector", "org_type", "country", "accounts", "searches", "plan"}


def _check(df) -> pd.DataFrame:
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"expected the client list as a pandas DataFrame, not {type(df).__name__}")
    missing = _REQUIRED - set(df.columns)
    if missing:
        raise ValueError(f"the client list lacks column(s) {sorted(missing)}; build it with "
                         f"facecourse.breach.clients.synthetic_clients()")
    return df


def _labelled(df: pd.DataFrame) -> pd.DataFrame:
    df.attrs["label"] = LABEL
    return df


def show(table, caption: str | None = None):
    """Display a table of the synthetic client list with the SYNTHETIC label as its caption.

    Every displayed client-list table must say it is synthetic; this displays ``LABEL`` (and an
    optional ``caption``) in bold above the table. Parameters: ``table``, a DataFrame, Series or
    dict; ``caption``, extra words. Returns None (it displays).

    >>> show(explore.by(df, "sector"), "searches by sector")     # doctest: +SKIP
    """
    from IPython.display import Markdown, display

    display(Markdown(f"**{LABEL}**" + (f" ({caption})" if caption else "")))
    display(pd.Series(table, name="value").to_frame() if isinstance(table, dict) else table)


def filter_clients(df: pd.DataFrame, sector: str = ALL, country: str = ALL, plan: str = ALL,
                   min_searches: int = 0) -> pd.DataFrame:
    """Rows of the client list matching every filter; ``ALL`` (or None) leaves a filter off.

    Parameters: ``df`` from ``clients.synthetic_clients()``; ``sector``, ``country``, ``plan``: a
    value of that column or ``ALL``; ``min_searches``: keep rows with at least this many searches.
    Returns a labelled copy. Raises ValueError for an unknown value (naming the choices) or a
    negative ``min_searches``; TypeError if ``df`` is not a DataFrame.

    >>> rows = explore.filter_clients(df, sector="US public", plan="paid", min_searches=500)
    >>> bool((rows["searches"] >= 500).all()), "SYNTHETIC" in rows.attrs["label"]
    (True, True)
    """
    df = _check(df)
    if not isinstance(min_searches, (int, np.integer)) or min_searches < 0:
        raise ValueError(f"min_searches must be a whole number >= 0, not {min_searches!r}")
    mask = df["searches"] >= min_searches
    for col, value in (("sector", sector), ("country", country), ("plan", plan)):
        if value not in (ALL, None):
            if value not in set(df[col]):
                raise ValueError(f"no {col} called {value!r}; choose from {sorted(set(df[col]))}")
            mask &= df[col] == value
    return _labelled(df[mask].copy())


def summary(df: pd.DataFrame) -> dict:
    """Headline numbers for a (filtered) client list: organisations, countries, accounts, searches and
    the share of searches made on trial plans (0.0 for an empty table).

    >>> explore.summary(df)["searches"]
    500000
    """
    df = _check(df)
    searches = int(df["searches"].sum())
    return {"organisations": len(df), "countries": int(df["country"].nunique()), "accounts": int(df["accounts"].sum()),
            "searches": searches,
            "share of searches on trial plans": float(df.loc[df["plan"] == "trial", "searches"].sum() / searches)
            if searches else 0.0}


def by(df: pd.DataFrame, column: str) -> pd.DataFrame:
    """Organisations, accounts and searches per value of ``column``, largest first, with shares.

    The same as ``df.groupby(column).agg(organisations=("org_id", "size"), accounts=("accounts", "sum"),
    searches=("searches", "sum"))`` sorted by searches, plus a ``share of searches`` column.
    Raises ValueError for an unknown column.

    >>> explore.by(df, "sector").columns.tolist()
    ['sector', 'organisations', 'accounts', 'searches', 'share of searches']
    """
    df = _check(df)
    if column not in df.columns:
        raise ValueError(f"no column {column!r}; the client list has {list(df.columns)}")
    out = (df.groupby(column, sort=False).agg(organisations=("org_id", "size"), accounts=("accounts", "sum"),
                                             searches=("searches", "sum"))
           .sort_values(["searches", "organisations"], ascending=False).reset_index())
    out["share of searches"] = out["searches"] / max(1, out["searches"].sum())
    return _labelled(out)


def concentration(df: pd.DataFrame) -> pd.DataFrame:
    """The cumulative share of searches made by the top x% of organisations (a Lorenz-style curve, heaviest first).

    Returns a DataFrame with columns ``top share of organisations`` and ``share of searches``, one row
    per organisation; the last row is (1.0, 1.0).
    """
    df = _check(df)
    s = np.sort(df["searches"].to_numpy())[::-1]
    if len(s) == 0:
        return _labelled(pd.DataFrame({"top share of organisations": [], "share of searches": []}))
    out = pd.DataFrame({"top share of organisations": np.arange(1, len(s) + 1) / len(s),
                        "share of searches": np.cumsum(s) / s.sum()})
    return _labelled(out)


def top_share(df: pd.DataFrame, fraction: float) -> float:
    """Share of all searches made by the heaviest ``fraction`` of organisations (at least one organisation).

    ``fraction`` is in (0, 1] (0.1 for the top 10%); the number of organisations is rounded to the
    nearest whole number. Raises ValueError outside that range.

    >>> explore.top_share(df, 1.0)
    1.0
    """
    if not 0 < fraction <= 1:
        raise ValueError(f"fraction must be in (0, 1], not {fraction!r}")
    s = np.sort(_check(df)["searches"].to_numpy())[::-1]
    k = max(1, int(round(fraction * len(s))))
    return float(s[:k].sum() / s.sum())


def explorer(df: pd.DataFrame):
    """An ipywidgets explorer: filter the client list by sector, country, plan and minimum searches.

    Three ``Dropdown`` controls and an ``IntSlider``, wired by the course's explorer helper
    (:func:`facecourse.widgets.explorer`: an ``observe`` callback per control) to ``filter_clients``
    and ``summary``; the result goes into an ``HTML`` widget, under the SYNTHETIC label. Returns the
    ``VBox`` (label, two rows of controls, output); its ``last_table`` attribute holds the rows
    currently shown, so tests can set a control's ``.value`` and check the table. Raises TypeError or
    ValueError for a table that is not a client list.

    >>> box = explore.explorer(df); box.children[1].children[0].value = "non-US public"
    >>> len(box.last_table)
    88
    """
    import ipywidgets as w

    from ..widgets import explorer as wire

    df = _check(df)

    def options(col):
        return [ALL] + sorted(set(df[col]))

    controls = {"sector": w.Dropdown(options=options("sector"), description="sector"),
                "country": w.Dropdown(options=options("country"), description="country"),
                "plan": w.Dropdown(options=options("plan"), description="plan"),
                "min_searches": w.IntSlider(value=0, min=0, max=2000, step=50, description="min searches")}

    def render(sector, country, plan, min_searches):
        return filter_clients(df, sector, country, plan, int(min_searches))

    def show(rows):
        if not len(rows):
            return "<p>No organisation matches these filters.</p>"
        facts = summary(rows)
        head = ", ".join(f"{k}: {v:.0%}" if isinstance(v, float) else f"{k}: {v:,}" for k, v in facts.items())
        top = rows.sort_values("searches", ascending=False).head(10)
        return f"<p>{head}</p>" + top.to_html(index=False, escape=True, columns=[
            "org_id", "name", "sector", "country", "state", "accounts", "searches", "plan"])

    return wire(controls, render, show=show, rows=[["sector", "country"], ["plan", "min_searches"]],
                header=f"<b>{LABEL}</b>")
