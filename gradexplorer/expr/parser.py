"""Tokens -> syntax tree, by recursive descent. The grammar is the whitelist: anything it does
not describe is an ExprError with a span and, where it helps, a hint.

    expression := sum
    sum        := product (("+" | "-") product)*
    product    := unary (("*" | "/") unary | implicit)*      implicit: juxtaposition, as "*"
    unary      := ("-" | "+") unary | power                  so -x^2 = -(x^2)
    power      := postfix ("^" unary)?                       right-associative: 2^3^2 = 2^9
    postfix    := atom sup*                                  x² x³
    atom       := number | x | constant | parameter | "(" sum ")" | "|" sum "|" | call
    call       := function ("^" exponent | sup)? ("(" sum ("," sum)* ")" | argument)
    argument   := ("-" | "+")* power power*                  sin 2x = sin(2x); stops at a function

Nesting (parentheses, bars, calls, unary signs, exponents) is limited to MAX_DEPTH, which also
bounds the recursion of this parser; a defined name counts with the nesting of its value, so the
limit holds for the whole text.

Before any of this, the statements step (statements.py) cuts the text into definitions and the
expression: "u = x + x; u^2 + 3u". Then ``_drop_definition`` drops a board-style "y =" or
"f(x) =" in front of the expression.
"""

from __future__ import annotations

from dataclasses import dataclass

from gradexplorer.errors import ExprError
from gradexplorer.expr import statements
from gradexplorer.expr.lexer import Token, tokenize
from gradexplorer.expr.names import CONSTANTS, FUNCTIONS, VARIABLE, definition_problem
from gradexplorer.expr.nodes import BinOp, Call, Const, Definition, Neg, Node, Num, Param, Var

MAX_DEPTH = 64

_INVERSE = {"sin": "asin", "cos": "acos", "tan": "atan"}


MAX_INPUTS = 2
_COUNT = {2: "two"}
DEFAULT_INPUTS = (VARIABLE,)


@dataclass(frozen=True)
class Program:
    """What a text says: its definitions, in order, the expression (which uses them) and the
    inputs the expression's signature declares (("x",) without one)."""

    definitions: tuple[Definition, ...]
    tree: Node
    inputs: tuple[str, ...] = DEFAULT_INPUTS


def parse_program(text: str) -> Program:
    """Parse text into definitions and a syntax tree. Raises ExprError (and nothing else)."""
    if not isinstance(text, str):
        raise ExprError("the expression must be text", 0, 0, text="")
    pieces = statements.split(tokenize(text))
    heads = statements.check_heads(text, pieces)
    statements.check_body(text, pieces)
    scope = statements.Scope(text, MAX_DEPTH, later=heads)
    # the signature stands before the expression but names the inputs of the definitions too
    inputs, body = _drop_definition(pieces[-1].tokens, text)
    definitions = []
    for piece in pieces[:-1]:
        name = piece.tokens[0]
        scope.begin(name.value)
        parser = _Parser(text, piece.tokens[2:], scope, inputs)
        value = parser.parse()
        scope.define(name.value, parser.deepest)
        definitions.append(Definition(name.value, value, (name.start, name.end)))
    tree = _parse_expression(text, pieces[-1].tokens, body, scope, inputs)
    statements.check_used(text, scope, heads)
    return Program(tuple(definitions), tree, inputs)


def parse_tree(text: str) -> Node:
    """Parse text into a syntax tree (the expression; see parse_program for its definitions)."""
    return parse_program(text).tree


def parse_function(text: str) -> tuple[Node, tuple[str, ...]]:
    """The syntax tree and the inputs its signature declares (("x",) without one)."""
    program = parse_program(text)
    return program.tree, program.inputs


def _parse_expression(
    text: str,
    tokens: list[Token],
    body: list[Token],
    scope: statements.Scope,
    inputs: tuple[str, ...],
) -> Node:
    if len(body) < len(tokens) and body[0].kind == "eof":
        eq = tokens[len(tokens) - len(body) - 1]
        raise ExprError("nothing after '='", eq.start, eq.end, text=text, hint="write y = x^2")
    if len(body) == len(tokens) and _lone_definition(tokens):
        name = tokens[0]
        raise ExprError(
            f"{name.value} = … defines {name.value}, but no expression follows",
            tokens[1].start,
            tokens[1].end,
            text=text,
            hint=f"write the function after a ';', as in {name.value} = x + x; {name.value}^2",
        )
    return _Parser(text, body, scope, inputs).parse()


def _lone_definition(tokens: list[Token]) -> bool:
    """ "u = x + x" alone: a definition with nothing after it (x = 3 is not one)."""
    return (
        len(tokens) > 3
        and tokens[0].kind == "name"
        and tokens[1].kind == "="
        and definition_problem(tokens[0].value) is None
    )


def _drop_definition(tokens: list[Token], text: str) -> tuple[tuple[str, ...], list[Token]]:
    """Accept and drop a leading "y =" or a signature "f(x) =", "f(x, y) =", "f(w, b) =" (as
    written on a board); the signature's names are the inputs."""
    kinds = [(t.kind, t.value) for t in tokens[:2]]
    if len(kinds) == 2 and kinds[0] == ("name", "y") and kinds[1][0] == "=":
        return DEFAULT_INPUTS, tokens[2:]
    close = _signature_end(tokens)
    if close is None:
        return DEFAULT_INPUTS, tokens
    return _signature(tokens[2:close], tokens[1], tokens[close], text), tokens[close + 2 :]


def _signature_end(tokens: list[Token]) -> int | None:
    """Index of the ")" of a leading "f(...)" followed by "=", or None when there is none."""
    head = tokens[0]
    if not (
        head.kind == "name"
        and len(head.value) == 1
        and head.value != VARIABLE
        and head.value not in CONSTANTS  # e(x) = ... is not a definition: e is a number
        and len(tokens) > 2
        and tokens[1].kind == "("
    ):
        return None
    for i in range(2, len(tokens) - 1):
        if tokens[i].kind in ("(", "|", "=", "eof"):
            return None
        if tokens[i].kind == ")":
            return i if tokens[i + 1].kind == "=" else None
    return None


def _signature(names: list[Token], opener: Token, closer: Token, text: str) -> tuple[str, ...]:
    """The input names between the parentheses of a signature, checked."""

    def error(message: str, start: int, end: int, hint: str) -> ExprError:
        return ExprError(message, start, end, text=text, hint=hint)

    example = "write f(x) = ... or f(x, y) = ..."
    if not names:
        raise error("the signature names no input", opener.start, closer.end, example)
    inputs: list[str] = []
    for k, tok in enumerate(names):
        if k % 2 == 1:
            if tok.kind == "name":
                raise error("separate the inputs with commas", tok.start, tok.end, example)
            if tok.kind != ",":
                raise error("a signature lists names of inputs", tok.start, tok.end, example)
            continue
        if tok.kind != "name":
            raise error("a signature lists names of inputs", tok.start, tok.end, example)
        if tok.value in FUNCTIONS or tok.value in CONSTANTS:
            what = "a function" if tok.value in FUNCTIONS else "a constant"
            raise error(
                f"{tok.value} is {what}, not a name for an input",
                tok.start,
                tok.end,
                "name inputs with letters, as in f(x, y) or f(w, b)",
            )
        if tok.value in inputs:
            raise error(
                f"{tok.value} appears twice in the signature",
                tok.start,
                tok.end,
                "name each input once, as in f(x, y)",
            )
        if len(inputs) == MAX_INPUTS:
            raise error(
                f"at most {_COUNT[MAX_INPUTS]} inputs are supported",
                tok.start,
                names[-1].end,
                "other letters in the function stay parameters with sliders",
            )
        inputs.append(tok.value)
    if names[-1].kind == ",":
        raise error("a signature lists names of inputs", names[-1].start, closer.end, example)
    return tuple(inputs)


def _arity_hint(func: str, arity: int, args: list[Node]) -> str:
    if func in ("log", "ln") and len(args) == 2:
        base = args[1]
        if isinstance(base, Num) and base.value in (2.0, 10.0):
            b = int(base.value)
            return f"{func} is the natural log; for base {b} write log{b}(x)"
        return f"{func} is the natural log; write log2(x), log10(x), or ln(x)/ln(b) for base b"
    return f"write {func}(x)" if arity == 1 else f"write {func}(x, 0)"


def _starts_operand(tok: Token) -> bool:
    return tok.kind in ("num", "name", "(", "|")


class _Parser:
    def __init__(
        self,
        text: str,
        tokens: list[Token],
        scope: statements.Scope | None = None,
        inputs: tuple[str, ...] = DEFAULT_INPUTS,
    ) -> None:
        self.text = text
        self.tokens = tokens
        self.scope = scope or statements.Scope(text, MAX_DEPTH)
        self.inputs = inputs
        self.pos = 0
        self.depth = 0
        self.deepest = 0
        # How many "|" bars are open in the current parenthesis level: inside one, a "|" in
        # operator position closes it instead of starting an implicit product.
        self.open_bars = 0

    # ----- helpers
    @property
    def tok(self) -> Token:
        return self.tokens[self.pos]

    def peek(self, k: int = 1) -> Token:
        return self.tokens[min(self.pos + k, len(self.tokens) - 1)]

    def advance(self) -> Token:
        tok = self.tokens[self.pos]
        if tok.kind != "eof":
            self.pos += 1
        return tok

    def error(self, message: str, start: int, end: int, hint: str | None = None) -> ExprError:
        return ExprError(message, start, end, text=self.text, hint=hint)

    def enter(self, tok: Token) -> None:
        self.depth += 1
        self.deepest = max(self.deepest, self.depth)
        if self.depth > MAX_DEPTH:
            raise self.error(
                f"the expression is nested too deeply (more than {MAX_DEPTH} levels)",
                tok.start,
                tok.end,
                hint="parentheses, functions, signs and powers inside each other all count",
            )

    def leave(self) -> None:
        self.depth -= 1

    # ----- grammar
    def parse(self) -> Node:
        if self.tok.kind == "eof":
            raise self.error("the expression is empty", 0, len(self.text), hint="try x^2")
        node = self.sum()
        if self.tok.kind != "eof":
            raise self.unexpected(self.tok)
        return node

    def sum(self) -> Node:
        left = self.product()
        while self.tok.kind == "op" and self.tok.value in "+-":
            op = self.advance()
            right = self.product()
            left = BinOp(op.value, left, right, span=(left.span[0], right.span[1]))
        return left

    def product(self) -> Node:
        left = self.unary()
        while True:
            tok = self.tok
            if tok.kind == "op" and tok.value in "*/":
                self.advance()
                right = self.unary()
                left = BinOp(tok.value, left, right, span=(left.span[0], right.span[1]))
            elif self.starts_implicit(tok):
                if tok.kind == "num":
                    raise self.number_after(tok)
                right = self.power()
                left = BinOp("*", left, right, implicit=True, span=(left.span[0], right.span[1]))
            else:
                return left

    def starts_implicit(self, tok: Token) -> bool:
        if tok.kind == "|":
            return self.open_bars == 0
        return _starts_operand(tok)

    def number_after(self, tok: Token) -> ExprError:
        prev = self.tokens[self.pos - 1]
        if prev.kind == "num":
            return self.error(
                "two numbers side by side",
                prev.start,
                tok.end,
                hint=f"put an operator between them, e.g. {prev.value}*{tok.value}",
            )
        return self.error(
            "a number cannot follow here without an operator",
            tok.start,
            tok.end,
            hint=f"write the number first (as in {tok.value}x) or put * before it",
        )

    def unary(self) -> Node:
        tok = self.tok
        if tok.kind == "op" and tok.value in "+-":
            self.advance()
            self.enter(tok)
            operand = self.unary()
            self.leave()
            if tok.value == "+":
                return operand
            return Neg(operand, span=(tok.start, operand.span[1]))
        return self.power()

    def power(self) -> Node:
        base = self.postfix()
        tok = self.tok
        if tok.kind == "op" and tok.value == "^":
            self.advance()
            self.enter(tok)
            exponent = self.unary()
            self.leave()
            return BinOp("^", base, exponent, span=(base.span[0], exponent.span[1]))
        return base

    def postfix(self) -> Node:
        node = self.atom()
        while self.tok.kind == "sup":
            sup = self.advance()
            exponent = Num(sup.number, sup.value, span=(sup.start, sup.end))
            node = BinOp("^", node, exponent, span=(node.span[0], sup.end))
        return node

    def atom(self) -> Node:
        tok = self.tok
        span = (tok.start, tok.end)
        if tok.kind == "num":
            self.advance()
            return Num(tok.number, tok.value, span=span)
        if tok.kind == "name":
            self.advance()
            if tok.value in self.inputs:
                return Var(tok.value, span=span)
            if tok.value == VARIABLE:
                raise self.error(
                    f"x is not an input of f({', '.join(self.inputs)})",
                    tok.start,
                    tok.end,
                    hint="add it to the signature, or use another letter for a parameter",
                )
            if tok.value in CONSTANTS:
                return Const(tok.value, span=span)
            if tok.value in FUNCTIONS:
                return self.call(tok)
            ref = self.scope.use(tok, self.depth)
            return ref if ref is not None else Param(tok.value, span=span)
        if tok.kind == "(":
            self.advance()
            self.enter(tok)
            if self.tok.kind == ")":
                raise self.error(
                    "empty parentheses", tok.start, self.tok.end, hint="put something inside ( )"
                )
            inner = self.grouped(tok, ")")
            self.leave()
            return inner
        if tok.kind == "|":
            self.advance()
            self.enter(tok)
            if self.tok.kind == "|" and not _starts_operand(self.peek()):
                raise self.error("empty | |", tok.start, self.tok.end, hint="write |x| for abs")
            inner = self.grouped(tok, "|")
            self.leave()
            return Call("abs", (inner,), span=(tok.start, self.tokens[self.pos - 1].end))
        raise self.expected_operand(tok)

    def grouped(self, opener: Token, closer: str) -> Node:
        """Parse the inside of ( ) or | | and the closing token."""
        saved = self.open_bars
        self.open_bars = 1 if closer == "|" else 0
        inner = self.sum()
        self.open_bars = saved
        if self.tok.kind != closer:
            if self.tok.kind == "eof":
                what = "')'" if closer == ")" else "closing '|'"
                raise self.error(
                    f"missing {what}",
                    opener.start,
                    opener.end,
                    hint=f"this '{opener.value}' is never closed",
                )
            raise self.unexpected(self.tok)
        self.advance()
        return inner

    def call(self, name: Token) -> Node:
        func = name.value
        self.enter(name)
        exponent: Node | None = None
        if self.tok.kind == "op" and self.tok.value == "^":
            caret = self.advance()
            self.enter(caret)
            exponent = self.unary()  # stops before "(": sin^2(x) is (sin x)^2
            self.leave()
            if (
                isinstance(exponent, Neg)
                and isinstance(exponent.operand, Num)
                and exponent.operand.value == 1
            ):
                inverse = _INVERSE.get(func)
                hint = f"write {inverse}(x)" if inverse else f"no inverse of {func} is available"
                raise self.error(
                    f"{func}^-1 would mean the inverse function",
                    name.start,
                    exponent.span[1],
                    hint=hint,
                )
        elif self.tok.kind == "sup":
            sup = self.advance()
            exponent = Num(sup.number, sup.value, span=(sup.start, sup.end))
        arity = FUNCTIONS[func].arity
        if self.tok.kind == "(":
            args = self.arguments(func, arity)
        elif arity != 1:
            raise self.error(
                f"{func} needs {arity} arguments in parentheses",
                name.start,
                name.end,
                hint=f"write {func}(x, 0)",
            )
        elif (self.tok.kind == "op" and self.tok.value in "+-") or _starts_operand(self.tok):
            args = (self.bare_argument(),)
        else:
            raise self.error(
                f"{func} needs an argument", name.start, name.end, hint=f"write {func}(x)"
            )
        self.leave()
        node: Node = Call(func, args, span=(name.start, self.tokens[self.pos - 1].end))
        if exponent is not None:
            node = BinOp("^", node, exponent, span=node.span)
        return node

    def arguments(self, func: str, arity: int) -> tuple[Node, ...]:
        opener = self.advance()
        saved = self.open_bars
        self.open_bars = 0
        if self.tok.kind == ")":
            raise self.error(
                f"{func}() needs an argument",
                opener.start,
                self.tok.end,
                hint=f"write {func}(x)" if arity == 1 else f"write {func}(x, 0)",
            )
        args = [self.sum()]
        while self.tok.kind == ",":
            self.advance()
            args.append(self.sum())
        self.open_bars = saved
        if self.tok.kind != ")":
            if self.tok.kind == "eof":
                raise self.error(
                    "missing ')'", opener.start, opener.end, hint="this '(' is never closed"
                )
            raise self.unexpected(self.tok)
        close = self.advance()
        if len(args) != arity:
            word = "argument" if arity == 1 else "arguments"
            error = self.error(
                f"{func} takes {arity} {word}, not {len(args)}",
                opener.start,
                close.end,
                hint=_arity_hint(func, arity, args),
            )
            error.fix = self._log_base_fix(func, opener, close, args)
            raise error
        return tuple(args)

    def _log_base_fix(self, func: str, opener: Token, close: Token, args: list[Node]) -> str | None:
        """log(x, 2) → log2(x): the one certain rewrite of a two-argument log."""
        index = self.tokens.index(opener)
        name = self.tokens[index - 1] if index > 0 else None
        base = args[1] if len(args) == 2 else None
        if (
            func not in ("log", "ln")
            or name is None
            or name.value != func
            or not (isinstance(base, Num) and base.value in (2.0, 10.0))
        ):
            return None
        inner = self.text[args[0].span[0] : args[0].span[1]]
        t = self.text
        return f"{t[: name.start]}log{int(base.value)}({inner}){t[close.end :]}"

    def bare_argument(self) -> Node:
        """The argument of a function written without parentheses, as in a textbook:
        sin 2x = sin(2x), sin x + 1 = sin(x) + 1, sin x cos x = sin(x)·cos(x)."""
        tok = self.tok
        if tok.kind == "op" and tok.value in "+-":
            self.advance()
            self.enter(tok)
            operand = self.bare_argument()
            self.leave()
            if tok.value == "+":
                return operand
            return Neg(operand, span=(tok.start, operand.span[1]))
        node = self.power()
        while (
            self.starts_implicit(self.tok)
            and self.tok.kind != "num"
            and not (self.tok.kind == "name" and self.tok.value in FUNCTIONS)
        ):
            right = self.power()
            node = BinOp("*", node, right, implicit=True, span=(node.span[0], right.span[1]))
        return node

    # ----- error messages
    def expected_operand(self, tok: Token) -> ExprError:
        prev = self.tokens[self.pos - 1] if self.pos > 0 else None
        after = f" after '{prev.value}'" if prev is not None and prev.kind == "op" else ""
        if tok.kind == "eof":
            opened = [t for t in self.tokens[: self.pos] if t.kind == "("]
            closed = sum(1 for t in self.tokens[: self.pos] if t.kind == ")")
            if len(opened) > closed:  # sin( : say what is missing, not only that something is
                opener = opened[closed - len(opened)]
                return self.error(
                    "the expression ends too early: the argument and ')' are missing",
                    opener.start,
                    opener.end,
                    hint="close every '(' with ')', as in sin(x)",
                )
            if prev is not None:
                return self.error(
                    f"the expression ends too early: something is missing{after}",
                    prev.start,
                    prev.end,
                )
            return self.error("the expression is empty", 0, len(self.text))
        if tok.kind == "op":
            if prev is not None and prev.kind == "op":
                return self.error(
                    f"'{tok.value}' cannot follow '{prev.value}'",
                    tok.start,
                    tok.end,
                    hint="two operators in a row: remove one",
                )
            return self.error(f"'{tok.value}' needs something on its left", tok.start, tok.end)
        if tok.kind == ")":
            return self.error(f"expected a value{after}, found ')'", tok.start, tok.end)
        if tok.kind == "sup":
            return self.error(
                "a power needs something to raise", tok.start, tok.end, hint="write x²"
            )
        return self.unexpected(tok)

    def unexpected(self, tok: Token) -> ExprError:
        if tok.kind == ")":
            return self.error("unmatched ')'", tok.start, tok.end, hint="remove it or add a '('")
        if tok.kind == "|":
            return self.error("unmatched '|'", tok.start, tok.end, hint="write |x| for abs")
        if tok.kind == ",":
            return self.error(
                "a ',' separates the arguments of max(a, b) or min(a, b) only",
                tok.start,
                tok.end,
                hint="write decimals with a point: 1.5",
            )
        if tok.kind == "=":
            return self.error(
                "'=' is only allowed at the start, as in y = x^2, f(x) = x^2 or f(x, y) = x y",
                tok.start,
                tok.end,
            )
        if tok.kind == "sup":
            return self.error("unexpected power", tok.start, tok.end)
        if tok.kind == "num":
            return self.number_after(tok)
        return self.error(f"unexpected '{tok.value}'", tok.start, tok.end)
