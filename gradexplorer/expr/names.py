"""The vocabulary of the expression language: every name the grammar accepts, and the words a
student (or an attacker) is likely to type instead, each with a hint."""

from __future__ import annotations

import builtins
import difflib
import keyword
import re

VARIABLE = "x"

# name -> number of arguments. "log" is the natural logarithm, as in numpy and PyTorch.
FUNCTIONS: dict[str, int] = {
    "sin": 1,
    "cos": 1,
    "tan": 1,
    "asin": 1,
    "acos": 1,
    "atan": 1,
    "sinh": 1,
    "cosh": 1,
    "tanh": 1,
    "exp": 1,
    "ln": 1,
    "log": 1,
    "log10": 1,
    "log2": 1,
    "sqrt": 1,
    "abs": 1,
    "sigmoid": 1,
    "relu": 1,
    "softplus": 1,
    "max": 2,
    "min": 2,
}

CONSTANTS: dict[str, float] = {"pi": 3.141592653589793, "e": 2.718281828459045}

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
PARAM_LETTERS = tuple(c for c in LETTERS if c not in (VARIABLE, "e"))

# Every multi-letter name, longest first, for splitting glued words like "sinx" or "pix".
MULTI_LETTER: tuple[str, ...] = tuple(
    sorted({*FUNCTIONS, *CONSTANTS, *GREEK} - set(LETTERS), key=len, reverse=True)
)
KNOWN: frozenset[str] = frozenset({*FUNCTIONS, *CONSTANTS, *GREEK, *LETTERS})

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

# Python words are never split into letters: "import os" must read as an error, not i·m·p·o·r·t·o·s.
PYTHON_WORDS: frozenset[str] = (
    frozenset(w for w in {*keyword.kwlist, *keyword.softkwlist, *dir(builtins)} if w.islower())
    - KNOWN
)

_LOG_BASE = re.compile(r"log_?(\d+)")


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
