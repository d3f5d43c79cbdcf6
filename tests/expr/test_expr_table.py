"""The language rule by rule: typed text -> value at a point, computed independently with
`math`, or -> the expected error with its exact span."""

from __future__ import annotations

import math

import pytest

from gradexplorer.expr import MAX_LENGTH, ExprError, parse

X = 0.7  # inside every function's domain (asin, acos, log, sqrt)
E, PI = math.e, math.pi


def sig(t: float) -> float:
    return 1.0 / (1.0 + math.exp(-t))


# (text, params, expected value at x = X). Params not listed are 1.
VALUES: list[tuple[str, dict[str, float], float]] = [
    # numbers
    ("2", {}, 2.0),
    ("2.5", {}, 2.5),
    ("2.", {}, 2.0),
    (".5", {}, 0.5),
    ("1e-3", {}, 0.001),
    ("2E3", {}, 2000.0),
    ("2e3", {}, 2000.0),
    ("2e+3", {}, 2000.0),
    ("2e", {}, 2 * E),
    ("2e-x", {}, 2 * E - X),
    ("2e+x", {}, 2 * E + X),
    ("1.5e2x", {}, 150 * X),
    ("2.5e-1x", {}, 0.25 * X),
    ("0.000", {}, 0.0),
    # operators and precedence
    ("x+1", {}, X + 1),
    ("x - 1", {}, X - 1),
    ("x -1", {}, X - 1),
    ("3*x", {}, 3 * X),
    ("x/4", {}, X / 4),
    ("x^2", {}, X**2),
    ("x**3", {}, X**3),
    ("2^3^2", {}, 512.0),
    ("2**3**2", {}, 512.0),
    ("(2^3)^2", {}, 64.0),
    ("-x^2", {}, -(X**2)),
    ("2^-x^2", {}, 2 ** (-(X**2))),
    ("x^2^-1", {}, X**0.5),
    ("2*-3", {}, -6.0),
    ("--x", {}, X),
    ("-+-x", {}, X),
    ("x - -x", {}, 2 * X),
    ("-2x", {}, -2 * X),
    ("1 - x + x^2 - x^3", {}, 1 - X + X**2 - X**3),
    ("8/4/2", {}, 1.0),
    ("2-3-4", {}, -5.0),
    ("(x)", {}, X),
    ("((((x))))", {}, X),
    ("(1+x)^(1/x)", {}, (1 + X) ** (1 / X)),
    # implicit multiplication
    ("3x", {}, 3 * X),
    ("2 x", {}, 2 * X),
    ("3(x+1)", {}, 3 * (X + 1)),
    ("(x+1)(x-1)", {}, (X + 1) * (X - 1)),
    ("x(x+1)", {}, X * (X + 1)),
    ("2pi", {}, 2 * PI),
    ("pi x", {}, PI * X),
    ("2sin(x)", {}, 2 * math.sin(X)),
    ("sin(x)cos(x)", {}, math.sin(X) * math.cos(X)),
    ("a x^2 + b x + c", {"a": 2, "b": 3, "c": 5}, 2 * X**2 + 3 * X + 5),
    ("1/2x", {}, 0.5 * X),
    ("x/2x", {}, X / 2 * X),
    ("2x^2", {}, 2 * X**2),
    ("2x/3x", {}, 2 * X / 3 * X),
    ("a x", {"a": 3}, 3 * X),
    ("2a x^2", {"a": 3}, 6 * X**2),
    ("pix", {}, PI * X),
    ("x e", {}, X * E),
    ("alphax", {"alpha": 3}, 3 * X),
    ("sinpix", {}, math.sin(PI * X)),
    ("cosa", {"a": 2}, math.cos(2)),
    ("x y", {"y": 2}, 2 * X),
    ("2|x|", {}, 2 * X),
    # functions
    ("sin(x)", {}, math.sin(X)),
    ("cos(x)", {}, math.cos(X)),
    ("tan(x)", {}, math.tan(X)),
    ("asin(x)", {}, math.asin(X)),
    ("acos(x)", {}, math.acos(X)),
    ("atan(x)", {}, math.atan(X)),
    ("sinh(x)", {}, math.sinh(X)),
    ("cosh(x)", {}, math.cosh(X)),
    ("tanh(x)", {}, math.tanh(X)),
    ("exp(x)", {}, math.exp(X)),
    ("ln(x)", {}, math.log(X)),
    ("log(x)", {}, math.log(X)),
    ("log10(x)", {}, math.log10(X)),
    ("log2(x)", {}, math.log2(X)),
    ("sqrt(x)", {}, math.sqrt(X)),
    ("abs(-x)", {}, X),
    ("sigmoid(x)", {}, sig(X)),
    ("relu(x)", {}, X),
    ("relu(-x)", {}, 0.0),
    ("softplus(x)", {}, math.log1p(math.exp(X))),
    ("max(x, 0.5)", {}, X),
    ("min(x, 0.5)", {}, 0.5),
    ("max(x^2, 1 - x)", {}, max(X**2, 1 - X)),
    ("log(e)", {}, 1.0),
    ("ln(e^2)", {}, 2.0),
    ("log10(1000)", {}, 3.0),
    ("log2(8)", {}, 3.0),
    ("sigmoid(0)", {}, 0.5),
    ("softplus(0)", {}, math.log(2)),
    ("atan(1)*4", {}, PI),
    ("tan(pi/4)", {}, 1.0),
    ("|x - 3|", {}, 3 - X),
    ("||x|-1|", {}, 1 - X),
    ("|sin x|", {}, math.sin(X)),
    # textbook application
    ("sin x", {}, math.sin(X)),
    ("sin 2x", {}, math.sin(2 * X)),
    ("sin x + 1", {}, math.sin(X) + 1),
    ("sinx", {}, math.sin(X)),
    ("sin x^2", {}, math.sin(X**2)),
    ("sin -x", {}, math.sin(-X)),
    ("sin x cos x", {}, math.sin(X) * math.cos(X)),
    ("sin sin x", {}, math.sin(math.sin(X))),
    ("sqrt x + 1", {}, math.sqrt(X) + 1),
    ("lnx", {}, math.log(X)),
    ("log10x", {}, math.log10(X)),
    ("sin^2(x)", {}, math.sin(X) ** 2),
    ("sin^2 x", {}, math.sin(X) ** 2),
    ("sin(x)^2", {}, math.sin(X) ** 2),
    ("cos^2(x) + sin^2(x)", {}, 1.0),
    ("sinh x / cosh x - tanh x", {}, 0.0),
    # pasted Unicode
    ("sin²(x)", {}, math.sin(X) ** 2),
    ("x²", {}, X**2),
    ("x³", {}, X**3),
    ("x² + x³", {}, X**2 + X**3),
    ("x²³", {}, X**23),  # a run of superscripts is one exponent, as written
    ("2e−3", {}, 0.002),  # a pasted minus in an exponent
    ("2e−3x", {}, 0.002 * X),
    ("3 − x", {}, 3 - X),
    ("3 × x", {}, 3 * X),
    ("3 ÷ x", {}, 3 / X),
    ("3 · x", {}, 3 * X),
    ("3\u00a0x", {}, 3 * X),
    ("π x", {}, PI * X),
    ("2π", {}, 2 * PI),
    ("√x", {}, math.sqrt(X)),
    ("√(x+1)", {}, math.sqrt(X + 1)),
    ("2√x", {}, 2 * math.sqrt(X)),
    # definitions
    ("y = x^2", {}, X**2),
    ("y=2x", {}, 2 * X),
    ("f(x) = x^2 + 1", {}, X**2 + 1),
    ("g(x)=3x", {}, 3 * X),
    ("e(x)", {}, E * X),  # e is Euler's number, so this is a product (and e(x) = ... an error)
    # constants and parameters
    ("e^x", {}, math.exp(X)),
    ("e^-x^2", {}, math.exp(-(X**2))),
    ("exp(-x^2/2)", {}, math.exp(-(X**2) / 2)),
    ("alpha x + beta", {"alpha": 2, "beta": 3}, 2 * X + 3),
    ("lambda x", {"lambda": 4}, 4 * X),
    ("omega x", {}, X),
    ("a", {}, 1.0),
    ("k x", {"k": 3}, 3 * X),
    ("theta^2", {"theta": 3}, 9.0),
    # IEEE arithmetic, never big integers
    ("9^9^9^9", {}, math.inf),
    ("log(0)", {}, math.nan),  # a pole: undefined, not -inf
    ("1/0", {}, math.nan),
    ("0/0", {}, math.nan),
    ("sqrt(-1)", {}, math.nan),
    ("x^0.5", {}, X**0.5),
]


def _same(got: float, want: float) -> bool:
    if math.isnan(want):
        return math.isnan(got)
    if math.isinf(want):
        return got == want
    return math.isclose(got, want, rel_tol=1e-12, abs_tol=1e-12)


@pytest.mark.parametrize(("text", "params", "expected"), VALUES, ids=[v[0] for v in VALUES])
def test_value_at_a_point(text: str, params: dict[str, float], expected: float) -> None:
    e = parse(text)
    got = e.at(X, params).value
    assert _same(got, expected), (text, e.canonical, got, expected)
    # The canonical text means the same thing: same tree, same value.
    again = parse(e.canonical)
    assert again == e
    assert _same(again.at(X, params).value, expected)


# (text, start, end, a piece of the message)
ERRORS: list[tuple[str, int, int, str]] = [
    ("", 0, 0, "empty"),
    ("   ", 0, 3, "empty"),
    ("x^^2", 2, 3, "cannot follow '^'"),
    ("x ** * 2", 5, 6, "cannot follow"),
    ("2 3", 0, 3, "two numbers"),
    ("2 + 3 4", 4, 7, "two numbers"),
    ("x 2", 2, 3, "number cannot follow"),
    ("(x+1)2", 5, 6, "number cannot follow"),
    ("x2", 0, 2, "number cannot follow a name"),
    ("Sin(x)", 0, 3, "unknown name Sin"),
    ("X", 0, 1, "unknown name X"),
    ("PI", 0, 2, "unknown name PI"),
    ("sin^-1(x)", 0, 6, "inverse"),
    ("sin^-1 x", 0, 6, "inverse"),
    ("cos^-1(x)", 0, 6, "inverse"),
    ("(x", 0, 1, "missing ')'"),
    ("sin(x", 3, 4, "missing ')'"),
    ("x)", 1, 2, "unmatched ')'"),
    ("|x", 0, 1, "missing closing '|'"),
    ("x +", 2, 3, "ends too early"),
    ("2^", 1, 2, "ends too early"),
    ("* x", 0, 1, "needs something on its left"),
    ("()", 0, 2, "empty parentheses"),
    ("sin", 0, 3, "needs an argument"),
    ("sin()", 3, 5, "needs an argument"),
    ("max(x)", 3, 6, "takes 2 arguments"),
    ("sin(x, 2)", 3, 9, "takes 1 argument"),
    ("max x", 0, 3, "parentheses"),
    ("x,2", 1, 2, "','"),
    ("²", 0, 1, "raise"),
    ("y =", 2, 3, "nothing after '='"),
    ("f(x) =", 5, 6, "nothing after '='"),
    ("x = 3", 2, 3, "'=' is only allowed"),
    ("e(x) = x^2", 5, 6, "'=' is only allowed"),  # not a definition: e is a number
    ("x(x) = x^2", 5, 6, "'=' is only allowed"),
    ("x == 2", 2, 4, "comparisons"),
    ("x < 2", 2, 3, "comparisons"),
    ("x!", 1, 2, "'!'"),
    ("x % 2", 2, 3, "'%'"),
    ("x; y", 1, 2, "one expression"),
    ("1.2.3", 0, 4, "decimal point"),
    (".", 0, 1, "'.'"),
    ("1e999", 0, 5, "too large"),
    ("9" * 400, 0, 400, "too large"),
    # code, not maths
    ("import os", 0, 6, "unknown name import"),
    ("__import__('os')", 0, 10, "unknown name __import__"),
    ("os.system('ls')", 0, 2, "unknown name os"),
    ("x.system", 1, 2, "attribute"),
    ("x.real", 1, 2, "attribute"),
    ("x[0]", 1, 2, "square brackets"),
    ("'abc'", 0, 1, "quotes"),
    ('"abc"', 0, 1, "quotes"),
    ("lambda x: x", 8, 9, "':'"),
    ("[i for i in x]", 0, 1, "square brackets"),
    ("{x}", 0, 1, "braces"),
    ("exec('1')", 0, 4, "unknown name exec"),
    ("eval(x)", 0, 4, "unknown name eval"),
    ("print(x)", 0, 5, "unknown name print"),
    ("foo_bar", 0, 7, "unknown name foo_bar"),
    ("foo(x)", 0, 3, "unknown name foo"),
    ("ax^2", 0, 2, "unknown name ax"),
    ("2 xy", 2, 4, "unknown name xy"),
    ("srqt(x)", 0, 4, "unknown name srqt"),
    ("\\sqrt{x}", 0, 1, "backslash"),
    # names from other notations
    ("arcsin(x)", 0, 6, "unknown name arcsin"),
    ("asinh(x)", 0, 5, "unknown name asinh"),
    ("sec(x)", 0, 3, "unknown name sec"),
    ("log3(x)", 0, 4, "unknown name log3"),
    # non-ASCII: named by code point
    ("α", 0, 1, "U+03B1"),
    ("x⁴", 1, 2, "U+2074"),
    ("１", 0, 1, "U+FF11"),
    ("x\u200b", 1, 2, "U+200B"),
    ("x\x00", 1, 2, "U+0000"),
    # limits
    ("a" * 501, 500, 501, "too long"),
    ("(" * 65 + "x" + ")" * 65, 64, 65, "nested too deeply"),
    ("-" * 65 + "x", 64, 65, "nested too deeply"),
    ("x" + "^x" * 65, 129, 130, "nested too deeply"),
    ("sin(" * 65 + "x" + ")" * 65, 256, 259, "nested too deeply"),
    ("|" * 2, 0, 2, "empty"),
]


@pytest.mark.parametrize(
    ("text", "start", "end", "message"), ERRORS, ids=[e[0][:20] for e in ERRORS]
)
def test_error_with_span(text: str, start: int, end: int, message: str) -> None:
    with pytest.raises(ExprError) as info:
        parse(text)
    err = info.value
    assert message in err.message
    assert (err.start, err.end) == (start, end)
    assert err.text.startswith(text[:500])
    # The caret line sits under the span.
    carets = err.caret().split("\n")[-1]
    assert carets.index("^") == start
    assert carets.count("^") == max(1, end - start)


def test_table_is_big_enough() -> None:
    assert len(VALUES) + len(ERRORS) >= 100
    assert len(VALUES) >= 100


def test_hints_where_they_help() -> None:
    cases = {
        "x2": "x^2",
        "sin^-1(x)": "asin(x)",
        "2 3": "2*3",
        "Sin(x)": "case-sensitive",
        "arcsin(x)": "asin",
        "α x": "alpha",
        "x⁴": "^",
        "(x": "never closed",
        "log3(x)": "ln(3)",
        "ax^2": "a x",
        "srqt(x)": "did you mean sqrt?",
        "log(x, 2)": "log2(x)",
        "ln(x, 10)": "log10(x)",
        "log(x, 3)": "ln(x)/ln(b)",
        "sin(": "')'",
        "2 (x + 1": "never closed",
    }
    for text, piece in cases.items():
        with pytest.raises(ExprError) as info:
            parse(text)
        assert info.value.hint is not None and piece in info.value.hint, (text, info.value.hint)


def test_a_case_mistake_is_said_once_with_a_fix() -> None:
    """ "Sin(x)" said "did you mean sin? did you mean sin?": once is enough, and the fix is
    certain."""
    with pytest.raises(ExprError) as info:
        parse("2 Sin(x) + PI")
    err = info.value
    assert (err.message, err.hint) == ("unknown name Sin", "names are case-sensitive: write sin")
    assert err.fix == "2 sin(x) + PI"


@pytest.mark.parametrize(
    ("text", "fix"),
    [
        ("ax^2", "a x^2"),
        ("sigmoid(wx + b)", "sigmoid(w x + b)"),
        ("2 abc + 1", "2 a b c + 1"),
        ("log(x, 2)", "log2(x)"),
        ("1 + ln(x + 1, 10)", "1 + log10(x + 1)"),
        ("Cos(x)", "cos(x)"),
    ],
)
def test_certain_fixes_are_offered_and_parse(text: str, fix: str) -> None:
    with pytest.raises(ExprError) as info:
        parse(text)
    assert info.value.fix == fix
    parse(fix)  # the fix itself is valid


@pytest.mark.parametrize("text", ["srqt(x)", "log(x, 3)", "foo(x)", "x^^2", "sin("])
def test_no_fix_is_offered_when_it_is_not_certain(text: str) -> None:
    with pytest.raises(ExprError) as info:
        parse(text)
    assert info.value.fix is None


def test_exactly_max_length_characters_are_accepted() -> None:
    text = "10" + "+x" * 249
    assert len(text) == MAX_LENGTH == 500
    assert parse(text).at(X).value == pytest.approx(10 + 249 * X, rel=1e-14)
    with pytest.raises(ExprError, match="too long") as info:
        parse(text + "1")
    assert (info.value.start, info.value.end) == (500, 501)


def test_depth_64_is_still_accepted() -> None:
    assert parse("(" * 64 + "x" + ")" * 64).at(X).value == pytest.approx(X)
    assert parse("-" * 64 + "x").at(X).value == pytest.approx(X)
    assert parse(" ".join("a" * 250)).params == ("a",)
