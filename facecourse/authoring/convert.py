"""Turn a solution source's doctest-style test cells into test-case functions (the course's format).

Before (each test cell a few statements run in the notebook's namespace)::

    # %%
    same = pair_distance(pair, pair_boxes[0], obama, obama_box)
    assert abs(same - 0.351) < 0.005, "Obama ... about 0.351 apart"

After (one function per case; its parameters name the notebook values it reads; every statement,
assertion and message kept word for word; the question's first case also says "not answered yet")::

    # %%
    def test_q1_1(pair_distance, pair, pair_boxes, obama, obama_box):
        from facecourse.checks import answered
        answered("q1", pair_distance=pair_distance)
        same = pair_distance(pair, pair_boxes[0], obama, obama_box)
        assert abs(same - 0.351) < 0.005, "Obama ... about 0.351 apart"

The parameters are the case's free names (read but not bound in the cell, not built-ins), in the
order they first appear; ``answered`` checks the names the question's own solution binds and its
cases read. The ASSIGNMENT CONFIG gets ``ok_format: false`` (otter's exception-based test files).
A cell that rebinds a name it also reads from the notebook is reported: check it by hand.

Usage (prints the converted source; ``--write`` replaces the file; a notebook, such as an
instructor's private copy of a solution, is converted through its jupytext text form)::

    python -m facecourse.authoring.convert sources/solutions/B3_embeddings.py --write
    python -m facecourse.authoring.convert ~/private/facecourse-solutions/B3_embeddings.ipynb --write
"""

from __future__ import annotations

import argparse
import ast
import builtins
import io
import re
import symtable
import sys
import textwrap
import tokenize
from pathlib import Path

CELL = re.compile(r"^# %%.*$", re.M)
CONFIG = re.compile(r'^""" # BEGIN TEST CONFIG\n(.*?)""" # END TEST CONFIG\n', re.S)
BUILTINS = set(dir(builtins))


def split_cells(text: str) -> list[str]:
    """The cells of a jupytext percent file, each starting with its ``# %%`` line."""
    starts = [m.start() for m in CELL.finditer(text)]
    head = [text[: starts[0]]] if starts and starts[0] > 0 else []
    return head + [text[a:b] for a, b in zip(starts, starts[1:] + [len(text)])]


def _kind(cell: str) -> str:
    first = cell.split("\n", 1)[0]
    return "raw" if "[raw]" in first else ("markdown" if "[markdown]" in first else "code")


def _raw_text(cell: str) -> str:
    return "\n".join(ln[2:] if ln.startswith("# ") else ln.lstrip("#") for ln in cell.split("\n")[1:]).strip()


def free_names(code: str) -> list[str]:
    """Names ``code`` reads from outside (not bound in it, not built-ins), in order of first use."""
    wrapped = "def __case():\n" + textwrap.indent(code, "    ") + "\n"
    table = symtable.symtable(wrapped, "<case>", "exec").get_children()[0]
    free: set[str] = set()

    def walk(t):
        for s in t.get_symbols():
            if s.is_referenced() and s.is_global():
                free.add(s.get_name())
        for c in t.get_children():
            walk(c)

    walk(table)
    free -= BUILTINS
    order = []
    for tok in tokenize.generate_tokens(io.StringIO(code).readline):
        if tok.type == tokenize.NAME and tok.string in free and tok.string not in order:
            order.append(tok.string)
    return order


def rebound(code: str, names: set[str]) -> set[str]:
    """Names of ``names`` that ``code`` binds at its top level (it would then not read them)."""
    wrapped = "def __case():\n" + textwrap.indent(code, "    ") + "\n"
    table = symtable.symtable(wrapped, "<case>", "exec").get_children()[0]
    return {s.get_name() for s in table.get_symbols() if s.is_assigned() and s.get_name() in names}


def indent_code(code: str, prefix: str = "    ") -> str:
    """``code`` indented, except the continuation lines of multi-line strings (their text is data)."""
    keep = set()
    for tok in tokenize.generate_tokens(io.StringIO(code).readline):
        if tok.type == tokenize.STRING and tok.start[0] != tok.end[0]:
            keep.update(range(tok.start[0] + 1, tok.end[0] + 1))
    out = []
    for i, line in enumerate(code.split("\n"), start=1):
        out.append(line if (i in keep or not line.strip()) else prefix + line)
    return "\n".join(out)


def import_lines(code: str) -> dict[str, str]:
    """name -> the import statement that binds it, for every import in ``code`` (nested ones included)."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return {}
    out = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.asname:
                    out[a.asname] = f"import {a.name} as {a.asname}"
                else:
                    out[a.name.split(".")[0]] = f"import {a.name}"
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for a in node.names:
                if a.name != "*":
                    out[a.asname or a.name] = (f"from {node.module} import {a.name}"
                                               + (f" as {a.asname}" if a.asname else ""))
    return out


def bound_names(code: str) -> set[str]:
    from ..grading.worker import _bound

    return _bound(code)


def convert(text: str) -> tuple[str, list[str]]:
    """(converted source, warnings) of one solution source."""
    cells = split_cells(text)
    warnings: list[str] = []
    # pass 1: questions, their solution cells and their test cells
    question, in_solution, in_tests = None, False, False
    solution_names: dict[str, set[str]] = {}
    tests: dict[str, list[int]] = {}
    imports: dict[str, str] = {}
    for i, cell in enumerate(cells):
        kind = _kind(cell)
        if kind == "raw":
            raw = _raw_text(cell)
            if raw.startswith("# BEGIN QUESTION"):
                question = re.search(r"name:\s*(\S+)", raw).group(1)
                solution_names[question], tests[question] = set(), []
            elif raw.startswith("# END QUESTION"):
                question = None
            elif raw == "# BEGIN SOLUTION":
                in_solution = True
            elif raw == "# END SOLUTION":
                in_solution = False
            elif raw == "# BEGIN TESTS":
                in_tests = True
            elif raw == "# END TESTS":
                in_tests = False
            elif raw.startswith("# ASSIGNMENT CONFIG") and "ok_format" not in raw:
                cells[i] = cell.replace("# tests:\n#   files: false", "# tests:\n#   files: false\n#   ok_format: false")
                if "ok_format" not in cells[i]:
                    warnings.append("ASSIGNMENT CONFIG: add `ok_format: false` under `tests:` by hand")
            continue
        body = cell.split("\n", 1)[1] if "\n" in cell else ""
        if kind == "code" and not in_tests:
            imports.update(import_lines(body))
        if kind != "code" or question is None:
            continue
        if in_solution:
            solution_names[question] |= bound_names(body)
        elif in_tests:
            tests[question].append(i)
    # pass 2: each test cell becomes a function
    for q, indices in tests.items():
        converted = [bool(re.match(r"\s*def test_", CONFIG.sub("", cells[i].split("\n", 1)[1]))) for i in indices]
        if any(converted):  # a question already in the new format is left as it is
            if not all(converted):
                warnings.append(f"{q}: some test cells are functions and some are not: convert it by hand")
            continue
        case_params = {}
        for i in indices:
            body = cells[i].split("\n", 1)[1]
            code = CONFIG.sub("", body).rstrip("\n")
            case_params[i] = free_names(code)
        if not indices:
            continue
        read = [n for i in indices for n in case_params[i]]
        gate = [n for n in dict.fromkeys(read) if n in solution_names[q]]
        if not gate:
            warnings.append(f"{q}: its cases read no name its solution binds: write the `answered` gate by hand")
        public = hidden = 0
        for pos, i in enumerate(indices):
            head, body = cells[i].split("\n", 1)
            m = CONFIG.match(body)
            config = m.group(0) if m else ""
            code = CONFIG.sub("", body).rstrip("\n")
            is_hidden = "hidden: true" in config
            if is_hidden:
                hidden += 1
                name = f"test_{q}_hidden_{hidden}"
            else:
                public += 1
                name = f"test_{q}_{public}"
            params = [n for n in case_params[i] if n not in imports]
            needed = [imports[n] for n in case_params[i] if n in imports]
            if pos == 0:
                params = list(dict.fromkeys(gate + params))
                if gate:
                    needed.append("from facecourse.checks import answered")
                    code = f'answered("{q}", ' + ", ".join(f"{n}={n}" for n in gate) + ")\n" + code
            if needed:
                code = "\n".join(sorted(set(needed), key=lambda ln: (ln.startswith("from"), ln))) + "\n" + code
            clash = rebound(code, set(params))
            if clash:
                warnings.append(f"{q} {name}: rebinds {sorted(clash)}, which it also reads from the notebook")
            func = f"def {name}({', '.join(params)}):\n{indent_code(code)}\n"
            cells[i] = f"{head}\n{config}{func}\n"
    return "".join(cells), warnings


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("sources", nargs="+", type=Path)
    ap.add_argument("--write", action="store_true", help="replace each file (default: print the result)")
    args = ap.parse_args(argv)
    for path in args.sources:
        if path.suffix == ".ipynb":
            import jupytext

            nb = jupytext.read(path)
            out, warnings = convert(jupytext.writes(nb, "py:percent"))
            if args.write:
                converted = jupytext.reads(out, "py:percent")
                converted.metadata = nb.metadata
                jupytext.write(converted, path)
                out = None
        else:
            out, warnings = convert(path.read_text(encoding="utf-8"))
            if args.write:
                path.write_text(out, encoding="utf-8")
                out = None
        for w in warnings:
            print(f"{path.name}: {w}", file=sys.stderr)
        if out is not None:
            sys.stdout.write(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
