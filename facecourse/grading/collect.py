"""Collecting submissions: one row per file, whatever the file is (folders, ``student__x.ipynb``, zips)."""

from __future__ import annotations

import json
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ..authoring.exercises import solution_notebooks

MAX_ZIP_MEMBER = 50 * 1024 * 1024


@dataclass
class Submission:
    student: str
    file: str  # as found in the submissions folder (relative)
    notebook: Path | None = None
    assignment: str | None = None
    status: str | None = None  # set when the file will not be graded
    mtime: float = 0.0


def _student_of(rel: Path) -> str:
    if len(rel.parts) > 1:
        return rel.parts[0]
    return rel.name.split("__")[0] if "__" in rel.name else rel.stem


def _assignment_of(nb_path: Path) -> str | None:
    nb = json.loads(nb_path.read_text(encoding="utf-8"))
    return nb.get("metadata", {}).get("otter", {}).get("assignment_name")


def _extract_zip(zpath: Path, dest: Path) -> list[Path]:
    found = []
    with zipfile.ZipFile(zpath) as zf:
        for info in zf.infolist():
            name = info.filename
            if info.is_dir() or not name.endswith(".ipynb") or "__MACOSX" in name or "/." in "/" + name:
                continue
            if name.startswith("/") or ".." in Path(name).parts:
                continue  # never extract outside dest
            if info.file_size > MAX_ZIP_MEMBER:
                continue
            target = dest / Path(name).name
            target.write_bytes(zf.read(info))
            found.append(target)
    return found


def collect_submissions(folder: Path, staging: Path, assignment: str | None = None) -> list[Submission]:
    known = {s.stem for s in solution_notebooks()}
    subs: list[Submission] = []
    for path in sorted(p for p in Path(folder).rglob("*") if p.is_file()):
        rel = path.relative_to(folder)
        if any(part.startswith(".") for part in rel.parts):
            continue
        student = _student_of(rel)
        candidates: list[tuple[str, Path | None, str | None]] = []
        if path.suffix == ".zip":
            dest = staging / "unzipped" / re.sub(r"[^\w.-]", "_", str(rel))
            dest.mkdir(parents=True, exist_ok=True)
            try:
                nbs = _extract_zip(path, dest)
                candidates = [(f"{rel}:{n.name}", n, None) for n in nbs] or [(str(rel), None, "zip holds no notebook")]
            except zipfile.BadZipFile:
                candidates = [(str(rel), None, "not a readable zip file")]
        elif path.suffix == ".ipynb":
            candidates = [(str(rel), path, None)]
        else:
            candidates = [(str(rel), None, f"not a notebook or zip ({path.suffix or 'no extension'}); ignored")]
        for label, nb, problem in candidates:
            sub = Submission(student, label, nb, status=problem, mtime=path.stat().st_mtime)
            if nb is not None and problem is None:
                try:
                    sub.assignment = _assignment_of(nb)
                except (json.JSONDecodeError, UnicodeDecodeError, OSError):
                    sub.status = "unreadable notebook (not valid JSON)"
                else:
                    if sub.assignment not in known:
                        sub.status = f"unknown assignment {sub.assignment!r}" if sub.assignment else \
                            "not a course exercise notebook (no otter metadata)"
                    elif assignment and sub.assignment != assignment:
                        sub.status = f"wrong assignment: this is {sub.assignment}, not {assignment}"
            subs.append(sub)
    # one graded notebook per student and assignment: the newest; the others are listed as duplicates
    groups: dict[tuple[str, str], list[Submission]] = {}
    for s in subs:
        if s.status is None:
            groups.setdefault((s.student, s.assignment), []).append(s)
    for group in groups.values():
        group.sort(key=lambda s: (s.mtime, s.file))
        for dup in group[:-1]:
            dup.status = f"duplicate: not graded (graded {group[-1].file}, the newest)"
    return subs
