"""Notebooks are built from text sources: ``sources/<kind>/<name>.py`` (jupytext percent format).

The text source is the single source of truth for every lesson and every solution notebook;
the ``.ipynb`` files in ``lessons/`` and ``solutions/`` are generated from it and committed (so
students, Binder and nbval find them), and ``exercises/`` is generated from ``solutions/`` by
otter-grader (:mod:`facecourse.authoring.exercises`).

* Lessons are committed **with outputs** (nbval compares them): building a lesson whose cells
  did not change keeps the committed outputs; a lesson whose cells changed is re-executed in
  ``lessons/`` and its raster images are stripped (no dataset photo ever lands in git).
* Solutions are committed **without outputs** (nbval runs them in lax mode).

``check()`` lists every notebook that differs from what its source builds; a test runs it, so
CI fails when someone edits a notebook and not its source, or the other way round.

Example::

    >>> from facecourse.authoring import notebooks
    >>> [s.name for s in notebooks.sources("lessons")][:1]
    ['00_start_here.py']
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from ..paths import ROOT

SOURCES = ROOT / "sources"
KINDS = ("lessons", "solutions")
IMAGE_MIMES = ("image/png", "image/jpeg", "image/gif")
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
VEGALITE_MIME = re.compile(r"application/vnd\.vegalite\.v\d+\+json")
#: what makes an HTML output fetch code or data from the network: an address in a script, a link
#: or a loader (altair's "html" renderer loads Vega from cdn.jsdelivr.net through requirejs)
_NETWORK_HTML = re.compile(r"(?:https?:)?//[\w.-]+\.[a-z]{2,}/", re.I)


def online_outputs(outputs: list[dict]) -> list[str]:
    """What in one cell's outputs needs the network to draw: a sentence per problem, [] when none.

    A chart must be a Vega-Lite spec (``application/vnd.vegalite.v5+json``, which JupyterLab draws
    with the Vega it ships) with its data inline. The problems found are HTML outputs with a
    ``<script>`` that loads something from an address (altair's default renderer pulls Vega from a
    CDN: a blank chart offline), HTML that embeds Vega itself, and Vega-Lite specs whose data is
    read from a URL.

    >>> online_outputs([{"output_type": "display_data", "data": {"text/html": "<script src='https://cdn.jsdelivr.net/npm/vega@5'></script>"}}])
    ['an HTML output loads a script from the network (a chart drawn through a CDN?): https://cdn.jsdelivr.net/npm/vega@5']
    >>> online_outputs([{"output_type": "display_data", "data": {"application/vnd.vegalite.v5+json": {"data": {"values": []}}}}])
    []
    """
    problems = []
    for out in outputs:
        data = out.get("data", {})
        html = data.get("text/html", "")
        html = "".join(html) if isinstance(html, list) else html
        if "<script" in html.lower():
            found = _NETWORK_HTML.search(html)
            if found:
                address = re.match(r"[^\s'\"<>?]*", html[found.start():]).group()
                problems.append(f"an HTML output loads a script from the network (a chart drawn through a CDN?): "
                                f"{address}")
            elif re.search(r"vegaEmbed|vega-embed", html):
                problems.append("an HTML output embeds Vega itself instead of sending the Vega-Lite spec "
                                "(altair's 'mimetype' renderer does that)")
        for mime, spec in data.items():
            if VEGALITE_MIME.fullmatch(mime):
                urls = sorted({m for m in re.findall(r'"url":\s*"([^"]+)"', json.dumps(spec))
                               if re.match(r"(?:https?:)?//", m)})
                if urls:
                    problems.append(f"a chart reads its data from the network: {', '.join(urls)}")
    return problems


def online_cells(nb: dict) -> list[str]:
    """:func:`online_outputs` for every code cell of a notebook, each sentence prefixed with the cell's number."""
    return [f"cell {i}: {problem}" for i, cell in enumerate(nb.get("cells", []))
            for problem in online_outputs(cell.get("outputs", []))]


def sources(kind: str) -> list[Path]:
    """The text sources of one kind (``"lessons"`` or ``"solutions"``), sorted by name."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
    return sorted((SOURCES / kind).glob("*.py"))


def notebook_path(source: Path) -> Path:
    """Where the notebook built from ``source`` lives: ``sources/lessons/X.py`` -> ``lessons/X.ipynb``."""
    return ROOT / source.parent.name / (source.stem + ".ipynb")


def find(names: list[str] | None, kinds: tuple[str, ...] = KINDS) -> list[Path]:
    """Sources matching ``names`` (stems such as ``B4_verification``, or paths); all when empty.

    Raises ``ValueError`` naming the known sources when a name matches nothing.
    """
    everything = [s for k in kinds for s in sources(k)]
    if not names:
        return everything
    chosen = []
    for name in names:
        stem = Path(name).stem
        hits = [s for s in everything if s.stem == stem]
        if not hits:
            known = ", ".join(sorted({s.stem for s in everything}))
            raise ValueError(f"no lesson or solution source called {name!r}; known: {known}")
        chosen += [h for h in hits if h not in chosen]
    return chosen


def strip_image_outputs(nb: dict) -> dict:
    """Remove raster images from stored outputs.

    Lesson outputs would otherwise carry copies of LFW and example photos into git, which the
    course never does (nbval does not compare images anyway). Students see them when they run
    the notebook. Charts are stored as Vega-Lite specs, not images, and are kept.
    """
    for cell in nb.get("cells", []):
        for out in cell.get("outputs", []):
            for mime in IMAGE_MIMES:
                out.get("data", {}).pop(mime, None)
    return nb


def normalise(nb: dict, keep_outputs: bool = False) -> dict:
    """Drop what differs between runs or tools (ids, jupytext and timing metadata), in place."""
    meta = nb.setdefault("metadata", {})
    meta.pop("jupytext", None)
    meta["kernelspec"] = dict(KERNELSPEC)
    for i, cell in enumerate(nb.get("cells", [])):
        cell["id"] = f"cell-{i:03d}"
        cm = cell.setdefault("metadata", {})
        for key in ("lines_to_next_cell", "execution", "jupyter", "collapsed", "scrolled"):
            cm.pop(key, None)
        if cell.get("cell_type") == "code":
            if not keep_outputs:
                cell["outputs"] = []
                cell["execution_count"] = None
        else:
            cell.pop("outputs", None)
            cell.pop("execution_count", None)
        if isinstance(cell.get("source"), list):
            cell["source"] = "".join(cell["source"])
    nb["nbformat"], nb["nbformat_minor"] = 4, 5
    return nb


def read_source(source: Path) -> dict:
    """The notebook (as a plain dict, no outputs) that a percent-format text source describes."""
    import jupytext
    import nbformat

    nb = jupytext.read(source, fmt="py:percent")
    return normalise(json.loads(nbformat.writes(nb)))


def dumps(nb: dict) -> str:
    """The byte-stable JSON the course commits (nbformat's layout: sources as lists of lines)."""
    nb = json.loads(json.dumps(nb))
    for cell in nb.get("cells", []):
        src = cell.get("source", "")
        if isinstance(src, str):
            cell["source"] = src.splitlines(keepends=True)
    return json.dumps(nb, indent=1, ensure_ascii=False, sort_keys=True) + "\n"


def inputs(nb: dict) -> list[tuple]:
    """What a source fixes about a notebook: each cell's type, text and metadata."""
    out = []
    for cell in nb.get("cells", []):
        src = cell.get("source", "")
        src = "".join(src) if isinstance(src, list) else src
        meta = {k: v for k, v in cell.get("metadata", {}).items()
                if k not in ("execution", "lines_to_next_cell", "jupyter", "collapsed", "scrolled")}
        out.append((cell.get("cell_type"), src, json.dumps(meta, sort_keys=True)))
    return out


def _committed(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None


def execute(nb: dict, cwd: Path, timeout: int = 600, path: Path | None = None) -> dict:
    """Run every cell of ``nb`` in a fresh kernel with ``cwd`` as working folder; return it with outputs.

    ``path`` is the notebook's file: the kernel gets it as ``JPY_SESSION_NAME``, as Jupyter gives it
    (and as ``conftest.py`` does under nbval), so code that names its own files after the notebook
    (the crawlers' folders) writes the same outputs here, in JupyterLab and in the tests.
    """
    import os

    import nbformat
    from nbclient import NotebookClient

    node = nbformat.reads(json.dumps(nb), as_version=4)
    env = {**os.environ, **({"JPY_SESSION_NAME": str(path)} if path is not None else {})}
    NotebookClient(node, timeout=timeout, kernel_name="python3",
                   resources={"metadata": {"path": str(cwd)}}).execute(env=env)
    done = normalise(strip_image_outputs(json.loads(nbformat.writes(node))), keep_outputs=True)
    online = online_cells(done)
    if online:
        raise RuntimeError(f"{path or 'the notebook'} draws with the network, so students offline would see blank "
                           f"output: {'; '.join(online)}. The course's kernels send charts as Vega-Lite specs "
                           "(facecourse.kernel_defaults, installed by `python3 course.py install`).")
    return done


def build(source: Path, execute_changed: bool = True, force: bool = False) -> tuple[Path, str]:
    """Write the notebook for one source; return ``(path, what happened)``.

    Lessons keep their committed outputs when their cells are unchanged; otherwise (or with
    ``force``) they are executed. With ``execute_changed=False`` a changed lesson is written
    without outputs (nbval will then fail on it until it is executed: use only for drafts).
    """
    target = notebook_path(source)
    nb = read_source(source)
    old = _committed(target)
    if source.parent.name == "lessons":
        if old is not None and not force and inputs(normalise(old, keep_outputs=True)) == inputs(nb):
            nb = normalise(old, keep_outputs=True)
            what = "unchanged (outputs kept)"
        elif execute_changed:
            nb = execute(nb, target.parent, path=target)
            what = "executed"
        else:
            what = "written WITHOUT outputs (run `python3 course.py build --execute` before committing)"
    else:
        what = "written"
    text = dumps(nb)
    if old is not None and target.read_text(encoding="utf-8") == text:
        return target, "unchanged"
    target.write_text(text, encoding="utf-8")
    return target, what


def check(names: list[str] | None = None) -> list[str]:
    """Every committed lesson or solution notebook that differs from what its source builds."""
    problems = []
    srcs = find(names)
    for source in srcs:
        target = notebook_path(source)
        old = _committed(target)
        if old is None:
            problems.append(f"{target.relative_to(ROOT)} is missing or not valid JSON: run `python3 course.py build`")
            continue
        nb = read_source(source)
        if source.parent.name == "lessons":
            same = inputs(normalise(old, keep_outputs=True)) == inputs(nb)
            if same:
                code = [c for c in old["cells"] if c["cell_type"] == "code"]
                same = all(c.get("execution_count") is not None for c in code)
                if not same:
                    problems.append(f"{target.relative_to(ROOT)} has cells that were never executed: "
                                    f"run `python3 course.py build --force {source.stem}`")
                    continue
        else:
            same = target.read_text(encoding="utf-8") == dumps(nb)
        for problem in online_cells(old):
            problems.append(f"{target.relative_to(ROOT)} {problem}: rebuild it with `python3 course.py build "
                            f"--force {source.stem}` in the course environment")
        if not same:
            problems.append(f"{target.relative_to(ROOT)} differs from {source.relative_to(ROOT)}: "
                            f"run `python3 course.py build {source.stem}`")
    if not names:
        for kind in KINDS:
            have = {s.stem for s in sources(kind)}
            for nb_path in sorted((ROOT / kind).glob("*.ipynb")):
                if nb_path.stem not in have:
                    problems.append(f"{nb_path.relative_to(ROOT)} has no text source in sources/{kind}/")
    return problems
