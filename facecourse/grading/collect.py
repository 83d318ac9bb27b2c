"""Collecting submissions: one gradebook row and one status for every file, whatever the file is.

Submissions are one sub-folder per student (``ann/anything.ipynb``), ``<student>__<anything>.ipynb``
files, or zips of either (as LMSs export them). Collection never lets one file stop the class:

* every file gets a :class:`Submission` with a status when it will not be graded: malformed
  notebooks (invalid JSON, a JSON list, a list-valued assignment name, a cell whose source is not
  text...), hidden files, symbolic links (listed, never followed or read), anything that is not a
  regular file, student names with control characters;
* each gradable notebook is copied READ-ONLY (mode 0444) into the grader's private staging folder
  and only that copy is used afterwards: the student's original is opened once, read-only, with
  ``O_NOFOLLOW``, and never written;
* zips are capped (member count, declared and actually decompressed size: a zip bomb is refused
  with a status); members with ``../`` or absolute names are listed as skipped, never extracted;
* every submission gets a unique ``key`` (index + slug), so work folders can never collide, not
  even for ``ann smith`` and ``ann_smith``;
* written (manual) answers are read here, from the copy, anchored on the ``<!-- END QUESTION -->``
  marker that closes each manual question.

Example::

    subs = collect_submissions(Path("submissions"), Path("grades/.tmp"), "00_warmup")
    [(s.student, s.file, s.status) for s in subs]
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import stat
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ..authoring.exercises import ExerciseError, Question, questions, solution_notebooks

MAX_NOTEBOOK_BYTES = 50 * 1024 * 1024  # one notebook (plots included) is a few MB at most
MAX_ZIP_BYTES = 200 * 1024 * 1024  # the zip file itself
MAX_ZIP_MEMBERS = 500
MAX_ZIP_TOTAL = 200 * 1024 * 1024  # everything a zip may expand to (declared and actually read)
MAX_DEPTH = 8  # folder nesting inside the submissions folder
PLACEHOLDER = "_Type your answer here, replacing this text._"
END_QUESTION = "<!-- END QUESTION -->"

# characters refused in a student name: C0/C1 controls, line and paragraph separators, bidi overrides
_BAD_NAME = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


@dataclass
class Submission:
    student: str
    file: str  # as found in the submissions folder (relative; ``x.zip:member`` for zip members)
    notebook: Path | None = None  # the read-only private copy that is graded
    assignment: str | None = None
    status: str | None = None  # set when the file will not be graded
    mtime: float = 0.0
    key: str = ""  # unique among the submissions of one run; safe as a file name
    manual_answers: dict[str, str] = field(default_factory=dict)


class Malformed(ValueError):
    """The file is not a notebook the grader can run; the message is the gradebook status."""


def visible(text: str) -> str:
    """``text`` with every control character shown as an escape (``ann\\nsmith``): one safe line."""
    return _BAD_NAME.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text.replace("\\", "\\\\")) \
        if _BAD_NAME.search(text) else text


def slug(text: str, limit: int = 40) -> str:
    """A file-name-safe form of ``text`` (letters, digits, ``_`` and ``-``); never empty."""
    s = re.sub(r"[^\w-]+", "_", unicodedata.normalize("NFC", text)).strip("_").lstrip("-")[:limit]
    return s or "_"  # never starts with "-" (an option to shell tools) or "." (hidden)


def short_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()[:8]


def _student_of(rel: Path) -> str:
    if len(rel.parts) > 1:
        return rel.parts[0]
    return rel.name.split("__")[0] if "__" in rel.name else rel.stem


def _student_problem(student: str) -> str | None:
    if _BAD_NAME.search(student):
        return "student name contains control characters (newline, tab, escape...): not graded; rename the file"
    if not student.strip():
        return "no student name (name files <student>__<anything>.ipynb or use one folder per student)"
    return None


def _read_capped(fd: int, limit: int) -> bytes:
    chunks, total = [], 0
    while True:
        chunk = os.read(fd, min(1 << 20, limit + 1 - total))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        total += len(chunk)
        if total > limit:
            raise Malformed(f"file larger than {limit // (1024 * 1024)} MB: refused")


def _read_file(path: Path, limit: int) -> bytes:
    """The bytes of a regular file, read without following a symbolic link and at most ``limit``."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise Malformed(f"unreadable file ({exc.strerror})") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise Malformed("not a regular file: ignored")
        if st.st_size > limit:
            raise Malformed(f"file larger than {limit // (1024 * 1024)} MB: refused")
        return _read_capped(fd, limit)
    finally:
        os.close(fd)


def _text(src) -> str:
    return "".join(src) if isinstance(src, list) else src


def parse_notebook(data: bytes) -> tuple[dict, str | None]:
    """Check that ``data`` is a notebook the grader can run; return it and its assignment name.

    Raises :class:`Malformed` with a one-line reason (the gradebook status) otherwise.
    Example: ``parse_notebook(b"[]")`` raises ``Malformed("malformed notebook: ... a JSON list ...")``.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Malformed("unreadable notebook (not UTF-8 text)") from None
    try:
        nb = json.loads(text)
    except (ValueError, RecursionError):
        raise Malformed("unreadable notebook (not valid JSON)") from None
    kinds = {dict: "a JSON object", list: "a JSON list", str: "a JSON string", int: "a number",
             float: "a number", bool: "true/false", type(None): "null"}
    if not isinstance(nb, dict):
        raise Malformed(f"malformed notebook: the file is {kinds.get(type(nb), 'JSON')}, not a notebook")
    if nb.get("nbformat") != 4:
        raise Malformed(f"malformed notebook: nbformat is {visible(repr(nb.get('nbformat')))[:40]}, not 4")
    meta = nb.get("metadata", {})
    otter = meta.get("otter", {}) if isinstance(meta, dict) else None
    if not isinstance(meta, dict) or not isinstance(otter, dict):
        raise Malformed("malformed notebook: its metadata is not a JSON object")
    name = otter.get("assignment_name")
    if name is not None and not isinstance(name, str):
        raise Malformed(f"malformed notebook: the assignment name is {kinds.get(type(name), 'JSON')}, not text")
    cells = nb.get("cells")
    if not isinstance(cells, list):
        raise Malformed("malformed notebook: it has no list of cells")
    for i, cell in enumerate(cells, 1):
        if not isinstance(cell, dict):
            raise Malformed(f"malformed notebook: cell {i} is not a JSON object")
        kind = cell.get("cell_type")
        if kind not in ("code", "markdown", "raw"):
            raise Malformed(f"malformed notebook: cell {i} has an unknown type")
        src = cell.get("source", "")
        if not (isinstance(src, str) or (isinstance(src, list) and all(isinstance(s, str) for s in src))):
            raise Malformed(f"malformed notebook: cell {i} ({kind}) has a source that is not text")
        cmeta = cell.get("metadata", {})
        if not isinstance(cmeta, dict) or not isinstance(cmeta.get("tags", []), list):
            raise Malformed(f"malformed notebook: cell {i} has malformed metadata")
        if kind == "code" and not isinstance(cell.get("outputs", []), list):
            raise Malformed(f"malformed notebook: cell {i} has malformed outputs")
    try:  # the grader reads it with nbformat: refuse here what nbformat cannot read
        import nbformat

        nbformat.reads(text, as_version=4)
    except Exception as exc:  # noqa: BLE001 - any failure means: not gradable
        raise Malformed(f"malformed notebook: {type(exc).__name__}") from None
    return nb, name


def written_answers(nb: dict, manual: list[Question]) -> dict[str, str]:
    """Each manual question's written answer, by question name.

    The k-th ``<!-- END QUESTION -->`` marker closes the k-th manual question; its answer is every
    markdown cell before that marker (and after the previous one) that is an answer cell (tagged
    ``otter_answer_cell``) or a cell the student added after it. Unanswered: ``"(no answer)"``.
    """
    blocks: list[list[str]] = []
    current: list[str] = []
    started = False
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "markdown":
            continue
        src = _text(cell.get("source", ""))
        meta = cell.get("metadata", {})
        if END_QUESTION in src and meta.get("editable") is False:
            blocks.append(current)
            current, started = [], False
        elif "otter_answer_cell" in meta.get("tags", []):
            current.append(src.strip())
            started = True
        elif started and meta.get("editable") is not False and "<!-- BEGIN QUESTION -->" not in src:
            current.append(src.strip())  # a markdown cell the student added below the answer cell
    answers = {}
    for k, q in enumerate(manual):
        block = blocks[k] if k < len(blocks) else []
        text = "\n\n".join(b for b in block if b and b != PLACEHOLDER).strip()
        if k >= len(blocks):
            text = "(answer not found: the notebook's question markers were removed)"
        answers[q.name] = text or "(no answer)"
    return answers


class _Collector:
    def __init__(self, folder: Path, staging: Path, assignment: str | None,
                 questions_of: Callable[[str], list[Question]], known: set[str]):
        self.folder, self.staging, self.assignment = folder, staging, assignment
        self.questions_of, self.known = questions_of, known
        self.subs: list[Submission] = []
        self.copies = staging / "submissions"
        self.copies.mkdir(parents=True, exist_ok=True)
        self._manual: dict[str, list[Question]] = {}

    def add(self, student: str, label: str, status: str | None = None, mtime: float = 0.0) -> Submission:
        problem = _student_problem(student)
        sub = Submission(visible(student), visible(label), status=problem or status, mtime=mtime)
        sub.key = f"{len(self.subs):04d}-{slug(student, 24)}-{short_hash(student + chr(0) + label)}"
        self.subs.append(sub)
        return sub

    def walk(self, path: Path, depth: int = 0) -> None:
        try:
            entries = sorted(os.scandir(path), key=lambda e: e.name)
        except OSError as exc:
            rel = path.relative_to(self.folder)
            self.add(_student_of(rel / "x"), str(rel) + "/", f"unreadable folder ({exc.strerror})")
            return
        for entry in entries:
            p = Path(entry.path)
            rel = p.relative_to(self.folder)
            student = _student_of(rel)
            try:
                st = entry.stat(follow_symlinks=False)
            except OSError as exc:
                self.add(student, str(rel), f"unreadable ({exc.strerror})")
                continue
            if stat.S_ISLNK(st.st_mode):
                self.add(student, str(rel), "symbolic link: not followed, not graded")
            elif entry.name.startswith("."):
                kind = "folder" if stat.S_ISDIR(st.st_mode) else "file"
                self.add(student, str(rel) + ("/" if kind == "folder" else ""), f"hidden {kind}: ignored")
            elif stat.S_ISDIR(st.st_mode):
                if depth >= MAX_DEPTH:
                    self.add(student, str(rel) + "/", f"folder nested more than {MAX_DEPTH} deep: ignored")
                else:
                    self.walk(p, depth + 1)
            elif not stat.S_ISREG(st.st_mode):
                self.add(student, str(rel), "not a regular file (device, pipe or socket): ignored")
            elif p.suffix.lower() == ".zip":
                self.zip(p, rel, student, st.st_mtime)
            elif p.suffix.lower() == ".ipynb":
                sub = self.add(student, str(rel), mtime=st.st_mtime)
                if sub.status is None:
                    try:
                        self.notebook(sub, _read_file(p, MAX_NOTEBOOK_BYTES))
                    except Malformed as exc:
                        sub.status = str(exc)
            else:
                self.add(student, str(rel), f"not a notebook or zip ({p.suffix or 'no extension'}): ignored")

    def zip(self, path: Path, rel: Path, student: str, mtime: float) -> None:
        owner = self.add(student, str(rel), mtime=mtime)
        if owner.status is not None:
            return
        try:
            data = _read_file(path, MAX_ZIP_BYTES)
            zf = zipfile.ZipFile(io.BytesIO(data))
            infos = zf.infolist()
        except Malformed as exc:
            owner.status = str(exc)
            return
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, NotImplementedError):
            owner.status = "not a readable zip file"
            return
        files = [i for i in infos if not i.is_dir()]
        declared = sum(i.file_size for i in files)
        if len(infos) > MAX_ZIP_MEMBERS:
            owner.status = f"zip refused: {len(infos)} members, more than {MAX_ZIP_MEMBERS}"
            return
        if declared > MAX_ZIP_TOTAL:
            owner.status = (f"zip refused: it would expand to {declared / 2**20:.0f} MB, more than "
                            f"{MAX_ZIP_TOTAL // 2**20} MB (a zip bomb?)")
            return
        budget = [MAX_ZIP_TOTAL]
        found = 0
        for info in files:
            name = info.filename
            label = f"{rel}:{name}"
            parts = name.replace("\\", "/").split("/")
            if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name) or ".." in parts:
                self.add(student, label, "zip member skipped: unsafe path (../ or absolute), never extracted")
            elif "__MACOSX" in parts or any(p.startswith(".") for p in parts if p):
                self.add(student, label, "zip member ignored: hidden file or macOS metadata")
            elif not name.lower().endswith(".ipynb"):
                self.add(student, label, "zip member ignored: not a notebook")
            else:
                sub = self.add(student, label, mtime=mtime)
                found += 1
                if sub.status is None:
                    try:
                        self.notebook(sub, self._member(zf, info, budget))
                    except Malformed as exc:
                        sub.status = str(exc)
        owner.status = ("zip unpacked: its notebooks are listed as zip:member" if found else
                        "zip holds no notebook")

    @staticmethod
    def _member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, budget: list[int]) -> bytes:
        if info.file_size > MAX_NOTEBOOK_BYTES:
            raise Malformed(f"zip member larger than {MAX_NOTEBOOK_BYTES // 2**20} MB: refused")
        limit = min(MAX_NOTEBOOK_BYTES, budget[0])
        chunks, total = [], 0
        try:
            with zf.open(info) as fh:  # the header's size may lie: count what really comes out
                while chunk := fh.read(1 << 20):
                    total += len(chunk)
                    if total > limit:
                        raise Malformed("zip member expands beyond its allowed size: refused (a zip bomb?)")
                    chunks.append(chunk)
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError, NotImplementedError, RuntimeError, ValueError):
            raise Malformed("unreadable zip member (corrupt, encrypted or unsupported compression)") from None
        budget[0] -= total
        return b"".join(chunks)

    def notebook(self, sub: Submission, data: bytes) -> None:
        nb, name = parse_notebook(data)
        sub.assignment = name
        if name not in self.known:
            sub.status = (f"unknown assignment {visible(name)[:60]!r}" if name else
                          "not a course exercise notebook (no otter metadata)")
            return
        if self.assignment and name != self.assignment:
            sub.status = f"wrong assignment: this is {name}, not {self.assignment}"
            return
        folder = self.copies / sub.key
        folder.mkdir(mode=0o755)
        copy = folder / f"{name}.ipynb"
        fd = os.open(copy, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o444)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        sub.notebook = copy
        if name not in self._manual:
            self._manual[name] = [q for q in self.questions_of(name) if q.manual]
        sub.manual_answers = written_answers(nb, self._manual[name])


def collect_submissions(folder: Path, staging: Path, assignment: str | None = None,
                        questions_of: Callable[[str], list[Question]] = questions,
                        known: set[str] | None = None) -> list[Submission]:
    """Every file under ``folder`` as a :class:`Submission`; gradable ones have ``status`` None.

    Parameters: ``folder`` the submissions; ``staging`` a private folder for the read-only copies;
    ``assignment`` grade only this one (others get a "wrong assignment" status); ``questions_of``
    and ``known`` the assignments' questions and names (default: the course's ``solutions/``).
    One graded notebook per student and assignment: the newest; older ones are listed as duplicates.
    """
    if known is None:
        known = {s.stem for s in solution_notebooks()}
    col = _Collector(Path(folder), Path(staging), assignment, questions_of, known)
    col.walk(Path(folder))
    groups: dict[tuple[str, str], list[Submission]] = {}
    for s in col.subs:
        if s.status is None and s.notebook is not None:
            groups.setdefault((s.student, s.assignment), []).append(s)
    for group in groups.values():
        group.sort(key=lambda s: (s.mtime, s.file))
        for dup in group[:-1]:
            dup.status = f"duplicate: not graded (graded {group[-1].file}, the newest)"
    return col.subs


__all__ = ["Submission", "Malformed", "collect_submissions", "parse_notebook", "written_answers", "slug",
           "short_hash", "visible", "ExerciseError"]
