"""The saved settings of the tools that read the curve (format version 4): the points of
interest (shown, and searched over a range wider than the view) and the Taylor polynomial
(shown, and its order). The second function g(x) is a text field of SessionState itself."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gradexplorer.errors import SessionError

TAYLOR_MAX_ORDER = 20  # the app's order control (the command line goes further)


@dataclass(frozen=True)
class PointsSettings:
    """Markers on the roots, extrema, ... of f (shown by default), searched over the view or,
    with ``wide``, a range ten times as wide around it."""

    shown: bool = True
    wide: bool = False

    def __post_init__(self) -> None:
        for name in ("shown", "wide"):
            if not isinstance(getattr(self, name), bool):
                raise SessionError(f"points.{name} must be true or false.")

    def to_dict(self) -> dict[str, bool]:
        return {"shown": self.shown, "wide": self.wide}


@dataclass(frozen=True)
class TaylorSettings:
    """The Taylor polynomial of f at x, of order 0..TAYLOR_MAX_ORDER, drawn or not."""

    shown: bool = False
    order: int = 2

    def __post_init__(self) -> None:
        if not isinstance(self.shown, bool):
            raise SessionError("taylor.shown must be true or false.")
        order = self.order
        if isinstance(order, bool) or not isinstance(order, int):
            raise SessionError(f"taylor.order must be a whole number, found {order!r}.")
        if not 0 <= order <= TAYLOR_MAX_ORDER:
            raise SessionError(
                f"taylor.order must be between 0 and {TAYLOR_MAX_ORDER}, found {order}."
            )

    def to_dict(self) -> dict[str, Any]:
        return {"shown": self.shown, "order": self.order}
