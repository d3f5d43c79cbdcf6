"""SteadyLabel: a number that changes on every x step without laying its panel out again."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QVBoxLayout, QWidget

from gradexplorer.ui.steady_label import SteadyLabel


class _LayoutRequests(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QEvent.Type.LayoutRequest:
            self.count += 1
        return False


def test_it_shows_every_text_whole_and_only_grows(qtbot):
    panel = QWidget()
    layout = QVBoxLayout(panel)
    label = SteadyLabel("1.5")
    layout.addWidget(label)
    qtbot.addWidget(panel)
    panel.show()
    widths = []
    for text in ("1.5", "-123456.789", "2", "undefined", "-1.23457e+308", "0"):
        label.setText(text)
        assert label.width() >= label.fontMetrics().horizontalAdvance(text)
        widths.append(label.minimumWidth())
    assert widths == sorted(widths) and label.minimumWidth() == label.maximumWidth()


def test_new_numbers_of_a_width_already_seen_ask_no_layout(qtbot):
    panel = QWidget()
    layout = QVBoxLayout(panel)
    label = SteadyLabel("-0.000000")
    layout.addWidget(label)
    qtbot.addWidget(panel)
    panel.show()
    qtbot.wait(10)
    requests = _LayoutRequests()
    panel.installEventFilter(requests)
    for k in range(50):
        label.setText(f"{k / 7:.6f}")
        qtbot.wait(1)
    assert requests.count == 0


def test_a_larger_font_is_measured_again(qtbot):
    label = SteadyLabel("12345.678")
    qtbot.addWidget(label)
    before = label.width()
    font = QFont(label.font())
    font.setPointSizeF(font.pointSizeF() * 2)
    label.setFont(font)
    assert label.minimumWidth() > 1.5 * before
    assert label.minimumWidth() >= label.fontMetrics().horizontalAdvance("12345.678")


def _pointer(label: SteadyLabel, kind: QEvent.Type) -> None:
    from PySide6.QtCore import QPointF
    from PySide6.QtGui import QEnterEvent
    from PySide6.QtWidgets import QApplication

    if kind == QEvent.Type.Enter:
        centre = QPointF(label.rect().center())
        event = QEnterEvent(centre, centre, label.mapToGlobal(centre))
    else:
        event = QEvent(QEvent.Type.Leave)
    QApplication.sendEvent(label, event)


def test_a_selectable_number_is_plain_text_until_the_mouse_is_over_it(qtbot):
    from PySide6.QtCore import Qt

    label = SteadyLabel("-2.722e+05", selectable=True)
    qtbot.addWidget(label)
    plain, selectable = label.textInteractionFlags(), Qt.TextInteractionFlag.TextSelectableByMouse
    assert not plain & selectable
    # painted as plain text while x moves (no text document built per step)
    assert label.textInteractionFlags() == plain
    label.show()
    _pointer(label, QEvent.Type.Leave)  # wherever the platform put the pointer
    assert label.textInteractionFlags() == plain
    _pointer(label, QEvent.Type.Enter)
    assert label.textInteractionFlags() == selectable
    label.setSelection(0, 4)  # what a mouse drag over the number does
    _pointer(label, QEvent.Type.Leave)
    # a selection stays (to be copied) after the mouse leaves
    assert label.selectedText() == "-2.7" and label.textInteractionFlags() == selectable
    _pointer(label, QEvent.Type.Enter)
    qtbot.mouseClick(label, Qt.MouseButton.LeftButton)  # a click clears the selection
    assert not label.hasSelectedText()
    _pointer(label, QEvent.Type.Leave)
    assert label.textInteractionFlags() == plain
    # a label not made selectable never becomes so
    other = SteadyLabel("1.5")
    qtbot.addWidget(other)
    _pointer(other, QEvent.Type.Enter)
    assert not other.textInteractionFlags() & selectable


def test_the_readouts_numbers_can_be_selected_with_the_mouse(qtbot):
    from PySide6.QtCore import Qt

    from gradexplorer.ui import MainWindow

    win = MainWindow(expression="x^2 + 3x", x=2.0)
    qtbot.addWidget(win)
    win.show()
    for label in (
        win.readouts.value_label,
        win.readouts.derivative_label,
        win.readouts.second_label,
    ):
        _pointer(label, QEvent.Type.Enter)
        assert label.textInteractionFlags() == Qt.TextInteractionFlag.TextSelectableByMouse
        label.setSelection(0, len(label.text()))
        assert label.selectedText() == label.text() != ""
