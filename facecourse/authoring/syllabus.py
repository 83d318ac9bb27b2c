"""The course map, read from the notebooks themselves so it can never list a lesson that is not there.

Every lesson and exercise notebook opens with a markdown cell holding its title (``# ...``),
``**Learning objectives.**``, ``**Prerequisites.**`` and ``**Estimated time.** N minutes``.
File names say where a notebook belongs: ``00_*`` start, ``A*`` scraping ethics, ``B*`` face
matching, ``C*`` the breach, ``D*`` putting it together (the capstone).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from ..paths import ROOT

TRACKS = {
    "0": "Start",
    "A": "Track A: scraping ethics",
    "B": "Track B: face matching with dlib",
    "C": "Track C: the breach",
    "D": "Part D: putting it together",
}
TIME_RE = re.compile(r"\*\*Estimated time\.?\*\*\s*(?:about\s+)?(\d+)\s*min", re.IGNORECASE)
REQUIRED = ("**Learning objectives", "**Prerequisites", "**Estimated time")


@dataclass(frozen=True)
class Notebook:
    path: Path
    track: str
    title: str
    minutes: int | None

    @property
    def relpath(self) -> str:
        return self.path.relative_to(ROOT).as_posix()


def _header_text(nb_path: Path) -> str:
    nb = json.loads(nb_path.read_text(encoding="utf-8"))
    md = [c for c in nb["cells"] if c["cell_type"] == "markdown"]
    if not md:
        return ""
    src = md[0]["source"]
    return "".join(src) if isinstance(src, list) else src


def describe(nb_path: Path) -> Notebook:
    text = _header_text(nb_path)
    title = next((ln[2:].strip() for ln in text.splitlines() if ln.startswith("# ")), nb_path.stem)
    m = TIME_RE.search(text)
    key = "0" if nb_path.name[0].isdigit() else nb_path.name[0].upper()
    return Notebook(nb_path, TRACKS.get(key, "Other"), title, int(m.group(1)) if m else None)


def missing_header_parts(nb_path: Path) -> list[str]:
    """Which of objectives / prerequisites / estimated time the opening cell lacks."""
    text = _header_text(nb_path)
    return [part.strip("*") for part in REQUIRED if part.lower() not in text.lower()]


def notebooks(folder: str = "lessons") -> list[Notebook]:
    return [describe(p) for p in sorted((ROOT / folder).glob("*.ipynb"))]


def course_map() -> str:
    """A markdown table of every lesson and exercise, by track, with estimated times."""
    exercises = {p.path.name[:2]: p for p in notebooks("exercises")}
    rows = ["| track | lesson | time | exercise |", "|---|---|---|---|"]
    total = 0
    for nb in notebooks("lessons"):
        ex = exercises.get(nb.path.name[:2])
        minutes = nb.minutes or 0
        total += minutes + ((ex.minutes or 0) if ex else 0)
        ex_text = f"`{ex.relpath}` ({ex.minutes} min)" if ex else "-"
        rows.append(f"| {nb.track} | `{nb.relpath}`: {nb.title} | {minutes} min | {ex_text} |")
    rows.append(f"| | **total** | **{total} min** | |")
    return "\n".join(rows)
