"""Taylor polynomials of a typed function at a point: the coefficients cₖ = f⁽ᵏ⁾(x₀)/k! from the
engine's Taylor mode (never finite differences), the polynomial written out, and its values for
drawing. Order 1 is the tangent line, order 2 the osculating parabola. Qt-free: the app's side
panel and plot, and ``gradexplorer taylor``, read this."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from gradexplorer import formatting
from gradexplorer.expr import Expression

MAX_ORDER = 30  # the command line's limit; the app's order control stops at APP_ORDER
APP_ORDER = 20
SUPERSCRIPTS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


@dataclass(frozen=True)
class TaylorPolynomial:
    """Tₙ(x) = Σ cₖ (x − x₀)ᵏ. ``coefficients`` may hold nan or ±inf where f or a derivative
    has no value at x₀ (√x at 0 from order 1 on); ``reason`` then says why."""

    x0: float
    coefficients: tuple[float, ...]
    reason: str | None = None

    @property
    def order(self) -> int:
        return len(self.coefficients) - 1

    @property
    def derivatives(self) -> tuple[float, ...]:
        """f⁽ᵏ⁾(x₀) = k! cₖ."""
        with np.errstate(all="ignore"):
            return tuple(c * math.factorial(k) for k, c in enumerate(self.coefficients))

    @property
    def defined(self) -> bool:
        return all(math.isfinite(c) for c in self.coefficients)

    def values(self, xs: np.ndarray) -> np.ndarray:
        """Tₙ at every x (Horner), nan everywhere when a coefficient has no value."""
        xs = np.asarray(xs, dtype=float)
        if not self.defined:
            return np.full(xs.shape, np.nan)
        h = xs - self.x0
        total = np.zeros(xs.shape)
        with np.errstate(all="ignore"):  # far from x₀ a high order overflows: inf, a gap
            for c in reversed(self.coefficients):
                total = total * h + c
        return total

    def name(self) -> str:
        """ "T₃(x)"."""
        return f"T{str(self.order).translate(SUBSCRIPTS)}(x)"

    def text(self, digits: int = 6) -> str:
        """The polynomial written out: "T₂(x) = 1 + 2 (x − 0.5) − 0.25 (x − 0.5)²", with the
        terms whose coefficient is exactly 0 left out."""
        if not self.defined:
            return f"{self.name()} is undefined: {self.reason or 'a coefficient has no value'}"
        shift = _shift(self.x0)
        terms = []
        for k, c in enumerate(self.coefficients):
            if c == 0 and self.order > 0:
                continue
            power = "" if k == 0 else f"{shift}{str(k).translate(SUPERSCRIPTS) if k > 1 else ''}"
            number = formatting.readout(abs(c), digits)
            body = power if number == "1" and power else f"{number} {power}".strip()
            terms.append(("−" if c < 0 else "+", body))
        if not terms:
            return f"{self.name()} = 0"
        sign, first = terms[0]
        out = ("−" if sign == "−" else "") + first
        out += "".join(f" {s} {t}" for s, t in terms[1:])
        return f"{self.name()} = {out}"


def _shift(x0: float) -> str:
    """ "x", "(x − 2)" or "(x + 0.5)"."""
    if x0 == 0:
        return "x"
    sign = "−" if x0 > 0 else "+"
    return f"(x {sign} {formatting.readout(abs(x0))})"


def taylor_polynomial(
    expression: Expression, params: Mapping[str, float], x0: float, order: int
) -> TaylorPolynomial:
    """The Taylor polynomial of order n at x₀. Raises ValueError for an order outside 0..30
    and NotImplementedError for an op without a Taylor rule."""
    order = int(order)
    if not 0 <= order <= MAX_ORDER:
        raise ValueError(f"the order must be a whole number from 0 to {MAX_ORDER}, not {order}")
    c = expression.taylor(float(x0), params, order)
    coefficients = tuple(float(v) for v in c)
    reason = None
    if not math.isfinite(coefficients[0]):
        reason = expression.at(float(x0), params).reason or "f has no value here"
    else:
        bad = next((k for k, v in enumerate(coefficients) if not math.isfinite(v)), None)
        if bad is not None:
            what = "f′" if bad == 1 else f"f⁽{str(bad).translate(SUPERSCRIPTS)}⁾"
            reason = f"{what} has no finite value at x = {formatting.readout(x0)}"
    return TaylorPolynomial(float(x0), coefficients, reason)
