"""The sourced facts of Track C: a timeline of events and a table of published figures.

Both live in ``datasets/facts/`` as CSV, one row per fact, each with the outlet that was read,
the headline and the URL. Headlines and notes are the course's own words; figures are as
published. Known doubts stay visible in a ``flag`` column (company claims, derived numbers,
decisions that are not final) instead of being dropped or silently "fixed".
"""

from __future__ import annotations


import pandas as pd

from ..data import MissingDataError
from ..paths import FACTS_DIR

FACTS = FACTS_DIR  # datasets/facts (facecourse.paths); tests point it elsewhere
TIMELINE_COLUMNS = ["date", "event_type", "jurisdiction", "actor", "headline", "figure", "figure_unit", "flag",
                    "source_name", "source_title", "source_url"]
FIGURE_COLUMNS = ["metric", "category", "value", "unit", "as_of", "scope", "note", "source_name",
                  "source_title", "source_url"]
MONEY_UNITS = ("USD", "EUR", "GBP", "SEK")
REGULATOR_TYPES = ("regulator",)
JURISDICTIONS = {
    "US": "United States", "US-IL": "Illinois (US)", "US-NJ": "New Jersey (US)", "US-VT": "Vermont (US)",
    "US-NY": "New York (US)", "US-CA": "California (US)", "CA": "Canada", "GB": "United Kingdom",
    "AU": "Australia", "IT": "Italy", "GR": "Greece", "FR": "France", "NL": "Netherlands", "AT": "Austria",
    "SE": "Sweden", "DE-HH": "Hamburg (Germany)", "UA": "Ukraine", "INT": "International",
}


def jurisdiction_name(code: str) -> str:
    """Full name of a jurisdiction code (several codes separated by ``;``); unknown codes are kept as they are.

    >>> jurisdiction_name("GB;AU")
    'United Kingdom; Australia'
    """
    return "; ".join(JURISDICTIONS.get(c, c) for c in str(code).split(";"))


def _read(name: str, columns: list[str]) -> pd.DataFrame:
    path = FACTS / name
    if not path.is_file():
        raise MissingDataError(f"{path} is missing. It is part of the course repository: restore it with "
                               f"`git checkout -- datasets/facts/{name}`.")
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise MissingDataError(f"{path} lacks the column(s) {missing}; it has been edited or truncated. "
                               f"Restore it with `git checkout -- datasets/facts/{name}`.")
    if (df["source_url"] == "").any():
        raise MissingDataError(f"{path}: every fact needs a source URL; rows without one: "
                               f"{list(df.index[df['source_url'] == ''])}")
    return df[columns]


def timeline() -> pd.DataFrame:
    """Events, oldest first, one row per sourced fact of ``datasets/facts/timeline.csv``.

    Columns: the CSV's (``date, event_type, jurisdiction, actor, headline, figure, figure_unit, flag,
    source_name, source_title, source_url``) plus ``when``, a timestamp at the start of the period the
    date names (``2019-10`` becomes 1 October 2019), ``precision`` (``"day"``, ``"month"`` or
    ``"year"``) and ``year``. Raises MissingDataError if the file is missing, truncated, has a row
    without a source URL or a date in another format.

    >>> events = timeline()
    >>> int((events["year"] == 2020).sum()) > 0, events["when"].is_monotonic_increasing
    (True, True)
    """
    df = _read("timeline.csv", TIMELINE_COLUMNS)
    df["precision"] = df["date"].str.len().map({4: "year", 7: "month", 10: "day"})
    if df["precision"].isna().any():
        bad = df.loc[df["precision"].isna(), "date"].tolist()
        raise MissingDataError(f"timeline.csv: dates must be YYYY, YYYY-MM or YYYY-MM-DD, found {bad}")
    df["when"] = pd.to_datetime(df["date"], format="ISO8601")
    df["figure"] = pd.to_numeric(df["figure"].replace("", None), errors="raise")
    df["year"] = df["when"].dt.year
    return df


def figures() -> pd.DataFrame:
    """The published aggregate figures on the leaked data (values as numbers; blank when a row is a label).

    Columns: ``metric, category, value, unit, as_of, scope, note, source_name, source_title, source_url``.

    >>> float(figures().query("metric == 'leak_entities'")["value"].iloc[0])
    2228.0
    """
    df = _read("published_figures.csv", FIGURE_COLUMNS)
    df["value"] = pd.to_numeric(df["value"].replace("", None), errors="raise")
    return df


def figure(metric: str, category: str | None = None) -> float:
    """One published figure as a float. Raises KeyError naming the choices when no single row matches.

    >>> figure("leak_entities")
    2228.0
    """
    df = figures()
    rows = df[(df["metric"] == metric) & ((df["category"] == category) if category is not None else True)]
    if len(rows) != 1:
        choices = sorted(set(df["metric"] + df["category"].radd(":")))
        raise KeyError(f"no single published figure {metric!r}{'' if category is None else ':' + repr(category)} "
                       f"({len(rows)} rows match). Known metric:category pairs: {choices}")
    return float(rows["value"].iloc[0])


def fines() -> pd.DataFrame:
    """Money penalties decided by regulators, one row per decision, in the currency of the decision.

    Provisional amounts and periodic penalties are kept but marked, so a chart can leave them out
    or show them differently; amounts are not converted between currencies.

    Columns: ``date, when, jurisdiction, country, fined, kind, amount, currency, flag, headline,
    source_name, source_url``. ``kind`` is ``"fine"``, ``"provisional"``, ``"daily penalty"``,
    ``"maximum extra penalties"`` or ``"liquidated penalty"`` (a periodic penalty made payable: an
    order to pay, not a record that anything was paid); ``fined`` says who was fined (not always
    Clearview); ``flag`` keeps doubts such as "not final" or "not shown to be paid".

    >>> f = fines()
    >>> float(f.loc[(f["kind"] == "fine") & (f["currency"] == "EUR"), "amount"].max())
    30500000.0
    """
    df = timeline()
    money = df[df["figure"].notna() & df["figure_unit"].str.split().str[0].isin(MONEY_UNITS)
               & (df["event_type"].isin(REGULATOR_TYPES))].copy()
    money["currency"] = money["figure_unit"].str.split().str[0]
    money["kind"] = "fine"
    money.loc[money["figure_unit"].str.contains("per day"), "kind"] = "daily penalty"
    money.loc[money["figure_unit"].str.contains("max penalties"), "kind"] = "maximum extra penalties"
    money.loc[money["figure_unit"].str.contains("provisional"), "kind"] = "provisional"
    money.loc[money["figure_unit"].str.contains("liquidated penalty"), "kind"] = "liquidated penalty"
    money["country"] = money["jurisdiction"].map(jurisdiction_name)
    money["fined"] = "Clearview AI"
    money.loc[money["headline"].str.contains("Police Authority"), "fined"] = "Swedish Police Authority"
    cols = ["date", "when", "jurisdiction", "country", "fined", "kind", "figure", "currency", "flag", "headline",
            "source_name", "source_url"]
    return money[cols].rename(columns={"figure": "amount"}).reset_index(drop=True)


def database_size() -> pd.DataFrame:
    """Claims of how many images the gallery holds, over time. Every value is the company's own claim
    (repeated by regulators and the press); the 100 billion row is a target, not a size.

    Columns: ``date, when, images, kind`` (``"claimed size"`` or ``"target"``), ``actor, headline,
    source_name, source_url``.

    >>> sizes = database_size()
    >>> sorted(sizes["kind"].unique())
    ['claimed size', 'target']
    """
    df = timeline()
    size = df[df["figure_unit"].str.startswith("images") & ~df["figure_unit"].str.contains("per month")
              & (df["figure"] >= 1e9)].copy()
    size["kind"] = size["figure_unit"].str.contains("target").map({True: "target", False: "claimed size"})
    size = size.sort_values(["when", "figure"]).drop_duplicates(["date", "figure"])
    return size[["date", "when", "figure", "kind", "actor", "headline", "source_name", "source_url"]].rename(
        columns={"figure": "images"}).reset_index(drop=True)


LEGAL_COLUMNS = ["instrument", "jurisdiction", "kind", "what_it_says", "why_it_matters_for_scraping", "source_name",
                 "source_url", "as_of"]


def legal_map() -> pd.DataFrame:
    """The laws and rulings that bear on scraping faces (Track A), one row each, with a primary source.

    Columns: ``instrument, jurisdiction, kind, what_it_says, why_it_matters_for_scraping, source_name,
    source_url, as_of``. ``as_of`` (``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``) is the newest development a
    row describes: laws are amended and rulings appealed, so a row says nothing about later changes.
    Raises MissingDataError if the file is missing or truncated.

    >>> legal_map().set_index("instrument").loc["Biometric Information Privacy Act (740 ILCS 14)", "as_of"]
    '2024-08'
    """
    return _read("legal_map.csv", LEGAL_COLUMNS)
