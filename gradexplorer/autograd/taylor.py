"""Taylor mode: the Taylor coefficients of a recorded graph's output, by truncated power series.

``taylor(y, x, order)`` gives c_k = (1/k!) d^k y / dx^k for k = 0..order, for every element of
y at once. Nested reverse mode (grad of grad of ... with create_graph) builds a graph that
grows exponentially with the order: the 12th derivative of a 20-node function took 23 s for
the 10th alone (measured on this machine). Here every tensor of the recorded forward graph
carries its series instead of its value, x carries x₀ + 1·t, and each op maps the series of
its inputs to the series of its result with the rule in its row of the op table (``taylor``,
beside the forward and reverse rules): a Cauchy product for ×, the recurrences of Griewank and
Walther ("Evaluating Derivatives", ch. 13) for ÷, exp, ln, √, sin and cos, and for the
functions whose derivative is a polynomial of themselves (tan′ = 1 + tan², σ′ = σ − σ²). The
cost is O(order²) per op, so order 12 costs a small multiple of order 2.

A series is a numpy array of shape (order + 1, *shape): coefficient k of every element in
row k. The rules are written against ``SERIES`` (below), like the reverse rules against F.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np

from gradexplorer.autograd._ieee import IGNORE_FP_ERRORS, errstate_var
from gradexplorer.autograd.ops import _np_sigmoid, _np_sum_to
from gradexplorer.autograd.tensor import Tensor

MAX_ORDER = 40  # a sanity bound: coefficients of higher orders are all rounding anyway


def _mul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The Cauchy product of two series, truncated to the shorter one."""
    n = min(len(a), len(b))
    if a.ndim == 1 and b.ndim == 1:
        return np.convolve(a[:n], b[:n])[:n]
    out = np.zeros(np.broadcast_shapes(a[:n].shape, b[:n].shape), dtype=np.result_type(a, b))
    for j in range(n):
        out[j:] += a[j] * b[: n - j]
    return out


def _div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """c = a / b: c_k = (a_k − Σ_{j=1..k} b_j c_{k−j}) / b_0."""
    n = min(len(a), len(b))
    shape = np.broadcast_shapes(a[:n].shape, b[:n].shape)
    c = np.empty(shape, dtype=np.result_type(a, b))
    c[0] = a[0] / b[0]
    for k in range(1, n):
        c[k] = (a[k] - np.sum(b[1 : k + 1] * c[k - 1 :: -1][:k], axis=0)) / b[0]
    return c


def _exp(a: np.ndarray, out: Any) -> np.ndarray:
    """y = e^a, from y′ = y a′: y_k = (1/k) Σ_{j=1..k} j a_j y_{k−j}."""
    return _riccati(a, out, 0.0, 1.0, 0.0)


def _log(a: np.ndarray, out: Any) -> np.ndarray:
    """y = ln a, from a y′ = a′: y_k = (a_k − (1/k) Σ_{j=1..k−1} j y_j a_{k−j}) / a_0."""
    y = np.empty(a.shape, dtype=a.dtype)
    y[0] = out
    for k in range(1, len(a)):
        j = _weights(k - 1, a.ndim)
        y[k] = (a[k] - np.sum(j * y[1:k] * a[k - 1 : 0 : -1], axis=0) / k) / a[0]
    return y


def _sqrt(a: np.ndarray, out: Any) -> np.ndarray:
    """y = √a, from y·y = a: y_k = (a_k − Σ_{j=1..k−1} y_j y_{k−j}) / (2 y_0)."""
    y = np.empty(a.shape, dtype=a.dtype)
    y[0] = out
    for k in range(1, len(a)):
        y[k] = (a[k] - np.sum(y[1:k] * y[k - 1 : 0 : -1], axis=0)) / (2 * y[0])
    return y


def _power(a: np.ndarray, b: np.ndarray, out: Any) -> np.ndarray:
    """a^b. A constant whole exponent is repeated multiplication (exact where a₀ = 0 or a₀ < 0,
    where the recurrence would divide by zero or take ln of a negative number); a constant
    exponent r the recurrence a y′ = r a′ y; otherwise e^(b ln a)."""
    if np.all(b[1:] == 0):
        r = b[0]
        if np.size(r) == 1:
            r = float(np.reshape(r, ()))
        if np.ndim(r) == 0 and r.is_integer() and abs(r) <= 64:
            y = _whole_power(a, abs(int(r)))
            if r < 0:
                y = _div(_one_like(a), y)
            y[0] = out
            return y
        return _real_power(a, r, out)
    return _exp(_mul(b, _log(a, np.log(a[0]))), out)


def _whole_power(a: np.ndarray, n: int) -> np.ndarray:
    result = _one_like(a)
    base = a
    while n:
        if n & 1:
            result = _mul(result, base)
        n >>= 1
        if n:
            base = _mul(base, base)
    return np.array(np.broadcast_to(result, a.shape))


def _real_power(a: np.ndarray, r: Any, out: Any) -> np.ndarray:
    """y = a^r: k a_0 y_k = Σ_{j=1..k} (j (r + 1) − k) a_j y_{k−j}."""
    y = np.empty(np.broadcast_shapes(a.shape, np.shape(r)), dtype=a.dtype)
    y[0] = out
    for k in range(1, len(a)):
        j = _weights(k, a.ndim)
        y[k] = np.sum((j * (r + 1) - k) * a[1 : k + 1] * y[k - 1 :: -1][:k], axis=0) / (k * a[0])
    return y


def _sincos(a: np.ndarray, s0: Any, c0: Any, sign: float) -> tuple[np.ndarray, np.ndarray]:
    """s = sin a and c = cos a (sign −1), or sinh and cosh (sign +1), together:
    s′ = c a′, c′ = sign · s a′."""
    s = np.empty(a.shape, dtype=a.dtype)
    c = np.empty(a.shape, dtype=a.dtype)
    s[0], c[0] = s0, c0
    for k in range(1, len(a)):
        ja = _weights(k, a.ndim) * a[1 : k + 1] / k
        s[k] = np.sum(ja * c[k - 1 :: -1][:k], axis=0)
        c[k] = sign * np.sum(ja * s[k - 1 :: -1][:k], axis=0)
    return s, c


def _riccati(a: np.ndarray, y0: Any, p: float, q: float, r: float, u0: Any = None) -> np.ndarray:
    """y(a) with y′ = u a′, u = p + q y + r y², y(a₀) = y0: tan (1, 0, 1), tanh (1, 0, −1),
    σ (0, 1, −1), exp (0, 1, 0). u0, when given, is u's exact first value (1 − tanh² cancels
    to 0 where 1/cosh² does not). u up to k − 1 is known once y is:
    y_k = (1/k) Σ_{j=1..k} j a_j u_{k−j}."""
    y = np.empty(np.broadcast_shapes(a.shape, np.shape(y0)), dtype=a.dtype)
    u = np.empty_like(y)
    y[0] = y0
    u[0] = p + q * y[0] + r * y[0] * y[0] if u0 is None else u0
    for k in range(1, len(a)):
        y[k] = np.sum(_weights(k, a.ndim) * a[1 : k + 1] * u[k - 1 :: -1][:k], axis=0) / k
        square = np.sum(y[: k + 1] * y[k::-1], axis=0) if r else 0.0
        u[k] = q * y[k] + r * square
    return y


def _derivative(a: np.ndarray) -> np.ndarray:
    """The series of da/dt, one coefficient shorter: (k + 1) a_{k+1}."""
    return _weights(len(a) - 1, a.ndim) * a[1:]


def _integral(c0: Any, s: np.ndarray) -> np.ndarray:
    """The series y with y₀ = c0 and dy/dt = s (one coefficient longer than s)."""
    y = np.empty((len(s) + 1, *np.broadcast_shapes(np.shape(c0), s.shape[1:])), dtype=s.dtype)
    y[0] = c0
    y[1:] = s / _weights(len(s), s.ndim)
    return y


def _plus(a: np.ndarray, c: Any) -> np.ndarray:
    """a + c for a constant c: only the value moves."""
    y = np.array(a, dtype=np.result_type(a, c))
    y[0] = y[0] + c
    return y


def _each(fn: Any, a: np.ndarray, *args: Any, **kwargs: Any) -> np.ndarray:
    """A linear map applied to every coefficient (sum, reshape, broadcast)."""
    return np.stack([np.asarray(fn(a[k], *args, **kwargs)) for k in range(len(a))])


def _reduce(fn: Any, a: np.ndarray, axis: Any, keepdims: bool) -> np.ndarray:
    """sum or mean of each coefficient over the element axes (axis counted without the order
    axis)."""
    if axis is None:
        axes: Any = tuple(range(1, a.ndim))
    elif isinstance(axis, int):
        axes = axis % (a.ndim - 1) + 1
    else:
        axes = tuple(ax % (a.ndim - 1) + 1 for ax in axis)
    return fn(a, axis=axes, keepdims=keepdims)


def _weights(k: int, ndim: int) -> np.ndarray:
    """1, 2, ..., k as a column that broadcasts over the element axes."""
    return np.arange(1.0, k + 1).reshape((k,) + (1,) * (ndim - 1))


def _one_like(a: np.ndarray) -> np.ndarray:
    one = np.zeros(a.shape, dtype=a.dtype)
    one[0] = 1.0
    return one


# The namespace the ops' taylor rules are written against.
SERIES = SimpleNamespace(
    mul=_mul,
    div=_div,
    exp=_exp,
    log=_log,
    sqrt=_sqrt,
    power=_power,
    sincos=_sincos,
    riccati=_riccati,
    derivative=_derivative,
    integral=_integral,
    plus=_plus,
    each=_each,
    reduce=_reduce,
    sigmoid=_np_sigmoid,
    sum_to=_np_sum_to,
)


def taylor(output: Tensor, input: Tensor, order: int) -> np.ndarray:
    """Taylor coefficients of output in input at input's value: an array of shape
    (order + 1, *output.shape) whose row k is (1/k!) dᵏ output / d inputᵏ.

    The graph must have been recorded with input requiring grad. input is a leaf; every other
    leaf is held constant. Raises NotImplementedError for an op without a taylor rule."""
    order = int(order)
    if not 0 <= order <= MAX_ORDER:
        raise ValueError(f"order must be between 0 and {MAX_ORDER}, not {order}")
    if not input.is_leaf:
        raise ValueError("taylor() differentiates with respect to a leaf tensor")
    series: dict[int, np.ndarray] = {}
    token = errstate_var.set(IGNORE_FP_ERRORS)  # IEEE answers (1/0 = inf) are answers here too
    try:
        for t in _forward_order(output, input):
            series[id(t)] = _series_of(t, input, series, order)
    finally:
        errstate_var.reset(token)
    found = series.get(id(output))
    return found if found is not None else _constant(output.data, order)


def _forward_order(output: Tensor, input: Tensor) -> list[Tensor]:
    """The tensors between input and output that depend on input, oldest first."""
    seen: set[int] = set()
    found: list[Tensor] = []
    stack = [output]
    while stack:
        t = stack.pop()
        if id(t) in seen or not t.requires_grad:
            continue
        seen.add(id(t))
        found.append(t)
        stack.extend(t._parents)
    found.sort(key=lambda t: t._seq)
    return found


def _series_of(t: Tensor, input: Tensor, known: dict[int, np.ndarray], order: int) -> np.ndarray:
    if t is input:
        s = _constant(t.data, order)
        if order:
            s[1] = 1.0
        return s
    op = t._op
    if op is None:  # another leaf (a parameter): held constant
        return _constant(t.data, order)
    if op.taylor is None:
        raise NotImplementedError(f"Taylor mode is not defined for the op {op.name}")
    inputs = [known.get(id(p)) for p in t._parents]
    inputs = [
        s if s is not None else _constant(p.data, order)
        for s, p in zip(inputs, t._parents, strict=True)
    ]
    if len(inputs) > 1:
        # Element axes broadcast as numpy does, from the right: the order axis stays in front.
        ndim = max(s.ndim for s in inputs)
        inputs = [s.reshape((s.shape[0],) + (1,) * (ndim - s.ndim) + s.shape[1:]) for s in inputs]
    result = np.asarray(op.taylor(SERIES, t.data, *inputs, **t._kwargs), dtype=float)
    if result.shape[1:] != np.shape(t.data):
        result = np.array(np.broadcast_to(result, (order + 1, *np.shape(t.data))))
    return result


def _constant(data: Any, order: int) -> np.ndarray:
    s = np.zeros((order + 1, *np.shape(data)), dtype=np.result_type(data, np.float64))
    s[0] = data
    return s


__all__ = ["MAX_ORDER", "SERIES", "taylor"]
