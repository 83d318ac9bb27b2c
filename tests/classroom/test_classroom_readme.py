"""The README's classroom section: its commands are the CLI's, its benchmark lines are the benchmark's."""

from __future__ import annotations

import re
import shlex

from facecourse import cli
from facecourse.paths import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
SECTION = README[README.index("### A classroom:"):README.index("## Track B results")]


def _commands(text: str) -> list[list[str]]:
    """Every `python3 course.py ...` command of the indented code lines, continuation lines joined."""
    lines, out, current = text.splitlines(), [], None
    for line in lines:
        if not line.startswith("    "):
            continue
        code = line.strip()
        if current is not None:
            current += " " + code.rstrip("\\").strip()
        elif code.startswith("python3 course.py "):
            current = code.rstrip("\\").strip()
        if current is not None and not code.endswith("\\"):
            out.append(shlex.split(current.split("#")[0])[2:])
            current = None
    return out


def test_every_classroom_command_in_the_readme_is_accepted_by_the_cli():
    commands = _commands(SECTION)
    assert {c[0] for c in commands} >= {"install", "data", "link", "collect", "grade-worker", "grade", "export"}
    for argv in commands:
        args, extra = cli.build_parser().parse_known_args(argv)
        assert extra == [], f"the README shows `{' '.join(argv)}`, which the CLI does not accept ({extra})"


def test_the_readme_shows_the_committed_cluster_benchmark():
    """The README's cluster figures are what `benchmarks/cluster.py` last wrote, line for line."""
    results = (ROOT / "benchmarks" / "results" / "cluster.md").read_text(encoding="utf-8")
    lines = [line for line in results.splitlines() if line.strip()]
    assert any(re.match(r"\| (16|64|256) \|", line) for line in lines), "no projection table in cluster.md"
    assert any("Cluster vs local pool" in line for line in lines)
    missing = [line for line in lines if line not in README]
    assert not missing, f"README lacks {len(missing)} lines of benchmarks/results/cluster.md, e.g. {missing[0]}"
