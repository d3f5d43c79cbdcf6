"""The pieces the graph view draws: a box per node (or per collapsed subexpression) and an arrow
per edge with its local derivative. Sizes come from the texts they must hold, so nothing ever
overflows its box or needs shrinking below a legible size."""

from __future__ import annotations

import itertools
from typing import Any

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QPainterPath, QPen, QPolygonF
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsPathItem,
    QGraphicsPolygonItem,
    QGraphicsRectItem,
    QGraphicsSceneHoverEvent,
    QGraphicsSceneMouseEvent,
    QGraphicsSimpleTextItem,
)

from gradexplorer.formatting import NOT_COMPUTED, readout
from gradexplorer.ui.graph_groups import DisplayNode
from gradexplorer.ui.theme import GraphTheme

PAD_X, PAD_Y, LINE_GAP = 10.0, 5.0, 2.0
CORNER = 10.0
# The widest number a box must hold (readout with 4 digits): boxes are sized once per graph,
# so the texts of an x step never change a box's size.
WIDEST_NUMBER = "-8.888e+88"
PENDING_COLOR = "#9aa0a8"
WRONG_COLOR = "#d00000"  # a number that differs from the correct pass (wrong algorithms)


def make_fonts(base: QFont, scale: float) -> dict[str, QFont]:
    """The graph's fonts at a zoom (the window's: a projector scales them like every text)."""
    body = QFont(base)
    body.setPointSizeF(10.5 * scale)
    title = QFont(body)
    title.setPointSizeF(12.5 * scale)
    title.setBold(True)
    small = QFont(body)
    small.setPointSizeF(9.5 * scale)
    pending = QFont(body)
    pending.setPointSizeF(9.5 * scale)
    pending.setItalic(True)
    # a wrong number is bold as well as red: red alone is close to the gradients' own colour
    wrong = QFont(body)
    wrong.setBold(True)
    return {"title": title, "body": body, "small": small, "pending": pending, "wrong": wrong}


def second(node: Any) -> tuple[str, Any]:
    """A box's second number and its caption: the gradient (reverse mode) or the tangent. Not
    "v̇": DejaVu Sans, the usual Linux font, drops the dot over a v."""
    if hasattr(node, "tangent"):
        return "tangent", node.tangent
    return "grad", node.grad


def box_size(
    title: str, kind: str, fonts: dict[str, QFont], caption: str = "grad"
) -> tuple[float, float]:
    """Width and height of a box: its title, and (but for constants) two numbers, a corner tag."""
    title_m, body_m = QFontMetricsF(fonts["title"]), QFontMetricsF(fonts["body"])
    pend_m, small_m = QFontMetricsF(fonts["pending"]), QFontMetricsF(fonts["small"])
    if kind == "const":
        return max(title_m.horizontalAdvance(title) + 2 * PAD_X, 48.0), title_m.height() + 2 * PAD_Y
    # caption: the second number's ("grad", or "tangent" in forward mode: a wider box)
    widest = max(
        body_m.horizontalAdvance(f"value {WIDEST_NUMBER}"),
        body_m.horizontalAdvance(f"{caption}  {WIDEST_NUMBER}"),
        pend_m.horizontalAdvance(f"value {NOT_COMPUTED}"),
        pend_m.horizontalAdvance(f"{caption}  {NOT_COMPUTED}"),
        title_m.horizontalAdvance(title) + 2 * small_m.horizontalAdvance("u₁₂ ×99"),
    )
    height = title_m.height() + 2 * body_m.height() + 2 * LINE_GAP
    return widest + 2 * PAD_X, height + 2 * PAD_Y


class NodeItem(QGraphicsPathItem):
    """Rounded box: title on top, forward value and gradient below (a constant: its number)."""

    def __init__(
        self,
        box: DisplayNode,
        title: str,
        size: tuple[float, float],
        fonts: dict[str, QFont],
        theme: GraphTheme,
    ) -> None:
        super().__init__()
        self.box = box
        self.style_key = box.kind
        self.compact = box.kind == "const"
        self.width, self.height = size
        path = QPainterPath()
        path.addRoundedRect(QRectF(0, 0, self.width, self.height), CORNER, CORNER)
        self.setPath(path)
        self.setZValue(2)
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)  # box never changes
        self._fonts = fonts
        self.label = title
        self.title = self._text(fonts["title"], title)
        r = self.title.boundingRect()
        top = (self.height - r.height()) / 2 if self.compact else PAD_Y
        self.title.setPos((self.width - r.width()) / 2, top)
        body_h = QFontMetricsF(fonts["body"]).height()
        self.value_text = self._text(fonts["body"], "")
        self.grad_text = self._text(fonts["body"], "")
        for item in (self.value_text, self.grad_text):
            item.setCacheMode(QGraphicsItem.CacheMode.NoCache)
        self.value_text.setPos(PAD_X, PAD_Y + r.height() + LINE_GAP)
        self.grad_text.setPos(PAD_X, PAD_Y + r.height() + 2 * LINE_GAP + body_h)
        for item in (self.value_text, self.grad_text):
            item.setVisible(not self.compact)
        # Corner texts: the step-through's name (u₁, y) at the left, a badge at the right (visits
        # of a wrong algorithm, or "1 of 3" for an input drawn once per use).
        self.tag = self._text(fonts["small"], "")
        self.tag.setPos(PAD_X / 2, 2)
        self.tag.setVisible(False)
        self.badge = self._text(fonts["small"], "")
        self.badge.setVisible(False)
        self.copy_note = f"{box.copy + 1}/{box.copies}" if box.copies > 1 else ""
        self.live_badge = ""  # shown outside a step-through (the seed in forward mode)
        self.live_tag = ""  # shown outside a step-through: the name a definition gave the node
        self.node: Any = None
        self.on_double_click: Any = None
        self.setAcceptHoverEvents(True)
        self.restyle(theme)
        self._show_badge(self.copy_note)

    def _text(self, font: QFont, text: str) -> QGraphicsSimpleTextItem:
        item = QGraphicsSimpleTextItem(text, self)
        item.setFont(font)
        # A simple text item lays its text out (shaping) on every paint, and every x step
        # repaints the box for its numbers: the title and corner texts, which stay, are
        # painted once into a pixmap (the numbers change each step, so they are not).
        item.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        return item

    def restyle(self, theme: GraphTheme) -> None:
        """Fill, border and text colours of this box in a theme (light, dark, presentation)."""
        self.theme = theme
        st = theme.nodes[self.style_key]
        self.setBrush(QBrush(QColor(st.fill)))
        pen = QPen(QColor(st.border), st.width * theme.border_scale)
        if st.dashed or self.box.copies > 1:  # dashed: one of several drawings of an input
            pen.setStyle(Qt.PenStyle.DashLine)
        self.setPen(pen)
        self._pen = pen
        text = QBrush(QColor(st.text))
        for item in (self.title, self.value_text, self.tag, self.badge):
            item.setBrush(text)
        self.grad_text.setBrush(QBrush(QColor(theme.grad)))

    def set_node(self, node: Any) -> None:
        """The live numbers of the trace node this box shows."""
        self.node = node
        self.value_text.setText(f"value {readout(node.value, 4)}")
        caption, number = second(node)
        self.grad_text.setText(f"{caption}  {'—' if number is None else readout(number, 4)}")

    def set_copy_note(self, note: str) -> None:
        """Which drawing of an input used many times this box is ("2/3")."""
        self.copy_note = note
        self._show_badge(self.live_badge or note)

    def set_live_tag(self, name: str) -> None:
        """The corner name shown with the live numbers (a defined name: u)."""
        self.live_tag = "" if name == self.label else name
        self.tag.setText(self.live_tag)
        self.tag.setVisible(bool(self.live_tag))

    def set_live_badge(self, text: str) -> None:
        """A badge shown with the live numbers (the seed of forward mode)."""
        self.live_badge = text
        self._show_badge(text or self.copy_note)

    def set_step(
        self,
        name: str,
        value: str | None,
        second: str | None,
        highlight: str | None,
        *,
        caption: str = "grad",
        badge: str = "",
        wrong: bool = False,
    ) -> None:
        """Step-through look: a text is the number known so far, None means not computed yet
        (shown in words and grey, never as 0); ``highlight`` is the current node's outline.
        ``caption`` names the second number (grad, or tangent); ``badge`` is a tag in
        the top-right corner; ``wrong`` draws the second number in red."""
        second_colour = WRONG_COLOR if wrong else self.theme.grad
        for item, words, text, colour in (
            (self.value_text, "value ", value, self.theme.nodes[self.style_key].text),
            (self.grad_text, f"{caption}  ", second, second_colour),
        ):
            item.setText(words + (NOT_COMPUTED if text is None else text))
            body = "wrong" if wrong and item is self.grad_text else "body"
            item.setFont(self._fonts["pending" if text is None else body])
            item.setBrush(QBrush(QColor(PENDING_COLOR if text is None else colour)))
        show_tag = name not in ("", self.label)
        self.tag.setText(name if show_tag else "")
        self.tag.setVisible(show_tag)
        self._show_badge(badge or self.copy_note)
        if highlight is None:
            self.setPen(self._pen)
        else:
            self.setPen(QPen(QColor(highlight), 5.0 * self.theme.border_scale))
        self.setZValue(3 if highlight else 2)

    def clear_step(self) -> None:
        self.setZValue(2)
        self.tag.setText(self.live_tag)
        self.tag.setVisible(bool(self.live_tag))
        self._show_badge(self.live_badge or self.copy_note)
        for item in (self.value_text, self.grad_text):
            item.setFont(self._fonts["body"])
        self.restyle(self.theme)
        if self.node is not None:
            self.set_node(self.node)

    def _show_badge(self, text: str) -> None:
        self.badge.setText(text)
        self.badge.setPos(self.width - PAD_X / 2 - self.badge.boundingRect().width(), 2)
        self.badge.setVisible(bool(text))

    def texts(self) -> list[QGraphicsSimpleTextItem]:
        """The texts drawn now (for the legibility checks)."""
        items = (self.title, self.value_text, self.grad_text, self.tag, self.badge)
        return [t for t in items if t.isVisible() and t.text()]

    def hoverEnterEvent(self, event: QGraphicsSceneHoverEvent) -> None:
        # Built on hover rather than on every x step: full-precision texts for every box are a
        # visible share of a step's budget.
        node = self.node
        if node is not None:
            what = self.theme.nodes[self.style_key].caption
            caption, number = second(node)
            if caption == "grad":
                shown = "not reached" if number is None else readout(number, 12)
                line = f"grad (∂f/∂ this node): {shown}"
            else:
                shown = "none" if number is None else readout(number, 12)
                line = f"tangent (∂ this node/∂ seed): {shown}"
            self.setToolTip(
                f"{what}: {self.full_title}\nop: {node.op}\nvalue: {readout(node.value, 12)}\n"
                + line
                + (f"\n{self.double_click_hint}" if self.double_click_hint else "")
            )
        super().hoverEnterEvent(event)

    full_title = ""
    double_click_hint = ""  # what a double-click does to this box, if anything

    def mouseDoubleClickEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if self.on_double_click is not None:
            self.on_double_click(self)
        event.accept()


class EdgeItem(QGraphicsPathItem):
    """An arrow through its waypoints, with a label box for its local derivative."""

    def __init__(self, points: list[QPointF], fonts: dict[str, QFont], theme: GraphTheme) -> None:
        super().__init__()
        self.points = points
        self.highlighted = False
        self._highlight: str | None = None
        self.setZValue(0)
        path = QPainterPath(points[0])
        for a, b in itertools.pairwise(points):
            dx = (b.x() - a.x()) * 0.5
            path.cubicTo(QPointF(a.x() + dx, a.y()), QPointF(b.x() - dx, b.y()), b)
        self.setPath(path)
        self._candidates: list[tuple[float, float]] | None = None
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)  # only labels change
        end = points[-1]
        head = QPolygonF(
            [end, QPointF(end.x() - 9, end.y() - 4.5), QPointF(end.x() - 9, end.y() + 4.5)]
        )
        self.arrow = QGraphicsPolygonItem(head, self)
        self.arrow.setPen(QPen(Qt.PenStyle.NoPen))
        # A scene item of its own, above every arrow (a child would sink under a highlighted
        # arrow drawn later) and below the boxes; the view adds it to the scene.
        self.label_box = _LabelBox(self)
        self.label_box.setZValue(1.5)
        self.label_text = QGraphicsSimpleTextItem(self.label_box)
        self.label_text.setFont(fonts["small"])
        self.label_text.setPos(3, 1)
        self.has_local = True
        self.contribution: Any = None  # what this arrow adds to its source's gradient
        self.forward = False  # forward mode: the contribution is local × the input's tangent
        self.placed = False  # the label found room where it overlaps nothing
        self.restyle(theme)

    def label_candidates(self) -> list[tuple[float, float]]:
        """Where the label may go, best first: on the last stretch near the op it feeds (where
        arrows fan apart), then further back along the arrow."""
        if self._candidates is None:  # the path is fixed once drawn: measured once
            path = self.path()
            self._candidates = [
                (p.x(), p.y())
                for t in (0.8, 0.7, 0.88, 0.6, 0.5, 0.4, 0.3, 0.2)
                for p in (path.pointAtPercent(t),)
            ]
        return self._candidates

    def label_size(self, text: str) -> tuple[float, float]:
        m = QFontMetricsF(self.label_text.font())
        return m.horizontalAdvance(text) + 6, m.height() + 2

    def place_label(self, centre: tuple[float, float] | None) -> None:
        self.placed = centre is not None
        if centre is not None:
            w, h = self.label_size(self.label_text.text())
            self.label_box.setRect(QRectF(0, 0, w, h))
            self.label_box.setPos(centre[0] - w / 2, centre[1] - h / 2)

    def restyle(self, theme: GraphTheme) -> None:
        """Line, arrow head and label colours in a theme."""
        self.theme = theme
        pen = QPen(QColor(theme.edge), theme.edge_width)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        self.setPen(pen)
        self._pen = pen
        self.arrow.setBrush(QBrush(QColor(theme.edge)))
        fill = QColor(theme.label_fill)
        fill.setAlpha(theme.label_alpha)
        self.label_box.setBrush(QBrush(fill))
        self.label_box.setPen(QPen(QColor(theme.label_border), 0.8))
        self.label_text.setBrush(QBrush(QColor(theme.label_text)))

    def set_highlight(self, colour: str | None, force: bool = False) -> None:
        """Step-through: the edge carrying the current contribution, thick and in colour."""
        if colour == self._highlight and not force:
            return  # most edges keep their look at each step: restyling all of them costs
        self._highlight = colour
        self.highlighted = colour is not None
        self.setZValue(1 if self.highlighted else 0)
        if colour is None:
            self.restyle(self.theme)
            return
        pen = QPen(QColor(colour), max(4.5, 2.5 * self.theme.edge_width))
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        self.setPen(pen)
        self.arrow.setBrush(QBrush(QColor(colour)))
        self.label_box.setPen(QPen(QColor(colour), 2.0))


class _LabelBox(QGraphicsRectItem):
    """An edge's label; hovering it gives the full-precision numbers."""

    def __init__(self, edge: EdgeItem) -> None:
        super().__init__()
        self.edge = edge
        self.setAcceptHoverEvents(True)

    def hoverEnterEvent(self, event: QGraphicsSceneHoverEvent) -> None:
        e = self.edge
        contribution = "—" if e.contribution is None else readout(e.contribution, 12)
        if e.forward:
            local = e.label_text.text().split(" × ")[0]
            self.setToolTip(
                f"local derivative: {local} (d result / d input)\n"
                f"local × tangent(input) = {contribution}: what it adds to tangent(result)"
            )
        else:
            self.setToolTip(
                f"local derivative: {e.label_text.text().removeprefix('∂ ')} (d result / d "
                f"input)\nadds grad(result) × local = {contribution} to grad(input)"
            )
        super().hoverEnterEvent(event)
