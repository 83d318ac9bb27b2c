"""A SYNTHETIC client list, generated from the published aggregates of the February 2020 leak.

The real per-organisation list was never published, and the course does not pretend to have it.
What was published are totals: 2,228 entities with at least one account and one search, in 27
countries, about 500,000 searches, more than 200 companies; 1,803 US taxpayer-funded entities
with more than 7,000 users and about 340,000 searches, their responses to reporters and the
count per state for the ten largest states; 88 non-US public bodies in 24 countries with about
14,000 searches; most searches made during free 30-day trials.

``synthetic_clients()`` draws one row per organisation so that every one of those totals holds
exactly (``check_against_published`` verifies it), while everything the aggregates do not pin
down (which organisation is which type, how searches spread among them, dates) is drawn from
stated, seeded assumptions. Organisation names are ids such as ``SYN-0042``, never real names.
Every table and chart built from this list must say that it is synthetic: the ``synthetic``
column and ``LABEL`` are there for that.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import facts

LABEL = "SYNTHETIC DATA: generated from published aggregates; not the real client list, not real organisations"
SEED = 2020

# The ten largest states in the April 2021 table (Fight for the Future's tally), plus Minnesota.
PUBLISHED_STATE_COUNTS = {"CA": 140, "FL": 116, "AL": 103, "NJ": 101, "TX": 100, "IL": 99, "GA": 72, "NC": 64,
                          "PA": 63, "NY": 61, "MN": 42}
OTHER_STATES = ["AK", "AZ", "AR", "CO", "CT", "DE", "HI", "ID", "IN", "IA", "KS", "KY", "LA", "ME", "MD", "MA",
                "MI", "MS", "MO", "MT", "NE", "NV", "NH", "NM", "ND", "OH", "OK", "OR", "RI", "SC", "SD", "TN",
                "UT", "VA", "WA", "WV", "WI", "WY", "DC", "VI"]  # every state but Vermont, plus DC and the Virgin Islands
# Assumptions (not published): the mix of public-body types and the non-US countries.
US_PUBLIC_TYPES = {"local police": 0.56, "sheriff's office": 0.2, "district attorney": 0.06,
                   "university police": 0.06, "state agency": 0.05, "federal agency": 0.03, "tribal police": 0.02,
                   "other public body": 0.02}
NON_US_PUBLIC_COUNTRIES = ["CA", "GB", "AU", "BR", "MX", "FR", "IT", "NL", "BE", "DK", "FI", "NO", "SE", "IE",
                           "PT", "ES", "SI", "LV", "LT", "MT", "IN", "NZ", "SA", "AE"]  # 24
PRIVATE_ONLY_COUNTRIES = ["SG", "CH"]  # two more countries, reached only through companies: 1 + 24 + 2 = 27
PRIVATE_TYPES = {"retailer": 0.35, "bank or payments": 0.15, "telecom": 0.1, "security firm": 0.15,
                 "entertainment venue": 0.1, "other company": 0.15}
N_PRIVATE = 250      # "more than 200 companies"
US_ACCOUNTS = 7100   # "more than 7,000 individuals"
DATA_END = pd.Timestamp("2020-02-26")
TRIAL_DAYS = 30


def _allocate(total: int, weights: np.ndarray, minimum: int = 1) -> np.ndarray:
    """Integers >= ``minimum`` summing exactly to ``total``, proportional to ``weights`` (largest remainders)."""
    n = len(weights)
    spare = total - minimum * n
    if spare < 0:
        raise ValueError(f"cannot give {n} rows at least {minimum} each out of {total}")
    share = spare * np.asarray(weights, float) / np.sum(weights)
    base = np.floor(share).astype(int)
    rest = spare - base.sum()
    base[np.argsort(-(share - base), kind="stable")[:rest]] += 1
    return base + minimum


def _heavy_tail(rng: np.random.Generator, n: int, sigma: float) -> np.ndarray:
    return rng.lognormal(0.0, sigma, n)


def _types(rng: np.random.Generator, n: int, mix: dict[str, float], fixed: dict[str, int] | None = None) -> np.ndarray:
    fixed = fixed or {}
    free = n - sum(fixed.values())
    counts = _allocate(free, np.array(list(mix.values())), minimum=0)
    labels = np.concatenate([np.repeat(list(mix), counts)] + [np.repeat(k, v) for k, v in fixed.items()])
    return rng.permutation(labels)


def _dates(rng: np.random.Generator, plan: np.ndarray, earliest: str) -> tuple[pd.Series, pd.Series]:
    start = pd.Timestamp(earliest)
    span = (DATA_END - start).days
    first = start + pd.to_timedelta(rng.integers(0, span - TRIAL_DAYS, len(plan)), unit="D")
    length = np.where(plan == "trial", rng.integers(0, TRIAL_DAYS, len(plan)),
                      rng.integers(60, max(61, span), len(plan)))
    last = pd.Series(first + pd.to_timedelta(length, unit="D")).clip(upper=DATA_END)
    return pd.Series(first), last


def synthetic_clients(seed: int = SEED) -> pd.DataFrame:
    """One row per (synthetic) organisation; see the module docstring for what is published and what is assumed.

    Parameters: ``seed`` (an integer; the default reproduces the course's list). Returns a DataFrame
    with columns ``org_id, name, sector, org_type, country, state, accounts, searches, plan,
    first_search, last_search, response_2021, synthetic`` and ``attrs["label"] == LABEL``. The same
    seed always gives the same table. Raises TypeError for a seed that is not an integer.

    >>> df = synthetic_clients()
    >>> len(df), int(df["searches"].sum()), bool(df["synthetic"].all())
    (2228, 500000, True)
    """
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
        raise TypeError(f"seed must be an integer, not {type(seed).__name__}")
    rng = np.random.default_rng(seed)
    total_entities = int(facts.figure("leak_entities"))
    total_searches = int(facts.figure("leak_searches"))
    us_public_n = int(facts.figure("table_entities_total"))
    us_public_searches = int(facts.figure("searches_total"))
    intl_n = int(facts.figure("intl_agencies"))
    intl_searches = int(facts.figure("intl_searches"))
    other_n = total_entities - us_public_n - intl_n - N_PRIVATE
    if other_n < 0:
        raise ValueError("the published totals no longer add up; check datasets/facts/published_figures.csv")

    # --- US public bodies (the April 2021 table's universe)
    other_total = us_public_n - sum(PUBLISHED_STATE_COUNTS.values())
    other_counts = _allocate(other_total, _heavy_tail(rng, len(OTHER_STATES), 0.8))
    while other_counts.max() >= min(PUBLISHED_STATE_COUNTS.values()):  # keep the published top ten on top
        other_counts = _allocate(other_total, np.minimum(_heavy_tail(rng, len(OTHER_STATES), 0.8), 2.5))
    states = np.concatenate([np.repeat(list(PUBLISHED_STATE_COUNTS), list(PUBLISHED_STATE_COUNTS.values())),
                             np.repeat(OTHER_STATES, other_counts)])
    responses = {"confirmed use": int(facts.figure("response", "confirmed_use")),
                 "denied use": int(facts.figure("response", "denied_use")),
                 "no response": int(facts.figure("response", "no_response")),
                 "unlabelled (derived)": int(facts.figure("response", "other_unlabelled_derived"))}
    us = pd.DataFrame({
        "sector": "US public", "country": "US", "state": rng.permutation(states),
        "org_type": _types(rng, us_public_n, US_PUBLIC_TYPES,
                           {"public high school": int(facts.figure("entity_type_count", "public_high_school"))}),
        "response_2021": rng.permutation(np.repeat(list(responses), list(responses.values()))),
    })
    us["accounts"] = _allocate(US_ACCOUNTS, _heavy_tail(rng, us_public_n, 1.0))
    us["searches"] = _allocate(us_public_searches, us["accounts"] * _heavy_tail(rng, us_public_n, 1.2))

    # --- non-US public bodies (August 2021 follow-up): every one of the 24 countries has at least one
    countries = np.concatenate([NON_US_PUBLIC_COUNTRIES, rng.choice(NON_US_PUBLIC_COUNTRIES, intl_n - 24,
                                                                     p=_share(rng, 24))])
    intl = pd.DataFrame({"sector": "non-US public", "country": rng.permutation(countries), "state": "",
                         "org_type": _types(rng, intl_n, {"national police": 0.45, "regional police": 0.4,
                                                          "other public body": 0.15}),
                         "response_2021": ""})
    intl["accounts"] = _allocate(intl_n * 3, _heavy_tail(rng, intl_n, 0.8))
    intl["searches"] = _allocate(intl_searches, _heavy_tail(rng, intl_n, 1.3))

    # --- companies and other accounts share what is left of the ~500,000 searches
    rest_searches = total_searches - us_public_searches - intl_searches
    private_countries = np.concatenate([PRIVATE_ONLY_COUNTRIES,
                                        np.repeat("US", N_PRIVATE - len(PRIVATE_ONLY_COUNTRIES))])
    private = pd.DataFrame({"sector": "private company", "country": rng.permutation(private_countries), "state": "",
                            "org_type": _types(rng, N_PRIVATE, PRIVATE_TYPES), "response_2021": ""})
    other = pd.DataFrame({"sector": "other", "country": "US", "state": "", "response_2021": "",
                          "org_type": _types(rng, other_n, {"individual account": 0.7, "non-profit": 0.3})})
    # Illinois: 105 clients in the 2020 reporting, 99 of them public bodies -> 6 non-public Illinois clients.
    us_private = np.flatnonzero(private["country"] == "US")
    illinois_extra = int(facts.figure("leak_clients_by_state", "IL")) - PUBLISHED_STATE_COUNTS["IL"]
    private.loc[rng.choice(us_private, illinois_extra, replace=False), "state"] = "IL"
    private.loc[(private["country"] == "US") & (private["state"] == ""), "state"] = rng.choice(
        OTHER_STATES[:-2], int(((private["country"] == "US") & (private["state"] == "")).sum()))
    other["state"] = rng.choice(OTHER_STATES[:-2], other_n)
    rest = pd.concat([private, other], ignore_index=True)
    rest["accounts"] = _allocate(len(rest) * 2, _heavy_tail(rng, len(rest), 0.9))
    rest["searches"] = _allocate(rest_searches, _heavy_tail(rng, len(rest), 1.6))

    df = pd.concat([us, intl, rest], ignore_index=True)
    df = df.iloc[rng.permutation(len(df))].reset_index(drop=True)
    # Plans: most organisations only ever trialled. Assumption: about 1 in 20 paid, more often the heaviest users.
    p_paid = np.clip(0.03 + 0.25 * (df["searches"].rank(pct=True) > 0.95), 0, 1)
    df["plan"] = np.where(rng.random(len(df)) < p_paid, "paid", "trial")
    first, last = _dates(rng, df["plan"].to_numpy(), "2018-06-01")
    df["first_search"], df["last_search"] = first.dt.date, last.dt.date
    df.insert(0, "org_id", [f"SYN-{i:04d}" for i in range(1, len(df) + 1)])
    df.insert(1, "name", "Synthetic " + df["org_type"] + " " + df["org_id"].str[4:])
    df["synthetic"] = True
    cols = ["org_id", "name", "sector", "org_type", "country", "state", "accounts", "searches", "plan",
            "first_search", "last_search", "response_2021", "synthetic"]
    df = df[cols]
    df.attrs["label"] = LABEL
    return df


def _share(rng: np.random.Generator, n: int) -> np.ndarray:
    w = _heavy_tail(rng, n, 0.7)
    return w / w.sum()


def check_against_published(df: pd.DataFrame) -> pd.DataFrame:
    """Each published aggregate next to the same figure computed from ``df``, and whether they agree.

    Exact counts must be equal; "more than X" figures must be exceeded; "most searches in trials"
    must hold. Returns a DataFrame with one row per aggregate and a boolean ``agrees`` column.

    >>> bool(check_against_published(synthetic_clients())["agrees"].all())
    True
    """
    us = df[df["sector"] == "US public"]
    intl = df[df["sector"] == "non-US public"]
    trial_share = df.loc[df["plan"] == "trial", "searches"].sum() / df["searches"].sum()
    rows = [
        ("entities in the leak", facts.figure("leak_entities"), len(df), "equal"),
        ("countries in the leak", facts.figure("leak_countries"), df["country"].nunique(), "equal"),
        ("searches in the leak (about)", facts.figure("leak_searches"), df["searches"].sum(), "equal"),
        ("companies (more than)", facts.figure("leak_private_companies"), (df["sector"] == "private company").sum(),
         "more"),
        ("US public entities", facts.figure("table_entities_total"), len(us), "equal"),
        ("US public searches (about)", facts.figure("searches_total"), us["searches"].sum(), "equal"),
        ("US public individuals (more than)", facts.figure("individuals_total"), us["accounts"].sum(), "more"),
        ("US states represented (+DC, VI)", facts.figure("states_represented", "all_but_VT") + 2,
         us["state"].nunique(), "equal"),
        ("non-US public bodies", facts.figure("intl_agencies"), len(intl), "equal"),
        ("non-US countries (public bodies)", facts.figure("intl_countries"), intl["country"].nunique(), "equal"),
        ("non-US public searches (about)", facts.figure("intl_searches"), intl["searches"].sum(), "equal"),
        ("public high schools", facts.figure("entity_type_count", "public_high_school"),
         (us["org_type"] == "public high school").sum(), "equal"),
        ("Illinois clients, all sectors", facts.figure("leak_clients_by_state", "IL"), (df["state"] == "IL").sum(),
         "equal"),
        ("share of searches made on trial plans (most)", 0.5, trial_share, "more"),
    ]
    for key in ("confirmed_use", "denied_use", "no_response", "other_unlabelled_derived"):
        label = {"confirmed_use": "confirmed use", "denied_use": "denied use", "no_response": "no response",
                 "other_unlabelled_derived": "unlabelled (derived)"}[key]
        rows.append((f"2021 response: {label}", facts.figure("response", key),
                     (us["response_2021"] == label).sum(), "equal"))
    state_rows = facts.figures().query("metric == 'entities_by_state' and as_of == '2021-04-08'")
    for st, n in zip(state_rows["category"], state_rows["value"]):
        rows.append((f"US public entities in {st}", n, (us["state"] == st).sum(), "equal"))
    rows.append(("US public entities in MN", facts.figure("entities_by_state", "MN"), (us["state"] == "MN").sum(),
                 "equal"))
    out = pd.DataFrame(rows, columns=["aggregate", "published", "synthetic", "rule"])
    out["agrees"] = np.where(out["rule"] == "equal", out["published"] == out["synthetic"],
                             out["synthetic"] > out["published"])
    return out
