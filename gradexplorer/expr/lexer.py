"""Text -> tokens, with every token's span in the original text.

Unicode a student pastes is mapped here (− × ÷ · π ² ³ √, non-breaking space); any other
non-ASCII character is refused by name. A function, constant or Greek name glued to what follows
is split as on a board ("sinx" is sin x, "pix" is pi·x); any other unknown word is an error.

Definitions ("u = x + x; u^2 + 3u") bring ';' and line breaks (tokens ";" and "nl"; the parser's
statement step decides which line breaks end a statement) and subscripted names: u_1 or u₁,
a single letter other than x and e, or a Greek name, then '_' and digits.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from gradexplorer.errors import ExprError
from gradexplorer.expr.names import (
    CONSTANTS,
    GREEK,
    KNOWN,
    LETTERS,
    MULTI_LETTER,
    SUBSCRIPT_DIGITS,
    did_you_mean,
    mistake_for,
    subscript_problem,
)

MAX_LENGTH = 500

# Token kinds: "num", "name", "op" (value one of + - * / ^), "(", ")", "|", ",", "=", ";",
# "nl" (a line break), "sup" (a run of superscript digits, value the exponent), "eof".


@dataclass(frozen=True, slots=True)
class Token:
    kind: str
    value: str
    start: int
    end: int
    number: float = 0.0  # for "num" and "sup"


_SPACE = frozenset(" \t\r\f\v\u00a0\u2009\u202f")
_OPERATORS = {
    "+": "+",
    "-": "-",
    "−": "-",
    "*": "*",
    "×": "*",
    "·": "*",
    "⋅": "*",
    "/": "/",
    "÷": "/",
    "^": "^",
}
_PUNCT = {"(": "(", ")": ")", "|": "|", ",": ",", "=": "=", ";": ";"}
_SUPERSCRIPTS = {"²": 2, "³": 3}
# A constant pasted as its symbol (π) is read as its name.
_CONSTANT_SYMBOLS = {c.symbol: name for name, c in CONSTANTS.items() if not c.symbol.isascii()}
_DIGITS = frozenset("0123456789")
_WORD_START = frozenset(LETTERS + LETTERS.upper() + "_")
_WORD_CHARS = _WORD_START | _DIGITS | frozenset(SUBSCRIPT_DIGITS)
# u₁ is typed u_1: a word's subscript digits become "_" and the digits.
_FROM_SUBSCRIPT = {c: str(i) for i, c in enumerate(SUBSCRIPT_DIGITS)}
_GLUED_SUBSCRIPT = re.compile(r"[a-z]+_\d+")

_REFUSED_ASCII = {
    "'": ("text in quotes is not allowed", None),
    '"': ("text in quotes is not allowed", None),
    "[": ("square brackets are not allowed", "use ( ) for grouping"),
    "]": ("square brackets are not allowed", "use ( ) for grouping"),
    "{": ("curly braces are not allowed", "use ( ) for grouping"),
    "}": ("curly braces are not allowed", "use ( ) for grouping"),
    "<": ("comparisons are not supported", None),
    ">": ("comparisons are not supported", None),
    "!": ("'!' is not supported (no factorials or comparisons)", None),
    ":": ("':' is not allowed", None),
    "%": ("'%' is not supported", "for a percentage write /100"),
    "\\": ("backslashes are not allowed", "write sqrt(x), not \\sqrt{x}"),
}


def tokenize(text: str) -> list[Token]:
    """Split text into tokens. Raises ExprError for anything outside the language."""
    if len(text) > MAX_LENGTH:
        shown = text[:MAX_LENGTH] + "…"
        raise ExprError(
            f"the expression is too long ({len(text)} characters; at most {MAX_LENGTH})",
            MAX_LENGTH,
            MAX_LENGTH + 1,
            text=shown,
            hint="shorten it",
        )
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in _SPACE:
            i += 1
        elif c == "\n":
            tokens.append(Token("nl", c, i, i + 1))
            i += 1
        elif c in _DIGITS or (c == "." and i + 1 < n and text[i + 1] in _DIGITS):
            i = _number(text, i, tokens)
        elif c in _WORD_START:
            j = i
            while j < n and text[j] in _WORD_CHARS:
                j += 1
            tokens.extend(_split_word(text, i, j))
            i = j
        elif c == "*" and i + 1 < n and text[i + 1] == "*":
            tokens.append(Token("op", "^", i, i + 2))
            i += 2
        elif c in _OPERATORS:
            tokens.append(Token("op", _OPERATORS[c], i, i + 1))
            i += 1
        elif c in _PUNCT:
            if c == "=" and i + 1 < n and text[i + 1] == "=":
                raise ExprError("comparisons are not supported", i, i + 2, text=text)
            tokens.append(Token(_PUNCT[c], c, i, i + 1))
            i += 1
        elif c in _SUPERSCRIPTS:
            j, power = i, 0
            while j < n and text[j] in _SUPERSCRIPTS:
                power = power * 10 + _SUPERSCRIPTS[text[j]]
                j += 1
            tokens.append(Token("sup", text[i:j], i, j, float(power)))
            i = j
        elif c in _CONSTANT_SYMBOLS:
            tokens.append(Token("name", _CONSTANT_SYMBOLS[c], i, i + 1))
            i += 1
        elif c == "√":
            tokens.append(Token("name", "sqrt", i, i + 1))
            i += 1
        elif c == ".":
            _refuse_dot(text, i, tokens)
        else:
            _refuse_character(text, i)
    tokens.append(Token("eof", "", n, n))
    return tokens


def _number(text: str, i: int, tokens: list[Token]) -> int:
    n = len(text)
    j = i
    while j < n and text[j] in _DIGITS:
        j += 1
    if j < n and text[j] == ".":
        j += 1
        while j < n and text[j] in _DIGITS:
            j += 1
    # An exponent only when digits follow: 2e3 is 2000, but 2e is 2·e and 2e-x is 2e − x.
    if j < n and text[j] in "eE":
        k = j + 1
        if k < n and text[k] in "+-−":
            k += 1
        if k < n and text[k] in _DIGITS:
            while k < n and text[k] in _DIGITS:
                k += 1
            j = k
    if j < n and text[j] == ".":
        raise ExprError(
            "a number can have only one decimal point", i, j + 1, text=text, hint="write 1.5"
        )
    literal = text[i:j].replace("−", "-")
    value = float(literal)
    if value == float("inf"):
        raise ExprError(
            "this number is too large", i, j, text=text, hint="numbers must stay below 1.8e308"
        )
    tokens.append(Token("num", text[i:j], i, j, value))
    return j


def _subscripted(word: str) -> str:
    """u₁ -> u_1 (a word with subscript digits is written with '_' and digits)."""
    out, in_subscript = [], False
    for c in word:
        digit = _FROM_SUBSCRIPT.get(c)
        if digit is not None and not in_subscript:
            out.append("_")
        in_subscript = digit is not None
        out.append(c if digit is None else digit)
    return "".join(out)


def _split_word(text: str, start: int, end: int) -> list[Token]:
    word = _subscripted(text[start:end])
    if word in KNOWN:
        return [Token("name", word, start, end)]
    if "_" in word:
        problem = subscript_problem(word)
        if problem is None:
            return [Token("name", word, start, end)]
        if problem[0] is not None:
            raise ExprError(problem[0], start, end, text=text, hint=problem[1])
    if word.islower():
        hint = mistake_for(word)
        if hint is not None:
            raise ExprError(f"unknown name {word}", start, end, text=text, hint=hint)
    pieces: list[Token] = []
    i = 0
    while i < len(word):
        name = next((m for m in MULTI_LETTER if word.startswith(m, i)), None)
        if name is None and word[i] in LETTERS:
            name = word[i]
        if name is not None:
            pieces.append(Token("name", name, start + i, start + i + len(name)))
            i += len(name)
            continue
        if word[i] in _DIGITS and i > 0 and (word[:i] in KNOWN or word[:i].islower()):
            j = i
            while j < len(word) and word[j] in _DIGITS:
                j += 1
            head, digits = word[:i], word[i:j]
            raise ExprError(
                f"a number cannot follow a name directly: {word}",
                start,
                end,
                text=text,
                hint=f"write {head}^{digits} for a power or {digits}{head} for a product",
            )
        raise _unknown(word, text, start, end)
    # A function, constant or Greek name may be glued to what follows (sinx, pix, lnx, alphax);
    # single letters may not (ax, foo): an unknown word is an error, never a silent product.
    if any(len(p.value) == 1 for p in pieces[:-1]):
        spaced = " ".join(p.value for p in pieces)
        hint = "to multiply, separate the names: " + spaced
        guess = did_you_mean(word) if len(word) >= 4 else None
        fix = None
        if guess is not None:
            hint = f"did you mean {guess}? Or {hint}"
        elif not text[end:].lstrip().startswith("("):  # "foo(x)" means a function, not f·o·o
            fix = text[:start] + spaced + text[end:]  # nothing else it could mean
        raise ExprError(f"unknown name {word}", start, end, text=text, hint=hint, fix=fix)
    return pieces


def _unknown(word: str, text: str, start: int, end: int) -> ExprError:
    guess = did_you_mean(word)
    if guess is not None and guess == word.lower():
        return ExprError(
            f"unknown name {word}",
            start,
            end,
            text=text,
            hint=f"names are case-sensitive: write {guess}",
            fix=text[:start] + guess + text[end:],
        )
    if guess is not None:
        return ExprError(f"unknown name {word}, did you mean {guess}?", start, end, text=text)
    glued = _GLUED_SUBSCRIPT.match(word)
    if glued is not None and glued.end() < len(word):
        hint = f"to multiply, separate the names: {glued.group(0)} {word[glued.end() :]}"
    elif "_" in word:
        hint = "a subscripted name is one letter or Greek name, '_' and digits, as in u_1"
    else:
        hint = "the variable is x; other single letters and Greek names become parameters"
    return ExprError(f"unknown name {word}", start, end, text=text, hint=hint)


def _refuse_dot(text: str, i: int, tokens: list[Token]) -> None:
    after_name = tokens and tokens[-1].end == i and tokens[-1].kind in ("name", ")", "num")
    if after_name and i + 1 < len(text) and text[i + 1] in _WORD_START:
        raise ExprError("attribute access (.) is not allowed", i, i + 1, text=text)
    raise ExprError(
        "a '.' must be part of a number", i, i + 1, text=text, hint="write 0.5 or .5, not ."
    )


def _refuse_character(text: str, i: int) -> None:
    c = text[i]
    if c in _REFUSED_ASCII:
        message, hint = _REFUSED_ASCII[c]
        raise ExprError(message, i, i + 1, text=text, hint=hint)
    code = f"U+{ord(c):04X}"
    name = unicodedata.name(c, "")
    shown = f"'{c}' " if c.isprintable() and not c.isspace() else ""
    hint = None
    lowered = name.lower()
    greek = lowered.removeprefix("greek small letter ").removeprefix("greek capital letter ")
    if greek != lowered:
        greek = {"lamda": "lambda"}.get(greek, greek)
        hint = f"type its name instead: {greek}" if greek in GREEK else None
    elif "superscript" in lowered:
        hint = "write powers with ^, as in x^4 (only ² and ³ can be pasted)"
    elif "digit" in lowered:
        hint = "use the digits 0-9"
    elif c.isspace():
        hint = "use an ordinary space"
    elif "minus" in lowered or "dash" in lowered or "hyphen" in lowered:
        hint = "use - for minus"
    readable = f" ({name.lower()})" if name else ""
    raise ExprError(
        f"character {shown}{code}{readable} is not allowed", i, i + 1, text=text, hint=hint
    )
