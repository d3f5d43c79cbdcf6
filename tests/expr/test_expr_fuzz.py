"""The parser is a security boundary: for any text, only ExprError ever escapes, nothing runs,
nothing hangs. What it accepts, its canonical text says exactly: that text parses back to the same
tree and evaluates to the same numbers, bit for bit."""

from __future__ import annotations

import math
import struct
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gradexplorer.expr import MAX_LENGTH, ExprError, Expression, parse
from gradexplorer.expr.names import CONSTANTS, FUNCTIONS, GREEK, GREEK_SYMBOLS, LETTERS, VARIABLE
from gradexplorer.expr.nodes import BinOp, Call, Const, Neg, Node, Num, Param, Var, structure
from gradexplorer.expr.parser import parse_tree
from gradexplorer.expr.printers import canonical, pretty

FUZZ = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
# Single letters that are parameters: not the variable, not a constant (e).
PARAM_LETTERS = tuple(c for c in LETTERS if c != VARIABLE and c not in CONSTANTS)
# Characters the grammar cares about, so that fuzzing reaches deep into the parser.
GRAMMAR_CHARS = "x0123456789.eE+-*/^()|, =abcsinotlgqrphmy²³√π−×÷·\u00a0"
POINTS = (0.5, -2.0)


def _same(a: float, b: float) -> bool:
    """The same float bit for bit (0.0 and -0.0 differ), or both nan."""
    return (math.isnan(a) and math.isnan(b)) or struct.pack("<d", a) == struct.pack("<d", b)


def _same_numbers(e: Expression, again: Expression) -> None:
    params = dict.fromkeys(e.params, 0.75)
    for x in POINTS:
        p, q = e.at(x, params), again.at(x, params)
        pairs = [(p.value, q.value), (p.derivative, q.derivative)]
        pairs.append((p.second_derivative, q.second_derivative))
        assert all(_same(a, b) for a, b in pairs), (e.canonical, x, pairs)


def _check(text: str) -> None:
    """Either an ExprError whose span lies in the text, or an expression whose canonical text
    parses back to the same tree and gives the same numbers. Any other exception fails."""
    try:
        e = parse(text)
    except ExprError as err:
        assert err.message
        assert 0 <= err.start <= err.end <= len(text)
        assert err.text == (text if len(text) <= MAX_LENGTH else text[:MAX_LENGTH] + "…")
        width = max(1, err.end - err.start)
        assert err.caret().split("\n")[-1] == " " * err.start + "^" * width
        return
    if len(e.canonical) > MAX_LENGTH:
        # Spaces and explicit * can make it longer than what was typed (x+x+...: twice as long);
        # then it is refused like any other long text, not misread.
        with pytest.raises(ExprError, match="too long"):
            parse(e.canonical)
        return
    again = parse(e.canonical)
    assert again.structure == e.structure, (text, e.canonical)
    assert again.canonical == e.canonical
    _same_numbers(e, again)


@FUZZ
@given(st.text(max_size=80))
def test_arbitrary_text_only_raises_expr_error(text: str) -> None:
    _check(text)


@FUZZ
@given(st.text(alphabet=GRAMMAR_CHARS, max_size=40))
def test_grammar_shaped_text_only_raises_expr_error(text: str) -> None:
    _check(text)


def _leaves() -> st.SearchStrategy[Node]:
    numbers = st.one_of(
        st.integers(0, 1000).map(float),
        st.floats(0, 1e20, allow_nan=False, allow_infinity=False),
    )
    return st.one_of(
        numbers.map(Num),
        st.just(Var()),
        st.sampled_from(sorted(CONSTANTS)).map(Const),
        st.sampled_from(PARAM_LETTERS + GREEK).map(Param),
    )


def _extend(children: st.SearchStrategy[Node]) -> st.SearchStrategy[Node]:
    unary = sorted(name for name, f in FUNCTIONS.items() if f.arity == 1)
    binary = sorted(name for name, f in FUNCTIONS.items() if f.arity == 2)
    return st.one_of(
        children.map(Neg),
        st.tuples(st.sampled_from("+-*/^"), children, children).map(lambda t: BinOp(*t)),
        st.tuples(st.sampled_from(unary), children).map(lambda t: Call(t[0], (t[1],))),
        st.tuples(st.sampled_from(binary), children, children).map(
            lambda t: Call(t[0], (t[1], t[2]))
        ),
    )


@FUZZ
@given(st.recursive(_leaves(), _extend, max_leaves=25))
def test_canonical_text_parses_back_to_the_same_tree(tree: Node) -> None:
    text = canonical(tree)
    assert structure(parse_tree(text)) == structure(tree), text
    _same_numbers(Expression(text, tree), parse(text))


_TYPED = str.maketrans({"·": "*", "−": "-", "π": "pi", **{c: "" for c in "⁰¹²³⁴⁵⁶⁷⁸⁹⁻"}})
_SUPER = {c: d for c, d in zip("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-", strict=True)}


def _as_typed(pretty_text: str) -> str:
    """The pretty form as a student would type it: ^ for superscripts, names for symbols."""
    out, run = [], ""
    for ch in pretty_text + " ":
        if ch in _SUPER:
            run += _SUPER[ch]
            continue
        if run:
            out.append(f"^({run})")
            run = ""
        out.append(ch)
    text = "".join(out)[:-1]
    for name, symbol in GREEK_SYMBOLS.items():
        text = text.replace(symbol, f" {name} ")
    return text.translate(_TYPED)


@FUZZ
@given(st.recursive(_leaves(), _extend, max_leaves=25))
def test_the_pretty_form_never_glues_letters_and_types_back_to_the_same_tree(tree: Node) -> None:
    """What the app shows under the function field can be typed back: no "wx" that the parser
    would refuse as one unknown name."""
    shown = pretty(tree)
    assert structure(parse_tree(_as_typed(shown))) == structure(tree), (shown, _as_typed(shown))


HOSTILE = [
    "__import__('os').system('rm -rf /')",
    "().__class__.__bases__[0].__subclasses__()",
    "exec('import os')",
    "eval('1+1')",
    "open('/etc/passwd').read()",
    "lambda: 0",
    "[x for x in range(10**9)]",
    "{}.get",
    "x if x else y",
    "globals()",
    "import os; os.system('ls')",
    "f'{x}'",
    "9**9**9**9**9**9**9",
    "9^9^9^9",
    "10**10**10",
    "(" * 10_000 + "x" + ")" * 10_000,
    "-" * 10_000 + "x",
    "x" * 100_000,
    "1" * 100_000,
    "sin(" * 5_000 + "x" + ")" * 5_000,
    "(" * 250 + ")" * 250,
    "2^" * 200 + "2",
    "-" * 499 + "x",
    "sin " * 120 + "x",
    "|" * 500,
    "9" * 500,
    "1e" + "9" * 498,
    "x" * 500,
    " ".join("x" * 250),
    "x+" * 249 + "x",
    "\x00" * 500,
    "\ud800x",
    "x\u202e2",
]


@pytest.mark.parametrize("text", HOSTILE, ids=[repr(h[:24]) for h in HOSTILE])
def test_hostile_input_is_handled_quickly(text: str) -> None:
    start = time.perf_counter()
    _check(text)
    # Microseconds to a few milliseconds in practice; generous for a loaded shared machine.
    assert time.perf_counter() - start < 1.0


def test_huge_exponents_are_floats_not_big_integers() -> None:
    start = time.perf_counter()
    assert parse("9^9^9^9").at(0.0).value == math.inf
    assert parse("9**9**9**9**9**9**9").at(0.0).value == math.inf
    assert time.perf_counter() - start < 0.5


def test_long_and_deep_inputs_are_refused_before_any_work() -> None:
    for text in ["x" * 100_000, "(" * 10_000 + "x" + ")" * 10_000]:
        start = time.perf_counter()
        with pytest.raises(ExprError, match="too long"):
            parse(text)
        assert time.perf_counter() - start < 0.1
    with pytest.raises(ExprError, match="nested too deeply"):
        parse("(" * 100 + "x" + ")" * 100)
