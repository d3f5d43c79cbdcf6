"""The syntax tree. Every node keeps its span in the original text; spans never take part in
comparisons, so "3x" and "3*x" give equal structures.

Trees can be a few hundred levels deep (a 500-character chain "x+x+...+x"), so walkers use
`fold`, which is iterative, instead of recursion.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

Span = tuple[int, int]
R = TypeVar("R")


@dataclass(frozen=True, eq=False, slots=True)
class Node:
    span: Span = field(default=(0, 0), kw_only=True)

    @property
    def children(self) -> tuple[Node, ...]:
        return ()

    def key(self) -> tuple[Any, ...]:
        """What identifies this node apart from its children (for structural comparison)."""
        return (type(self).__name__,)


@dataclass(frozen=True, eq=False, slots=True)
class Num(Node):
    value: float
    text: str = ""

    def key(self) -> tuple[Any, ...]:
        return ("Num", self.value)


@dataclass(frozen=True, eq=False, slots=True)
class Var(Node):
    """An input of the function: x, or a name its signature declares (f(w, b) = ...)."""

    name: str = "x"

    def key(self) -> tuple[Any, ...]:
        return ("Var", self.name)


@dataclass(frozen=True, eq=False, slots=True)
class Const(Node):
    name: str  # "pi" or "e"

    def key(self) -> tuple[Any, ...]:
        return ("Const", self.name)


@dataclass(frozen=True, eq=False, slots=True)
class Param(Node):
    name: str

    def key(self) -> tuple[Any, ...]:
        return ("Param", self.name)


@dataclass(frozen=True, eq=False, slots=True)
class Ref(Node):
    """A use of a defined name (u in "u = x + x; u^2 + 3u"): it stands for the definition's
    value, which is built once, so every use is the same node of the engine's graph."""

    name: str  # as typed in canonical form: "u", "u_1", "alpha_2"

    def key(self) -> tuple[Any, ...]:
        return ("Ref", self.name)


@dataclass(frozen=True, eq=False, slots=True)
class Definition:
    """One statement before the expression: name = value. span: where the name is."""

    name: str
    value: Node
    span: Span = (0, 0)


@dataclass(frozen=True, eq=False, slots=True)
class Neg(Node):
    operand: Node

    @property
    def children(self) -> tuple[Node, ...]:
        return (self.operand,)


@dataclass(frozen=True, eq=False, slots=True)
class BinOp(Node):
    op: str  # one of + - * / ^
    left: Node
    right: Node
    implicit: bool = False  # "3x" rather than "3*x": only the pretty form cares

    @property
    def children(self) -> tuple[Node, ...]:
        return (self.left, self.right)

    def key(self) -> tuple[Any, ...]:
        return ("BinOp", self.op)


@dataclass(frozen=True, eq=False, slots=True)
class Call(Node):
    func: str
    args: tuple[Node, ...]

    @property
    def children(self) -> tuple[Node, ...]:
        return self.args

    def key(self) -> tuple[Any, ...]:
        return ("Call", self.func, len(self.args))


def fold(root: Node, combine: Callable[[Node, list[R]], R]) -> R:
    """Post-order evaluation without recursion: combine(node, results of its children)."""
    results: list[R] = []
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        children = node.children
        if expanded or not children:
            k = len(children)
            args = results[len(results) - k :] if k else []
            if k:
                del results[len(results) - k :]
            results.append(combine(node, args))
        else:
            stack.append((node, True))
            stack.extend((c, False) for c in reversed(children))
    return results[0]


def walk(root: Node) -> Iterator[Node]:
    """Every node, parents before children (pre-order), without recursion."""
    stack = [root]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(node.children))


def structure(root: Node) -> tuple[tuple[Any, ...], ...]:
    """A flat, comparable description of the tree (pre-order keys; arities are implied)."""
    return tuple(n.key() for n in walk(root))


def program_structure(
    definitions: tuple[Definition, ...], root: Node
) -> tuple[tuple[Any, ...], ...]:
    """structure() of the definitions, in order, then of the expression (the expression's
    alone when there are no definitions)."""
    head = tuple(k for d in definitions for k in (("Def", d.name), *structure(d.value)))
    return head + structure(root)
