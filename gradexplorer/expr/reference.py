"""The syntax reference the app's Help shows, generated from the language's own tables, so it
cannot go stale: every function with its arity, every constant, and examples of the ways of
writing that the parser accepts."""

from __future__ import annotations

from gradexplorer.expr.names import CONSTANTS, FUNCTIONS, GREEK, GREEK_SYMBOLS

# (what a student types, what it means): each one parses (tests/expr/test_expr_reference.py).
WRITING: tuple[tuple[str, str], ...] = (
    ("3x, 2 sin x, (x+1)(x-1)", "a product without *"),
    ("x^2, x**2, x²", "powers; 2^3^2 = 2^9"),
    ("sin^2(x)", "(sin x)²"),
    ("1/2x", "x/2, as on a board"),
    ("|x - 3|", "abs(x - 3)"),
    ("e^(-x/5)", "Euler's e; 2e3 is 2000"),
    ("y = x^2, f(x) = x^2", "a name for the function may come first"),
    ("u = x + x; u^2 + 3u", "definitions first (; or a new line): u is one node, used twice"),
    ("a x^2 + b", "every other letter is a parameter with a slider"),
    ("a x, not ax", "separate glued letters with a space"),
    ("√x, π, −, ×, ÷", "pasted maths symbols are understood"),
)


def functions() -> list[tuple[str, str]]:
    """(name as typed, how it is called) for every function, in alphabet order."""
    rows = []
    for name in sorted(FUNCTIONS):
        f = FUNCTIONS[name]
        args = "x" if f.arity == 1 else ", ".join(("a", "b", "c")[: f.arity])
        rows.append((name, f"{name}({args})"))
    return rows


def constants() -> list[tuple[str, str]]:
    return [(name, c.symbol) for name, c in sorted(CONSTANTS.items())]


def greek() -> list[tuple[str, str]]:
    return [(name, GREEK_SYMBOLS[name]) for name in GREEK]
