"""The course's one explorer-widget helper: controls in, a render function, an HTML output.

Lessons B5, A3 and C2 first wire a small explorer by hand: a control (``Dropdown``, ``FloatSlider``),
an output widget, and an ``observe`` callback that recomputes the output whenever a control's
``value`` changes. :func:`explorer` is that same wiring written once, so the course's explorers
(``matching.identification.search_explorer``, ``scraping.ledger.ledger_explorer``,
``breach.explore.explorer``) only say which controls they have and what to compute.

Everything happens in the kernel: the output is an ``HTML`` widget whose ``.value`` is an ordinary
string, and the last computed result is kept on the returned widget. So a test (or an exercise's
public check) sets a control's ``.value`` and reads ``.result`` or ``.output.value``, with no browser.
(An ``Output`` widget would not do: what it captures exists only in a browser.)
"""

from __future__ import annotations

import html
from typing import Any, Callable, Mapping

import ipywidgets as w

__all__ = ["Explorer", "explorer", "to_html"]


def to_html(result: Any) -> str:
    """
    The default way an explorer shows a result: a pandas DataFrame as an HTML table (no index, text
    escaped, empty cells blank), an empty DataFrame as a sentence, a string as given (it is HTML),
    anything else as its escaped ``repr`` in a paragraph.

    :param result: what a render function returned
    :return: a string of HTML

    >>> import pandas as pd
    >>> to_html(pd.DataFrame({"name": ["<Ann>"]}))[:6], "&lt;Ann&gt;" in to_html(pd.DataFrame({"name": ["<Ann>"]}))
    ('<table', True)
    >>> to_html(pd.DataFrame({"name": []}))
    '<p>No rows.</p>'
    >>> to_html(3.5)
    '<p>3.5</p>'
    """
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - pandas is a course dependency
        pd = None
    if pd is not None and isinstance(result, (pd.DataFrame, pd.Series)):
        frame = result.to_frame() if isinstance(result, pd.Series) else result
        return frame.to_html(index=False, escape=True, na_rep="") if len(frame) else "<p>No rows.</p>"
    if isinstance(result, str):
        return result
    return f"<p>{html.escape(repr(result))}</p>"


def _same(a: dict, b: dict) -> bool:
    try:
        return bool(a == b)
    except Exception:  # values whose == is not a plain bool (arrays): never skip
        return False


class Explorer(w.VBox):
    """
    The widget :func:`explorer` returns: a ``VBox`` of an optional header, one ``HBox`` per row of
    controls, and the output ``HTML`` widget, in that order.

    Attributes (all kernel-side, readable without a browser):

    * ``controls``: dict, name -> control widget, in the order given;
    * ``output``: the ``HTML`` widget the render result is written into;
    * ``result``: what the render function returned last (``None`` after an error);
      ``last_table`` is the same value, under the name the course's explorers have always used;
    * ``error``: ``None``, or the message of the exception the render function raised last;
    * ``values()``: the controls' current values as a dict; ``refresh()``: render again now.
    """

    def __init__(self, controls: dict, render: Callable[..., Any], show: Callable[[Any], str],
                 rows: list[list[str]], header: str | None):
        self.controls = dict(controls)
        self.output = w.HTML()  # widget state only: no display messages, so it also works under nbval
        self.result = None
        self.error = None
        self._render, self._show = render, show
        self._rendered = None  # the control values of the last render
        children = [w.HTML(header)] if header is not None else []
        children += [w.HBox([self.controls[name] for name in row]) for row in rows]
        super().__init__(children + [self.output])

    @property
    def last_table(self):
        return self.result

    def values(self) -> dict:
        """The controls' current values, as a dict name -> value."""
        return {name: ctl.value for name, ctl in self.controls.items()}

    def refresh(self, change=None) -> None:
        """Call the render function with the controls' values and write what it returns into ``output``.

        This is the ``observe`` callback of every control (``change`` is the traitlets change dict).
        As a callback it does nothing when the values are those it last rendered (one control that
        updates another, like a person and their photos, then costs one render, not two); called
        by hand it always renders. An exception in the render function is not lost in the browser's
        console: its message is shown in the output (``error`` keeps it; ``result`` becomes ``None``).
        """
        values = self.values()
        if change is not None and self._rendered is not None and _same(values, self._rendered):
            return
        self._rendered = values
        try:
            self.result = self._render(**values)
            self.error = None
            self.output.value = self._show(self.result)
        except Exception as exc:  # shown to the student instead of vanishing in the JS console
            self.result, self.error = None, f"{type(exc).__name__}: {exc}"
            self.output.value = f'<p style="color:#b00">Could not update: {html.escape(self.error)}</p>'


def explorer(controls: Mapping[str, Any], render: Callable[..., Any], *, show: Callable[[Any], str] = to_html,
             rows: list[list[str]] | None = None, header: str | None = None) -> Explorer:
    """
    Wire ipywidgets controls to a render function and an HTML output: the explorer pattern, written once.

    Every control is connected with ``control.observe(..., names="value")`` to a callback that calls
    ``render`` with all the controls' current values as keyword arguments (the names are the keys of
    ``controls``), turns what it returns into HTML with ``show`` and writes that into an ``HTML``
    widget. The callback runs once at the start, so the output is filled before anyone clicks.

    :param controls: dict of name -> ipywidgets control (anything with a ``value`` and ``observe``:
        ``Dropdown``, ``IntSlider``, ``FloatSlider``, ``Text``...), at least one
    :param render: function called as ``render(name=value, ...)``; returns what to show (a DataFrame,
        an HTML string, or any object ``show`` knows how to turn into HTML)
    :param show: function turning render's return value into an HTML string (default :func:`to_html`:
        DataFrames as escaped tables)
    :param rows: how to lay out the controls, as lists of names, one ``HBox`` per list, each name
        exactly once (default: all controls in one row)
    :param header: optional HTML shown above the controls (e.g. a label every view must carry)
    :return: an :class:`Explorer` (a ``VBox``): display it; read ``.result``, ``.output.value``, ``.controls``
    :raises ValueError: no controls, or ``rows`` that miss a control, repeat one or name an unknown one
    :raises TypeError: a control without ``value``/``observe``, or a ``render``/``show`` that is not callable;
        an exception raised by ``render`` at the first call propagates (later ones are shown in the output)

    >>> import ipywidgets as widgets
    >>> ui = explorer({"n": widgets.IntSlider(value=2, min=0, max=5)},
    ...               lambda n: f"<p>{n} squared is {n * n}</p>")
    >>> ui.output.value
    '<p>2 squared is 4</p>'
    >>> ui.controls["n"].value = 3          # what a click does, from code
    >>> ui.result, ui.output.value
    ('<p>3 squared is 9</p>', '<p>3 squared is 9</p>')
    >>> explorer({}, print)
    Traceback (most recent call last):
    ...
    ValueError: explorer() needs at least one control, e.g. {"threshold": widgets.FloatSlider()}
    """
    if not isinstance(controls, Mapping):
        raise TypeError(f"controls must be a dict of name -> widget, not {type(controls).__name__}")
    if not controls:
        raise ValueError('explorer() needs at least one control, e.g. {"threshold": widgets.FloatSlider()}')
    for name, ctl in controls.items():
        if not isinstance(name, str) or not name.isidentifier():
            raise TypeError(f"control names become render's keyword arguments: {name!r} is not a valid name")
        if not (hasattr(ctl, "value") and callable(getattr(ctl, "observe", None))):
            raise TypeError(f"control {name!r} is a {type(ctl).__name__}, not an ipywidgets control with a value "
                            f"(Dropdown, IntSlider, FloatSlider, ...)")
    for label, fn in (("render", render), ("show", show)):
        if not callable(fn):
            raise TypeError(f"{label} must be a function, not {type(fn).__name__}")
    if rows is None:
        rows = [list(controls)]
    placed = [name for row in rows for name in row]
    unknown = [n for n in placed if n not in controls]
    if unknown:
        raise ValueError(f"rows name unknown control(s) {unknown}; the controls are {list(controls)}")
    if sorted(placed) != sorted(controls):
        missing = [n for n in controls if n not in placed]
        twice = sorted({n for n in placed if placed.count(n) > 1})
        raise ValueError(f"rows must place each control exactly once (missing: {missing}, repeated: {twice})")

    box = Explorer(controls, render, show, [list(r) for r in rows], header)
    box._rendered = box.values()
    box.result = render(**box._rendered)  # a broken render function fails here, loudly
    box.output.value = show(box.result)
    for ctl in box.controls.values():
        ctl.observe(box.refresh, names="value")
    return box
