"""The sourced facts of Track C: a timeline of events and a table of published figures.

Both live in ``datasets/facts/`` as CSV, one row per fact, each with its source: the **primary**
source first (``source_name``, ``source_title``, ``source_url``: the original article, the
regulator's decision, the court's text, the law), and, where the course read a repost, summary or
quotation instead of or besides it, that **secondary** source (``secondary_name``,
``secondary_url``). Headlines and notes are the course's own words; figures are as published.
Known doubts stay visible in a ``flag`` column (company claims, derived numbers, decisions that are
not final, a primary source that could not be read) instead of being dropped or silently "fixed".
Beside them: ``legal_map.csv`` (the laws), ``exchange_rates.csv`` (the ECB reference rates that
put fines in one currency) and ``wrongful_arrests.csv`` (people arrested after a false face match).
"""

from __future__ import annotations


import pandas as pd

from ..data import MissingDataError
from ..paths import FACTS_DIR

FACTS = FACTS_DIR  # datasets/facts (facecourse.paths); tests point it elsewhere
SOURCE_COLUMNS = ["source_name", "source_title", "source_url", "secondary_name", "secondary_url"]
TIMELINE_COLUMNS = ["date", "event_type", "jurisdiction", "actor", "headline", "figure", "figure_unit", "flag",
                    *SOURCE_COLUMNS]
FIGURE_COLUMNS = ["metric", "category", "value", "unit", "as_of", "scope", "note", *SOURCE_COLUMNS]
MONEY_UNITS = ("USD", "EUR", "GBP", "SEK")
REGULATOR_TYPES = ("regulator",)
JURISDICTIONS = {
    "US": "United States", "US-IL": "Illinois (US)", "US-NJ": "New Jersey (US)", "US-VT": "Vermont (US)",
    "US-NY": "New York (US)", "US-CA": "California (US)", "CA": "Canada", "GB": "United Kingdom",
    "AU": "Australia", "IT": "Italy", "GR": "Greece", "FR": "France", "NL": "Netherlands", "AT": "Austria",
    "SE": "Sweden", "DE-HH": "Hamburg (Germany)", "UA": "Ukraine", "INT": "International", "EU": "European Union",
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


def exchange_rates() -> pd.DataFrame:
    """The ECB's euro reference rates the course uses, one row per date and currency (``datasets/facts/exchange_rates.csv``).

    Columns: ``date, currency, per_eur`` (units of the currency one euro bought that day), ``source_name,
    source_title, source_url, note``.

    >>> float(exchange_rates().set_index(["date", "currency"]).loc[("2021-02-10", "SEK"), "per_eur"])
    10.08
    """
    df = _read("exchange_rates.csv", ["date", "currency", "per_eur", "source_name", "source_title", "source_url",
                                      "note"])
    df["per_eur"] = pd.to_numeric(df["per_eur"], errors="raise")
    return df


def fines() -> pd.DataFrame:
    """Money penalties decided by regulators, one row per decision, in the currency of the decision and in euros.

    Provisional amounts and periodic penalties are kept but marked, so a chart can leave them out
    or show them differently. ``amount`` is in the decision's own ``currency``; ``amount_eur`` is the
    same amount converted at the ECB's euro reference rate of the decision date (``eur_rate``: units
    of the currency per euro, 1 for euros; :func:`exchange_rates`), so that amounts in pounds and
    kronor can be compared with amounts in euros.

    Columns: ``date, when, jurisdiction, country, fined, kind, amount, currency, eur_rate, amount_eur,
    flag, headline, source_name, source_url``. ``kind`` is ``"fine"``, ``"provisional"``,
    ``"daily penalty"``, ``"maximum extra penalties"`` or ``"liquidated penalty"`` (a periodic penalty
    made payable: an order to pay, not a record that anything was paid); ``fined`` says who was fined
    (not always Clearview); ``flag`` keeps doubts such as "not final" or "not shown to be paid".
    Raises MissingDataError when a decision in another currency has no ECB rate for its date.

    >>> f = fines()
    >>> float(f.loc[(f["kind"] == "fine") & (f["currency"] == "EUR"), "amount"].max())
    30500000.0
    >>> round(float(f.loc[f["country"] == "Sweden", "amount_eur"].item()))
    248016
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
    rates = exchange_rates().set_index(["date", "currency"])["per_eur"]
    money["eur_rate"] = [1.0 if cur == "EUR" else rates.get((day, cur), float("nan"))
                         for day, cur in zip(money["date"], money["currency"])]
    unrated = money[money["eur_rate"].isna()]
    if not unrated.empty:
        raise MissingDataError("datasets/facts/exchange_rates.csv has no ECB reference rate for "
                               + ", ".join(f"{c} on {d}" for d, c in zip(unrated["date"], unrated["currency"]))
                               + ": add the rate of the decision date with its source.")
    money["amount_eur"] = money["figure"] / money["eur_rate"]
    cols = ["date", "when", "jurisdiction", "country", "fined", "kind", "figure", "currency", "eur_rate", "amount_eur",
            "flag", "headline", "source_name", "source_url"]
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
                 "source_url", "as_of", "secondary_name", "secondary_url"]


def legal_map() -> pd.DataFrame:
    """The laws and rulings that bear on scraping faces (Track A), one row each, with a primary source.

    Columns: ``instrument, jurisdiction, kind, what_it_says, why_it_matters_for_scraping, source_name,
    source_url, as_of, secondary_name, secondary_url``. ``as_of`` (``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``) is the newest development a
    row describes: laws are amended and rulings appealed, so a row says nothing about later changes.
    Raises MissingDataError if the file is missing or truncated.

    >>> legal_map().set_index("instrument").loc["Biometric Information Privacy Act (740 ILCS 14)", "as_of"]
    '2024-08'
    """
    return _read("legal_map.csv", LEGAL_COLUMNS)


ARREST_COLUMNS = ["person", "arrested", "place", "agency", "system", "what_happened", "held", "outcome", "flag",
                  *SOURCE_COLUMNS]


def wrongful_arrests() -> pd.DataFrame:
    """Documented arrests of innocent people after a face recognition match (``datasets/facts/wrongful_arrests.csv``).

    One row per person, oldest arrest first. Columns: ``person, arrested`` (``YYYY-MM`` or
    ``YYYY-MM-DD``), ``place, agency, system`` (the face recognition system, as far as the sources
    establish it: often they do not), ``what_happened, held`` (how long they were detained),
    ``outcome, flag`` and the sources, plus ``when`` (a timestamp). Every case here was a lead
    treated as an identification.

    >>> arrests = wrongful_arrests()
    >>> arrests["person"].iloc[0], bool(arrests["when"].is_monotonic_increasing)
    ('Nijeer Parks', True)
    """
    df = _read("wrongful_arrests.csv", ARREST_COLUMNS)
    df["when"] = pd.to_datetime(df["arrested"], format="ISO8601")
    return df.sort_values("when", kind="stable").reset_index(drop=True)
