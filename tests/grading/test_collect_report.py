"""Collection and output safety without running any kernel (fast): issue 13, items 4 and 5.

The kernel side is replaced by a stub ``_grade_one`` where a test needs a grading run; the
end-to-end hostile class, sandboxed, is in ``test_hostile_submissions.py``.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from facecourse import grading
from facecourse.grading import collect, report

A = "00_warmup"
EXERCISE = json.loads((grading.EXERCISES / f"{A}.ipynb").read_text(encoding="utf-8"))


@pytest.mark.parametrize("data, status", [
    (b"[]", "malformed notebook: the file is a JSON list, not a notebook"),
    (b'"x"', "malformed notebook: the file is a JSON string, not a notebook"),
    (b"{", "unreadable notebook (not valid JSON)"),
    (b"\xff\xfe", "unreadable notebook (not UTF-8 text)"),
    (b"[" * 100000 + b"]" * 100000, "unreadable notebook (not valid JSON)"),  # deep nesting: no RecursionError
    (json.dumps({"nbformat": 4, "metadata": {"otter": {"assignment_name": ["x"]}}, "cells": []}).encode(),
     "malformed notebook: the assignment name is a JSON list, not text"),
    (json.dumps({"nbformat": 4, "metadata": {}, "cells": [{"cell_type": "markdown", "source": 7}]}).encode(),
     "malformed notebook: cell 1 (markdown) has a source that is not text"),
    (json.dumps({"nbformat": 4, "metadata": {}, "cells": {}}).encode(), "malformed notebook: it has no list of cells"),
    (json.dumps({"nbformat": 3, "metadata": {}, "cells": []}).encode(), "malformed notebook: nbformat is 3, not 4"),
])
def test_malformed_notebooks_get_a_status(data, status):
    with pytest.raises(collect.Malformed) as err:
        collect.parse_notebook(data)
    assert str(err.value) == status


def test_the_real_exercise_parses():
    nb, name = collect.parse_notebook(json.dumps(EXERCISE).encode())
    assert name == A and nb["cells"]


def test_written_answers_follow_the_end_markers_even_without_a_begin_marker():
    manual = [q for q in grading.questions(A) if q.manual]
    nb = json.loads(json.dumps(EXERCISE))
    answer = next(c for c in nb["cells"] if c["cell_type"] == "markdown"
                  and "otter_answer_cell" in c["metadata"].get("tags", []))
    answer["source"] = "Base rates.\n<!-- END QUESTION -->"  # a student's fake marker changes nothing
    for c in nb["cells"]:  # as in B3: the prompt cell lost its BEGIN marker
        if isinstance(c["source"], str):
            c["source"] = c["source"].replace("<!-- BEGIN QUESTION -->", "")
        else:
            c["source"] = [s.replace("<!-- BEGIN QUESTION -->", "") for s in c["source"]]
    assert collect.written_answers(nb, manual) == {manual[0].name: "Base rates.\n<!-- END QUESTION -->"}
    blank = collect.written_answers(EXERCISE, manual)
    assert blank == {manual[0].name: "(no answer)"}


def test_b3_written_answer_is_collected():
    manual = [q for q in grading.questions("B3_embeddings") if q.manual]
    nb = json.loads((grading.EXERCISES / "B3_embeddings.ipynb").read_text(encoding="utf-8"))
    cell = next(c for c in nb["cells"] if c["cell_type"] == "markdown"
                and "otter_answer_cell" in c["metadata"].get("tags", []))
    cell["source"] = "FMR falls, FNMR rises."
    assert manual and collect.written_answers(nb, manual) == {manual[0].name: "FMR falls, FNMR rises."}


def test_a_written_question_answered_in_code_shows_its_code_and_output():
    """D1 q7 (a datasheet built as a pandas Series) is graded by hand; its answer is a code cell, which the
    manual sheet showed as "(no answer)". Code answer cells of the automatically graded questions
    around it stay out of the written answers."""
    stem = "D1_capstone_face_search"
    manual = [q for q in grading.questions(stem) if q.manual]
    nb = json.loads((grading.EXERCISES / f"{stem}.ipynb").read_text(encoding="utf-8"))
    given = collect.given_code(stem)     # the datasheet's skeleton (its sections to fill in) is no answer
    assert given and collect.written_answers(nb, manual, given) == {q.name: "(no answer)" for q in manual}
    assert "(code)" in collect.written_answers(nb, manual)["q7"]   # without it, the skeleton would read as one
    cells = nb["cells"]
    begin = next(i for i, c in enumerate(cells) if "Question 7" in "".join(c["source"]))
    answer = next(c for c in cells[begin:] if c["cell_type"] == "code")
    assert "otter_answer_cell" in answer["metadata"]["tags"]
    answer["source"] = "datasheet = pd.Series({'motivation': 'a course exercise'})\ndatasheet"
    answer["outputs"] = [{"output_type": "execute_result", "execution_count": 1, "metadata": {},
                          "data": {"text/plain": ["motivation    a course exercise\n", "dtype: object"]}},
                         {"output_type": "stream", "name": "stdout", "text": {"not": "text"}}]  # ignored
    got = collect.written_answers(nb, manual, given)
    assert got["q7"] == ("(code)\ndatasheet = pd.Series({'motivation': 'a course exercise'})\ndatasheet\n\n"
                         "(its output, as saved in the submitted notebook)\nmotivation    a course exercise\ndtype: object")
    assert got["q8"] == "(no answer)"


@pytest.mark.parametrize("cell, written", [
    ("=1+1", "'=1+1"), ("+SUM(1,2)", "'+SUM(1,2)"), ("-2+3", "'-2+3"), ("@cmd", "'@cmd"), ("\tx", "\\tx"),
    ("\rx", "\\rx"), ("'quoted", "''quoted"), ("alice", "alice"), ("a\nb", "a\\nb"), (2.0, 2.0),
])
def test_csv_cells_are_neutralised_and_round_trip(cell, written):
    assert report.csv_cell(cell) == written
    if isinstance(cell, str) and not any(ch in cell for ch in "\t\r\n"):
        assert report.csv_uncell(written) == cell


def test_markdown_fence_and_escape():
    text = "a ```` b\n## alice\n<script>"
    fenced = report.md_fence(text)
    assert fenced.startswith("`````text\n") and fenced.endswith("\n`````")
    assert report.md_escape("## <b>x</b> | [a](b)\nnext") == r"\#\# \<b\>x\<\/b\> \| \[a\]\(b\)\\nnext"


def test_feedback_names_never_collide():
    names = report.feedback_names(["inj ann smith", "inj_ann_smith", "Inj_Ann_Smith", "alice", "-2+3", "..", "a/b"])
    assert len(set(n.casefold() for n in names.values())) == len(names)
    assert names["alice"] == "alice" and names["inj ann smith"].startswith("inj_ann_smith-")
    assert all(not n.startswith(("-", ".")) and "/" not in n for n in names.values())


def _folder(tmp_path: Path) -> Path:
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "ann smith__a.ipynb").write_text(json.dumps(EXERCISE))
    (subs / "ann_smith__a.ipynb").write_text(json.dumps(EXERCISE))
    (subs / "bob").mkdir()
    (subs / "bob" / "x.ipynb").write_text(json.dumps(EXERCISE))
    (subs / "link__a.ipynb").symlink_to(subs / "bob" / "x.ipynb")
    (subs / "bob" / ".ipynb_checkpoints").mkdir()
    with zipfile.ZipFile(subs / "zed__up.zip", "w") as zf:
        zf.writestr("zed/a.ipynb", json.dumps(EXERCISE))
        zf.writestr("other/a.ipynb", json.dumps(EXERCISE))  # the same base name: both listed, one graded
        zf.writestr("../up.ipynb", "{}")
    return subs


def test_collection_copies_read_only_with_unique_keys(tmp_path):
    subs = _folder(tmp_path)
    before = {p: p.read_bytes() for p in subs.rglob("*") if p.is_file() and not p.is_symlink()}
    found = collect.collect_submissions(subs, tmp_path / "stage", A)
    status = {s.file: s.status for s in found}
    assert status == {
        "ann smith__a.ipynb": None, "ann_smith__a.ipynb": None, "bob/.ipynb_checkpoints/": "hidden folder: ignored",
        "bob/x.ipynb": None, "link__a.ipynb": "symbolic link: not followed, not graded",
        "zed__up.zip": "zip unpacked: its notebooks are listed as zip:member",
        "zed__up.zip:zed/a.ipynb": status["zed__up.zip:zed/a.ipynb"],
        "zed__up.zip:other/a.ipynb": status["zed__up.zip:other/a.ipynb"],
        "zed__up.zip:../up.ipynb": "zip member skipped: unsafe path (../ or absolute), never extracted"}
    assert sorted([status["zed__up.zip:zed/a.ipynb"] or "", status["zed__up.zip:other/a.ipynb"] or ""])[0] == ""
    graded = [s for s in found if s.status is None]
    assert len({s.key for s in found}) == len(found)
    for s in graded:
        assert s.notebook.is_file() and tmp_path / "stage" in s.notebook.parents
        assert oct(s.notebook.stat().st_mode & 0o777) == "0o444"
    assert {p: p.read_bytes() for p in subs.rglob("*") if p.is_file() and not p.is_symlink()} == before
    assert not (tmp_path / "up.ipynb").exists()


STUB = """
import ctypes, signal, subprocess, sys, time
from pathlib import Path
from facecourse import grading

# Ctrl-C as in a terminal: a shell's background job (some CI runners) starts with SIGINT ignored,
# which Python keeps ignoring, and the SIGINT case would then test nothing
signal.signal(signal.SIGINT, signal.default_int_handler)

def slow(sub, *a, **k):  # stands for a submission being graded: a child process that takes a while
    Path(sys.argv[3]).write_text("started")
    time.sleep(float(sys.argv[4]))  # > 0: the grader is interrupted before the child process exists
    subprocess.run(["sleep", "120"], start_new_session=True,
                   preexec_fn=lambda: ctypes.CDLL(None).prctl(1, signal.SIGKILL))  # dies with the grader
    raise AssertionError("the grader was interrupted: not reached")

grading._grade_one = slow
grading.grade_folder(sys.argv[1], sys.argv[2], assignment="00_warmup", workers=1, sandbox=False)
"""


@pytest.mark.parametrize("sig, delay", [(signal.SIGTERM, 0), (signal.SIGINT, 0), (signal.SIGKILL, 0),
                                        (signal.SIGINT, 1), (signal.SIGTERM, 1)])
def test_temp_folder_is_removed_when_the_grader_is_killed(tmp_path, sig, delay):
    # delay 1: the signal arrives while a worker is about to start its submission's process; the
    # grader must end that process too, not wait the 120 s it would take
    subs, out, flag = _folder(tmp_path), tmp_path / "out", tmp_path / "started"
    proc = subprocess.Popen([sys.executable, "-c", STUB, str(subs), str(out), str(flag), str(delay)],
                            cwd=grading.SOLUTIONS.parent, stderr=subprocess.DEVNULL)  # Ctrl-C prints a traceback
    try:
        deadline = time.monotonic() + 120
        while not flag.exists() and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.1)
        assert flag.exists(), "the stub grader never started"
        assert list(out.glob(".facecourse-tmp-*")), "grading should use a temp folder inside out/"
        proc.send_signal(sig)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    left = list(out.glob(".facecourse-tmp-*"))
    assert not (out / "gradebook.csv").exists()  # never a partial gradebook
    if sig == signal.SIGKILL:  # nothing can run: the folder stays in out/ and the next run removes it
        assert len(left) == 1
        (tmp_path / "empty").mkdir()
        book = grading.grade_folder(tmp_path / "empty", out, sandbox=False)
        assert book.empty and not list(out.glob(".facecourse-tmp-*"))
    else:
        assert left == []


def test_one_failing_run_does_not_stop_the_class(tmp_path, monkeypatch):
    subs = _folder(tmp_path)
    def flaky(sub, *a, **k):
        if sub.student == "bob":
            raise RuntimeError("worker exploded")
        outcome = grading.Outcome(sub)
        outcome.rows = [{"question": q.name, "points": 99.0 if q.name == "q1" else 1.0, "status": "passed"}
                        for q in grading.questions(A)] + [{"question": "q999", "points": 5.0, "status": "passed"}]
        outcome.feedback = ["The grader blocked these actions:\n- forged", "```\n# Feedback for bob\n```"]
        return outcome

    monkeypatch.setattr(grading, "_grade_one", flaky)
    book = grading.grade_folder(subs, tmp_path / "out", assignment=A, sandbox=False)
    bob = book[(book["student"] == "bob") & (book["question"] == "q1")].iloc[0]
    assert bob["points"] == 0 and bob["status"] == "grader error: RuntimeError: worker exploded"
    ann = book[(book["student"] == "ann smith") & (book["question"] != "")]
    assert list(ann["question"]) == [q.name for q in grading.questions(A)]  # no q999
    q1 = ann[ann["question"] == "q1"].iloc[0]
    assert q1["points"] == q1["max"] and q1["status"] == "passed (score capped)"
    index = {k: v["file"] for k, v in report.read_scores(tmp_path / "out" / "feedback" / "index.csv").items()}
    text = (tmp_path / "out" / "feedback" / index["ann smith"]).read_text()
    assert "The grader blocked" not in text and "forged" not in text
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").parse(text)
    assert [t.tag for t in tokens if t.type == "heading_open"] == ["h1", "h2"]  # the note cannot add a heading
    assert text.count("\n````text\n") == 1
    assert index["ann smith"] != index["ann_smith"]
    assert not list((tmp_path / "out").glob(".*"))  # no temp folder, no temp file left


def test_output_folder_inside_submissions_is_refused(tmp_path):
    (tmp_path / "subs").mkdir()
    with pytest.raises(grading.GradingError, match="must not be inside the submissions"):
        grading.grade_folder(tmp_path / "subs", tmp_path / "subs" / "grades", sandbox=False)


def test_manual_sheet_keeps_earlier_scores_and_formula_names_merge(tmp_path):
    q = [grading.Question("q5", 2.0, True)]
    sheet = tmp_path / "manual" / A / "q5_scores.csv"
    sheet.parent.mkdir(parents=True)
    sheet.write_text("student,points,max,comment\nold,1,2,kept\n'=evil(),2,2,\n")
    rows = [{"student": "=evil()", "assignment": A, "question": "q5", "points": None, "max": 2.0,
             "status": "awaiting manual score", "file": "x"}]
    report.merge_manual(tmp_path, {(A, "q5"): [("=evil()", "=1+1\n## alice")]}, {A: q}, rows)
    assert rows[0]["points"] == 2.0 and rows[0]["status"] == "manually scored"
    assert sheet.read_text() == "student,points,max,comment\n'=evil(),2,2,\nold,1,2,kept\n"
    answers = (sheet.parent / "q5_answers.md").read_text()
    assert "## \\=evil\\(\\)\n\n```text\n=1+1\n## alice\n```" in answers


# ---- issue 21: nothing unbounded on the trusted side, every name works --------------------------


def _zip_of(members: int) -> bytes:
    """A stored zip of ``members`` empty files, written directly (zipfile would take a minute for 1M)."""
    import struct

    local, central, offset = [], [], 0
    for i in range(members):
        name = b"m%d.txt" % i
        local.append(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 0, 0, 0x21, 0, 0, 0, len(name), 0) + name)
        central.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 0, 0, 0x21, 0, 0, 0, len(name),
                                   0, 0, 0, 0, 0, offset) + name)
        offset += len(local[-1])
    cd = b"".join(central)
    count = min(members, 0xFFFF)
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, len(cd), offset, 0)
    if members > 0xFFFF:  # zip64 record and locator, as zipfile writes them
        z64 = struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, members, members, len(cd), offset)
        end = z64 + struct.pack("<IIQI", 0x07064B50, 0, offset + len(cd), 1) + struct.pack(
            "<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    return b"".join(local) + cd + end


def test_a_zip_of_a_million_members_is_refused_from_its_directory_record(tmp_path):
    """Before: refused only after zipfile had read its list, 5.9 s and 670 MB."""
    import tracemalloc

    subs = tmp_path / "subs"
    subs.mkdir()
    data = _zip_of(1_000_000)
    (subs / "many__hw.zip").write_bytes(data)
    assert collect.zip_directory(data) == (1_000_000, 56_888_890)  # what the record says, zip64 included
    tracemalloc.start()
    t0 = time.perf_counter()
    subs_found = collect.collect_submissions(subs, tmp_path / "staging", known={A})
    seconds = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert [s.status for s in subs_found] == ["zip refused: 1000000 members, more than 500"]
    assert seconds < 2.0 and peak < 2 ** 20, (seconds, peak)  # its last 64 KiB only
    small = _zip_of(3)
    assert collect.zip_directory(small) == (3, 3 * 46 + 3 * 6)
    import io

    assert len(zipfile.ZipFile(io.BytesIO(small)).infolist()) == 3  # zipfile reads the same record
    z64 = _zip_of(70_000)
    assert collect.zip_directory(z64)[0] == len(zipfile.ZipFile(io.BytesIO(z64)).infolist()) == 70_000
    with pytest.raises(collect.Malformed):
        collect.zip_directory(b"not a zip")


def test_a_notebook_of_millions_of_json_values_is_refused_before_parsing():
    bomb = b'{"cells": [' + b"{}," * 3_000_000 + b"{}]}"
    with pytest.raises(collect.Malformed, match="more than 2,000,000 JSON values"):
        collect.parse_notebook(bomb)
    nb, name = collect.parse_notebook(json.dumps(EXERCISE).encode())  # a real exercise is far below
    assert name == A


def test_every_name_gets_a_file_name_that_fits_and_a_distinct_display():
    long_name = "!" + "\U0001d400" * 61  # 245 bytes: a legal folder name
    assert len(collect.slug(long_name, 60).encode()) <= 60
    names = report.feedback_names([long_name, "ann\nsmith", "x\udce9y", "alice"])
    assert all(len(f"{n}.md".encode("utf-8", "surrogateescape")) < 100 for n in names.values())
    shown = [collect.visible(n) for n in ("alice", "alice\u200b", "al\u200fice", "ann\nsmith", "x\udce9y", "a\u00a0b")]
    assert shown == ["alice", "alice\\u200b", "al\\u200fice", "ann\\nsmith", "x\\udce9y", "a\\xa0b"]


def test_long_and_control_character_names_get_their_feedback(tmp_path):
    """A 245-byte name that sorts first stopped every feedback file and index.csv (ENAMETOOLONG)."""
    import pandas as pd

    long_name = "!" + "\U0001d400" * 61
    students = [long_name, "ann\\nsmith", "bob"]
    book = pd.DataFrame([{"student": s, "assignment": A, "question": "q1", "points": 1.0, "max": 1.0,
                          "status": "passed", "file": "x", "flag": ""} for s in students])
    files = report.write_feedback(tmp_path, book, {})
    written = sorted(p.name for p in (tmp_path / "feedback").glob("*.md"))
    assert written == sorted(f"{f}.md" for f in files.values()) and len(written) == 3
    assert (tmp_path / "feedback" / "index.csv").read_text().count("\n") == 4


def test_look_alike_names_are_flagged():
    flags = collect.name_flags(["alice", "alice\u200b", "al\u200fice", "\u0430lice", "bob", "Иван", "\u0412ob",
                                "José", "Jose\u0301"])
    assert set(flags) == {"alice", "alice\u200b", "al\u200fice", "\u0430lice", "bob", "\u0412ob", "José", "Jose\u0301"}
    assert "Иван" not in flags  # a name in one script that looks like no other name is not suspicious
    assert "mixes Cyrillic and Latin letters" in flags["\u0430lice"] and "looks like 'alice'" in flags["\u0430lice"]
    assert "U+200B zero width space" in flags["alice\u200b"]
    assert "looks like 'Jose\u0301'" in flags["José"]  # composed and decomposed accents look the same


@pytest.mark.parametrize("refusal", [SyntaxError, ValueError])
def test_the_grader_survives_code_python_refuses_to_parse(monkeypatch, refusal):
    """A NUL byte: SyntaxError on 3.11.4+, ValueError on 3.11.0-3.11.3 ('grader error' 0/6 before)."""
    from facecourse.grading import worker

    real = worker.ast.parse
    monkeypatch.setattr(worker.ast, "parse", lambda src, *a, **k: (_ for _ in ()).throw(refusal("null bytes"))
                        if "\0" in src else real(src, *a, **k))
    assert worker._bound("x = 1\0") == set() and worker._loads("x\0") == set()
    assert worker._bound("x = 1") == {"x"}


def test_the_grader_parses_no_student_cell(monkeypatch):
    """ast.parse costs ~640 bytes per character of code: a 5.7 MB cell made the worker reach 3.7 GB.
    The grader now parses only the instructor's cells: a student's cells are run, never parsed."""
    import base64
    import json

    from facecourse.checks import CaseResult
    from facecourse.grading import trusted, worker

    parsed = []
    real = worker.ast.parse
    monkeypatch.setattr(worker.ast, "parse", lambda src, *a, **k: parsed.append(len(src)) or real(src, *a, **k))
    big = "x = [" + "1, " * 1_900_000 + "]"
    nb = {"cells": [{"cell_type": "code", "metadata": {}, "source": big, "outputs": [], "execution_count": None},
                    {"cell_type": "code", "metadata": {"tags": ["otter_answer_cell"]}, "source": "answer = 1",
                     "outputs": [], "execution_count": None}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    exercise = trusted.Exercise({}, {"answer"}, [])
    runner = worker.Runner({"notebook_b64": base64.b64encode(json.dumps(nb).encode()).decode(),
                            "notebook_name": "x.ipynb", "total_timeout": 60, "cell_timeout": 10, "test_timeout": 3,
                            "sandbox": False}, exercise)
    ran = []

    class Kernel:
        def stop_strays(self):
            return 0

    def start():
        runner.kernel = Kernel()

    monkeypatch.setattr(runner, "start", start)
    monkeypatch.setattr(runner, "execute", lambda code, timeout, **k: ran.append(len(code)) or ("ok", ""))
    monkeypatch.setattr(runner, "probe", lambda: None)
    monkeypatch.setattr(runner, "_agent_op", lambda *a, **k: None)
    monkeypatch.setattr(runner, "evaluate", lambda case: CaseResult(case, "passed"))
    result = runner.run()
    assert ran == [len(big), len("answer = 1")] and result["failure"] is None
    assert parsed == []
