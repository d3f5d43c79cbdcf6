"""f and ∇f over a small batch of points, fast: one forward and one reverse pass straight over
an expression's compiled program, calling the op table's numpy forwards and its derivative rules
(the very functions the engine's plain backward calls, with F = NUMPY_NS), without building a
Tensor graph.

The compiled program is already in topological order (post-order of the tree), so reverse mode
is a loop backwards over it; no heap, no Tensor objects. The optimizers' race evaluates f and ∇f
at six points 500 times in a row, where the engine's per-operation bookkeeping is most of the
cost; for large arrays (the landscape grid) the engine is as fast and stays the reference. The
tests check that both give the same numbers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from gradexplorer.autograd import OPS
from gradexplorer.autograd.ops import NUMPY_NS
from gradexplorer.expr import domain

DEFAULT_PARAM = 1.0


def _full(a: Any, shape: tuple[int, ...]) -> np.ndarray:
    """A float array of the batch's shape (a copy: the caller owns it)."""
    if getattr(a, "shape", None) == shape:
        return np.array(a, dtype=float)
    return np.array(np.broadcast_to(a, shape), dtype=float)


def _shape(coords: Sequence[np.ndarray]) -> tuple[int, ...]:
    """The batch's shape: the coordinates broadcast together. A grid passes its axes as a row
    and a column, so a value of x alone (sin(x), x²) is computed once per column, not per
    point; every gradient still comes out per point, at the full shape."""
    return np.broadcast_shapes(*(np.shape(c) for c in coords))


class ReverseSweep:
    """The value and gradient program of one expression (build once, call many times)."""

    def __init__(self, program: Sequence[tuple[Any, ...]], n_inputs: int) -> None:
        self.n_inputs = n_inputs
        # slot = position in the program; each step: (kind, payload, argument slots)
        self.steps: list[tuple[str, Any, tuple[int, ...]]] = []
        active: list[bool] = []  # does the slot depend on an input?
        stack: list[int] = []
        kept: dict[str, int] = {}  # a definition's slot, by name ("u = x + x; u^2")
        for slot, ins in enumerate(program):
            kind = ins[0]
            if kind in ("s", "r"):  # no value of their own: they move a slot on the stack
                if kind == "s":
                    kept[ins[1]] = stack.pop()
                else:
                    stack.append(kept[ins[1]])
                self.steps.append((kind, None, ()))
                active.append(False)
                continue
            if kind == "f":
                n = ins[2]
                args = tuple(stack[-n:])
                del stack[-n:]
                self.steps.append(("f", OPS[ins[3]], args))
                active.append(any(active[a] for a in args))
            else:
                payload = ins[1]
                self.steps.append((kind, payload, ()))
                active.append(kind == "v")
            stack.append(slot)
        self.active = active
        self.output = stack[-1]
        self.inputs = [slot for slot, step in enumerate(self.steps) if step[0] == "v"]

    def __call__(
        self, coords: Sequence[np.ndarray], params: Mapping[str, float]
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """f and (∂f/∂input for each input) at every point; nan gradients where f is nan."""
        shape = _shape(coords)
        with np.errstate(all="ignore"):
            values, mask = self._forward(coords, params)
            grads = self._backward(values)
        value = self._value(values, mask, shape)
        out: list[Any] = [None] * self.n_inputs
        for slot in self.inputs:
            g = grads[slot]
            if g is not None:
                k = self.steps[slot][1]
                out[k] = g if out[k] is None else out[k] + g
        undefined = np.isnan(value)
        if not undefined.any():
            undefined = None
        # A rule may hand on the very array it got (x + y: both partials are one array), and
        # an input's own array is the caller's: those are copied, fresh results are not.
        taken = {id(c) for c in coords}
        result = []
        for g in out:
            if g is None:
                g = np.zeros(shape)
            elif undefined is not None:
                g = np.where(undefined, np.nan, g)  # a new array of the full shape
            elif id(g) in taken or np.shape(g) != shape:
                g = _full(g, shape)
            taken.add(id(g))
            result.append(g)
        return value, result

    def _value(self, values: list, mask: Any, shape: tuple[int, ...]) -> np.ndarray:
        """The output at every point (a fresh array), nan where f is undefined."""
        v = values[self.output]
        fresh = self.steps[self.output][0] == "f" and np.shape(v) == shape
        value = v if fresh else _full(v, shape)
        if np.any(mask):
            value[np.broadcast_to(mask, shape)] = np.nan
        return value

    def values(self, coords: Sequence[np.ndarray], params: Mapping[str, float]) -> np.ndarray:
        """f alone (no gradient), e.g. for the heat map's grid."""
        with np.errstate(all="ignore"):
            values, mask = self._forward(coords, params)
        return self._value(values, mask, _shape(coords))

    def _forward(
        self, coords: Sequence[np.ndarray], params: Mapping[str, float]
    ) -> tuple[list, Any]:
        """Every slot's value, and the output's undefined mask (domain.py: undefined inside
        means undefined, as the engine's evaluation says)."""
        values: list[Any] = []
        masks: list[Any] = []
        for kind, payload, args in self.steps:
            if kind == "f":
                data = [values[a] for a in args]
                out = payload.forward(*data)
                masks.append(domain.undefined(payload.name, data, out, [masks[a] for a in args]))
                values.append(out)
                continue
            if kind == "v":
                values.append(coords[payload])
            elif kind == "p":
                values.append(np.float64(params.get(payload, DEFAULT_PARAM)))
            elif kind == "c":
                values.append(np.float64(payload))
            else:  # "s" / "r": placeholders, the stack moved slots instead
                values.append(None)
            masks.append(False)
        return values, masks[self.output]

    def _backward(self, values: list) -> list:
        grads: list[Any] = [None] * len(self.steps)
        if not self.active[self.output]:
            return grads
        # The seed ∂f/∂f = 1 as a number: gradients broadcast up to the points they vary over.
        grads[self.output] = np.float64(1.0)
        for slot in range(len(self.steps) - 1, -1, -1):
            g = grads[slot]
            kind, op, args = self.steps[slot]
            if g is None or kind != "f":
                continue
            inputs = [values[a] for a in args]
            for k, a in enumerate(args):
                if not self.active[a]:
                    continue
                contribution = op.rules[k](NUMPY_NS, g, values[slot], *inputs)
                grads[a] = contribution if grads[a] is None else grads[a] + contribution
        return grads
