"""The provenance ledger: what a crawler asked for, what it got, what it decided, and why.

One row per URL the crawler considered, whether or not it requested it. A photo in the gallery
can always be traced back to its row: the URL, the time, the robots decision, the content hash,
the licence and consent recorded on the page. Erasure removes a person's rows and remembers the
request by a *keyed* hash of the name (HMAC-SHA256 under a secret of this installation), so a
later crawl does not collect them again, and nobody without the secret can tell from the stored
list who asked to be forgotten (lesson A4 shows why a plain hash would not do).

The secret is 32 random bytes in ``facecourse.paths.local_dir() / "erasure.key"``, made on first
use with permissions 0600; it is never written into a ledger and never committed.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import time
from pathlib import Path

import pandas as pd

from .. import paths

COLUMNS = ["url", "fetched_at", "kind", "status", "decision", "robots", "content_type", "bytes", "sha256",
           "subject", "licence", "consent", "referrer", "file", "note"]

KEY_FILE = "erasure.key"
KEY_BYTES = 32
#: the first line of every ``<ledger>.erased.txt``; the key-id follows it
ERASED_HEADER = "# facecourse erasure list: HMAC-SHA256 of normalised names; key-id "
_KEY_ID_LABEL = b"facecourse erasure key-id v1"
#: what a ledger row holds instead of a URL that belongs to an erased person (see ``Ledger.record_withheld``)
WITHHELD = "(withheld: erasure request)"


class ErasureKeyError(ValueError):
    """An erasure list was made with another secret (or without one): its entries cannot be checked here."""


def normalise_name(subject: str) -> str:
    """A person's name as erasure compares it: lower case, single spaces, underscores read as spaces.

    >>> normalise_name("  Gordon   BROWN "), normalise_name("Gordon_Brown")
    ('gordon brown', 'gordon brown')
    """
    return " ".join(str(subject).replace("_", " ").lower().split())


def key_path() -> Path:
    """Where this installation's erasure secret lives: ``paths.local_dir() / "erasure.key"``.

    >>> key_path().name
    'erasure.key'
    """
    return paths.local_dir() / KEY_FILE


def erasure_key() -> bytes:
    """This installation's erasure secret (32 random bytes), created on first use.

    The file ``key_path()`` is created with ``secrets.token_bytes(32)`` and mode 0600 (only its owner
    may read it), its folder made if needed; it is never written into a ledger. Keep it: erasure
    lists saved under it can only be checked with it. Returns the key (bytes). Raises
    ``ErasureKeyError`` if the file exists but is not a key (say, truncated).

    >>> len(erasure_key())
    32
    """
    path = key_path()
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        # written whole under a private name, then linked into place: a process starting at the same
        # moment either links its own first or reads this one, never a half-written file
        tmp = path.with_name(f".{KEY_FILE}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_bytes(KEY_BYTES).hex() + "\n")
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass  # another process made it first: read theirs
        finally:
            tmp.unlink()
    try:
        key = bytes.fromhex(path.read_text().strip())
    except ValueError:
        key = b""
    if len(key) != KEY_BYTES:
        raise ErasureKeyError(f"{path} is not an erasure key ({KEY_BYTES} bytes as hex). Restore it from a backup; "
                              "if it is lost, erasure lists saved under it can no longer be checked.")
    return key


def key_id(key: bytes | None = None) -> str:
    """A short public fingerprint of an erasure secret, stored in the erasure list's header.

    It is HMAC-SHA256 of a fixed label under the key (16 hex digits): equal keys give equal ids, and
    the id reveals nothing about the key or any name. ``key`` defaults to ``erasure_key()``.

    >>> key_id(bytes(32)) == key_id(bytes(32)) != key_id(bytes(31) + b"x")
    True
    """
    key = erasure_key() if key is None else key
    return hmac.new(key, _KEY_ID_LABEL, hashlib.sha256).hexdigest()[:16]


def subject_key(subject: str, key: bytes | None = None) -> str:
    """The keyed hash of a person's name: what an erasure list keeps instead of the name.

    The name is normalised (``normalise_name``: case, spacing, underscores) and hashed with
    HMAC-SHA256 under ``key`` (default: this installation's ``erasure_key()``); all 64 hex digits are
    kept. The same name and key always give the same result, so a crawl can check a name against the
    erasure list; without the key, hashing a list of candidate names finds nothing (lesson A4).

    Parameters: ``subject`` (str) the person's name; ``key`` (bytes, optional) the secret.
    Returns: str, 64 hex digits. Raises ``ErasureKeyError`` if the installation's key file is damaged.

    >>> k = bytes(32)
    >>> subject_key("Gordon  Brown", k) == subject_key("gordon brown", k) != subject_key("gordon brown", b"other")
    True
    >>> len(subject_key("Ann", k))
    64
    """
    key = erasure_key() if key is None else key
    return hmac.new(key, normalise_name(subject).encode("utf-8"), hashlib.sha256).hexdigest()


class Ledger:
    """The provenance ledger: one row (a dict with the fields in ``COLUMNS``) per URL a crawler considered.

    A crawl fills it with ``record``; ``table()`` gives it as a pandas DataFrame, ``photos()`` the
    collected photos only. ``erase(name)`` removes a person's rows and files and remembers the request;
    ``is_erased(name)`` says whether it was made. ``save``/``load`` write and read it as CSV.

    Parameters: ``rows`` (list of dicts, optional) rows to start with; ``erased`` (set of keys from
    ``subject_key``, optional) erasure requests to start with; ``key`` (bytes, optional) the erasure
    secret, by default this installation's ``erasure_key()`` (read when first needed).

    >>> led = Ledger()
    >>> _ = led.record("http://127.0.0.1/photos/ann/1.jpg", "collected", kind="photo", subject="Ann")
    >>> len(led), list(led.photos()["subject"])
    (1, ['Ann'])
    >>> led.erase("Ann"), led.is_erased("Ann"), len(led)
    (1, True, 0)
    """

    def __init__(self, rows: list[dict] | None = None, erased: set[str] | None = None, key: bytes | None = None):
        self._rows: list[dict] = list(rows or [])
        self.erased: set[str] = set(erased or ())
        self._key = key

    def _subject_key(self, subject: str) -> str:
        if self._key is None:
            self._key = erasure_key()
        return subject_key(subject, self._key)

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

    def record_withheld(self, url: str, decision: str, **fields) -> dict:
        """Record that something about an erased person was skipped, without writing down what.

        A URL such as ``/people/gordon-brown`` names the person as surely as the name does, so the row
        keeps ``WITHHELD`` instead of ``url``, no ``referrer``, ``subject``, ``file`` or ``sha256``, and
        only the other fields given (``kind``, ``status``...). ``url`` is accepted so that callers read like
        ``record``; it is not stored. Returns the row (a dict); raises ``ValueError`` as ``record`` does.

        >>> Ledger().record_withheld("http://127.0.0.1/people/ann", "skipped: erasure request", kind="page")["url"]
        '(withheld: erasure request)'
        """
        kept = {k: v for k, v in fields.items() if k not in ("referrer", "subject", "file", "sha256")}
        return self.record(WITHHELD, decision, note="URL withheld: it names a person who asked to be erased", **kept)

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
        for ``None``. Looks the name up by its keyed hash (``subject_key``), so case and spacing do not matter.

        >>> led = Ledger(); _ = led.erase("Ann Smith")
        >>> led.is_erased("ann  smith"), led.is_erased("Bob"), led.is_erased(None)
        (True, False, False)
        """
        return subject is not None and bool(self.erased) and self._subject_key(subject) in self.erased

    def erase(self, subject: str) -> int:
        """Remove every row about ``subject`` (and delete their stored photo files); remember the request.

        Returns the number of rows removed (0 if there were none: the request is still remembered).
        Raises ``ValueError`` if ``subject`` is not a non-empty string. The gallery is not touched:
        use ``collect.erase_everywhere`` to erase from both.
        """
        if not isinstance(subject, str) or not subject.strip():
            raise ValueError("erase() needs the person's name as a non-empty string")
        name = normalise_name(subject)
        keep, gone = [], []
        for r in self._rows:
            (gone if r["subject"] is not None and normalise_name(r["subject"]) == name else keep).append(r)
        for r in gone:
            if r["file"]:
                Path(r["file"]).unlink(missing_ok=True)
        self._rows = keep
        self.erased.add(self._subject_key(subject))
        return len(gone)

    def save(self, path: str | Path) -> Path:
        """Write the ledger as CSV, and the erasure list beside it (``<name>.erased.txt``); returns ``path``.

        The erasure list holds one keyed hash per request (never a name, never the key) under a header
        line with the key's ``key_id``, so ``load`` can tell whether it is checking with the right
        secret. Folders are created as needed. Read it back with ``Ledger.load(path)``."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.table().to_csv(path, index=False)
        if self._key is None:
            self._key = erasure_key()
        lines = [ERASED_HEADER + key_id(self._key)] + sorted(self.erased)
        path.with_suffix(".erased.txt").write_text("".join(line + "\n" for line in lines))
        return path

    @classmethod
    def load(cls, path: str | Path, key: bytes | None = None) -> "Ledger":
        """Read a ledger written by ``save``, checking its erasure list with ``key`` (default: this installation's).

        Raises ``FileNotFoundError`` if there is none at ``path``, ``ValueError`` if the CSV lacks ledger
        columns, and ``ErasureKeyError`` (a ``ValueError``) if the erasure list holds requests made
        with another secret, or with no secret at all (an old list of plain hashes): those requests
        could not be honoured, so the ledger is not loaded."""
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"no ledger at {path}; a crawl writes one with Ledger.save()")
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
        missing = set(COLUMNS) - set(table.columns)
        if missing:
            raise ValueError(f"{path} is not a ledger: it lacks column(s) {sorted(missing)}")
        rows = [{k: (v if v != "" else None) for k, v in r.items()} for r in table[COLUMNS].to_dict("records")]
        erased_file = path.with_suffix(".erased.txt")
        lines = erased_file.read_text().splitlines() if erased_file.is_file() else []
        header = lines[0] if lines and lines[0].startswith("#") else ""
        erased = {ln.strip() for ln in lines if ln.strip() and not ln.startswith("#")}
        key = erasure_key() if key is None else key
        if erased:
            stored = header.removeprefix(ERASED_HEADER).strip() if header.startswith(ERASED_HEADER) else None
            if stored is None:
                raise ErasureKeyError(
                    f"{erased_file} is an erasure list without a key-id (plain hashes from an older course "
                    "version): its requests cannot be checked. Erase those people again with Ledger.erase "
                    "and save the ledger.")
            if stored != key_id(key):
                raise ErasureKeyError(
                    f"{erased_file} was made with another erasure key (key-id {stored}; this installation's "
                    f"is {key_id(key)}), so its {len(erased)} erasure request(s) cannot be recognised. Load it "
                    f"with the installation that saved it, or copy that installation's {KEY_FILE} to "
                    f"{key_path()} (or point FACECOURSE_LOCAL at its folder). Do not delete the list.")
        return cls(rows, erased, key=key)


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
    The widget wiring (an ``observe`` callback per dropdown, writing into an ``HTML`` widget) is the
    course's explorer helper, :func:`facecourse.widgets.explorer`; the logic is :func:`filter_rows`.
    """
    import ipywidgets as w

    from ..widgets import explorer

    if not ledgers or not all(isinstance(v, Ledger) for v in ledgers.values()):
        raise TypeError("ledger_explorer expects a dict like {'polite': ledger, 'careless': ledger}")
    tables = {name: led.table() for name, led in ledgers.items()}
    controls = {"crawl": w.Dropdown(options=list(tables), description="crawl"),
                "kind": w.Dropdown(options=[ALL, "page", "photo", "attempt", "robots", "login", "opt-out registry"],
                                   description="kind"),
                "decision": w.Dropdown(options=[ALL, "collected", "skipped", "not kept", "not collected", "rejected",
                                                "rate-limited"], description="decision")}

    def render(crawl, kind, decision):
        return filter_rows(tables[crawl], kind, decision)

    def show(rows):
        shown = rows[["url", "kind", "status", "decision", "subject"]].head(25)
        return (f"<p>{len(rows)} ledger row(s)</p>" + shown.to_html(index=False, escape=True, na_rep="")
                if len(rows) else "<p>No ledger row matches.</p>")

    return explorer(controls, render, show=show)
