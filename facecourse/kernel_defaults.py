"""What every IPython kernel of the course environment starts with: charts that draw offline.

altair's own default renderer sends a chart as HTML that loads Vega from a CDN, so charts stay
blank offline and on locked-down hubs. Its ``"mimetype"`` renderer sends the Vega-Lite
specification itself (``application/vnd.vegalite.v5+json``), which JupyterLab draws with the copy
of Vega it ships: no network. This module makes ``"mimetype"`` the default of every kernel the
course starts, whatever the notebook imports:

* ``python3 course.py install`` (``apply_jupyter_settings`` in ``course.py``) writes
  ``<environment>/etc/ipython/ipython_kernel_config.json``, which IPython reads in every kernel
  run by that environment's Python (JupyterLab, Binder, nbval, ``course.py build``, the grader's
  sandboxed kernels) and which loads this module as an IPython extension;
* the extension does not import altair (that costs 0.3 s and 40 MB in every kernel, charts or not):
  it waits for the notebook's own ``import altair`` and enables the renderer as soon as altair has
  loaded, so the first chart of a notebook already draws offline. A later
  ``alt.renderers.enable(...)`` in a notebook still wins.

Outside the course environment, one line does the same by hand::

    import altair as alt
    alt.renderers.enable("mimetype")

Example (what a kernel of the course environment does at start)::

    >>> import sys
    >>> enable_when_imported(sys.meta_path[:])  # a copy: the doctest leaves the real path alone
    True
"""

from __future__ import annotations

import importlib.abc
import sys

RENDERER = "mimetype"


def _enable(altair_module) -> None:
    altair_module.renderers.enable(RENDERER)


class _EnableAfterImport(importlib.abc.MetaPathFinder):
    """Finds nothing itself: when altair is first imported, it asks the finders after it for altair's
    spec and makes that spec's loader enable the renderer once the package has run.

    It stays in ``sys.meta_path`` after use (inert), so the interpreter state that the grader
    snapshots before a student's code does not change when the student imports altair.
    """

    def __init__(self, meta_path: list):
        self.meta_path = meta_path
        self.pending = True

    def find_spec(self, fullname, path=None, target=None):
        if fullname != "altair" or not self.pending:
            return None
        self.pending = False
        try:
            later = self.meta_path[self.meta_path.index(self) + 1:]
        except ValueError:  # someone rebuilt sys.meta_path without us: stay out of the way
            return None
        for finder in later:
            find = getattr(finder, "find_spec", None)
            spec = find(fullname, path, target) if find is not None else None
            if spec is not None:
                break
        else:
            return None
        run = getattr(spec.loader, "exec_module", None)
        if run is None:
            return spec

        def exec_module(module):
            run(module)
            _enable(module)

        spec.loader.exec_module = exec_module  # this spec's own loader object, made for this import
        return spec

    def __repr__(self):
        return f"<facecourse.kernel_defaults: altair renderer {RENDERER!r} on import>"


def enable_when_imported(meta_path: list | None = None) -> bool:
    """Make altair's ``"mimetype"`` renderer the default: now if altair is loaded, else when it is.

    ``meta_path`` is the import system's finder list (``sys.meta_path`` unless given). Returns True
    when the renderer is (or will be) enabled; calling it again adds nothing.
    """
    meta_path = sys.meta_path if meta_path is None else meta_path
    if "altair" in sys.modules and meta_path is sys.meta_path:
        _enable(sys.modules["altair"])
        return True
    if not any(isinstance(f, _EnableAfterImport) for f in meta_path):
        meta_path.insert(0, _EnableAfterImport(meta_path))
    return True


def load_ipython_extension(ipython) -> None:
    """IPython calls this when the kernel starts (``InteractiveShellApp.extensions`` in the environment's config)."""
    enable_when_imported()
