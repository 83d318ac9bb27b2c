"""The provenance ledger: what a crawler asked for, what it got, what it decided, and why.

One row per URL the crawler considered, whether or not it requested it. A photo in the gallery
can always be traced back to its row: the URL, the time, the robots decision, the content hash,
the licence and consent recorded on the page. Erasure removes a person's rows and remembers the
request (by a hash of the name, not the name), so a later crawl does not collect them again.
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import pandas as pd

COLUMNS = ["url", "fetched_at", "kind", "status", "decision", "robots", "content_type", "bytes", "sha256",
           "subject", "licence", "consent", "referrer", "file", "note"]


def subject_key(subject: str) -> str:
    """A stable key for a person's name: what an erasure list keeps instead of the name.

    The name is lower-cased and its spaces normalised, then hashed with SHA-256; the first 16 hex
    digits are kept. The same name always gives the same key, so a crawl can check a name against
    the erasure list. Beware: a plain hash of a name is not anonymous, because anyone with a list of
    candidate names can hash them all and compare (lesson A4).

    Parameters: ``subject`` (str) the person's name. Returns: str, 16 hex digits. Raises: nothing.

    >>> subject_key("Gordon  Brown") == subject_key("gordon brown")
    True
    >>> len(subject_key("Ann"))
    16
    """
    return hashlib.sha256(" ".join(str(subject).lower().split()).encode("utf-8")).hexdigest()[:16]


class Ledger:
    """The provenance ledger: one row (a dict with the fields in ``COLUMNS``) per URL a crawler considered.

    A crawl fills it with ``record``; ``table()`` gives it as a pandas DataFrame, ``photos()`` the
    collected photos only. ``erase(name)`` removes a person's rows and files and remembers the request;
    ``is_erased(name)`` says whether it was made. ``save``/``load`` write and read it as CSV.

    Parameters: ``rows`` (list of dicts, optional) rows to start with; ``erased`` (set of keys from
    ``subject_key``, optional) erasure requests to start with.

    >>> led = Ledger()
    >>> _ = led.record("http://127.0.0.1/photos/ann/1.jpg", "collected", kind="photo", subject="Ann")
    >>> len(led), list(led.photos()["subject"])
    (1, ['Ann'])
    >>> led.erase("Ann"), led.is_erased("Ann"), len(led)
    (1, True, 0)
    """

    def __init__(self, rows: list[dict] | None = None, erased: set[str] | None = None):
        self._rows: list[dict] = list(rows or [])
        self.erased: set[str] = set(erased or ())

    def record(self, url: str, decision: str, **fields) -> dict:
        """Add one row: ``url``, the ``decision`` taken (e.g. ``"collected"``, ``"skipped: opted out"``), the
        time (now, UTC) and any other ledger fields (``kind``, ``status``, ``subject``, ``licence``...).

        Returns the row (a dict). Raises ``ValueError`` for a field that is not in ``COLUMNS``.

        >>> Ledger().record("http://127.0.0.1/", "collected", kind="page", status="200")["decision"]
        'collected'
        """
        unknown = set(fields) - set(COLUMNS)
        if unknown:
            raise ValueError(f"unknown ledger field(s) {sorted(unknown)}; fields are {COLUMNS}")
        row = {c: None for c in COLUMNS}
        row.update(url=url, decision=decision, fetched_at=pd.Timestamp(time.time(), unit="s", tz="UTC").isoformat(),
                   **fields)
        self._rows.append(row)
        return row

    def table(self) -> pd.DataFrame:
        """All rows as a pandas DataFrame with the columns ``COLUMNS`` (a new table each call).

        >>> list(Ledger().table().columns[:5])
        ['url', 'fetched_at', 'kind', 'status', 'decision']
        """
        return pd.DataFrame(self._rows, columns=COLUMNS)

    def __len__(self) -> int:
        return len(self._rows)

    def photos(self) -> pd.DataFrame:
        """The photos that were collected (kept), one row each: the rows with ``kind == "photo"`` and
        ``decision == "collected"``, renumbered from 0. Returns a DataFrame (possibly empty).

        >>> Ledger().photos().empty
        True
        """
        t = self.table()
        return t[(t["kind"] == "photo") & (t["decision"] == "collected")].reset_index(drop=True)

    def is_erased(self, subject: str | None) -> bool:
        """True if an erasure of ``subject`` was requested in this ledger (``erase``); False otherwise, and
        for ``None``. Looks the name up by its ``subject_key``, so case and spacing do not matter.

        >>> led = Ledger(); _ = led.erase("Ann Smith")
        >>> led.is_erased("ann  smith"), led.is_erased("Bob"), led.is_erased(None)
        (True, False, False)
        """
        return subject is not None and subject_key(subject) in self.erased

    def erase(self, subject: str) -> int:
        """Remove every row about ``subject`` (and delete their stored photo files); remember the request.

        Returns the number of rows removed (0 if there were none: the request is still remembered).
        Raises ``ValueError`` if ``subject`` is not a non-empty string. The gallery is not touched:
        use ``collect.erase_everywhere`` to erase from both.
        """
        if not isinstance(subject, str) or not subject.strip():
            raise ValueError("erase() needs the person's name as a non-empty string")
        key = subject_key(subject)
        keep, gone = [], []
        for r in self._rows:
            (gone if r["subject"] is not None and subject_key(r["subject"]) == key else keep).append(r)
        for r in gone:
            if r["file"]:
                Path(r["file"]).unlink(missing_ok=True)
        self._rows = keep
        self.erased.add(key)
        return len(gone)

    def save(self, path: str | Path) -> Path:
        """Write the ledger as CSV, and the erasure list beside it (``<name>.erased.txt``); returns ``path``.
        Folders are created as needed. Read it back with ``Ledger.load(path)``."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.table().to_csv(path, index=False)
        path.with_suffix(".erased.txt").write_text("".join(k + "\n" for k in sorted(self.erased)))
        return path

    @classmethod
    def load(cls, path: str | Path) -> "Ledger":
        """Read a ledger written by ``save``. Raises ``FileNotFoundError`` if there is none at ``path``, and
        ``ValueError`` if the CSV lacks ledger columns."""
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"no ledger at {path}; a crawl writes one with Ledger.save()")
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
        missing = set(COLUMNS) - set(table.columns)
        if missing:
            raise ValueError(f"{path} is not a ledger: it lacks column(s) {sorted(missing)}")
        rows = [{k: (v if v != "" else None) for k, v in r.items()} for r in table[COLUMNS].to_dict("records")]
        erased_file = path.with_suffix(".erased.txt")
        erased = set(erased_file.read_text().split()) if erased_file.is_file() else set()
        return cls(rows, erased)


ALL = "(all)"


def filter_rows(table: pd.DataFrame, kind: str = ALL, decision: str = ALL) -> pd.DataFrame:
    """Ledger rows of one ``kind`` (page, photo, ...) whose decision starts with ``decision`` (e.g. "skipped").

    ``ALL`` (or None) for either argument means no filter. Returns a DataFrame (the matching rows, with
    their original index). Raises ``TypeError`` if ``table`` is not a ledger table.

    >>> t = pd.DataFrame({"kind": ["page", "photo"], "decision": ["skipped: opted out", "collected"]})
    >>> len(filter_rows(t, decision="skipped")), len(filter_rows(t, kind="photo"))
    (1, 1)
    """
    if not isinstance(table, pd.DataFrame) or not {"kind", "decision"} <= set(table.columns):
        raise TypeError("expected a ledger table: Ledger.table()")
    mask = pd.Series(True, index=table.index)
    if kind not in (ALL, None):
        mask &= table["kind"] == kind
    if decision not in (ALL, None):
        mask &= table["decision"].fillna("").str.startswith(decision)
    return table[mask]


def ledger_explorer(ledgers: dict[str, "Ledger"]):
    """An ipywidgets tool: pick a crawl, a kind of URL and a decision; see the matching ledger rows.

    ``ledgers`` maps a name to a ``Ledger``, e.g. ``{"polite": a.ledger, "careless": b.ledger}``.
    Returns a ``VBox`` of three dropdowns and an HTML table (the first 25 rows); its ``last_table``
    attribute holds all the rows shown. Raises ``TypeError`` if ``ledgers`` is not such a dict.
    """
    import ipywidgets as w

    if not ledgers or not all(isinstance(v, Ledger) for v in ledgers.values()):
        raise TypeError("ledger_explorer expects a dict like {'polite': ledger, 'careless': ledger}")
    tables = {name: led.table() for name, led in ledgers.items()}
    crawl = w.Dropdown(options=list(tables), description="crawl")
    kind = w.Dropdown(options=[ALL, "page", "photo", "attempt", "robots", "login", "opt-out registry"],
                      description="kind")
    decision = w.Dropdown(options=[ALL, "collected", "skipped", "not kept", "not collected", "rejected",
                                   "rate-limited"], description="decision")
    out = w.HTML()
    box = w.VBox([w.HBox([crawl, kind, decision]), out])
    box.last_table = None

    def refresh(*_):
        rows = filter_rows(tables[crawl.value], kind.value, decision.value)
        box.last_table = rows
        shown = rows[["url", "kind", "status", "decision", "subject"]].head(25)
        out.value = (f"<p>{len(rows)} ledger row(s)</p>" + shown.to_html(index=False, escape=True, na_rep="")
                     if len(rows) else "<p>No ledger row matches.</p>")

    for ctl in (crawl, kind, decision):
        ctl.observe(refresh, names="value")
    refresh()
    return box
