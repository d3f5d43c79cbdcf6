"""The vocabulary of the expression language: every name the grammar accepts, and the words a
student (or an attacker) is likely to type instead, each with a hint.

Two tables: FUNCTIONS (each function's arity, engine op and PyTorch name; derived from the engine's
op table, gradexplorer.autograd.OPS, plus a few language-only spellings) and CONSTANTS. The lexer,
parser, printers and evaluation all read these, never copies of their own.
"""

from __future__ import annotations

import builtins
import difflib
import keyword
import math
import re
from dataclasses import dataclass

from gradexplorer.autograd import OPS, on_change

VARIABLE = "x"


@dataclass(frozen=True)
class Function:
    """A function of the language, under the name a student types and the printers write."""

    name: str  # "ln"
    arity: int
    op: str  # the engine op that computes it (gradexplorer.autograd.OPS): "log"
    torch: str  # its PyTorch function, or a template over the arguments' texts: "torch.pow({0}, 3)"
    base: float | None = None  # log10, log2: built as ln(x)/ln(base), and shown so in the graph


# Spellings of the language that are not ops of their own. "log" (an op's word) is the natural
# logarithm, as in numpy and PyTorch.
ALIASES: tuple[Function, ...] = (
    Function("ln", 1, "log", "torch.log"),
    Function("log10", 1, "log", "torch.log10", base=10.0),
    Function("log2", 1, "log", "torch.log2", base=2.0),
)


@dataclass(frozen=True)
class Constant:
    value: float
    symbol: str  # pretty form, also its label in the graph: "π"
    python: str  # in the printed PyTorch program: "math.pi"


CONSTANTS: dict[str, Constant] = {
    "pi": Constant(math.pi, "π", "math.pi"),
    "e": Constant(math.e, "e", "math.e"),
}

# In alphabet order: this is also the order of their sliders after the Latin letters.
GREEK: tuple[str, ...] = (
    "alpha",
    "beta",
    "gamma",
    "delta",
    "epsilon",
    "zeta",
    "eta",
    "theta",
    "iota",
    "kappa",
    "lambda",
    "mu",
    "nu",
    "xi",
    "omicron",
    "rho",
    "sigma",
    "tau",
    "upsilon",
    "phi",
    "chi",
    "psi",
    "omega",
)
GREEK_SYMBOLS: dict[str, str] = dict(zip(GREEK, "αβγδεζηθικλμνξορστυφχψω", strict=True))

LETTERS = "abcdefghijklmnopqrstuvwxyz"

# Derived from the op table, so rebuilt in place (the lexer and parser hold these very objects)
# whenever an op is defined or removed; read-only everywhere else.
FUNCTIONS: dict[str, Function] = {}
# Every multi-letter name, longest first, for splitting glued words like "sinx" or "pix".
MULTI_LETTER: list[str] = []
KNOWN: set[str] = set()
# Python words are never split into letters: "import os" must read as an error, not i·m·p·o·r·t·o·s.
PYTHON_WORDS: set[str] = set()
_PYTHON = {w for w in {*keyword.kwlist, *keyword.softkwlist, *dir(builtins)} if w.islower()}

_INVERSE = "is not available here"
# Words students type from other notations, with what to write instead. A word that starts with
# one of these is refused rather than split into letters (arcsin would otherwise be a·r·c·sin).
MISTAKES: dict[str, str] = {
    "arcsin": "write asin(x)",
    "arccos": "write acos(x)",
    "arctan": "write atan(x)",
    "asinh": f"asinh {_INVERSE}",
    "acosh": f"acosh {_INVERSE}",
    "atanh": f"atanh {_INVERSE}",
    "arsinh": f"arsinh {_INVERSE}",
    "sec": "write 1/cos(x)",
    "csc": "write 1/sin(x)",
    "cosec": "write 1/sin(x)",
    "cot": "write 1/tan(x)",
    "sen": "write sin(x)",
    "tg": "write tan(x)",
    "lg": "write log10(x)",
    "sqr": "write sqrt(x) for a square root or x^2 for a square",
    "cbrt": "write x^(1/3)",
    "root": "write sqrt(x) or x^(1/n)",
    "pow": "write x^n",
    "power": "write x^n",
    "sgn": "sign is not available",
    "sign": "sign is not available",
    "floor": "floor is not available",
    "ceil": "ceil is not available",
    "round": "round is not available",
    "mod": "modulo is not available",
    "fact": "factorial is not available",
    "sine": "write sin(x)",
    "cosine": "write cos(x)",
    "tangent": "write tan(x)",
    "logistic": "write sigmoid(x)",
    "heaviside": "not available; relu(x) is the ramp",
    "inf": "infinity is not a number you can type here",
    "nan": "nan is not a number you can type here",
}

_LOG_BASE = re.compile(r"log_?(\d+)")

# ----- names a student defines (u = x + x; u^2 + 3u)

SUBSCRIPT_DIGITS = "₀₁₂₃₄₅₆₇₈₉"
_TO_SUBSCRIPT = str.maketrans("0123456789", SUBSCRIPT_DIGITS)
_SUBSCRIPTED = re.compile(r"([A-Za-z]+)_(\d+)")
_NAME_EXAMPLES = "u_1, b_2 or alpha_1"


def can_take_subscript(base: str) -> bool:
    """A letter other than x and e, or a Greek name: what may carry a subscript (u_1)."""
    return base in GREEK or (len(base) == 1 and base in LETTERS and base not in (VARIABLE, "e"))


def subscript_problem(word: str) -> tuple[str | None, str | None] | None:
    """None for a well-formed subscripted name (u_1); (message, hint) for a word that tries to
    be one and is not (x_1, sin_1); (None, None) for a word that is no such attempt (foo_bar),
    which the lexer reports its usual way."""
    m = _SUBSCRIPTED.fullmatch(word)
    if m is None:
        return (None, None)
    base = m.group(1)
    if can_take_subscript(base):
        return None
    if base.lower() != base and can_take_subscript(base.lower()):
        return (f"unknown name {word}", f"names are lowercase: {base.lower()}_{m.group(2)}")
    if base == VARIABLE:
        why = "x is the variable"
    elif base in CONSTANTS:
        why = f"{base} is a constant"
    elif base in FUNCTIONS:
        why = f"{base} is a function"
    else:
        return (
            f"unknown name {word}",
            f"a subscripted name is one letter or Greek name: {_NAME_EXAMPLES}",
        )
    return (f"{why}: it cannot take a subscript", f"name your value {_NAME_EXAMPLES}")


def display_name(name: str) -> str:
    """How a name is shown: u_12 -> u₁₂, alpha_1 -> α₁, lambda -> λ."""
    base, _, digits = name.partition("_")
    return GREEK_SYMBOLS.get(base, base) + digits.translate(_TO_SUBSCRIPT)


def definition_problem(name: str) -> tuple[str, str] | None:
    """Why a name cannot be defined ("x = ...", "pi = ...", "sin = ..."), or None."""
    if name == VARIABLE:
        return ("x is the variable: it cannot be defined", "name your value u, v, u_1 or alpha")
    if name in CONSTANTS:
        return (
            f"{name} is a constant ({CONSTANTS[name].value:.6g}): it cannot be defined",
            "name your value u, v or u_1",
        )
    if name in FUNCTIONS:
        return (f"{name} is a function: it cannot be defined", "name your value u, v or u_1")
    return None


def mistake_for(word: str) -> str | None:
    """The hint for a word that is a known mistake (or starts with one), else None."""
    if word in PYTHON_WORDS:
        return "expressions are maths, not Python code"
    m = _LOG_BASE.fullmatch(word)
    if m and word not in FUNCTIONS:
        return f"only ln, log (natural), log2 and log10 exist; write ln(x)/ln({m.group(1)})"
    longest_known = max((len(n) for n in MULTI_LETTER if word.startswith(n)), default=1)
    for wrong, hint in MISTAKES.items():
        if word.startswith(wrong) and len(wrong) > longest_known:
            return hint
    return None


def did_you_mean(word: str) -> str | None:
    """The closest known name, for "unknown name Sin, did you mean sin?"."""
    lowered = word.lower()
    if lowered != word and lowered.isalpha() and lowered.isascii():
        return lowered  # "Sin" -> "sin", "PI" -> "pi", "sinX" -> "sinx"
    candidates = sorted(KNOWN - set(LETTERS))
    close = difflib.get_close_matches(lowered, candidates, n=1, cutoff=0.75)
    return close[0] if close else None


def _refresh() -> None:
    """Rebuild the tables derived from the op table. Raises ValueError, leaving them as they
    were, if an op's word is not a fresh lowercase name (define_op then undoes the op)."""
    functions = {f.name: f for f in ALIASES}
    for op in OPS.values():
        for word in op.words:
            taken = word in functions or word in CONSTANTS or word in GREEK or word == VARIABLE
            if taken or len(word) < 2 or not re.fullmatch(r"[a-z][a-z0-9]*", word):
                raise ValueError(f"{word!r} cannot be a function of the expression language")
            functions[word] = Function(word, op.arity, op.name, op.torch)
    FUNCTIONS.clear()
    FUNCTIONS.update(functions)
    KNOWN.clear()
    KNOWN.update(FUNCTIONS, CONSTANTS, GREEK, LETTERS)
    MULTI_LETTER[:] = sorted(KNOWN - set(LETTERS), key=len, reverse=True)
    PYTHON_WORDS.clear()
    PYTHON_WORDS.update(_PYTHON - KNOWN)


_refresh()
on_change(_refresh)
