"""Tensor: a numpy array that remembers how it was made, so backward can apply the chain rule."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from gradexplorer.autograd.ops import Op
    from gradexplorer.autograd.trace import BackwardTrace

# Creation order. Every op's output is created after its inputs, so sorting by this number
# descending is a valid reverse topological order for backward (PyTorch uses the same idea).
_sequence = itertools.count()


class _GradMode:
    enabled = True


def is_grad_enabled() -> bool:
    return _GradMode.enabled


class _ForwardMode:
    """The dual level in force (forward_ad.py), None outside one. Every op checks it once: with
    no level the reverse-mode hot path is untouched. The recorder collects a forward trace."""

    level: Any = None
    recorder: Any = None


@contextmanager
def _grad_mode(enabled: bool) -> Iterator[None]:
    previous = _GradMode.enabled
    _GradMode.enabled = enabled
    try:
        yield
    finally:
        _GradMode.enabled = previous


class no_grad:
    """Context manager (and decorator) in which operations build no graph."""

    enabled = False  # the grad mode inside

    def __enter__(self) -> None:
        self._previous = _GradMode.enabled
        _GradMode.enabled = self.enabled

    def __exit__(self, *exc: object) -> None:
        _GradMode.enabled = self._previous

    def __call__(self, func: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with _grad_mode(self.enabled):
                return func(*args, **kwargs)

        wrapper.__name__ = getattr(func, "__name__", "wrapper")
        wrapper.__doc__ = func.__doc__
        return wrapper


class enable_grad(no_grad):
    """Context manager (and decorator) in which operations build a graph again."""

    enabled = True


class BackwardNode:
    """The grad_fn of an op's result, as PyTorch shows it: which op made it, from which inputs.

    One subclass per op (MulBackward, SinBackward, ...) so that type names read like PyTorch's.
    It is a view made on access: the graph itself lives in the result tensor's slots, which
    keeps creating an op cheap (a scalar op costs well under a microsecond).
    """

    __slots__ = ("_tensor",)

    def __init__(self, tensor: Tensor) -> None:
        self._tensor = tensor

    @property
    def op(self) -> Op:
        return self._tensor._op

    @property
    def inputs(self) -> tuple[Tensor, ...]:
        return self._tensor._parents

    @property
    def kwargs(self) -> dict[str, Any]:
        return self._tensor._kwargs

    @property
    def released(self) -> bool:
        return self._tensor._released

    def name(self) -> str:
        return type(self).__name__

    @property
    def next_functions(self) -> tuple[tuple[BackwardNode | None, int], ...]:
        return tuple((t.grad_fn, 0) for t in self.inputs)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, BackwardNode) and other._tensor is self._tensor

    def __hash__(self) -> int:
        return id(self._tensor)

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"


_NO_KWARGS: dict[str, Any] = {}


def _as_array(data: Any, dtype: Any = None) -> np.ndarray:
    if isinstance(data, Tensor):
        data = data.data
    arr = np.asarray(data, dtype=dtype)
    if dtype is None and arr.dtype not in (np.float64, np.float32):
        # Integers, bools and float16 become float64: a derivative is a real number.
        arr = arr.astype(np.float64)
    # A 0-d value is kept as a numpy scalar (np.float64), as numpy's own 0-d results are:
    # scalar arithmetic on them is five times faster than on 0-d arrays.
    return arr[()] if arr.ndim == 0 else arr


class Tensor:
    """A float array that records the operations applied to it (when it requires grad).

    .data is a numpy array (float64 by default, float32 kept); a 0-d value is a numpy scalar
    (np.float64 / np.float32), which behaves as a 0-d array in numpy functions.
    """

    __slots__ = (
        "__weakref__",
        "_kwargs",
        "_op",
        "_parents",
        "_pending",
        "_released",
        "_retains_grad",
        "_seq",
        "_tangent",
        "data",
        "grad",
        "name",
        "requires_grad",
    )
    __array_ufunc__ = None  # numpy scalars defer to our reflected operators (2.0 * t -> Tensor)

    data: np.ndarray
    requires_grad: bool
    grad: Tensor | None
    name: str | None
    _op: Op | None  # the op that made this tensor, None for leaves (and results needing no grad)
    _parents: tuple[Tensor, ...]
    _kwargs: dict[str, Any]
    _released: bool  # backward ran without retain_graph: saved values count as freed
    _pending: Any  # during backward only: the gradient summed so far from this tensor's consumers
    _tangent: Any  # forward mode: (dual level, tangent) while a dual level holds one, else None

    def __new__(
        cls,
        data: Any,
        requires_grad: bool = False,
        *,
        dtype: Any = None,
        name: str | None = None,
    ) -> Tensor:
        t = _make(_as_array(data, dtype))
        t.requires_grad = bool(requires_grad)
        t.name = name
        return t

    def __getnewargs__(self) -> tuple[Any, ...]:
        return (self.data,)  # copy and pickle call __new__ with these, then restore the slots

    # ----- attributes like torch.Tensor
    @property
    def grad_fn(self) -> BackwardNode | None:
        op = self._op
        return None if op is None else op.node_class(self)

    @property
    def is_leaf(self) -> bool:
        return self._op is None

    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    def item(self) -> float:
        if self.data.size != 1:
            raise ValueError(
                f"a Tensor with {self.data.size} elements cannot be converted to Scalar"
            )
        return float(np.asarray(self.data).reshape(()))

    def numpy(self) -> np.ndarray:
        return np.asarray(self.data)

    def detach(self) -> Tensor:
        return _make(self.data)

    def zero_grad(self) -> None:
        """Forget the accumulated gradient (like torch's optimizer.zero_grad(set_to_none=True))."""
        self.grad = None

    def retain_grad(self) -> None:
        """Keep .grad on this non-leaf tensor after backward (leaves always keep theirs)."""
        if not self.requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if not self.is_leaf:
            self._retains_grad = True

    @property
    def retains_grad(self) -> bool:
        return self._retains_grad

    def backward(
        self,
        gradient: Any = None,
        retain_graph: bool | None = None,
        create_graph: bool = False,
        *,
        trace: bool = False,
    ) -> BackwardTrace | None:
        """Accumulate d(self)/d(leaf) into every leaf's .grad.

        With trace=True, also return a BackwardTrace of what backward did (for display).
        """
        return _engine_backward(self, gradient, retain_graph, create_graph, trace=trace)

    def __repr__(self) -> str:
        body = np.array2string(self.data, precision=4, separator=", ")
        extra = ""
        if self._op is not None:
            extra = f", grad_fn={self.grad_fn!r}"
        elif self.requires_grad:
            extra = ", requires_grad=True"
        if self.data.dtype != np.float64:
            extra += f", dtype={self.data.dtype}"
        return f"Tensor({body}{extra})"

    def __len__(self) -> int:
        return len(self.data)

    def __float__(self) -> float:
        return self.item()

    def __pos__(self) -> Tensor:
        return self  # +x is not an op: x itself, as torch.positive gives

    # Operators and math methods come from the op table (ops.py), next to their rules.
    __hash__ = object.__hash__


_new = object.__new__


def _make(
    data: np.ndarray,
    op: Op | None = None,
    parents: tuple[Tensor, ...] = (),
    kwargs: dict[str, Any] = _NO_KWARGS,
) -> Tensor:
    """Every Tensor is made here, the one place that gives each slot its first value.

    An op's result comes straight here (no conversion, no checks: the cost of one scalar op is
    what bench/bench_engine.py compares with micrograd); op=None makes a tensor outside a graph.
    """
    t = _new(Tensor)
    t.data = data
    t.requires_grad = op is not None
    t.grad = None
    t.name = None
    t._op = op
    t._parents = parents
    t._kwargs = kwargs
    t._released = False
    t._pending = None
    t._retains_grad = False
    t._tangent = None
    t._seq = next(_sequence)
    return t


def _engine_backward(*args: Any, **kwargs: Any) -> BackwardTrace | None:
    # engine.py imports this module, so it is bound on first use and then called directly.
    global _engine_backward
    from gradexplorer.autograd.engine import backward

    _engine_backward = backward
    return backward(*args, **kwargs)
