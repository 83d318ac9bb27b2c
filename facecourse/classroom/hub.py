"""The course on a classroom JupyterHub: the nbgitpuller link, and collecting notebooks from students' homes.

The hub itself is configured by ``hub/jupyterhub_config.py`` (JupyterHub 5, the course
environment as every student's environment, JupyterLab by default, nbgitpuller). Here:

* :func:`nbgitpuller_link`: the link an instructor posts; a student who follows it logs in, and
  nbgitpuller clones the course into their home folder (or merges its updates into their copy
  without touching their own changes), then opens the notebook in JupyterLab.
  ``python3 course.py link --hub https://hub.example.edu --path exercises/B4_verification.ipynb``.
* :func:`collect_from_homes`: copies one assignment's notebook out of every student's home into a
  submissions folder that ``python3 course.py grade`` reads. ``python3 course.py collect /home
  --assignment B4_verification --out submissions/``. A home belongs to its student, so nothing in
  it is trusted: no symbolic link is followed at any step of the path, only regular files owned by
  the home's owner are copied, and each file is capped in size.

Example::

    >>> nbgitpuller_link("https://hub.example.edu", "exercises/00_warmup.ipynb",
    ...                  repo="https://github.com/facecourse/facecourse")  # doctest: +NORMALIZE_WHITESPACE
    'https://hub.example.edu/hub/user-redirect/git-pull?repo=https%3A%2F%2Fgithub.com%2Ffacecourse%2Ffacecourse&urlpath=lab%2Ftree%2Ffacecourse%2Fexercises%2F00_warmup.ipynb&targetPath=facecourse'
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import stat
from dataclasses import dataclass
from datetime import datetime, timezone
from errno import ELOOP, ENOTDIR
from pathlib import Path, PurePosixPath
from urllib.parse import urlencode, urlsplit

from ..grading.collect import MAX_NOTEBOOK_BYTES, visible

DEFAULT_PATH = "lessons/00_start_here.ipynb"


def repository(settings: dict | None = None) -> tuple[str, str | None]:
    """(git URL, branch or None) of the course, from ``[tool.facecourse]`` in pyproject.toml.

    The same setting as the Binder links: ``binder_repo = "owner/name"`` is the GitHub repository,
    ``binder_ref`` its branch (``HEAD``: the repository's default branch, which nbgitpuller finds itself).
    """
    if settings is None:
        import tomllib

        from ..paths import ROOT

        settings = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["facecourse"]
    ref = settings.get("binder_ref", "HEAD")
    return f"https://github.com/{settings['binder_repo']}", (None if ref == "HEAD" else ref)


def nbgitpuller_link(hub: str, path: str = DEFAULT_PATH, repo: str | None = None, branch: str | None = None,
                     target: str | None = None) -> str:
    """The nbgitpuller link that pulls the course into a student's hub home and opens ``path`` in JupyterLab.

    ``hub`` is the hub's address (``https://hub.example.edu``, with its base path if it has one);
    ``path`` a file or folder of the repository; ``repo`` and ``branch`` default to
    :func:`repository` (any URL ``git clone`` accepts works, a local path included); ``target`` is
    the folder in the student's home (default: the repository's name, without ``.git``). The
    format is nbgitpuller's (its link generator's ``hub/user-redirect/git-pull?repo=...&urlpath=...``).
    Raises ``ValueError`` for a hub that is not an http(s) address or a path that leaves the repository.
    """
    parts = urlsplit(hub)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"the hub address must start with https:// (or http://), not {hub!r}")
    clean = PurePosixPath(path.strip("/"))
    if not path.strip("/") or clean.is_absolute() or ".." in clean.parts:
        raise ValueError(f"the path must be a file or folder inside the repository, not {path!r}")
    if repo is None:
        repo, default_branch = repository()
        branch = branch or default_branch
    target = target or repo.rstrip("/").rsplit("/", 1)[-1].removesuffix(".git")
    query = {"repo": repo, "urlpath": f"lab/tree/{target}/{clean}"}
    if branch:
        query["branch"] = branch
    query["targetPath"] = target  # nbgitpuller's default would keep a ".git" suffix of a local path
    return hub.rstrip("/") + "/hub/user-redirect/git-pull?" + urlencode(query)


@dataclass
class Collected:
    """One home folder's result: ``status`` is ``collected`` or why nothing was copied."""

    student: str
    home: str
    status: str
    file: str = ""
    modified: str = ""  # the notebook's modification time (UTC, ISO 8601): set by the student's server
    sha256: str = ""


def _open_beneath(home_fd: int, rel: PurePosixPath) -> int:
    """Open ``rel`` under the directory ``home_fd`` following no symbolic link (OSError otherwise)."""
    fd = os.dup(home_fd)
    try:
        for part in rel.parts[:-1]:
            nxt = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=fd)
            os.close(fd)
            fd = nxt
        return os.open(rel.parts[-1], os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=fd)
    finally:
        os.close(fd)


def _read_capped(fd: int, limit: int) -> bytes:
    chunks, size = [], 0
    while True:
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > limit:
            raise ValueError(f"larger than {limit // 2**20} MB")
        chunks.append(chunk)


def collect_from_homes(homes: str | Path, assignment: str, out: str | Path, folder: str = "facecourse",
                       prefix: str = "") -> list[Collected]:
    """Copy ``<home>/<folder>/exercises/<assignment>.ipynb`` of every home in ``homes`` to ``out/<student>/``.

    ``homes`` holds one folder per user (``/home`` on The Littlest JupyterHub, the spawner's home
    template's parent folder); ``folder`` is where the nbgitpuller link put the course (its
    ``targetPath``); ``prefix`` is stripped from folder names to give student names (TLJH's
    ``jupyter-``). Each copy keeps the notebook's modification time, and ``out`` gets one
    ``<student>/<assignment>.ipynb`` per collected home, in the layout ``grade`` reads.

    Nothing in a home is trusted: a symbolic link anywhere on the path, a file that is not regular
    (a FIFO, a device), a file owned by another user than the home's owner (a hard link to someone
    else's work) or one larger than the grader's notebook limit is not copied, and says why. Returns
    one :class:`Collected` per home, sorted by student. Raises ``ValueError`` for a missing ``homes``
    folder, a bad assignment name, or ``out`` inside ``homes``.
    """
    homes, out = Path(homes).resolve(), Path(out).resolve()
    if not homes.is_dir():
        raise ValueError(f"no home folders at {homes}")
    if not assignment or "/" in assignment or assignment.startswith("."):
        raise ValueError(f"not an assignment name: {assignment!r}")
    if out == homes or homes in out.parents:
        raise ValueError(f"the output folder {out} must not be inside the home folders {homes}")
    rel = PurePosixPath(folder.strip("/")) / "exercises" / f"{assignment}.ipynb"
    if ".." in rel.parts:
        raise ValueError(f"the course folder must be inside each home, not {folder!r}")
    results = []
    for entry in sorted(os.scandir(homes), key=lambda e: e.name):
        name = entry.name
        student = visible(name[len(prefix):] if prefix and name.startswith(prefix) else name)
        if name.startswith(".") or (prefix and not name.startswith(prefix)):
            continue
        if entry.is_symlink() or not entry.is_dir(follow_symlinks=False):
            results.append(Collected(student, name, "not a home folder (a file or a symbolic link): skipped"))
            continue
        results.append(_collect_one(homes, name, student, rel, out, assignment))
    return sorted(results, key=lambda c: (c.student, c.home))


def _collect_one(homes: Path, name: str, student: str, rel: PurePosixPath, out: Path, assignment: str) -> Collected:
    found = Collected(student, name, "", file=f"{name}/{rel}")
    try:
        home_fd = os.open(homes / name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError as exc:
        found.status = f"home folder unreadable ({exc.strerror})"
        return found
    try:
        owner = os.fstat(home_fd).st_uid
        try:
            fd = _open_beneath(home_fd, rel)
        except FileNotFoundError:
            found.status = "no notebook (the course was never pulled, or the file was renamed)"
            return found
        except OSError as exc:
            found.status = ("symbolic link on the path: not followed, not collected" if exc.errno in (ELOOP, ENOTDIR)
                            else f"unreadable ({exc.strerror})")  # ELOOP, ENOTDIR: a link where a folder should be
            return found
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                found.status = "not a regular file: not collected"
                return found
            if st.st_uid != owner:
                found.status = "owned by another user than the home's owner: not collected"
                return found
            try:
                data = _read_capped(fd, MAX_NOTEBOOK_BYTES)
            except ValueError as exc:
                found.status = f"notebook {exc}: not collected"
                return found
        finally:
            os.close(fd)
    finally:
        os.close(home_fd)
    target = out / student.replace("/", "_") / f"{assignment}.ipynb"
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_bytes(data)
    os.utime(tmp, ns=(st.st_mtime_ns, st.st_mtime_ns))
    os.replace(tmp, target)
    found.status = "collected"
    found.modified = datetime.fromtimestamp(st.st_mtime, timezone.utc).isoformat(timespec="seconds")
    found.sha256 = hashlib.sha256(data).hexdigest()
    return found


def collected_csv(results: list[Collected]) -> str:
    """The collection record as CSV: ``student, home, status, file, submitted, sha256`` (``submitted`` is the
    notebook's modification time, which ``course.py export --submitted`` reads for late flags)."""
    from ..grading.report import csv_cell

    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["student", "home", "status", "file", "submitted", "sha256"])
    for c in results:
        writer.writerow([csv_cell(v) for v in (c.student, c.home, c.status, c.file, c.modified, c.sha256)])
    return buf.getvalue()
