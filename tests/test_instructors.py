"""INSTRUCTORS.md, the instructor guide: its plan is the notebooks' own times, its prose types no
number, its links and commands work, and it has seminar prompts for every track."""

from __future__ import annotations

import re
import shlex

from facecourse import cli
from facecourse.authoring import prose, syllabus
from facecourse.paths import ROOT

GUIDE = (ROOT / "INSTRUCTORS.md").read_text(encoding="utf-8")
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _prose() -> str:
    """The guide without its generated tables (the plan and the trial run)."""
    head, _, rest = GUIDE.partition(syllabus.PLAN_BEGIN)
    text = head + rest.partition(syllabus.PLAN_END)[2]
    head, _, rest = text.partition(syllabus.TRIAL_BEGIN)
    return head + rest.partition(syllabus.TRIAL_END)[2]


def test_the_readme_links_the_guide():
    assert "](INSTRUCTORS.md)" in README


def test_the_plan_is_generated_from_the_notebooks_times():
    assert syllabus.with_plan(GUIDE) == GUIDE, \
        "INSTRUCTORS.md's plan is stale: run `.venv/bin/python -m facecourse.authoring.syllabus --write`"


def test_the_plan_teaches_every_notebook_once():
    planned = [k for s in syllabus.MODULE for k in s.notebooks]
    assert len(planned) == len(set(planned)), "a notebook is in two sessions"
    course = {nb.path.name[:2] for folder in ("lessons", "exercises") for nb in syllabus.notebooks(folder)}
    assert course <= set(planned), f"not in the plan: {sorted(course - set(planned))}"
    assert {s.week for s in syllabus.MODULE} == {1, 2}


def test_a_session_time_is_the_sum_of_its_notebooks_and_seminar():
    lessons = {nb.path.name[:2]: nb.minutes for nb in syllabus.notebooks("lessons")}
    exercises = {nb.path.name[:2]: nb.minutes for nb in syllabus.notebooks("exercises")}
    rows = [r for r in syllabus.module_plan().splitlines() if re.match(r"\| \d \| \d+\. ", r)]
    assert len(rows) == len(syllabus.MODULE)
    for row, s in zip(rows, syllabus.MODULE):
        want = sum(lessons.get(k, 0) + exercises.get(k, 0) for k in s.notebooks) + \
            (syllabus.SEMINAR_MINUTES[s.seminar] if s.seminar else 0)
        assert row.endswith(f"| {want} min |"), row


def test_the_guides_prose_types_no_number():
    """Times live in the generated plan; the prose around it states none by hand."""
    assert prose.numbers_in(_prose()) == []
    assert prose.numbers_in("a session of 45 minutes, three seminars") != []  # the check can fail


def test_every_seminar_of_the_plan_has_prompts():
    for name in {s.seminar for s in syllabus.MODULE if s.seminar}:
        section = re.search(rf"^### {re.escape(name)}\b.*?\n(.*?)(?=^#|\Z)", GUIDE, flags=re.M | re.S | re.I)
        assert section, f"no seminar prompts for {name!r}"
        assert len(re.findall(r"^\d+\. ", section.group(1), flags=re.M)) >= 3, f"{name}: fewer than three prompts"


def test_links_and_paths_exist():
    anchors = {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-")
               for h in re.findall(r"^#+ (.*)$", README, flags=re.M)}
    for target in re.findall(r"\]\(([^)\s]+)\)", GUIDE):
        path, _, anchor = target.partition("#")
        assert (ROOT / path).is_file(), f"the guide links {target}, which does not exist"
        if path == "README.md" and anchor:
            assert anchor in anchors, f"the README has no section #{anchor}"
    for path in re.findall(r"`((?:lessons|exercises|solutions|sources|facecourse|tests)/[^`<>*\s]+)`", GUIDE):
        assert (ROOT / path).exists(), f"the guide names {path}, which does not exist"


def test_every_course_command_in_the_guide_is_accepted_by_the_cli():
    commands = [shlex.split(c)[2:] for c in re.findall(r"`(python3 course\.py [^`]+)`", GUIDE)]
    assert {c[0] for c in commands} >= {"grade", "export", "build"}
    for argv in (c for c in commands if len(c) > 1):  # a bare `python3 course.py grade` names the command
        argv = [a.replace("<assignment>", "B4_verification") for a in argv]
        _, extra = cli.build_parser().parse_known_args(argv)
        assert extra == [], f"the guide shows `{' '.join(argv)}`, which the CLI does not accept"


def test_every_exercise_states_the_time_of_its_trial_run():
    """Each exercise header's estimated time is its trial run's (``facecourse/authoring/trial_run.csv``)."""
    stated = {nb.path.stem: nb.minutes for nb in syllabus.notebooks("exercises")}
    assert syllabus.trial_minutes() == stated, \
        "an exercise header's estimated time differs from its trial run (INSTRUCTORS.md, 'How long the exercises take')"
    header = syllabus._header_text(ROOT / "exercises" / "B3_embeddings.ipynb")
    assert "trial run" in header and "INSTRUCTORS.md" in header


def test_the_trial_run_covers_every_question_of_every_exercise_once_per_tester():
    from facecourse import grading

    rows = syllabus.trial_run()
    for stem in sorted({r["exercise"] for r in rows} | {nb.path.stem for nb in syllabus.notebooks("exercises")}):
        testers = {r["tester"] for r in rows if r["exercise"] == stem}
        assert testers, f"{stem} has no trial run"
        for tester in testers:  # each tester of an exercise tried every question of it, once
            recorded = [r["question"] for r in rows if r["exercise"] == stem and r["tester"] == tester]
            assert sorted(recorded) == sorted(q.name for q in grading.questions(stem)), (stem, tester)
    assert all(r["minutes_estimate"] > 0 for r in rows)



def test_the_stated_time_averages_the_testers_who_tried_one_version(monkeypatch):
    def row(tester, question, minutes):
        return {"tester": tester, "exercise": "X1_example", "question": question, "lines_new": 1, "lines_adapted": 0,
                "words_written": 0, "checks_failed": 0, "lesson_lookups": 0, "run_seconds": 0,
                "minutes_estimate": minutes, "notes": ""}
    rows = [row("t1", "q1", 20), row("t1", "q2", 12), row("t2", "q1", 30), row("t2", "q2", 16)]
    monkeypatch.setattr(syllabus, "trial_run", lambda: rows)
    assert syllabus.trial_minutes() == {"X1_example": 40}        # (32 + 46) / 2 = 39, to the nearest 5
    assert "| `X1_example` | 2 | 2 + 0 / 2 + 0 | 0 / 0 | 0 / 0 | 0 / 0 | 32 / 46 | 40 min |" in syllabus.trial_table()
    monkeypatch.setattr(syllabus, "trial_run", lambda: rows[:2])
    assert syllabus.trial_minutes() == {"X1_example": 30}        # one tester: 32, to the nearest 5
