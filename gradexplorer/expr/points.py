"""What evaluating an expression gives: plain data (floats may be nan or inf)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gradexplorer.autograd import BackwardTrace, ForwardTrace


@dataclass(frozen=True)
class Point:
    """The function at one x: value, f', f'' and the partial derivatives, all from autograd.

    Where f has no value (any sub-expression undefined, see domain.py) every number is nan and
    ``reason`` says why; where f has a value but a derivative is not finite (f′ first, then a
    partial, then f″), ``derivative_reason`` does.
    """

    x: float
    value: float
    derivative: float
    second_derivative: float
    gradient: dict[str, float]  # "x" and every parameter
    trace: BackwardTrace | None
    reason: str | None = None
    derivative_reason: str | None = None


@dataclass(frozen=True)
class ForwardPoint:
    """One forward-mode pass at x, seeded on one input (its tangent 1, every other input's 0):
    the value and the tangent of f, which is ∂f/∂seed."""

    x: float
    seed: str  # "x" or a parameter
    value: float
    tangent: float
    trace: ForwardTrace | None


Hessian = tuple[tuple[float, ...], ...]


@dataclass(frozen=True)
class SurfacePoint:
    """The function at one point of its inputs, all from autograd: the value, the gradient by
    input and parameter name, the Hessian over the inputs (rows and columns in input order)."""

    values: dict[str, float]
    value: float
    gradient: dict[str, float]
    hessian: Hessian
    trace: BackwardTrace | None
    reason: str | None = None  # why f has no value here (nan), in words
    derivative_reason: str | None = None  # why a derivative is not finite where f has a value


@dataclass(frozen=True)
class Samples:
    """The function on an array of x (for plotting)."""

    x: np.ndarray
    value: np.ndarray
    derivative: np.ndarray | None
    second_derivative: np.ndarray | None


@dataclass(frozen=True)
class GridSamples:
    """A function of two inputs on a grid: arrays of shape (len(y), len(x)), row j at y[j]."""

    x: np.ndarray
    y: np.ndarray
    value: np.ndarray
    gradient: tuple[np.ndarray, np.ndarray]  # ∂f/∂(first input), ∂f/∂(second input)
