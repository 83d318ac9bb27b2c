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


# --- The two-week module of INSTRUCTORS.md -------------------------------------------------------

@dataclass(frozen=True)
class Session:
    """One class session of the two-week module: its notebooks (by the first two letters of their
    file names: ``"A1"`` is lesson and exercise A1) and its seminar (a track's name, or None)."""

    week: int
    title: str
    notebooks: tuple[str, ...]
    seminar: str | None = None


#: Eight sessions over two weeks. The lessons are worked through in class, the exercises in a lab
#: slot or as homework; a seminar closes each track (its prompts are in INSTRUCTORS.md).
MODULE = (
    Session(1, "The course, and how the database was built", ("00", "A1", "A2")),
    Session(1, "What a crawler takes, and what it must keep", ("A3", "A4"), "Scraping ethics"),
    Session(1, "From a photo to a face vector", ("B1", "B2", "B3")),
    Session(1, "Verification and search, measured", ("B4", "B5")),
    Session(2, "Error rates at billions of faces, and cloaks against them", ("B6", "B7", "B8"), "Face matching"),
    Session(2, "The timeline and what leaked", ("C1", "C2")),
    Session(2, "The flaw, the harms and the law", ("C3", "C4"), "The breach"),
    Session(2, "The capstone: build it, then defend it", ("D1",), "The capstone"),
)
#: Minutes of each seminar (a discussion of the track's prompts in groups, then together).
SEMINAR_MINUTES = {"Scraping ethics": 40, "Face matching": 40, "The breach": 40, "The capstone": 50}


def module_plan() -> str:
    """The two-week module as a markdown table, every time read from the notebooks' own headers.

    A session's notebooks that this copy of the course does not have (the capstone before it is
    merged, say) are left out of its row and named below the table. Example::

        print(module_plan())
    """
    lessons = {nb.path.name[:2]: nb for nb in notebooks("lessons")}
    exercises = {nb.path.name[:2]: nb for nb in notebooks("exercises")}
    rows = ["| week | session | in class: lessons | seminar | lab or homework: exercises | session total |",
            "|---|---|---|---|---|---|"]
    totals = {"lessons": 0, "seminars": 0, "exercises": 0}
    missing = []
    for n, s in enumerate(MODULE, 1):
        here = [k for k in s.notebooks if k in lessons or k in exercises]
        missing += [k for k in s.notebooks if k not in here]
        les = [lessons[k] for k in here if k in lessons]
        exs = [exercises[k] for k in here if k in exercises]
        seminar = SEMINAR_MINUTES[s.seminar] if s.seminar else 0
        t_les, t_ex = sum(nb.minutes or 0 for nb in les), sum(nb.minutes or 0 for nb in exs)
        totals["lessons"] += t_les
        totals["seminars"] += seminar
        totals["exercises"] += t_ex
        les_text = "<br>".join(f"`{nb.relpath}` ({nb.minutes} min)" for nb in les) or "-"
        ex_text = "<br>".join(f"`{nb.relpath}` ({nb.minutes} min)" for nb in exs) or "-"
        sem_text = f"{s.seminar} ({seminar} min)" if s.seminar else "-"
        rows.append(f"| {s.week} | {n}. {s.title} | {les_text} | {sem_text} | {ex_text} | "
                    f"{t_les + seminar + t_ex} min |")
    rows.append(f"| | **total** | **{totals['lessons']} min** | **{totals['seminars']} min** | "
                f"**{totals['exercises']} min** | **{sum(totals.values())} min** |")
    if missing:
        rows.append("")
        rows.append(f"Not in this copy of the course: {', '.join(missing)}.")
    return "\n".join(rows)


# --- How long the exercises take: the trial run -------------------------------------------------

#: One row per question of every exercise, from a trial run (2026-12-06): testers who had done each
#: exercise's prerequisites worked through it from the lesson and the exercise alone, and recorded the
#: lines of code they wrote (``lines_new``) or adapted from a lesson (``lines_adapted``), the words of
#: their written answers, the checks that failed before passing, their look-ups in the lesson, the
#: cells' run time, and their estimate of the minutes a student needs (``minutes_estimate``).
TRIAL_RUN = Path(__file__).with_name("trial_run.csv")
ROUND_TO = 5  # minutes: a stated time is a multiple of this
#: the capstone's sittings: the parts a student does at one sitting, by question (INSTRUCTORS.md gives each its
#: minutes from the trial run; the exercise's header sends students to them)
SITTINGS = {"D1_capstone_face_search": (("collect", ("q1", "q2")),
                                        ("build, evaluate and search", ("q3", "q4", "q5")),
                                        ("erase and defend", ("q6", "q7", "q8")))}


def trial_run() -> list[dict]:
    """The trial run's rows (see :data:`TRIAL_RUN`), numbers as ints. Example::

        sum(r["minutes_estimate"] for r in trial_run() if r["exercise"] == "B3_embeddings")
    """
    import csv

    with open(TRIAL_RUN, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    counts = ("lines_new", "lines_adapted", "words_written", "checks_failed", "lesson_lookups", "run_seconds",
              "minutes_estimate")
    return [{k: (int(v) if k in counts else v) for k, v in r.items()} for r in rows]


def _by_exercise() -> dict[str, dict[str, list[dict]]]:
    """The trial run's rows by exercise, then by tester (in the record's order)."""
    by: dict[str, dict[str, list[dict]]] = {}
    for r in trial_run():
        by.setdefault(r["exercise"], {}).setdefault(r["tester"], []).append(r)
    return by


def _rounded(minutes: float) -> int:
    return int(ROUND_TO * ((minutes + ROUND_TO / 2) // ROUND_TO))


def trial_minutes() -> dict[str, int]:
    """Each exercise's estimated time from the trial run: its questions' minutes summed (averaged over the
    testers when several tried the same version), to the nearest 5. The ``**Estimated time.**`` of every
    exercise header states this number (a test compares them)."""
    return {ex: _rounded(sum(sum(r["minutes_estimate"] for r in rs) for rs in testers.values()) / len(testers))
            for ex, testers in _by_exercise().items()}


def _lines(rs: list[dict]) -> str:
    return f"{sum(r['lines_new'] for r in rs)} + {sum(r['lines_adapted'] for r in rs)}"


def _each(testers: list[list[dict]], figure) -> str:
    """``figure`` of each tester's rows, separated by " / "."""
    return " / ".join(figure(rs) for rs in testers)


def _sum(key: str):
    return lambda rs: str(sum(r[key] for r in rs))


def trial_table() -> str:
    """The trial run per exercise, as a markdown table (INSTRUCTORS.md); where several testers tried the same
    version, each tester's figures are given, separated by " / "."""
    rows = [f"The stated time is the questions' minutes summed (averaged over the testers where there are "
            f"several), rounded to the nearest {ROUND_TO}.", "",
            "| exercise | questions | lines of code written (new + adapted from a lesson) | words written | "
            "checks failed before passing | lesson look-ups | tester's minutes | stated time |",
            "|---|---|---|---|---|---|---|---|"]
    stated = trial_minutes()
    by = _by_exercise()
    for ex, testers in sorted(by.items()):
        runs = list(testers.values())
        rows.append(f"| `{ex}` | {len(runs[0])} | {_each(runs, _lines)} | {_each(runs, _sum('words_written'))} | "
                    f"{_each(runs, _sum('checks_failed'))} | {_each(runs, _sum('lesson_lookups'))} | "
                    f"{_each(runs, _sum('minutes_estimate'))} | {stated[ex]} min |")
    for ex, testers in sorted(by.items()):
        if not ex.startswith("D"):  # the capstone, question by question (its header sends students here)
            continue
        names = list(testers)
        # each question's row of each tester, as one-row runs so that _each and _sum format them as above
        per_q = {r["question"]: [[x for x in testers[t] if x["question"] == r["question"]] for t in names]
                 for r in testers[names[0]]}
        who = f" (testers {' / '.join(names)})" if len(names) > 1 else ""
        rows += ["", f"`{ex}`, question by question{who}:", "",
                 "| question | lines of code (new + adapted) | words written | checks failed | tester's minutes |",
                 "|---|---|---|---|---|"]
        rows += [f"| {q} | {_each(runs, _lines)} | {_each(runs, _sum('words_written'))} | "
                 f"{_each(runs, _sum('checks_failed'))} | {_each(runs, _sum('minutes_estimate'))} |"
                 for q, runs in per_q.items()]
        if ex in SITTINGS:
            planned = [q for _, qs in SITTINGS[ex] for q in qs]
            if sorted(planned) != sorted(per_q):
                raise ValueError(f"SITTINGS[{ex!r}] plans {planned}, but the trial run has {sorted(per_q)}")
            mean = {q: sum(r["minutes_estimate"] for run in runs for r in run) / len(runs) for q, runs in per_q.items()}
            rows += ["", "Plan it over sittings, in this order (the testers' minutes, averaged):", "",
                     "| sitting | questions | tester's minutes |", "|---|---|---|"]
            rows += [f"| {n}. {what} | {', '.join(qs)} | {round(sum(mean[q] for q in qs))} |"
                     for n, (what, qs) in enumerate(SITTINGS[ex], 1)]
    return "\n".join(rows)


TRIAL_BEGIN, TRIAL_END = "<!-- BEGIN TRIAL RUN (python -m facecourse.authoring.syllabus --write) -->", \
    "<!-- END TRIAL RUN -->"


PLAN_BEGIN, PLAN_END = "<!-- BEGIN MODULE PLAN (python -m facecourse.authoring.syllabus --write) -->", \
    "<!-- END MODULE PLAN -->"


def _between(text: str, begin: str, end: str, table: str) -> str:
    head, found, rest = text.partition(begin)
    _, found_end, tail = rest.partition(end)
    if not (found and found_end):
        raise ValueError(f"the markers {begin!r} ... {end!r} are missing")
    return f"{head}{begin}\n{table}\n{end}{tail}"


def with_plan(text: str) -> str:
    """``text`` (INSTRUCTORS.md) with the tables between its markers replaced by :func:`module_plan` and
    :func:`trial_table`."""
    return _between(_between(text, PLAN_BEGIN, PLAN_END, module_plan()), TRIAL_BEGIN, TRIAL_END, trial_table())


if __name__ == "__main__":  # python -m facecourse.authoring.syllabus --write: refresh INSTRUCTORS.md's plan
    import sys

    guide = ROOT / "INSTRUCTORS.md"
    if "--write" in sys.argv[1:]:
        guide.write_text(with_plan(guide.read_text(encoding="utf-8")), encoding="utf-8")
        print(f"[facecourse] {guide.name}: module plan and trial run written")
    else:
        print(module_plan())
