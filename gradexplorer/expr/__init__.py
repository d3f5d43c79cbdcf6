"""The expression language: typed text -> syntax tree -> engine graph.

Safe by construction: a hand-written parser whose grammar is the whitelist (no eval, exec,
compile or Python ast of user text), with limits on length and nesting.
"""

from gradexplorer.errors import ExprError
from gradexplorer.expr.expression import Expression, parse, parse_number
from gradexplorer.expr.lexer import MAX_LENGTH
from gradexplorer.expr.parser import MAX_DEPTH
from gradexplorer.expr.points import ForwardPoint, GridSamples, Point, Samples, SurfacePoint
from gradexplorer.expr.surface import Slice

__all__ = [
    "MAX_DEPTH",
    "MAX_LENGTH",
    "ExprError",
    "Expression",
    "ForwardPoint",
    "GridSamples",
    "Point",
    "Samples",
    "Slice",
    "SurfacePoint",
    "parse",
    "parse_number",
]
