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

from ..authoring.exercises import EXERCISES, ExerciseError, Question, questions, solution_notebooks

MAX_NOTEBOOK_BYTES = 50 * 1024 * 1024  # one notebook (plots included) is a few MB at most
MAX_ZIP_BYTES = 200 * 1024 * 1024  # the zip file itself
MAX_ZIP_MEMBERS = 500
MAX_ZIP_TOTAL = 200 * 1024 * 1024  # everything a zip may expand to (declared and actually read)
MAX_ZIP_DIRECTORY = 1024 * 1024  # bytes of a zip's central directory (500 members with long names fit)
MAX_JSON_ITEMS = 2_000_000  # JSON values in one notebook (outputs included): json.loads then holds ~200 MB at most
MAX_ANSWER_CHARS = 100_000  # characters of one written answer copied into the manual-scoring sheets
MAX_DEPTH = 8  # folder nesting inside the submissions folder
PLACEHOLDER = "_Type your answer here, replacing this text._"
BEGIN_QUESTION = "<!-- BEGIN QUESTION -->"
END_QUESTION = "<!-- END QUESTION -->"

# characters shown as escapes wherever a name or a status is written: C0/C1 controls, and (checked
# with unicodedata) format characters (zero-width spaces, bidi marks and overrides, soft hyphens),
# line/paragraph separators, spaces other than " ", private-use, unassigned and undecodable bytes
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_HIDDEN_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp", "Zs"}


def _hidden(ch: str) -> bool:
    if ch.isascii():
        return ch < " " or ch == "\x7f"
    return unicodedata.category(ch) in _HIDDEN_CATEGORIES


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
    flag: str = ""  # a warning about the student's name (possible impersonation), for the gradebook
    raw_student: str = ""  # the name exactly as found (``student`` is how it is shown)


class Malformed(ValueError):
    """The file is not a notebook the grader can run; the message is the gradebook status."""


def visible(text: str) -> str:
    """``text`` with every control or invisible character shown as an escape (``ann\\nsmith``,
    ``ann\\u200bsmith``): one safe line, whose look says what it holds."""
    if text.isascii() and not _CONTROL.search(text):
        return text
    if not any(_hidden(c) for c in text):
        return text
    return "".join(c.encode("unicode_escape", "backslashreplace").decode("ascii") if _hidden(c) else c
                   for c in text.replace("\\", "\\\\"))


def slug(text: str, limit: int = 40) -> str:
    """A file-name-safe form of ``text`` (letters, digits, ``_`` and ``-``), at most ``limit`` bytes
    in UTF-8 (file names are limited in bytes: 255 on Linux); never empty."""
    s = re.sub(r"[^\w-]+", "_", unicodedata.normalize("NFC", text)).strip("_").lstrip("-")[:limit]
    while len(s.encode("utf-8", "surrogateescape")) > limit:
        s = s[:-1]
    return s.rstrip("_") or "_"  # never starts with "-" (an option to shell tools) or "." (hidden)


def short_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()[:8]


def _student_of(rel: Path) -> str:
    if len(rel.parts) > 1:
        return rel.parts[0]
    return rel.name.split("__")[0] if "__" in rel.name else rel.stem


def _student_problem(student: str) -> str | None:
    if not student.strip() or not any(not _hidden(c) for c in student):
        return "no student name (name files <student>__<anything>.ipynb or use one folder per student)"
    return None


# Cyrillic and Greek letters (after casefold) that look like a Latin letter, upper or lower case
# (a subset of Unicode's confusables.txt: the letters of those scripts an impostor can use)
_LOOKALIKE = str.maketrans({pair[0]: pair[1] for pair in (
    "аa вb еe іi јj кk мm нh оo рp сc тt уy хx ѕs һh ԁd ԛq ԝw ӏl үy "
    "αa βb εe ζz ηh ιi κk μm νv οo ρp τt υu χx ϲc").split()})


def _script(ch: str) -> str:
    """The script of a letter, from its Unicode name (LATIN, CYRILLIC, GREEK, ...)."""
    try:
        name = unicodedata.name(ch)
    except ValueError:
        return "UNKNOWN"
    return name.split()[0] if not name.startswith("MATHEMATICAL") else "MATHEMATICAL"


def skeleton(name: str) -> str:
    """What ``name`` looks like: invisible characters dropped, compatibility forms folded (``𝐀`` -> ``a``),
    case ignored, and Cyrillic/Greek letters that look Latin read as Latin (``аlice`` -> ``alice``)."""
    text = "".join(c for c in name if not _hidden(c) or c == " ")
    text = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    return unicodedata.normalize("NFKC", text.translate(_LOOKALIKE)).strip()


def name_flags(names) -> dict[str, str]:
    """A warning for each student name that may impersonate another (empty when there is nothing to say).

    Flagged: names with invisible or control characters (zero-width space, right-to-left mark...),
    names that mix scripts (a Cyrillic ``о`` in a Latin name), names written with compatibility
    letters (``𝐀``), and names that look the same as another name of the class (:func:`skeleton`).
    Example: ``name_flags(["alice", "аlice"])["аlice"]`` says it mixes Latin and Cyrillic letters
    and looks like ``alice``.
    """
    names = sorted(set(names))
    by_look: dict[str, list[str]] = {}
    for n in names:
        by_look.setdefault(skeleton(n), []).append(n)
    out = {}
    for n in names:
        why = []
        hidden = sorted({c for c in n if _hidden(c) and c != " "})
        if hidden:
            why.append("contains invisible or control characters (" + ", ".join(
                f"U+{ord(c):04X} {unicodedata.name(c, 'control character').lower()}" for c in hidden[:3]) + ")")
        scripts = sorted({_script(c) for c in n if c.isalpha()})
        if len(scripts) > 1:
            why.append("mixes " + " and ".join(s.title() for s in scripts) + " letters")
        elif scripts == ["MATHEMATICAL"] or unicodedata.normalize("NFC", n) != unicodedata.normalize("NFKC", n):
            why.append("is written with compatibility letters (such as mathematical bold or full-width)")
        twins = [visible(o) for o in by_look[skeleton(n)] if o != n]
        if twins:
            why.append("looks like " + ", ".join(repr(t) for t in twins[:3]))
        if why:
            out[n] = "possible impersonation: the name " + "; ".join(why)
    return out


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


def _open_file(path: Path, limit: int):
    """A regular file of at most ``limit`` bytes opened for reading (binary), no symbolic link followed."""
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
    except BaseException:
        os.close(fd)
        raise
    return os.fdopen(fd, "rb")


def _read_file(path: Path, limit: int) -> bytes:
    """The bytes of a regular file, read without following a symbolic link and at most ``limit``."""
    with _open_file(path, limit) as fh:
        return _read_capped(fh.fileno(), limit)


def _text(src) -> str:
    return "".join(src) if isinstance(src, list) else src


def load_json(data: bytes):
    """``json.loads`` of a submitted file, bounded: at most ``MAX_NOTEBOOK_BYTES`` bytes and
    ``MAX_JSON_ITEMS`` values (counted from its commas and brackets before parsing), so that the
    grader's memory stays within a few hundred MB whatever the file holds. Raises :class:`Malformed`.
    """
    if len(data) > MAX_NOTEBOOK_BYTES:
        raise Malformed(f"file larger than {MAX_NOTEBOOK_BYTES // (1024 * 1024)} MB: refused")
    items = data.count(b",") + data.count(b"[") + data.count(b"{")
    if items > MAX_JSON_ITEMS:
        raise Malformed(f"malformed notebook: more than {MAX_JSON_ITEMS:,} JSON values (a notebook holds far fewer)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Malformed("unreadable notebook (not UTF-8 text)") from None
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        raise Malformed("unreadable notebook (not valid JSON)") from None


def code_cells(data: bytes) -> list[str]:
    """The source of every code cell of a notebook file, read with :func:`load_json`'s bounds."""
    nb = load_json(data)
    cells = nb.get("cells", []) if isinstance(nb, dict) else []
    return [_text(c.get("source", "")) for c in cells if isinstance(c, dict) and c.get("cell_type") == "code"
            and isinstance(_text(c.get("source", "")), str)]


def parse_notebook(data: bytes) -> tuple[dict, str | None]:
    """Check that ``data`` is a notebook the grader can run; return it and its assignment name.

    Raises :class:`Malformed` with a one-line reason (the gradebook status) otherwise.
    Example: ``parse_notebook(b"[]")`` raises ``Malformed("malformed notebook: ... a JSON list ...")``.
    """
    nb = load_json(data)
    text = data.decode("utf-8-sig")
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


def written_answers(nb: dict, manual: list[Question], given: frozenset[str] = frozenset()) -> dict[str, str]:
    """Each manual question's written answer, by question name.

    The k-th ``<!-- END QUESTION -->`` marker closes the k-th manual question; its answer is every
    markdown cell before that marker (and after the previous one) that is an answer cell (tagged
    ``otter_answer_cell``) or a cell the student added after it. A written question answered in code
    (D1's datasheet, a pandas Series the student builds) shows its answer cell's code and the text
    output the submitted notebook holds for it, unless that code is ``...`` or one of ``given`` (the
    blank exercise's own code in such a cell, :func:`given_code`: a skeleton to fill in). Unanswered:
    ``"(no answer)"``.
    """
    blocks: list[list[str]] = []
    current: list[str] = []
    started = False
    inside = False  # after a manual question's BEGIN marker (a locked cell), before its END
    for cell in nb.get("cells", []):
        meta = cell.get("metadata", {})
        meta = meta if isinstance(meta, dict) else {}
        tags = meta.get("tags", [])
        tags = tags if isinstance(tags, list) else []
        if cell.get("cell_type") == "code":
            if inside and "otter_answer_cell" in tags:
                code = _plain(cell.get("source", "")).strip()
                if code and code != PLACEHOLDER_CODE and code not in given:
                    current.append(_code_answer(code, cell.get("outputs", [])))
            continue
        if cell.get("cell_type") != "markdown":
            continue
        src = _text(cell.get("source", ""))
        locked = meta.get("editable") is False
        if END_QUESTION in src and locked:
            blocks.append(current)
            current, started = [], False
            inside = BEGIN_QUESTION in src.split(END_QUESTION)[-1]  # a cell that ends one question and begins the next
        elif "otter_answer_cell" in tags:
            current.append(src.strip())
            started = True
        elif started and meta.get("editable") is not False and BEGIN_QUESTION not in src:
            current.append(src.strip())  # a markdown cell the student added below the answer cell
        elif BEGIN_QUESTION in src and locked:
            inside = True
    answers = {}
    for k, q in enumerate(manual):
        block = blocks[k] if k < len(blocks) else []
        text = "\n\n".join(b for b in block if b and b != PLACEHOLDER).strip()
        if len(text) > MAX_ANSWER_CHARS:
            text = text[:MAX_ANSWER_CHARS] + f"\n\n(answer cut here: longer than {MAX_ANSWER_CHARS:,} characters)"
        if k >= len(blocks):
            text = "(answer not found: the notebook's question markers were removed)"
        answers[q.name] = text or "(no answer)"
    return answers


#: an untouched code answer cell
PLACEHOLDER_CODE = "..."


def given_code(assignment: str) -> frozenset[str]:
    """The code of the blank exercise's answer cells (stripped), so that an untouched skeleton (D1's datasheet
    gives its sections to fill in) reads as no answer; empty for an assignment without a blank exercise.

    >>> any("datasheet = pd.Series" in code for code in given_code("D1_capstone_face_search"))  # doctest: +SKIP
    True
    """
    path = EXERCISES / f"{assignment}.ipynb"
    try:
        cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
    except (OSError, ValueError):
        return frozenset()
    return frozenset(_plain(c.get("source", "")).strip() for c in cells
                     if c.get("cell_type") == "code" and "otter_answer_cell" in c.get("metadata", {}).get("tags", []))


def _plain(src) -> str:
    """A notebook text field as a string (a list of strings joined); anything else, as nothing."""
    if isinstance(src, list):
        return "".join(x for x in src if isinstance(x, str))
    return src if isinstance(src, str) else ""


def _code_answer(code: str, outputs: list) -> str:
    """A code answer for the instructor: the code, then the text output saved with it in the submitted
    notebook (what the student's run showed, unless the file was edited by hand)."""
    shown = []
    for out in outputs if isinstance(outputs, list) else []:
        if not isinstance(out, dict):
            continue
        if out.get("output_type") == "stream":
            shown.append(_plain(out.get("text", "")))
        elif out.get("output_type") in ("execute_result", "display_data"):
            data = out.get("data", {})
            shown.append(_plain(data.get("text/plain", "")) if isinstance(data, dict) else "")
    text = "\n".join(t.rstrip("\n") for t in shown if t).strip()
    return f"(code)\n{code}" + (f"\n\n(its output, as saved in the submitted notebook)\n{text}" if text else "")


def zip_directory(zip_file) -> tuple[int, int]:
    """(members, bytes of the central directory) of a zip, read from its end-of-directory record only.

    ``zip_file``: the zip's bytes or a binary file open for reading. The record is found as
    ``zipfile`` finds it (the last record signature within the file's last 64 KiB), zip64 included,
    so a zip can be refused before ``zipfile`` reads (and allocates for) its member list.
    Raises :class:`Malformed` if there is no such record.
    """
    import struct

    fh = io.BytesIO(zip_file) if isinstance(zip_file, (bytes, bytearray)) else zip_file
    size = fh.seek(0, os.SEEK_END)
    fh.seek(max(0, size - (22 + 65535)))
    tail = fh.read()
    at = len(tail) - 22 if tail[-22:-18] == b"PK\x05\x06" else tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        raise Malformed("not a readable zip file")
    _, _, _, _, count, cd_size, _, _ = struct.unpack("<4sHHHHIIH", tail[at:at + 22])
    start = size - len(tail) + at
    fh.seek(max(0, start - 20))
    locator = fh.read(20) if start >= 20 else b""
    if locator[:4] == b"PK\x06\x07":  # zip64: the real numbers are in the zip64 record
        fh.seek(struct.unpack("<Q", locator[8:16])[0])
        record = fh.read(56)
        if record[:4] != b"PK\x06\x06" or len(record) < 56:
            raise Malformed("not a readable zip file")
        count, cd_size = struct.unpack("<QQ", record[32:48])
    fh.seek(0)
    return count, cd_size


class _Collector:
    def __init__(self, folder: Path, staging: Path, assignment: str | None,
                 questions_of: Callable[[str], list[Question]], known: set[str]):
        self.folder, self.staging, self.assignment = folder, staging, assignment
        self.questions_of, self.known = questions_of, known
        self.subs: list[Submission] = []
        self.copies = staging / "submissions"
        self.copies.mkdir(parents=True, exist_ok=True)
        self._manual: dict[str, list[Question]] = {}
        self._given: dict[str, frozenset[str]] = {}

    def add(self, student: str, label: str, status: str | None = None, mtime: float = 0.0) -> Submission:
        problem = _student_problem(student)
        sub = Submission(visible(student), visible(label), status=problem or status, mtime=mtime,
                         raw_student=student)
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
            fh = _open_file(path, MAX_ZIP_BYTES)  # read where needed, never loaded whole
        except Malformed as exc:
            owner.status = str(exc)
            return
        with fh:
            self._zip(fh, owner, rel, student, mtime)

    def _zip(self, fh, owner: Submission, rel: Path, student: str, mtime: float) -> None:
        try:
            members, directory = zip_directory(fh)
            if members > MAX_ZIP_MEMBERS:
                owner.status = f"zip refused: {members} members, more than {MAX_ZIP_MEMBERS}"
                return
            if directory > MAX_ZIP_DIRECTORY:
                owner.status = (f"zip refused: its list of members takes {directory / 2 ** 20:.1f} MB, more than "
                                f"{MAX_ZIP_DIRECTORY // 2 ** 20} MB")
                return
            zf = zipfile.ZipFile(fh)
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
            self._given[name] = given_code(name)
        sub.manual_answers = written_answers(nb, self._manual[name], self._given[name])


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
    # every name is graded; look-alikes are flagged, and two names shown alike are told apart
    flags = name_flags(s.raw_student for s in col.subs)
    shown: dict[str, set[str]] = {}
    for s in col.subs:
        shown.setdefault(s.student, set()).add(s.raw_student)
    for s in col.subs:
        s.flag = flags.get(s.raw_student, "")
        if len(shown[s.student]) > 1:
            s.student = f"{s.student} [{short_hash(s.raw_student)}]"
            s.flag = s.flag or "possible impersonation: the name is shown like another student's"
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
           "short_hash", "visible", "name_flags", "skeleton", "zip_directory", "load_json", "code_cells",
           "ExerciseError"]
