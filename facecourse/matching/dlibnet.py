"""dlib's face recognition network, rebuilt in numpy so that it can be differentiated.

``dlib.face_recognition_model_v1.compute_face_descriptor`` (what ``face_recognition.face_encodings``
calls) runs a trained network on an aligned 150 x 150 face chip and returns 128 numbers. dlib
gives you those numbers but not their *derivatives*, and a cloak (lesson B8) is built from
derivatives: "how does the descriptor change if I nudge this pixel?". This module reads the very
same trained weights, from the ``dlib_face_recognition_resnet_model_v1.dat`` file that the
installed ``face_recognition_models`` package ships (nothing is downloaded, no weights are in the
repository), into a plain numpy network with a forward pass and hand-written backward passes.

    >>> from facecourse.matching import dlibnet
    >>> net = dlibnet.load()                                 # about 0.2 s; 5.6 million weights
    >>> chips = np.full((1, 150, 150, 3), 128, np.uint8)     # any aligned 150 x 150 RGB chip(s)
    >>> net.descriptors(chips).shape                         # like compute_face_descriptor
    (1, 128)
    >>> d, tape = net.forward(chips, record=True)
    >>> net.backward(tape, np.ones_like(d)).shape             # d(sum of the 128 numbers) / d(pixel)
    (1, 150, 150, 3)

It agrees with dlib to about 1e-6 on every LFW teaching image (``tests/matching/test_dlibnet.py``).

The network, as a student needs it
----------------------------------
It is a *residual network* (ResNet, He et al., CVPR 2016) of 29 convolution layers, which
dlib's author trained on about 3 million photos of 7,485 people so that photos of one person
land within 0.6 of each other (``dnn_face_recognition_ex.cpp`` in dlib's examples defines it).
Read it from the photo upwards; shapes are (height, width, channels):

1. **input** ``(150, 150, 3)``: the chip's RGB values minus dlib's mean colour
   ``(122.782, 117.001, 104.298)``, divided by 256;
2. **stem**: a 7 x 7 convolution with 32 filters and stride 2 ``(72, 72, 32)``, an *affine*
   layer (a per-channel ``gamma * x + beta``: batch normalisation frozen after training), ReLU
   (``max(x, 0)``), and 3 x 3 max pooling with stride 2 ``(35, 35, 32)``;
3. **14 residual blocks** in four widths: 3 of 32 channels at 35 x 35; 4 of 64 (17 x 17); 3 of
   128 (8 x 8); 3 of 256 (4 x 4); and 1 more of 256 (2 x 2). A block computes
   ``relu(shortcut(x) + affine(conv(relu(affine(conv(x))))))`` with 3 x 3 convolutions: it adds a
   *correction* to its input rather than replacing it, which is what lets 29 layers train. The
   first block of each width halves the size: its first convolution has stride 2 and its shortcut
   is a 2 x 2 average pooling; where the two disagree in size, the smaller is padded with zeros
   (more channels, or at 8 -> 4 a 3 x 3 result in a 4 x 4 frame);
4. **head**: the average over the 2 x 2 positions (256 numbers) times a 256 x 128 matrix, no
   bias: the **descriptor**. Distances between descriptors are what the 0.6 threshold is about.

About 5.6 million weights and 271 million multiply-adds per chip. Each convolution is computed
as a matrix product: every k x k x C patch of the input becomes a row ("im2col"), and the rows
times the filters give the output. Its derivative with respect to the input is the same product
with the transposed filters, scattered back onto the patches; with respect to the filters it is
the patches transposed times the output's derivative.

Backward passes and what they are for
-------------------------------------
:meth:`DlibResNet.backward` is a *vector-Jacobian product*: given ``g``, the derivative of some
loss with respect to the descriptors, it returns the derivative of the loss with respect to the
input pixels (the chain rule, layer by layer, from the top down). The loss itself stays yours:
for a cloak pushing descriptor ``d`` towards a target ``t``, the loss ``||d - t||^2`` has
``g = 2 (d - t)``. With ``params=True`` it also returns the derivatives with respect to the
weights of the layers that were run (a defender fine-tuning the network needs those);
:meth:`DlibResNet.forward` with ``start``/``stop`` runs only some of the stages, so a fine-tune of
the last stages can start from stored activations (:meth:`DlibResNet.features`).

Numbers: everything is float64 (dlib computes in float32), so a descriptor differs from dlib's
by float32 rounding only, and a gradient's sign does not depend on the CPU or the thread count.
The file format is dlib's own serialization (``dlib/serialize.h``, ``dlib/dnn/core.h``): the
network is stored from the loss layer down, then each layer's parameters from the input up; the
residual connections (``tag``/``skip`` layers) carry no names in the file, so their wiring is the
one in dlib's example, and :func:`load` checks that the file's layer sequence and every shape
match it before using it.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

#: dlib's ``input_rgb_image_sized``: the mean colour subtracted from every pixel, then / 256
MEAN_RGB = np.array([122.782, 117.001, 104.298])
INPUT_SCALE = 256.0
CHIP_SIZE = 150
MODEL_FILE = "dlib_face_recognition_resnet_model_v1.dat"
#: the residual blocks from the input up: (channels, first block of its width halves the size)
BLOCKS = ((32, False), (32, False), (32, False),
          (64, True), (64, False), (64, False), (64, False),
          (128, True), (128, False), (128, False),
          (256, True), (256, False), (256, False),
          (256, True))
#: stage numbers for ``forward(start=..., stop=...)``: 0 is the stem, 1-14 the blocks, 15 the head
STEM, HEAD = 0, len(BLOCKS) + 1
N_STAGES = HEAD + 1


class ModelFileError(ValueError):
    """The model file is missing, truncated or not the network this module knows."""


# ----------------------------------------------------------------------------- reading dlib's file
class _Reader:
    """dlib's serialization primitives (``dlib/serialize.h``), read from a bytes buffer."""

    def __init__(self, buf: bytes):
        self.buf, self.pos = buf, 0

    def _take(self, n: int) -> bytes:
        if self.pos + n > len(self.buf):
            raise ModelFileError(f"the model file ends early (wanted {n} bytes at offset {self.pos})")
        out = self.buf[self.pos:self.pos + n]
        self.pos += n
        return out

    def int(self) -> int:
        # a control byte: low 4 bits = number of little-endian bytes that follow, bit 7 = negative
        ctrl = self._take(1)[0]
        if ctrl & 0x70 or (ctrl & 0x0F) > 8:
            raise ModelFileError(f"not a dlib integer at offset {self.pos - 1}")
        value = int.from_bytes(self._take(ctrl & 0x0F), "little")
        return -value if ctrl & 0x80 else value

    def string(self) -> str:
        n = self.int()
        if not 0 <= n <= 256:
            raise ModelFileError(f"implausible string length {n} at offset {self.pos}")
        return self._take(n).decode("latin-1")

    def float(self) -> float:
        mantissa, exponent = self.int(), self.int()  # dlib's float_details
        if exponent >= 32000:
            return {32000: math.inf, 32001: -math.inf}.get(exponent, math.nan)
        return math.ldexp(mantissa, exponent)

    def bool(self) -> bool:
        c = self._take(1)
        if c not in (b"0", b"1"):
            raise ModelFileError(f"not a dlib bool at offset {self.pos - 1}")
        return c == b"1"

    def tensor(self) -> np.ndarray:
        if self.int() != 2:
            raise ModelFileError(f"unknown tensor version at offset {self.pos}")
        shape = tuple(self.int() for _ in range(4))
        n = int(np.prod(shape))
        return np.frombuffer(self._take(4 * n), dtype="<f4").reshape(shape)

    def alias(self) -> tuple:
        if self.int() != 1:
            raise ModelFileError(f"unknown alias tensor version at offset {self.pos}")
        return tuple(self.int() for _ in range(4))

    def peek_string(self, text: str) -> bool:
        pos = self.pos
        try:
            return self.string() == text
        except (ModelFileError, UnicodeDecodeError):
            return False
        finally:
            self.pos = pos


def _details(r: _Reader) -> dict:
    """One layer's own parameters: a dict with ``kind`` and what that kind stores."""
    kind = r.string()
    if kind in ("con_4", "con_5", "con_6"):
        params = r.tensor()
        filters = r.int()
        nr, nc, sy, sx, py, px = (r.int() for _ in range(6))
        fshape, bshape = r.alias(), r.alias()
        for _ in range(4):
            r.float()  # learning-rate and weight-decay multipliers
        use_bias = r.bool() if kind != "con_4" else True
        if kind == "con_6":
            r.bool()
        n_w = int(np.prod(fshape))
        w = params.reshape(-1)[:n_w].reshape(fshape)  # (filters, channels, rows, cols)
        b = params.reshape(-1)[n_w:n_w + filters] if use_bias else np.zeros(filters, np.float32)
        if (nr, nc) != fshape[2:] or sy != sx or py != px or fshape[0] != filters:
            raise ModelFileError(f"unexpected convolution {fshape} stride {sy},{sx} padding {py},{px}")
        return {"kind": "con", "w": w, "b": b, "stride": sy, "pad": py}
    if kind in ("affine_", "affine_2"):
        params = r.tensor().reshape(-1)
        gshape, _ = r.alias(), r.alias()
        r.int()  # mode (convolutional: per channel)
        if kind == "affine_2":
            r.bool()
        n = int(np.prod(gshape))
        return {"kind": "affine", "gamma": params[:n], "beta": params[n:2 * n]}
    if kind in ("relu_", "relu_2"):
        if kind == "relu_2":
            r.bool()
        return {"kind": "relu"}
    if kind in ("max_pool_2", "avg_pool_2"):
        nr, nc, sy, sx, py, px = (r.int() for _ in range(6))
        return {"kind": kind[:-2], "size": nr, "stride": sy, "pad": py}
    if kind == "add_prev_":
        return {"kind": "add_prev"}
    if kind in ("fc_2", "fc_3"):
        n_out, n_in = r.int(), r.int()
        params = r.tensor()
        wshape, _ = r.alias(), r.alias()
        mode = r.int()
        for _ in range(4):
            r.float()
        if kind == "fc_3":
            r.bool()
        return {"kind": "fc", "w": params.reshape(-1)[:n_in * n_out].reshape(n_in, n_out), "bias_mode": mode}
    raise ModelFileError(f"unknown layer {kind!r} in the model file")


def _expected_kinds() -> list[str]:
    """The layers of dlib's example network from the input up (tags and skips left out)."""
    kinds = ["con", "affine", "relu", "max_pool"]
    for _, down in BLOCKS:
        kinds += ["con", "affine", "relu", "con", "affine"] + (["avg_pool"] if down else []) + ["add_prev", "relu"]
    return kinds + ["avg_pool", "fc"]


def read_model_file(path) -> list[dict]:
    """The layers stored in a dlib ``.dat`` network file, from the input up (each a dict).

    Checks the loss layer (dlib's metric loss), the input layer (150 x 150 RGB with dlib's mean
    colour) and that every byte is accounted for; raises ``ModelFileError`` otherwise.
    """
    path = Path(path)
    try:
        r = _Reader(path.read_bytes())
    except OSError as err:
        raise ModelFileError(f"cannot read the model file {path}: {err}") from None
    try:
        is_metric_net = r.int() == 1 and r.string() == "loss_metric_2"
    except (ModelFileError, UnicodeDecodeError):
        is_metric_net = False
    if not is_metric_net:
        raise ModelFileError(f"{path.name} is not dlib's face recognition network (no metric loss layer)")
    r.float(), r.float()  # margin, distance threshold
    versions = []
    while True:  # one version number per layer, from the top down, until the input layer
        versions.append(r.int())
        if r.peek_string("input_rgb_image_sized"):
            break
        if len(versions) > 1000:
            raise ModelFileError(f"{path.name}: no input layer found")
    r.string()
    mean = [r.float() for _ in range(3)]
    size = (r.int(), r.int())
    if not np.allclose(mean, MEAN_RGB, atol=1e-4) or size != (CHIP_SIZE, CHIP_SIZE):
        raise ModelFileError(f"{path.name}: unexpected input layer (mean {mean}, size {size})")
    layers = []
    for version in reversed(versions):  # parameters from the input up
        if version == 1:  # a tag or skip layer: nothing stored but its place
            continue
        layers.append(_details(r))
        r.bool(), r.bool(), r.bool()
        r.tensor(), r.tensor(), r.tensor()  # gradients and outputs (empty in a saved model)
        if version == 3:
            r.int()
    if r.pos != len(r.buf):
        raise ModelFileError(f"{path.name}: {len(r.buf) - r.pos} bytes left after the last layer")
    kinds = [layer["kind"] for layer in layers]
    if kinds != _expected_kinds():
        raise ModelFileError(f"{path.name}: the layers are not dlib's ResNet face model ({len(kinds)} layers)")
    return layers


def model_path() -> Path:
    """Where the installed ``face_recognition_models`` keeps dlib's face recognition network."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # face_recognition_models imports pkg_resources
        import face_recognition_models as frm
    return Path(frm.face_recognition_model_location())


# ----------------------------------------------------------------------------- layers
def _patches(x: np.ndarray, k: int, stride: int, pad: int) -> tuple[np.ndarray, tuple]:
    """im2col: every k x k patch of ``x`` (n, h, w, c) as one row of length k*k*c, in (dy, dx, c) order."""
    if pad:
        x = np.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    n, h, w, c = x.shape
    ho, wo = (h - k) // stride + 1, (w - k) // stride + 1
    cols = np.empty((n, ho, wo, k, k, c))
    for i in range(k):  # k*k shifted copies: each moves whole runs of c channels
        for j in range(k):
            cols[:, :, :, i, j, :] = x[:, i:i + stride * (ho - 1) + 1:stride, j:j + stride * (wo - 1) + 1:stride, :]
    return cols.reshape(n * ho * wo, k * k * c), (n, ho, wo, h, w, c)


def _col2im(dp: np.ndarray, k: int, stride: int, pad: int, geom: tuple) -> np.ndarray:
    """The transpose of :func:`_patches`: add every patch row's values back onto its pixels."""
    n, ho, wo, h, w, c = geom
    dp = dp.reshape(n, ho, wo, k, k, c)
    dx = np.zeros((n, h, w, c))
    for i in range(k):
        for j in range(k):
            dx[:, i:i + stride * (ho - 1) + 1:stride, j:j + stride * (wo - 1) + 1:stride, :] += dp[:, :, :, i, j, :]
    return dx[:, pad:h - pad, pad:w - pad, :] if pad else dx


@dataclass
class Conv:
    """A convolution: ``w`` is (k*k*c, filters) in im2col order (dy, dx, c), ``b`` (filters,)."""

    w: np.ndarray
    b: np.ndarray
    k: int
    stride: int
    pad: int

    def forward(self, x):
        cols, geom = _patches(x, self.k, self.stride, self.pad)
        n, ho, wo = geom[:3]
        # the tape keeps the input, not the patches (k*k times smaller): backward cuts them again
        # only when the weights' derivatives are wanted
        return (cols @ self.w + self.b).reshape(n, ho, wo, -1), (x, geom)

    def backward(self, dy, cache, params: bool):
        x, geom = cache
        g = dy.reshape(-1, dy.shape[-1])
        dx = _col2im(g @ self.w.T, self.k, self.stride, self.pad, geom)
        if not params:
            return dx, None
        cols = _patches(x, self.k, self.stride, self.pad)[0]
        return dx, {"w": cols.T @ g, "b": g.sum(axis=0)}


@dataclass
class Affine:
    """dlib's ``affine`` layer (frozen batch normalisation): ``gamma * x + beta`` per channel."""

    gamma: np.ndarray
    beta: np.ndarray

    def forward(self, x):
        return x * self.gamma + self.beta, x

    def backward(self, dy, x, params: bool):
        grads = {"gamma": (dy * x).sum(axis=(0, 1, 2)), "beta": dy.sum(axis=(0, 1, 2))} if params else None
        return dy * self.gamma, grads


def _relu(x):
    return np.maximum(x, 0.0)


def _max_pool(x, k=3, stride=2):
    n, h, w, c = x.shape
    ho, wo = (h - k) // stride + 1, (w - k) // stride + 1
    win = sliding_window_view(x, (k, k), axis=(1, 2))[:, ::stride, ::stride][:, :ho, :wo]
    win = win.reshape(n, ho, wo, c, k * k)
    arg = win.argmax(axis=-1)
    return np.take_along_axis(win, arg[..., None], axis=-1)[..., 0], (arg, x.shape)


def _max_pool_back(dy, cache, k=3, stride=2):
    arg, shape = cache
    n, ho, wo, c = dy.shape
    dx = np.zeros(shape)
    di, dj = np.divmod(arg, k)
    rows = np.arange(ho)[None, :, None, None] * stride + di
    cols = np.arange(wo)[None, None, :, None] * stride + dj
    nn = np.arange(n)[:, None, None, None]
    cc = np.arange(c)[None, None, None, :]
    np.add.at(dx, (nn, rows, cols, cc), dy)
    return dx


def _avg_pool(x):
    """2 x 2 average pooling, stride 2, no padding (an odd last row/column is dropped)."""
    n, h, w, c = x.shape
    ho, wo = (h - 2) // 2 + 1, (w - 2) // 2 + 1
    v = x[:, :2 * ho, :2 * wo].reshape(n, ho, 2, wo, 2, c)
    return (v[:, :, 0, :, 0] + v[:, :, 0, :, 1] + v[:, :, 1, :, 0] + v[:, :, 1, :, 1]) / 4


def _avg_pool_back(dy, shape):
    n, ho, wo, c = dy.shape
    dx = np.zeros(shape)
    q = dy / 4
    for a in (0, 1):
        for b in (0, 1):
            dx[:, a:2 * ho:2, b:2 * wo:2] += q
    return dx


def _add_padded(a, b):
    """dlib's ``add_prev``: the sum of two tensors, the smaller zero-padded at the end of each axis."""
    shape = tuple(max(p, q) for p, q in zip(a.shape, b.shape))
    out = np.zeros(shape)
    out[tuple(slice(0, s) for s in a.shape)] += a
    out[tuple(slice(0, s) for s in b.shape)] += b
    return out


@dataclass
class Block:
    """One residual block: ``relu(shortcut(x) + affine2(conv2(relu(affine1(conv1(x))))))``."""

    conv1: Conv
    aff1: Affine
    conv2: Conv
    aff2: Affine
    down: bool

    def forward(self, x):
        y1, c1 = self.conv1.forward(x)
        z1, a1 = self.aff1.forward(y1)
        r1 = _relu(z1)
        y2, c2 = self.conv2.forward(r1)
        z2, a2 = self.aff2.forward(y2)
        short = _avg_pool(x) if self.down else x
        s = _add_padded(z2, short)
        return _relu(s), (c1, a1, r1 > 0, c2, a2, z2.shape, short.shape, x.shape, s > 0)

    def backward(self, dy, cache, params: bool):
        c1, a1, m1, c2, a2, z2_shape, short_shape, x_shape, ms = cache
        ds = dy * ms
        dz2 = ds[tuple(slice(0, s) for s in z2_shape)]
        dshort = ds[tuple(slice(0, s) for s in short_shape)]
        dy2, g_aff2 = self.aff2.backward(dz2, a2, params)
        dr1, g_conv2 = self.conv2.backward(dy2, c2, params)
        dy1, g_aff1 = self.aff1.backward(dr1 * m1, a1, params)
        dx, g_conv1 = self.conv1.backward(dy1, c1, params)
        dx += _avg_pool_back(dshort, x_shape) if self.down else dshort
        grads = None
        if params:
            grads = {"conv1.w": g_conv1["w"], "conv1.b": g_conv1["b"], "aff1.gamma": g_aff1["gamma"],
                     "aff1.beta": g_aff1["beta"], "conv2.w": g_conv2["w"], "conv2.b": g_conv2["b"],
                     "aff2.gamma": g_aff2["gamma"], "aff2.beta": g_aff2["beta"]}
        return dx, grads


def _conv(layer: dict) -> Conv:
    w = np.asarray(layer["w"], dtype=np.float64)  # (filters, channels, k, k)
    f, c, k, _ = w.shape
    return Conv(np.ascontiguousarray(w.transpose(2, 3, 1, 0).reshape(k * k * c, f)), np.asarray(layer["b"], np.float64), k,
                int(layer["stride"]), int(layer["pad"]))


def _affine(layer: dict) -> Affine:
    return Affine(np.asarray(layer["gamma"], np.float64).copy(), np.asarray(layer["beta"], np.float64).copy())


# ----------------------------------------------------------------------------- the network
@dataclass
class Tape:
    """What :meth:`DlibResNet.forward` recorded for :meth:`DlibResNet.backward`."""

    start: int
    stop: int
    caches: list = field(default_factory=list)


class DlibResNet:
    """dlib's face recognition ResNet in numpy (see the module docstring); make one with :func:`load`.

    Stages: 0 is the stem (normalisation, 7 x 7 convolution, affine, ReLU, max pooling), 1-14 the
    residual blocks, 15 the head (average pooling, the 256 x 128 matrix). ``params()`` lists the
    weights by name (``"stem.conv.w"``, ``"block14.conv2.w"``, ``"fc.w"``...).
    """

    def __init__(self, layers: list[dict]):
        it = iter(layers)
        self.stem_conv, self.stem_aff = _conv(next(it)), _affine(next(it))
        next(it), next(it)  # relu, max_pool
        self.blocks = []
        for _, down in BLOCKS:
            conv1, aff1 = _conv(next(it)), _affine(next(it))
            next(it)
            conv2, aff2 = _conv(next(it)), _affine(next(it))
            if down:
                next(it)
            next(it), next(it)  # add_prev, relu
            self.blocks.append(Block(conv1, aff1, conv2, aff2, down))
        next(it)  # the average over all positions
        self.fc = np.asarray(next(it)["w"], dtype=np.float64)  # (256, 128)

    # -- parameters
    def params(self) -> dict[str, np.ndarray]:
        """Every weight array by name (the arrays themselves: changing them changes the network)."""
        out = {"stem.conv.w": self.stem_conv.w, "stem.conv.b": self.stem_conv.b,
               "stem.aff.gamma": self.stem_aff.gamma, "stem.aff.beta": self.stem_aff.beta}
        for i, b in enumerate(self.blocks, start=1):
            for part in ("conv1", "conv2"):
                conv = getattr(b, part)
                out[f"block{i}.{part}.w"], out[f"block{i}.{part}.b"] = conv.w, conv.b
            for part in ("aff1", "aff2"):
                aff = getattr(b, part)
                out[f"block{i}.{part}.gamma"], out[f"block{i}.{part}.beta"] = aff.gamma, aff.beta
        out["fc.w"] = self.fc
        return out

    def copy(self) -> "DlibResNet":
        """An independent copy (fine-tune the copy, keep the original)."""
        import copy

        return copy.deepcopy(self)

    # -- forward and backward
    @staticmethod
    def _stages(start, stop):
        if not (isinstance(start, (int, np.integer)) and isinstance(stop, (int, np.integer))
                and 0 <= start < stop <= N_STAGES):
            raise ValueError(f"stages run from 0 to {N_STAGES}: got start={start!r}, stop={stop!r}")
        return range(int(start), int(stop))

    def forward(self, x, start: int = STEM, stop: int = N_STAGES, record: bool = False):
        """Run stages ``start`` to ``stop - 1`` on ``x``; with ``record``, also return a :class:`Tape`.

        With the defaults, ``x`` is a batch of chips, (n, 150, 150, 3) RGB values 0-255 (uint8 or
        float; a single chip (150, 150, 3) is accepted too), and the result the (n, 128)
        descriptors. From a later ``start``, ``x`` is what stage ``start - 1`` produced.
        """
        stages = self._stages(start, stop)
        x = np.asarray(x, dtype=np.float64)
        if start == STEM:
            if x.ndim == 3:
                x = x[None]
            if x.shape[1:] != (CHIP_SIZE, CHIP_SIZE, 3):
                raise ValueError(f"chips must be {CHIP_SIZE} x {CHIP_SIZE} RGB, shape (n, 150, 150, 3); got {x.shape}")
        tape = Tape(int(start), int(stop))
        for s in stages:
            if s == STEM:
                z = (x - MEAN_RGB) / INPUT_SCALE
                y, cc = self.stem_conv.forward(z)
                a, ca = self.stem_aff.forward(y)
                x, cm = _max_pool(_relu(a))
                cache = (cc, ca, a > 0, cm)
            elif s == HEAD:
                pooled = x.mean(axis=(1, 2))
                cache = (pooled, x.shape)
                x = pooled @ self.fc
            else:
                x, cache = self.blocks[s - 1].forward(x)
            if record:
                tape.caches.append(cache)
        return (x, tape) if record else x

    def backward(self, tape: Tape, grad, params: bool = False):
        """The chain rule from the top of ``tape`` down: d(loss)/d(input of stage ``tape.start``).

        ``grad`` is d(loss)/d(output), the same shape as what :meth:`forward` returned. Returns the
        derivative with respect to the input (for stage 0: per pixel value 0-255, shape (n, 150,
        150, 3)); with ``params=True`` a pair ``(dx, grads)`` where ``grads`` maps the name of every
        weight of the stages that ran (as in :meth:`params`) to its derivative.
        """
        if len(tape.caches) != tape.stop - tape.start:
            raise ValueError("this tape was not recorded: call forward(..., record=True)")
        g = np.asarray(grad, dtype=np.float64)
        grads: dict[str, np.ndarray] = {}
        for s, cache in zip(reversed(range(tape.start, tape.stop)), reversed(tape.caches)):
            if s == HEAD:
                pooled, shape = cache
                if params:
                    grads["fc.w"] = pooled.T @ g
                g = np.broadcast_to((g @ self.fc.T)[:, None, None, :] / (shape[1] * shape[2]), shape).copy()
            elif s == STEM:
                cc, ca, mask, cm = cache
                g = _max_pool_back(g, cm) * mask
                g, ga = self.stem_aff.backward(g, ca, params)
                g, gc = self.stem_conv.backward(g, cc, params)
                g = g / INPUT_SCALE
                if params:
                    grads.update({"stem.conv.w": gc["w"], "stem.conv.b": gc["b"],
                                  "stem.aff.gamma": ga["gamma"], "stem.aff.beta": ga["beta"]})
            else:
                g, gb = self.blocks[s - 1].backward(g, cache, params)
                if params:
                    grads.update({f"block{s}.{k}": v for k, v in gb.items()})
        return (g, grads) if params else g

    # -- conveniences
    def descriptors(self, chips, batch: int = 8) -> np.ndarray:
        """The (n, 128) descriptors of aligned chips, computed ``batch`` chips at a time (float64)."""
        chips = np.asarray(chips)
        if chips.ndim == 3:
            chips = chips[None]
        if len(chips) == 0:
            return np.zeros((0, 128))
        return np.concatenate([self.forward(chips[i:i + batch]) for i in range(0, len(chips), batch)])

    def features(self, chips, stop: int, batch: int = 8) -> np.ndarray:
        """What stage ``stop - 1`` outputs for these chips: the input of a fine-tune from ``stop``."""
        chips = np.asarray(chips)
        if stop == STEM:  # nothing runs: the stem's input is the chips themselves
            return chips.astype(np.float64)
        return np.concatenate([self.forward(chips[i:i + batch], STEM, stop) for i in range(0, len(chips), batch)])

    def input_gradient(self, chips, grad_fn):
        """Descriptors and d(loss)/d(pixel) in one call.

        ``grad_fn(descriptors)`` returns ``(loss, d(loss)/d(descriptors))``; the result is
        ``(loss, descriptors, d(loss)/d(chips))``.
        """
        d, tape = self.forward(chips, record=True)
        loss, g = grad_fn(d)
        return loss, d, self.backward(tape, g)


_CACHE: dict = {}


def load(path=None) -> DlibResNet:
    """dlib's face recognition network as a :class:`DlibResNet` (read once per process, then copied).

    ``path`` defaults to the installed ``face_recognition_models``' ``dlib_face_recognition_resnet_model_v1.dat``.
    Raises ``ModelFileError`` for a file that is not that network. Each call returns a fresh copy,
    so fine-tuning one never changes another.

    >>> net = load()
    >>> round(sum(p.size for p in net.params().values()) / 1e6, 1)
    5.6
    """
    path = Path(path) if path is not None else model_path()
    key = str(path.resolve())
    if key not in _CACHE:
        _CACHE[key] = DlibResNet(read_model_file(path))
    return _CACHE[key].copy()


__all__ = ["DlibResNet", "Tape", "ModelFileError", "load", "model_path", "read_model_file", "MEAN_RGB",
           "CHIP_SIZE", "BLOCKS", "STEM", "HEAD", "N_STAGES"]
