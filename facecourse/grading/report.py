"""Writing the results: the gradebook, one feedback file per student, manual-scoring sheets.

Everything a student controls (names, file names, written answers, statuses that quote their
output) is treated as untrusted text:

* CSV: every string cell is single-line (control characters shown as escapes) and a cell that a
  spreadsheet would run as a formula (leading ``=``, ``+``, ``-``, ``@``, tab or CR, or a quote) gets
  a ``'`` prefix (OWASP "CSV injection"); :func:`csv_uncell` undoes it when reading a sheet back;
* Markdown: names and statuses are backslash-escaped (:func:`md_escape`), written answers and the
  grader's notes are fenced with more backticks than any run inside them (:func:`md_fence`), so no
  text can close its block and forge another student's section;
* file names: :func:`feedback_names` gives every student a distinct file (slug, plus a hash when
  the name is not already a plain slug), also on case-insensitive file systems;
* every file is written atomically (temporary file + rename).
"""

from __future__ import annotations

import csv as _csv
import io
import os
import re
import tempfile
import unicodedata
from pathlib import Path

from ..authoring.exercises import Question
from .collect import short_hash, slug, visible

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "'", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def csv_cell(value):
    """A CSV cell that no spreadsheet runs as a formula: ``csv_cell("=1+1") == "'=1+1"``.

    Non-strings are returned unchanged; strings are made single-line (:func:`visible`) first.
    """
    if not isinstance(value, str):
        return value
    value = visible(value)
    return "'" + value if value.startswith(_FORMULA_START) else value


def csv_uncell(value: str) -> str:
    """The original text of a cell written by :func:`csv_cell` (``"'=1+1"`` -> ``"=1+1"``)."""
    if value.startswith("'") and value[1:].startswith(_FORMULA_START):
        return value[1:]
    return value


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder and a rename."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=".facecourse-", suffix=".tmp", dir=path.parent)  # short: any name fits
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def csv_text(fieldnames: list[str], rows: list[dict]) -> str:
    """CSV text with every cell passed through :func:`csv_cell`."""
    buf = io.StringIO()
    w = _csv.DictWriter(buf, fieldnames=fieldnames, lineterminator="\n", extrasaction="ignore")
    w.writeheader()
    for row in rows:
        w.writerow({k: csv_cell(row.get(k)) if row.get(k) is not None else "" for k in fieldnames})
    return buf.getvalue()


def md_escape(text: str) -> str:
    """``text`` as literal Markdown inline text: one line, every ASCII punctuation mark escaped."""
    return re.sub(r"([!-/:-@\[-`{-~])", r"\\\1", visible(str(text)).replace("\n", " "))


def md_fence(text: str, info: str = "text") -> str:
    """``text`` in a code block no line of it can close: the fence is longer than any backtick run."""
    text = str(text).replace("\r\n", "\n").replace("\r", "\n")
    text = re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", lambda m: m.group().encode("unicode_escape").decode(), text)
    longest = max((len(r) for r in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{info}\n{text}\n{fence}"


def feedback_names(students) -> dict[str, str]:
    """A distinct feedback file name (without ``.md``) for each student.

    A name that is already a plain slug keeps it (``alice`` -> ``alice``); others get slug + hash
    (``inj ann smith`` -> ``inj_ann_smith-1a2b3c4d``); any remaining clash (compared without case,
    as on macOS and Windows) gets a counter. Example: ``feedback_names(["a b", "a_b"])``.
    """
    names, taken = {}, set()
    for student in sorted(set(students)):
        s = slug(student, 60)
        base = s if s == student and s.isascii() else f"{s}-{short_hash(student)}"
        cand, n = base, 1
        while unicodedata.normalize("NFC", cand).casefold() in taken:
            n += 1
            cand = f"{base}-{n}"
        taken.add(unicodedata.normalize("NFC", cand).casefold())
        names[student] = cand
    return names


def read_scores(sheet: Path) -> dict[str, dict]:
    """The rows of a manual scores sheet by (original) student name; {} if there is none."""
    if not sheet.exists():
        return {}
    with open(sheet, newline="", encoding="utf-8-sig") as fh:
        return {csv_uncell(r.get("student") or ""): r for r in _csv.DictReader(fh)}


def merge_manual(out: Path, answers: dict[tuple[str, str], list[tuple[str, str]]],
                 qs: dict[str, list[Question]], rows: list[dict]) -> None:
    """Write one answers file and one scores sheet per manual question; merge filled-in scores.

    ``answers[(assignment, question)]`` lists ``(student, written answer)``; ``rows`` are the
    gradebook rows, updated in place with the scores an instructor typed into the sheets.
    """
    for (assignment, qname), given in sorted(answers.items()):
        folder = out / "manual" / slug(assignment)
        folder.mkdir(parents=True, exist_ok=True)
        q = next(q for q in qs[assignment] if q.name == qname)
        lines = [f"# {md_escape(assignment)}, {md_escape(qname)} (manual, {q.points:g} points): every "
                 "student's answer", "", "Each answer is shown as plain text, exactly as the student wrote it.", ""]
        for student, text in sorted(given):
            lines += [f"## {md_escape(student)}", "", md_fence(text), ""]
        write_atomic(folder / f"{slug(qname)}_answers.md", "\n".join(lines))
        sheet = folder / f"{slug(qname)}_scores.csv"
        existing = read_scores(sheet)
        now = {student for student, _ in given}
        # students of this run, then those scored in an earlier run (kept, so no typed score is lost)
        write_atomic(sheet, csv_text(["student", "points", "max", "comment"], [
            {"student": student, "points": existing.get(student, {}).get("points") or "", "max": f"{q.points:g}",
             "comment": existing.get(student, {}).get("comment") or ""}
            for student in sorted(now) + sorted(s for s in existing if s not in now and s)]))
        for row in rows:
            if row["assignment"] == assignment and row["question"] == qname:
                filled = (existing.get(row["student"], {}).get("points") or "").strip()
                if filled:
                    try:
                        pts = float(filled)
                    except ValueError:
                        row["status"] = f"manual score {filled[:20]!r} is not a number"
                        continue
                    if not 0 <= pts <= q.points:
                        row["status"] = f"manual score {pts:g} outside 0-{q.points:g}"
                        continue
                    row.update(points=pts, status="manually scored")


GUARD_NOTE = "The grader blocked these actions"  # kernel-written text: never copied into feedback


def _note_lines(note) -> list[str]:
    if isinstance(note, (tuple, list)) and len(note) == 2:
        title, body = note
        return [md_escape(title), "", md_fence(body)] if body else [md_escape(title)]
    note = str(note)
    if note.startswith(GUARD_NOTE):
        return []
    return [md_fence(note)]


def write_feedback(out: Path, book, notes: dict[str, list[tuple[str, list]]]) -> dict[str, str]:
    """One Markdown feedback file per student; returns {student: file name}.

    ``notes[student]`` lists ``(assignment, [note, ...])`` from the runs: a note is untrusted text
    (fenced) or a ``(title, body)`` pair (title escaped, body fenced). ``feedback/index.csv`` maps
    each student to their file.
    """
    folder = out / "feedback"
    folder.mkdir(exist_ok=True)
    files = feedback_names(book["student"])
    for student, rows in book.groupby("student"):
        lines = [f"# Feedback for {md_escape(student)}", ""]
        for assignment, part in rows.groupby("assignment", sort=True):
            graded = part[part["question"] != ""]
            lines += [f"## {md_escape(assignment) if assignment else '(not graded)'}", ""]
            if len(graded):
                auto = graded[graded["status"] != "awaiting manual score"]
                lines.append(f"Automatic score so far: {_sum(auto['points']):g} / {_sum(auto['max']):g}")
                lines += ["", "| question | points | max | status |", "|---|---|---|---|"]
                for _, r in graded.iterrows():
                    pts = "" if r["points"] is None or r["points"] != r["points"] else f"{r['points']:g}"
                    lines.append(f"| {md_escape(r['question'])} | {pts} | {r['max']:g} | {md_escape(r['status'])} |")
                lines.append("")
            for _, r in part[part["question"] == ""].iterrows():
                lines.append(f"- {md_escape(r['file'])}: {md_escape(r['status'])}")
            for a, fb in notes.get(student, []):
                if a == assignment:
                    for note in fb:
                        lines += [""] + _note_lines(note)
            lines.append("")
        try:
            write_atomic(folder / f"{files[student]}.md", "\n".join(lines))
        except OSError:  # a name this file system refuses: the student's hash alone always fits
            files[student] = f"student-{short_hash(student)}"
            write_atomic(folder / f"{files[student]}.md", "\n".join(lines))
    write_atomic(folder / "index.csv", csv_text(["student", "file"], [
        {"student": s, "file": f"{f}.md"} for s, f in sorted(files.items())]))
    return files


def write_gradebook(out: Path, book) -> Path:
    """``out/gradebook.csv``, every cell neutralised, written atomically."""
    cols = [c for c in ["student", "assignment", "question", "points", "max", "status", "file", "flag"]
            if c in book.columns]
    rows = [{c: (None if (isinstance(v, float) and v != v) else v) for c, v in zip(cols, rec)}
            for rec in book[cols].itertuples(index=False)]
    for r in rows:
        for c in ("points", "max"):
            if isinstance(r[c], float):
                r[c] = f"{r[c]:g}"
    path = out / "gradebook.csv"
    write_atomic(path, csv_text(cols, rows))
    return path


def _sum(series) -> float:
    return float(sum(v for v in series if v is not None and v == v))


pd_sum = _sum  # older name
