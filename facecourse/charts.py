"""Generic altair helpers the tracks share; each track's own charts live with it
(``matching.charts``, ``scraping.charts``, ``breach.charts``). Every chart has a title, axis
labels, tooltips and a text description (rendered as the SVG's accessible label), and embeds only
small, pre-aggregated data.

Rendering is offline: every kernel of the course environment sends charts as Vega-Lite specs,
which JupyterLab draws itself (:mod:`facecourse.kernel_defaults`), and ``save_static`` uses
vl-convert.
"""

from __future__ import annotations

import ast
import math
import numbers
import re
import statistics
from pathlib import Path

import altair as alt
import pandas as pd

from .checks import AnswerError, expect


def _described(chart: alt.Chart, description: str) -> alt.Chart:
    return chart.properties(description=description)


def line_chart(df: pd.DataFrame, x: str, y: str, title: str, x_title: str, y_title: str, description: str,
               color: str | None = None, log_x: bool = False, log_y: bool = False, y_format: str | None = None) -> alt.Chart:
    enc = dict(
        x=alt.X(x, title=x_title, scale=alt.Scale(type="log") if log_x else alt.Undefined),
        y=alt.Y(y, title=y_title, scale=alt.Scale(type="log") if log_y else alt.Undefined,
                axis=alt.Axis(format=y_format) if y_format else alt.Undefined),
        tooltip=list(df.columns),
    )
    if color:
        enc["color"] = alt.Color(color)
    return _described(alt.Chart(df).mark_line(point=True).encode(**enc).properties(title=title, width=460, height=260),
                      description)


class ChartSpec(dict):
    """A chart's Vega-Lite specification as the grader receives it from a student's kernel
    (``chart.to_dict()``, made in the kernel): a plain ``dict`` that :func:`spec_summary` reads."""


# ---------------------------------------------------------------------------------------------
# Transforms: the rows a chart draws, computed from its inline data without a browser
# ---------------------------------------------------------------------------------------------

class Unreadable(ValueError):
    """A transform or expression :func:`spec_summary` cannot evaluate (the message says which)."""


_TOKEN = re.compile(r"""\s*(?:(?P<num>\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?)"""
                    r"""|(?P<str>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")"""
                    r"""|(?P<name>[A-Za-z_$][\w$]*)|(?P<op>===|!==|==|!=|<=|>=|&&|\|\||[-+*/%<>!().,\[\]]))""")
_FUNCTIONS = {"isValid": lambda v: v is not None and not (isinstance(v, float) and math.isnan(v)),
              "isFinite": lambda v: isinstance(v, (int, float)) and math.isfinite(v),
              "isNaN": lambda v: isinstance(v, float) and math.isnan(v),
              "abs": abs, "log": math.log, "exp": math.exp, "sqrt": math.sqrt, "pow": math.pow,
              "floor": math.floor, "ceil": math.ceil, "round": round, "min": min, "max": max,
              "lower": lambda s: str(s).lower(), "upper": lambda s: str(s).upper(),
              "toNumber": float, "toString": str, "length": len}
_CONSTANTS = {"true": "True", "false": "False", "null": "None", "undefined": "None"}


def _expression(text: str):
    """A Vega expression (``"(datum.fmr > 0) && (datum.fnmr > 0)"``) as a Python function of one row.

    Only a safe subset is read: ``datum.field`` / ``datum['field']``, numbers, strings, comparisons,
    ``&&``, ``||``, ``!``, arithmetic and a few functions (``isValid``, ``abs``, ``log``...); anything
    else raises :class:`Unreadable`.
    """
    out, pos, text = [], 0, str(text)
    if len(text) > 2000:
        raise Unreadable("cannot read an expression of more than 2,000 characters")
    while pos < len(text):
        if not text[pos:].strip():
            break
        m = _TOKEN.match(text, pos)
        if not m:
            raise Unreadable(f"cannot read {text[pos:pos + 20]!r}")
        pos = m.end()
        kind = m.lastgroup
        tok = m.group(kind)
        if kind == "name":
            if tok == "datum":
                out.append("_d")
            elif tok in _CONSTANTS:
                out.append(_CONSTANTS[tok])
            elif tok in _FUNCTIONS or (out and out[-1] == "."):
                out.append(tok)
            else:
                raise Unreadable(f"unknown name {tok!r}")
        elif kind == "op":
            out.append({"===": "==", "!==": "!=", "&&": " and ", "||": " or ", "!": " not "}.get(tok, tok))
        else:
            out.append(tok)
    code = "".join(out).strip()
    # datum.field -> _d["field"]
    code = re.sub(r"_d\.([A-Za-z_$][\w$]*)", lambda m: f"_d[{m.group(1)!r}]", code)
    try:
        tree = ast.parse(code, mode="eval")
    except (SyntaxError, RecursionError, MemoryError, ValueError) as exc:
        raise Unreadable(f"cannot read the expression {text!r}") from exc
    allowed = (ast.Expression, ast.BoolOp, ast.And, ast.Or, ast.Compare, ast.BinOp, ast.UnaryOp, ast.Not, ast.USub,
               ast.UAdd, ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Mod, ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt,
               ast.GtE, ast.Constant, ast.Subscript, ast.Load, ast.Call, ast.Name)
    for node in ast.walk(tree):
        if not isinstance(node, allowed):
            raise Unreadable(f"cannot read the expression {text!r}")
        if isinstance(node, ast.Name) and node.id not in {"_d", *_FUNCTIONS}:
            raise Unreadable(f"cannot read the expression {text!r}")
        if isinstance(node, ast.Subscript) and not (isinstance(node.value, ast.Name) and node.value.id == "_d"
                                                    and isinstance(node.slice, ast.Constant)):
            raise Unreadable(f"cannot read the expression {text!r}")
        if isinstance(node, ast.Call) and not (isinstance(node.func, ast.Name) and node.func.id in _FUNCTIONS):
            raise Unreadable(f"cannot read the expression {text!r}")
    # arithmetic as JavaScript does it, on floats: no big integers, no repeated strings
    tree = ast.fix_missing_locations(_Arithmetic().visit(tree))
    try:
        compiled = compile(tree, "<vega expression>", "eval")
    except (RecursionError, MemoryError, ValueError) as exc:
        raise Unreadable(f"cannot read the expression {text!r}") from exc

    def evaluate(row):
        try:
            return eval(compiled, {"__builtins__": {}, "_arith": _arith, **_FUNCTIONS},  # noqa: S307 - checked above
                        {"_d": _Row(row)})
        except (TypeError, ValueError, ZeroDivisionError, OverflowError, RecursionError, AttributeError):
            return None
    return evaluate


_OPS = {"Add": lambda a, b: a + b, "Sub": lambda a, b: a - b, "Mult": lambda a, b: a * b,
        "Div": lambda a, b: a / b, "Mod": math.fmod}


def _arith(op: str, a, b):
    """``a op b`` on numbers as floats (JavaScript's numbers); ``+`` also joins two short strings."""
    if op == "Add" and isinstance(a, str) and isinstance(b, str):
        if len(a) + len(b) > 10_000:
            raise ValueError("string too long")
        return a + b
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (a, b)):
        raise TypeError("arithmetic on numbers only")
    return _OPS[op](float(a), float(b))


class _Arithmetic(ast.NodeTransformer):
    def visit_BinOp(self, node):
        self.generic_visit(node)
        return ast.Call(func=ast.Name(id="_arith", ctx=ast.Load()),
                        args=[ast.Constant(type(node.op).__name__), node.left, node.right], keywords=[])


class _Row(dict):
    def __missing__(self, key):   # datum.unknown is undefined in Vega, not an error
        return None


def _predicate(pred):
    """A Vega-Lite filter predicate (expression, field predicate, and/or/not) as a function of one row."""
    if isinstance(pred, str):
        f = _expression(pred)
        return lambda row: bool(f(row))
    if not isinstance(pred, dict):
        raise Unreadable(f"cannot read the filter {pred!r}")
    if "and" in pred:
        parts = [_predicate(p) for p in pred["and"]]
        return lambda row: all(p(row) for p in parts)
    if "or" in pred:
        parts = [_predicate(p) for p in pred["or"]]
        return lambda row: any(p(row) for p in parts)
    if "not" in pred:
        part = _predicate(pred["not"])
        return lambda row: not part(row)
    field = pred.get("field")
    if not isinstance(field, str) or "timeUnit" in pred or "param" in pred:
        raise Unreadable(f"cannot read the filter {pred!r}")

    def value(row):
        return row.get(field)

    def cmp(op):
        def f(row):
            try:
                return op(value(row))
            except TypeError:
                return False
        return f
    if "equal" in pred:
        return cmp(lambda v: v == pred["equal"])
    for key, op in (("lt", lambda v, b: v < b), ("lte", lambda v, b: v <= b),
                    ("gt", lambda v, b: v > b), ("gte", lambda v, b: v >= b)):
        if key in pred:
            return cmp(lambda v, b=pred[key], op=op: v is not None and op(v, b))
    if "range" in pred:
        lo, hi = pred["range"]
        return cmp(lambda v: v is not None and (lo is None or v >= lo) and (hi is None or v <= hi))
    if "oneOf" in pred or "in" in pred:
        options = pred.get("oneOf", pred.get("in"))
        return cmp(lambda v: v in options)
    if "valid" in pred:
        ok = _FUNCTIONS["isValid"]
        return cmp(lambda v: ok(v) == bool(pred["valid"]))
    raise Unreadable(f"cannot read the filter {pred!r}")


def _valid(values) -> list:
    return [v for v in values if v is not None]


_AGGREGATES = {
    "count": lambda vs: len(vs), "valid": lambda vs: sum(v is not None for v in vs),
    "sum": lambda vs: sum(v for v in vs if v is not None),
    "mean": lambda vs: statistics.fmean(_valid(vs)) if _valid(vs) else None,
    "median": lambda vs: statistics.median(_valid(vs)) if _valid(vs) else None,
    "min": lambda vs: min((v for v in vs if v is not None), default=None),
    "max": lambda vs: max((v for v in vs if v is not None), default=None),
    "distinct": lambda vs: len(set(vs)),
}
_AGGREGATES["average"] = _AGGREGATES["mean"]


def _aggregate(rows, groupby, ops):
    """``ops``: (op, field, as) triples. Rows grouped by ``groupby`` (in first-seen order)."""
    groups: dict = {}
    for row in rows:
        groups.setdefault(tuple(row.get(g) for g in groupby), []).append(row)
    out = []
    for key, members in groups.items():
        new = dict(zip(groupby, key))
        for op, field, name in ops:
            if op not in _AGGREGATES:
                raise Unreadable(f"cannot read the aggregate {op!r}")
            new[name] = _AGGREGATES[op]([m.get(field) for m in members])
        out.append(new)
    return out


def _apply(rows: list[dict], transform: dict) -> list[dict]:
    if "filter" in transform:
        keep = _predicate(transform["filter"])
        return [r for r in rows if keep(r)]
    if "calculate" in transform:
        f = _expression(transform["calculate"])
        return [{**r, transform["as"]: f(r)} for r in rows]
    if "aggregate" in transform:
        ops = [(a.get("op"), a.get("field"), a.get("as")) for a in transform["aggregate"]]
        return _aggregate(rows, list(transform.get("groupby", [])), ops)
    if "joinaggregate" in transform:
        by = list(transform.get("groupby", []))
        ops = [(a.get("op"), a.get("field"), a.get("as")) for a in transform["joinaggregate"]]
        totals = {tuple(t.get(g) for g in by): t for t in _aggregate(rows, by, ops)}
        return [{**r, **{n: totals[tuple(r.get(g) for g in by)][n] for _, _, n in ops}} for r in rows]
    if "sample" in transform and len(rows) <= transform["sample"]:
        return rows
    raise Unreadable(f"cannot read the transform {sorted(transform)[0]!r}")


# ---------------------------------------------------------------------------------------------
# The summary
# ---------------------------------------------------------------------------------------------

_FACET_CHANNELS = ("row", "column", "facet")
_JSON_TYPES = (str, numbers.Number, type(None), list, dict)


def _views(spec: dict, inherited: dict):
    """Every unit view (one with a mark) of ``spec`` with what it inherits (data, transforms, encoding)."""
    here = {"data": spec.get("data", inherited["data"]),
            "transform": inherited["transform"] + list(spec.get("transform", [])),
            "encoding": {**inherited["encoding"], **spec.get("encoding", {})},
            "facet": {**inherited["facet"]}}
    facet = spec.get("facet")
    if isinstance(facet, dict) and "spec" in spec:
        if "field" in facet:
            here["facet"]["facet"] = facet
        else:
            here["facet"].update({k: v for k, v in facet.items() if k in _FACET_CHANNELS})
    if "mark" in spec:
        yield spec, here
    for key in ("layer", "hconcat", "vconcat", "concat"):
        for sub in spec.get(key, []) or []:
            if isinstance(sub, dict):
                yield from _views(sub, here)
    if isinstance(spec.get("spec"), dict):
        yield from _views(spec["spec"], here)


def _scale(value: dict) -> dict:
    scale = value.get("scale")
    scale = scale if isinstance(scale, dict) else {}
    out = {"scale": scale.get("type")}
    out.update({k: scale[k] for k in ("zero", "domain", "domainMin", "domainMax", "clamp", "reverse") if k in scale})
    return out


def _channel(value) -> dict:
    value = value[0] if isinstance(value, list) and value else value
    value = value if isinstance(value, dict) else {}
    field = value.get("field")
    if isinstance(field, dict):          # alt.repeat(...)
        field = None
    out = {"field": field, "type": value.get("type"), **_scale(value)}
    for key in ("aggregate", "bin", "timeUnit", "stack", "value"):
        if key in value:
            out[key] = value[key]
    return out


def _text(value) -> str:
    value = value.get("text", "") if isinstance(value, dict) else value
    return " ".join(map(str, value)) if isinstance(value, list) else str(value or "")


def spec_summary(chart, name: str = "the chart") -> dict:
    """What an altair chart draws, read from its Vega-Lite spec (``chart.to_dict()``), in plain values.

    The exercises' checks read your charts with this, without a browser. It returns a dict:

    - ``mark``: the mark type (``"line"``, ``"bar"``, ``"point"``, ...), whether the chart used
      ``mark_line()`` or ``mark_line(point=True)``; ``marks``: the marks of every layer or panel;
    - ``encoding``: for each channel (``"x"``, ``"y"``, ``"color"``, ...) a dict with its ``field``,
      its ``type`` (``"quantitative"``, ``"nominal"``, ...) and its ``scale`` type (``"log"`` or None);
      when set, also the scale's ``zero``, ``domain``, ``domainMin``/``domainMax``, ``clamp`` and
      ``reverse``, and the channel's ``aggregate``/``bin``/``timeUnit``/``stack``/``value``. A facet
      (``.facet(column=...)``) shows as the channel ``column``, ``row`` or ``facet``;
    - ``tooltip``: the set of fields the tooltip shows (``mark_...(tooltip=True)``: every encoded field);
    - ``title`` and ``description``: their text (``""`` when missing);
    - ``rows``: the data rows the chart embeds (a list of dicts; filtered data shows as fewer rows);
    - ``transforms``: the chart's transforms (``transform_filter``, ``transform_calculate``, ...);
    - ``drawn``: the rows the marks show after those transforms and any aggregate in the encoding
      (``None`` when a transform cannot be read; ``unread`` then says which);
    - ``composition``: ``"layer"``, ``"facet"``, ``"repeat"``, ``"concat"`` or ``None``; ``views``:
      the number of views with a mark.

    A layered chart (``line + points``) is read from its first layer with a mark, plus the
    encodings, data and transforms its layers share. ``chart`` may also be its specification (a
    :class:`ChartSpec`, as the grader receives a chart from a student's kernel). ``name`` is used in
    the error raised (``facecourse.checks.AnswerError``, a ``TypeError``) when ``chart`` is not an
    altair chart, e.g. a DataFrame, or None because a cell only displayed the chart.

    >>> import altair as alt, pandas as pd
    >>> df = pd.DataFrame({"a": [1, 2, 3], "b": [10, 100, 1000]})
    >>> c = alt.Chart(df).mark_line(point=True).encode(
    ...     x="a:Q", y=alt.Y("b:Q", scale=alt.Scale(type="log")), tooltip=["a", "b"]
    ... ).properties(title="Growth", description="b grows tenfold per step of a")
    >>> s = spec_summary(c)
    >>> s["mark"], s["encoding"]["x"]["field"], s["encoding"]["y"]["scale"], sorted(s["tooltip"])
    ('line', 'a', 'log', ['a', 'b'])
    >>> s["title"], len(s["rows"]), len(s["drawn"])
    ('Growth', 3, 3)

    A filter in altair shows in ``drawn``, not in ``rows``:

    >>> s = spec_summary(c.transform_filter(alt.datum.b < 500))
    >>> len(s["rows"]), [r["b"] for r in s["drawn"]], s["transforms"]
    (3, [10, 100], [{'filter': '(datum.b < 500)'}])
    """
    if isinstance(chart, ChartSpec):
        spec = chart
    elif isinstance(chart, alt.TopLevelMixin):
        spec = chart.to_dict()
    else:
        kind = getattr(getattr(chart, "__class__", type(chart)), "__name__", type(chart).__name__)
        raise AnswerError(f"{name} should be an altair chart (alt.Chart(...).mark_...().encode(...)), "
                          f"not {kind}: assign the chart itself to the name.")
    datasets = spec.get("datasets", {}) or {}
    views = list(_views(spec, {"data": None, "transform": [], "encoding": {}, "facet": {}}))
    part, ctx = views[0] if views else (spec, {"data": spec.get("data"), "transform": list(spec.get("transform", [])),
                                               "encoding": spec.get("encoding", {}), "facet": {}})
    encoding = dict(ctx["encoding"])
    for ch, value in ctx["facet"].items():
        encoding.setdefault(ch, value)

    def mark_type(view):
        mark = view.get("mark")
        return mark.get("type") if isinstance(mark, dict) else mark
    mark = mark_type(part) if views else None
    channels = {ch: _channel(v) for ch, v in encoding.items() if ch != "tooltip"}

    tips = encoding.get("tooltip", [])
    tips = tips if isinstance(tips, list) else [tips]
    tooltip = {t.get("field") if isinstance(t, dict) else str(t).split(":")[0] for t in tips} - {None}
    mark_def = part.get("mark") if views else None
    if isinstance(mark_def, dict) and mark_def.get("tooltip") not in (None, False) and not tips:
        tooltip = {c["field"] for ch, c in channels.items() if c["field"] and ch not in _FACET_CHANNELS}

    title = _text(spec.get("title", part.get("title", "")))

    data = ctx["data"]
    if isinstance(data, dict) and "name" in data:
        rows = list(datasets.get(data["name"], []))
    elif isinstance(data, dict) and "values" in data:
        rows = list(data["values"])
    else:
        rows = [r for values in datasets.values() for r in values]
    rows = [dict(r) for r in rows if isinstance(r, dict)]
    for r in rows:   # what JupyterLab displays but Vega-Lite's exporters and the grader cannot read
        odd = next(((k, v) for k, v in r.items() if not isinstance(v, _JSON_TYPES)), None)
        if odd is not None:
            raise AnswerError(f"{name}'s data has a column, {odd[0]!r}, of Python {type(odd[1]).__name__} values, which "
                              "a chart cannot save or send to the grader (it only displays): leave that column out of "
                              "the charted frame, or convert it (e.g. .astype(str)).")

    transforms = [t for t in ctx["transform"] if isinstance(t, dict)]
    drawn, unread = rows, []
    try:
        for t in transforms:
            drawn = _apply(drawn, t)
        aggregated = [(c["aggregate"], c["field"], c["field"] or "__count") for c in channels.values()
                      if isinstance(c.get("aggregate"), str)]
        tip_aggregated = [t for t in tips if isinstance(t, dict) and isinstance(t.get("aggregate"), str)]
        if aggregated or tip_aggregated:
            by = [c["field"] for c in channels.values() if c["field"] and "aggregate" not in c]
            by += [t.get("field") for t in tips if isinstance(t, dict) and t.get("field") and "aggregate" not in t]
            ops = aggregated + [(t["aggregate"], t.get("field"), t.get("field") or "__count") for t in tip_aggregated]
            drawn = _aggregate(drawn, list(dict.fromkeys(by)), ops)
    except Unreadable as exc:
        drawn, unread = None, [str(exc)]
    except (TypeError, ValueError, KeyError, AttributeError, IndexError, RecursionError) as exc:
        drawn, unread = None, [f"cannot read a transform ({type(exc).__name__})"]

    if "facet" in spec and "spec" in spec:
        composition = "facet"
    elif "repeat" in spec:
        composition = "repeat"
    elif any(k in spec for k in ("hconcat", "vconcat", "concat")):
        composition = "concat"
    elif "layer" in spec:
        composition = "layer"
    else:
        composition = None
    return {"mark": mark, "marks": [mark_type(v) for v, _ in views], "encoding": channels,
            "tooltip": tooltip, "title": title, "description": str(spec.get("description", "") or ""),
            "rows": rows, "transforms": transforms, "drawn": drawn, "unread": unread,
            "composition": composition, "views": len(views)}


# ---------------------------------------------------------------------------------------------
# What the lessons say matters: helpers for the exercises' chart checks
# ---------------------------------------------------------------------------------------------

_PLACEHOLDER_TEXT = {"", "title", "todo", "tbd", "fixme", "xxx", "chart", "my chart", "plot", "my plot", "graph",
                     "untitled", "description", "alt text", "alt", "placeholder", "your title", "chart title",
                     "your description", "title here", "description here", "add a title", "add a description",
                     "lorem ipsum", "none", "nan", "test", "a chart", "the chart", "a plot", "figure", "text"}


def is_placeholder_text(text) -> bool:
    """True for a title or description that says nothing: empty, "Title", "TODO", "chart", "...".

    >>> is_placeholder_text("Title"), is_placeholder_text("TODO: describe"), is_placeholder_text("DET curve of LFW")
    (True, True, False)
    """
    text = str(text or "")
    words = re.sub(r"[^\w\s]", " ", text).lower().split()
    return (" ".join(words) in _PLACEHOLDER_TEXT or "..." in text or "…" in text
            or any(w in ("todo", "fixme", "tbd", "xxx", "lorem") for w in words))


def expect_titled(s: dict, name: str, min_words: int = 3) -> None:
    """Fail unless the summary ``s`` has a real title and a description (alt text) of a few words.

    >>> import altair as alt, pandas as pd
    >>> c = alt.Chart(pd.DataFrame({"a": [1]})).mark_point().encode(x="a:Q")
    >>> expect_titled(spec_summary(c.properties(title="TODO", description="Points")), "c")
    Traceback (most recent call last):
    ...
    AssertionError: c needs a title that says what it shows (.properties(title=...)), not 'TODO'.
    """
    title, desc = s["title"].strip(), s["description"].strip()
    expect(title and not is_placeholder_text(title),
           f"{name} needs a title that says what it shows (.properties(title=...)), not {title!r}.")
    expect(desc and not is_placeholder_text(desc) and len(desc.split()) >= min_words
           and desc.lower() != title.lower(),
           f"{name} needs a description (its alt text): a sentence of at least {min_words} words saying what the "
           f"chart shows, other than its title (.properties(description=...)), not {desc!r}.")


def drawn_rows(s: dict, name: str) -> list[dict]:
    """The rows the chart draws (``s["drawn"]``), or a plain failure when a transform cannot be read."""
    if s["drawn"] is None:
        raise AssertionError(f"the check cannot read {name}'s transforms ({s['unread'][0]}): select the rows in "
                             "pandas before alt.Chart(...), or filter with alt.datum (e.g. alt.datum.x > 0) "
                             "or alt.FieldOneOfPredicate.")
    return s["drawn"]


def _value_field(c: dict) -> str | None:
    if isinstance(c.get("aggregate"), str):
        return c["field"] or "__count"
    return c.get("field")


def _numbers(values) -> list[float]:
    out = []
    for v in values:
        if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v):
            out.append(float(v))
    return out


def _extent(s: dict, channel: str, rows: list[dict]) -> tuple[float, float] | None:
    """(min, max) of what ``channel`` shows; bars stacked by colour count as their sums."""
    c = s["encoding"][channel]
    field = _value_field(c)
    values = _numbers(r.get(field) for r in rows)
    if not values:
        return None
    other = {"y": "x", "x": "y"}.get(channel)
    stacked = (s["mark"] in ("bar", "area") and c.get("stack", "zero") not in (None, False)
               and "color" in s["encoding"] and not ({"xOffset", "yOffset"} & set(s["encoding"])))
    if stacked and other in s["encoding"]:
        keys = [ch for ch in (other, "column", "row", "facet") if s["encoding"].get(ch, {}).get("field")]
        sums: dict = {}
        for r in rows:
            v = r.get(field)
            if isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0:
                k = tuple(r.get(s["encoding"][ch]["field"]) for ch in keys)
                sums[k] = sums.get(k, 0) + v
        values += list(sums.values())
    return min(values), max(values)


def expect_domain_shows_all(s: dict, channel: str, name: str) -> None:
    """Fail when ``channel``'s scale domain (``domain``, ``domainMin``, ``domainMax``) cuts off drawn values
    (they would be drawn outside the plot or, with ``clamp=True``, piled on its edge)."""
    c = s["encoding"].get(channel)
    if not c:
        return
    rows = drawn_rows(s, name)
    domain = c.get("domain")
    if c.get("type") in ("nominal", "ordinal") or (isinstance(domain, list) and domain
                                                   and all(isinstance(d, str) for d in domain)):
        if isinstance(domain, list):
            missing = sorted({str(r.get(c["field"])) for r in rows} - {str(d) for d in domain})
            expect(not missing, f"{name}'s {channel} scale domain leaves out {missing[:3]}: remove domain=... "
                                "so that every group is shown.")
        return
    lo = hi = None
    if isinstance(domain, list) and len(domain) == 2:
        lo, hi = domain
    lo = c.get("domainMin", lo) if c.get("domainMin") is not None else lo
    hi = c.get("domainMax", hi) if c.get("domainMax") is not None else hi
    extent = _extent(s, channel, rows)
    if extent is None or not any(isinstance(v, (int, float)) for v in (lo, hi)):
        return
    low_ok = not isinstance(lo, (int, float)) or lo <= extent[0] + 1e-12 * abs(extent[0])
    high_ok = not isinstance(hi, (int, float)) or hi >= extent[1] - 1e-12 * abs(extent[1])
    what = "clamped to its edge" if c.get("clamp") else "cut off"
    expect(low_ok and high_ok,
           f"{name}'s {channel} scale domain [{lo}, {hi}] does not reach the data ({extent[0]:g} to {extent[1]:g}): "
           f"values outside it are {what}; remove domain=... (and clamp=...) from alt.Scale.")


def expect_bars_from_zero(s: dict, channel: str, name: str) -> None:
    """Fail unless the bars' lengths on ``channel`` start at zero on a linear scale that shows every bar whole.

    >>> import altair as alt, pandas as pd
    >>> df = pd.DataFrame({"k": ["a", "b"], "n": [90, 100]})
    >>> c = alt.Chart(df).mark_bar().encode(x="k:N", y=alt.Y("n:Q", scale=alt.Scale(zero=False)))
    >>> expect_bars_from_zero(spec_summary(c), "y", "c")
    Traceback (most recent call last):
    ...
    AssertionError: c's bars must start at zero: remove zero=False from the y scale (n); the axis then starts near the smallest bar (about 90), and lengths stop showing values.
    """
    c = s["encoding"].get(channel, {})
    what = c.get("field") or channel
    kind = c.get("scale")
    expect(kind in (None, "linear"),
           f"{name}'s bars are lengths, and a {kind} scale on {channel} ({what}) makes them lie: a bar's length must "
           "be proportional to its value; remove scale=alt.Scale(type=...).")
    rows = drawn_rows(s, name)
    extent = _extent(s, channel, rows)
    if c.get("zero") is False:
        near = f" (about {extent[0]:g})" if extent else ""
        raise AssertionError(f"{name}'s bars must start at zero: remove zero=False from the {channel} scale "
                             f"({what}); the axis then starts near the smallest bar{near}, and lengths stop "
                             "showing values.")
    domain = c.get("domain")
    lo = domain[0] if isinstance(domain, list) and len(domain) == 2 else None
    lo = c.get("domainMin") if c.get("domainMin") is not None else lo
    expect(not isinstance(lo, (int, float)) or lo <= 0,
           f"{name}'s bars must start at zero, but the {channel} scale's domain starts at {lo}: remove domain=... "
           "(or start it at 0).")
    expect_domain_shows_all(s, channel, name)


def save_static(chart: alt.Chart, path: str | Path) -> Path:
    """Export a chart to SVG or PNG without a browser or network (vl-convert)."""
    path = Path(path)
    chart.save(str(path))
    return path


# Older notebooks called the track charts through this module; these names stay for one term.
# Resolved lazily (PEP 562), so importing a track's charts module first causes no import cycle.
_MOVED = {
    "concentration_chart": "breach", "fines_chart": "breach", "share_bars": "breach",
    "size_claims_chart": "breach", "timeline_chart": "breach",
    "det_chart": "matching", "distance_histogram": "matching",
    "collected_by_setting_chart": "scraping",
}


def __getattr__(name: str):
    if name in _MOVED:
        import importlib

        return getattr(importlib.import_module(f"facecourse.{_MOVED[name]}.charts"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
