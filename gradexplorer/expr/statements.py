"""The statements step of the parser: definitions before the expression.

    text       := (definition separator)* expression
    definition := name "=" sum               u = x + x
    separator  := ";" | a line break that ends a complete definition

"u = x + x; u^2 + 3u", or one definition per line. A defined name stands for the node of its
value (no alias node), used as often as it is written; it is not a parameter. The names follow
the language's rules: a single letter other than x and e, a Greek name, or one of those with a
subscript (u_1, u₁). A name defined twice, used before its definition, used in its own
definition (a cycle), or never used, is an error with a position and a hint.

The last statement is the expression; the board-style "y =" / "f(x) =" in front of it is the
parser's own ``_drop_definition`` step, which runs after this one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from gradexplorer.errors import ExprError
from gradexplorer.expr.lexer import Token
from gradexplorer.expr.names import definition_problem, display_name
from gradexplorer.expr.nodes import Ref

# A line break inside a definition continues it when the line cannot end there.
_CONTINUES_AFTER = ("op", "(", ",", "=", "|")
_CONTINUES_BEFORE = ("op", ")", "sup", "=", ",")


@dataclass
class Piece:
    """The tokens of one statement (ending with an "eof" token where it ends) and the ';' or
    line break that ended it (None for the last)."""

    tokens: list[Token]
    separator: Token | None

    @property
    def empty(self) -> bool:
        return self.tokens[0].kind == "eof"

    @property
    def is_definition(self) -> bool:
        t = self.tokens
        return len(t) >= 2 and t[0].kind == "name" and t[1].kind == "="


def split(tokens: list[Token]) -> list[Piece]:
    """Cut the token stream into statements at ';' and at line breaks that end a definition.
    Line breaks are dropped: no later step sees one."""
    pieces: list[Piece] = []
    current: list[Token] = []
    depth = 0
    for i, tok in enumerate(tokens):
        if tok.kind == "nl":
            if current and depth == 0 and _ends_definition(current, tokens[i + 1 :]):
                pieces.append(_piece(current, tok))
                current = []
            continue
        if tok.kind == ";" or tok.kind == "eof":
            pieces.append(_piece(current, tok if tok.kind == ";" else None, tok))
            current = []
            continue
        depth += {"(": 1, ")": -1}.get(tok.kind, 0)
        current.append(tok)
    return pieces


def _piece(tokens: list[Token], separator: Token | None, end: Token | None = None) -> Piece:
    stop = end or separator
    assert stop is not None
    return Piece([*tokens, Token("eof", "", stop.start, stop.start)], separator)


def _ends_definition(current: list[Token], rest: list[Token]) -> bool:
    following = next((t for t in rest if t.kind != "nl"), None)
    return (
        len(current) >= 3
        and current[0].kind == "name"
        and current[1].kind == "="
        and current[-1].kind not in _CONTINUES_AFTER
        and following is not None
        and following.kind not in ("eof", ";", *_CONTINUES_BEFORE)
    )


@dataclass
class Scope:
    """The names defined so far while the statements are parsed in order, and the checks a use
    of a name goes through."""

    text: str
    max_depth: int
    # every definition's name token and value tokens, for "used before its definition" and cycles
    later: dict[str, list[Token]] = field(default_factory=dict)
    defined: dict[str, int] = field(default_factory=dict)  # name -> nesting depth of its value
    uses: dict[str, int] = field(default_factory=dict)
    current: str | None = None  # the name being defined
    deepest: int = 0  # nesting reached through defined names in the current statement

    def begin(self, name: str) -> None:
        self.current, self.deepest = name, 0

    def define(self, name: str, depth: int) -> None:
        self.defined[name] = max(depth, self.deepest)
        self.uses[name] = 0
        self.current = None

    def use(self, tok: Token, depth: int) -> Ref | None:
        """The reference a name stands for, or None for a parameter; raises ExprError for a name
        that cannot be used here."""
        name = tok.value
        if name in self.defined:
            total = depth + self.defined[name]
            if total > self.max_depth:
                raise self._error(
                    f"the expression is nested too deeply (more than {self.max_depth} levels, "
                    "counting the definitions it uses)",
                    tok,
                    "parentheses, functions, signs and powers inside each other all count",
                )
            self.deepest = max(self.deepest, total)
            self.uses[name] += 1
            return Ref(name, span=(tok.start, tok.end))
        shown = display_name(name)
        if name == self.current:
            raise self._error(
                f"{shown} is used in its own definition (a cycle)",
                tok,
                "a definition can only use names defined before it",
            )
        if name in self.later and self.current is not None:
            if self._reaches(name, self.current):
                raise self._error(
                    f"{display_name(self.current)} and {shown} are defined in terms of each "
                    "other (a cycle)",
                    tok,
                    "a definition can only use names defined before it",
                )
            raise self._error(
                f"{shown} is used before its definition",
                tok,
                f"move '{shown} = …' before this line",
            )
        if "_" in name:
            raise self._error(
                f"{shown} is not defined",
                tok,
                f"define it first, as in {name} = x + x; then use it",
            )
        return None

    def _reaches(self, start: str, target: str) -> bool:
        """Whether the definition of start uses target, directly or through later names."""
        seen, todo = set(), [start]
        while todo:
            name = todo.pop()
            if name in seen:
                continue
            seen.add(name)
            for t in self.later.get(name, [])[2:]:
                if t.kind == "name" and t.value == target:
                    return True
                if t.kind == "name" and t.value in self.later and t.value not in self.defined:
                    todo.append(t.value)
        return False

    def _error(self, message: str, tok: Token, hint: str | None) -> ExprError:
        return ExprError(message, tok.start, tok.end, text=self.text, hint=hint)


def check_heads(text: str, pieces: list[Piece]) -> dict[str, list[Token]]:
    """Every statement before the last must be a definition of a fresh, definable name.
    Returns each definition's tokens by name."""
    heads: dict[str, list[Token]] = {}
    for piece in pieces[:-1]:
        sep = piece.separator
        assert sep is not None
        if piece.empty:
            raise ExprError(
                "nothing before this ';'", sep.start, sep.end, text=text, hint="remove the ';'"
            )
        if not piece.is_definition:
            raise ExprError(
                "only one expression at a time: what comes before ';' must define a name",
                sep.start,
                sep.end,
                text=text,
                hint="write u = x + x; then the expression, as in u = x + x; u^2 + 3u",
            )
        name = piece.tokens[0]
        problem = definition_problem(name.value)
        if problem is not None:
            raise ExprError(problem[0], name.start, name.end, text=text, hint=problem[1])
        if name.value in heads:
            first = heads[name.value][0]
            shown = display_name(name.value)
            raise ExprError(
                f"{shown} is defined twice (first at character {first.start + 1})",
                name.start,
                name.end,
                text=text,
                hint=f"give this value another name, such as {name.value.split('_')[0]}_2",
            )
        if piece.tokens[2].kind == "eof":
            eq = piece.tokens[1]
            raise ExprError(
                "nothing after '='", eq.start, eq.end, text=text, hint=f"write {name.value} = x + x"
            )
        heads[name.value] = piece.tokens
    return heads


def check_body(text: str, pieces: list[Piece]) -> None:
    """The last statement is the expression: it must exist."""
    body = pieces[-1]
    if not body.empty or len(pieces) == 1:
        return
    sep = pieces[-2].separator
    assert sep is not None
    raise ExprError(
        "the definitions need an expression after them",
        sep.start,
        sep.end,
        text=text,
        hint="write the function after the last ';', as in u = x + x; u^2 + 3u",
    )


def check_used(text: str, scope: Scope, heads: dict[str, list[Token]]) -> None:
    for name, tokens in heads.items():
        if scope.uses.get(name, 0) == 0:
            shown = display_name(name)
            raise ExprError(
                f"{shown} is defined but never used",
                tokens[0].start,
                tokens[0].end,
                text=text,
                hint=f"use {shown} after its definition, or remove '{shown} = …'",
            )
