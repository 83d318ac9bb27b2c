"""Values on the wire between a student's kernel and the trusted grader: typed JSON, never pickle.

The kernel (:mod:`.agent`) turns each answer into plain JSON with :func:`encode`; the trusted grader
(:mod:`.trusted`) turns it back with :func:`decode`, which builds only trusted types (Python
built-ins, numpy, pandas, a chart's Vega-Lite dict) and never runs code: a student's class, a proxy
or an object with a rigged ``__eq__`` arrives as its plain value or not at all.

What travels by value, and how:

* ``None``, ``bool``, ``int``, ``float``, ``str``: as JSON (non-finite floats tagged); subclasses of
  them (an ``int`` whose ``__eq__`` always says yes) travel as the plain value they hold;
* ``list`` (a JSON array), ``tuple``, ``set``, ``frozenset``, ``dict`` (any hashable keys, order
  kept), ``bytes``, ``complex``, ``...``, paths (``pathlib``: a ``Path`` of the same string): tagged objects ``{"$t": ...}``;
* numpy scalars (their dtype kept: ``np.float64`` stays ``np.float64``) and arrays: ``.npy`` bytes
  read with ``allow_pickle=False`` (an object array is refused; its items travel one by one);
* pandas ``Series``, ``DataFrame`` and ``Index`` (range, plain, multi): a typed encoding of their
  columns (numpy dtypes as ``.npy``, strings, categoricals, nullable and time-zone dtypes, object
  columns item by item) with their index, names and order (pyarrow is not in the lock);
* ``pd.Timestamp``, ``NaT``, ``pd.NA``, ``datetime``/``date``/``timedelta``: tagged;
* an altair chart: its Vega-Lite specification (``chart.to_dict()``, computed in the kernel), decoded
  as a :class:`facecourse.charts.ChartSpec` (a ``dict``) that ``spec_summary`` reads.

A FAISS index travels serialised (``faiss.serialize_index``; read with ``faiss.deserialize_index``).
Anything else (a function, a widget, an object of the student's class) is a
*handle* ``{"$t": "handle", ...}``: an id in the kernel, its type's name and whether it is callable;
:mod:`.trusted` turns it into a :class:`~facecourse.grading.trusted.Remote` that forwards calls
and attribute access to the kernel, by value. A value the kernel could not encode (a chart whose
``to_dict()`` fails) is ``{"$t": "unreadable", ...}``: it fails any check that uses it, with the
reason in plain words.

:func:`decode` checks everything it reads: the nesting depth, the number of items and bytes
(``Limits``), the dtypes it rebuilds (a short list, see ``_NUMPY_KINDS``), and every tag; a
malformed value raises :class:`WireError` (the grader then treats the answer as unreadable).

Example (both sides in one process)::

    >>> import numpy as np
    >>> decode(encode({"a": (1, np.float64(2.5)), 3: [np.arange(3)]}))
    {'a': (1, np.float64(2.5)), 3: [array([0, 1, 2])]}
"""

from __future__ import annotations

import base64
import datetime as _dt
import io
import math
import sys
from dataclasses import dataclass
from pathlib import Path, PurePath

TAG = "$t"
MAX_DEPTH = 64


class WireError(ValueError):
    """A value from the kernel that the grader does not accept (malformed, too large, unknown type)."""


@dataclass
class Limits:
    """What :func:`decode` accepts in one value: bytes of array data, items, nesting depth."""

    max_bytes: int = 256 * 1024 ** 2
    max_items: int = 20_000_000
    max_depth: int = MAX_DEPTH


# numpy dtype kinds rebuilt from .npy bytes: bool, ints, floats, complex, datetimes, fixed strings
_NUMPY_KINDS = set("biufcmMUS")


# ---------------------------------------------------------------------------------------------
# The kernel's side: encode (runs in the student's kernel; whatever it sends is only ever the
# student's own answer, so it needs no defence of its own).
# ---------------------------------------------------------------------------------------------

def _npy(array) -> str:
    import numpy as np

    buf = io.BytesIO()
    np.save(buf, np.ascontiguousarray(array), allow_pickle=False)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _float(x: float):
    return x if math.isfinite(x) else {TAG: "float", "v": repr(x)}


def encode(value, handle=None, depth: int = 0):
    """``value`` as typed JSON; ``handle(obj)`` returns the handle dict of what has no plain form.

    Without ``handle`` such an object raises ``WireError`` (the tests of this module use that).
    """
    if depth > MAX_DEPTH:
        raise WireError("the value is nested too deeply")
    t = type(value)
    if value is None or t is bool or t is str:
        return value
    if t is int:
        return value
    if t is float:
        return _float(value)
    if value is Ellipsis:
        return {TAG: "ellipsis"}
    np = sys.modules.get("numpy")
    pd = sys.modules.get("pandas")
    if np is not None and isinstance(value, np.generic):
        return _np_scalar(value, np)
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int) and not _is_enum(value):
        return int.__index__(value)
    if isinstance(value, float):
        return _float(float.__float__(value))
    if isinstance(value, str) and not _is_enum(value):
        return str.__str__(value)
    if isinstance(value, (bytes, bytearray)):
        return {TAG: "bytes", "v": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, complex):
        return {TAG: "complex", "v": [_float(value.real), _float(value.imag)]}
    if isinstance(value, (list, tuple, set, frozenset)):  # subclasses (a namedtuple) travel as the plain kind
        items = [encode(v, handle, depth + 1) for v in (sorted(value, key=_order) if isinstance(value, (set, frozenset))
                                                        else value)]
        kind = next(k for k in (list, tuple, set, frozenset) if isinstance(value, k)).__name__
        return items if kind == "list" else {TAG: kind, "v": items}
    if isinstance(value, dict):
        return {TAG: "dict", "v": [[encode(k, handle, depth + 1), encode(v, handle, depth + 1)]
                                   for k, v in value.items()]}
    if np is not None and isinstance(value, np.ndarray):
        if value.dtype.kind == "O":
            return {TAG: "objarray", "shape": list(value.shape),
                    "v": [encode(v, handle, depth + 1) for v in value.ravel().tolist()]}
        if value.dtype.kind not in _NUMPY_KINDS or value.dtype.fields is not None:
            return _other(value, handle)
        return {TAG: "ndarray", "npy": _npy(value)}
    if pd is not None:
        done = _pandas(value, pd, np, handle, depth)
        if done is not None:
            return done
    if isinstance(value, PurePath):  # a folder or file of the notebook: its path, as a trusted Path
        return {TAG: "path", "v": str(value)}
    if isinstance(value, _dt.datetime):
        return {TAG: "datetime", "iso": value.isoformat()}
    if isinstance(value, _dt.date):
        return {TAG: "date", "iso": value.isoformat()}
    if isinstance(value, _dt.timedelta):
        return {TAG: "timedelta", "us": [value.days, value.seconds, value.microseconds]}
    faiss = sys.modules.get("faiss")
    if faiss is not None and isinstance(value, getattr(faiss, "Index", ())):
        # a FAISS index by value (faiss.serialize_index): checks read its type, size and search results
        # in the grader's own process (C code must never be handed a handle)
        try:
            data = faiss.serialize_index(value).tobytes()
        except Exception as exc:  # noqa: BLE001
            raise WireError(f"the FAISS index could not be serialised: {type(exc).__name__}: {exc}") from None
        return {TAG: "faiss", "v": base64.b64encode(data).decode("ascii")}
    alt = sys.modules.get("altair")
    if alt is not None and isinstance(value, getattr(alt, "TopLevelMixin", ())):
        try:
            spec = value.to_dict()
            _plain_json(spec, 0)
        except Exception as exc:  # noqa: BLE001 - the chart is broken: say so, in the student's words
            return {TAG: "unreadable", "type": _type_names(value)[:1],
                    "why": f"turning it into a Vega-Lite specification (to_dict()) failed: "
                           f"{type(exc).__name__}: {str(exc)[:300]}"}
        return {TAG: "vegalite", "spec": spec}
    return _other(value, handle)


def _is_enum(value) -> bool:
    return any(c.__name__ in ("Enum", "IntEnum", "StrEnum") for c in type(value).__mro__)


def _order(v):
    return (type(v).__name__, repr(v))


def _plain_json(v, depth):
    if depth > 200:
        raise WireError("the chart specification is nested too deeply")
    if isinstance(v, dict):
        for k, x in v.items():
            if not isinstance(k, str):
                raise WireError("a chart specification has a key that is not text")
            _plain_json(x, depth + 1)
    elif isinstance(v, list):
        for x in v:
            _plain_json(x, depth + 1)
    elif not (v is None or type(v) in (bool, int, float, str)):
        raise WireError(f"a chart specification holds a {type(v).__name__}")


def _type_names(value) -> list[list[str]]:
    return [[getattr(c, "__module__", "") or "", getattr(c, "__qualname__", c.__name__)] for c in type(value).__mro__]


def _other(value, handle):
    if handle is None:
        raise WireError(f"a {type(value).__name__} has no plain form")
    return handle(value)


def _np_scalar(value, np):
    dt = value.dtype
    if dt.kind in "mM":
        return {TAG: "npscalar", "dtype": dt.str, "v": int(value.view("i8"))}
    if dt.kind not in _NUMPY_KINDS:
        raise WireError(f"numpy scalars of dtype {dt} are not sent")
    return {TAG: "npscalar", "dtype": dt.str, "v": encode(value.item())}


def _pandas(value, pd, np, handle, depth):
    if isinstance(value, pd.DataFrame):
        return {TAG: "dataframe", "columns": _index(value.columns, pd, np, handle, depth),
                "data": [_array(value.iloc[:, i].array, pd, np, handle, depth) for i in range(value.shape[1])],
                "index": _index(value.index, pd, np, handle, depth)}
    if isinstance(value, pd.Series):
        return {TAG: "series", "data": _array(value.array, pd, np, handle, depth),
                "index": _index(value.index, pd, np, handle, depth), "name": encode(value.name, handle, depth + 1)}
    if isinstance(value, pd.Index):
        return _index(value, pd, np, handle, depth)
    if value is pd.NaT:
        return {TAG: "nat"}
    if value is pd.NA:
        return {TAG: "na"}
    if isinstance(value, pd.Timestamp):
        return {TAG: "timestamp", "iso": value.isoformat(), "unit": value.unit}
    if isinstance(value, pd.Timedelta):
        return {TAG: "pdtimedelta", "ns": int(value.value)}
    return None


def _index(idx, pd, np, handle, depth):
    if isinstance(idx, pd.RangeIndex):
        return {TAG: "rangeindex", "start": idx.start, "stop": idx.stop, "step": idx.step,
                "name": encode(idx.name, handle, depth + 1)}
    if isinstance(idx, pd.MultiIndex):
        return {TAG: "multiindex", "levels": [_array(idx.get_level_values(i).array, pd, np, handle, depth)
                                              for i in range(idx.nlevels)],
                "names": [encode(n, handle, depth + 1) for n in idx.names]}
    return {TAG: "index", "data": _array(idx.array, pd, np, handle, depth), "name": encode(idx.name, handle, depth + 1)}


def _array(arr, pd, np, handle, depth):
    """One column's values (a pandas ExtensionArray or a numpy array)."""
    dtype = arr.dtype
    if hasattr(dtype, "numpy_dtype") and type(dtype).__name__ == "NumpyEADtype":  # a numpy column, wrapped
        arr, dtype = np.asarray(arr), dtype.numpy_dtype
    if isinstance(dtype, np.dtype):
        values = np.asarray(arr)
        if dtype.kind == "O":
            return {"kind": "object", "v": [encode(v, handle, depth + 1) for v in values.tolist()]}
        if dtype.kind not in _NUMPY_KINDS:
            raise WireError(f"a pandas column of dtype {dtype} is not sent")
        return {"kind": "numpy", "npy": _npy(values)}
    if isinstance(dtype, pd.CategoricalDtype):
        return {"kind": "category", "codes": _npy(np.asarray(arr.codes)), "ordered": bool(dtype.ordered),
                "categories": _index(dtype.categories, pd, np, handle, depth)}
    if isinstance(dtype, pd.StringDtype):
        na = "nan" if dtype.na_value is not pd.NA else "NA"
        return {"kind": "string", "na": na, "v": [None if (v is pd.NA or (isinstance(v, float) and v != v)) else str(v)
                                                  for v in arr.tolist()]}
    if isinstance(dtype, pd.DatetimeTZDtype):
        return {"kind": "datetimetz", "unit": dtype.unit, "tz": str(dtype.tz),
                "npy": _npy(np.asarray(arr.tz_convert("UTC").tz_localize(None)))}
    name = str(dtype)
    if name in _MASKED:
        return {"kind": "masked", "dtype": name, "v": [None if v is pd.NA else encode(v, None, depth + 1)
                                                       for v in arr.tolist()]}
    raise WireError(f"a pandas column of dtype {name} is not sent")


_MASKED = {"Int8", "Int16", "Int32", "Int64", "UInt8", "UInt16", "UInt32", "UInt64", "Float32", "Float64", "boolean"}


# ---------------------------------------------------------------------------------------------
# The trusted side: decode (checks everything, builds only trusted types, runs no code).
# ---------------------------------------------------------------------------------------------

class _Budget:
    def __init__(self, limits: Limits):
        self.limits = limits
        self.bytes = 0
        self.items = 0

    def spend(self, nbytes: int = 0, items: int = 1) -> None:
        self.bytes += nbytes
        self.items += items
        if self.bytes > self.limits.max_bytes:
            raise WireError(f"the value is larger than the grader accepts ({self.limits.max_bytes // 2 ** 20} MB)")
        if self.items > self.limits.max_items:
            raise WireError(f"the value holds more than {self.limits.max_items:,} items")


def decode(data, handle=None, limits: Limits | None = None):
    """The trusted value of ``data`` (what :func:`encode` made); ``handle(info)`` builds a handle's object.

    Raises ``WireError`` on anything malformed or beyond ``limits``.
    """
    return _decode(data, handle, _Budget(limits or Limits()), 0)


def _decode(d, handle, budget: _Budget, depth: int):
    if depth > budget.limits.max_depth:
        raise WireError("the value is nested too deeply")
    budget.spend()
    if d is None or type(d) in (bool, int, str):
        if type(d) is str:
            budget.spend(len(d), 0)
        return d
    if type(d) is float:
        return d
    if type(d) is list:
        return [_decode(x, handle, budget, depth + 1) for x in d]
    if type(d) is not dict or not isinstance(d.get(TAG), str):
        raise WireError(f"unexpected {type(d).__name__} on the wire")
    tag = d[TAG]
    if tag == "float":
        if d.get("v") not in ("nan", "inf", "-inf"):
            raise WireError("a malformed float")
        return float(d["v"])
    if tag == "ellipsis":
        return Ellipsis
    if tag == "faiss":
        raw = _b64(d.get("v"), budget)
        import faiss
        import numpy as np

        try:
            return faiss.deserialize_index(np.frombuffer(raw, dtype=np.uint8))
        except Exception as exc:  # noqa: BLE001 - FAISS raises RuntimeError on a malformed index
            raise WireError(f"a FAISS index that cannot be read: {str(exc)[:200]}") from None
    if tag == "path":
        v = d.get("v")
        if type(v) is not str or "\0" in v:
            raise WireError("a malformed path")
        budget.spend(len(v), 0)
        return Path(v)
    if tag in ("tuple", "set", "frozenset"):
        items = [_decode(x, handle, budget, depth + 1) for x in _list(d, "v")]
        try:
            return {"tuple": tuple, "set": set, "frozenset": frozenset}[tag](items)
        except TypeError as exc:
            raise WireError(f"a {tag} with unhashable items: {exc}") from None
    if tag == "dict":
        out = {}
        for pair in _list(d, "v"):
            if type(pair) is not list or len(pair) != 2:
                raise WireError("a malformed dict item")
            k = _decode(pair[0], handle, budget, depth + 1)
            try:
                out[k] = _decode(pair[1], handle, budget, depth + 1)
            except TypeError as exc:
                raise WireError(f"a dict with an unhashable key: {exc}") from None
        return out
    if tag == "bytes":
        return _b64(d.get("v"), budget)
    if tag == "complex":
        v = _list(d, "v")
        if len(v) != 2:
            raise WireError("a malformed complex number")
        re_, im = (_decode(x, handle, budget, depth + 1) for x in v)
        if type(re_) is not float or type(im) is not float:
            raise WireError("a malformed complex number")
        return complex(re_, im)
    if tag == "npscalar":
        return _scalar(d, budget)
    if tag == "ndarray":
        return _load_npy(d.get("npy"), budget)
    if tag == "objarray":
        import numpy as np

        shape = _shape(d.get("shape"))
        items = [_decode(x, handle, budget, depth + 1) for x in _list(d, "v")]
        if math.prod(shape) != len(items):
            raise WireError("an object array whose items do not fill its shape")
        out = np.empty(len(items), dtype=object)
        out[:] = items if items else []
        return out.reshape(shape)
    if tag in ("dataframe", "series", "index", "rangeindex", "multiindex"):
        return _decode_pandas(d, handle, budget, depth)
    if tag == "nat":
        import pandas as pd
        return pd.NaT
    if tag == "na":
        import pandas as pd
        return pd.NA
    if tag == "timestamp":
        import pandas as pd
        try:
            ts = pd.Timestamp(_str(d, "iso"))
            unit = _str(d, "unit")
            return ts.as_unit(unit) if unit in ("s", "ms", "us", "ns") else ts
        except (ValueError, TypeError) as exc:
            raise WireError(f"a malformed timestamp: {exc}") from None
    if tag == "pdtimedelta":
        import pandas as pd
        return pd.Timedelta(_int(d, "ns"), unit="ns")
    if tag in ("datetime", "date"):
        try:
            cls = _dt.datetime if tag == "datetime" else _dt.date
            return cls.fromisoformat(_str(d, "iso"))
        except ValueError as exc:
            raise WireError(f"a malformed {tag}: {exc}") from None
    if tag == "timedelta":
        v = _list(d, "us")
        if len(v) != 3 or not all(type(x) is int for x in v):
            raise WireError("a malformed timedelta")
        try:
            return _dt.timedelta(days=v[0], seconds=v[1], microseconds=v[2])
        except OverflowError as exc:
            raise WireError(f"a malformed timedelta: {exc}") from None
    if tag == "vegalite":
        from ..charts import ChartSpec

        spec = d.get("spec")
        if type(spec) is not dict:
            raise WireError("a chart without a specification")
        _check_json(spec, budget, depth + 1)
        return ChartSpec(spec)
    if tag == "handle":
        if handle is None:
            raise WireError("an object the grader cannot read by value")
        return handle(_handle_info(d))
    if tag == "unreadable":
        return Unreadable(_type_label(d.get("type")), str(d.get("why", ""))[:500])
    raise WireError(f"unknown wire tag {tag!r}")


def _check_json(v, budget, depth):
    if depth > 200:
        raise WireError("the chart specification is nested too deeply")
    budget.spend()
    if type(v) is dict:
        for k, x in v.items():
            if type(k) is not str:
                raise WireError("a chart specification with a key that is not text")
            _check_json(x, budget, depth + 1)
    elif type(v) is list:
        for x in v:
            _check_json(x, budget, depth + 1)
    elif type(v) is str:
        budget.spend(len(v), 0)
    elif not (v is None or type(v) in (bool, int, float)):
        raise WireError("a chart specification that is not plain JSON")


def _list(d, key):
    v = d.get(key)
    if type(v) is not list:
        raise WireError(f"a malformed value ({key!r} is not a list)")
    return v


def _str(d, key):
    v = d.get(key)
    if type(v) is not str:
        raise WireError(f"a malformed value ({key!r} is not text)")
    return v


def _int(d, key):
    v = d.get(key)
    if type(v) is not int:
        raise WireError(f"a malformed value ({key!r} is not a whole number)")
    return v


def _shape(v):
    if type(v) is not list or len(v) > 32 or not all(type(x) is int and 0 <= x for x in v):
        raise WireError("a malformed array shape")
    return tuple(v)


def _b64(v, budget):
    if type(v) is not str:
        raise WireError("malformed bytes")
    budget.spend(len(v) * 3 // 4, 0)
    try:
        return base64.b64decode(v.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError) as exc:
        raise WireError(f"malformed base64: {exc}") from None


def _load_npy(v, budget):
    import numpy as np

    raw = _b64(v, budget)
    try:
        arr = np.load(io.BytesIO(raw), allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        raise WireError(f"a malformed array: {exc}") from None
    if not isinstance(arr, np.ndarray) or arr.dtype.kind not in _NUMPY_KINDS or arr.dtype.fields is not None:
        raise WireError("an array of a dtype the grader does not read")
    budget.spend(0, max(arr.size, 1))
    return arr


def _scalar(d, budget):
    import numpy as np

    try:
        dt = np.dtype(_str(d, "dtype"))
    except TypeError as exc:
        raise WireError(f"a malformed numpy dtype: {exc}") from None
    if dt.kind not in _NUMPY_KINDS or dt.fields is not None or dt.hasobject or dt.itemsize > 1 << 20:
        raise WireError(f"numpy scalars of dtype {dt} are not read")
    v = d.get("v")
    if dt.kind in "mM":
        if type(v) is not int:
            raise WireError("a malformed numpy time")
        return np.array([v], dtype="i8").view(dt)[0]
    plain = _decode(v, None, budget, 1)
    if dt.kind == "c":
        if type(plain) is not complex:
            raise WireError("a malformed numpy complex number")
    elif dt.kind == "b":
        if type(plain) is not bool:
            raise WireError("a malformed numpy bool")
    elif dt.kind in "iu":
        if type(plain) is not int:
            raise WireError("a malformed numpy integer")
    elif dt.kind == "f":
        if type(plain) is not float and type(plain) is not int:
            raise WireError("a malformed numpy float")
    elif dt.kind == "U":
        if type(plain) is not str:
            raise WireError("a malformed numpy string")
    elif dt.kind == "S":
        if type(plain) is not bytes:
            raise WireError("malformed numpy bytes")
    try:
        return np.array([plain], dtype=dt)[0]
    except (ValueError, OverflowError, TypeError) as exc:
        raise WireError(f"a malformed numpy scalar: {exc}") from None


def _decode_pandas(d, handle, budget, depth):
    import pandas as pd

    tag = d[TAG]
    try:
        if tag == "rangeindex":
            return pd.RangeIndex(_int(d, "start"), _int(d, "stop"), _int(d, "step"),
                                 name=_label(d.get("name"), handle, budget, depth))
        if tag == "index":
            return pd.Index(_decode_array(d.get("data"), handle, budget, depth), name=_label(d.get("name"), handle,
                                                                                         budget, depth), copy=False)
        if tag == "multiindex":
            levels = [_decode_array(x, handle, budget, depth) for x in _list(d, "levels")]
            names = [_label(n, handle, budget, depth) for n in _list(d, "names")]
            if not levels or len(names) != len(levels) or len({len(x) for x in levels}) > 1:
                raise WireError("a malformed MultiIndex")
            return pd.MultiIndex.from_arrays(levels, names=names)
        if tag == "series":
            data = _decode_array(d.get("data"), handle, budget, depth)
            index = _decode_pandas(_tagged(d.get("index")), handle, budget, depth + 1)
            if len(index) != len(data):
                raise WireError("a Series whose index and values differ in length")
            return pd.Series(data, index=index, name=_label(d.get("name"), handle, budget, depth), copy=False)
        # dataframe
        columns = _decode_pandas(_tagged(d.get("columns")), handle, budget, depth + 1)
        index = _decode_pandas(_tagged(d.get("index")), handle, budget, depth + 1)
        data = [_decode_array(x, handle, budget, depth) for x in _list(d, "data")]
        if len(data) != len(columns) or any(len(x) != len(index) for x in data):
            raise WireError("a DataFrame whose columns, rows and index do not agree")
        frame = pd.DataFrame({i: x for i, x in enumerate(data)}, index=index) if data else pd.DataFrame(index=index)
        frame.columns = columns
        return frame
    except WireError:
        raise
    except (ValueError, TypeError, KeyError) as exc:
        raise WireError(f"a malformed pandas value: {exc}") from None


def _tagged(v):
    if type(v) is not dict or v.get(TAG) not in ("index", "rangeindex", "multiindex"):
        raise WireError("a malformed pandas index")
    return v


def _label(v, handle, budget, depth):
    out = _decode(v, None, budget, depth + 1)
    try:
        hash(out)
    except TypeError:
        raise WireError("a pandas name that is not a plain value") from None
    return out


def _decode_array(d, handle, budget, depth):
    import numpy as np
    import pandas as pd

    if type(d) is not dict:
        raise WireError("a malformed pandas column")
    kind = d.get("kind")
    if kind == "numpy":
        return _load_npy(d.get("npy"), budget)
    if kind == "object":
        items = [_decode(x, None, budget, depth + 1) for x in _list(d, "v")]
        out = np.empty(len(items), dtype=object)
        out[:] = items if items else []
        return out
    if kind == "category":
        codes = _load_npy(d.get("codes"), budget)
        categories = _decode_pandas(_tagged(d.get("categories")), handle, budget, depth + 1)
        if codes.dtype.kind != "i" or codes.ndim != 1 or (len(codes) and (codes.max() >= len(categories)
                                                                         or codes.min() < -1)):
            raise WireError("a malformed categorical column")
        return pd.Categorical.from_codes(codes, categories=categories, ordered=bool(d.get("ordered")))
    if kind == "string":
        values = _list(d, "v")
        if not all(v is None or type(v) is str for v in values):
            raise WireError("a malformed string column")
        budget.spend(sum(len(v) for v in values if v), len(values))
        na = np.nan if d.get("na") == "nan" else pd.NA
        return pd.array(values, dtype=pd.StringDtype(storage="python", na_value=na))
    if kind == "datetimetz":
        utc = _load_npy(d.get("npy"), budget)
        if utc.dtype.kind != "M" or utc.ndim != 1:
            raise WireError("a malformed time-zone column")
        try:
            return pd.DatetimeIndex(utc).tz_localize("UTC").tz_convert(_str(d, "tz")).array
        except Exception as exc:  # noqa: BLE001 - an unknown time zone name
            raise WireError(f"a malformed time-zone column: {exc}") from None
    if kind == "masked":
        name = d.get("dtype")
        if name not in _MASKED:
            raise WireError("a malformed nullable column")
        values = [None if x is None else _decode(x, None, budget, depth + 1) for x in _list(d, "v")]
        if not all(v is None or type(v) in (bool, int, float) for v in values):
            raise WireError("a malformed nullable column")
        return pd.array(values, dtype=name)
    raise WireError("a pandas column of an unknown kind")


def _type_label(v) -> str:
    if type(v) is list and v and type(v[0]) is list and len(v[0]) == 2 and all(type(x) is str for x in v[0]):
        return v[0][1][:100]
    return "object"


def _handle_info(d) -> dict:
    hid = d.get("id")
    if type(hid) is not int:
        raise WireError("a malformed handle")
    mro = d.get("type")
    if type(mro) is not list or not all(type(x) is list and len(x) == 2 and all(type(s) is str and len(s) < 300
                                                                              for s in x) for x in mro[:64]):
        raise WireError("a malformed handle type")
    return {"id": hid, "mro": [tuple(x) for x in mro[:64]], "callable": d.get("callable") is True,
            "name": d.get("name")[:200] if type(d.get("name")) is str else None,
            "placeholder": d.get("placeholder") is True}


class Unreadable:
    """An answer the kernel could not put into plain form: any use of it fails with ``why``."""

    __slots__ = ("type_name", "why")

    def __init__(self, type_name: str, why: str):
        self.type_name, self.why = type_name, why

    def __repr__(self):
        return f"<{self.type_name} the grader could not read: {self.why}>"

    def _fail(self, *args, **kwargs):
        from ..checks import AnswerError

        raise AnswerError(f"your {self.type_name} could not be read by the grader: {self.why}")

    __call__ = __getitem__ = __iter__ = __len__ = __bool__ = _fail

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        self._fail()
