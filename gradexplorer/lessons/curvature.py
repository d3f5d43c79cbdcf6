"""What the Hessian says about a point of a function of two inputs: its eigenvalues and, at a
stationary point, the verdict a student needs (minimum, maximum, saddle, or "the Hessian cannot
tell"). Elsewhere it describes the shape of the surface around the point."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from gradexplorer.formatting import readout

MINIMUM, MAXIMUM, SADDLE, FLAT = "minimum", "maximum", "saddle", "flat"
STATIONARY_FRACTION = 1e-3  # |∇f| below this fraction of the typical |∇f| counts as ∇f = 0
FLAT_FRACTION = 1e-9  # an eigenvalue this small next to the other counts as zero


@dataclass(frozen=True)
class Verdict:
    kind: str  # minimum, maximum, saddle or flat: the shape the eigenvalues give
    eigenvalues: tuple[float, float]  # smallest first
    stationary: bool  # ∇f = 0 here (to the tolerance)
    words: str


def eigenvalues(hessian: Sequence[Sequence[float]]) -> tuple[float, float]:
    """Both eigenvalues of a symmetric 2×2 matrix, smallest first (nan if any entry is)."""
    a, b, c = float(hessian[0][0]), float(hessian[0][1]), float(hessian[1][1])
    mean = (a + c) / 2
    radius = math.hypot((a - c) / 2, b)
    return mean - radius, mean + radius


def classify(
    hessian: Sequence[Sequence[float]], grad_norm: float, typical_grad: float = 1.0
) -> Verdict:
    """The verdict at a point with gradient norm `grad_norm`; `typical_grad` (say the median
    |∇f| over the view) sets what counts as zero."""
    lo, hi = eigenvalues(hessian)
    if not all(math.isfinite(v) for v in (lo, hi, grad_norm)):
        return Verdict(FLAT, (lo, hi), False, "undefined here: the function has no value")
    scale = max(abs(lo), abs(hi))
    tiny = FLAT_FRACTION * scale
    if scale == 0 or abs(lo) <= tiny or abs(hi) <= tiny:
        kind = FLAT
    elif lo > 0:
        kind = MINIMUM
    elif hi < 0:
        kind = MAXIMUM
    else:
        kind = SADDLE
    tol = max(STATIONARY_FRACTION * typical_grad, 1e-12)
    stationary = grad_norm <= tol
    words = _words(kind, stationary, lo, hi, grad_norm, typical_grad)
    return Verdict(kind, (lo, hi), stationary, words)


def _words(kind: str, stationary: bool, lo: float, hi: float, norm: float, typical: float) -> str:
    pair = f"λ = {readout(lo, 4)} and {readout(hi, 4)}"
    if stationary:
        # beside a readout of |∇f| = 0.77, "∇f = 0" read as a contradiction: say the scale
        zero = "∇f = 0" if norm == 0 else (
            f"∇f ≈ 0 (|∇f| = {readout(norm, 4)}, under a thousandth of the "
            f"{readout(typical, 4)} typical here)"
        )  # fmt: skip
        return {
            MINIMUM: f"{zero} and both eigenvalues are positive ({pair}): a minimum",
            MAXIMUM: f"{zero} and both eigenvalues are negative ({pair}): a maximum",
            SADDLE: f"{zero} and the eigenvalues have opposite signs ({pair}): a saddle",
            FLAT: f"{zero} but an eigenvalue is 0 ({pair}): the Hessian cannot tell",
        }[kind]
    shape = {
        MINIMUM: "curves up in every direction, like a bowl",
        MAXIMUM: "curves down in every direction, like a dome",
        SADDLE: "curves up one way and down the other, like a saddle",
        FLAT: "is flat in one direction",
    }[kind]
    return f"not a stationary point (|∇f| = {readout(norm, 4)}); here the surface {shape} ({pair})"
