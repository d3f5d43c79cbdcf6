"""Parameter animation as a pure function of time, so a timer only has to remember when play was
pressed and the value at that moment (no drift from accumulating small steps)."""

from __future__ import annotations

import math
from typing import Literal

PlayMode = Literal["loop", "bounce"]


def animated_value(
    t: float,
    lo: float,
    hi: float,
    *,
    start: float | None = None,
    speed: float = 0.25,
    mode: PlayMode = "bounce",
) -> float:
    """The slider value t seconds after play was pressed.

    speed: fraction of the range [lo, hi] crossed per second (0.25 → 4 s from min to max);
    negative moves downward first. start: the value when play was pressed (default lo),
    clamped into the range.
    loop: runs up to hi then jumps back to lo (values in [lo, hi)).
    bounce: runs up to hi, turns back down to lo, and so on (a triangle wave).
    """
    for name, v in (("t", t), ("lo", lo), ("hi", hi), ("speed", speed)):
        if not math.isfinite(v):
            raise ValueError(f"{name} must be finite, got {v!r}")
    if mode not in ("loop", "bounce"):
        raise ValueError(f"mode must be 'loop' or 'bounce', got {mode!r}")
    if hi < lo:
        raise ValueError("need lo <= hi")
    width = hi - lo
    if width == 0:
        return lo
    s0 = lo if start is None else min(max(float(start), lo), hi)
    offset = (s0 - lo) / width  # 0..1
    travelled = speed * t
    if mode == "loop":
        phase = (offset + travelled) % 1.0
        return lo + phase * width
    # bounce: unfold to a sawtooth of period 2, then fold back.
    phase = (offset + travelled) % 2.0
    return lo + (phase if phase <= 1.0 else 2.0 - phase) * width


def bounce_direction(
    t: float, lo: float, hi: float, *, start: float | None = None, speed: float = 0.25
) -> int:
    """+1 while a bouncing value moves up, -1 while it moves down (for an arrow in the UI)."""
    width = hi - lo
    if width <= 0 or speed == 0:
        return 0
    s0 = lo if start is None else min(max(float(start), lo), hi)
    phase = ((s0 - lo) / width + speed * t) % 2.0
    going_up_in_unfolded = speed > 0
    rising = phase < 1.0
    return 1 if rising == going_up_in_unfolded else -1
