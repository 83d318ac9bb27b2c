"""Course datasets: manifests, fetching, verification and loaders.

Every file the course uses that it does not make itself is listed in a manifest under
``datasets/manifests/<dataset>.csv`` with its path, sha256, size and official URL.
``fetch`` brings the files into the cache (``datasets/cache/<dataset>/...``) either from the
official URLs or from a local mirror (a folder or an archive laid out as
``<dataset>/<path>``), and checks every checksum before a file is put in place.

Command line (inside the course environment)::

    python -m facecourse.data fetch  [--subset teaching|pairs|all] [--mirror DIR_OR_ARCHIVE]
    python -m facecourse.data verify [--subset ...]

``FACECOURSE_MIRROR`` sets the default mirror; ``FACECOURSE_DATA`` moves the cache.

**Opt-out.** ``datasets/optout/<dataset>.csv`` lists people who asked to be left out of the course
(columns ``identity``, ``date``, ``note``; see ``datasets/optout/README.md``), and ``FACECOURSE_OPTOUT``
may name more such files (separated by ``os.pathsep``) without editing the repository. One function
decides, :func:`opted_out`; the fetcher does not fetch their images and removes them from the cache,
``verify`` reports them as excluded, the embeddings loader, galleries and search leave them out, and
:func:`read_pairs` drops the LFW pairs that name them (with a warning, because the numbers change).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import os
import shutil
import socket
import sys
import tarfile
import threading
import urllib.error
import urllib.request
import warnings
import zipfile
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from .paths import DATASETS as DATASETS_DIR
from .paths import MANIFEST_DIR, ROOT, SUBSET_DIR, cache_dir  # noqa: F401 - re-exported (data.ROOT, data.cache_dir)

DATASETS = ("lfw", "examples")
LFW_SUBSETS = ("teaching", "pairs", "all")
USER_AGENT = "facecourse-fetcher/1.0 (teaching course; verifies sha256)"
CHUNK = 1 << 16


class DataError(Exception):
    """Something is wrong with the course data; the message says what to do."""


class ManifestError(DataError):
    """A manifest file is unreadable or contains an unsafe or malformed entry."""


class ChecksumError(DataError):
    """A file's bytes do not match the manifest (size or sha256)."""


class SourceUnavailable(DataError):
    """Neither the network nor a mirror could provide the data."""


class MissingDataError(DataError):
    """Files the course needs are not in the cache (or are corrupt)."""


class OptedOutError(DataError):
    """The person asked to be left out of the course (the opt-out list): their data is not used."""


# ----------------------------------------------------------------------------- opt-out

OPTOUT_DIR = DATASETS_DIR / "optout"
OPTOUT_COLUMNS = ("identity", "date", "note")


def normalise_identity(name: str) -> str:
    """A person's name as the opt-out list and erasure compare it: lower case, underscores as spaces,
    single spaces. ``"Gordon_Brown"`` (an LFW folder) and ``"Gordon Brown"`` (a web page) are one person.

    >>> normalise_identity("Gordon_Brown") == normalise_identity(" gordon  BROWN")
    True
    """
    return " ".join(str(name).replace("_", " ").lower().split())


def optout_files(dataset: str = "lfw") -> list[Path]:
    """The opt-out lists that apply: the committed ``datasets/optout/<dataset>.csv`` (if it exists), then
    every file named in ``FACECOURSE_OPTOUT`` (paths separated by ``os.pathsep``).

    >>> [p.name for p in optout_files("lfw")][:1]
    ['lfw.csv']
    """
    files = [OPTOUT_DIR / f"{dataset}.csv"]
    files = [f for f in files if f.is_file()]
    extra = os.environ.get("FACECOURSE_OPTOUT", "")
    files += [Path(p).expanduser() for p in extra.split(os.pathsep) if p.strip()]
    return files


def read_optout_list(path: Path) -> list[dict]:
    """The rows of one opt-out list (a CSV with columns identity, date, note), checked.

    ``identity`` is the name as spelled in the dataset's folder names (LFW: ``Gordon_Brown``), ``date``
    the day the request was received (``YYYY-MM-DD``), ``note`` free text (may be empty: never a reason
    that identifies more than the name does). Lines starting with ``#`` are comments. Returns a list
    of dicts. Raises ``DataError`` if the file is missing, lacks a column, or has a malformed row.
    """
    import datetime as _dt

    path = Path(path)
    if not path.is_file():
        raise DataError(f"the opt-out list {path} does not exist (check FACECOURSE_OPTOUT)")
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if not ln.lstrip().startswith("#")]
    reader = csv.DictReader(lines)
    missing = set(OPTOUT_COLUMNS) - set(reader.fieldnames or ())
    if missing:
        raise DataError(f"the opt-out list {path} lacks column(s) {sorted(missing)}; columns are {list(OPTOUT_COLUMNS)}")
    rows = []
    for n, row in enumerate(reader, start=2):
        who = (row["identity"] or "").strip()
        if not who or "/" in who or "\\" in who or who.startswith("."):
            raise DataError(f"{path}, row {n}: {row['identity']!r} is not an identity as spelled in a folder name")
        try:
            _dt.date.fromisoformat((row["date"] or "").strip())
        except ValueError:
            raise DataError(f"{path}, row {n}: date {row['date']!r} is not YYYY-MM-DD") from None
        rows.append({"identity": who, "date": row["date"].strip(), "note": (row["note"] or "").strip()})
    return rows


_OPTOUT_CACHE: dict[tuple, frozenset] = {}


def opted_out(dataset: str = "lfw") -> frozenset[str]:
    """The identities of ``dataset`` who asked to be left out: the one function the whole course asks.

    Reads the committed list and any named in ``FACECOURSE_OPTOUT`` (see :func:`optout_files`); the
    result is cached until a file changes. Returns a frozenset of identities as spelled in the lists
    (LFW folder names). Raises ``DataError`` for a malformed list.

    >>> opted_out("lfw")          # nobody has asked so far
    frozenset()
    """
    files = optout_files(dataset)
    stamp = (dataset,) + tuple((str(f), f.stat().st_mtime_ns if f.is_file() else None) for f in files)
    if stamp not in _OPTOUT_CACHE:
        _OPTOUT_CACHE[stamp] = frozenset(r["identity"] for f in files for r in read_optout_list(f))
    return _OPTOUT_CACHE[stamp]


def opted_out_keys(dataset: str = "lfw") -> frozenset[str]:
    """:func:`opted_out` normalised with :func:`normalise_identity`, for comparing names spelled either way.

    >>> opted_out_keys("lfw")
    frozenset()
    """
    return frozenset(normalise_identity(n) for n in opted_out(dataset))


def is_opted_out(identity: str | None, dataset: str = "lfw") -> bool:
    """True if ``identity`` (``"Gordon_Brown"`` or ``"Gordon Brown"``) is on the opt-out list of ``dataset``.

    >>> is_opted_out("Gordon Brown"), is_opted_out(None)
    (False, False)
    """
    keys = opted_out_keys(dataset)
    return bool(keys) and identity is not None and normalise_identity(identity) in keys


def entry_identity(entry: Entry) -> str | None:
    """The person an LFW image entry shows (its folder name), or None for other files."""
    parts = entry.path.split("/")
    return parts[1] if entry.dataset == "lfw" and len(parts) >= 3 and parts[0] == "images" else None


def split_opted_out(entries: list[Entry]) -> tuple[list[Entry], list[Entry]]:
    """``(kept, excluded)``: the entries whose person is on an opt-out list go to ``excluded``."""
    keys = opted_out_keys("lfw")
    if not keys:
        return list(entries), []
    kept, excluded = [], []
    for e in entries:
        who = entry_identity(e)
        (excluded if who is not None and normalise_identity(who) in keys else kept).append(e)
    return kept, excluded


def remove_opted_out(root: Path | None = None) -> int:
    """Delete from the cache every LFW image of a person on the opt-out list; returns how many files went.

    ``fetch`` calls it, so an opt-out takes effect at the next ``python3 course.py data``.
    """
    keys = opted_out_keys("lfw")
    images = Path(root or cache_dir()) / "lfw" / "images"
    removed = 0
    if keys and images.is_dir():
        for folder in images.iterdir():
            if folder.is_dir() and normalise_identity(folder.name) in keys:
                removed += sum(1 for f in folder.rglob("*") if f.is_file())
                shutil.rmtree(folder)
    return removed


@dataclass(frozen=True)
class Entry:
    """One file of a dataset, as the manifest lists it."""

    dataset: str
    path: str  # POSIX path relative to the dataset folder
    sha256: str
    bytes: int
    url: str


# ----------------------------------------------------------------------------- paths


def safe_relpath(path: str) -> str:
    """Return ``path`` normalised, or raise ManifestError if it could leave its folder.

    Absolute paths, drive letters, backslashes, ``..`` and empty components are refused:
    a manifest must never make the fetcher write outside the data folder.
    """
    if not isinstance(path, str) or not path.strip():
        raise ManifestError(f"empty path in manifest: {path!r}")
    if "\\" in path or "\x00" in path:
        raise ManifestError(f"refusing path with a backslash or NUL byte: {path!r}")
    p = PurePosixPath(path)
    if p.is_absolute() or (len(path) > 1 and path[1] == ":"):
        raise ManifestError(f"refusing absolute path in manifest: {path!r}")
    if any(part in ("..", ".", "") for part in path.split("/")):
        raise ManifestError(f"refusing path that is not a plain relative path: {path!r}")
    return str(p)


def local_path(entry: Entry, root: Path | None = None) -> Path:
    """The cache location of ``entry`` (checked to stay inside the cache)."""
    base = (root or cache_dir()) / entry.dataset
    target = (base / safe_relpath(entry.path)).resolve()
    if not target.is_relative_to(base.resolve()):
        raise ManifestError(f"{entry.path!r} resolves outside {base}")
    return target


# ----------------------------------------------------------------------------- manifests


_MANIFEST_CACHE: dict[tuple, tuple[Entry, ...]] = {}


def load_manifest(dataset: str, manifest_dir: Path | None = None) -> list[Entry]:
    """Read ``<manifest_dir>/<dataset>.csv`` (columns path, sha256, bytes, url).

    The parsed entries are kept until the file changes (its size or modification time), so the
    sites, subsets and checks that ask again do not parse LFW's 13,000 rows each time.
    """
    mfile = Path(manifest_dir or MANIFEST_DIR) / f"{dataset}.csv"
    if not mfile.is_file():
        raise ManifestError(
            f"no manifest for dataset {dataset!r} at {mfile}. Known datasets: {', '.join(DATASETS)}"
        )
    st = mfile.stat()
    stamp = (str(mfile.resolve()), dataset, st.st_mtime_ns, st.st_size)
    if stamp not in _MANIFEST_CACHE:
        _MANIFEST_CACHE[stamp] = tuple(_parse_manifest(dataset, mfile))
    return list(_MANIFEST_CACHE[stamp])


def _parse_manifest(dataset: str, mfile: Path) -> list[Entry]:
    entries = []
    with open(mfile, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        missing = {"path", "sha256", "bytes", "url"} - set(reader.fieldnames or ())
        if missing:
            raise ManifestError(f"{mfile} lacks column(s) {sorted(missing)}")
        for line, row in enumerate(reader, start=2):
            sha = (row["sha256"] or "").strip().lower()
            if len(sha) != 64 or any(c not in "0123456789abcdef" for c in sha):
                raise ManifestError(f"{mfile}:{line}: malformed sha256 {row['sha256']!r}")
            try:
                size = int(row["bytes"])
            except (TypeError, ValueError):
                raise ManifestError(f"{mfile}:{line}: malformed byte count {row['bytes']!r}") from None
            entries.append(Entry(dataset, safe_relpath(row["path"]), sha, size, row["url"].strip()))
    return entries


def _read_subset_list(name: str) -> list[str]:
    lines = (SUBSET_DIR / f"lfw-{name}.txt").read_text(encoding="utf-8").splitlines()
    return [ln.strip() for ln in lines if ln.strip() and not ln.startswith("#")]


def pairs_image_paths(pairs_file: Path, include_opted_out: bool = False) -> list[str]:
    """Image paths (``images/<Person>/<Person>_NNNN.jpg``) named in an LFW pairs file.

    Images of people on the opt-out list are left out unless ``include_opted_out``.
    """
    pairs = read_pairs(pairs_file, include_opted_out=True)
    return sorted({lfw_image_relpath(p, i) for pair in pairs for p, i in pair[:2]
                   if include_opted_out or not is_opted_out(p)})


def select(dataset: str, subset: str = "all", manifest_dir: Path | None = None) -> list[Entry]:
    """The manifest entries that make up ``subset`` of ``dataset``.

    LFW subsets always include the protocol files. ``pairs`` is every image that
    ``protocol/pairs.txt`` names (7,701); it needs that file in the cache first, and ``fetch``
    takes care of that. ``examples`` has only ``all``. Images of people on the opt-out list
    (:func:`opted_out`) are never selected.
    """
    entries = split_opted_out(load_manifest(dataset, manifest_dir))[0]
    if subset == "all":
        return entries
    if dataset != "lfw" or subset not in LFW_SUBSETS:
        raise DataError(f"unknown subset {subset!r} for {dataset!r}; choose one of {LFW_SUBSETS}")
    protocol = [e for e in entries if e.path.startswith("protocol/")]
    if subset == "teaching":
        wanted = set(_read_subset_list("teaching"))
    else:
        pairs = local_path(next(e for e in protocol if e.path == "protocol/pairs.txt"))
        if not pairs.is_file():
            raise MissingDataError(
                "the 'pairs' subset is defined by protocol/pairs.txt, which is not in the cache yet; "
                "run `python -m facecourse.data fetch --subset teaching` first (fetch does this for you)"
            )
        wanted = set(pairs_image_paths(pairs))
    chosen = [e for e in entries if e.path in wanted]
    unknown = wanted - {e.path for e in chosen} - {e.path for e in split_opted_out(load_manifest(dataset, manifest_dir))[1]}
    if unknown:
        raise ManifestError(f"subset {subset!r} names files not in the manifest: {sorted(unknown)[:5]}")
    return protocol + chosen


# ----------------------------------------------------------------------------- hashing


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(CHUNK), b""):
            h.update(block)
    return h.hexdigest()


def file_is_valid(entry: Entry, path: Path) -> bool:
    """True if ``path`` exists with the manifest's size and sha256."""
    try:
        if path.stat().st_size != entry.bytes:
            return False
    except OSError:
        return False
    return sha256_file(path) == entry.sha256


# ----------------------------------------------------------------------------- sources


class _Mirror:
    """A local copy laid out as ``<dataset>/<path>``: a folder or a .zip/.tar[.gz] archive."""

    def __init__(self, location: str | os.PathLike):
        self.location = Path(location).expanduser()
        if not self.location.exists():
            raise SourceUnavailable(
                f"the mirror {self.location} does not exist. Give the folder that holds "
                f"'lfw/' and 'examples/' (for example ../shared/datasets), or an archive of it."
            )
        self._lock = threading.Lock()
        self._names: dict[str, str] | None = None
        self._archive = None
        if self.location.is_file():
            name = self.location.name.lower()
            if name.endswith(".zip"):
                self._archive = zipfile.ZipFile(self.location)
                members = self._archive.namelist()
            elif tarfile.is_tarfile(self.location):
                self._archive = tarfile.open(self.location)
                members = [m.name for m in self._archive.getmembers() if m.isfile()]
            else:
                raise SourceUnavailable(f"{self.location} is neither a folder nor a .zip/.tar archive")
            # accept an optional single top folder, e.g. datasets/lfw/...
            self._names = {}
            for m in members:
                parts = PurePosixPath(m).parts
                for k in range(len(parts)):
                    self._names.setdefault("/".join(parts[k:]), m)

    def describe(self) -> str:
        return f"mirror {self.location}"

    def open(self, entry: Entry):
        key = f"{entry.dataset}/{entry.path}"
        if self._archive is None:
            src = self.location / entry.dataset / entry.path
            if not src.is_file():
                raise FileNotFoundError(f"{key} is not in the {self.describe()}")
            return open(src, "rb")
        member = (self._names or {}).get(key)
        if member is None:
            raise FileNotFoundError(f"{key} is not in the archive {self.location}")
        with self._lock:  # archive readers are not thread-safe: read the member whole
            if isinstance(self._archive, zipfile.ZipFile):
                data = self._archive.read(member)
            else:
                data = self._archive.extractfile(member).read()
        return io.BytesIO(data)


class _Web:
    """The official URLs in the manifest."""

    def __init__(self, timeout: float = 30.0):
        self.timeout = timeout

    def describe(self) -> str:
        return "the official URLs"

    def open(self, entry: Entry):
        if not entry.url:
            raise FileNotFoundError(f"{entry.dataset}/{entry.path} has no URL in the manifest")
        req = urllib.request.Request(entry.url, headers={"User-Agent": USER_AGENT})
        try:
            return urllib.request.urlopen(req, timeout=self.timeout)
        except urllib.error.HTTPError as exc:
            raise FileNotFoundError(f"{entry.url} answered HTTP {exc.code}") from None
        except (urllib.error.URLError, socket.timeout, ConnectionError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise SourceUnavailable(_offline_message(entry.url, reason)) from None


def _offline_message(url: str, reason) -> str:
    return (
        f"could not download {url} ({reason}).\n"
        "No network and no mirror: the course data cannot be fetched.\n"
        "Fix: connect to the internet, or point the fetcher at a local copy of the datasets, e.g.\n"
        "    FACECOURSE_MIRROR=/path/to/datasets python3 course.py data\n"
        "    python -m facecourse.data fetch --mirror /path/to/datasets   (a folder or .zip/.tar.gz)\n"
        "The copy must hold lfw/images/..., lfw/protocol/... and examples/... ."
    )


# ----------------------------------------------------------------------------- fetch / verify


@dataclass
class Report:
    """What a fetch or verify found. ``problems`` maps a dataset path to what is wrong."""

    checked: int = 0
    fetched: int = 0
    already_ok: int = 0
    problems: dict[str, str] = field(default_factory=dict)
    excluded: int = 0  # files left out because their person is on the opt-out list

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        text = (
            f"{self.checked} files checked: {self.already_ok} already verified, "
            f"{self.fetched} fetched, {len(self.problems)} problem(s)"
        )
        if self.excluded:
            text += f"; {self.excluded} file(s) excluded: their people are on the opt-out list (datasets/optout/)"
        for path, what in sorted(self.problems.items()):
            text += f"\n  {path}: {what}"
        return text


def _copy_verified(entry: Entry, source, dest: Path) -> None:
    """Copy one file from ``source`` to ``dest`` atomically, checking size and sha256.

    Bytes go to a temporary file beside ``dest``; only a file whose checksum matches is moved
    into place (``os.replace``), so an interruption or a bad copy never leaves a half or wrong
    file under the real name, and an existing file is untouched when the new copy is bad.
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.part-{os.getpid()}-{threading.get_ident()}")
    h = hashlib.sha256()
    size = 0
    try:
        with source.open(entry) as src, open(tmp, "wb") as out:
            while True:
                block = src.read(CHUNK)
                if not block:
                    break
                size += len(block)
                if size > entry.bytes:
                    raise ChecksumError(
                        f"{entry.dataset}/{entry.path}: {source.describe()} sent more than the "
                        f"{entry.bytes} bytes the manifest lists; nothing was written"
                    )
                h.update(block)
                out.write(block)
        if size != entry.bytes or h.hexdigest() != entry.sha256:
            raise ChecksumError(
                f"{entry.dataset}/{entry.path}: checksum mismatch from {source.describe()} "
                f"(got {size} bytes, sha256 {h.hexdigest()[:12]}…, expected {entry.bytes} bytes, "
                f"{entry.sha256[:12]}…); nothing was written. The copy there is damaged or "
                f"different from the official file."
            )
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)


def _clean_partials(folder: Path) -> None:
    if folder.is_dir():
        for stray in folder.rglob(".*.part-*"):
            stray.unlink(missing_ok=True)


def _progress(total: int, desc: str, enabled: bool):
    try:
        from tqdm.auto import tqdm
    except ImportError:  # pragma: no cover - tqdm is pinned in requirements
        enabled = False
    if not enabled:

        class _Null:
            def update(self, n=1):
                pass

            def close(self):
                pass

        return _Null()
    # disable=None: a bar on a terminal, nothing in logs (CI); the summary line follows anyway
    return tqdm(total=total, desc=desc, unit="file", disable=None)


def fetch_entries(
    entries: list[Entry],
    mirror: str | os.PathLike | None = None,
    root: Path | None = None,
    workers: int = 8,
    progress: bool = True,
    desc: str = "data",
) -> Report:
    """Make every entry present and verified in the cache; fetch only what is missing or bad."""
    root = Path(root or cache_dir())
    report = Report(checked=len(entries))
    todo = []
    for ds in {e.dataset for e in entries}:
        _clean_partials(root / ds)
    for e in entries:
        if file_is_valid(e, local_path(e, root)):
            report.already_ok += 1
        else:
            todo.append(e)
    if not todo:
        return report
    if mirror is None:
        mirror = os.environ.get("FACECOURSE_MIRROR") or None
    source = _Mirror(mirror) if mirror else _Web()
    bar = _progress(len(todo), f"{desc} from {source.describe()}", progress)
    stop = threading.Event()

    def one(e: Entry):
        if stop.is_set():
            return e, "not attempted (fetch stopped early)"
        try:
            _copy_verified(e, source, local_path(e, root))
            return e, None
        except SourceUnavailable:
            stop.set()
            raise
        except (ChecksumError, FileNotFoundError) as exc:
            return e, str(exc)
        except OSError as exc:
            return e, f"could not write into the cache: {exc}"

    try:
        with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            futures = [pool.submit(one, e) for e in todo]
            for fut in as_completed(futures):
                e, problem = fut.result()
                if problem:
                    report.problems[f"{e.dataset}/{e.path}"] = problem
                else:
                    report.fetched += 1
                bar.update()
    finally:
        bar.close()
    return report


def verify_entries(entries: list[Entry], root: Path | None = None) -> Report:
    """Check every entry in the cache; missing and corrupt files are listed by name."""
    root = Path(root or cache_dir())
    report = Report(checked=len(entries))
    for e in entries:
        p = local_path(e, root)
        if not p.is_file():
            report.problems[f"{e.dataset}/{e.path}"] = "missing"
        elif not file_is_valid(e, p):
            report.problems[f"{e.dataset}/{e.path}"] = "corrupt (size or sha256 differs from the manifest)"
        else:
            report.already_ok += 1
    return report


def required_entries(subset: str = "teaching") -> list[Entry]:
    """What the lessons need: the example photos and LFW ``subset`` (with the protocol files)."""
    return load_manifest("examples") + select("lfw", subset)


def fetch(subset: str = "teaching", mirror=None, progress: bool = True, workers: int = 8) -> Report:
    """Fetch and verify the examples and the LFW ``subset``. Raises DataError on any problem.

    Images of people on the opt-out list are not fetched, and any already in the cache are deleted.
    """
    remove_opted_out()
    report = fetch_entries(load_manifest("examples"), mirror, progress=progress, workers=workers, desc="examples")
    if subset == "pairs":  # the subset is defined by a protocol file: get that first
        protocol = [e for e in load_manifest("lfw") if e.path.startswith("protocol/")]
        _merge(report, fetch_entries(protocol, mirror, progress=False, workers=workers))
    _merge(report, fetch_entries(select("lfw", subset), mirror, progress=progress, workers=workers, desc=f"lfw {subset}"))
    report.excluded = _excluded_count(subset)
    if not report.ok:
        raise MissingDataError("some files could not be fetched and verified:\n" + report.summary())
    return report


def _excluded_count(subset: str) -> int:
    """How many LFW files of ``subset`` the opt-out list leaves out."""
    if not opted_out_keys("lfw"):
        return 0
    excluded = split_opted_out(load_manifest("lfw"))[1]
    if subset == "teaching":
        wanted = set(_read_subset_list("teaching"))
        excluded = [e for e in excluded if e.path in wanted]
    elif subset == "pairs":
        pairs = local_path(Entry("lfw", "protocol/pairs.txt", "", 0, ""))
        wanted = set(pairs_image_paths(pairs, include_opted_out=True)) if pairs.is_file() else set()
        excluded = [e for e in excluded if e.path in wanted]
    return len(excluded)


def _merge(total: Report, part: Report) -> None:
    total.checked += part.checked
    total.fetched += part.fetched
    total.already_ok += part.already_ok
    total.problems.update(part.problems)


def verify(subset: str = "teaching") -> Report:
    """Verify the examples and the LFW ``subset`` in the cache (no fetching).

    Images of people on the opt-out list are counted in ``excluded``, not reported missing; one
    still in the cache is a problem (``fetch`` deletes it).
    """
    try:
        entries = required_entries(subset)
    except MissingDataError as exc:
        report = Report()
        report.problems["lfw/protocol/pairs.txt"] = str(exc)
        return report
    report = verify_entries(entries)
    report.excluded = _excluded_count(subset)
    for e in split_opted_out(load_manifest("lfw"))[1]:
        if local_path(e).exists():
            report.problems[f"lfw/{e.path}"] = "opted out but still in the cache: `python3 course.py data` deletes it"
    return report


# ----------------------------------------------------------------------------- loaders


def lfw_image_relpath(person: str, index: int) -> str:
    """``images/<Person>/<Person>_NNNN.jpg`` for a 1-based image index."""
    if not isinstance(person, str) or not person or "/" in person or person.startswith("."):
        raise ValueError(f"not an LFW person name: {person!r}")
    if isinstance(index, bool) or not isinstance(index, int) or index < 1:
        raise ValueError(f"LFW image indices are whole numbers from 1; got {index!r}")
    return f"images/{person}/{person}_{index:04d}.jpg"


def require(dataset: str, relpath: str) -> Path:
    """The cached path of one dataset file, or a MissingDataError that says how to get it."""
    relpath = safe_relpath(relpath)
    p = cache_dir() / dataset / relpath
    if not p.is_file():
        raise MissingDataError(
            f"{dataset}/{relpath} is not in the data cache ({cache_dir()}). "
            "Run `python3 course.py data` (add `--subset pairs` or `--subset all` for more of LFW)."
        )
    return p


def lfw_image_path(person: str, index: int) -> Path:
    """Path of one LFW image in the cache, e.g. ``lfw_image_path("Gordon_Brown", 7)``.

    Raises ``ValueError`` for a malformed name or index, ``OptedOutError`` if the person is on the
    opt-out list, and ``MissingDataError`` (saying how to fetch it) if the image is not in the cache.
    """
    relpath = lfw_image_relpath(person, index)
    if is_opted_out(person):
        raise OptedOutError(f"{person} asked to be left out of the course (datasets/optout/): their photos are not used")
    return require("lfw", relpath)


def example_path(name: str) -> Path:
    """Path of one face_recognition example photo, e.g. ``"obama.jpg"``."""
    return require("examples", name)


def read_pairs(pairs_file: Path | None = None, include_opted_out: bool = False, warn: bool = True) -> list[tuple]:
    """Parse an LFW pairs file into ``((name1, i1), (name2, i2), same, fold)`` tuples.

    Works for View 2's ``pairs.txt`` (header ``10 300``: 10 folds of 300 matched then 300
    mismatched pairs) and View 1's files (header ``N``: one fold). Pairs naming a person on the
    opt-out list are dropped (unless ``include_opted_out``), with a ``UserWarning`` saying how many,
    because results then differ from the published protocol. Raises ``DataError`` for a malformed file.

    >>> pairs = read_pairs()                      # doctest: +SKIP
    >>> len(pairs), pairs[0][2]                   # doctest: +SKIP
    (6000, True)
    """
    pairs_file = Path(pairs_file or require("lfw", "protocol/pairs.txt"))
    lines = [ln.split("\t") for ln in pairs_file.read_text(encoding="utf-8").splitlines() if ln.strip()]
    if not lines:
        raise DataError(f"{pairs_file} is empty")
    header = [int(x) for x in lines[0][0].split()] if len(lines[0]) == 1 else [int(x) for x in lines[0]]
    folds, per = (header if len(header) == 2 else (1, header[0]))
    rows = lines[1:]
    if len(rows) != folds * per * 2:
        raise DataError(f"{pairs_file}: expected {folds * per * 2} pairs after the header, found {len(rows)}")
    out = []
    for k, r in enumerate(rows):
        fold = k // (2 * per)
        if len(r) == 3:
            out.append(((r[0], int(r[1])), (r[0], int(r[2])), True, fold))
        elif len(r) == 4:
            out.append(((r[0], int(r[1])), (r[2], int(r[3])), False, fold))
        else:
            raise DataError(f"{pairs_file}: line {k + 2} is neither a matched nor a mismatched pair: {r}")
    return out if include_opted_out else drop_opted_out_pairs(out, warn=warn)


def drop_opted_out_pairs(pairs: list[tuple], warn: bool = True) -> list[tuple]:
    """The pairs ``((name1, i1), (name2, i2), same, fold)`` in which neither person is on the opt-out list.

    With ``warn`` (default), a ``UserWarning`` says how many pairs were dropped, if any: accuracy and
    error rates computed without them are not those of the published protocol.
    """
    keys = opted_out_keys("lfw")
    if not keys:
        return list(pairs)
    kept = [p for p in pairs if normalise_identity(p[0][0]) not in keys and normalise_identity(p[1][0]) not in keys]
    if warn and len(kept) < len(pairs):
        warnings.warn(f"{len(pairs) - len(kept)} of {len(pairs)} LFW pairs left out: a person in them is on the "
                      "opt-out list (datasets/optout/), so results differ from the published protocol",
                      UserWarning, stacklevel=2)
    return kept


# ----------------------------------------------------------------------------- maintainer tools


def build_manifest(dataset: str, mirror_dir: Path, url_for) -> list[dict]:
    """Rows for a manifest made from a trusted local copy (a maintainer tool, not used at run time)."""
    base = Path(mirror_dir) / dataset
    rows = []
    for p in sorted(base.rglob("*")):
        if p.is_file() and not p.name.startswith(".") and p.name not in ("README.md", "MANIFEST.csv"):
            rel = p.relative_to(base).as_posix()
            rows.append({"path": rel, "sha256": sha256_file(p), "bytes": p.stat().st_size, "url": url_for(rel)})
    return rows


LFW_BASE_URL = "http://vis-www.cs.umass.edu/lfw/"
EXAMPLES_BASE_URL = "https://raw.githubusercontent.com/ageitgey/face_recognition/master/examples/"


def official_url(dataset: str, rel: str) -> str:
    if dataset == "lfw":
        return LFW_BASE_URL + rel.removeprefix("protocol/")
    return EXAMPLES_BASE_URL + rel


# ----------------------------------------------------------------------------- CLI


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m facecourse.data", description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name, text in (("fetch", "fetch and verify data"), ("verify", "verify data already in the cache")):
        p = sub.add_parser(name, help=text)
        p.add_argument("--subset", default="teaching", choices=LFW_SUBSETS, help="which part of LFW (default: teaching)")
        if name == "fetch":
            p.add_argument("--mirror", help="local folder or archive holding lfw/ and examples/ (default: $FACECOURSE_MIRROR)")
            p.add_argument("--workers", type=int, default=8)
            p.add_argument("--quiet", action="store_true", help="no progress bar")
    m = sub.add_parser("manifest", help="(maintainers) write manifests from a trusted local copy")
    m.add_argument("mirror_dir")
    args = ap.parse_args(argv)
    try:
        if args.cmd == "fetch":
            report = fetch(args.subset, args.mirror, progress=not args.quiet, workers=args.workers)
            print(f"data ready in {cache_dir()}: " + report.summary())
        elif args.cmd == "verify":
            report = verify(args.subset)
            print(report.summary())
            if not report.ok:
                print(f"\nFix: python3 course.py data --subset {args.subset}", file=sys.stderr)
                return 1
        else:
            for ds in DATASETS:
                rows = build_manifest(ds, Path(args.mirror_dir), lambda rel, ds=ds: official_url(ds, rel))
                MANIFEST_DIR.mkdir(parents=True, exist_ok=True)
                with open(MANIFEST_DIR / f"{ds}.csv", "w", newline="", encoding="utf-8") as fh:
                    w = csv.DictWriter(fh, fieldnames=["path", "sha256", "bytes", "url"], lineterminator="\n")
                    w.writeheader()
                    w.writerows(rows)
                print(f"{ds}: {len(rows)} files")
    except DataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
