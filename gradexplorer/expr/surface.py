"""Evaluation over many points at once, through the engine: a function of one variable on an
array (with its derivatives), a function of two on a grid (with its gradient), and the slice of
a function of two along a line, which the plot draws as a function of one variable.

Every derivative here is the engine's: sums of elementwise results are differentiated with
``grad``, so d(Σ f)/dx_i is ∂f/∂x at point i.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

import gradexplorer.autograd as ag
from gradexplorer.autograd import Tensor
from gradexplorer.expr.points import GridSamples, Samples

if TYPE_CHECKING:
    from gradexplorer.expr.expression import Expression

DEFAULT_PARAM = 1.0


def as_floats(values: Any) -> np.ndarray:
    """A float array (float32 kept, anything else as float64)."""
    arr = np.asarray(values)
    return arr if arr.dtype in (np.float64, np.float32) else arr.astype(np.float64)


def constants(expression: Expression, params: Mapping[str, float]) -> dict[str, Tensor]:
    """The parameters as constants (a sampled curve needs no gradient for them)."""
    return {p: Tensor(float(params.get(p, DEFAULT_PARAM)), name=p) for p in expression.params}


def dense(g: Tensor | None, shape: tuple[int, ...], dtype: Any = np.float64) -> np.ndarray:
    """A gradient as a full array: zeros where the output did not depend on the input."""
    if g is None:
        return np.zeros(shape, dtype=dtype)
    data = g.data
    return np.array(data if data.shape == shape else np.broadcast_to(data, shape))


def derivatives_along(
    y: Tensor, t: Tensor, shape: tuple[int, ...], order: int, mask: Any = False
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """Value, first and second derivative of an elementwise y(t) (None when not asked), with
    no value where the domain mask is set and no derivative where there is no value."""
    value = np.array(np.broadcast_to(y.data, shape))
    value[np.broadcast_to(mask, shape)] = np.nan
    first = second = None
    dy = None
    if order >= 1:
        if y.requires_grad:
            (dy,) = ag.grad(y.sum(), [t], create_graph=order >= 2, allow_unused=True)
        first = dense(dy, shape, t.data.dtype)
    if order >= 2:
        d2 = None
        if dy is not None and dy.requires_grad:
            (d2,) = ag.grad(dy.sum(), [t], allow_unused=True)
        second = dense(d2, shape, t.data.dtype)
    undefined = np.isnan(value)
    if first is not None:
        first[undefined] = np.nan
        if second is not None:
            second[undefined | np.isnan(first)] = np.nan
    return value, first, second


def sample_points(
    expression: Expression, coords: Sequence[Any], params: Mapping[str, float] | None = None
) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
    """f and ∇f at many points at once: coords holds one array per input, all of one shape."""
    arrays = [as_floats(c) for c in coords]
    if len(arrays) != len(expression.inputs):
        raise ValueError(f"{expression.canonical} needs {len(expression.inputs)} coordinates")
    shape = np.broadcast_shapes(*(a.shape for a in arrays))
    tensors = [
        Tensor(a if a.shape == shape else np.broadcast_to(a, shape), requires_grad=True, name=n)
        for a, n in zip(arrays, expression.inputs, strict=True)
    ]
    y, mask, _ = expression._evaluate(tensors, constants(expression, params or {}))
    value = np.array(y.data if y.data.shape == shape else np.broadcast_to(y.data, shape))
    value[np.broadcast_to(mask, shape)] = np.nan
    grads: tuple[Tensor | None, ...] = (None,) * len(tensors)
    if y.requires_grad:
        grads = ag.grad(y.sum(), tensors, allow_unused=True)
    undefined = np.isnan(value)
    out = []
    for g in grads:
        d = dense(g, shape)
        d[undefined] = np.nan
        out.append(d)
    return value, tuple(out)


def sample_grid(
    expression: Expression, xs: Any, ys: Any, params: Mapping[str, float] | None = None
) -> GridSamples:
    """f and ∇f on the grid xs × ys (rows follow ys): one pass over the program with the op
    table's numpy forwards and rules (the engine's own), the axes broadcast as a row and a
    column so that what depends on one input is computed once per row or column."""
    if len(expression.inputs) != 2:
        raise ValueError(f"{expression.canonical} has one input: use sample")
    xs, ys = as_floats(xs).ravel(), as_floats(ys).ravel()
    value, (grad_x, grad_y) = expression.gradient_batch([xs[None, :], ys[:, None]], params)
    return GridSamples(xs, ys, value, (grad_x, grad_y))


class Slice:
    """f of two inputs along the line through `point` in `direction`, as a function of one
    variable t, the coordinate along the line: t = p·u, so along x (u = (1, 0)) t is x and the
    slice is f(x, y₀). Its derivative is the directional derivative ∇f·u, and its second
    derivative uᵀHu, both computed by the engine on the composed graph."""

    def __init__(
        self,
        expression: Expression,
        point: Sequence[float],
        direction: Sequence[float],
    ) -> None:
        ux, uy = (float(v) for v in direction)
        norm = math.hypot(ux, uy)
        if not (math.isfinite(norm) and norm > 0):
            raise ValueError("a slice needs a direction of non-zero length")
        self.expression = expression
        self.point = (float(point[0]), float(point[1]))
        self.direction = (ux / norm, uy / norm)
        self.t0 = self.point[0] * self.direction[0] + self.point[1] * self.direction[1]
        if self.direction in ((1.0, 0.0), (0.0, 1.0)):
            self.t0 = self.point[0] if self.direction[0] else self.point[1]

    @property
    def params(self) -> tuple[str, ...]:
        return self.expression.params

    def position(self, t: float) -> tuple[float, float]:
        """The point of the plane at coordinate t along the line."""
        (px, py), (ux, uy) = self.point, self.direction
        if (ux, uy) == (1.0, 0.0):
            return float(t), py
        if (ux, uy) == (0.0, 1.0):
            return px, float(t)
        return px + (t - self.t0) * ux, py + (t - self.t0) * uy

    def _inputs(self, t: Tensor) -> list[Tensor]:
        names = self.expression.inputs
        out = []
        for i, (p, u) in enumerate(zip(self.point, self.direction, strict=True)):
            if u == 0.0:
                out.append(Tensor(p, name=names[i]))
            elif u == 1.0:
                out.append(t)  # along an axis the coordinate is the input itself
            else:
                out.append(p + (t - self.t0) * u)
        return out

    def sample(
        self, ts: Any, params: Mapping[str, float] | None = None, *, derivatives: int = 2
    ) -> Samples:
        """The slice (and up to two derivatives in t) on every t of an array."""
        ts = as_floats(ts)
        t = Tensor(ts, requires_grad=derivatives > 0, name="t")
        env = constants(self.expression, params or {})
        y, mask, _ = self.expression._evaluate(self._inputs(t), env)
        value, first, second = derivatives_along(y, t, ts.shape, derivatives, mask)
        return Samples(ts, value, first, second)
