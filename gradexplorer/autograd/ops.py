"""Every operation in one table: its forward function and its derivative rules, side by side.

A derivative rule has the form ``rule(F, g, out, *inputs, **kwargs)`` and returns the gradient
for one input before it is summed back to that input's shape. ``g`` is the upstream gradient
(d output / d out), ``out`` the op's forward result. ``F`` is a namespace of math functions:

- in a plain backward pass g, out and inputs are numpy arrays and F calls numpy directly
  (fast: no Tensor objects are built);
- with ``create_graph=True`` they are Tensors and F calls this module's differentiable
  functions, so the backward pass is itself recorded and can be differentiated again.

Writing each rule once for both keeps one place per op. Adding an op = one forward function
plus one ``_define`` line.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import numpy as np

from gradexplorer.autograd._ieee import IGNORE_FP_ERRORS, errstate_var
from gradexplorer.autograd.tensor import _NO_KWARGS, BackwardNode, Tensor, _GradMode, _make

Rule = Callable[..., Any]


@dataclass(frozen=True)
class Op:
    name: str  # engine name, e.g. "mul"
    label: str  # short display text for graphs, e.g. "×"
    forward: Callable[..., np.ndarray]
    rules: tuple[Rule, ...]  # one derivative rule per input
    saves: bool = True  # False when backward needs no saved value (add, sub, ...): PyTorch lets
    # such graphs be walked twice without retain_graph, so do we.
    node_class: type[BackwardNode] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        camel = "".join(part.capitalize() for part in self.name.split("_"))
        cls = type(f"{camel}Backward", (BackwardNode,), {"__slots__": ()})
        object.__setattr__(self, "node_class", cls)


OPS: dict[str, Op] = {}


def _define(
    name: str, label: str, forward: Callable[..., np.ndarray], *rules: Rule, saves: bool = True
) -> Op:
    op = Op(name, label, forward, rules, saves)
    OPS[name] = op
    return op


def apply(op: Op, *inputs: Tensor, **kwargs: Any) -> Tensor:
    """Run op forward on tensors; record the op when grad mode is on and an input needs grad."""
    token = errstate_var.set(IGNORE_FP_ERRORS)
    try:
        data = op.forward(*[t.data for t in inputs], **kwargs)
    finally:
        errstate_var.reset(token)
    if _GradMode.enabled:
        for t in inputs:
            if t.requires_grad:
                return _make(data, op, inputs, kwargs or _NO_KWARGS)
    return _make(data)


def _binary_operator(op: Op, reflected: bool) -> Callable[[Tensor, Any], Tensor]:
    """a (op) b for Tensor dunder methods, with apply() inlined: on scalar graphs the cost per
    op is what micrograd is measured against (bench/bench_engine.py)."""
    forward = op.forward

    def method(self: Tensor, other: Any) -> Tensor:
        if not isinstance(other, Tensor):
            other = _constant_like(other, self)
        a, b = (other, self) if reflected else (self, other)
        token = errstate_var.set(IGNORE_FP_ERRORS)
        try:
            data = forward(a.data, b.data)
        finally:
            errstate_var.reset(token)
        if (a.requires_grad or b.requires_grad) and _GradMode.enabled:
            return _make(data, op, (a, b))
        return _make(data)

    return method


def _constant_like(value: Any, like: Tensor) -> Tensor:
    if isinstance(value, Tensor):
        return value
    if type(value) in (int, float):
        # A Python number takes the other operand's dtype so float32 stays float32.
        return _make(like.data.dtype.type(value))
    arr = np.asarray(value)
    if arr.dtype.kind in "biuf" and arr.ndim == 0:
        # A Python number takes the other operand's dtype so float32 stays float32.
        return Tensor(arr, dtype=like.data.dtype)
    return Tensor(arr)


def _binary(op: Op, a: Any, b: Any) -> Tensor:
    if not isinstance(a, Tensor):
        a = _constant_like(a, b) if isinstance(b, Tensor) else Tensor(a)
    if not isinstance(b, Tensor):
        b = _constant_like(b, a)
    return apply(op, a, b)


# ----- forward helpers that numpy lacks


def _np_sigmoid(a: np.ndarray) -> np.ndarray:
    # 0.5 (1 + tanh(a/2)) is exact and never overflows, unlike 1 / (1 + exp(-a)).
    return 0.5 * (1.0 + np.tanh(0.5 * a))


def _np_softplus(a: np.ndarray) -> np.ndarray:
    return np.logaddexp(0.0, a)


def _np_relu(a: np.ndarray) -> np.ndarray:
    return np.maximum(a, 0.0) * 1.0  # * 1.0 turns -0.0 into 0.0 without a copy branch


def _np_sum_to(g: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum a broadcast gradient back to `shape` (the helper every broadcasting engine has)."""
    g = np.asarray(g)
    if g.shape == shape:
        return g
    if g.size < int(np.prod(shape, dtype=np.int64)):
        return np.broadcast_to(g, shape)
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        i + lead for i, n in enumerate(shape) if n == 1 and g.shape[i + lead] != 1
    )
    return np.sum(g, axis=axes, keepdims=True).reshape(shape)


def _max_mask(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    # Ties split the gradient evenly between both inputs, as torch.maximum does.
    return np.where(a > b, 1.0, np.where(a == b, 0.5, 0.0)).astype(np.result_type(a, b))


def _mask(condition: np.ndarray, like: np.ndarray) -> np.ndarray:
    """A 0/1 mask in like's dtype, so a float32 gradient stays float32."""
    return condition.astype(like.dtype)


def _pow_local(F: Any, a: Any, b: Any) -> Any:
    """d/da a^b = b a^(b-1). At a = 0 with b = 0 the formula is 0 * inf = nan, but a^0 is
    constant, so the answer is 0 (PyTorch's too). Only that point is masked, so that the
    derivative stays differentiable in b everywhere else."""
    exponent = F.data(b)
    if exponent.ndim == 0 and not getattr(b, "requires_grad", False):
        # A constant number exponent (x^2, x^0.5): fewer array operations.
        c = float(exponent)
        if c == 0:
            return F.const(np.zeros_like(F.data(a)))
        return 2.0 * a if c == 2 else c * a ** (c - 1)
    undefined = (exponent == 0) & (F.data(a) == 0)
    if undefined.any():
        return F.where(undefined, 0.0, b * a ** (b - 1))
    return b * a ** (b - 1)


class _Ones:
    """Ones of a shape, never built: the gradient that sum() sends back when its own upstream is
    exactly 1, as in the most common backward of all, f(xs).sum().backward().

    Multiplying by it is free (ones * b is b), which saves a full pass over the array for every
    product the gradient meets next. Anything else turns it into a real array (__array__).
    """

    __slots__ = ("dtype", "shape")
    __array_ufunc__ = None  # numpy defers `array * ones` to __rmul__ instead of converting

    def __init__(self, shape: tuple[int, ...], dtype: np.dtype) -> None:
        self.shape = shape
        self.dtype = dtype

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return np.ones(self.shape, dtype=dtype or self.dtype)

    def _spread(self, value: Any) -> np.ndarray:
        value = np.asarray(value)
        if value.shape == self.shape:
            return value
        return np.broadcast_to(value, np.broadcast_shapes(value.shape, self.shape))

    def __mul__(self, other: Any) -> np.ndarray:
        return self._spread(other)

    __rmul__ = __mul__

    def __truediv__(self, other: Any) -> np.ndarray:
        return self._spread(np.true_divide(self.dtype.type(1), other))

    def __neg__(self) -> np.ndarray:
        return np.full(self.shape, -1, dtype=self.dtype)

    def __add__(self, other: Any) -> np.ndarray:
        return np.asarray(self) + other

    __radd__ = __add__


def _np_broadcast_to(g: Any, shape: tuple[int, ...]) -> Any:
    if isinstance(g, _Ones):
        return _Ones(shape, g.dtype)
    if np.ndim(g) == 0 and shape and g == 1:
        return _Ones(shape, np.asarray(g).dtype)
    # For small arrays a filled new array is several times faster than np.broadcast_to (the
    # common case: a scalar gradient from sum()); for big ones the zero-copy view wins.
    if np.ndim(g) == 0 and (len(shape) == 1 and shape[0] <= 65536):
        full = np.empty(shape, dtype=g.dtype)
        full.fill(g)
        return full
    return np.broadcast_to(g, shape)


def _np_sum(a: np.ndarray, axis: Any = None, keepdims: bool = False) -> np.ndarray:
    if axis is None and not keepdims:
        return np.add.reduce(a, axis=None)  # np.sum's Python wrapper costs more than the sum
    return np.sum(a, axis=axis, keepdims=keepdims)


def _kept_shape(shape: tuple[int, ...], axis: Any) -> tuple[int, ...]:
    """Shape of a reduction's result with the reduced axes kept as 1 (to broadcast back)."""
    if axis is None:
        return (1,) * len(shape)
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    axes = tuple(a % len(shape) for a in axes)
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def _unreduce(F: Any, g: Any, shape: tuple[int, ...], axis: Any, keepdims: bool) -> Any:
    """Spread a reduction's gradient back over the reduced axes."""
    if axis is not None and not keepdims:
        g = F.reshape(g, _kept_shape(shape, axis))
    return F.broadcast_to(g, shape)


def _count(shape: tuple[int, ...], axis: Any) -> int:
    if axis is None:
        return int(np.prod(shape, dtype=np.int64))
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    return int(np.prod([shape[a] for a in axes], dtype=np.int64))


# ----- the table. F: numpy namespace or Tensor namespace; g: upstream; out: result.
# Binary forwards are Python operators: the same ufuncs on arrays, but about ten times faster on
# the numpy scalars that 0-d results are (np.multiply on scalars takes the slow generic path).

ADD = _define(
    "add", "+", operator.add, lambda F, g, out, a, b: g, lambda F, g, out, a, b: g, saves=False
)
SUB = _define(
    "sub", "−", operator.sub, lambda F, g, out, a, b: g, lambda F, g, out, a, b: -g, saves=False
)
MUL = _define(
    "mul", "×", operator.mul, lambda F, g, out, a, b: g * b, lambda F, g, out, a, b: g * a
)
DIV = _define(
    "div",
    "÷",
    operator.truediv,
    lambda F, g, out, a, b: g / b,
    lambda F, g, out, a, b: -g * out / b,
)
POW = _define(
    "pow",
    "^",
    operator.pow,
    lambda F, g, out, a, b: g * _pow_local(F, a, b),
    # d/db a^b = a^b ln a; at a = 0 with b >= 0 PyTorch defines it as 0 (not nan).
    lambda F, g, out, a, b: g * F.where((F.data(a) == 0) & (F.data(b) >= 0), 0.0, out * F.log(a)),
)
NEG = _define("neg", "−", operator.neg, lambda F, g, out, a: -g, saves=False)
EXP = _define("exp", "exp", np.exp, lambda F, g, out, a: g * out)
LOG = _define("log", "ln", np.log, lambda F, g, out, a: g / a)
SQRT = _define("sqrt", "√", np.sqrt, lambda F, g, out, a: g / (2 * out))
# d|x|/dx = sign(x), which is 0 at the kink (PyTorch's subgradient).
ABS = _define("abs", "|·|", np.abs, lambda F, g, out, a: g * F.const(np.sign(F.data(a))))
SIN = _define("sin", "sin", np.sin, lambda F, g, out, a: g * F.cos(a))
COS = _define("cos", "cos", np.cos, lambda F, g, out, a: -g * F.sin(a))
TAN = _define("tan", "tan", np.tan, lambda F, g, out, a: g * (1 + out * out))
ASIN = _define("asin", "asin", np.arcsin, lambda F, g, out, a: g / F.sqrt(1 - a * a))
ACOS = _define("acos", "acos", np.arccos, lambda F, g, out, a: -g / F.sqrt(1 - a * a))
ATAN = _define("atan", "atan", np.arctan, lambda F, g, out, a: g / (1 + a * a))
SINH = _define("sinh", "sinh", np.sinh, lambda F, g, out, a: g * F.cosh(a))
COSH = _define("cosh", "cosh", np.cosh, lambda F, g, out, a: g * F.sinh(a))
TANH = _define("tanh", "tanh", np.tanh, lambda F, g, out, a: g * (1 - out * out))
SIGMOID = _define("sigmoid", "σ", _np_sigmoid, lambda F, g, out, a: g * out * (1 - out))
# relu'(0) = 0, as in PyTorch.
RELU = _define(
    "relu", "relu", _np_relu, lambda F, g, out, a: g * F.const(_mask(F.data(a) > 0, F.data(a)))
)
SOFTPLUS = _define("softplus", "softplus", _np_softplus, lambda F, g, out, a: g * F.sigmoid(a))
MAXIMUM = _define(
    "maximum",
    "max",
    np.maximum,
    lambda F, g, out, a, b: g * F.const(_max_mask(F.data(a), F.data(b))),
    lambda F, g, out, a, b: g * F.const(_max_mask(F.data(b), F.data(a))),
)
MINIMUM = _define(
    "minimum",
    "min",
    np.minimum,
    lambda F, g, out, a, b: g * F.const(_max_mask(F.data(b), F.data(a))),
    lambda F, g, out, a, b: g * F.const(_max_mask(F.data(a), F.data(b))),
)
SUM = _define(
    "sum",
    "Σ",
    _np_sum,
    lambda F, g, out, a, axis=None, keepdims=False: _unreduce(F, g, a.shape, axis, keepdims),
    saves=False,
)
MEAN = _define(
    "mean",
    "mean",
    lambda a, axis=None, keepdims=False: np.mean(a, axis=axis, keepdims=keepdims),
    lambda F, g, out, a, axis=None, keepdims=False: (
        _unreduce(F, g, a.shape, axis, keepdims) / _count(a.shape, axis)
    ),
    saves=False,
)
RESHAPE = _define(
    "reshape",
    "reshape",
    lambda a, shape: np.reshape(a, shape),
    lambda F, g, out, a, shape: F.reshape(g, a.shape),
    saves=False,
)
BROADCAST_TO = _define(
    "broadcast_to",
    "broadcast",
    lambda a, shape: np.broadcast_to(a, shape),
    lambda F, g, out, a, shape: F.sum_to(g, a.shape),
    saves=False,
)
SUM_TO = _define(
    "sum_to",
    "Σ",
    _np_sum_to,
    lambda F, g, out, a, shape: F.broadcast_to(g, a.shape),
    saves=False,
)

# where(mask, x, y): the mask is data, not differentiated; only the chosen branch gets gradient.
WHERE = _define(
    "where",
    "where",
    lambda x, y, mask: np.where(mask, x, y),
    lambda F, g, out, x, y, mask: F.where(mask, g, 0.0),
    lambda F, g, out, x, y, mask: F.where(mask, 0.0, g),
    saves=False,
)


# ----- public functions (also attached as Tensor methods below)


def _unary(op: Op) -> Callable[[Any], Tensor]:
    forward = op.forward

    def fn(a: Any) -> Tensor:
        # apply() inlined: per-op overhead is what bounds small graphs.
        if not isinstance(a, Tensor):
            a = Tensor(a)
        token = errstate_var.set(IGNORE_FP_ERRORS)
        try:
            data = forward(a.data)
        finally:
            errstate_var.reset(token)
        if a.requires_grad and _GradMode.enabled:
            return _make(data, op, (a,))
        return _make(data)

    fn.__name__ = op.name
    fn.__doc__ = f"Elementwise {op.name}, differentiable."
    return fn


exp = _unary(EXP)
log = _unary(LOG)
sqrt = _unary(SQRT)
abs = _unary(ABS)
sin = _unary(SIN)
cos = _unary(COS)
tan = _unary(TAN)
asin = _unary(ASIN)
acos = _unary(ACOS)
atan = _unary(ATAN)
sinh = _unary(SINH)
cosh = _unary(COSH)
tanh = _unary(TANH)
sigmoid = _unary(SIGMOID)
relu = _unary(RELU)
softplus = _unary(SOFTPLUS)


def maximum(a: Any, b: Any) -> Tensor:
    """Elementwise max; at ties the gradient is split evenly (as torch.maximum)."""
    return _binary(MAXIMUM, a, b)


def minimum(a: Any, b: Any) -> Tensor:
    """Elementwise min; at ties the gradient is split evenly (as torch.minimum)."""
    return _binary(MINIMUM, a, b)


def sum(a: Any, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
    a = a if isinstance(a, Tensor) else Tensor(a)
    return apply(SUM, a, axis=axis, keepdims=keepdims)


def mean(a: Any, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
    a = a if isinstance(a, Tensor) else Tensor(a)
    return apply(MEAN, a, axis=axis, keepdims=keepdims)


def reshape(a: Tensor, shape: tuple[int, ...]) -> Tensor:
    return apply(RESHAPE, a, shape=tuple(shape))


def broadcast_to(a: Tensor, shape: tuple[int, ...]) -> Tensor:
    if a.shape == tuple(shape):
        return a
    return apply(BROADCAST_TO, a, shape=tuple(shape))


def sum_to(a: Tensor, shape: tuple[int, ...]) -> Tensor:
    if a.shape == tuple(shape):
        return a
    if a.data.size < int(np.prod(shape, dtype=np.int64)):
        return broadcast_to(a, shape)
    return apply(SUM_TO, a, shape=tuple(shape))


# ----- the two namespaces the derivative rules are written against

NUMPY_NS = SimpleNamespace(
    **{name: getattr(np, name) for name in ("sin", "cos", "sinh", "cosh", "log", "sqrt")},
    sigmoid=_np_sigmoid,
    where=np.where,
    data=lambda a: a,
    const=lambda arr: arr,
    reshape=np.reshape,
    broadcast_to=_np_broadcast_to,
    sum_to=_np_sum_to,
)


def _where(cond: np.ndarray, x: Any, y: Any) -> Tensor:
    like = x if isinstance(x, Tensor) else y
    return apply(WHERE, _constant_like(x, like), _constant_like(y, like), mask=np.asarray(cond))


TENSOR_NS = SimpleNamespace(
    sin=sin,
    cos=cos,
    sinh=sinh,
    cosh=cosh,
    log=log,
    sqrt=sqrt,
    sigmoid=sigmoid,
    where=_where,
    data=lambda t: t.data,
    const=lambda arr: Tensor(arr),
    reshape=reshape,
    broadcast_to=broadcast_to,
    sum_to=sum_to,
)


# ----- operators and methods on Tensor, so t.sin() and 2 * t work


def _attach() -> None:
    T = Tensor
    for name, op in (("add", ADD), ("sub", SUB), ("mul", MUL), ("truediv", DIV), ("pow", POW)):
        setattr(T, f"__{name}__", _binary_operator(op, reflected=False))
        setattr(T, f"__r{name}__", _binary_operator(op, reflected=True))
    T.__neg__ = _unary(NEG)
    T.__pos__ = lambda a: a
    T.__abs__ = lambda a: apply(ABS, a)
    for fn in (exp, log, sqrt, abs, sin, cos, tan, asin, acos, atan, sinh, cosh, tanh):
        setattr(T, fn.__name__, fn)
    for fn in (sigmoid, relu, softplus, maximum, minimum, sum, mean, reshape):
        setattr(T, fn.__name__, fn)


_attach()
